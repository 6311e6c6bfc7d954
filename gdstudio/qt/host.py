"""The main window as its controllers see it: narrow protocols, and menus and actions by name.

A controller (data mode, projects, exports, examples, preferences, lessons, compare,
sweeps, branches, look closer) is given the window typed as a protocol of its own, made
of the narrow ones below — only the parts it uses — so that no module below the window
imports it. ``gdstudio.qt.window.MainWindow`` satisfies every one of them structurally
(``tests/qt/test_host.py`` checks it). Menus, actions and toolbars are found in the
window's :class:`ActionRegistry` by name (``"run"``, ``"actionStepBack"``,
``"controls"``), never by their captions, which may change or be translated.

The narrow protocols, one per need:

========================  ===========================================================
:class:`ShowsProblem`     the state of the problem on screen (``model``)
:class:`EditsProblem`     the Problem panel and the compiler behind it
:class:`Runs`             the run (``session``) and starting it again (``reset``)
:class:`StatusSink`       the status bar, for one-line messages
:class:`HasActions`       the :class:`ActionRegistry` of menus, actions and toolbars
:class:`PlotsHost`        the centre's stack of plots, its pages, and the traces
:class:`HasDataMode`      data mode's centre page
:class:`DocksHost`        the Explain and traces docks and the dock area around them
:class:`PaintsFirst`      work deferred until just after the first paint
:class:`PacesRuns`        the speed a lesson or example suggests
:class:`HasProjects`      the project files (``projects``): closing, dialogs, opening
:class:`HasPreferences`   the plot theme and how to style a part made later
:class:`HasLessons`       the lessons (a lesson file opens in their dock)
:class:`TitledWindow`     the title, modified marker, events, toolbar rows, menu bar
========================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QMenu,
    QMenuBar,
    QStackedWidget,
    QStatusBar,
    QToolBar,
    QWidget,
)

if TYPE_CHECKING:
    from gdstudio.io.project import Project
    from gdstudio.qt.files.project_dialogs import Dialogs
    from gdstudio.qt.model import StudioModel
    from gdstudio.qt.panels.editor import ProblemEditor
    from gdstudio.qt.plots import ContourPlot, FunctionPlot, TracesPanel
    from gdstudio.qt.plots.theme import PlotTheme
    from gdstudio.qt.run.compiler import ExpressionCompiler
    from gdstudio.qt.run.session import RunSession

__all__ = [
    "ActionRegistry",
    "DataPages",
    "DocksHost",
    "EditsProblem",
    "HasActions",
    "HasDataMode",
    "HasLessons",
    "HasPreferences",
    "HasProjects",
    "LessonFiles",
    "PacesRuns",
    "PaintsFirst",
    "PlotStyle",
    "PlotsHost",
    "ProjectFiles",
    "Runs",
    "ShowsProblem",
    "StatusSink",
    "TitledWindow",
]


class ActionRegistry:
    """Menus, actions and toolbars of one window, by name.

    Menus are named by what they hold (``"file"``, ``"run"``, ``"view"``, ``"help"``,
    ``"export"``); actions by their object name (``"actionStepBack"``); toolbars by what
    they hold (``"controls"``). Actions made after the first paint (projects, exports,
    comparisons, sweeps) are registered when they are made.
    """

    def __init__(self) -> None:
        self._menus: dict[str, QMenu] = {}
        self._actions: dict[str, QAction] = {}
        self._toolbars: dict[str, QToolBar] = {}

    def add_menu(self, name: str, menu: QMenu) -> QMenu:
        """Register ``menu`` as ``name``; returns it."""
        self._menus[name] = menu
        return menu

    def add_action(self, action: QAction) -> QAction:
        """Register ``action`` by its object name (which must be set); returns it."""
        if not action.objectName():
            raise ValueError(f"the action {action.text()!r} has no object name")
        self._actions[action.objectName()] = action
        return action

    def add_toolbar(self, name: str, toolbar: QToolBar) -> QToolBar:
        """Register ``toolbar`` as ``name``; returns it."""
        self._toolbars[name] = toolbar
        return toolbar

    def menu(self, name: str) -> QMenu | None:
        """The menu registered as ``name``, if any."""
        return self._menus.get(name)

    def action(self, name: str) -> QAction | None:
        """The action whose object name is ``name``, if it was registered."""
        return self._actions.get(name)

    def toolbar(self, name: str) -> QToolBar | None:
        """The toolbar registered as ``name``, if any."""
        return self._toolbars.get(name)

    def action_names(self) -> list[str]:
        """The object names of every registered action, in the order registered."""
        return list(self._actions)


# ==================================================================== narrow protocols
@runtime_checkable
class ShowsProblem(Protocol):
    """Something that shows a problem: the state of the problem, start and settings."""

    model: StudioModel


@runtime_checkable
class EditsProblem(Protocol):
    """The Problem panel and the compiler that turns its text into an objective."""

    editor: ProblemEditor
    compiler: ExpressionCompiler


@runtime_checkable
class Runs(Protocol):
    """Something that runs: the run session, and starting it again from the start."""

    session: RunSession

    def reset(self) -> None:
        """Start the run again from the start point."""


@runtime_checkable
class StatusSink(Protocol):
    """Where one-line messages go."""

    def statusBar(self) -> QStatusBar:
        """The status bar."""


@runtime_checkable
class HasActions(Protocol):
    """The window's menus, actions and toolbars by name."""

    registry: ActionRegistry


@runtime_checkable
class PlotsHost(Protocol):
    """The centre's stack of plots (made on first use) and the traces beside it."""

    plot_stack: QStackedWidget
    function_plot: FunctionPlot
    contour_plot: ContourPlot
    traces: TracesPanel

    def add_page(self, page: QWidget) -> None:
        """Add ``page`` to the centre's stack of plots (styled)."""

    def style_page(self, page: QWidget) -> None:
        """Style a part made after start-up as the preferences say."""


class DataPages(Protocol):
    """Data mode, as far as the plots go: its centre page, once made."""

    view: QWidget | None


@runtime_checkable
class HasDataMode(Protocol):
    """A window with a data mode (its centre page is one of the plots)."""

    data_mode: DataPages


@runtime_checkable
class DocksHost(Protocol):
    """The Explain and traces docks, and the window's dock area (``QMainWindow``'s)."""

    explain_dock: QDockWidget
    traces_dock: QDockWidget

    def addDockWidget(self, area: Qt.DockWidgetArea, dock: QDockWidget, /) -> None:
        """Put ``dock`` in ``area``."""

    def tabifyDockWidget(self, first: QDockWidget, second: QDockWidget, /) -> None:
        """Put ``second`` on a tab behind ``first``."""

    def splitDockWidget(self, first: QDockWidget, second: QDockWidget,
                        orientation: Qt.Orientation, /) -> None:
        """Split ``first``'s place between it and ``second``."""

    def resizeDocks(self, docks: Sequence[QDockWidget], sizes: Sequence[int],
                    orientation: Qt.Orientation, /) -> None:
        """Give ``docks`` these ``sizes``."""

    def tabifiedDockWidgets(self, dock: QDockWidget, /) -> list[QDockWidget]:
        """The docks on tabs with ``dock``."""

    def dockWidgetArea(self, dock: QDockWidget, /) -> Qt.DockWidgetArea:
        """Where ``dock`` is."""


@runtime_checkable
class PaintsFirst(Protocol):
    """Work that waits until just after the window's first paint."""

    def after_first_paint(self, function: Callable[[], object]) -> None:
        """Call ``function`` just after the window's first paint."""


@runtime_checkable
class PacesRuns(Protocol):
    """The speed of runs, as a lesson or an example suggests it."""

    def suggest_speed(self, steps_per_second: float) -> None:
        """Set the playing speed, unless the student chose one."""


class ProjectFiles(Protocol):
    """The project files of a window, as the other controllers use them."""

    closing: SignalInstance
    dialogs: Dialogs
    path: Path | None

    def may_discard_changes(self) -> bool:
        """Ask about unsaved changes; True when the work may be replaced."""

    def open_project(self, project: Project, path: Path | None, label: str = "") -> None:
        """Show ``project`` in the window (``path``: where it was read from)."""


@runtime_checkable
class HasProjects(Protocol):
    """A window with project files (installed just after the first paint)."""

    @property
    def projects(self) -> ProjectFiles:
        """File ▸ New, Open, Save …; the question on closing."""


class LessonFiles(Protocol):
    """The lessons, as File ▸ Open hands them a lesson file."""

    def open_file(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open the lesson file ``path`` in the lesson dock."""


@runtime_checkable
class HasLessons(Protocol):
    """A window with lessons (installed just after the first paint)."""

    @property
    def lessons(self) -> LessonFiles:
        """Help ▸ Lessons and the lesson dock."""


@runtime_checkable
class TitledWindow(Protocol):
    """The window's title and modified marker, its events and its toolbar rows
    (``QMainWindow``'s), for the project files."""

    def setWindowTitle(self, title: str, /) -> None:
        """Show ``title`` (with ``[*]`` where the modified marker goes)."""

    def setWindowModified(self, modified: bool, /) -> None:
        """Show or hide the modified marker."""

    def isWindowModified(self) -> bool:
        """Whether the modified marker shows."""

    def installEventFilter(self, watcher: QObject, /) -> None:
        """Let ``watcher`` see the window's events first (its close)."""

    def addToolBarBreak(self, area: Qt.ToolBarArea, /) -> None:
        """Start a new row of toolbars in ``area``."""

    def addToolBar(self, area: Qt.ToolBarArea, toolbar: QToolBar, /) -> None:
        """Add ``toolbar`` in ``area``."""

    def removeToolBar(self, toolbar: QToolBar, /) -> None:
        """Take ``toolbar`` away."""

    def menuBar(self) -> QMenuBar:
        """The menu bar (a menu made later is inserted there)."""


class PlotStyle(Protocol):
    """The preferences, as the plots made later follow them."""

    plot_theme: PlotTheme
    themeChanged: SignalInstance

    def style_page(self, page: QWidget) -> None:
        """Style a part made after start-up."""


@runtime_checkable
class HasPreferences(Protocol):
    """A window with preferences (theme, sizes)."""

    preferences: PlotStyle
