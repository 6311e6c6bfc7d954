"""Saved branches replayed off the UI thread.

A project may hold long branches; replaying them (every step again, to get the very same
numbers) runs on a ``QThread`` of its own. The thread builds a fresh
:class:`~gdstudio.state.branches.BranchState` that nothing subscribes to, and hands it to
the UI thread in one signal when it is done; the window's own state then takes its runs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal

from gdstudio.engine import Descent, RunSettings
from gdstudio.state.branches import BranchState

if TYPE_CHECKING:
    from gdstudio.io import SavedBranch

__all__ = ["ReplayThread"]


class ReplayThread(QThread):
    """Replays ``saved`` branches from the (parked) main run ``main``.

    Signals
    -------
    replayed(object)
        ``(thread, state, checks)`` when done: this thread, the new :class:`BranchState`
        and its list of :class:`~gdstudio.state.branches.ReplayCheck`; ``(thread, None,
        sentence)`` when the engine refused a branch; nothing when cancelled.
    """

    replayed = Signal(object)

    def __init__(self, main: Descent, settings: RunSettings, saved: Sequence[SavedBranch],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("branch-replay")
        self._main, self._settings, self._saved = main, settings, tuple(saved)
        self._cancelled = threading.Event()

    def run(self) -> None:
        """Replay every branch (on the thread)."""
        state = BranchState()
        state.start(self._main, self._settings)
        state.park(0)
        try:
            checks = state.restore(self._saved, self._cancelled.is_set)
        except (ValueError, IndexError) as error:  # settings the engine refuses
            self.replayed.emit((self, None, str(error)))
            return
        if not self._cancelled.is_set():
            self.replayed.emit((self, state, checks))

    def cancel(self) -> None:
        """Stop the replay between two steps and wait for the thread to end."""
        self._cancelled.set()
        self.wait()
