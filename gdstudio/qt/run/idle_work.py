"""Make parts of the window that will be wanted soon, one piece per quiet pass.

A page made on first use is made in the pass of the event loop that needs it, on top of
what that pass does anyway: the map of the first function of two variables (a plot and
its colour bar, 60–100 ms) came with the compiled function, its first map and its run,
and the window stopped answering for their sum. :class:`IdleWork` makes such pages
earlier, after the window is ready, each in a pass of its own that has nothing else to
do, so that the pass that needs one only fills it.

While a run streams in, the pieces wait: a pass that makes a page then competes with the
worker for the interpreter and froze the window for 100–300 ms in the middle of a
full-speed run started right after start-up.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from gdstudio.qt.run.collector import runs_streaming
from gdstudio.qt.run.ui_gate import pass_is_full

__all__ = ["IDLE_GAP_MS", "STREAMING_GAP_MS", "IdleWork"]

#: Milliseconds between two pieces, so that input and paints come in between.
IDLE_GAP_MS = 40
#: Milliseconds between looks at whether the runs streaming in have stopped (each look
#: wakes the UI thread, and the worker stands aside for it).
STREAMING_GAP_MS = 250


class IdleWork(QObject):
    """Calls functions, in order, one per pass of the event loop, each after a gap.

    A pass that has already worked its budget (:func:`~gdstudio.qt.run.ui_gate.pass_is_full`)
    runs none: the piece waits for the next gap. While a run streams in
    (:func:`~gdstudio.qt.run.collector.runs_streaming`) none runs either. Functions are
    meant to be idempotent (making something already made does nothing), so that first
    use may come first.

    Parameters
    ----------
    parent : QObject
        The owner; the work stops with it.
    gap_ms : int, optional
        Milliseconds between pieces (default :data:`IDLE_GAP_MS`).
    """

    def __init__(self, parent: QObject, gap_ms: int = IDLE_GAP_MS) -> None:
        super().__init__(parent)
        self._pieces: deque[Callable[[], object]] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._gap_ms = gap_ms
        self._timer.setInterval(gap_ms)
        self._timer.timeout.connect(self._next)

    @property
    def pending(self) -> int:
        """How many pieces wait."""
        return len(self._pieces)

    def add(self, piece: Callable[[], object]) -> None:
        """Call ``piece`` in a later quiet pass, after the pieces added before it."""
        self._pieces.append(piece)
        if not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        """Drop the pieces not made yet (the window is closing)."""
        self._pieces.clear()
        self._timer.stop()

    def _next(self) -> None:
        if runs_streaming():
            self._timer.start(max(self._gap_ms, STREAMING_GAP_MS))
            return
        if self._pieces and not pass_is_full():
            self._pieces.popleft()()
        if self._pieces:
            self._timer.start(self._gap_ms)
