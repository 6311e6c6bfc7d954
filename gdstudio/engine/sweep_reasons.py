"""The sentence saying why a run of a sweep ended: the one a single run would write.

A sweep keeps only codes and numbers per run (:attr:`SweepDescent.reason_codes` …); the
sentences are written on demand, one run at a time, with the functions single runs use.
"""

from __future__ import annotations

import math

import numpy as np

from gdstudio.engine.curvature import largest_eigenvalue, stable_rate
from gdstudio.engine.stopping import (
    describe_convergence,
    describe_divergence,
    describe_fallback_counts,
    describe_growth,
    describe_search_failure,
    describe_start_limit,
    describe_step_limit,
)
from gdstudio.engine.sweep import Reason, SweepDescent

__all__ = ["reason_of"]

_TOLERANCES = {Reason.TOL_STEP: "tol_step", Reason.TOL_GRAD: "tol_grad",
               Reason.TOL_LOSS: "tol_loss"}
_DIVERGENCES = {Reason.PARAMS: "params", Reason.LOSS: "loss", Reason.GRADIENT: "gradient",
                Reason.GREW: "grew", Reason.FELL: "fell"}


def reason_of(sweep: SweepDescent, run: int) -> str:
    """Why run ``run`` of ``sweep`` ended, in one sentence ("" while it is going on).

    For Newton's method, the note on the fallbacks follows, as in ``Run.message``.
    """
    reason = _reason(sweep, run)
    count = int(sweep.fallbacks[run])
    if not reason or count == 0:
        return reason
    first = [int(step) for step in sweep.fallback_steps[run] if step >= 0]
    note = describe_fallback_counts(count, int(sweep.iterations[run]), first,
                                    bool(sweep.fallback_unavailable[run]))
    return f"{reason}; {note}"


def _reason(sweep: SweepDescent, run: int) -> str:
    code = int(sweep.reason_codes[run])
    step = int(sweep.iterations[run])
    value = float(sweep.reason_values[run])
    if code in _TOLERANCES:
        rule = _TOLERANCES[code]
        return describe_convergence(rule, value, getattr(sweep.stopping, rule))
    if code == Reason.MAX_ITER:
        start_norm = math.hypot(*sweep.start_grad[run].tolist())
        return describe_step_limit(sweep.stopping.max_iter, sweep.grad[run], start_norm,
                                   sweep.stopping.tol_grad)
    if code in _DIVERGENCES:
        what = _DIVERGENCES[code]
        text = describe_divergence(step, what, value, float(sweep.start_loss[run]))
        if step > 0 and what != "fell":
            text += _start_limit_note(sweep, run, _rate(sweep, run, step))
        return text
    if code in (Reason.GROWTH, Reason.GROWTH_UNCONFIRMED):
        streak, amplification, limit, top = sweep.growth[run].tolist()
        if code == Reason.GROWTH_UNCONFIRMED:
            return describe_growth(step, int(streak), amplification, sweep.optimizer)
        return describe_growth(step, int(streak), amplification, sweep.optimizer,
                               rate=_rate(sweep, run, step), limit=limit, top=top,
                               momentum=_momentum(sweep, run))
    if code == Reason.SEARCH:
        return describe_search_failure(step, _trial_rates(sweep, run, step), sweep.grad[run])
    if code == Reason.STOPPED:
        return f"stopped by request at step {step}"
    return ""


def _rate(sweep: SweepDescent, run: int, step: int) -> float:
    """The rate of the update that made step ``step``."""
    rates = sweep.learning_rates
    base = rates if isinstance(rates, float) else float(rates[run])
    return base * sweep.schedule.factor(step - 1)


def _trial_rates(sweep: SweepDescent, run: int, step: int) -> list[float]:
    """Every rate the failed line search from step ``step`` tried, as a single run's."""
    rates = sweep.learning_rates
    rate = (rates if isinstance(rates, float) else float(rates[run])) * sweep.schedule.factor(
        step)
    shrink, backtracks = (_value(sweep.hyperparameters[name], run)
                          for name in ("shrink", "max_backtracks"))
    tried = []
    for _ in range(int(backtracks) + 1):
        tried.append(rate)
        rate *= shrink
    return tried


def _value(value: float | np.ndarray, run: int) -> float:
    return value if isinstance(value, float) else float(value[run])


def _momentum(sweep: SweepDescent, run: int) -> float:
    momentum = sweep.hyperparameters.get("momentum", 0.0)
    return momentum if isinstance(momentum, float) else float(momentum[run])


def _start_limit_note(sweep: SweepDescent, run: int, rate: float) -> str:
    """The clause a single run adds when the rate was above the limit at the start."""
    hessian_at = getattr(sweep.objective, "hessian", None)
    if hessian_at is None:
        return ""
    start: np.ndarray = sweep.starts[run]
    batching = sweep.batching
    hessian = hessian_at(start) if batching is None else hessian_at(start, batching.rows(0))
    limit = stable_rate(hessian, sweep.optimizer, _momentum(sweep, run))
    if limit is None or not rate > limit:
        return ""
    return describe_start_limit(sweep.optimizer, limit, largest_eigenvalue(hessian), rate)
