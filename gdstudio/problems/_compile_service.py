"""A helper process that builds and differentiates expressions under a hard time limit.

Building a sympy tree can run long inside big-integer code that holds the GIL, so a
thread cannot be stopped and would freeze the program. The work happens in a separate
process instead: started lazily with the ``spawn`` method (no fork of a Qt program),
kept alive between calls (starting it costs about a second for the sympy import), fed
through a ``Pipe``, and killed when a request runs out of time. The next call starts a
fresh one; one that dies during a request (killed, crashed) is restarted once and the
request sent again. The helper ends by itself when its parent ends, however it ends (a
killed ``gdstudio-cli`` leaves nothing behind). A ``threading.Lock`` lets several threads
share it, one request at a time.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import multiprocessing.connection
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from gdstudio.problems._rules import ExpressionError
from gdstudio.problems.helper_process import (
    end_helper,
    follow_parent,
    main_module_hidden,
    serve,
)

#: Seconds allowed for the helper process to start and import sympy.
START_TIMEOUT = 60.0
_STOP_GRACE = 1.0


def _serve(connection: Connection) -> None:
    """Entry point of the helper process: answer requests until told to stop.

    A request is ``(kind, payload)``. The kinds reachable from the public API are
    ``"analyse"`` and ``"hessian"``, both with ``(text, wrt)``. ``"sleep"`` with a
    number of seconds exists so the tests can exercise the time limit; no text can turn
    into it.
    """
    follow_parent()
    from gdstudio.problems import _build  # here: only the helper process loads sympy

    connection.send(("ready", None))
    serve(connection, lambda request: _answer(_build, request),
          lambda err: ("error", (f"the result could not be sent back ({err})", None)))


def _answer(build: Any, request: tuple[str, Any]) -> tuple[str, Any]:
    kind, payload = request
    try:
        if kind == "analyse":
            text, wrt = payload
            return ("ok", build.analyse(text, wrt))
        if kind == "hessian":
            text, wrt = payload
            return ("ok", build.second_derivatives(text, wrt))
        if kind == "sleep":
            time.sleep(float(payload))
            return ("ok", None)
        return ("error", (f"unknown request {kind!r}", None))
    except ExpressionError as err:
        return ("error", (err.message, err.column))
    except (RecursionError, MemoryError):
        return ("error", ("the expression is too complicated to analyse", None))
    except Exception as err:
        return ("error", (f"the expression could not be analysed ({type(err).__name__})", None))


class _HelperDiedError(Exception):
    """The helper process ended during a request."""


class CompileService:
    """The parent's handle on the helper process (one per program, see ``SERVICE``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancel = threading.Event()  # set by shutdown(): a start under way gives up
        self._shutdowns = 0  # a warm-up asked for before a shutdown does not start after it
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None

    @property
    def running(self) -> bool:
        """True while a helper process is alive."""
        return self._process is not None and self._process.is_alive()

    def request(self, kind: str, payload: Any, timeout: float) -> Any:
        """Send one request and wait at most ``timeout`` seconds for the answer.

        A helper that dies during the request (killed, crashed) is restarted once and the
        request sent again; a second death is reported.

        Raises
        ------
        ExpressionError
            With the helper's message, or when it takes too long, dies twice or cannot
            start.
        """
        with self._lock:
            try:
                status, value = self._exchange(kind, payload, timeout)
            except _HelperDiedError:
                try:
                    status, value = self._exchange(kind, payload, timeout)
                except _HelperDiedError:
                    raise ExpressionError(
                        "the expression could not be analysed: the helper process stopped "
                        "twice (it was restarted once)"
                    ) from None
        if status == "error":
            raise ExpressionError(*value)
        return value

    def _exchange(self, kind: str, payload: Any, timeout: float) -> tuple[str, Any]:
        """One round trip with a running (or freshly started) helper."""
        connection = self._start()
        try:
            connection.send((kind, payload))
            ready = connection.poll(timeout)
        except (OSError, EOFError, ValueError):
            self._stop()
            raise _HelperDiedError from None
        if not ready:
            self._stop()
            raise ExpressionError(
                f"the expression took longer than {timeout:g} s to analyse; simplify it"
            )
        try:
            return connection.recv()
        except (OSError, EOFError, ValueError, TypeError):
            self._stop()
            raise _HelperDiedError from None

    @property
    def pid(self) -> int | None:
        """The helper's process id while it runs (for tests and diagnostics)."""
        return self._process.pid if self.running else None

    def shutdown(self) -> None:
        """Stop the helper process, if any; the next request starts a new one."""
        self._cancel.set()
        self._shutdowns += 1
        try:
            with self._lock:
                self._stop(polite=True)
        finally:
            self._cancel.clear()

    def start(self) -> None:
        """Start the helper now, if it is not running, and wait until it is ready.

        Requests start it anyway; calling this first (from a background thread) takes
        its start-up, the sympy import, off the first request's time. A helper that
        cannot start is left to the first request to report. A shutdown while this call
        waits for another's request makes it give up: the window that asked is closing.
        """
        asked = self._shutdowns
        with self._lock, contextlib.suppress(ExpressionError):
            if self._shutdowns == asked:
                self._start()

    def _start(self) -> Connection:
        if self._connection is not None and self.running:
            return self._connection
        self._stop()
        try:
            context = multiprocessing.get_context("spawn")
            parent_end, child_end = context.Pipe(duplex=True)
            process = context.Process(
                target=_serve,
                args=(child_end,),
                name="gdstudio-expression-service",
                daemon=True,
            )
            with main_module_hidden():
                process.start()
        except Exception as err:
            raise ExpressionError(
                f"could not start the helper process that analyses expressions ({err})"
            ) from None
        child_end.close()
        self._process, self._connection = process, parent_end
        try:
            started = self._wait_until_ready(parent_end)
        except (OSError, EOFError):
            started = False
        if not started:
            self._stop()
            raise ExpressionError("could not start the helper process that analyses expressions")
        return parent_end

    def _wait_until_ready(self, connection: Connection) -> bool:
        """Wait for the helper's first word; False on a timeout or a shutdown meanwhile."""
        deadline = time.monotonic() + START_TIMEOUT
        while not self._cancel.is_set() and time.monotonic() < deadline:
            if connection.poll(0.05):
                return connection.recv() == ("ready", None)
        return False

    def _stop(self, polite: bool = False) -> None:
        process, connection = self._process, self._connection
        self._process, self._connection = None, None
        end_helper(process, connection, polite, _STOP_GRACE)


SERVICE = CompileService()


def shutdown_compile_service() -> None:
    """Stop the expression helper process (it restarts on the next analysis).

    Registered with :mod:`atexit`; call it yourself to free the process earlier.
    """
    SERVICE.shutdown()


atexit.register(shutdown_compile_service)
