"""Reading and parsing files off the UI thread, with a busy box and Cancel.

Import CSV… and File ▸ Open hand a path and a parse function to a :class:`FileLoader`.
The function runs on a :class:`QThread`; a window-modal :class:`QProgressDialog` (shown
only if the work takes a moment) offers Cancel. Any exception — a refusal, ``OSError``,
``MemoryError``, anything — becomes one sentence. A cancelled or overtaken load is
forgotten: its thread runs to its end (the parsers are bounded), its result is dropped.
Files that are not regular (a FIFO, a device) are refused before they are opened, since
opening one can block for ever.
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

__all__ = [
    "BUSY_BOX_DELAY_MS",
    "FileLoader",
    "NotARegularFileError",
    "check_regular_file",
    "failure_sentence",
]

#: The busy box appears only when the work takes longer than this.
BUSY_BOX_DELAY_MS = 400
#: How long closing the window waits for a load still running (it is bounded).
_SHUTDOWN_WAIT_MS = 30_000


class NotARegularFileError(ValueError):
    """The path names a folder, a pipe or a device, not a file that can be read."""


def check_regular_file(path: Path) -> None:
    """Raise :class:`NotARegularFileError` unless ``path`` is a regular file.

    ``os.stat`` does not open the file, so it returns at once even for a FIFO that
    nobody writes to (whose ``open`` would wait for ever).
    """
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise NotARegularFileError(f"{path.name} is a folder, not a file.")
    if not stat.S_ISREG(info.st_mode):
        raise NotARegularFileError(f"{path.name} is not a regular file: a pipe or a device "
                              "cannot be read.")


def failure_sentence(path: Path, error: BaseException) -> str:
    """One sentence saying why reading ``path`` failed, whatever ``error`` is."""
    if isinstance(error, MemoryError):
        return f"{path.name} is too large to read into memory."
    if isinstance(error, FileNotFoundError):
        return f"There is no file {path.name} in {path.parent}."
    if isinstance(error, OSError) and error.strerror:
        return f"{path.name} cannot be read: {error.strerror}."
    if isinstance(error, OSError):
        return f"{path.name} cannot be read: {error}."
    message = str(getattr(error, "message", None) or error).strip()
    if not message:
        return f"{path.name} could not be read ({type(error).__name__})."
    return message.splitlines()[0]


class _LoadThread(QThread):
    """Runs ``parse(path)`` once; reports ``(ticket, succeeded, result or sentence)``."""

    outcome = Signal(int, bool, object)

    def __init__(self, ticket: int, path: Path, parse: Callable[[Path], Any],
                 check: bool, parent: QObject) -> None:
        super().__init__(parent)
        self.ticket, self.path, self.parse, self.check = ticket, path, parse, check

    def run(self) -> None:
        try:
            if self.check:
                check_regular_file(self.path)
            result = self.parse(self.path)
        except BaseException as error:
            self.outcome.emit(self.ticket, False, failure_sentence(self.path, error))
        else:
            self.outcome.emit(self.ticket, True, result)


class FileLoader(QObject):
    """Load one file at a time on a worker thread; only the newest load is answered.

    Parameters
    ----------
    parent : QWidget
        The window the busy box belongs to.

    Signals
    -------
    loaded(object, object)
        The path and the parse function's result.
    failed(object, str)
        The path and one sentence saying why.
    cancelled(object)
        The path whose load the student cancelled.
    """

    loaded = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._tickets = itertools.count(1)
        self._current = 0
        self._path: Path | None = None
        self._threads: list[_LoadThread] = []
        self.busy_box: QProgressDialog | None = None

    @property
    def busy(self) -> bool:
        """True while a load is waited for (not cancelled)."""
        return self._path is not None

    @property
    def running(self) -> bool:
        """True while any load thread (waited for or forgotten) is still running."""
        return any(thread.isRunning() for thread in self._threads)

    def load(self, path: str | os.PathLike[str], parse: Callable[[Path], Any], what: str,
             *, check_regular: bool = True) -> None:
        """Start ``parse(path)`` on a worker thread (a load in progress is forgotten).

        ``what`` names the work in the busy box ("Reading data.csv …").
        ``check_regular`` refuses FIFOs and devices first (``parse`` may do it itself).
        """
        self._forget()
        self._path = Path(path)
        self._current = ticket = next(self._tickets)
        thread = _LoadThread(ticket, self._path, parse, check_regular, self)
        thread.outcome.connect(self._deliver)
        thread.finished.connect(lambda: self._release(thread))
        self._threads.append(thread)
        self._show_busy_box(what)
        thread.start()

    def cancel(self) -> None:
        """Stop waiting for the current load: nothing it reads will be used."""
        path = self._path
        if path is None:
            return
        self._forget()
        self.cancelled.emit(path)

    def shutdown(self) -> None:
        """Forget the current load and wait for every load thread to end."""
        self._forget()
        for thread in list(self._threads):
            thread.wait(_SHUTDOWN_WAIT_MS)

    def _forget(self) -> None:
        self._current = 0
        self._path = None
        box, self.busy_box = self.busy_box, None
        if box is not None:
            box.canceled.disconnect(self.cancel)
            box.reset()
            box.deleteLater()

    def _show_busy_box(self, what: str) -> None:
        box = QProgressDialog(what, "Cancel", 0, 0, self._parent)
        box.setObjectName("busyBox")
        box.setWindowTitle("Reading")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setMinimumDuration(BUSY_BOX_DELAY_MS)  # quick loads never show it
        box.setAutoClose(False)
        box.setAutoReset(False)
        box.canceled.connect(self.cancel)
        self.busy_box = box

    def _deliver(self, ticket: int, succeeded: bool, result: object) -> None:
        if ticket != self._current or self._path is None:
            return  # cancelled or overtaken
        path = self._path
        self._forget()
        if succeeded:
            self.loaded.emit(path, result)
        else:
            self.failed.emit(path, str(result))

    def _release(self, thread: _LoadThread) -> None:
        if thread in self._threads:
            self._threads.remove(thread)
        thread.deleteLater()
