"""Run ▸ Sweep… for one main window, and the narrow view of the window the tool gets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from gdstudio.problems.experiment import Experiment

if TYPE_CHECKING:
    from gdstudio.qt.sweeps.window import SweepsWindow
    from gdstudio.qt.window import MainWindow

__all__ = ["SweepsLauncher", "WindowSource"]


class WindowSource:
    """The main window as a :class:`~gdstudio.qt.sweeps.panel.SweepSource`."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def experiment(self) -> Experiment:
        """The work on screen as an experiment (``ValueError`` in one sentence if none)."""
        from gdstudio.qt.files.project_actions import project_from_window

        if self._window.model.objective is None:
            raise ValueError("the problem is not ready yet; try again in a moment")
        return project_from_window(self._window, False).experiment

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

    Attributes
    ----------
    tool : SweepsWindow or None
        The tool open now.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.tool: SweepsWindow | None = None
        self.action = QAction("S&weep…", window)
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
            tool = SweepsWindow(WindowSource(window), model.optimizer,
                                model.stopping.max_iter, model.stopping.tol_step,
                                self._ask_path, window)
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
