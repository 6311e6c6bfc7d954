"""The main window satisfies every controller's narrow protocol, and every action and menu
it shows is registered by name (none is found by its caption)."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from gdstudio.app import create_application
from gdstudio.qt import host
from gdstudio.qt.animation.targets import AnimationHost
from gdstudio.qt.branches.controller import BranchesHost
from gdstudio.qt.closer import CloserHost
from gdstudio.qt.compare.launcher import CompareHost
from gdstudio.qt.data.mode import DataModeHost
from gdstudio.qt.files.exports_menu import ExportsHost
from gdstudio.qt.files.project_actions import ProjectHost, WorkHost
from gdstudio.qt.files.projects import ProjectsHost
from gdstudio.qt.gallery_dialog import ExamplesHost
from gdstudio.qt.lessons.host import LessonHost, LessonRun, LessonWriterHost
from gdstudio.qt.lessons.tools import LessonToolsHost
from gdstudio.qt.preferences import PreferencesHost
from gdstudio.qt.sweeps.launcher import SweepsHost
from gdstudio.qt.window import MainWindow

NARROW = (host.ShowsProblem, host.EditsProblem, host.Runs, host.StatusSink, host.HasActions,
          host.PlotsHost, host.HasDataMode, host.DocksHost, host.PaintsFirst, host.PacesRuns,
          host.HasProjects, host.HasPreferences, host.HasLessons, host.TitledWindow)
CONTROLLERS = (AnimationHost, BranchesHost, CloserHost, CompareHost, DataModeHost, ExportsHost,
               ProjectHost, WorkHost, ProjectsHost, ExamplesHost, LessonHost, LessonRun,
               LessonWriterHost, LessonToolsHost, PreferencesHost, SweepsHost)


@pytest.fixture
def window(qtbot, tmp_path):
    create_application([])
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    studio = MainWindow(settings)
    qtbot.addWidget(studio)
    studio.show()
    qtbot.waitUntil(lambda: studio._late_tools.installed and studio.examples._filled,
                    timeout=15_000)
    yield studio
    studio.close()


@pytest.mark.parametrize("protocol", NARROW + CONTROLLERS, ids=lambda p: p.__name__)
def test_the_window_satisfies_each_protocol(window, protocol) -> None:
    assert isinstance(window, protocol)


def test_a_controller_protocol_is_made_of_narrow_ones() -> None:
    """No controller is handed the whole window: each protocol is made of the narrow ones
    of ``qt/host.py`` and names at most a few members of its own."""
    for protocol in CONTROLLERS:
        own = {name for name in (*vars(protocol), *vars(protocol).get("__annotations__", {}))
               if not name.startswith("_")}
        assert len(own) <= 4, (protocol.__name__, own)
        bases = [base for base in protocol.__mro__[1:] if base.__module__ == host.__name__]
        assert bases, protocol.__name__
    assert not hasattr(host, "StudioWindow")


def _menu_actions(menu: QMenu) -> list[QAction]:
    found = []
    for item in menu.actions():
        if item.menu() is not None:
            found += _menu_actions(item.menu())
        elif not item.isSeparator():
            found.append(item)
    return found


def test_every_named_action_in_the_menus_is_registered(window) -> None:
    names = [item.objectName() for top in window.menuBar().actions() if top.menu()
             for item in _menu_actions(top.menu()) if item.objectName()]
    for name in ("actionNew", "actionOpen", "actionSave", "actionSaveAs",
                 "actionIncludeHistory", "actionExportPng", "actionExportCsv",
                 "actionExportAnimation", "actionCompare", "actionSweep", "actionGallery",
                 "actionPreferences", "actionInspect", "actionBranch", "actionLessons"):
        assert name in names, name
    for name in names:
        registered = window.registry.action(name)
        assert registered is not None, name
        assert registered.objectName() == name


def test_late_menus_are_registered_by_name(window) -> None:
    registry = window.registry
    assert registry.menu("export") is window.exports.menu
    assert registry.menu("recent") is window.projects.recent_menu
    assert registry.menu("examples") is window.examples.menu
    assert registry.toolbar("controls").objectName() == "controlsToolBar"
    file_actions = registry.menu("file").actions()
    assert registry.action("actionQuit") in file_actions
    assert registry.menu("export").menuAction() in file_actions
    run_actions = registry.menu("run").actions()
    assert registry.action("actionCompare") in run_actions
    assert registry.action("actionSweep") in run_actions


def test_an_action_without_a_name_is_refused() -> None:
    create_application([])
    with pytest.raises(ValueError, match="no object name"):
        host.ActionRegistry().add_action(QAction("Nameless"))
