"""What a teacher prepares a lesson with, hooked into the main window in one call.

:func:`install_lesson_tools` gives a :class:`~gdstudio.qt.window.MainWindow`:

* ``window.projects`` — File ▸ New, Open, Open Recent, Save, Save As; the modified marker,
  autosave and the question on closing (:mod:`gdstudio.qt.files.projects`);
* ``window.examples`` — the Examples menu and gallery (:mod:`gdstudio.qt.gallery_dialog`);
* ``window.exports`` — File ▸ Export (:mod:`gdstudio.qt.files.exports_menu`);
* ``window.comparisons`` — Run ▸ Compare Optimizers… (:mod:`gdstudio.qt.compare.window`);
* ``window.preferences`` — View ▸ Preferences… (:mod:`gdstudio.qt.preferences`).

Examples and preferences (which show in the first frame) are installed at once; projects,
exports and comparisons (:class:`LateTools`) when the window calls :meth:`LateTools.install`
(just after its first paint, or when one of them is first asked for), so that the window
appears sooner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from gdstudio.engine import RunSettings
    from gdstudio.qt.compare.window import CompareWindow
    from gdstudio.qt.files.exports_menu import ExportsMenu
    from gdstudio.qt.files.projects import ProjectController
    from gdstudio.qt.sweeps.launcher import SweepsLauncher
    from gdstudio.qt.window import MainWindow

__all__ = ["CompareLauncher", "LateTools", "install_lesson_tools", "top_menu"]

#: The title of a window whose work is not saved yet (the projects keep it up to date).
UNTITLED_TITLE = "Untitled[*] — Gradient Descent Studio"


def top_menu(window: MainWindow, title: str) -> QMenu | None:
    """The menu-bar menu whose text is ``title`` (e.g. ``"&File"``), if there is one."""
    for item in window.menuBar().actions():
        if item.menu() is not None and item.text() == title:
            return item.menu()
    return None


def install_lesson_tools(window: MainWindow, settings: QSettings) -> LateTools:
    """Add examples and preferences to ``window`` now; return the rest, to install later.

    Returns the :class:`LateTools` (projects, exports, comparisons), which the window
    installs after its first paint and asks for its ``projects``, ``exports`` and
    ``comparisons``.
    """
    from gdstudio.qt.gallery_dialog import ExamplesMenu
    from gdstudio.qt.preferences import PreferencesController

    window.setWindowTitle(UNTITLED_TITLE)
    window.examples = ExamplesMenu(window)
    window.preferences = PreferencesController(window, settings)  # themed from the start
    run_menu = top_menu(window, "&Run")
    if run_menu is not None:
        window.menuBar().insertMenu(run_menu.menuAction(), window.examples.menu)
    view_menu = top_menu(window, "&View")
    if view_menu is not None:
        view_menu.addSeparator()
        view_menu.addAction(window.preferences.action)
    return LateTools(window, settings)


class LateTools(QObject):
    """Projects, exports and comparisons of one window, installed by :meth:`install`.

    They need :mod:`gdstudio.io`, the largest import of the app, and nothing of them shows
    before a menu is opened. So the window installs them just after its first paint, or at
    once when one of them is asked for (``window.projects`` …), whichever is first.

    Attributes
    ----------
    projects : ProjectController
        File ▸ New, Open, Open Recent, Save, Save As; autosave; the question on closing.
    exports : ExportsMenu
        File ▸ Export.
    comparisons : CompareLauncher
        Run ▸ Compare Optimizers….
    sweeps : SweepsLauncher
        Run ▸ Sweep… (:mod:`gdstudio.qt.sweeps`).
    """

    projects: ProjectController
    exports: ExportsMenu
    comparisons: CompareLauncher
    sweeps: SweepsLauncher

    def __init__(self, window: MainWindow, settings: QSettings) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        self.installed = False

    def install(self) -> LateTools:
        """Install the tools now if they are not yet (returns ``self``)."""
        if self.installed:
            return self
        self.installed = True  # first: while it is made, the project asks for window.projects
        from gdstudio.qt.files.exports_menu import ExportsMenu
        from gdstudio.qt.files.project_actions import project_from_window
        from gdstudio.qt.files.projects import ProjectController
        from gdstudio.qt.sweeps.launcher import SweepsLauncher

        window = self._window
        self.projects = ProjectController(window, self._settings)
        self.exports = ExportsMenu(window)
        self.comparisons = CompareLauncher(window)
        self.sweeps = SweepsLauncher(window, lambda: project_from_window(window, False).experiment)
        file_menu = top_menu(window, "&File")
        if file_menu is not None:
            quit_action = window.action_quit
            self.projects.fill_file_menu(file_menu, quit_action)
            file_menu.insertMenu(quit_action, self.exports.menu)
            file_menu.insertSeparator(quit_action)
        run_menu = top_menu(window, "&Run")
        if run_menu is not None:
            run_menu.addSeparator()
            run_menu.addAction(self.comparisons.action)
            run_menu.addAction(self.sweeps.action)
        return self


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

    def open(self, runs: Sequence[RunSettings] | None = None) -> CompareWindow | None:
        """Open a comparison of the window's current problem (None if none is ready)."""
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
