"""When a run ends, and the sentence that says why."""

from __future__ import annotations

import contextlib
import math
import operator
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from gdstudio.engine.curvature import describe_limit
from gdstudio.engine.limits import MAX_STEPS

__all__ = ["Status", "StoppingRules"]


class Status(StrEnum):
    """Where a run stands. Compares equal to its string value (``"converged"`` …)."""

    RUNNING = "running"
    CONVERGED = "converged"
    MAX_ITER = "max_iter"
    DIVERGED = "diverged"
    STOPPED = "stopped"


@dataclass(frozen=True)
class StoppingRules:
    """Any combination of stopping rules; ``None`` switches a tolerance off.

    Attributes
    ----------
    max_iter : int
        Most updates to make: a whole number from 0 to :data:`~gdstudio.engine.limits.MAX_STEPS`
        (50 million). A run also refuses a limit whose steps would not fit in memory (see
        :func:`~gdstudio.engine.limits.max_steps`).
    tol_step : float or None
        Converged when the step just taken, ‖θ_{k+1} − θ_k‖, is below this (the
        tutorial's "precision").
    tol_grad : float or None
        Converged when the gradient's norm at the new point is below this.
    tol_loss : float or None
        Converged when the loss changed by less than this in one step.
    divergence_factor : float
        Diverged when the loss moves further than this many times ``max(|f₀|, 1)`` away
        from its start value f₀ (it grows without bound, or falls without bound).
    """

    max_iter: int = 1000
    tol_step: float | None = None
    tol_grad: float | None = None
    tol_loss: float | None = None
    divergence_factor: float = 1e10

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_iter", _checked_max_iter(self.max_iter))
        for name in ("tol_step", "tol_grad", "tol_loss"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number (or None), not {value!r}")
        if not (math.isfinite(self.divergence_factor) and self.divergence_factor > 1):
            raise ValueError(f"divergence_factor must be above 1, not {self.divergence_factor!r}")

    def with_changes(self, **changes: object) -> StoppingRules:
        """A copy with some rules changed (validated again)."""
        return replace(self, **changes)


def _checked_max_iter(value: object) -> int:
    """``value`` as an int from 0 to MAX_STEPS (integral floats and numpy ints accepted)."""
    number: int | None = None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif not isinstance(value, bool | float):
        with contextlib.suppress(TypeError):
            number = operator.index(value)  # type: ignore[arg-type]
    if number is None:
        raise ValueError(f"max_iter must be a whole number, not {value!r}")
    if number < 0:
        raise ValueError(f"max_iter must be 0 or more, not {number}")
    if number > MAX_STEPS:
        digits = len(str(number)) if number < 10**4000 else "thousands of"  # str() refuses more
        shown = f"{number:,}" if number < 10**15 else f"a number with {digits} digits"
        raise ValueError(f"max_iter must be at most {MAX_STEPS:,} (every step is kept in "
                         f"memory), not {shown}")
    return number


def describe_convergence(rule: str, measured: float, tolerance: float) -> str:
    """The sentence for a run that converged by ``rule`` (tol_step, tol_grad, tol_loss)."""
    if rule == "tol_step":
        return (
            f"the last step, {measured:.3g}, was smaller than the precision "
            f"{tolerance:.3g}"
        )
    if rule == "tol_grad":
        return f"the gradient's size, {measured:.3g}, fell below {tolerance:.3g}"
    return f"the loss changed by {measured:.3g}, less than {tolerance:.3g}"


def describe_divergence(step: int, what: str, value: float, start_loss: float) -> str:
    """The sentence for a run that diverged at ``step``.

    ``what`` is ``"loss"``, ``"gradient"``, ``"params"``, ``"grew"`` or ``"fell"``.
    """
    too_large = "the learning rate is too large for this function; try a smaller one"
    if what == "grew":
        return (
            f"the loss grew from {start_loss:.4g} to {value:.4g} by step {step} — each step "
            f"overshoots the minimum by more than the last, so {too_large}"
        )
    if what == "fell":
        return (
            f"the loss fell to {value:.4g} by step {step} and keeps falling — the function "
            "seems to have no minimum in this direction"
        )
    if step == 0:
        kind = "infinite" if math.isinf(value) else "undefined (NaN)"
        return (
            f"the {_noun(what)} is {kind} at the start point — choose a start inside the "
            "function's domain"
        )
    if math.isinf(value):
        return f"the {_noun(what)} became infinite at step {step} — {too_large}"
    return (
        f"the {_noun(what)} became undefined (NaN) at step {step} — the point left the "
        "function's domain or the numbers overflowed; try a smaller learning rate or "
        "another start"
    )


def describe_growth(
    step: int,
    rising: int,
    amplification: float,
    optimizer: str,
    *,
    rate: float | None = None,
    limit: float | None = None,
    top: float = math.nan,
    momentum: float = 0.0,
) -> str:
    """The sentence for a run caught blowing up: the loss rose ``rising`` steps in a row.

    With ``rate`` and ``limit`` it says that the rate is above the stable limit at the
    current point (λmax = ``top``); without them it says only what was measured.
    """
    growth = f"×{amplification:.3g} per step"
    where = f"λmax = {top:.3g}" if optimizer == "gd" else f"λmax = {top:.3g}, μ = {momentum:g}"
    if rate is not None and limit is not None:
        return (
            f"α = {rate:.3g} is above the stable limit {describe_limit(optimizer, limit)} here "
            f"({where}): each step overshoots the minimum by more than the last "
            f"({growth}, stopped at step {step}); try a rate below {limit:.3g}"
        )
    return (
        f"the loss rose at each of the last {rising} steps, each step longer than the last "
        f"({growth}, stopped at step {step}): the learning rate is too large for this "
        "function; try a smaller one"
    )


def describe_start_limit(optimizer: str, limit: float, top: float, rate: float) -> str:
    """The clause added to a blow-up caught by the other rules when α was above the limit."""
    return (f" (α = {rate:.3g} was above the stable limit {describe_limit(optimizer, limit)} "
            f"at the start point, λmax = {top:.3g})")


def describe_step_limit(
    max_iter: int, grad: np.ndarray, start_grad_norm: float, tol_grad: float | None
) -> str:
    """The sentence for a run that used up its steps, saying whether it got anywhere.

    It is "not converged" while the gradient is still above ``tol_grad`` (when set) and
    above a thousandth of its size at the start.
    """
    size = float(np.linalg.norm(grad)) if np.all(np.isfinite(grad)) else math.nan
    text = f"reached the maximum of {max_iter} steps"
    floor = max(tol_grad or 0.0, 1e-3 * start_grad_norm)
    if not size > floor:
        return text
    what = "the slope is" if grad.shape[0] == 1 else "the gradient's size is"
    return f"not converged: {what} still {size:.2g} after {max_iter} steps"


def _noun(what: str) -> str:
    return {"params": "parameters", "gradient": "gradient"}.get(what, "loss")


def describe_search_failure(step: int, rates: list[float], grad: np.ndarray) -> str:
    """The sentence for a line search that found no rate with sufficient decrease."""
    size = float(np.linalg.norm(grad))
    return (f"the line search at step {step} found no rate from α = {rates[0]:.3g} down to "
            f"{rates[-1]:.3g} ({len(rates)} tries) that lowers the loss enough (the "
            f"gradient's size is {size:.2g}: at a minimum rounding leaves nothing to "
            "gain); no step was taken")


def describe_fallbacks(codes: np.ndarray) -> str:
    """A sentence on the updates where Newton's method took a gradient step instead, else ""."""
    where = np.flatnonzero(codes)
    return describe_fallback_counts(int(where.size), int(codes.shape[0]),
                                    where[:5].tolist(), bool(np.any(codes[where] == 2)))


def describe_fallback_counts(
    count: int, updates: int, first: list[int], unavailable: bool
) -> str:
    """:func:`describe_fallbacks` from its numbers: ``count`` fallbacks of ``updates``,
    the steps of the ``first`` (up to five), and whether a Hessian was ever unavailable."""
    if count == 0:
        return ""
    shown = ", ".join(str(int(k)) for k in first[:5]) + (" …" if count > 5 else "")
    noun = "update" if updates == 1 else "updates"
    reason = ("the Hessian was not positive definite or not available" if unavailable
              else "the Hessian was not positive definite")
    return (f"Newton's method took a gradient step instead at {count} of "
            f"{updates} {noun} (from step {shown}): there {reason}")
