"""Animations without a window: the command line's ``--animate``.

The plots are made hidden, at the size asked, and drawn frame by frame as the window
would draw them; nothing is shown, so no display is needed (the caller sets
``QT_QPA_PLATFORM=offscreen`` before Qt loads when there is none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtWidgets import QApplication, QWidget

from gdstudio.qt.animation.frames import default_steps_per_frame, frame_lengths
from gdstudio.qt.animation.gif import encode_gif
from gdstudio.qt.animation.render import AnimationTarget, render_frames

__all__ = ["PLOTS", "animate_history"]

#: The plots the command line can animate.
PLOTS = ("main", "loss")


def animate_history(objective: Any, history: Any, path: Path, plot: str = "main",
                    fps: float = 10.0, size: tuple[int, int] = (640, 480),
                    steps_per_frame: int | None = None) -> tuple[int, int]:
    """Write the run ``history`` of ``objective`` as an animated GIF at ``path``.

    Returns the number of frames and the size of the file in bytes.
    """
    if plot not in PLOTS:
        raise ValueError(f"--animate-plot must be one of {', '.join(PLOTS)}, not {plot!r}")
    _application()
    target, keep = _target(objective, plot)
    target.widget.resize(*size)
    rows = len(history)
    steps = steps_per_frame or default_steps_per_frame(rows, fps)
    frames = render_frames(target, history, frame_lengths(rows, steps), size)
    del keep
    return len(frames), encode_gif(frames, path, fps)


def _application() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication(["gdstudio-cli"])


def _target(objective: Any, plot: str) -> tuple[AnimationTarget, list[QWidget]]:
    names = tuple(objective.param_names)
    if plot == "loss":
        from gdstudio.qt.plots import TracesPanel  # lazy: only the plots of the chosen kind

        panel = TracesPanel()
        loss = panel.loss_plot
        loss.setParent(None)  # drawn alone, at the size asked
        return AnimationTarget("Loss", loss, loss.set_history), [panel]
    widget = _main_plot(objective, names)
    return AnimationTarget("Main plot", widget, widget.set_history), []


def _main_plot(objective: Any, names: tuple[str, ...]) -> QWidget:
    # lazy: only the plots of the chosen kind
    from gdstudio.qt.plots import ContourPlot, FunctionPlot, ParameterTracesPlot, SurfaceFunction

    if len(names) > 2:
        traces = ParameterTracesPlot()
        traces.set_param_names(names)
        return traces
    if hasattr(objective, "compiled"):  # a function of one or two variables
        surface: Any = SurfaceFunction.of(objective)
        plot: Any = FunctionPlot() if len(names) == 1 else ContourPlot()
    else:  # a model fitted to data: its loss over the parameters
        # lazy: only the plots of the chosen kind
        from gdstudio.problems.loss_surface import LossSurface
        from gdstudio.qt.data.plots import LossContourPlot, LossCurvePlot

        surface = LossSurface(objective, names, np.zeros(len(names)))
        plot = LossCurvePlot() if len(names) == 1 else LossContourPlot()
        plot.set_source(surface)
        best = _least_squares(objective)
        if best is not None:
            plot.set_best(float(best[0]) if len(names) == 1 else (float(best[0]),
                                                                  float(best[1])))
        return plot
    plot.set_source(surface)
    return plot


def _least_squares(objective: Any) -> np.ndarray | None:
    """The least-squares answer in descent units (as the window marks it), or ``None``."""
    solution = objective.least_squares_solution()
    if solution is None:
        return None
    return np.asarray(objective.from_original([solution[n] for n in objective.param_names]))
