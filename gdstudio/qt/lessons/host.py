"""What the lessons need of the main window: narrow interfaces, not the window class.

The lessons never import :mod:`gdstudio.qt.window` (which installs them); the window
hands itself over as a :class:`LessonHost`, with the speeds of its speed control and a
function that describes its current work as a project. The parts of the lessons that
need less are given less: :class:`LessonRun` (the checks read the run) and
:class:`LessonWriterHost` (the teacher's lesson actions).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSlider

from gdstudio.qt.host import (
    DocksHost,
    HasActions,
    HasProjects,
    PaintsFirst,
    Runs,
    ShowsProblem,
    StatusSink,
)

__all__ = ["LessonHost", "LessonRun", "LessonWriterHost"]


@runtime_checkable
class LessonRun(ShowsProblem, Runs, Protocol):
    """The problem on screen and its run, which the lesson checks read."""


@runtime_checkable
class LessonWriterHost(LessonRun, HasProjects, StatusSink, Protocol):
    """What a teacher's lesson actions use: the work and its run (a page is made of it),
    the projects' dialogs (where to save) and the status bar."""


@runtime_checkable
class LessonHost(LessonWriterHost, DocksHost, HasActions, PaintsFirst, Protocol):
    """The main window as the lessons controller sees it.

    Besides the run, the projects and the status bar: the Explain and traces docks (the
    lesson dock goes beside them), the registry (the lesson actions go in the ``help``,
    ``view`` and ``file`` menus, before ``export``), the work after the first paint, and
    the speed control (a page sets its speed).
    """

    speed_slider: QSlider

    def setCorner(self, corner: Qt.Corner, area: Qt.DockWidgetArea, /) -> None:
        """Give ``corner`` to the dock ``area``."""

    def height(self) -> int:
        """The window's height (a short window puts the lesson on a tab)."""

    def isVisible(self) -> bool:
        """Whether the window is on screen."""
