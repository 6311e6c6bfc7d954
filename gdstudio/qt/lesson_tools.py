"""What a teacher prepares a lesson with, hooked into the main window in one call.

:func:`install_lesson_tools` gives a :class:`~gdstudio.qt.window.MainWindow`:

* ``window.projects`` — File ▸ New, Open, Open Recent, Save, Save As; the modified marker,
  autosave and the question on closing (:mod:`gdstudio.qt.project_files`);
* ``window.examples`` — the Examples menu and gallery (:mod:`gdstudio.qt.gallery_dialog`);
* ``window.exports`` — File ▸ Export (:mod:`gdstudio.qt.exports_menu`);
* ``window.comparisons`` — Run ▸ Compare Optimizers… (:mod:`gdstudio.qt.compare`);
* ``window.preferences`` — View ▸ Preferences… (:mod:`gdstudio.qt.preferences`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from gdstudio.qt.compare import CompareWindow, RunSpec
    from gdstudio.qt.window import MainWindow

__all__ = ["CompareLauncher", "install_lesson_tools", "top_menu"]


def top_menu(window: MainWindow, title: str) -> QMenu | None:
    """The menu-bar menu whose text is ``title`` (e.g. ``"&File"``), if there is one."""
    for item in window.menuBar().actions():
        if item.menu() is not None and item.text() == title:
            return item.menu()
    return None


def install_lesson_tools(window: MainWindow, settings: QSettings) -> None:
    """Add projects, examples, exports, comparisons and preferences to ``window``."""
    from gdstudio.qt.exports_menu import ExportsMenu
    from gdstudio.qt.gallery_dialog import ExamplesMenu
    from gdstudio.qt.preferences import PreferencesController
    from gdstudio.qt.project_files import ProjectController

    window.projects = ProjectController(window, settings)
    window.examples = ExamplesMenu(window)
    window.exports = ExportsMenu(window)
    window.comparisons = CompareLauncher(window)
    window.preferences = PreferencesController(window, settings)

    file_menu = top_menu(window, "&File")
    if file_menu is not None:
        quit_action = window.action_quit
        window.projects.fill_file_menu(file_menu, quit_action)
        file_menu.insertMenu(quit_action, window.exports.menu)
        file_menu.insertSeparator(quit_action)
    run_menu = top_menu(window, "&Run")
    if run_menu is not None:
        window.menuBar().insertMenu(run_menu.menuAction(), window.examples.menu)
        run_menu.addSeparator()
        run_menu.addAction(window.comparisons.action)
    view_menu = top_menu(window, "&View")
    if view_menu is not None:
        view_menu.addSeparator()
        view_menu.addAction(window.preferences.action)


class CompareLauncher(QObject):
    """Run ▸ Compare Optimizers… for one main window (``window.comparisons``).

    The comparison window's module is loaded when it is first opened, not at start-up.

    Attributes
    ----------
    windows : list of CompareWindow
        The comparisons open now.
    """

    def __init__(self, window: MainWindow) -> None:
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

    def open(self, runs: Sequence[RunSpec] | None = None) -> CompareWindow | None:
        """Open a comparison of the window's current problem (None if none is ready)."""
        from gdstudio.qt.compare import CompareWindow

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
