"""Python's cyclic garbage collection, run only on the GUI thread.

Any thread that allocates can trigger Python's cyclic collector, and it then destroys
whatever Qt objects it frees right there: a window's menus freed by the compile thread
deadlocked against the GUI thread in the test suite. So automatic collection is switched
off and a timer on the GUI thread collects instead (pyqtgraph recommends the same).

A collection of the oldest generation walks every object it holds, and start-up alone
makes over a hundred thousand (the imports, the window): 40–100 ms, which the window
shows as a frozen frame. So the timer's first collection, once the window is built, takes
start-up's garbage and then *freezes* what is left (:func:`gc.freeze`): those objects
live for the whole session, and no collection walks them again (a run that starts
streaming in before that collection makes it at once, so that it does not come in the
middle of the run). Later objects, a run's among them, stay collectable. While a run
streams in (:func:`mark_streaming`), the oldest generation is not collected at all (the
younger ones are, as usual): its turn comes once no run streams.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

__all__ = ["collect_on_gui_thread", "mark_streaming", "runs_streaming"]

_INTERVAL_MS = 500
_OLDEST = 2
_streaming: set[int] = set()  # ids of the runs streaming in now (see mark_streaming)
_startup = {"collected": False, "managed": False}  # see _collect_startup


class _Collector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(_INTERVAL_MS)

    def collect(self) -> None:
        """Collect the generations whose counts passed their thresholds.

        The first call collects everything and freezes what survives (start-up's
        objects; a collection of the youngest generation would walk them all just the
        same, and the older ones again later); while a run streams in, the oldest
        generation waits and the middle one is collected instead.
        """
        if _collect_startup():
            return
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(1 if generation == _OLDEST and _streaming else generation)
                break


def _collect_startup() -> bool:
    """Collect everything and freeze what survives, once; True if it did now."""
    if _startup["collected"] or not _startup["managed"]:
        return False
    _startup["collected"] = True
    gc.collect()
    gc.freeze()
    return True


def collect_on_gui_thread(app: QCoreApplication) -> None:
    """Switch off automatic collection and collect on a GUI-thread timer (idempotent)."""
    if app.findChild(_Collector) is None:
        _Collector(app)
    _startup["managed"] = True
    gc.disable()


def mark_streaming(run: object, streaming: bool) -> None:
    """Say whether ``run`` streams in; while any does, the oldest generation waits.

    Parameters
    ----------
    run : object
        Whatever identifies the run (its session); the same object stops it.
    streaming : bool
        True when it starts streaming in, False when it pauses, ends or is shut down.
    """
    if streaming:
        _collect_startup()  # now rather than in the middle of the run
        _streaming.add(id(run))
    else:
        _streaming.discard(id(run))


def runs_streaming() -> bool:
    """True while any run streams in (see :func:`mark_streaming`)."""
    return bool(_streaming)
