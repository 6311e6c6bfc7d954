"""One background thread for the sweeps: a job runs there, with progress and Cancel.

A job is a plain function (in the spirit of Orange's concurrent helpers): it takes a
``progress(fraction) -> bool`` callback, calls it now and then, stops early when it
returns ``False``, and returns its result. :class:`SweepRunner` runs one job at a time
on a :class:`QThread` of its own, relays progress to the UI thread, and hands the result
back with :attr:`SweepRunner.finished`. Cancel is a :class:`threading.Event` the job's
progress callback reads: the only state shared across the threads.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

__all__ = ["Job", "Progress", "SweepRunner"]

#: Called by a job with the fraction done; ``False`` back means "stop now".
Progress = Callable[[float], bool]
#: A job: runs off the UI thread and returns its result.
Job = Callable[[Progress], Any]


class _Worker(QObject):
    """Lives on the runner's thread; runs the jobs it is sent, one after another."""

    progressed = Signal(int, float)
    done = Signal(int, object)
    failed = Signal(int, str)

    @Slot(int, object, object)
    def run(self, ticket: int, job: Job, cancelled: threading.Event) -> None:
        def progress(fraction: float) -> bool:
            self.progressed.emit(ticket, float(fraction))
            return not cancelled.is_set()

        try:
            result = job(progress)
        except ValueError as error:  # bad input: one sentence
            self.failed.emit(ticket, str(error).splitlines()[0] if str(error) else "bad input")
        except Exception:  # a bug: the last line says what, the rest goes nowhere near a user
            self.failed.emit(ticket, traceback.format_exc().strip().splitlines()[-1])
        else:
            self.done.emit(ticket, result)


class SweepRunner(QObject):
    """Runs sweep jobs on a background thread, one at a time.

    Signals
    -------
    progressed(float)
        The fraction of the current job done.
    finished(object)
        The result of a job that was not cancelled.
    cancelled()
        The current job stopped because Cancel was pressed.
    failed(str)
        The job failed; one sentence.
    """

    progressed = Signal(float)
    finished = Signal(object)
    cancelled = Signal()
    failed = Signal(str)
    _submit = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._tickets = itertools.count(1)
        self._current = 0  # the ticket of the job whose results are wanted (0: none)
        self._thread = QThread(self)
        self._thread.setObjectName("sweepThread")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._submit.connect(self._worker.run)
        self._worker.progressed.connect(self._on_progress)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._thread.start()
        self._closed = False

    @property
    def busy(self) -> bool:
        """True while a job runs (or waits to run)."""
        return self._current != 0

    def start(self, job: Job) -> None:
        """Run ``job`` (a job still running is cancelled and its result dropped)."""
        if self._closed:
            return
        self.cancel()
        self._cancel = threading.Event()  # each job reads its own
        self._current = next(self._tickets)
        self._submit.emit(self._current, job, self._cancel)

    def cancel(self) -> None:
        """Ask the running job to stop; :attr:`cancelled` follows once it has."""
        self._cancel.set()

    def shutdown(self) -> None:
        """Cancel, stop the thread and wait for it (safe to repeat)."""
        if self._closed:
            return
        self._closed = True
        self._current = 0
        self._cancel.set()
        self._thread.quit()
        self._thread.wait()

    def _on_progress(self, ticket: int, fraction: float) -> None:
        if ticket == self._current:
            self.progressed.emit(fraction)

    def _on_done(self, ticket: int, result: object) -> None:
        if ticket != self._current:
            return
        self._current = 0
        if self._cancel.is_set():
            self.cancelled.emit()
        else:
            self.finished.emit(result)

    def _on_failed(self, ticket: int, message: str) -> None:
        if ticket == self._current:
            self._current = 0
            self.failed.emit(message)
