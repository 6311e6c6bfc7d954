"""What every helper process of the program does the same way.

The program starts helpers with ``spawn`` (no fork of a Qt program): the expression
helper (:mod:`gdstudio.problems._compile_service`), the stepping helper
(:mod:`gdstudio.problems.step_service`) and the file reader of the window.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["end_helper", "follow_parent", "main_module_hidden", "serve"]


def follow_parent() -> None:
    """In a helper: leave Ctrl+C to the parent, and end when the parent ends.

    A parent killed in the middle of a request must not leave its helper running.
    """
    with contextlib.suppress(ValueError, OSError):  # Ctrl+C goes to the parent only
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    """Wait until the parent process ends (however it ends), then end this one."""
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def serve(connection: Connection, answer: Callable[[Any], Any],
          unsendable: Callable[[Exception], Any]) -> None:
    """In a helper: answer requests until ``None`` comes, or the parent goes away.

    ``answer`` turns a request into its reply (``None``: end the helper);
    ``unsendable`` turns the error of a reply that would not pickle into the reply sent
    instead.
    """
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        reply = answer(request)
        if reply is None:
            return
        try:
            connection.send(reply)
        except (EOFError, OSError):
            return
        except Exception as error:  # the reply would not pickle: say so, do not die
            connection.send(unsendable(error))


def end_helper(process: multiprocessing.process.BaseProcess | None,
               connection: Connection | None, polite: bool, grace: float) -> None:
    """In the parent: end a helper and close its pipe.

    ``polite`` first asks it to end (``None``) and gives it ``grace`` seconds; a helper
    still alive is then terminated, and at last killed.
    """
    if connection is not None:
        if polite and process is not None and process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                connection.send(None)
        connection.close()
    if process is None:
        return
    if polite:
        process.join(grace)
    if process.is_alive():
        process.terminate()
        process.join(grace)
    if process.is_alive():
        process.kill()
        process.join(grace)
    if not process.is_alive():
        process.close()


@contextlib.contextmanager
def main_module_hidden() -> Iterator[None]:
    """Start children without the parent's ``__main__`` module.

    ``spawn`` normally re-imports the parent's main script in the child. A student's
    script that calls ``gdstudio.descend(...)`` at top level, without the
    ``if __name__ == "__main__":`` guard, would then run again in the helper and fail
    (or do its work twice). The helpers need nothing from ``__main__``, so while a child
    is being launched, ``__main__`` is replaced by an empty module.
    """
    original = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if original is not None:
            sys.modules["__main__"] = original
