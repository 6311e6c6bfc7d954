"""Python's cyclic garbage collection, run only on the GUI thread.

Any thread that allocates can trigger Python's cyclic collector, and it then destroys
whatever Qt objects it frees right there: a window's menus freed by the compile thread
deadlocked against the GUI thread in the test suite. So automatic collection is switched
off and a timer on the GUI thread collects instead (pyqtgraph recommends the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

__all__ = ["collect_on_gui_thread"]

_INTERVAL_MS = 500


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
