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
    from PySide6.QtCore import QSettings

    from gdstudio.qt.lessons.controller import LessonsController
    from gdstudio.qt.window import MainWindow

__all__ = ["install_lessons"]


def install_lessons(window: MainWindow, settings: QSettings) -> LessonsController:
    """Add Help ▸ Lessons, the lesson dock and the teacher's actions to ``window``."""
    from gdstudio.qt.lessons.controller import LessonsController

    return LessonsController(window, settings)
