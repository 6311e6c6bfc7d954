"""Python's cyclic garbage collection, run only on the GUI thread.

Any thread that allocates can trigger Python's cyclic collector, and it then destroys
whatever Qt objects it frees right there: a window's menus freed by the compile thread
deadlocked against the GUI thread in the test suite. So automatic collection is switched
off and a timer on the GUI thread collects instead (pyqtgraph recommends the same).

While a run streams in, the objects that existed when it started are *frozen*
(:func:`gc.freeze`): the collector leaves them alone until the run stops. Without that, a
collection of the older generations walks every object the program has made (the
imports alone are over a hundred thousand) and holds the interpreter for 50–150 ms, which
the window shows as a frozen frame. Garbage among them waits for the first collection
after the run.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

__all__ = ["collect_on_gui_thread", "freeze_while_running"]

_INTERVAL_MS = 500
_running: set[int] = set()  # ids of the runs streaming in now (see freeze_while_running)


class _Collector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(_INTERVAL_MS)

    def collect(self) -> None:
        """Collect the generations whose counts passed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                break


def collect_on_gui_thread(app: QCoreApplication) -> None:
    """Switch off automatic collection and collect on a GUI-thread timer (idempotent)."""
    if app.findChild(_Collector) is None:
        _Collector(app)
    gc.disable()


def freeze_while_running(run: object, running: bool) -> None:
    """Say whether ``run`` streams in; while any does, the older objects are frozen.

    Parameters
    ----------
    run : object
        Whatever identifies the run (its session); the same object stops it.
    running : bool
        True when it starts streaming in, False when it pauses, ends or is shut down.
    """
    key = id(run)
    if running and key not in _running:
        if not _running:
            gc.freeze()  # the objects that exist now: none of this run's garbage
        _running.add(key)
    elif not running and key in _running:
        _running.discard(key)
        if not _running:
            gc.unfreeze()  # collectable again, by the next due collection
