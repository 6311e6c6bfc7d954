"""Stable learning-rate limits: the formulas, and runs just below and above them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.engine.curvature import largest_eigenvalue, stable_rate
from gdstudio.engine.optimizers import make_optimizer


class Bowl:
    """f(θ) = ½ θᵀAθ with a known Hessian A."""

    n_samples = None

    def __init__(self, matrix: list[list[float]]) -> None:
        self.matrix = np.array(matrix, dtype=float)
        self.param_names = tuple(f"x{i}" for i in range(len(matrix)))

    def value_and_grad(self, params, batch=None):
        grad = self.matrix @ params
        return 0.5 * float(params @ grad), grad

    def hessian(self, params, batch=None):
        return self.matrix.copy()


def test_limits_by_hand() -> None:
    hessian = np.array([[10.0]])
    assert stable_rate(hessian, "gd") == pytest.approx(0.2)
    assert stable_rate(hessian, "momentum", 0.9) == pytest.approx(0.38)
    assert stable_rate(hessian, "nesterov", 0.9) == pytest.approx(3.8 / 28)
    assert stable_rate(hessian, "nesterov", 0.0) == pytest.approx(0.2)


def test_largest_eigenvalue_decides() -> None:
    hessian = np.array([[2.0, 1.0], [1.0, 2.0]])  # eigenvalues 1 and 3
    assert largest_eigenvalue(hessian) == pytest.approx(3.0)
    assert stable_rate(hessian, "gd") == pytest.approx(2 / 3)


@pytest.mark.parametrize("optimizer", ["adagrad", "rmsprop", "adam", "newton"])
def test_no_limit_for_adaptive_optimizers(optimizer: str) -> None:
    assert stable_rate(np.array([[2.0]]), optimizer) is None


def test_no_limit_without_a_hessian_and_infinite_without_upward_curvature() -> None:
    assert stable_rate(None, "gd") is None
    assert stable_rate(np.array([[np.nan]]), "gd") is None
    assert stable_rate(np.array([[-2.0, 0.0], [0.0, 0.0]]), "momentum", 0.5) == math.inf


def _final_distance(optimizer: str, momentum: float, rate: float) -> float:
    """Distance from the minimum after 4000 raw updates on ½(x² + 10y²) (no stopping rules)."""
    hyper = {} if optimizer == "gd" else {"momentum": momentum}
    rule = make_optimizer(optimizer, hyper)
    params = np.array([1.0, 1.0])
    state = rule.init(params)
    bowl = Bowl([[1.0, 0.0], [0.0, 10.0]])
    with np.errstate(all="ignore"):
        for _ in range(4000):
            params = params + rule.update(bowl.value_and_grad(params)[1], state, params, rate)
        return float(np.linalg.norm(params))


@pytest.mark.parametrize(("optimizer", "momentum"), [
    ("gd", 0.0), ("momentum", 0.0), ("momentum", 0.5), ("momentum", 0.9),
    ("nesterov", 0.0), ("nesterov", 0.5), ("nesterov", 0.9),
])
def test_just_below_the_limit_converges_and_just_above_diverges(
    optimizer: str, momentum: float
) -> None:
    limit = stable_rate(np.diag([1.0, 10.0]), optimizer, momentum)
    assert _final_distance(optimizer, momentum, 0.99 * limit) < 1e-3
    assert not _final_distance(optimizer, momentum, 1.01 * limit) < 1e3


def test_nesterov_limit_from_jury_criterion() -> None:
    # z² − (1 + μ − h(1+μ))z + μ(1 − h): the spectral radius crosses 1 exactly at the limit.
    mu = 0.7
    limit = 2 * (1 + mu) / (1 + 2 * mu)  # λ = 1
    for h, inside in ((0.999 * limit, True), (1.001 * limit, False)):
        roots = np.roots([1.0, -(1 + mu - h * (1 + mu)), mu * (1 - h)])
        assert bool(max(abs(roots)) < 1) is inside
