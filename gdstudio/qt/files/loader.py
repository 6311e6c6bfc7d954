"""Reading and parsing files off the UI thread, with a busy box and Cancel.

Import CSV… and File ▸ Open hand a path and a parse function to a :class:`FileLoader`.
A :class:`QThread` runs the function; a window-modal :class:`QProgressDialog` (shown only
if the work takes a moment) offers Cancel. Any exception — a refusal, ``OSError``,
``MemoryError``, anything — becomes one sentence. A cancelled or overtaken load is
forgotten and its result dropped. Files that are not regular (a FIFO, a device) are
refused by the parse function itself: every reader here (``load_csv``, ``load_project``,
the lesson reader) goes through :func:`gdstudio.io.files.read_limited`, the one
place that opens a student's file without blocking and checks what it opened.

Parsing is pure Python that holds the interpreter lock for long stretches, so a thread
alone would still starve the UI thread (a 3-million-row CSV stalled it for over a second
at a time). Files larger than :data:`IN_PROCESS_BYTES` are therefore parsed in a child
process (started with ``spawn``) that the thread waits for without holding the lock;
Cancel kills it at once. Small files are parsed on the thread: a process costs more.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from gdstudio.problems.helper_process import main_module_hidden

__all__ = [
    "BUSY_BOX_DELAY_MS",
    "IN_PROCESS_BYTES",
    "FileLoader",
    "failure_sentence",
]

#: The busy box appears only when the work takes longer than this.
BUSY_BOX_DELAY_MS = 400
#: Files larger than this are parsed in a child process (see the module notes).
IN_PROCESS_BYTES = 2 * 2**20
#: How long closing the window waits for a load still running (it is bounded).
_SHUTDOWN_WAIT_MS = 30_000
_POLL_SECONDS = 0.05


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


def _parse_in_child(parse: Callable[[Path], Any], path: Path, connection: Connection) -> None:
    """Entry point of the child process: send back ``(True, result)`` or a sentence."""
    try:
        reply: tuple[bool, object] = (True, parse(path))
    except BaseException as error:  # every failure becomes a sentence
        reply = (False, failure_sentence(path, error))
    try:
        connection.send(reply)
    except Exception as error:  # the result would not pickle, or is too large to send
        connection.send((False, failure_sentence(path, error)))


class _LoadThread(QThread):
    """Runs ``parse(path)`` once; reports ``(ticket, succeeded, result or sentence)``."""

    outcome = Signal(int, bool, object)

    def __init__(self, ticket: int, path: Path, parse: Callable[[Path], Any],
                 parent: QObject) -> None:
        super().__init__(parent)
        self.ticket, self.path, self.parse = ticket, path, parse
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            if _size(self.path) > IN_PROCESS_BYTES:
                succeeded, result = self._in_child_process()
            else:
                succeeded, result = True, self.parse(self.path)
        except BaseException as error:  # every failure becomes a sentence
            succeeded, result = False, failure_sentence(self.path, error)
        if not self.stop.is_set():
            self.outcome.emit(self.ticket, succeeded, result)

    def _in_child_process(self) -> tuple[bool, object]:
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_parse_in_child, args=(self.parse, self.path, sender),
                                name="gdstudio-file-reader", daemon=True)
        with main_module_hidden():
            child.start()
        sender.close()
        try:
            while not self.stop.is_set():
                if receiver.poll(_POLL_SECONDS):  # waits without the interpreter lock
                    return receiver.recv()
                if not child.is_alive() and not receiver.poll(0):
                    return False, f"{self.path.name} could not be read: the reader stopped."
            return False, "cancelled"
        except EOFError:
            return False, f"{self.path.name} could not be read: the reader stopped."
        finally:
            receiver.close()
            if child.is_alive():
                child.kill()
            child.join()
            child.close()


def _size(path: Path) -> int:
    """The file's size, or 0 if it cannot be seen (the parser then says why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


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

    def load(self, path: str | os.PathLike[str], parse: Callable[[Path], Any], what: str
             ) -> None:
        """Start ``parse(path)`` on a worker thread (a load in progress is forgotten).

        ``what`` names the work in the busy box ("Reading data.csv …"). ``parse`` must read
        through :func:`gdstudio.io.files.read_limited` (it refuses pipes and devices
        without blocking).
        """
        self._forget()
        self._path = Path(path)
        self._current = ticket = next(self._tickets)
        thread = _LoadThread(ticket, self._path, parse, self)
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
        for thread in self._threads:
            thread.stop.set()  # a child process reading for it is killed
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
        box.setValue(0)  # starts its clock: shown after the minimum duration, not 4 s
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
