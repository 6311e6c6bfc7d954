"""What a teacher prepares a lesson with, hooked into the main window in one call.

:func:`install_lesson_tools` gives a :class:`~gdstudio.qt.window.MainWindow`:

* ``window.projects`` — File ▸ New, Open, Open Recent, Save, Save As; the modified marker,
  autosave and the question on closing (:mod:`gdstudio.qt.files.projects`);
* ``window.examples`` — the Examples menu and gallery (:mod:`gdstudio.qt.gallery_dialog`);
* ``window.exports`` — File ▸ Export (:mod:`gdstudio.qt.files.exports_menu`);
* ``window.comparisons`` — Run ▸ Compare Optimizers… (:mod:`gdstudio.qt.compare.launcher`);
* ``window.preferences`` — View ▸ Preferences… (:mod:`gdstudio.qt.preferences`).

Examples and preferences (which show in the first frame) are installed at once; projects,
exports and comparisons (:class:`LateTools`) when the window calls :meth:`LateTools.install`
(just after its first paint, or when one of them is first asked for), so that the window
appears sooner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QObject, QSettings

from gdstudio.qt.gallery_dialog import ExamplesMenu
from gdstudio.qt.host import (
    EditsProblem,
    HasActions,
    HasDataMode,
    HasLessons,
    HasPreferences,
    HasProjects,
    PacesRuns,
    PaintsFirst,
    PlotsHost,
    Runs,
    ShowsProblem,
    StatusSink,
    TitledWindow,
)
from gdstudio.qt.preferences import PreferencesController

if TYPE_CHECKING:
    from gdstudio.qt.compare.launcher import CompareLauncher
    from gdstudio.qt.files.exports_menu import ExportsMenu
    from gdstudio.qt.files.projects import ProjectController
    from gdstudio.qt.sweeps.launcher import SweepsLauncher

__all__ = ["LateTools", "LessonToolsHost", "install_lesson_tools"]

#: The title of a window whose work is not saved yet (the projects keep it up to date).
UNTITLED_TITLE = "Untitled[*] — Gradient Descent Studio"


@runtime_checkable
class LessonToolsHost(ShowsProblem, EditsProblem, Runs, StatusSink, HasActions, PlotsHost,
                      HasDataMode, PaintsFirst, PacesRuns, HasProjects, HasPreferences,
                      HasLessons, TitledWindow, Protocol):
    """The window the tools are installed in: every part that one of them uses (the
    union of ``ExamplesHost``, ``PreferencesHost``, ``ProjectsHost``, ``ExportsHost``,
    ``CompareHost`` and ``SweepsHost``), and the registry, where their menus and
    actions are put and registered by name."""


def install_lesson_tools(
    window: LessonToolsHost, settings: QSettings,
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
    window.registry.add_menu("examples", examples.menu)
    for action in (examples.action_gallery, preferences.action):
        window.registry.add_action(action)
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

    def __init__(self, window: LessonToolsHost, settings: QSettings) -> None:
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
        from gdstudio.qt.compare.launcher import CompareLauncher
        from gdstudio.qt.files.exports_menu import ExportsMenu
        from gdstudio.qt.files.project_actions import project_from_window
        from gdstudio.qt.files.projects import ProjectController
        from gdstudio.qt.sweeps.launcher import SweepsLauncher

        window = self._window
        self.projects = ProjectController(window, self._settings)
        self.exports = ExportsMenu(window)
        self.comparisons = CompareLauncher(window)
        self.sweeps = SweepsLauncher(window, lambda: project_from_window(window, False).experiment)
        registry = window.registry
        file_menu = registry.menu("file")
        quit_action = registry.action("actionQuit")
        if file_menu is not None:
            self.projects.fill_file_menu(file_menu, quit_action)
            file_menu.insertMenu(quit_action, self.exports.menu)
            file_menu.insertSeparator(quit_action)
        run_menu = registry.menu("run")
        if run_menu is not None:
            run_menu.addSeparator()
            run_menu.addAction(self.comparisons.action)
            run_menu.addAction(self.sweeps.action)
        # By name, as the actions made before the first paint: nothing looks for them by
        # their captions.
        registry.add_menu("recent", self.projects.recent_menu)
        registry.add_menu("export", self.exports.menu)
        for action in (*self.projects.actions(), *self.exports.menu.actions(),
                       self.comparisons.action, self.sweeps.action):
            registry.add_action(action)
        return self
