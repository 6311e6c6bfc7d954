"""The descent on its own thread: a worker driven by short ticks, and its controller.

The :class:`RunWorker` lives on a ``QThread``. A zero-interval ``QTimer`` in that thread
drives it: each tick makes steps for about 8 ms (or exactly one step in slow mode), sends
the new rows as one :class:`WorkerReport`, and returns to the thread's event loop, where
queued control calls (pause, resume, step, step back, set rate, stop) run between ticks.
Each call is applied exactly once, in the order it was made.

At full speed, a large data fit steps in the stepping helper process instead
(:mod:`gdstudio.problems.step_service`): the ticks then only take back the rows it sends,
and every control first takes back the steps it has made, so the run is the same.

The :class:`RunController` lives on the UI thread. It owns the thread and the worker,
turns method calls into queued signals, and shuts everything down cleanly.
"""

from __future__ import annotations

import functools
import math
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from gdstudio.engine import Descent, HistoryBlock, Status, StoppingRules
from gdstudio.engine.explain import explain_descent_step
from gdstudio.engine.schedules import Schedule
from gdstudio.problems.step_service import SERVICE as STEPPER
from gdstudio.qt.run.ui_gate import ui_idle
from gdstudio.state.branches import replay_rates

__all__ = ["FULL_SPEED", "RunController", "RunWorker", "WorkerReport"]

#: Steps per second meaning "as fast as possible".
FULL_SPEED = math.inf
#: Seconds of stepping per tick at full speed: short enough for controls to feel instant.
TICK_BUDGET = 0.008
#: Seconds between reports while running fast: about one per frame of the window
#: (at most; a window whose frames come less often asks for fewer, see
#: ``RunController.set_report_interval``).
REPORT_INTERVAL = 0.03
#: The longest interval a window may ask for: what it shows is at most this old.
LONGEST_REPORT_INTERVAL = 0.25
#: Most steps between looks at whether the window is busy.
_CHUNK = 256
#: Seconds of stepping between looks at whether the window is busy. Not much shorter:
#: each ``Descent.run`` call costs some 30 µs besides its steps, which in chunks of one
#: step of 0.4 ms (MAE over 100,000 rows) took 4–9% of the worker's time.
CHUNK_SECONDS = 0.002
#: Longest the worker stands aside for a busy window before making one chunk of steps.
UI_WAIT_LIMIT = 0.05
#: Above this many steps per second, ticks run every frame and make several steps.
_FRAME_RATE = 60.0
#: While playing, seconds between explanations (the window shows one every 0.25 s).
EXPLAIN_INTERVAL = 0.25
#: While playing, at most this share of the worker's time goes to explanations (in data
#: mode one sums over every row: 5 to 30 ms at 100,000 rows, one every 0.5 to 3 s).
EXPLAIN_SHARE = 0.01

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class WorkerReport:
    """What the worker tells the window after a tick or a control call.

    Attributes
    ----------
    block : HistoryBlock or None
        History rows from ``block.start`` on (replacing any the window had from there).
    status : str
        The engine's status (``running``, ``converged``, ``max_iter``, ``diverged``, …).
    message : str
        Why the run ended, or empty while it can go on.
    playing : bool
        True while the worker steps by itself (Run), False when paused or finished.
    step_count : int
        Updates made so far.
    next_learning_rate : float
        Rate the next update will use (base rate × schedule).
    explanation : str
        The latest update written out with its numbers, then the current point; empty
        in most reports of a playing run (see ``RunWorker._explanation``).
    elsewhere : bool
        True while the steps are made in the stepping helper process, whose interpreter
        and core are its own: the window's drawing then takes no time from the steps.
    """

    block: HistoryBlock | None
    status: str
    message: str
    playing: bool
    step_count: int
    next_learning_rate: float
    explanation: str = ""
    elsewhere: bool = False


def _reporting_errors(method: F) -> F:
    """Turn an exception in a worker slot into the ``failed`` signal (never lost)."""

    @functools.wraps(method)
    def wrapper(self: RunWorker, *args: Any) -> Any:
        try:
            return method(self, *args)
        except Exception as error:
            self._stop_timer()
            self.failed.emit(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
            return None

    return wrapper  # type: ignore[return-value]


def _taking_back(method: F) -> F:
    """Before a control touches the run, end its play in the stepping helper (if any)."""

    @functools.wraps(method)
    def wrapper(self: RunWorker, *args: Any) -> Any:
        self._take_back()
        return method(self, *args)

    return wrapper  # type: ignore[return-value]


class RunWorker(QObject):
    """Steps a :class:`Descent` when told to; use it only through a :class:`RunController`.

    Parameters
    ----------
    descent : Descent
        The run to drive. After the worker moves to its thread, only the worker touches it.
    """

    reported = Signal(object)  # WorkerReport
    failed = Signal(str)
    finishedShutdown = Signal()

    def __init__(self, descent: Descent) -> None:
        super().__init__()
        self.descent = descent
        #: Cleared while the UI thread handles events (see _run_for and gdstudio.qt.run.ui_gate).
        self.ui_idle = ui_idle()
        self._timer: QTimer | None = None
        self._playing = False
        self._speed = FULL_SPEED
        self._speed_clock = 0.0
        self._speed_steps = 0
        # Steps per chunk, adapted to what a step costs; one at first: 64 steps over a
        # million rows take seconds, in which neither Pause nor the window would be heard.
        self._chunk = 1
        # First row whose latest form the window has not been sent.
        self._unreported = descent.step_count + 1
        self._last_report = 0.0
        self._report_interval = REPORT_INTERVAL
        self._next_explanation = 0.0  # perf_counter time of the next one while playing

    # -------------------------------------------------------------- thread start
    @Slot()
    @_reporting_errors
    def initialise(self) -> None:
        """Create the tick timer; runs in the worker's thread when it starts."""
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        STEPPER.prepare(self.descent)  # a large fit: the helper gets it ready meanwhile
        self._report()

    # ------------------------------------------------------------------ controls
    @Slot()
    @_reporting_errors
    @_taking_back
    def play(self) -> None:
        """Step by itself until paused or finished (reopens a run ended by a rule)."""
        if self.descent.status in (Status.MAX_ITER, Status.STOPPED, Status.CONVERGED):
            self.descent.set_stopping(self.descent.stopping)
        if self.descent.finished:
            self._report()
            return
        self._playing = True
        self._report_interval = REPORT_INTERVAL  # until the window says how it keeps up
        self._restart_speed_clock()
        self._arm_timer()
        self._report()
        if self._speed <= _FRAME_RATE:
            self._tick()  # at a slow pace the first step should not wait a whole interval

    @Slot()
    @_reporting_errors
    @_taking_back
    def pause(self) -> None:
        """Stop stepping by itself; the next tick will not run."""
        self._playing = False
        self._stop_timer()
        self._report()

    @Slot()
    @_reporting_errors
    @_taking_back
    def step_once(self) -> None:
        """Pause and make exactly one update."""
        self._playing = False
        self._stop_timer()
        first = self.descent.step_count
        self.descent.step()
        self._report(first)

    @Slot()
    @_reporting_errors
    @_taking_back
    def step_back(self) -> None:
        """Pause and return to the previous step exactly."""
        self._playing = False
        self._stop_timer()
        if self.descent.step_count <= self.descent.rewind_limit:  # 0, or a branch's fork
            self._report()
            return
        self.descent.rewind_to(self.descent.step_count - 1)
        self._report(self.descent.step_count)

    @Slot(int)
    @_reporting_errors
    @_taking_back
    def rewind_to(self, step: int) -> None:
        """Pause and return to the point after ``step`` updates."""
        self._playing = False
        self._stop_timer()
        self.descent.rewind_to(step)
        self._report(self.descent.step_count)

    @Slot(int)
    @_reporting_errors
    @_taking_back
    def advance(self, steps: int) -> None:
        """Pause, make up to ``steps`` updates (fewer if a rule ends the run), report once.

        Several runs driven by ``advance`` from one timer stay in lock step (compare mode).
        """
        self._playing = False
        self._stop_timer()
        first = self.descent.step_count
        self.descent.run(max_steps=steps)
        self._report(first)

    @Slot(object)
    @_reporting_errors
    @_taking_back
    def replay(self, rates: Sequence[float]) -> None:
        """Pause, make ``len(rates)`` updates at the recorded rates, and report once.

        The base rate of update k is ``rates[k] / schedule.factor(k)``, so the rate used is
        the recorded one; afterwards the base rate is what it was before. Used to restore a
        saved run; it stops early if the run diverges.
        """
        self._playing = False
        self._stop_timer()
        first = self.descent.step_count
        replay_rates(self.descent, rates)
        self._report(first)

    @Slot(float)
    @_reporting_errors
    @_taking_back
    def set_learning_rate(self, lr: float) -> None:
        """Use base rate ``lr`` from the next update on."""
        self.descent.set_learning_rate(lr)
        self._report()

    @Slot(object)
    @_reporting_errors
    @_taking_back
    def set_hyperparameters(self, values: Mapping[str, float]) -> None:
        """Change optimizer hyperparameters from the next update on."""
        self.descent.set_hyperparameters(**values)
        self._report()

    @Slot(object)
    @_reporting_errors
    @_taking_back
    def set_schedule(self, schedule: Schedule) -> None:
        """Change the learning-rate schedule from the next update on."""
        self.descent.set_schedule(schedule)
        self._report()

    @Slot(object)
    @_reporting_errors
    @_taking_back
    def set_stopping(self, rules: StoppingRules) -> None:
        """Change the stopping rules; a run ended by a rule may go on if it no longer holds."""
        self.descent.set_stopping(rules)
        self._report()

    @Slot(float)
    @_reporting_errors
    @_taking_back
    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second when playing (``inf`` for as fast as possible)."""
        if not steps_per_second > 0:
            raise ValueError(f"speed must be positive, not {steps_per_second}")
        self._speed = steps_per_second
        self._restart_speed_clock()
        if self._playing:
            self._arm_timer()

    @Slot(float)
    @_reporting_errors
    def set_report_interval(self, seconds: float) -> None:
        """Seconds between reports while running fast (clamped to ``REPORT_INTERVAL`` …
        ``LONGEST_REPORT_INTERVAL``); control calls and the end of a run report at once."""
        self._report_interval = min(max(seconds, REPORT_INTERVAL), LONGEST_REPORT_INTERVAL)

    @Slot()
    def shutdown(self) -> None:
        """Stop ticking and end the thread's event loop (called last)."""
        self._take_back()
        self._playing = False
        self._stop_timer()
        self.finishedShutdown.emit()
        QThread.currentThread().quit()

    # ------------------------------------------------------------------ ticking
    @Slot()
    @_reporting_errors
    def _tick(self) -> None:
        if not self._playing:
            return
        first = self.descent.step_count
        if self._speed <= _FRAME_RATE:
            self.descent.run(max_steps=1)
        elif math.isinf(self._speed) and self._step_elsewhere():
            STEPPER.collect(self.descent, TICK_BUDGET)
        else:
            due = None if math.isinf(self._speed) else self._steps_due()
            self._run_for(TICK_BUDGET, due)
        if self.descent.finished:
            self._playing = False
            self._stop_timer()
        self._unreported = min(self._unreported, first)
        due = time.perf_counter() - self._last_report >= self._report_interval
        if due or not self._playing or self._speed <= _FRAME_RATE:
            self._report()

    def _take_back(self) -> None:
        """End a play in the stepping helper; its last rows go in the next report."""
        if not STEPPER.playing(self.descent):
            return
        first = self.descent.step_count
        STEPPER.stop(self.descent)
        self._unreported = min(self._unreported, first)  # that row's update is filled in

    def _step_elsewhere(self) -> bool:
        """True while the run plays in the stepping helper (started here when it can).

        A large fit at full speed steps in the helper process
        (:mod:`gdstudio.problems.step_service`), which has an interpreter of its own:
        here the worker only takes its steps, and the window draws without making it
        wait. Any other run, or until the helper is ready, steps here.
        """
        return STEPPER.playing(self.descent) or STEPPER.start(
            self.descent, self._report_interval)

    def _run_for(self, seconds: float, steps: int | None) -> None:
        """Step for ``seconds`` (at most ``steps``), standing aside while the UI is busy.

        Python runs one thread at a time: a worker that never lets go of the interpreter
        makes every callback of the UI thread wait its turn, and a frame of a few dozen
        callbacks takes ten times as long. So the worker steps in short chunks and, while
        the UI thread handles an event (see :mod:`gdstudio.qt.run.ui_gate`), waits until it
        has finished; at most ``UI_WAIT_LIMIT`` per chunk, so a window that is always
        busy only slows the run down.
        """
        deadline = time.perf_counter() + seconds
        remaining = math.inf if steps is None else steps
        descent = self.descent
        while remaining > 0 and not descent.finished:
            if not self.ui_idle.is_set():
                self.ui_idle.wait(UI_WAIT_LIMIT)
            started = time.perf_counter()
            made = descent.run(max_steps=min(remaining, self._chunk))
            now = time.perf_counter()
            remaining -= made
            if made:  # expensive steps (a large dataset) make shorter chunks
                rate = made / max(now - started, 1e-7)
                self._chunk = max(1, min(_CHUNK, int(rate * CHUNK_SECONDS)))
            if made == 0 or now >= deadline:
                break

    def _steps_due(self) -> int:
        elapsed = time.perf_counter() - self._speed_clock
        due = max(int(elapsed * self._speed) - self._speed_steps, 0)
        self._speed_steps += due
        return due

    def _restart_speed_clock(self) -> None:
        self._speed_clock = time.perf_counter()
        self._speed_steps = 0

    def _arm_timer(self) -> None:
        if self._timer is None:
            return
        if math.isinf(self._speed) or self._speed > _FRAME_RATE:
            interval = 0 if math.isinf(self._speed) else int(1000 / _FRAME_RATE)
        else:
            interval = round(1000 / self._speed)
        self._timer.start(interval)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()

    def _report(self, changed_from: int | None = None) -> None:
        """Tell the window where the run stands, with every row it has not seen yet.

        ``changed_from`` is the first row a control call changed; rows that ticks made
        since the last report are always included, so a control never hides them.
        """
        descent = self.descent
        start = self._unreported if changed_from is None else min(self._unreported, changed_from)
        # Views, not copies: the window reads the rows where the worker wrote them (the
        # hand-off and its rules: gdstudio/qt/run/session.py).
        block = descent.history.shared_tail(start) if start <= descent.step_count else None
        self._unreported = descent.step_count + 1
        self._last_report = time.perf_counter()
        self.reported.emit(
            WorkerReport(
                block=block,
                status=str(descent.status),
                message=descent.message,
                playing=self._playing,
                step_count=descent.step_count,
                next_learning_rate=descent.next_learning_rate,
                explanation=self._explanation(),
                elsewhere=STEPPER.playing(descent),
            )
        )

    def _explanation(self) -> str:
        """The latest step explained; while playing only now and then ("" otherwise).

        Every report when paused, stepping or finished. While playing, at most every
        ``EXPLAIN_INTERVAL`` and at most ``EXPLAIN_SHARE`` of the time, since nobody
        reads faster and the worker's time is better spent stepping.
        """
        started = time.perf_counter()
        # While playing, not in the middle of a frame either (it may take a while): a
        # later report will explain instead.
        if self._playing and (started < self._next_explanation or not self.ui_idle.is_set()):
            return ""
        text = explain_latest(self.descent)
        cost = time.perf_counter() - started
        self._next_explanation = started + max(EXPLAIN_INTERVAL, cost / EXPLAIN_SHARE)
        return text


def explain_latest(descent: Descent) -> str:
    """The last update with its numbers (if any), then the point it reached."""
    step = descent.step_count
    # At a branch's fork the update that led there was its parent's, not its own.
    parts = [explain_descent_step(descent, step - 1)] if step > descent.rewind_limit else []
    parts.append(explain_descent_step(descent, step))
    return "\n\n".join(parts)


class RunController(QObject):
    """The UI thread's handle on a worker: queued controls in, reports out.

    Parameters
    ----------
    descent : Descent
        The run to drive; hand it over and do not touch it afterwards.
    parent : QObject, optional
        Qt parent.
    """

    reported = Signal(object)  # WorkerReport
    failed = Signal(str)

    _play = Signal()
    _pause = Signal()
    _step = Signal()
    _step_back = Signal()
    _rewind = Signal(int)
    _replay = Signal(object)
    _advance = Signal(int)
    _learning_rate = Signal(float)
    _hyperparameters = Signal(object)
    _schedule = Signal(object)
    _stopping = Signal(object)
    _speed = Signal(float)
    _report_interval = Signal(float)
    _shutdown = Signal()

    def __init__(self, descent: Descent, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.param_names = descent.param_names
        self._thread = QThread()
        self._thread.setObjectName("descent-worker")
        self._worker = RunWorker(descent)
        self._worker.moveToThread(self._thread)
        worker = self._worker
        for signal, slot in (
            (self._play, worker.play),
            (self._pause, worker.pause),
            (self._step, worker.step_once),
            (self._step_back, worker.step_back),
            (self._rewind, worker.rewind_to),
            (self._replay, worker.replay),
            (self._advance, worker.advance),
            (self._learning_rate, worker.set_learning_rate),
            (self._hyperparameters, worker.set_hyperparameters),
            (self._schedule, worker.set_schedule),
            (self._stopping, worker.set_stopping),
            (self._speed, worker.set_speed),
            (self._report_interval, worker.set_report_interval),
            (self._shutdown, worker.shutdown),
        ):
            signal.connect(slot)
        worker.reported.connect(self.reported)
        worker.failed.connect(self.failed)
        self._thread.started.connect(worker.initialise)
        self._thread.finished.connect(worker.deleteLater)
        self._closed = False
        self._thread.start()

    @property
    def closed(self) -> bool:
        """True once :meth:`shutdown` has run."""
        return self._closed

    def play(self) -> None:
        """Step continuously."""
        self._send(self._play)

    def pause(self) -> None:
        """Stop stepping continuously."""
        self._send(self._pause)

    def step(self) -> None:
        """Pause and make exactly one update."""
        self._send(self._step)

    def step_back(self) -> None:
        """Pause and go back one step, exactly."""
        self._send(self._step_back)

    def rewind_to(self, step: int) -> None:
        """Pause and go back to the point after ``step`` updates."""
        self._send(self._rewind, int(step))

    def advance(self, steps: int) -> None:
        """Pause and make up to ``steps`` updates, reporting once."""
        self._send(self._advance, int(steps))

    def replay(self, rates: Sequence[float]) -> None:
        """Pause and make one update per recorded rate (see :meth:`RunWorker.replay`)."""
        self._send(self._replay, [float(rate) for rate in rates])

    def set_learning_rate(self, lr: float) -> None:
        """Use base rate ``lr`` from the next update."""
        self._send(self._learning_rate, float(lr))

    def set_hyperparameters(self, values: Mapping[str, float]) -> None:
        """Change optimizer hyperparameters from the next update."""
        self._send(self._hyperparameters, dict(values))

    def set_schedule(self, schedule: Schedule) -> None:
        """Change the schedule from the next update."""
        self._send(self._schedule, schedule)

    def set_stopping(self, rules: StoppingRules) -> None:
        """Change the stopping rules."""
        self._send(self._stopping, rules)

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second when playing (``FULL_SPEED`` for as fast as possible)."""
        self._send(self._speed, float(steps_per_second))

    def set_report_interval(self, seconds: float) -> None:
        """Seconds between reports while running fast (see ``RunWorker.set_report_interval``)."""
        self._send(self._report_interval, float(seconds))

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the worker and wait for its thread to end; safe to call twice.

        Returns
        -------
        bool
            True if the thread ended within ``timeout_ms``.
        """
        if self._closed:
            return True
        self._closed = True
        self._shutdown.emit()
        ended = self._thread.wait(timeout_ms)
        if not ended:  # pragma: no cover - a step that never returns; last resort
            self._thread.terminate()
            ended = self._thread.wait(1000)
        return bool(ended)

    def _send(self, signal: Any, *args: Any) -> None:
        if not self._closed:
            signal.emit(*args)
