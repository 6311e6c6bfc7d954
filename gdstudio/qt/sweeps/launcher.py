"""Run ▸ Sweep… for one main window, and the narrow view of the window the tool gets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from gdstudio.problems.experiment import Experiment
from gdstudio.qt.host import HasPreferences, HasProjects, PlotsHost, ShowsProblem, StatusSink

if TYPE_CHECKING:
    from gdstudio.qt.sweeps.window import SweepsWindow

__all__ = ["SweepsHost", "SweepsLauncher", "WindowSource"]


@runtime_checkable
class SweepsHost(ShowsProblem, PlotsHost, HasProjects, HasPreferences, StatusSink, Protocol):
    """What the Sweeps tool uses of the main window (the tool never imports the window):
    the problem, start and settings on screen (written back by a click), the centre plots
    of one and two variables (their visible region), the projects (their ``closing``
    signal, the dialogs that ask where to save, the file's path), the plot theme, and
    the status bar."""


class WindowSource:
    """The main window as a :class:`~gdstudio.qt.sweeps.panel.SweepSource`."""

    def __init__(self, window: SweepsHost, experiment_of: Callable[[], Experiment]) -> None:
        self._window = window
        self._experiment_of = experiment_of

    def experiment(self) -> Experiment:
        """The work on screen as an experiment (``ValueError`` in one sentence if none)."""
        if self._window.model.objective is None:
            raise ValueError("the problem is not ready yet; try again in a moment")
        return self._experiment_of()

    def region(self) -> list[tuple[float, float]] | None:
        """The visible range of each variable, for functions of one or two variables."""
        window = self._window
        names = window.model.param_names
        if window.model.mode != "function" or len(names) not in (1, 2):
            return None
        plot = window.function_plot if len(names) == 1 else window.contour_plot
        ranges = plot.plotItem.vb.viewRange()[:len(names)]
        return [(float(low), float(high)) for low, high in ranges]

    def use_rate(self, optimizer: str, learning_rate: float,
                 hyperparameters: Mapping[str, float]) -> None:
        """Set the main window's optimizer, hyperparameters and learning rate."""
        model = self._window.model
        model.set_optimizer(optimizer)
        for name, value in hyperparameters.items():
            model.set_hyperparameter(name, value)
        model.set_learning_rate(learning_rate)
        self._window.statusBar().showMessage(
            f"Learning rate {learning_rate:.4g} from the Sweeps tool.", 8000)

    def use_start(self, point: Mapping[str, float]) -> None:
        """Start the main window's run at ``point``."""
        self._window.model.set_start(point)


class SweepsLauncher(QObject):
    """Run ▸ Sweep… of one main window (``window.sweeps``): one Sweeps tool at a time.

    Parameters
    ----------
    window : SweepsHost
        The main window.
    experiment_of : callable
        Returns the work on screen as an :class:`Experiment` (raising ``ValueError`` in
        one sentence when it cannot be one).

    Attributes
    ----------
    tool : SweepsWindow or None
        The tool open now.
    """

    def __init__(self, window: SweepsHost, experiment_of: Callable[[], Experiment]) -> None:
        super().__init__(window if isinstance(window, QObject) else None)
        self._window = window
        self._experiment_of = experiment_of
        self.tool: SweepsWindow | None = None
        self.action = QAction("S&weep…", self)
        self.action.setObjectName("actionSweep")
        self.action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.action.setToolTip("Many runs at once: a learning-rate finder, a phase map of rate "
                               "and momentum, the basins of attraction")
        self.action.setStatusTip(self.action.toolTip())
        self.action.triggered.connect(lambda: self.open())
        window.projects.closing.connect(self.close)
        window.model.problemChanged.connect(self._problem_changed)

    def open(self) -> SweepsWindow:
        """Show the Sweeps tool for the problem on screen (made on first use)."""
        from gdstudio.qt.sweeps.window import SweepsWindow  # loaded when first opened

        if self.tool is None:
            window = self._window
            model = window.model
            parent = window if isinstance(window, QWidget) else None
            tool = SweepsWindow(WindowSource(window, self._experiment_of), model.optimizer,
                                model.stopping.max_iter, model.stopping.tol_step,
                                self._ask_path, parent)
            tool.set_theme(window.preferences.plot_theme)
            window.preferences.themeChanged.connect(tool.set_theme)
            tool.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            tool.destroyed.connect(self._forget)
            self.tool = tool
        self.tool.show()
        self.tool.raise_()
        return self.tool

    def close(self) -> None:
        """Close the tool (its thread stops): the main window is closing."""
        if self.tool is not None:
            self.tool.shutdown()
            self.tool.close()

    def _problem_changed(self) -> None:
        if self.tool is not None:
            stopping = self._window.model.stopping
            self.tool.set_limits(stopping.max_iter, stopping.tol_step)

    def _forget(self) -> None:
        self.tool = None

    def _ask_path(self, title: str, suffix: str, filters: str) -> Path | None:
        projects = self._window.projects
        folder = projects.path.parent if projects.path else Path.home()
        name = f"{projects.path.stem if projects.path else 'sweep'}{suffix}"
        path = projects.dialogs.save_path(self.tool or self._window, title,
                                          str(folder / name), filters)
        if path is not None and not path.suffix:
            path = path.with_name(path.name + suffix)
        return path
