"""A model objective's loss and gradient at K parameter vectors at once, for sweeps.

The same numbers as :meth:`ModelObjective.value_and_grad` at each vector, to the last bit:
the model is evaluated over a ``(K, rows)`` grid with the same numpy functions, and every
sum over the rows is made as a single run makes it — a dot product of two rows by the
dot product numpy's ``matmul`` uses for one pair (``r @ w`` in a single run), a plain sum
along each row by numpy's pairwise sum. (``einsum`` and ``X @ W.T`` would add in another
order.) A linear model with a squared loss on the full batch steps from its normal
equations, K vectors at a time.

The objective is a :class:`~gdstudio.problems.models.ModelObjective` (typed ``Any`` here:
``models`` imports this module, and no cycle is allowed, not even for type hints).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["model_value_and_grad_batch", "row_dots"]


def row_dots(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``first[k] @ second[k]`` for every k, each summed as that 1-D product is."""
    return np.matmul(first[:, None, :], second[:, :, None])[:, 0, 0]


def model_value_and_grad_batch(
    objective: Any, points: np.ndarray, batch: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Losses ``(K,)`` and gradients ``(K, d)`` of ``objective`` at ``points`` ``(K, d)``."""
    if batch is None and objective.uses_normal_equations:
        normal = objective._normal_equations()
        if normal is not None:
            totals, slopes = normal.sums_and_slopes(points)
            loss_factor, slope_factor = objective._squared_factors
            slopes *= slope_factor
            return totals * loss_factor, slopes
    rows = objective._full if batch is None else objective._rows_of(batch)
    count = rows.target.shape[0]
    columns = [points[:, j : j + 1] for j in range(points.shape[1])]
    if objective._varying:
        features = [feature[None, :] for feature in rows.features]
        outputs = objective._evaluate(*features, *columns, *objective._fixed_values)
        prediction = np.broadcast_to(np.asarray(outputs[0], dtype=float),
                                     (points.shape[0], count))
        residuals = np.subtract(prediction, rows.target)
    else:
        outputs = ()
        residuals = _linear_predictions(columns, rows, points.shape[0])
        np.subtract(residuals, rows.target, out=residuals)
    losses, weights, scale = _kernel(objective.loss, residuals, count)
    return losses, _gradients(objective, rows, outputs, weights, scale)


def _kernel(name: str, residuals: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray,
                                                                   float]:
    """:func:`gdstudio.problems.losses.loss_kernel`'s kernels, one row per run."""
    if name == "mae":
        signs = np.sign(residuals)
        return row_dots(signs, residuals) / rows, signs, 1.0 / rows
    squares = row_dots(residuals, residuals)
    if name == "sse":
        return squares, residuals, 2.0
    if name == "mse":
        return squares / rows, residuals, 2.0 / rows
    return squares / (2 * rows), residuals, 1.0 / rows


def _gradients(
    objective: Any, rows: Any, outputs: Any, weights: np.ndarray, scale: float
) -> np.ndarray:
    """∂L/∂θ_j for every run, as :meth:`ModelObjective._gradient` sums them."""
    runs = weights.shape[0]
    grads = np.empty((runs, len(rows.static)))
    weight_sums: np.ndarray | None = None
    for index, derivative in enumerate(rows.static):
        over_rows = type(derivative) is np.ndarray and derivative.ndim > 0
        if derivative is None:
            position = objective._varying[index]
            derivative = np.asarray(outputs[position], dtype=float)
            over_rows = objective._output_uses_features[position]
        if over_rows:
            per_run = np.broadcast_to(derivative, weights.shape)
            grads[:, index] = scale * row_dots(np.ascontiguousarray(per_run), weights)
        else:
            if weight_sums is None:
                weight_sums = weights.sum(axis=1)
            values = np.broadcast_to(np.asarray(derivative, dtype=float).reshape(-1), (runs,))
            grads[:, index] = scale * values * weight_sums
    return grads


def _linear_predictions(columns: list[np.ndarray], rows: Any, runs: int) -> np.ndarray:
    """``offset + Σ θ_j ∂f/∂θ_j`` for every run, added in the order of a single run."""
    count = rows.target.shape[0]
    out = np.empty((runs, count))
    constant: np.ndarray | float = 0.0
    empty = True
    for value, derivative in zip(columns, rows.static, strict=True):
        if type(derivative) is not np.ndarray:
            constant = constant + value[:, 0] * derivative
        elif empty:
            np.multiply(derivative, value, out=out)
            empty = False
        else:
            out += value * derivative
    offset = rows.offset
    if type(offset) is not np.ndarray:
        constant = constant + offset
    elif empty:
        out[...] = offset
        empty = False
    else:
        out += offset
    constants = np.broadcast_to(np.asarray(constant, dtype=float), (runs,))
    if empty:
        out[...] = constants[:, None]
    else:
        # A single run adds the constant only when it is not 0; adding −0.0 changes nothing.
        out += np.where(constants != 0.0, constants, -0.0)[:, None]
    return out
