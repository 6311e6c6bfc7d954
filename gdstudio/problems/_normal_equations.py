"""Full-batch squared error of a model linear in its parameters, from p×p sums.

For a model linear in its learnt parameters θ, the prediction on row i is
f_i = o_i + Σ_j θ_j X_ij, with X_ij = ∂f/∂θ_j at row i (a feature, a power of one, or a
constant) and o_i the prediction at θ = 0 (fixed parameters included). The sum of
squared residuals r = f − y is then a quadratic in θ. Around a reference point θ₀ with
residuals r₀, d = θ − θ₀, and A = XᵀX::

    Xᵀr(θ)  = Xᵀr₀ + A d                      (exact: r(θ) = r₀ + X d)
    Σ r(θ)² = Σ r₀² + 2 dᵀXᵀr₀ + dᵀA d        (exact)

A, Xᵀr₀ and Σ r₀² are computed once from the rows; every later step costs O(p²),
whatever the number of rows. The gradient of every squared loss is c · Xᵀr (c = 2, 2/n
or 1/n), and its value Σ r² times 1, 1/n or 1/(2n).

Why the reference point: the textbook form Σ r² = θᵀAθ − 2θᵀXᵀy + yᵀy subtracts large
numbers to get a small one near the minimum, and loses every digit when the model fits
well (the tutorial's loss goes to 0 while yᵀy stays 165). θ₀ is the least-squares
solution of the normal equations, so near the minimum every term above is small and
the loss keeps its relative precision; far from it no term cancels either, since
dᵀAd ≥ 0 dominates. θ₀ need not be exact: the identities hold for any θ₀, because Xᵀr₀
and Σ r₀² are summed from θ₀'s own residuals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["NormalEquations"]

# Rows summed at a time when residuals are needed (a few hundred kilobytes of memory).
_BLOCK_ROWS = 1 << 15


class NormalEquations:
    """Σ r² and Xᵀr of a linear model for any θ, from sums over the rows made once.

    Parameters
    ----------
    columns : sequence of float or numpy.ndarray
        X_j = ∂f/∂θ_j over the rows, a float when it is the same on every row.
    offset : float or numpy.ndarray
        The prediction at θ = 0.
    target : numpy.ndarray
        y, one value per row.
    """

    def __init__(self, columns: Sequence[Any], offset: Any, target: np.ndarray) -> None:
        self._columns = tuple(columns)
        count = target.shape[0]
        size = len(self._columns)
        self.gram = np.empty((size, size))
        for i in range(size):
            for j in range(i, size):
                self.gram[i, j] = self.gram[j, i] = _dot(self._columns[i], self._columns[j], count)
        minus_rhs = _residual_sums(np.zeros(size), self._columns, offset, target)[1]  # Xᵀ(o − y)
        with np.errstate(all="ignore"):
            reference = np.linalg.lstsq(self.gram, -minus_rhs, rcond=None)[0]
        if not np.all(np.isfinite(reference)):
            reference = np.zeros(size)
        self.reference = reference
        self.reference_sum, self.reference_slope = _residual_sums(
            reference, self._columns, offset, target
        )

    @property
    def usable(self) -> bool:
        """False when a sum overflowed (huge data): the rows must be used instead."""
        return bool(
            np.all(np.isfinite(self.gram))
            and np.isfinite(self.reference_sum)
            and np.all(np.isfinite(self.reference_slope))
        )

    def sum_and_slope(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Σ r² and Xᵀr at ``params``; the second is a new array.

        The sum is never below zero (rounding could otherwise make it −1e-30 at an exact
        fit, which a log-scale loss plot cannot draw).
        """
        shift = params - self.reference
        slope = self.gram @ shift
        slope += self.reference_slope
        total = self.reference_sum + float(shift @ (slope + self.reference_slope))
        return (total if total > 0.0 else 0.0), slope


    def sums_and_slopes(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`sum_and_slope` at every row of ``params`` ``(K, p)``, bit for bit.

        Returns the ``(K,)`` sums and the ``(K, p)`` slopes (new arrays).
        """
        shifts = params - self.reference
        slopes = np.matmul(self.gram, shifts[:, :, None])[:, :, 0]  # each as gram @ shift
        slopes += self.reference_slope
        both = slopes + self.reference_slope
        totals = self.reference_sum + np.matmul(shifts[:, None, :], both[:, :, None])[:, 0, 0]
        return np.where(totals > 0.0, totals, 0.0), slopes


def _dot(first: Any, second: Any, count: int) -> float:
    """Σ_i first_i · second_i where either may be one number for every row."""
    first_array, second_array = type(first) is np.ndarray, type(second) is np.ndarray
    if first_array and second_array:
        return float(first @ second)
    if first_array:
        return float(first.sum()) * float(second)
    if second_array:
        return float(second.sum()) * float(first)
    return count * float(first) * float(second)


def _residual_sums(
    params: np.ndarray, columns: Sequence[Any], offset: Any, target: np.ndarray
) -> tuple[float, np.ndarray]:
    """Σ r² and Xᵀr for r = o + Σ θ_j X_j − y, a block of rows at a time.

    Blocks keep the memory needed small (a fit of 1,000,000 rows must not hold extra
    copies of its columns).
    """
    count = target.shape[0]
    total, slope = 0.0, np.zeros(len(columns))
    values = params.tolist()
    for start in range(0, count, _BLOCK_ROWS):
        part = slice(start, start + _BLOCK_ROWS)
        residuals = np.negative(target[part])
        residuals += offset[part] if type(offset) is np.ndarray else offset
        parts = [column[part] if type(column) is np.ndarray else column for column in columns]
        for value, column in zip(values, parts, strict=True):
            residuals += value * column
        total += float(residuals @ residuals)
        slope += [_dot(column, residuals, residuals.shape[0]) for column in parts]
    return total, slope
