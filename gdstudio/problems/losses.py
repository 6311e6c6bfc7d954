"""Losses of a model's residuals r = prediction − target, with the weights of their gradient.

Every loss here has a gradient of the same shape::

    ∂L/∂θ_j = c · Σ_i w_i · ∂f_i/∂θ_j

so one kernel returns the loss L, the row weights w and the scale c, and the model
objective does the sum with one dot product per parameter. With m rows (the rows of the
batch in mini-batch descent):

=========  =====================  =========  =======
name       L                      w          c
=========  =====================  =========  =======
sse        Σ r²                   r          2
mse        (1/m) Σ r²             r          2/m
half_mse   (1/2m) Σ r²            r          1/m
mae        (1/m) Σ |r|            sign(r)    1/m
=========  =====================  =========  =======

``mae`` is not differentiable where a residual is 0; it uses the subgradient sign(0) = 0.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["LOSSES", "SQUARED_LOSSES", "check_loss", "loss_kernel"]

#: Kernel: (residuals, number of rows) -> (loss, weights, scale).
LossKernel = Callable[[np.ndarray, int], tuple[float, np.ndarray, float]]


def _sse(residuals: np.ndarray, rows: int) -> tuple[float, np.ndarray, float]:
    return float(residuals @ residuals), residuals, 2.0


def _mse(residuals: np.ndarray, rows: int) -> tuple[float, np.ndarray, float]:
    return float(residuals @ residuals) / rows, residuals, 2.0 / rows


def _half_mse(residuals: np.ndarray, rows: int) -> tuple[float, np.ndarray, float]:
    return float(residuals @ residuals) / (2 * rows), residuals, 1.0 / rows


def _mae(residuals: np.ndarray, rows: int) -> tuple[float, np.ndarray, float]:
    signs = np.sign(residuals)
    return float(signs @ residuals) / rows, signs, 1.0 / rows  # sign(r)·r = |r|


_KERNELS: dict[str, LossKernel] = {"sse": _sse, "mse": _mse, "half_mse": _half_mse, "mae": _mae}

#: Names of the losses, in the order a menu shows them.
LOSSES: tuple[str, ...] = tuple(_KERNELS)
#: Losses whose minimum is the least-squares solution.
SQUARED_LOSSES: frozenset[str] = frozenset({"sse", "mse", "half_mse"})


def check_loss(name: object) -> str:
    """Return the loss name normalised (``"MSE"`` → ``"mse"``), or raise ValueError.

    Examples
    --------
    >>> check_loss("Half_MSE")
    'half_mse'
    """
    text = str(name).strip().lower().replace("-", "_")
    if text not in _KERNELS:
        raise ValueError(f"unknown loss {name!r}: choose one of {', '.join(LOSSES)}")
    return text


def loss_kernel(name: str) -> LossKernel:
    """The kernel ``(residuals, rows) -> (loss, weights, scale)`` of a loss.

    Examples
    --------
    >>> loss, weights, scale = loss_kernel("sse")(np.array([1.0, -2.0]), 2)
    >>> loss, scale
    (5.0, 2.0)
    """
    return _KERNELS[check_loss(name)]
