"""Small hand-written objectives for engine tests (no compiler, no sympy)."""

from __future__ import annotations

import numpy as np


class Quadratic:
    """f(x, y) = x² + 3y², ∇f = (2x, 6y); or f(x) = x² with one name."""

    n_samples = None

    def __init__(self, names: tuple[str, ...] = ("x", "y")) -> None:
        self.param_names = names
        self.weights = np.array([1.0, 3.0][: len(names)])

    def value_and_grad(self, params, batch=None):
        return float(self.weights @ (params * params)), 2.0 * self.weights * params


class CurvedQuadratic(Quadratic):
    """The quadratic with its exact Hessian, which Newton's method needs."""

    def hessian(self, params, batch=None):
        return np.diag(2.0 * self.weights)


class Rows:
    """Mean of (θ − rows[i])² over a batch of rows: a data objective for batching tests."""

    def __init__(self, n: int = 10) -> None:
        self.param_names = ("theta",)
        self.data = np.arange(float(n))
        self.n_samples = n

    def value_and_grad(self, params, batch=None):
        rows = self.data if batch is None else self.data[batch]
        residual = params[0] - rows
        return float(np.mean(residual**2)), np.array([2.0 * residual.mean()])
