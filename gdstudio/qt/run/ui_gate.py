"""Give the UI thread the interpreter whenever it has work to do.

Python runs one thread at a time. A worker thread that steps a descent flat out holds the
interpreter lock, and every time the UI thread lets go of it (inside nearly every Qt call)
it must wait up to :func:`sys.getswitchinterval` to get it back. A paint made of a few
hundred calls between Qt and Python then takes many times as long as on an idle machine.

So the UI thread says when it is busy, and workers step in short chunks and wait between
chunks (bounded) while it is. Once :func:`install_ui_gate` has run, the UI thread counts
as busy from the first event it handles until its event loop is about to sleep again
(Qt's ``aboutToBlock``); :func:`ui_busy` marks any other block. The gate is installed
when the first run starts, so that start-up does not pay for the event filter.

A UI thread that handles events without letting its loop sleep (``QTest.qWait``, which
sleeps outside the loop) keeps the gate closed: workers then make one chunk per
``UI_WAIT_LIMIT`` (see :mod:`gdstudio.qt.run.worker`). The app's own loop always sleeps when
it has nothing to do.

The gate stays closed for the whole pass, C++ stretches between Python callbacks included:
in a data-mode run (100,000 rows, full speed) the worker waited on the gate for 9–13% of
the time, and the UI thread was between Python callbacks for a fifth to a quarter of that
(2–3% of the run), in short stretches inside frames; after a pass's last callback, under
1%. Opening the gate for those would win little and bring back the hand-offs it avoids.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QAbstractEventDispatcher, QCoreApplication, QEvent, QObject, QThread

__all__ = [
    "PASS_BUDGET",
    "SWITCH_INTERVAL",
    "install_ui_gate",
    "owe_paint",
    "pass_is_full",
    "ui_busy",
    "ui_busy_seconds",
    "ui_idle",
]

#: Seconds a thread waiting for the interpreter waits before it asks the holder to let
#: go (Python's default is 0.005). It only matters while two threads want it.
SWITCH_INTERVAL = 0.0005

#: Seconds of work after which a pass of the UI thread's event loop is full: drawing that
#: can wait (side panels, the loss map, the explanation) then waits for the next pass, so
#: that the loop sleeps in between and input is answered. Without it, timers that fall
#: due together run back to back and the window stops answering for their sum.
PASS_BUDGET = 0.025
#: Seconds after which a pass that has not ended is no longer counted as one.
LONGEST_PASS = 0.5

_idle = threading.Event()
_idle.set()
_depth = [0]  # ui_busy blocks running now (UI thread only)
_installed: list[QObject] = []  # the event filter and the dispatcher it works with
# Seconds the gate has been closed in busy spells that ended, and when the current one
# began (perf_counter), for ui_busy_seconds.
_busy_clock = [0.0, 0.0]
# Seconds of painting this pass has made due (owe_paint), which Qt does later in it.
_owed = [0.0]


def ui_idle() -> threading.Event:
    """The event that is set while the UI thread has nothing to do."""
    return _idle


def ui_busy_seconds() -> float:
    """Seconds the UI thread has been busy (the gate closed) so far, the current spell too.

    The difference between two readings, over the time between them, is the share of
    that time the UI thread worked (the window paces its frames with it).
    """
    if _idle.is_set():
        return _busy_clock[0]
    return _busy_clock[0] + (time.perf_counter() - _busy_clock[1])


def pass_is_full(extra: float = 0.0) -> bool:
    """True when the UI thread has worked ``PASS_BUDGET`` seconds since its loop last slept.

    The paints this pass has made due (:func:`owe_paint`) count as work already done, and
    so do ``extra`` seconds (what the caller is about to make due): a widget's data are
    set in one callback but Qt paints it later in the same pass, so the time its paint
    takes would otherwise be seen only once it is spent.

    False again after ``LONGEST_PASS``: a loop that does not sleep for so long (a nested
    loop that sleeps outside Qt, as ``QTest.qWait`` does) would otherwise put the work
    off for ever. Only meaningful on the UI thread once :func:`install_ui_gate` has run
    (False before).
    """
    if _idle.is_set():
        return False
    worked = time.perf_counter() - _busy_clock[1]
    return worked + _owed[0] + extra > PASS_BUDGET and worked < LONGEST_PASS


def owe_paint(seconds: float) -> None:
    """Count ``seconds`` of painting made due in this pass (see :func:`pass_is_full`).

    Call on the UI thread when a change will make Qt repaint a widget, with what its
    paint is expected to cost (:class:`~gdstudio.qt.run.paint_cost.PaintCost`); the debt
    is cleared when the loop is about to sleep, once the pass has painted.
    """
    if not _idle.is_set():
        _owed[0] += seconds


def _close() -> None:
    if _idle.is_set():  # a new pass: it owes no paint yet
        _owed[0] = 0.0
        _busy_clock[1] = time.perf_counter()
        _idle.clear()


def _open() -> None:
    if not _idle.is_set():
        _busy_clock[0] += time.perf_counter() - _busy_clock[1]
        _idle.set()


@contextmanager
def ui_busy() -> Iterator[None]:
    """Ask workers to stand aside while the block runs (UI thread only; may nest)."""
    _depth[0] += 1
    _close()
    try:
        yield
    finally:
        _depth[0] -= 1
        if _depth[0] == 0:
            _open()


class _BusyWhileHandling(QObject):
    """Application event filter: any event of the UI thread closes the gate."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Close the gate (until the event loop is about to sleep); never filter out."""
        if _idle.is_set():
            _close()
        return False


def install_ui_gate() -> bool:
    """Follow the UI thread's events; call on the UI thread (safe to repeat).

    Returns
    -------
    bool
        True if the gate follows the UI thread (False with no QCoreApplication, or
        off its thread: then only :func:`ui_busy` closes it).
    """
    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)
    app = QCoreApplication.instance()
    if app is None or app.thread() != QThread.currentThread():
        return False
    dispatcher = QAbstractEventDispatcher.instance(app.thread())
    if dispatcher is None:
        return False
    if _installed and _installed[1] is dispatcher:
        return True
    busy = _BusyWhileHandling(app)
    app.installEventFilter(busy)
    dispatcher.aboutToBlock.connect(_open_unless_busy)
    _installed[:] = [busy, dispatcher]
    return True


def _open_unless_busy(*_: Any) -> None:
    _owed[0] = 0.0  # the loop is about to sleep: this pass has painted
    if _depth[0] == 0:  # a ui_busy block may run a nested event loop
        _open()
