"""The descent loop: one object that steps an objective and records every step."""

from __future__ import annotations

import math
import time

import numpy as np

import gdstudio.engine.fast_path as fast_path
from gdstudio.engine.batching import BatchPlan
from gdstudio.engine.curvature import LIMIT_FORMULAS, largest_eigenvalue, stable_rate
from gdstudio.engine.history import History
from gdstudio.engine.limits import check_max_iter
from gdstudio.engine.objective import Objective
from gdstudio.engine.optimizers import GD, Optimizer
from gdstudio.engine.probing import LineSearchError, Probe, check_probes
from gdstudio.engine.schedules import Constant, Schedule
from gdstudio.engine.stopping import (
    Status,
    StoppingRules,
    describe_convergence,
    describe_divergence,
    describe_fallbacks,
    describe_growth,
    describe_search_failure,
    describe_start_limit,
    describe_step_limit,
)

__all__ = ["Descent", "check_learning_rate"]

# How many steps run between clock checks in :meth:`Descent.run` with a time budget.
_STEPS_PER_CLOCK_CHECK = 32
# Rows gathered before they are written to the history in one go: few enough that no
# long list of per-step objects builds up, many enough to make the writes cheap.
_ROWS_PER_WRITE = 256
# Early divergence: the loss rose and the step grew at this many steps in a row, and is
# above its start ...
_RISING_STEPS = 5
# ... or, where no curvature can confirm the overshoot, at this many.
_RISING_STEPS_UNCONFIRMED = 10


class Descent:
    """Gradient descent on an objective, one recorded step at a time.

    Parameters
    ----------
    objective : Objective
        What to minimise.
    start : array_like
        Start point θ₀, one value per name in ``objective.param_names``.
    optimizer : Optimizer, optional
        Update rule (default plain gradient descent).
    lr : float
        Base learning rate; the rate of step k is ``lr * schedule.factor(k)``.
    schedule : Schedule, optional
        Learning-rate schedule (default constant).
    stopping : StoppingRules, optional
        When to stop (default 1000 steps, no tolerances).
    batching : BatchPlan, optional
        Mini-batches for data objectives (default: full batch).

    Notes
    -----
    The learning rate, the optimizer's hyperparameters and the stopping rules may be
    changed between any two steps; they apply from the next update, whose rate is
    recorded in the history. :meth:`rewind_to` restores the exact state of an earlier step
    (parameters, optimizer state, batch position) so that continuing gives the numbers
    an uninterrupted run would have given.
    """

    def __init__(
        self,
        objective: Objective,
        start: np.ndarray | list[float],
        *,
        optimizer: Optimizer | None = None,
        lr: float = 0.1,
        schedule: Schedule | None = None,
        stopping: StoppingRules | None = None,
        batching: BatchPlan | None = None,
    ) -> None:
        self.objective = objective
        self.optimizer = optimizer if optimizer is not None else GD()
        self.schedule = schedule if schedule is not None else Constant()
        self.stopping = stopping if stopping is not None else StoppingRules()
        self.batching = batching
        self.learning_rate = check_learning_rate(lr)
        names = tuple(objective.param_names)
        params = np.array(start, dtype=float).reshape(-1)
        if params.shape != (len(names),):
            raise ValueError(f"the start point needs {len(names)} values ({', '.join(names)})")
        check_max_iter(self.stopping.max_iter, len(names), self.optimizer)
        check_probes(objective, self.optimizer)
        self._probe = Probe(objective, self.optimizer, batching) if self.optimizer.probes else None
        self.history = History(len(names), fallback=self.optimizer.records_fallback,
                               trial_width=self.optimizer.trial_width)
        state = self.optimizer.init(params)
        # The state after every step, for step back; an optimizer whose state never
        # changes (plain gradient descent) keeps none: its start state serves every step.
        self._states = np.zeros((0 if self.optimizer.stateless else self.history.capacity,
                                 state.shape[0]))
        self.status = Status.RUNNING
        self.message = ""
        self._state = state
        self._params = params
        self._step = 0
        with np.errstate(all="ignore"):
            self._record_start(params, state)
        self._start_loss = self._loss
        self._rising, self._rising_base, self._last_size = 0, math.nan, math.inf
        self._set_divergence_limits()
        self._check_start()

    # ------------------------------------------------------------------ reading
    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters."""
        return tuple(self.objective.param_names)

    @property
    def step_count(self) -> int:
        """Number of updates made so far (the index of the current point)."""
        return self._step

    @property
    def params(self) -> np.ndarray:
        """Current parameters θ_k (a copy)."""
        return self._params.copy()

    @property
    def loss(self) -> float:
        """Loss at the current point."""
        return float(self._loss)

    @property
    def optimizer_state(self) -> np.ndarray:
        """The optimizer's state vector after ``step_count`` updates (a copy)."""
        return self._state.copy()

    def state_at(self, step: int) -> np.ndarray:
        """The optimizer's state vector after ``step`` updates (a copy)."""
        if not 0 <= step <= self.step_count:
            raise IndexError(f"there is no step {step}; the run has steps 0 to {self.step_count}")
        return self._saved_state(step)

    @property
    def next_learning_rate(self) -> float:
        """Rate the next update will use: base rate × schedule factor."""
        return self.learning_rate * self.schedule.factor(self.step_count)

    @property
    def fallback_note(self) -> str:
        """A sentence on the updates where Newton's method took its fallback, else ``""``."""
        return describe_fallbacks(self.history.fallback[: self.step_count])

    @property
    def finished(self) -> bool:
        """True when the run has ended (any status but running)."""
        return self.status is not Status.RUNNING

    # ---------------------------------------------------------------- controlling
    def set_learning_rate(self, lr: float) -> None:
        """Change the base learning rate from the next update on."""
        self.learning_rate = check_learning_rate(lr)

    def set_hyperparameters(self, **values: float) -> None:
        """Change optimizer hyperparameters (``momentum``, ``beta1`` …) from the next update.

        Raises
        ------
        ValueError
            For a bad value, or a line search allowed so many backtracks that the run's
            records would not fit in memory (the hyperparameters stay as they were).
        """
        before = dict(self.optimizer.hyperparameters)
        self.optimizer.set_hyperparameters(**values)
        try:
            check_max_iter(self.stopping.max_iter, len(self.param_names), self.optimizer)
        except ValueError:
            self.optimizer.set_hyperparameters(**before)
            raise
        self.history.set_trial_width(self.optimizer.trial_width)

    def set_schedule(self, schedule: Schedule) -> None:
        """Change the learning-rate schedule from the next update."""
        self.schedule = schedule

    def set_stopping(self, stopping: StoppingRules) -> None:
        """Change the stopping rules. A run that had ended by a rule may continue.

        Raises
        ------
        ValueError
            For a step limit whose run would not fit in memory (the rules stay as they were).
        """
        check_max_iter(stopping.max_iter, len(self.param_names), self.optimizer)
        self.stopping = stopping
        self._set_divergence_limits()
        if self.status in (Status.CONVERGED, Status.MAX_ITER, Status.STOPPED):
            self.status = Status.RUNNING
            self.message = ""
        self._check_max_iter()

    def stop(self) -> None:
        """End the run by request (status ``stopped``) unless it has already ended."""
        if self.status is Status.RUNNING:
            self.status = Status.STOPPED
            self.message = f"stopped by request at step {self.step_count}"

    def step(self) -> bool:
        """Make exactly one update, even past a stopping rule; not after divergence.

        Returns
        -------
        bool
            Whether an update was made.
        """
        if self.status is Status.DIVERGED:
            return False
        self.status = Status.RUNNING
        self.message = ""
        return self.run(max_steps=1) == 1

    def run(self, max_steps: int | None = None, time_budget: float | None = None) -> int:
        """Step while the status is running, at most ``max_steps`` steps or ``time_budget`` s.

        Returns
        -------
        int
            Number of updates made.
        """
        deadline = math.inf if time_budget is None else time.perf_counter() + time_budget
        limit = math.inf if max_steps is None else max_steps
        with np.errstate(all="ignore"):
            return self._run_steps(limit, deadline)

    def rewind_to(self, step: int) -> None:
        """Go back to the point after ``step`` updates, exactly as it was then.

        The current learning rate, hyperparameters and stopping rules stay as they are.
        """
        if not 0 <= step <= self.step_count:
            raise IndexError(f"there is no step {step}; the run has steps 0 to {self.step_count}")
        self.history.truncate(step + 1)
        self._step = step
        self._params = self.history.params[step].copy()
        self._loss = float(self.history.loss[step])
        self._grad = self.history.grad[step].copy()
        self._state = self._saved_state(step)
        self._rising, self._rising_base, self._last_size = _growth_streak(self.history, step)
        self.status = Status.RUNNING
        self.message = ""
        self._check_start() if step == 0 else self._check_max_iter()

    # ---------------------------------------------------------------- internals
    def _record_start(self, params: np.ndarray, state: np.ndarray) -> None:
        rows = None if self.batching is None else self.batching.rows(0)
        loss, grad = self.objective.value_and_grad(params, rows) if rows is not None else (
            self.objective.value_and_grad(params)
        )
        self._loss, self._grad = float(loss), grad
        self.history.append(params, self._loss, grad, 0)
        if self._states.shape[0]:
            self._states[0] = state

    def _run_steps(self, limit: float, deadline: float) -> int:
        """The hot loop: hundreds of thousands of steps a second.

        Everything that cannot change during one call is looked up once (settings only
        change between calls), the current point lives in local variables, and the new
        rows are gathered in lists and written to the history in one go at the end.
        """
        if self.status is not Status.RUNNING:
            return 0
        if fast_path.applies(self):  # the same steps in Python floats, several times faster
            return fast_path.run(self, limit, deadline, _RISING_STEPS, _STEPS_PER_CLOCK_CHECK)
        value_and_grad, update = self.objective.value_and_grad, self.optimizer.update
        factor, base_rate, batching = self.schedule.factor, self.learning_rate, self.batching
        max_iter, plain = self.stopping.max_iter, self._plain_rules
        low, high = self._fall_limit, self._growth_limit
        keeps_state = not self.optimizer.stateless
        probe = self._probe
        failure: LineSearchError | None = None
        step, params, loss, grad, state = (
            self._step, self._params, self._loss, self._grad, self._state
        )
        rising, rising_base, last_size = self._rising, self._rising_base, self._last_size
        rates, sizes, points, losses, grads, epochs, states = [], [], [], [], [], [], []
        made = 0
        try:
            while made < limit:
                rate = base_rate * factor(step)
                old_loss = loss
                if probe is None:
                    change = update(grad, state, params, rate)
                else:
                    change = probe.update(grad, params, rate, loss, step)
                    rate = probe.used_rate  # the line search's accepted rate
                params = params + change
                step_size = _norm(change)
                step += 1
                # The streak of steps where the loss rose and the step grew (see
                # _growth_streak, which recomputes it from the history on rewind).
                if batching is None:
                    loss, grad = value_and_grad(params)
                else:
                    loss, grad = value_and_grad(params, batching.rows(step))
                    epochs.append(batching.epoch_of(step))
                loss = float(loss)
                if loss > old_loss and step_size > last_size:
                    if not rising:
                        rising_base = last_size
                    rising += 1
                else:
                    rising = 0
                last_size = step_size
                rates.append(rate)
                sizes.append(step_size)
                points.append(params)
                losses.append(loss)
                grads.append(grad)
                if keeps_state:
                    states.append(state.copy())
                made += 1
                if len(losses) == _ROWS_PER_WRITE:
                    self._store_rows(rates, sizes, points, losses, grads, epochs, states)
                    for rows in (rates, sizes, points, losses, grads, epochs, states):
                        rows.clear()
                grad_norm = _norm(grad)
                if not (
                    plain and step < max_iter and low <= loss <= high
                    and math.isfinite(step_size + grad_norm) and rising < _RISING_STEPS
                ):
                    self._step, self._params, self._loss, self._grad = step, params, loss, grad
                    self._rising, self._rising_base = rising, rising_base
                    self._check_after_step(step, step_size, grad_norm, old_loss, rate)
                    if self.status is not Status.RUNNING:
                        break
                if made % _STEPS_PER_CLOCK_CHECK == 0 and time.perf_counter() >= deadline:
                    break
        except LineSearchError as failed:
            failure = failed
        finally:
            self._step, self._params, self._loss, self._grad = step, params, loss, grad
            self._rising, self._rising_base, self._last_size = rising, rising_base, last_size
            self._store_rows(rates, sizes, points, losses, grads, epochs, states)
        if failure is not None:
            self._stop_search(failure)
        return made

    def _stop_search(self, failure: LineSearchError) -> None:
        """Record a failed line search's trials on the newest row and stop the run."""
        self.history.record_trials(self._step, failure.rates, failure.losses)
        self.status = Status.STOPPED
        self.message = describe_search_failure(self._step, failure.rates, self._grad)

    def _store_rows(
        self,
        rates: list[float],
        sizes: list[float],
        points: list[np.ndarray],
        losses: list[float],
        grads: list[np.ndarray],
        epochs: list[int],
        states: list[np.ndarray],
    ) -> None:
        """Write the rows a run gathered into the history and the optimizer states."""
        if not points:
            return
        first = len(self.history)
        probe = self._probe
        # A full-batch run gathers no epochs: every row is in epoch 0.
        self.history.extend(rates, sizes, np.array(points), losses, np.array(grads),
                            epochs if epochs else 0,
                            fallbacks=None if probe is None else probe.fallbacks,
                            trials=None if probe is None else probe.trials)
        if probe is not None:
            probe.clear()
        if not states:  # a stateless optimizer: nothing to keep
            return
        stop = len(self.history)
        if stop > self._states.shape[0]:
            self._states = _grown(self._states, self.history.capacity)
        self._states[first:stop] = states

    def _saved_state(self, step: int) -> np.ndarray:
        if self.optimizer.stateless:
            return self._state.copy()  # it never changes
        return self._states[step].copy()

    def _check_after_step(
        self, step: int, step_size: float, grad_norm: float, old_loss: float, rate: float
    ) -> None:
        loss = self._loss
        rules = self.stopping
        self._last_rate = rate
        if not (math.isfinite(step_size) and math.isfinite(loss) and math.isfinite(grad_norm)):
            self._diverge_non_finite(step, step_size, loss, grad_norm)
        elif not self._fall_limit <= loss <= self._growth_limit:
            self._diverge(step, "grew" if loss > self._growth_limit else "fell", loss)
        elif self._rising >= _RISING_STEPS and self._overshooting(step, step_size, rate):
            pass
        elif rules.tol_step is not None and step_size < rules.tol_step:
            self._converge("tol_step", step_size, rules.tol_step)
        elif rules.tol_grad is not None and grad_norm < rules.tol_grad:
            self._converge("tol_grad", grad_norm, rules.tol_grad)
        elif rules.tol_loss is not None and abs(loss - old_loss) < rules.tol_loss:
            self._converge("tol_loss", abs(loss - old_loss), rules.tol_loss)
        elif step >= rules.max_iter:
            self._check_max_iter()

    def _diverge_non_finite(
        self, step: int, step_size: float, loss: float, grad_norm: float
    ) -> None:
        if not math.isfinite(step_size):
            self._diverge(step, "params", step_size)
        elif not math.isfinite(loss):
            self._diverge(step, "loss", loss)
        else:
            self._diverge(step, "gradient", grad_norm)

    def _set_plain_rules(self) -> None:
        rules = self.stopping
        self._plain_rules = rules.tol_step is None and rules.tol_grad is None and (
            rules.tol_loss is None
        )

    def _check_start(self) -> None:
        grad_norm = _norm(self._grad)
        if not math.isfinite(self._loss):
            self._diverge(0, "loss", self._loss)
        elif not math.isfinite(grad_norm):
            self._diverge(0, "gradient", grad_norm)
        elif self.stopping.tol_grad is not None and grad_norm < self.stopping.tol_grad:
            self._converge("tol_grad", grad_norm, self.stopping.tol_grad)
        else:
            self._check_max_iter()

    def _check_max_iter(self) -> None:
        if self.status is Status.RUNNING and self.step_count >= self.stopping.max_iter:
            self.status = Status.MAX_ITER
            self.message = describe_step_limit(
                self.stopping.max_iter, self._grad, _norm(self.history.grad[0]),
                self.stopping.tol_grad,
            )

    def _overshooting(self, step: int, step_size: float, rate: float) -> bool:
        """End the run as diverged when the growing streak is a real blow-up.

        Only for the optimizers with a stable limit (Adagrad, RMSprop and Adam bound
        their steps, so their loss cannot run away geometrically; the other rules watch
        them), and only once the loss is above its start: a brief swing through a steep
        valley on the way down is no blow-up. With a Hessian the rate must also be above
        the limit at the current point; without one the streak must be longer. Returns
        whether the run ended.
        """
        if self.optimizer.name not in LIMIT_FORMULAS or self._loss <= self._start_loss:
            return False
        amplification = (step_size / self._rising_base) ** (1.0 / self._rising)
        limit, top = self._limit_here()
        if limit is None:
            if self._rising < _RISING_STEPS_UNCONFIRMED:
                return False
            reason = describe_growth(step, self._rising, amplification, self.optimizer.name)
        elif rate <= limit:
            return False
        else:
            reason = describe_growth(
                step, self._rising, amplification, self.optimizer.name,
                rate=rate, limit=limit, top=top,
                momentum=self.optimizer.hyperparameters.get("momentum", 0.0),
            )
        self.status = Status.DIVERGED
        self.message = reason
        return True

    def _limit_here(self) -> tuple[float | None, float]:
        """The stable limit at the current point (``None``: no limit known) and λmax."""
        hessian_at = getattr(self.objective, "hessian", None)
        if hessian_at is None:
            return None, math.nan
        rows = None if self.batching is None else self.batching.rows(self._step)
        hessian = hessian_at(self._params) if rows is None else hessian_at(self._params, rows)
        if hessian is None:
            return None, math.nan
        limit = stable_rate(
            hessian, self.optimizer.name, self.optimizer.hyperparameters.get("momentum", 0.0)
        )
        return limit, largest_eigenvalue(hessian)

    def _converge(self, rule: str, measured: float, tolerance: float) -> None:
        self.status = Status.CONVERGED
        self.message = describe_convergence(rule, measured, tolerance)

    def _diverge(self, step: int, what: str, value: float) -> None:
        self.status = Status.DIVERGED
        self.message = describe_divergence(step, what, float(value), self._start_loss)
        if step > 0 and what != "fell":
            self.message += self._start_limit_note(self._last_rate)

    def _start_limit_note(self, rate: float) -> str:
        """" (α = 0.1 was above the stable limit …)" when the rate was above it at the start."""
        hessian_at = getattr(self.objective, "hessian", None)
        if hessian_at is None:
            return ""
        start = self.history.params[0]
        hessian = hessian_at(start) if self.batching is None else hessian_at(
            start, self.batching.rows(0))
        momentum = self.optimizer.hyperparameters.get("momentum", 0.0)
        limit = stable_rate(hessian, self.optimizer.name, momentum)
        if limit is None or not rate > limit:
            return ""
        return describe_start_limit(self.optimizer.name, limit, largest_eigenvalue(hessian), rate)

    def _set_divergence_limits(self) -> None:
        self._set_plain_rules()
        start = self._start_loss
        finite = math.isfinite(start)
        reach = self.stopping.divergence_factor * max(abs(start), 1.0) if finite else 0.0
        self._growth_limit = start + reach
        self._fall_limit = start - reach


def _growth_streak(history: History, step: int) -> tuple[int, float, float]:
    """The early-divergence counters after ``step`` updates, from the history alone.

    Returns the number of steps in a row, ending at ``step``, at which the loss rose and
    the step was longer than the one before; the length of the step before that streak;
    and the length of the last step (infinite before the first).
    """
    if step == 0:
        return 0, math.nan, math.inf
    loss, sizes = history.loss, history.step_size  # sizes[j - 1]: the step to row j
    rising = 0
    while step - rising >= 2:
        j = step - rising
        if not (loss[j] > loss[j - 1] and sizes[j - 1] > sizes[j - 2]):
            break
        rising += 1
    return rising, float(sizes[step - rising - 1]), float(sizes[step - 1])


def _norm(vector: np.ndarray) -> float:
    # For the handful of parameters a student optimises this is several times faster
    # than sqrt(v @ v); inf and NaN come through as they are.
    return math.hypot(*vector.tolist())


def _grown(rows: np.ndarray, capacity: int) -> np.ndarray:
    grown = np.zeros((capacity, *rows.shape[1:]))
    grown[: rows.shape[0]] = rows
    return grown


def check_learning_rate(lr: float) -> float:
    """Return ``lr`` as a float, or raise ValueError unless it is a positive finite number."""
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise ValueError(f"the learning rate must be a number, not {lr!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"the learning rate must be a positive number, not {lr!r}")
    return value
