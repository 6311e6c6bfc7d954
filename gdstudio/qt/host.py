"""The main window as its controllers see it, and its menus and actions by name.

Controllers (data mode, projects, exports, examples, preferences, lessons) are given the
window typed as :class:`StudioWindow`, the part of it they use, so that no module below
the window imports it; they find menus and actions in its :class:`ActionRegistry` by name
(``"run"``, ``"actionStepBack"``), never by their captions, which may change or be
translated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QStackedWidget, QStatusBar, QWidget

if TYPE_CHECKING:
    from gdstudio.qt.model import StudioModel
    from gdstudio.qt.panels.editor import ProblemEditor
    from gdstudio.qt.run.compiler import ExpressionCompiler
    from gdstudio.qt.run.session import RunSession

__all__ = ["ActionRegistry", "StudioWindow"]


class ActionRegistry:
    """Menus and actions of one window, by name.

    Menus are named by what they hold (``"file"``, ``"run"``, ``"view"``, ``"help"``);
    actions by their object name (``"actionStepBack"``).
    """

    def __init__(self) -> None:
        self._menus: dict[str, QMenu] = {}
        self._actions: dict[str, QAction] = {}

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

    def menu(self, name: str) -> QMenu | None:
        """The menu registered as ``name``, if any."""
        return self._menus.get(name)

    def action(self, name: str) -> QAction | None:
        """The action whose object name is ``name``, if it was registered."""
        return self._actions.get(name)


class StudioWindow(Protocol):
    """What the window's controllers use of it (``gdstudio.qt.window.MainWindow``).

    The tools installed after the first paint (``projects``, ``exports``,
    ``comparisons``, ``examples``, ``preferences``, ``lessons``) are typed ``Any``: their
    modules use this protocol, and naming their classes here would close a circle.
    """

    model: StudioModel
    session: RunSession
    editor: ProblemEditor
    compiler: ExpressionCompiler
    plot_stack: QStackedWidget
    registry: ActionRegistry
    action_quit: QAction
    projects: Any
    exports: Any
    comparisons: Any
    examples: Any
    preferences: Any
    lessons: Any
    branches: Any

    def after_first_paint(self, function: Callable[[], object]) -> None:
        """Call ``function`` just after the window's first paint."""

    def add_page(self, page: QWidget) -> None:
        """Add ``page`` to the centre's stack of plots."""

    def style_page(self, page: QWidget) -> None:
        """Style a part made after start-up as the preferences say."""

    def reset(self) -> None:
        """Start the run again from the start point."""

    def suggest_speed(self, steps_per_second: float) -> None:
        """Set the playing speed (a lesson or example suggests one)."""

    def statusBar(self) -> QStatusBar:
        """The status bar."""
