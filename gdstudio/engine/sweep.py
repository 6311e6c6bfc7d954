"""K descents of one objective in lock step, as one ``(K, d)`` array (numpy only).

:class:`SweepDescent` runs K independent descents — each with its own start point and,
optionally, its own learning rate and optimizer hyperparameters — through the rules of
:class:`~gdstudio.engine.descent.Descent`: the same optimizer updates, schedule, batches,
stopping rules and divergence rules (non-finite values, the loss running away, and the
early-divergence streak confirmed by the stable limit). A run that stops freezes where
it stopped while the others go on. Its status, step count and parameters are those a
single :class:`Descent` gives. Newton's method and Armijo's line search run too
(:mod:`gdstudio.engine.sweep_probes`): each run takes its own Hessian or tries its own
rates, in stacked or masked arrays.

Every run still going has made the same number of updates, so the schedule's factor and
the mini-batch of a step are shared; the objective must offer ``value_and_grad_batch``,
which evaluates ``(K, d)`` parameters at once (or ``value_and_grad_batch_into``, which
writes the losses and gradients into the sweep's own arrays instead of making new ones at
every step: a function's compiled tape does). The ``(K, d)`` arrays are stored column by
column (Fortran order), so that the objective reads each parameter's K values, and the
updates run over all of them, contiguously. A step updates the optimizers' state and
the parameters in place (:mod:`gdstudio.engine.sweep_updates`), tests every run for an
end with a cheap sufficient test and applies the exact rules only to the runs it does
not clear (:mod:`gdstudio.engine.sweep_watch`). Memory is a few ``(K, d)`` arrays, plus
the ``(steps, K)`` losses when a history is asked for; nothing is kept per run as a
Python object, and the sentence saying why a run ended is written only when asked for
(:mod:`gdstudio.engine.sweep_reasons`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np

from gdstudio.engine.batching import BatchPlan
from gdstudio.engine.curvature import LIMIT_FORMULAS
from gdstudio.engine.limits import HISTORY_BYTES_BUDGET
from gdstudio.engine.optimizers import MAX_BACKTRACKS, OPTIMIZERS, make_optimizer
from gdstudio.engine.probing import check_probes
from gdstudio.engine.schedules import Constant, Schedule
from gdstudio.engine.stopping import Status, StoppingRules
from gdstudio.engine.sweep_growth import growth_verdicts
from gdstudio.engine.sweep_norms import exact_norms, norms, resolve_ties
from gdstudio.engine.sweep_probes import armijo_search, newton_directions
from gdstudio.engine.sweep_updates import BUFFER_COUNTS, Hyper, bias_corrector, update_in_place
from gdstudio.engine.sweep_watch import (
    RING,
    RISING_STEPS,
    Limits,
    calm,
    exact_streaks,
    shared_limits,
    squared_threshold,
    surely_finite,
)

__all__ = ["STATUSES", "SWEEP_OPTIMIZERS", "BatchObjective", "Reason", "SweepDescent",
           "sweep_history_bytes"]

#: The optimizers a sweep runs in lock step: all of them. Newton's method takes each run's
#: own Hessian (stacked), Armijo's line search tries each run's own rates (masked).
SWEEP_OPTIMIZERS: tuple[str, ...] = tuple(OPTIMIZERS)

#: Status strings by code (the codes in :attr:`SweepDescent.status_codes`).
STATUSES: tuple[str, ...] = tuple(str(status) for status in (
    Status.RUNNING, Status.CONVERGED, Status.MAX_ITER, Status.DIVERGED, Status.STOPPED))
_RUNNING, _CONVERGED, _MAX_ITER, _DIVERGED, _STOPPED = range(5)

# The methods that look at the objective itself (see gdstudio.engine.probing).
_PROBING = ("newton", "armijo")
# Working-set arrays that hold no values from one step to the next.
_SCRATCH = frozenset({"scratch", "squares", "grad_squares", "total", "spare_loss"})


class Reason:
    """Codes of why a run ended (:attr:`SweepDescent.reason_codes`)."""

    NONE, TOL_STEP, TOL_GRAD, TOL_LOSS, MAX_ITER = 0, 1, 2, 3, 4
    PARAMS, LOSS, GRADIENT, GREW, FELL, GROWTH, GROWTH_UNCONFIRMED, STOPPED = range(5, 13)
    #: Armijo's line search found no rate: the run stops where it is (status ``stopped``).
    SEARCH = 13


class BatchObjective(Protocol):
    """An objective that also evaluates many parameter vectors at once."""

    param_names: tuple[str, ...]
    n_samples: int | None

    def value_and_grad(
        self, params: np.ndarray, batch: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        """One point, as :class:`~gdstudio.engine.objective.Objective`."""
        ...

    def value_and_grad_batch(
        self, params: np.ndarray, batch: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Losses ``(K,)`` and gradients ``(K, d)`` at the rows of ``params`` ``(K, d)``.

        Row k must equal ``value_and_grad(params[k], batch)``. An objective may also
        offer ``value_and_grad_batch_into(params, batch, loss, grad)``, writing the same
        numbers into the sweep's arrays ``loss`` ``(K,)`` and ``grad`` ``(K, d)``
        (stored column by column); the sweep then uses that. With it, an objective may
        offer ``bind_batch_into(params, loss, grad)``, returning a function of no
        arguments that does ``value_and_grad_batch_into(params, None, loss, grad)`` with
        whatever the arrays hold at each call; the sweep binds its arrays once (until
        runs end) and calls that when it evaluates the whole objective.
        """
        ...


def sweep_history_bytes(runs: int, max_iter: int) -> int:
    """Bytes the loss histories of ``runs`` runs of up to ``max_iter`` steps take."""
    return 8 * runs * (max_iter + 1)


class SweepDescent:
    """K descents of one objective in lock step.

    Parameters
    ----------
    objective : BatchObjective
        What to minimise.
    starts : array_like
        Start points, shape ``(K, d)``.
    optimizer : str
        ``gd``, ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adam``, ``newton``
        (the objective needs ``hessian``, and is fastest with ``hessian_batch``) or
        ``armijo``.
    lr : float or array_like
        Base learning rate: one for every run, or K of them.
    hyperparameters : mapping, optional
        Optimizer hyperparameters by name, each a float or K of them (torch.optim's
        defaults for the others).
    schedule : Schedule, optional
        Learning-rate schedule (default constant).
    stopping : StoppingRules, optional
        When to stop (default 1000 steps, no tolerances).
    batching : BatchPlan, optional
        Mini-batches for data objectives: every run uses the same rows at a step, as
        single runs with the same plan do.
    history : bool
        Keep every run's loss at every step (:attr:`loss_history`).

    Raises
    ------
    ValueError
        In one sentence: a bad shape, rate or hyperparameter (naming the run), Newton's
        method for an objective without second derivatives, or histories larger than
        :data:`~gdstudio.engine.limits.HISTORY_BYTES_BUDGET`.
    """

    def __init__(
        self,
        objective: BatchObjective,
        starts: np.ndarray,
        *,
        optimizer: str = "gd",
        lr: float | np.ndarray = 0.1,
        hyperparameters: Mapping[str, float | np.ndarray] | None = None,
        schedule: Schedule | None = None,
        stopping: StoppingRules | None = None,
        batching: BatchPlan | None = None,
        history: bool = False,
    ) -> None:
        self.objective = objective
        #: Evaluates into the sweep's own arrays (no new ones each step), if it can; and
        #: binds those arrays once, for calls that cost little more than the work.
        self._into: Callable[..., None] | None = getattr(
            objective, "value_and_grad_batch_into", None)
        self._bind: Callable[..., Callable[[], None]] | None = getattr(
            objective, "bind_batch_into", None)
        #: The bound evaluations of the working set as it is, by the loss array written.
        self._bound: dict[int, Callable[[], None]] = {}
        method = make_optimizer(optimizer)
        check_probes(objective, method)  # type: ignore[arg-type]
        self.optimizer = method.name
        self.schedule = schedule if schedule is not None else Constant()
        self.stopping = stopping if stopping is not None else StoppingRules()
        self.batching = batching
        self.param_names = tuple(objective.param_names)
        starts = np.array(starts, dtype=float)
        d = len(self.param_names)
        if starts.ndim != 2 or starts.shape[1] != d or starts.shape[0] < 1:
            raise ValueError(f"the start points must be an array of shape (K, {d}) with K ≥ 1 "
                             f"({', '.join(self.param_names)}), not {starts.shape}")
        runs = starts.shape[0]
        self.starts = starts
        self.learning_rates = _per_run("lr", lr, runs, _check_rates)
        self.hyperparameters = _hyperparameters(self.optimizer, hyperparameters or {}, runs)
        self._keep_history(history, runs)
        self._set_up(starts)

    # ------------------------------------------------------------------ reading
    @property
    def runs(self) -> int:
        """K, the number of runs."""
        return int(self.starts.shape[0])

    @property
    def step_count(self) -> int:
        """Updates made by the runs still going (the longest run's step count)."""
        return self._t

    @property
    def finished(self) -> bool:
        """True when every run has ended."""
        return self._active["index"].shape[0] == 0

    @property
    def status(self) -> np.ndarray:
        """Status of every run: ``(K,)`` strings as single runs have (``converged`` …)."""
        return np.array(STATUSES)[self.status_codes]

    @property
    def loss_history(self) -> np.ndarray | None:
        """Loss of every run at steps 0 … ``step_count`` ``(K, steps + 1)``, NaN after a
        run ended; ``None`` unless asked for."""
        if self._history is None:
            return None
        return np.ascontiguousarray(self._history[: self._t + 1].T)

    # ---------------------------------------------------------------- running
    def run(
        self,
        progress: Callable[[float], Any] | None = None,
        every: int = 10,
        max_steps: int | None = None,
    ) -> int:
        """Step every run until it stops, or for at most ``max_steps`` steps.

        Parameters
        ----------
        progress : callable, optional
            Called every ``every`` steps with the fraction of ``max_iter`` done, and with
            1.0 once every run has ended. Returning ``False`` stops the sweep: runs still
            going end with status ``stopped``. An exception it raises ends the call and
            propagates (the sweep may be run on from where it was).
        every : int
            Steps between calls of ``progress``.
        max_steps : int, optional
            Most steps to make in this call (a worker driven by short ticks calls ``run``
            again until :attr:`finished`).

        Returns
        -------
        int
            Steps made.
        """
        max_iter = max(self.stopping.max_iter, 1)
        limit = math.inf if max_steps is None else max_steps
        made = 0
        with np.errstate(all="ignore"):
            while not self.finished and made < limit:
                self._step()
                made += 1
                due = progress is not None and self._t % every == 0 and not self.finished
                if due and progress(self._t / max_iter) is False:
                    self.stop()
        if progress is not None and self.finished:
            progress(1.0)
        return made

    def stop(self) -> None:
        """End the runs still going, with status ``stopped``."""
        active = self._active
        ended = np.ones(active["index"].shape[0], dtype=bool)
        codes = np.full(ended.shape[0], Reason.STOPPED, dtype=np.int8)
        self._end(ended, codes, np.zeros(ended.shape[0]))

    # ---------------------------------------------------------------- internals
    def _keep_history(self, history: bool, runs: int) -> None:
        self._history: np.ndarray | None = None
        if not history:
            return
        size = sweep_history_bytes(runs, self.stopping.max_iter)
        if size > HISTORY_BYTES_BUDGET:
            raise ValueError(
                f"the loss histories of {runs:,} runs of up to {self.stopping.max_iter:,} "
                f"steps would take {size / 2**30:.3g} GiB, more than the "
                f"{HISTORY_BYTES_BUDGET / 2**30:.3g} GiB allowed; ask for fewer runs or "
                "steps, or no history")
        rows = min(self.stopping.max_iter + 1, 1024)
        self._history = np.full((rows, runs), np.nan)

    def _set_up(self, starts: np.ndarray) -> None:
        runs, d = starts.shape
        rows = None if self.batching is None else self.batching.rows(0)
        with np.errstate(all="ignore"):
            if self._into is not None:  # into new arrays, with no temporary ones
                loss, grad = np.empty(runs), np.empty((runs, d), order="F")
                self._into(np.asfortranarray(starts), rows, loss, grad)
            else:
                loss, grad = self.objective.value_and_grad_batch(starts, rows)
        self.params, self.loss, self.grad = starts.copy(), np.array(loss, float), grad
        self.start_loss = self.loss.copy()
        self.start_grad = grad.copy()
        self.iterations = np.zeros(runs, dtype=np.int64)
        #: Newton's method: how many of each run's updates were the gradient-step fallback.
        self.fallbacks = np.zeros(runs, dtype=np.int64)
        #: The steps of each run's first five fallbacks (−1: none), and whether a Hessian
        #: was ever not available (fallback 2), for the sentence a single run adds.
        self.fallback_steps = np.full((runs, 5), -1, dtype=np.int64)
        self.fallback_unavailable = np.zeros(runs, dtype=bool)
        self.status_codes = np.zeros(runs, dtype=np.int8)
        self.reason_codes = np.zeros(runs, dtype=np.int8)
        self.reason_values = np.full(runs, np.nan)
        #: Early divergence: the streak length, its growth per step, the limit and λmax.
        self.growth = np.full((runs, 4), np.nan)
        self._t = 0
        if self._history is not None:
            self._history[0] = self.loss
        finite = np.isfinite(self.start_loss)
        reach = np.where(finite, self.stopping.divergence_factor
                         * np.maximum(np.abs(self.start_loss), 1.0), 0.0)
        self._active = self._initial_working_set(runs, d, reach)
        self._check_start()

    def _initial_working_set(self, runs: int, d: int, reach: np.ndarray) -> dict[str, Any]:
        lr = _column(self.learning_rates)
        active: dict[str, Any] = {
            "index": np.arange(runs), "params": np.array(self.params, order="F"),
            "loss": self.loss.copy(), "spare_loss": np.empty(runs),
            "grad": np.array(self.grad, order="F"), "low": self.start_loss - reach,
            "high": self.start_loss + reach,
            "start_loss": self.start_loss, "lr": lr, "neg_lr": _wide(-lr, d),
            # _SCRATCH: written before each read, so not filled (as _end makes them)
            "scratch": _by_columns(runs, d, fill=False),
            "squares": _by_columns(runs, d, fill=False),
            "grad_squares": _by_columns(runs, d, fill=False), "total": np.empty(runs),
        }
        # The steps: the last RING of them when the early-divergence streak is watched.
        self._watch_streak = self.optimizer in LIMIT_FORMULAS
        self._ring = RING if self._watch_streak else 1
        self._ring_names = tuple(f"ring{slot}" for slot in range(self._ring))
        for slot in range(self._ring):
            active[f"ring{slot}"] = _by_columns(runs, d)
        if self._watch_streak:
            active["streak"] = np.zeros(runs, dtype=np.int64)  # the loss rose k times in a row
            active["rising"] = np.zeros(runs, dtype=np.int64)
            active["rising_base"] = np.full(runs, np.nan)
        for position in range(BUFFER_COUNTS[self.optimizer]):
            active[f"buffer{position}"] = _by_columns(runs, d)
        # Per-run values as (K, 1) columns for the rules, and as whole (K, d) arrays for
        # the updates: a product with a (K, 1) column runs d numbers at a time.
        for name, value in self.hyperparameters.items():
            active[f"hyper_{name}"] = _column(value)
            active[f"update_{name}"] = _wide(_column(value), d)
            if name in ("alpha", "beta1", "beta2"):
                active[f"update_rest_{name}"] = _wide(1.0 - _column(value), d)
        rules = self.stopping
        self._thresholds = (squared_threshold(rules.tol_step),
                            squared_threshold(rules.tol_grad), rules.tol_loss)
        self._hyper_names = [name for name in active if name.startswith("hyper_")]
        self._update_names = [name for name in active if name.startswith("update_")]
        self._views: tuple[list[np.ndarray], dict[str, Hyper],
                           Callable[[float], tuple[Hyper, Hyper]] | None] | None = None
        self._limits: Limits | None = None
        self._betas: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        if self.optimizer == "adam":
            for name in ("beta1", "beta2"):
                value = self.hyperparameters[name]
                if isinstance(value, float):
                    self._betas[name] = (np.array([value]), None)
                else:
                    distinct, codes = np.unique(value, return_inverse=True)
                    self._betas[name] = (distinct, codes)
                    active[f"code_{name}"] = codes
        return active

    def _check_start(self) -> None:
        active, rules = self._active, self.stopping
        loss, grad = active["loss"], active["grad"]
        if rules.tol_grad is None and rules.max_iter > 0 and surely_finite(loss, grad):
            return  # no rule can end a run here
        grad_norm = norms(grad)
        codes = np.zeros(loss.shape[0], dtype=np.int8)
        values = np.full(loss.shape[0], np.nan)
        if rules.tol_grad is not None:
            resolve_ties(grad_norm, grad, rules.tol_grad)
            hit = grad_norm < rules.tol_grad
            codes[hit], values[hit] = Reason.TOL_GRAD, grad_norm[hit]
        if rules.max_iter == 0:
            codes[codes == 0] = Reason.MAX_ITER
        bad_grad = ~np.isfinite(grad_norm)
        codes[bad_grad], values[bad_grad] = Reason.GRADIENT, grad_norm[bad_grad]
        bad_loss = ~np.isfinite(loss)
        codes[bad_loss], values[bad_loss] = Reason.LOSS, loss[bad_loss]
        self._end(codes != 0, codes, values)

    def _step(self) -> None:
        active, t = self._active, self._t
        if type(self.schedule) is Constant:
            rate, neg_rate = active["lr"], active["neg_lr"]
        else:
            factor = self.schedule.factor(t)
            rate, neg_rate = active["lr"] * factor, active["neg_lr"] * factor  # -(a·b) = (-a)·b
        if self.optimizer in _PROBING:
            hyper = {name.removeprefix("hyper_"): active[name] for name in self._hyper_names}
            probed = self._probe(rate, hyper)
            if probed is None:
                return
            steps, rate = probed
            active = self._active  # a failed search ended some runs
            change = active[self._ring_names[(t + 1) % self._ring]]
            np.copyto(change, steps)
        else:
            if self._views is None:
                self._views = self._update_views()
            buffers, hyper, corrector = self._views
            corrections = None if corrector is None else corrector(t + 1.0)
            change = active[self._ring_names[(t + 1) % self._ring]]
            update_in_place(self.optimizer, active["grad"], buffers, change,
                            active["scratch"], neg_rate, t, hyper, corrections)
        old_loss = active["loss"]
        params = active["params"]
        params += change
        self._t = t = t + 1
        rows = None if self.batching is None else self.batching.rows(t)
        if self._into is not None:  # the new loss into the spare, the gradient in place
            loss, grad = active["spare_loss"], active["grad"]
            evaluate = self._bound.get(id(loss)) if rows is None else None
            if evaluate is not None:
                evaluate()
            else:
                self._evaluate_into(params, rows, loss, grad)
            active["loss"], active["spare_loss"] = loss, old_loss
        else:
            loss, grad = self.objective.value_and_grad_batch(params, rows)
            if np.may_share_memory(loss, params):  # f = x hands out a view of the params
                loss = loss.copy()
            active.update(loss=loss, grad=grad)
        if self._history is not None:
            self._record(t, active["index"], loss)
        if self._limits is None:
            self._limits = shared_limits(active["low"], active["high"])
        ok = calm(active, change, grad, loss, old_loss, self._thresholds, self._watch_streak,
                  self._limits)
        if ok is None:
            if t < self.stopping.max_iter:
                return
            ok = np.ones(loss.shape[0], dtype=bool)
        self._judge(np.flatnonzero(~ok), change, old_loss, rate)

    def _evaluate_into(
        self, params: np.ndarray, rows: np.ndarray | None, loss: np.ndarray, grad: np.ndarray
    ) -> None:
        """Evaluate into ``loss`` and ``grad``: binding them first when the objective can
        and the whole objective is evaluated (bound evaluations are kept by the loss
        array, of which the sweep has two, until the working set changes)."""
        if rows is not None or self._bind is None:
            assert self._into is not None
            self._into(params, rows, loss, grad)
            return
        evaluate = self._bound[id(loss)] = self._bind(params, loss, grad)
        evaluate()

    def _update_views(
        self,
    ) -> tuple[list[np.ndarray], dict[str, Hyper],
               Callable[[float], tuple[Hyper, Hyper]] | None]:
        """The optimizer's buffers, hyperparameters, and Adam's bias corrections as a
        function of t (from each β's distinct values and codes), for the working set as it
        is (made again after runs end and the working set shrinks)."""
        active = self._active
        buffers = [active[f"buffer{i}"] for i in range(BUFFER_COUNTS[self.optimizer])]
        hyper = {name.removeprefix("update_"): active[name] for name in self._update_names}
        betas = {name: (distinct, active.get(f"code_{name}"))
                 for name, (distinct, _) in self._betas.items()}
        return buffers, hyper, bias_corrector(betas) if betas else None

    def _judge(
        self, rows: np.ndarray, change: np.ndarray, old_loss: np.ndarray, rate: Hyper
    ) -> None:
        """The exact rules for the runs ``rows`` of the working set; at the step limit the
        others end there."""
        active = self._active
        count = active["index"].shape[0]
        all_codes = np.full(count, Reason.MAX_ITER if self._t >= self.stopping.max_iter else 0,
                            dtype=np.int8)
        all_values = np.full(count, np.nan)
        if rows.shape[0] == 0:  # at the step limit with every run calm
            self._end(all_codes != 0, all_codes, all_values)
            return
        grad = active["grad"][rows]
        size = exact_norms(change[rows])
        view = {name: active[name][rows] for name in (
            "index", "params", "loss", "low", "high", "start_loss")}
        view["rising"] = (exact_streaks(active, rows, self._t, size) if self._watch_streak
                          else np.zeros(rows.shape[0], dtype=np.int64))
        if self._watch_streak:
            view["rising_base"] = active["rising_base"][rows]
        for name in self._hyper_names:
            value = active[name]
            view[name] = value if isinstance(value, float) else value[rows]
        rate = rate if isinstance(rate, float) else rate[rows]
        # Without tol_grad only whether the gradient's length is finite matters, and the
        # fast lengths say that exactly (norms remeasures any that may overflow).
        grad_norm = exact_norms(grad) if self.stopping.tol_grad is not None else norms(grad)
        codes, values = self._verdicts(view, size, grad_norm, old_loss[rows], rate)
        all_codes[rows], all_values[rows] = codes, values
        self._end(all_codes != 0, all_codes, all_values)

    def _probe(self, rate: Hyper, hyper: dict[str, Hyper]) -> tuple[np.ndarray, Hyper] | None:
        """Newton's or Armijo's steps Δθ and rates (``None``: no run is left to step)."""
        active, t = self._active, self._t
        rows = None if self.batching is None else self.batching.rows(t)
        params, grad = active["params"], active["grad"]
        if self.optimizer == "newton":
            directions, codes = newton_directions(self.objective, params, grad, rows,
                                                  hyper["damping"])
            self._count_fallbacks(active["index"], codes, t)
            return directions * -rate, rate
        rates, failed = armijo_search(self.objective, params, grad, active["loss"], rows,
                                      rate, hyper)
        if failed.any():
            codes = np.where(failed, Reason.SEARCH, 0).astype(np.int8)
            self._end(failed, codes, rates)
            rates, grad = rates[~failed], active["grad"]
            if self.finished:
                return None
        column = rates[:, None]
        return grad * -column, column

    def _count_fallbacks(self, index: np.ndarray, codes: np.ndarray, t: int) -> None:
        fell_back = index[codes != 0]
        if fell_back.size == 0:
            return
        seen = self.fallbacks[fell_back]
        early = seen < self.fallback_steps.shape[1]
        self.fallback_steps[fell_back[early], seen[early]] = t
        self.fallbacks[fell_back] += 1
        self.fallback_unavailable[index[codes == 2]] = True

    def _verdicts(
        self, active: dict[str, Any], size: np.ndarray, grad_norm: np.ndarray,
        old_loss: np.ndarray, rate: Hyper,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Why each run of ``active`` (some rows of the working set, with exact ``size`` and
        ``grad_norm``) ends after this step (:class:`Reason` codes, 0: it goes on)."""
        rules, t = self.stopping, self._t
        loss = active["loss"]
        count = loss.shape[0]
        codes = np.zeros(count, dtype=np.int8)
        values = np.full(count, np.nan)
        open_ = np.ones(count, dtype=bool)

        def decide(hit: np.ndarray, code: int, measured: np.ndarray) -> None:
            nonlocal open_
            hit = hit & open_
            codes[hit], values[hit] = code, measured[hit]
            open_ &= ~hit

        decide(~np.isfinite(size), Reason.PARAMS, size)
        decide(~np.isfinite(loss), Reason.LOSS, loss)
        decide(~np.isfinite(grad_norm), Reason.GRADIENT, grad_norm)
        decide(loss > active["high"], Reason.GREW, loss)
        decide(loss < active["low"], Reason.FELL, loss)
        if self.optimizer in LIMIT_FORMULAS:
            streak = open_ & (active["rising"] >= RISING_STEPS) & (loss > active["start_loss"])
            if streak.any():
                self._judge_growth(active, np.flatnonzero(streak), size, rate, codes, open_)
        if rules.tol_step is not None:
            decide(size < rules.tol_step, Reason.TOL_STEP, size)
        if rules.tol_grad is not None:
            decide(grad_norm < rules.tol_grad, Reason.TOL_GRAD, grad_norm)
        if rules.tol_loss is not None:
            change = np.abs(loss - old_loss)
            decide(change < rules.tol_loss, Reason.TOL_LOSS, change)
        if t >= rules.max_iter:
            decide(open_, Reason.MAX_ITER, values)
        return codes, values

    def _judge_growth(
        self, active: dict[str, Any], rows: np.ndarray, size: np.ndarray, rate: Hyper,
        codes: np.ndarray, open_: np.ndarray,
    ) -> None:
        """The early-divergence rule for the runs on a rising streak (a few at a time)."""
        rates = np.broadcast_to(np.asarray(rate, dtype=float).reshape(-1), size.shape)
        momentum = active.get("hyper_momentum", 0.0)
        momenta = np.broadcast_to(np.asarray(momentum, dtype=float).reshape(-1), size.shape)
        batch = None if self.batching is None else self.batching.rows(self._t)
        verdicts = growth_verdicts(
            self.objective, self.optimizer, active["params"][rows], batch,
            size[rows], active["rising"][rows], active["rising_base"][rows], rates[rows],
            momenta[rows])
        for row, verdict in zip(rows.tolist(), verdicts, strict=True):
            if verdict is not None:
                confirmed = not math.isnan(verdict[2])
                codes[row] = Reason.GROWTH if confirmed else Reason.GROWTH_UNCONFIRMED
                open_[row] = False
                self.growth[active["index"][row]] = verdict

    def _record(self, t: int, index: np.ndarray, loss: np.ndarray) -> None:
        history = self._history
        assert history is not None
        if t >= history.shape[0]:
            rows = min(2 * history.shape[0], self.stopping.max_iter + 1)
            grown = np.full((rows, history.shape[1]), np.nan)
            grown[: history.shape[0]] = history
            self._history = history = grown
        history[t, index] = loss

    def _end(self, ended: np.ndarray, codes: np.ndarray, values: np.ndarray) -> None:
        """Freeze the runs ``ended`` (a mask over the working set) with their reasons."""
        if not ended.any():
            return
        active = self._active
        if ended.all():  # every row (at the step limit): no selections to make
            rows: Any = slice(None)
            index = slice(None) if active["index"].shape[0] == self.runs else active["index"]
        else:
            rows = ended
            index = active["index"][ended]
        self.params[index] = active["params"][rows]
        self.loss[index] = active["loss"][rows]
        self.grad[index] = active["grad"][rows]
        self.iterations[index] = self._t
        self.reason_codes[index] = codes[rows]
        self.reason_values[index] = values[rows]
        self.status_codes[index] = _status_of(codes[rows])
        keep = np.flatnonzero(~ended)
        self._views = self._limits = None
        self._bound = {}
        for name, value in active.items():
            if not isinstance(value, np.ndarray):
                continue
            if name in _SCRATCH or keep.shape[0] == 0:  # no values to keep
                active[name] = np.empty((keep.shape[0], *value.shape[1:]), dtype=value.dtype,
                                        order="F")
            elif value.ndim == 2:  # kept column by column, in one copy
                active[name] = value.T.take(keep, axis=1).T
            else:
                active[name] = value.take(keep)


def _status_of(codes: np.ndarray) -> np.ndarray:
    status = np.full(codes.shape[0], _DIVERGED, dtype=np.int8)
    status[codes <= Reason.TOL_LOSS] = _CONVERGED
    status[codes == Reason.MAX_ITER] = _MAX_ITER
    status[(codes == Reason.STOPPED) | (codes == Reason.SEARCH)] = _STOPPED
    return status


def _column(value: float | np.ndarray) -> float | np.ndarray:
    """A float as it is, or K values as a ``(K, 1)`` column that broadcasts over ``d``."""
    return value if isinstance(value, float) else value[:, None]


def _wide(value: float | np.ndarray, d: int) -> float | np.ndarray:
    """A float as it is, or a ``(K, 1)`` column repeated to ``(K, d)``."""
    if isinstance(value, float):
        return value
    wide = np.empty((value.shape[0], d), order="F")
    wide[...] = value
    return wide


def _by_columns(runs: int, d: int, fill: bool = True) -> np.ndarray:
    """Zeros ``(K, d)`` stored column by column (each parameter's K values contiguous);
    with ``fill=False`` an array of that shape whose values are not set."""
    return np.zeros((runs, d), order="F") if fill else np.empty((runs, d), order="F")


def _per_run(
    what: str, value: Any, runs: int, check: Callable[[np.ndarray, str], None]
) -> float | np.ndarray:
    """A float, or an array of ``runs`` floats; checked with ``check``."""
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number or {runs} numbers, not {value!r}") from None
    if array.ndim == 0:
        check(array.reshape(1), what)
        return float(array)
    if array.shape != (runs,):
        raise ValueError(f"{what} needs one value or {runs} (one per run), not an array "
                         f"of shape {array.shape}")
    check(array, what)
    return array


def _check_rates(rates: np.ndarray, what: str) -> None:
    bad = ~(np.isfinite(rates) & (rates > 0))
    if bad.any():
        run = int(np.flatnonzero(bad)[0])
        where = f" (run {run})" if rates.shape[0] > 1 else ""
        raise ValueError(f"{what} must be a positive number, not {float(rates[run])!r}{where}")


def _hyperparameters(
    optimizer: str, given: Mapping[str, Any], runs: int
) -> dict[str, float | np.ndarray]:
    """Every hyperparameter of ``optimizer``: the given ones checked, the rest default."""
    defaults = OPTIMIZERS[optimizer].defaults
    unknown = [name for name in given if name not in defaults]
    if unknown:
        known = ", ".join(defaults) or "none"
        raise ValueError(f"the {optimizer} optimizer has no hyperparameter {unknown[0]!r} "
                         f"(it has: {known})")
    result: dict[str, float | np.ndarray] = {}
    for name, default in defaults.items():
        value = given.get(name, default)
        result[name] = _per_run(name, value, runs, _check_hyperparameters)
    return result


def _check_hyperparameters(values: np.ndarray, name: str) -> None:
    """The checks of :func:`gdstudio.engine.optimizers.make_optimizer`, for every run."""
    bad = ~np.isfinite(values)
    if name == "eps":
        bad |= ~(values > 0)
        rule = "a positive number"
    elif name in ("momentum", "alpha", "beta1", "beta2"):
        bad |= ~((values >= 0) & (values < 1))
        rule = "at least 0 and below 1"
    elif name in ("armijo_c", "shrink"):
        bad |= ~((values > 0) & (values < 1))
        rule = "above 0 and below 1"
    elif name == "damping":
        bad |= ~(values >= 0)
        rule = "at least 0"
    elif name == "max_backtracks":
        bad |= ~((values >= 0) & (values <= MAX_BACKTRACKS) & (values == np.round(values)))
        rule = f"a whole number from 0 to {MAX_BACKTRACKS}"
    else:
        rule = "a finite number"
    if bad.any():
        run = int(np.flatnonzero(bad)[0])
        where = f" (run {run})" if values.shape[0] > 1 else ""
        raise ValueError(f"{name} must be {rule}, not {float(values[run])!r}{where}")
