"""What the lessons need of the main window: a narrow interface, not the window class.

The lessons never import :mod:`gdstudio.qt.window` (which installs them); the window
hands itself over as a :class:`LessonHost`, with the speeds of its speed control and a
function that describes its current work as a project.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from gdstudio.qt.host import ActionRegistry

__all__ = ["LessonHost"]


class LessonHost(Protocol):
    """The main window as the lessons see it.

    Attributes
    ----------
    session : RunSession
        The run: its history, report, signals and controls (step, pause, flush …).
    model : StudioModel
        The problem and settings shown.
    projects : ProjectController
        Opens a page's experiment as a project; asks about unsaved work; its dialogs.
    exports : ExportsMenu
        File ▸ Export (the lesson actions go just above it).
    speed_slider, explain_dock, traces_dock : QWidget
        The speed control; the Explain and traces docks.
    registry : ActionRegistry
        The window's menus by name (the lesson actions go in ``help``, ``view``, ``file``).
    """

    session: Any
    model: Any
    projects: Any
    exports: Any
    speed_slider: Any
    explain_dock: Any
    traces_dock: Any
    registry: ActionRegistry

    def after_first_paint(self, function: Callable[[], object]) -> None:
        """Call ``function`` just after the window's first paint."""

    def statusBar(self) -> Any:
        """The status bar."""

    def menuBar(self) -> Any:
        """The menu bar."""
