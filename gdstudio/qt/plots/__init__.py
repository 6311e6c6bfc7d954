"""The plots of the studio window (pyqtgraph), in one namespace.

- :class:`FunctionPlot`: one variable — the curve f(x), the path, the current point and
  its tangent; ``pointPicked(float)`` on a left click.
- :class:`ContourPlot`: two variables — heat map and iso-lines of f over the visible
  region, the path, the downhill arrow −∇f; ``pointPicked(float, float)`` on a click.
- :class:`TracesPanel`: loss (log-scale toggle), learning rate and parameters against
  the step, with linked step axes.
- :class:`ParameterTracesPlot`: parameters against the step (the centre plot for more
  than two variables).

Every plot takes the window's full mirror of the history in ``set_history`` at up to
60 Hz, tolerates NaN and infinite rows (a diverged run), and stays cheap at a million
rows. The function plots take a :class:`SurfaceSource`; wrap a function problem with
``SurfaceFunction.of(objective)``.
"""

from typing import TYPE_CHECKING

from gdstudio.qt.plots.common import OKABE_ITO, SurfaceFunction, SurfaceSource
from gdstudio.qt.plots.function import FunctionPlot
from gdstudio.qt.plots.traces import ParameterTracesPlot, TracesPanel

if TYPE_CHECKING:
    from gdstudio.qt.plots.contour import ContourPlot

__all__ = [
    "OKABE_ITO",
    "ContourPlot",
    "FunctionPlot",
    "ParameterTracesPlot",
    "SurfaceFunction",
    "SurfaceSource",
    "TracesPanel",
]


def __getattr__(name: str) -> object:
    """``ContourPlot``, imported on first use.

    The window opens on x², a function of one variable: the map's module (and the thread
    pool it computes in) loads with the first problem of two variables, not at start-up.
    """
    if name == "ContourPlot":
        from gdstudio.qt.plots.contour import ContourPlot  # lazy: see above

        return ContourPlot
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
