"""Work a window leaves until it has been painted once, so that it appears sooner.

Anything done before the first paint delays it, and so does a thread started before it:
Python runs one thread at a time, and a thread that imports sympy takes the interpreter
from the paint again and again. :class:`AfterFirstPaint` runs such work in the event-loop
turn after the first paint, when the window is already on the screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

__all__ = ["FALLBACK_MS", "AfterFirstPaint"]

#: A widget that is not painted by then (never shown, or on no screen) runs its work anyway.
FALLBACK_MS = 500
_DIRECT = Qt.FindChildOption.FindDirectChildrenOnly


class AfterFirstPaint(QObject):
    """Calls functions, in order, just after ``widget`` is first painted.

    Parameters
    ----------
    widget : QWidget
        The widget (usually a top-level window) whose first paint is awaited.
    fallback_ms : int, optional
        Run the functions after this long if the widget has not been painted by then.

    Attributes
    ----------
    done : bool
        True once the functions have run; later ones run at once.
    """

    def __init__(self, widget: QWidget, fallback_ms: int = FALLBACK_MS) -> None:
        super().__init__(widget)
        self._functions: list[Callable[[], object]] = []
        self.done = False
        # The widget itself may be covered all over by its children: any of them painting
        # means the frame is being drawn (in one pass, which the next turn follows).
        self._watched = [widget, *widget.findChildren(QWidget, options=_DIRECT)]
        for watched in self._watched:
            watched.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._run)

    def call(self, function: Callable[[], object]) -> None:
        """Call ``function`` after the first paint (at once if that has passed)."""
        if self.done:
            function()
        else:
            self._functions.append(function)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On the first paint, run the functions in the next turn (the frame shows first)."""
        if event.type() == QEvent.Type.Paint and self._watched:
            self._stop_watching()
            QTimer.singleShot(0, self, self._run)
        return False

    def _stop_watching(self) -> None:
        for watched in self._watched:
            if isValid(watched):  # not deleted meanwhile
                watched.removeEventFilter(self)
        self._watched = []

    def _run(self) -> None:
        if self.done:
            return
        self.done = True
        self._stop_watching()
        functions, self._functions = self._functions, []
        for function in functions:
            function()
