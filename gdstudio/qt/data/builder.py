"""Slow work of data mode off the UI thread, newest request only.

Building a :class:`~gdstudio.problems.models.ModelObjective` analyses the model in the
helper process (with a hard time limit) and compiles it; generating a dataset parses its
function the same way. As :mod:`gdstudio.qt.run.compiler` does for expressions, a pool
thread does the work and only the newest request's answer is delivered: an answer to a
request that was overtaken is dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from gdstudio.problems.expression import check_syntax
from gdstudio.qt.model import DataSettings

__all__ = ["BackgroundRunner", "build_objective", "error_location"]


class _Relay(QObject):
    """Carries a pool thread's outcome to the UI thread (queued connection)."""

    done = Signal(int, bool, object)  # request, succeeded, result or exception


class _Job(QRunnable):
    def __init__(self, request: int, function: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.request, self.function, self.relay = request, function, relay

    def run(self) -> None:
        try:
            result = self.function()
        except Exception as error:  # every refusal reaches the student, none is lost
            self.relay.done.emit(self.request, False, error)
        else:
            self.relay.done.emit(self.request, True, result)


class BackgroundRunner(QObject):
    """Run functions on a pool thread; deliver only the newest request's outcome.

    Signals
    -------
    succeeded(object, object)
        The request's tag and the function's result.
    failed(object, object)
        The request's tag and the exception it raised.
    """

    succeeded = Signal(object, object)
    failed = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._deliver)
        self._requests = itertools.count(1)
        self._latest = 0
        self._tags: dict[int, object] = {}

    @property
    def busy(self) -> bool:
        """True while the newest request has not been answered."""
        return self._latest in self._tags

    def request(self, tag: object, function: Callable[[], Any]) -> int:
        """Run ``function()`` in the background; ``tag`` comes back with its outcome."""
        number = next(self._requests)
        self._latest = number
        self._tags[number] = tag
        self._pool.start(_Job(number, function, self._relay))
        return number

    def cancel(self) -> None:
        """Drop the answers of every request made so far."""
        self._latest = -1

    def shutdown(self) -> None:
        """Drop pending answers and wait for the running job (the expression helper
        process should be stopped first, so that a waiting job fails fast)."""
        self._latest = -1
        self._pool.waitForDone(10_000)

    def _deliver(self, request: int, succeeded: bool, result: object) -> None:
        tag = self._tags.pop(request, None)
        if request != self._latest:
            return
        (self.succeeded if succeeded else self.failed).emit(tag, result)


def build_objective(settings: DataSettings, timeout: float = 5.0) -> Any:
    """The :class:`~gdstudio.problems.models.ModelObjective` of ``settings`` (slow: call it
    in the background).

    A fixed value of a name the model no longer contains is left out: after the model
    text changes, an old "m fixed at 2" is moot, not an error.
    """
    from gdstudio.problems.models import ModelObjective  # lazy: loads sympy, off the UI thread

    if settings.dataset is None:
        raise ValueError("there is no data yet: import a CSV file or generate some")
    names = set(check_syntax(settings.model_text))
    fixed = {name: value for name, value in settings.fixed.items() if name in names}
    objective = ModelObjective(
        settings.model_text, settings.dataset, target=settings.target, loss=settings.loss,
        fixed=fixed, standardize=settings.standardize, timeout=timeout,
    )
    objective.prepare_hessian()  # the stable-rate mark beside the learning rate
    return objective


def error_location(error: BaseException) -> tuple[str, int | None]:
    """The message of a refusal and, for a bad model text, its 1-based column."""
    message = getattr(error, "message", None) or str(error)
    column = getattr(error, "column", None)
    return message, column if isinstance(column, int) else None
