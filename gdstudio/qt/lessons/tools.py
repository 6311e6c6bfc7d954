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

from gdstudio.qt.gallery_dialog import ExamplesMenu
from gdstudio.qt.preferences import PreferencesController

if TYPE_CHECKING:
    from gdstudio.engine import RunSettings
    from gdstudio.qt.compare.window import CompareWindow
    from gdstudio.qt.files.exports_menu import ExportsMenu
    from gdstudio.qt.files.projects import ProjectController
    from gdstudio.qt.host import StudioWindow
    from gdstudio.qt.sweeps.launcher import SweepsLauncher

__all__ = ["CompareLauncher", "LateTools", "install_lesson_tools"]

#: The title of a window whose work is not saved yet (the projects keep it up to date).
UNTITLED_TITLE = "Untitled[*] — Gradient Descent Studio"


def install_lesson_tools(
    window: StudioWindow, settings: QSettings,
) -> tuple[ExamplesMenu, PreferencesController, LateTools]:
    """Put examples and preferences in ``window``'s menus now; return the rest, to install
    later.

    Returns the examples and the preferences (the window keeps them as ``examples`` and
    ``preferences``) and the :class:`LateTools` (projects, exports, comparisons), which
    the window installs after its first paint and asks for its ``projects``, ``exports``
    and ``comparisons``.
    """
    window.setWindowTitle(UNTITLED_TITLE)
    examples = ExamplesMenu(window)
    preferences = PreferencesController(window, settings)  # themed from the start
    run_menu = window.registry.menu("run")
    if run_menu is not None:
        window.menuBar().insertMenu(run_menu.menuAction(), examples.menu)
    view_menu = window.registry.menu("view")
    if view_menu is not None:
        view_menu.addSeparator()
        view_menu.addAction(preferences.action)
    return examples, preferences, LateTools(window, settings)


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

    def __init__(self, window: StudioWindow, settings: QSettings) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        self.installed = False

    def install(self) -> LateTools:
        """Install the tools now if they are not yet (returns ``self``)."""
        if self.installed:
            return self
        self.installed = True  # first: while it is made, the project asks for window.projects
        # lazy: installed after the first paint (start-up time)
        from gdstudio.qt.files.exports_menu import ExportsMenu
        from gdstudio.qt.files.project_actions import project_from_window
        from gdstudio.qt.files.projects import ProjectController
        from gdstudio.qt.sweeps.launcher import SweepsLauncher

        window = self._window
        self.projects = ProjectController(window, self._settings)
        self.exports = ExportsMenu(window)
        self.comparisons = CompareLauncher(window)
        self.sweeps = SweepsLauncher(window, lambda: project_from_window(window, False).experiment)
        file_menu = window.registry.menu("file")
        if file_menu is not None:
            quit_action = window.action_quit
            self.projects.fill_file_menu(file_menu, quit_action)
            file_menu.insertMenu(quit_action, self.exports.menu)
            file_menu.insertSeparator(quit_action)
        run_menu = window.registry.menu("run")
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

    def __init__(self, window: StudioWindow) -> None:
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
