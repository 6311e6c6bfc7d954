"""A helper process that steps a data fit while the window draws in this one.

Python runs one thread at a time in a process. A fit over 100,000 rows stepped on the
window's worker thread gets the interpreter only while the window does not draw, so the
window showed 0.7–0.9 of the steps a second the same fit makes headless. Stepped in a
second process, the fit has an interpreter (and a core) of its own.

The helper starts when a large fit is first prepared (``spawn``, as the expression helper;
it imports sympy to rebuild the objective, about a second, while the run still steps
here). The parent sends a :class:`~gdstudio.engine.handover.Checkpoint`; the helper
resumes the run and sends its new steps back every ``interval`` seconds until told to
stop or the run ends; the parent appends them with
:func:`~gdstudio.engine.handover.take_steps`, so its run is the one it would have made
itself, to the last bit. Any failure of the helper (it dies, an error) only means the
parent steps on by itself from the last steps it took.

The objective is rebuilt from its recipe: the model's text, the data and the settings,
with the analysis the parent already made (sympy trees, never text to execute), so the
helper needs no expression helper of its own. Only :class:`ModelObjective` fits of at
least ``REMOTE_ROWS`` rows are stepped there.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import queue
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from gdstudio.engine.descent import Descent
from gdstudio.engine.handover import Checkpoint, Resumed, can_hand_over, checkpoint, take_steps
from gdstudio.engine.objective import Objective
from gdstudio.problems.expression import ExpressionAnalysis, remember_analysis
from gdstudio.problems.helper_process import (
    end_helper,
    follow_parent,
    main_module_hidden,
    serve,
)

if TYPE_CHECKING:
    from gdstudio.problems.models import ModelObjective

__all__ = ["REMOTE_ROWS", "SERVICE", "StepService", "shutdown_step_service", "wanted"]

#: Fits over fewer rows step on the window's worker thread: their steps are cheap, and
#: the helper (a second interpreter with sympy) would cost more than it gives.
REMOTE_ROWS = 20_000
#: Seconds of steps between two looks at the parent's messages: well within a frame, so
#: Pause is answered at once, and long enough that the ~50 µs each ``Descent.run`` call
#: costs besides its steps stays under 1%.
_SLICE = 0.008
#: Most steps between two looks (fewer when steps are slow: a million rows).
_CHUNK = 4096
#: Seconds the parent waits for the helper's last steps after asking it to stop.
_STOP_TIMEOUT = 10.0
_GRACE = 1.0


@dataclass(frozen=True)
class _Recipe:
    """What rebuilds a :class:`ModelObjective` in the helper (picklable)."""

    analysis: ExpressionAnalysis
    data: Any
    target: str
    loss: str
    fixed: dict[str, float]
    standardize: bool

    def build(self) -> ModelObjective:
        from gdstudio.problems.models import ModelObjective  # the helper's sympy import

        remember_analysis(self.analysis)  # made by the parent: no analysis here
        return ModelObjective(self.analysis.text, self.data, target=self.target,
                              loss=self.loss, fixed=self.fixed, standardize=self.standardize)


def wanted(descent: Descent) -> bool:
    """Whether ``descent`` should step in the helper when it runs at full speed."""
    objective = descent.objective
    # Not imported here for this check (it imports sympy): no such class yet (the module
    # not imported, or being imported on another thread), no such fit.
    model_class = getattr(sys.modules.get("gdstudio.problems.models"), "ModelObjective", None)
    return (model_class is not None and isinstance(objective, model_class)
            and objective.n_samples >= REMOTE_ROWS and can_hand_over(descent))


def _recipe(objective: ModelObjective) -> _Recipe:
    return _Recipe(objective.analysis, objective.data, objective.target, objective.loss,
                   dict(objective.fixed), objective.standardization is not None)


# ---------------------------------------------------------------------- the helper
class _EndedError(Exception):
    """The parent asked the helper to end while it played."""


def _serve(connection: Connection) -> None:
    """Entry point of the helper process: build objectives, step runs, until told to stop.

    Messages in: ``("build", token, recipe)``, ``("play", token, checkpoint, interval)``,
    ``("stop",)`` (while playing) and ``None`` (end). Messages out: ``("built", token)``,
    ``("steps", block, states, checkpoint)`` while playing, ``("done", block, states,
    checkpoint)`` when a play ends, and ``("error", text)``.
    """
    follow_parent()
    objectives: dict[int, ModelObjective] = {}

    def answer(message: tuple[Any, ...]) -> tuple[Any, ...] | None:
        try:
            return _answer(connection, objectives, message)
        except _EndedError:
            return None
        except Exception as error:  # told to the parent, which steps on by itself
            return ("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}")

    serve(connection, answer, lambda error: ("error", f"a reply would not pickle ({error})"))


def _answer(connection: Connection, objectives: dict[int, ModelObjective],
            message: tuple[Any, ...]) -> tuple[Any, ...]:
    kind = message[0]
    if kind == "build":
        _, token, recipe = message
        objectives.clear()  # one fit at a time: the newest
        objectives[token] = recipe.build()
        return ("built", token)
    if kind == "play":
        _, token, point, interval = message
        return ("done", *_play(connection, objectives[token], point, interval))
    if kind == "stop":  # a stop that crossed the end of a play: nothing to stop
        return ("stopped",)
    raise ValueError(f"unknown message {kind!r}")


def _play(connection: Connection, objective: ModelObjective, point: Checkpoint,
          interval: float) -> tuple[Any, ...]:
    """Step until stopped or finished, sending the steps every ``interval`` seconds."""
    run = Resumed(objective, point)
    # A thread sends: a parent slow to read (its window drawing) must not stop the steps.
    outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_send_all, args=(connection, outbox), daemon=True)
    sender.start()
    sent = time.perf_counter()
    chunk = 1  # steps between looks, adapted to what a step costs
    try:
        while not run.descent.finished:
            began = time.perf_counter()
            made = run.run(max_steps=chunk)
            if made:
                took = max(time.perf_counter() - began, 1e-7)
                chunk = max(1, min(_CHUNK, int(made / took * _SLICE)))
            if connection.poll():
                if connection.recv() is None:  # the parent ends the helper
                    raise _EndedError
                break  # ("stop",)
            if time.perf_counter() - sent >= interval:
                outbox.put(("steps", *run.steps()))
                sent = time.perf_counter()
    finally:
        outbox.put(None)
        sender.join()
    return run.steps()


def _send_all(connection: Connection, outbox: queue.SimpleQueue[tuple[Any, ...] | None]) -> None:
    """Send what ``outbox`` holds, in order, until ``None``."""
    while (message := outbox.get()) is not None:
        with contextlib.suppress(EOFError, OSError):
            connection.send(message)


# ---------------------------------------------------------------------- the parent
class StepService:
    """The parent's handle on the helper (one per program: ``SERVICE``).

    A worker thread prepares its fit (:meth:`prepare`), and once the helper has built it
    (:meth:`ready_for`) plays it there: :meth:`start`, then :meth:`collect` in its ticks,
    and :meth:`stop` before anything else touches the run. One run plays there at a time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the state below
        self._sending = threading.Lock()  # one message at a time on the pipe
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._objective: ModelObjective | None = None  # the fit sent last (kept alive)
        self._generation = 0  # counts prepared fits: a late background build gives up
        self._built = False
        self._playing: Descent | None = None
        #: Why the helper stopped helping last (empty while it is fine), for diagnostics.
        self.last_error = ""

    @property
    def pid(self) -> int | None:
        """The helper's process id while it runs (tests, diagnostics)."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def prepare(self, descent: Descent) -> None:
        """Have the helper build ``descent``'s objective, if :func:`wanted`.

        Returns at once: starting the helper and sending it the data (megabytes, which
        it reads once it has started) happen on a thread of their own.
        """
        try:
            if not wanted(descent):
                return
        except Exception as error:  # the helper only speeds runs up: never break one
            self.last_error = f"could not tell whether to use the helper ({error})"
            return
        objective = descent.objective
        with self._lock:
            if self._objective is objective or self._playing is not None:
                return
            self._objective, self._built = objective, False
            self._generation += 1
            generation = self._generation
        threading.Thread(target=self._build, args=(objective, generation), daemon=True,
                         name="gdstudio-step-service-build").start()

    def holds(self, objective: Objective) -> bool:
        """True once the helper has built ``objective`` (the fit prepared last)."""
        with self._lock:
            return self._holds(objective)

    def ready_for(self, descent: Descent) -> bool:
        """True when ``descent`` can play in the helper now (its objective built there)."""
        with self._lock:
            return (self._playing is None and self._holds(descent.objective)
                    and can_hand_over(descent) and not descent.finished)

    @property
    def busy(self) -> bool:
        """True while a run plays in the helper."""
        return self._playing is not None

    def start(self, descent: Descent, interval: float) -> bool:
        """Play ``descent`` in the helper from where it stands; False if it cannot."""
        if not self.ready_for(descent):
            return False
        with self._lock:
            try:
                self._send(("play", id(descent.objective), checkpoint(descent), interval))
            except Exception as error:
                self._fail(f"could not send the run ({error})")
                return False
            self._playing = descent
            return True

    def playing(self, descent: Descent) -> bool:
        """True while ``descent`` plays in the helper."""
        return self._playing is descent

    def collect(self, descent: Descent, timeout: float) -> None:
        """Take the steps the helper sends within ``timeout`` s; a run that ended there
        (or a helper that failed) no longer plays."""
        with self._lock:
            if self._playing is not descent or self._connection is None:
                return
            try:
                if self._connection.poll(timeout):
                    self._take(descent, self._connection.recv())
                while self._playing is descent and descent.finished:
                    self._take_next(descent)  # the run ended there: its "done" follows
            except Exception as error:
                self._fail(f"the helper stopped ({type(error).__name__}: {error})")

    def stop(self, descent: Descent) -> None:
        """End ``descent``'s play in the helper and take every step it made."""
        with self._lock:
            if self._playing is not descent or self._connection is None:
                return
            try:
                self._send(("stop",))
                while self._playing is descent:
                    self._take_next(descent)
            except Exception as error:
                self._fail(f"the helper stopped ({type(error).__name__}: {error})")

    def shutdown(self) -> None:
        """End the helper (the next prepared fit starts a new one)."""
        with self._lock:
            self._end(polite=True)

    # ---------------------------------------------------------------- internals
    def _build(self, objective: ModelObjective, generation: int) -> None:
        """Start the helper if need be and send it the fit (a thread of its own)."""
        try:
            recipe = _recipe(objective)
            with self._lock:
                if generation != self._generation:
                    return
                connection = self._started()
            with self._sending:  # may wait until the helper has started and reads
                connection.send(("build", id(objective), recipe))
        except Exception as error:
            with self._lock:
                if generation == self._generation:
                    self._fail(f"could not give the helper the fit ({error})")

    def _send(self, message: tuple[Any, ...]) -> None:
        if self._connection is None:
            raise EOFError("no helper")
        with self._sending:
            self._connection.send(message)

    def _take_next(self, descent: Descent) -> None:
        """Take the helper's next message, which must come within ``_STOP_TIMEOUT``."""
        if not self._connection.poll(_STOP_TIMEOUT):
            raise TimeoutError(f"no word from the helper in {_STOP_TIMEOUT:g} s")
        self._take(descent, self._connection.recv())

    def _take(self, descent: Descent, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "error":
            raise RuntimeError(message[1])
        if kind in ("steps", "done"):
            take_steps(descent, *message[1:])
            if kind == "done":
                self._playing = None
        # "stopped" (a stop that crossed the end of a play) needs nothing

    def _holds(self, objective: Objective) -> bool:
        if self._objective is not objective:
            return False
        if not self._built:
            self._built = self._read_built()
        return self._built

    def _read_built(self) -> bool:
        try:
            while self._connection is not None and self._connection.poll():
                message = self._connection.recv()
                if message == ("built", id(self._objective)):
                    self.last_error = ""  # helping again
                    return True
                if message[0] == "error":
                    raise RuntimeError(message[1])
        except Exception as error:
            self._fail(f"the helper could not build the fit ({error})")
        return False

    def _started(self) -> Connection:
        if self._connection is not None and self._process is not None and (
                self._process.is_alive()):
            return self._connection
        self._close_process()
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(target=_serve, args=(child_end,),
                                  name="gdstudio-step-service", daemon=True)
        with main_module_hidden():
            process.start()
        child_end.close()
        self._process, self._connection = process, parent_end
        return parent_end

    def _fail(self, reason: str) -> None:
        """Give up on the helper: the run steps on by itself from its last taken step."""
        self.last_error = reason
        self._end()

    def _end(self, polite: bool = False) -> None:
        """End the helper and forget what it held."""
        self._objective, self._built, self._playing = None, False, None
        self._close_process(polite)

    def _close_process(self, polite: bool = False) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        end_helper(process, connection, polite, _GRACE)


SERVICE = StepService()


def shutdown_step_service() -> None:
    """End the stepping helper process, if any (registered with :mod:`atexit`)."""
    SERVICE.shutdown()


atexit.register(shutdown_step_service)
