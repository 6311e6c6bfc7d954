"""Which runs of a sweep might end at a step: a cheap test for all, exact rules for few.

After each lock step, :class:`~gdstudio.engine.sweep.SweepDescent` must decide for every
run what a single :class:`~gdstudio.engine.descent.Descent` decides: whether its step,
loss or gradient stopped being finite, whether the loss left its limits, whether the
early-divergence streak ended it, and the tolerances. Measuring every step and gradient
exactly (:func:`math.hypot`) for thousands of runs every step would cost more than the
step itself. So :func:`calm` runs a sufficient test over all runs at once — a run it
calls calm surely goes on — and the sweep applies the exact rules only to the others (a
false alarm costs time, never a number). At most steps no run is near an end, and a
handful of sums over the whole working set say so (:func:`_all_calm`); only when they do
not does the test look at each run, with a few in-place array operations:

* the step and the gradient are finite and their lengths cannot overflow: the sum of
  their squares plus the loss is finite (which also says that the loss is finite);
* the loss lies within the divergence limits: over the whole working set, Σ loss² is
  below the square of the nearest limit to 0 (:func:`shared_limits`), which also says
  that every loss is finite — else the smallest and largest loss are compared with them;
* the tolerances, each with a margin of 1e-9 over the fast lengths' few units of
  rounding (lengths are compared squared);
* the early-divergence streak (optimizers with a stable limit only): a run is on a
  streak of k steps where the loss rose and the step grew only if its loss rose k times
  in a row, so the sweep counts the latter (:data:`STREAK` key ``streak``) and works
  out the exact streak (:func:`exact_streaks`) once that count reaches the length that
  matters, from the last steps kept in a ring of :data:`RING` buffers.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from gdstudio.engine.sweep_norms import exact_norms

__all__ = ["RING", "RISING_STEPS", "Limits", "Thresholds", "calm", "exact_streaks",
           "shared_limits", "squared_threshold", "surely_finite"]

#: Squared step and gradient thresholds (:func:`squared_threshold`) and ``tol_loss``.
Thresholds = tuple[float | None, float | None, float | None]
#: The largest lower and smallest upper divergence limit of a working set, and the Σ loss²
#: below which every loss lies between them (:func:`shared_limits`).
Limits = tuple[float, float, float]

#: The early-divergence streak of Descent (see descent._RISING_STEPS).
RISING_STEPS = 5
#: Steps kept to work out a streak when the rising-loss count first reaches its length:
#: those of the streak and the one before it.
RING = RISING_STEPS + 1
# The fast squared lengths are within a few units in the last place; this is far more.
_MARGIN = 1e-9
# Below this a tolerance's square may lose digits: such a rule is tested exactly always.
_SMALLEST_TOLERANCE = 1e-140
# A sum of K squares (BLAS's, in any order) is within K units in the last place of the
# exact sum; this is far more for any K below 10⁹.
_SUM_MARGIN = 1e-6
# The ufunc's own reduction: ndarray.min adds a Python wrapper, at every step.
_smallest = np.minimum.reduce
# OpenBLAS's dot product runs on one thread up to 10,000 numbers (x86-64 kernels; one
# more and it starts threads, which compete with this one for the cores).
_DOT_PIECE = 10_000
_dot = np.vdot


def squared_threshold(tolerance: float | None) -> float | None:
    """What a fast squared length must reach to be surely at least ``tolerance``."""
    if tolerance is None:
        return None
    if not tolerance > _SMALLEST_TOLERANCE:
        return math.inf  # every run is tested exactly
    return (tolerance * (1.0 + _MARGIN)) ** 2


def shared_limits(low: np.ndarray, high: np.ndarray) -> Limits:
    """The divergence limits of a working set as :func:`calm` tests them at once.

    Parameters
    ----------
    low, high : numpy.ndarray
        Every run's lower and upper limit of the loss, ``(K,)``.

    Returns
    -------
    tuple of float
        The largest lower limit, the smallest upper one, and a bound on Σ loss² (as
        :func:`_sum_of_squares` computes it) under which every loss lies strictly between
        those two: the square of the nearer one's distance from 0, less a margin for
        rounding; −1 (nothing is below it) when the limits do not straddle 0 by at least
        :data:`_SMALLEST_TOLERANCE`. It is at most the largest float, so a sum below it is
        finite.
    """
    lowest, highest = float(np.maximum.reduce(low)), float(np.minimum.reduce(high))
    radius = min(-lowest, highest)
    if not radius > _SMALLEST_TOLERANCE:
        return lowest, highest, -1.0
    return lowest, highest, min(radius * radius * (1.0 - _SUM_MARGIN), sys.float_info.max)


def surely_finite(*arrays: np.ndarray) -> bool:
    """True only if every number of ``arrays`` is finite and so is the length of every
    row of each (their sum of squares is finite); False may be a false alarm (a sum that
    overflows)."""
    total = 0.0
    for values in arrays:
        total += _sum_of_squares(values)
    return math.isfinite(total)


def calm(
    active: dict[str, Any], change: np.ndarray, grad: np.ndarray, loss: np.ndarray,
    old_loss: np.ndarray, thresholds: Thresholds, streak: bool, limits: Limits,
) -> np.ndarray | None:
    """Whether each run surely goes on after this step: ``None`` when all do, else
    ``(K,)`` booleans (a new array).

    ``active`` holds the working set's arrays, scratch ``(K, d)`` arrays ``squares`` and
    ``grad_squares``, ``(K,)`` arrays ``total``, ``low``, ``high`` and, when ``streak``,
    the rising-loss count ``streak`` (updated here). ``limits`` are
    :func:`shared_limits` of ``low`` and ``high``.
    """
    if streak:
        count = active["streak"]
        count += 1
        count *= loss > old_loss
    if _all_calm(active, change, grad, loss, old_loss, thresholds, streak, limits):
        return None
    return _each_calm(active, change, grad, loss, old_loss, thresholds, streak)


def _all_calm(
    active: dict[str, Any], change: np.ndarray, grad: np.ndarray, loss: np.ndarray,
    old_loss: np.ndarray, thresholds: Thresholds, streak: bool, limits: Limits,
) -> bool:
    """A test over the whole working set at once that every run surely goes on.

    Σ step² + Σ gradient² is finite only if every one of them is (and no length can
    overflow). Every loss lies within its run's limits if all lie between the largest
    lower limit and the smallest upper one: surely so when Σ loss² is below the bound
    of :func:`shared_limits` (a NaN or infinite loss makes the sum NaN or infinite, never
    below it); else the smallest and largest loss are compared with those limits, which
    also says that every loss is finite when the limits are (the smallest and largest of
    losses with a NaN are NaN, outside any limit); when they are not, Σ loss must be
    finite too. A test may fail where every run is calm (a sum overflows, limits
    differ): then each run is looked at.
    """
    if not math.isfinite(_sum_of_squares(change) + _sum_of_squares(grad)):
        return False
    lowest, highest, bound = limits
    if not _sum_of_squares(loss) <= bound:
        finite = math.isfinite(lowest) and math.isfinite(highest)
        if not ((finite or math.isfinite(float(np.add.reduce(loss))))
                and _smallest(loss) >= lowest and np.maximum.reduce(loss) <= highest):
            return False
    step_threshold, grad_threshold, tol_loss = thresholds
    squares, total_squares = active["squares"], active["total"]
    if step_threshold is not None:
        np.multiply(change, change, out=squares)
        _row_sums(squares, total_squares)
        if not _smallest(total_squares) >= step_threshold:
            return False
    if grad_threshold is not None:
        np.multiply(grad, grad, out=squares)
        _row_sums(squares, total_squares)
        if not _smallest(total_squares) >= grad_threshold:
            return False
    if tol_loss is not None:
        np.subtract(loss, old_loss, out=total_squares)
        if not _smallest(np.abs(total_squares, out=total_squares)) >= tol_loss:
            return False
    return not streak or np.maximum.reduce(active["streak"]) < RISING_STEPS



def _each_calm(
    active: dict[str, Any], change: np.ndarray, grad: np.ndarray, loss: np.ndarray,
    old_loss: np.ndarray, thresholds: Thresholds, streak: bool,
) -> np.ndarray:
    """:func:`calm`'s test run by run."""
    squares, grad_squares, total = active["squares"], active["grad_squares"], active["total"]
    step_threshold, grad_threshold, tol_loss = thresholds
    np.multiply(change, change, out=squares)
    np.multiply(grad, grad, out=grad_squares)
    ok = np.empty(loss.shape[0], dtype=bool)
    if step_threshold is not None:
        _row_sums(squares, total)
        np.greater_equal(total, step_threshold, out=ok)
    else:
        ok.fill(True)
    if grad_threshold is not None:
        _row_sums(grad_squares, total)
        ok &= total >= grad_threshold
    squares += grad_squares
    _row_sums(squares, total)
    total += loss
    ok &= np.isfinite(total)
    ok &= loss >= active["low"]
    ok &= loss <= active["high"]
    if tol_loss is not None:
        ok &= np.abs(loss - old_loss) >= tol_loss
    if streak:
        ok &= active["streak"] < RISING_STEPS
    return ok


def _sum_of_squares(values: np.ndarray) -> float:
    """Σ values² over an array stored in one block (the working set's arrays are), from
    BLAS's dot product a piece of at most :data:`_DOT_PIECE` numbers at a time.

    A piece that short runs on this thread (OpenBLAS splits longer ones over threads
    that would compete with this one for the cores), three times as fast as einsum. The
    order of the sum does not matter here: it is finite exactly when every square is and
    no partial sum overflows, and a sum that overflows only sends the runs to the exact
    test; whatever the order, it is within :data:`_SUM_MARGIN` of the exact sum.
    """
    values = values.ravel(order="K")
    count = values.shape[0]
    if count <= _DOT_PIECE:
        return float(_dot(values, values))
    total = 0.0
    for start in range(0, count, _DOT_PIECE):
        piece = values[start : start + _DOT_PIECE]
        total += float(_dot(piece, piece))
    return total


def _row_sums(values: np.ndarray, out: np.ndarray) -> None:
    """``out[k] = Σⱼ values[k, j]``, column by column (faster than a reduction for few)."""
    if values.shape[1] == 1:
        np.copyto(out, values[:, 0])
        return
    np.add(values[:, 0], values[:, 1], out=out)
    for column in range(2, values.shape[1]):
        out += values[:, column]


def exact_streaks(
    active: dict[str, Any], rows: np.ndarray, t: int, sizes: np.ndarray
) -> np.ndarray:
    """The exact early-divergence streak of ``rows`` after step ``t`` (a new array).

    Rows whose rising-loss count is below :data:`RISING_STEPS` are given 0 (their streak
    is shorter, which no rule looks at). A row whose count just reached it gets its
    streak and base worked out from the ring of its last steps; a row whose count was
    already there had them worked out at the step before and advances them by one step.
    ``sizes`` are the exact lengths of the rows' steps at ``t``; ``active["rising"]`` and
    ``active["rising_base"]`` are updated for the rows on a streak.
    """
    counts = active["streak"][rows]
    result = np.zeros(rows.shape[0], dtype=np.int64)
    for position in np.flatnonzero(counts >= RISING_STEPS).tolist():
        row = int(rows[position])
        if counts[position] == RISING_STEPS:
            rising, base = _streak_from_ring(active, row, t)
        else:
            rising, base = int(active["rising"][row]), float(active["rising_base"][row])
            before = _size(active, row, t - 1)
            if sizes[position] > before:
                base = before if rising == 0 else base
                rising += 1
            else:
                rising = 0
        active["rising"][row], active["rising_base"][row] = rising, base
        result[position] = rising
    return result


def _streak_from_ring(active: dict[str, Any], row: int, t: int) -> tuple[int, float]:
    """Streak and base after step ``t`` of a run whose loss rose at its last 5 steps."""
    rising, base = 0, math.nan
    before = _size(active, row, t - RISING_STEPS)
    for step in range(t - RISING_STEPS + 1, t + 1):
        size = _size(active, row, step)
        if size > before:  # the loss rose at this step too
            base = before if rising == 0 else base
            rising += 1
        else:
            rising = 0
        before = size
    return rising, base


def _size(active: dict[str, Any], row: int, step: int) -> float:
    """The exact length of a run's step number ``step`` (∞ before the first, as Descent)."""
    if step <= 0:
        return math.inf
    return float(exact_norms(active[f"ring{step % RING}"][row : row + 1])[0])
