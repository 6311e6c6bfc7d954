"""The stable learning-rate limit at a point, from the Hessian there (numpy only).

On a quadratic with Hessian H, every optimizer below moves each eigen-direction of H on
its own, so the largest eigenvalue λmax decides. With h = γλ (γ the rate):

* plain gradient descent multiplies the distance to the minimum by 1 − h per step:
  stable while |1 − h| < 1, i.e. **γ < 2/λmax**;
* heavy-ball momentum in torch's form (b = μb + g, θ −= γb) has the characteristic
  polynomial z² − (1 + μ − h)z + μ; Jury's criterion gives **γ < 2(1 + μ)/λmax**;
* Nesterov in torch's form (b = μb + g, θ −= γ(g + μb)) has
  z² − (1 + μ − h(1 + μ))z + μ(1 − h); Jury's criterion (1 + T + D > 0 binds) gives
  **γ < 2(1 + μ)/((1 + 2μ)·λmax)**.

torch's ``dampening`` is not offered by :mod:`gdstudio.engine.optimizers` (it is always
0), so it does not enter these limits. Adagrad, RMSprop and Adam rescale every step by
the gradients seen so far and have no such simple bound: their limit is ``None``. Where
λmax ≤ 0 (no upward curvature here) no rate overshoots: the limit is infinite.

Examples
--------
>>> stable_rate(np.array([[10.0]]), "gd")
0.2
>>> round(stable_rate(np.array([[10.0]]), "momentum", 0.9), 12)
0.38
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["LIMIT_FORMULAS", "describe_limit", "largest_eigenvalue", "stable_rate"]

#: How each optimizer's limit is written, for messages and tooltips.
LIMIT_FORMULAS: dict[str, str] = {
    "gd": "2/λmax",
    "momentum": "2(1+μ)/λmax",
    "nesterov": "2(1+μ)/((1+2μ)λmax)",
}


def largest_eigenvalue(hessian: np.ndarray) -> float:
    """λmax of a symmetric matrix (NaN for an empty or non-finite one)."""
    matrix = np.asarray(hessian, dtype=float)
    if matrix.size == 0 or not np.all(np.isfinite(matrix)):
        return math.nan
    return float(np.linalg.eigvalsh(matrix)[-1])


def stable_rate(
    hessian: np.ndarray | None, optimizer: str, momentum: float = 0.0
) -> float | None:
    """The largest learning rate that does not overshoot, or ``None`` if there is none.

    Parameters
    ----------
    hessian : numpy.ndarray or None
        The Hessian at the point (``None`` when it is not available).
    optimizer : str
        ``gd``, ``momentum`` or ``nesterov``; any other name has no limit (``None``).
    momentum : float
        μ of the momentum optimizers.

    Returns
    -------
    float or None
        The limit (``math.inf`` where λmax ≤ 0), or ``None`` for an unavailable Hessian
        or an optimizer without a simple bound.
    """
    if hessian is None or optimizer not in LIMIT_FORMULAS:
        return None
    top = largest_eigenvalue(hessian)
    if math.isnan(top):
        return None
    if top <= 0.0:
        return math.inf
    mu = float(momentum) if optimizer != "gd" else 0.0
    if optimizer == "nesterov":
        return 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * top)
    return 2.0 * (1.0 + mu) / top


def describe_limit(optimizer: str, limit: float) -> str:
    """``"2/λmax = 0.2"`` or ``"2(1+μ)/λmax = 0.38"``: a limit with its formula."""
    return f"{LIMIT_FORMULAS[optimizer]} = {limit:.3g}"
