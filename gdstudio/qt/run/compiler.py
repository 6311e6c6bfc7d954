"""Compiling typed expressions off the UI thread.

:func:`gdstudio.problems.function.FunctionObjective.from_text` analyses the text in a helper
process with a hard time limit; here a pool thread waits for it, so the window never
blocks, and only the newest request's answer is delivered.
"""

from __future__ import annotations

import contextlib
import itertools

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from gdstudio.problems.expression import ExpressionError, shutdown_compile_service

__all__ = ["ExpressionCompiler"]


class _Relay(QObject):
    """Carries a pool thread's result to the UI thread (queued connection)."""

    done = Signal(int, object, str, object)  # request, objective or None, message, column
    hessian = Signal(int)  # request whose objective has its Hessian compiled now
    loaded = Signal()  # the compiler's modules are loaded in this process


class _CompileJob(QRunnable):
    def __init__(self, request: int, text: str, timeout: float, relay: _Relay) -> None:
        super().__init__()
        self.request, self.text, self.timeout, self.relay = request, text, timeout, relay

    def run(self) -> None:
        # lazy: loads sympy, in the compile thread
        from gdstudio.problems.function import FunctionObjective

        try:
            objective = FunctionObjective.from_text(self.text, timeout=self.timeout)
            objective.compiled.prepare_arrays()  # the plots' grids: here, not on the UI thread
        except ExpressionError as error:
            self.relay.done.emit(self.request, None, error.message, error.column)
        except Exception as error:
            self.relay.done.emit(self.request, None, f"could not compile: {error}", None)
        else:
            self.relay.done.emit(self.request, objective, "", None)
            # Then the second derivatives, for the stable-rate mark: they can take a few
            # hundred milliseconds, which the problem itself need not wait for.
            objective.prepare_hessian()
            self.relay.hessian.emit(self.request)


class _WarmUpJob(QRunnable):
    """Starts the helper process (it imports sympy) ahead of the first text that is not
    an example.

    Only the process: importing sympy in this process too, from this thread, could meet
    another thread's import of it half way (sympy's modules import each other in circles),
    and fail.
    """

    def run(self) -> None:
        from gdstudio.problems._compile_service import SERVICE

        SERVICE.start()


class _LoadJob(QRunnable):
    """Loads sympy and its printers in this process (see
    :func:`~gdstudio.problems.expression.load_compiler`)."""

    def __init__(self, relay: _Relay) -> None:
        super().__init__()
        self.relay = relay

    def run(self) -> None:
        from gdstudio.problems.expression import load_compiler

        with contextlib.suppress(Exception):  # a head start only: a compile loads it too
            load_compiler()
        self.relay.loaded.emit()


def ready_made(text: str) -> object | None:
    """The objective of an example's text from its ready-made compiled form, or ``None``.

    Cheap enough for the UI thread: no sympy, no helper process (see
    :mod:`gdstudio.problems.compiled_examples`).
    """
    from gdstudio.problems.compiled_examples import lookup
    from gdstudio.problems.expression import ExpressionError, check_syntax
    from gdstudio.problems.function import FunctionObjective

    try:
        if lookup(text, check_syntax(text)) is None:
            return None
        return FunctionObjective.from_text(text)  # takes the ready-made form
    except ExpressionError:
        return None


class ExpressionCompiler(QObject):
    """Compile expressions in the background; stale answers are dropped.

    Signals
    -------
    compiled(str, object)
        The text and its :class:`~gdstudio.problems.function.FunctionObjective`.
    failed(str, str, object)
        The text, the message, and the 1-based column (or ``None``).
    hessianReady()
        The newest compiled objective's Hessian is ready (or known not to exist).
    """

    compiled = Signal(str, object)
    failed = Signal(str, str, object)
    hessianReady = Signal()

    def __init__(self, timeout: float = 5.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeout = timeout
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._relay = _Relay(self)
        self._relay.done.connect(self._deliver)
        self._relay.hessian.connect(self._hessian_done)
        self._relay.loaded.connect(self._loaded)
        self._loading = False
        self._requests = itertools.count(1)
        self._latest = 0
        self._texts: dict[int, str] = {}
        self._shut = False  # no warm-up after shutdown (a first paint's call may come late)

    @property
    def busy(self) -> bool:
        """True while the newest request has not been answered."""
        return self._latest in self._texts

    def request(self, text: str) -> int:
        """Start compiling ``text``; returns the request number."""
        number = next(self._requests)
        self._latest = number
        self._texts[number] = text
        objective = ready_made(text)
        if objective is None:
            self._pool.start(_CompileJob(number, text, self.timeout, self._relay))
        else:  # answered in the next turn of the event loop, like any other request
            QTimer.singleShot(0, self, lambda: self._ready(number, objective))
        return number

    def warm_up(self) -> None:
        """Start the helper process now, in the background, so that the first text that
        is not an example compiles without waiting for it (and for sympy) to load.
        Does nothing after :meth:`shutdown`."""
        if not self._shut:
            self._pool.start(_WarmUpJob())

    def load_here(self) -> None:
        """Load sympy and its printers in this process now, in the background, so that
        the first text that is not an example does not load them on its way (see
        :func:`~gdstudio.problems.expression.load_compiler`). Does nothing after
        :meth:`shutdown`."""
        if not self._shut and not self._loading:
            self._loading = True
            self._pool.start(_LoadJob(self._relay))

    @property
    def loading(self) -> bool:
        """True while :meth:`load_here`'s work runs."""
        return self._loading

    def _loaded(self) -> None:
        self._loading = False

    def _ready(self, request: int, objective: object) -> None:
        self._relay.done.emit(request, objective, "", None)
        self._relay.hessian.emit(request)

    def shutdown(self) -> None:
        """Stop the helper process (waiting jobs then fail fast) and wait for the pool."""

        self._latest = -1
        self._shut = True
        shutdown_compile_service()
        self._pool.waitForDone(10_000)

    def _hessian_done(self, request: int) -> None:
        if request == self._latest:
            self.hessianReady.emit()

    def _deliver(self, request: int, objective: object, message: str, column: object) -> None:
        text = self._texts.pop(request, "")
        if request != self._latest:
            return
        if objective is None:
            self.failed.emit(text, message, column)
        else:
            self.compiled.emit(text, objective)
