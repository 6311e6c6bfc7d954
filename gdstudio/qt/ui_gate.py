"""Give the UI thread the interpreter whenever it has work to do.

Python runs one thread at a time. A worker thread that steps a descent flat out holds the
interpreter lock, and every time the UI thread lets go of it (inside nearly every Qt call)
it must wait up to :func:`sys.getswitchinterval` to get it back. A paint made of a few
hundred calls between Qt and Python then takes many times as long as on an idle machine.

So the UI thread says when it is busy, and workers step in short chunks and wait between
chunks (bounded) while it is. :class:`GatedApplication` marks every event it delivers
(input, timers, paints, queued calls), and :func:`ui_busy` marks any other block. The
event loop's ``aboutToBlock`` signal reopens the gate while a nested loop (a modal dialog)
sleeps inside a handler.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, QThread
from PySide6.QtWidgets import QApplication

__all__ = ["SWITCH_INTERVAL", "GatedApplication", "install_ui_gate", "ui_busy", "ui_idle"]

#: Seconds a thread waiting for the interpreter waits before it asks the holder to let
#: go (Python's default is 0.005). It only matters while two threads want it.
SWITCH_INTERVAL = 0.0005

_idle = threading.Event()
_idle.set()
_depth = [0]  # handlers and ui_busy blocks running now (UI thread only)
_followed: list[QObject] = []  # the dispatcher whose signals the gate follows


def ui_idle() -> threading.Event:
    """The event that is set while the UI thread has nothing to do."""
    return _idle


@contextmanager
def ui_busy() -> Iterator[None]:
    """Ask workers to stand aside while the block runs (UI thread only; may nest)."""
    _enter()
    try:
        yield
    finally:
        _leave()


class GatedApplication(QApplication):
    """A QApplication whose workers stand aside while the UI thread handles an event."""

    def __init__(self, arguments: list[str]) -> None:
        super().__init__(arguments)
        self._ui_thread = threading.get_ident()

    def notify(self, receiver: QObject, event: QEvent) -> bool:
        """Deliver ``event``; workers stand aside until the UI thread has handled it."""
        if threading.get_ident() != self._ui_thread:  # a worker's own events
            return super().notify(receiver, event)
        _enter()
        try:
            return super().notify(receiver, event)
        finally:
            _leave()


def install_ui_gate() -> None:
    """Shorten the switch interval and follow the UI thread's event loop (idempotent).

    Call it on the UI thread once a QApplication exists.
    """
    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)
    app = QApplication.instance()
    if app is None or app.thread() != QThread.currentThread():
        return
    dispatcher = QAbstractEventDispatcher.instance(app.thread())
    if dispatcher is None or any(known is dispatcher for known in _followed):
        return
    _followed[:] = [dispatcher]
    dispatcher.aboutToBlock.connect(_idle.set)  # asleep, even inside a handler
    dispatcher.awake.connect(_resume)


def _enter() -> None:
    _depth[0] += 1
    _idle.clear()


def _leave() -> None:
    _depth[0] -= 1
    if _depth[0] == 0:
        _idle.set()


def _resume(*_: Any) -> None:
    if _depth[0] > 0:  # woken inside a handler's nested loop: busy again
        _idle.clear()
