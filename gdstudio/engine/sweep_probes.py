"""Newton's method and Armijo's line search for K runs at once (numpy only).

The rules are those of :mod:`gdstudio.engine.probing` and
:class:`~gdstudio.engine.optimizers.Newton`, written on ``(K, d)`` arrays:

* Newton: the Hessians ``(K, d, d)`` of the objective's ``hessian_batch`` (or its
  ``hessian``, one run at a time, when it has none), damped by λ, the stacked
  ``eigvalsh`` test of positive definiteness (an eigenvalue ≤ 10⁻¹² times the largest
  magnitude) and stacked ``solve``; a gradient step where the test fails (fallback 1) or
  the Hessian is not finite (fallback 2). numpy runs LAPACK on every matrix of a stack
  as on a single one, so the steps are a single run's.
* Armijo: a masked loop over the trials; at each, the runs still searching evaluate
  their trial point together. ‖g‖² is summed column by column and, where the
  sufficient-decrease test is a near tie, summed again as a single run sums it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gdstudio.engine.sweep_updates import Hyper

__all__ = ["armijo_search", "newton_directions"]

# The relative closeness at which an Armijo test is decided again with the exact ‖g‖².
_TIE = 1e-12


def newton_directions(
    objective: Any, params: np.ndarray, grad: np.ndarray, rows: np.ndarray | None,
    damping: Hyper,
) -> tuple[np.ndarray, np.ndarray]:
    """Directions d (θ ← θ − γd) ``(K, d)`` and fallback codes ``(K,)`` (0, 1 or 2)."""
    count, size = grad.shape
    hessians = _hessians(objective, params, rows)
    codes = np.full(count, 2, dtype=np.int8)
    directions = grad.copy()
    if hessians is None:
        return directions, codes
    finite = np.flatnonzero(np.all(np.isfinite(hessians), axis=(1, 2)))
    if finite.size == 0:
        return directions, codes
    lam = damping if isinstance(damping, float) else np.asarray(damping).reshape(-1)[finite]
    lam = lam if isinstance(lam, float) else lam[:, None, None]
    damped = hessians[finite] + lam * np.eye(size)
    eigenvalues = np.linalg.eigvalsh(damped)
    scale = np.maximum(np.max(np.abs(eigenvalues), axis=1), 1e-300)
    definite = ~(eigenvalues[:, 0] <= 1e-12 * scale)
    codes[finite] = np.where(definite, 0, 1)
    good = finite[definite]
    if good.size:
        solved = np.linalg.solve(damped[definite], grad[good][:, :, None])
        directions[good] = solved[:, :, 0]
    return directions, codes


def _hessians(objective: Any, params: np.ndarray, rows: np.ndarray | None) -> np.ndarray | None:
    batch_at = getattr(objective, "hessian_batch", None)
    if batch_at is not None:
        return batch_at(params) if rows is None else batch_at(params, rows)
    hessian_at = objective.hessian
    size = params.shape[1]
    matrices = np.full((params.shape[0], size, size), np.nan)
    for index, point in enumerate(params):
        matrix = hessian_at(point) if rows is None else hessian_at(point, rows)
        if matrix is not None:
            matrices[index] = matrix
    return matrices


def armijo_search(
    objective: Any, params: np.ndarray, grad: np.ndarray, loss: np.ndarray,
    rows: np.ndarray | None, rate: Hyper, hyper: dict[str, Hyper],
) -> tuple[np.ndarray, np.ndarray]:
    """Backtrack every run from ``rate``; return the accepted rates and which failed.

    Returns ``(rates, failed)``, both ``(K,)``: the accepted rate of each run (for a run
    whose search failed, the last rate it tried) and a mask of the runs whose every
    trial failed the sufficient-decrease test.
    """
    count = grad.shape[0]
    c, shrink, backtracks = (_flat(hyper[name], count)
                             for name in ("armijo_c", "shrink", "max_backtracks"))
    width = backtracks.astype(np.int64) + 1
    squared = _squares(grad)
    trial_rate = _flat(rate, count).copy()
    searching = np.ones(count, dtype=bool)
    tried = np.full(count, np.nan)
    for trial in range(int(width.max())):
        index = np.flatnonzero(searching & (trial < width))
        if index.size == 0:
            break
        rates = trial_rate[index]
        points = params[index] - rates[:, None] * grad[index]
        values = np.asarray(objective.value_and_grad_batch(points, rows)[0], dtype=float)
        bound = loss[index] - c[index] * rates * squared[index]
        accepted = _accepted(values, bound, loss[index], c[index] * rates, grad[index])
        tried[index] = rates
        searching[index[accepted]] = False
        trial_rate[index] = np.where(accepted, rates, rates * shrink[index])
    return tried, searching


def _accepted(
    values: np.ndarray, bound: np.ndarray, loss: np.ndarray, factor: np.ndarray,
    grad: np.ndarray,
) -> np.ndarray:
    """``f(trial) ≤ f − c·α·‖g‖²`` with ‖g‖² as a single run sums it (``g @ g``)."""
    accepted = np.isfinite(values) & (values <= bound)
    with np.errstate(all="ignore"):
        close = np.abs(values - bound) <= _TIE * (np.abs(loss) + np.abs(bound - loss))
    for row in np.flatnonzero(close & np.isfinite(values)).tolist():
        exact = float(loss[row]) - float(factor[row]) * float(grad[row] @ grad[row])
        accepted[row] = values[row] <= exact
    return accepted


def _squares(grad: np.ndarray) -> np.ndarray:
    total = grad[:, 0] * grad[:, 0]
    for column in range(1, grad.shape[1]):
        total = total + grad[:, column] * grad[:, column]
    return total


def _flat(value: Hyper, count: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float).reshape(-1), (count,))
