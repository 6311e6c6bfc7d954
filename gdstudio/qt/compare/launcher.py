"""Run ▸ Compare Optimizers… for one main window, and what it uses of the window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from gdstudio.qt.host import HasPreferences, HasProjects, ShowsProblem, StatusSink

if TYPE_CHECKING:
    from gdstudio.engine import RunSettings
    from gdstudio.qt.compare.window import CompareWindow

__all__ = ["CompareHost", "CompareLauncher"]


@runtime_checkable
class CompareHost(ShowsProblem, HasProjects, HasPreferences, StatusSink, Protocol):
    """What Compare Optimizers uses of the main window: the problem and settings on
    screen (compared), the projects' ``closing`` (comparisons close with the window), the
    plot theme, and the status bar (the problem is not ready yet)."""


class CompareLauncher(QObject):
    """Run ▸ Compare Optimizers… for one main window (``window.comparisons``).

    The comparison window's module is loaded when it is first opened, not at start-up.

    Attributes
    ----------
    windows : list of CompareWindow
        The comparisons open now.
    """

    def __init__(self, window: CompareHost) -> None:
        super().__init__(window)
        self._window = window
        self.windows: list[CompareWindow] = []
        self.action = QAction("&Compare Optimizers…", window)
        self.action.setObjectName("actionCompare")
        self.action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.action.setToolTip("Run several optimizers or rates on this problem side by side")
        self.action.setStatusTip(self.action.toolTip())
        self.action.triggered.connect(lambda: self.open())
        window.projects.closing.connect(self.close_all)

    def open(self, runs: Sequence[RunSettings] | None = None) -> CompareWindow | None:
        """Open a comparison of the window's current problem (None if none is ready)."""
        # lazy: the comparison window loads when first opened
        from gdstudio.qt.compare.window import CompareWindow

        window = self._window
        model = window.model
        if model.objective is None:
            window.statusBar().showMessage("The problem is not ready yet; try again in a moment.")
            return None
        compare = CompareWindow(model.objective, model.start_vector(), model.run_settings(),
                                runs, window)
        compare.set_theme(window.preferences.plot_theme)
        window.preferences.themeChanged.connect(compare.set_theme)
        compare.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        compare.destroyed.connect(lambda: self.windows.remove(compare)
                                  if compare in self.windows else None)
        self.windows.append(compare)
        compare.show()
        return compare

    def close_all(self) -> None:
        """Close every comparison (their threads stop): the main window is closing."""
        for compare in list(self.windows):
            compare.shutdown()
            compare.close()
