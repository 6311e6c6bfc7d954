"""Guided lessons in the window: Help ▸ Lessons, the lesson dock, progress, the teacher's
actions.

:func:`install_lessons` gives a :class:`~gdstudio.qt.window.MainWindow` its
``window.lessons`` (:class:`~gdstudio.qt.lessons.controller.LessonsController`). The
checks themselves are :mod:`gdstudio.lessons`' pure functions; this package only shows a
lesson, feeds the checks the window's run and remembers what the student has done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from PySide6.QtCore import QSettings

    from gdstudio.io.project import Project
    from gdstudio.qt.lessons.controller import LessonsController
    from gdstudio.qt.lessons.host import LessonHost

__all__ = ["install_lessons"]


def install_lessons(window: LessonHost, settings: QSettings, speeds: Sequence[float],
                    current_project: Callable[[], Project]) -> LessonsController:
    """Add Help ▸ Lessons, the lesson dock and the teacher's actions to ``window``.

    Parameters
    ----------
    window : LessonHost
        The main window.
    settings : QSettings
        Where progress is remembered (the window's settings).
    speeds : sequence of float
        Steps per second at each position of the window's speed control.
    current_project : callable
        The window's work as a :class:`~gdstudio.io.Project` (for the teacher's actions).
    """
    # lazy: lessons install after the first paint
    from gdstudio.qt.lessons.controller import LessonsController

    return LessonsController(window, settings, speeds, current_project)
