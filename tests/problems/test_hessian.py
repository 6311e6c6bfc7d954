"""Exact Hessians from the safe compiler, for typed functions and data models."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.problems.curvature import (
    curvature_is_constant,
    limit_tooltip,
    rate_warning,
    stable_learning_rate,
)
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.expression import compile_expression
from gdstudio.problems.function import FunctionObjective
from gdstudio.problems.models import ModelObjective

CASES = [
    ("x**2", [3.0], [[2.0]]),
    ("5*x**2", [-1.0], [[10.0]]),
    ("(x-3)**2 + 10*(y+1)**2", [0.0, 0.0], [[2.0, 0.0], [0.0, 20.0]]),
    ("x**2 - y**2", [0.1, 0.2], [[2.0, 0.0], [0.0, -2.0]]),
    ("x*y", [1.0, 2.0], [[0.0, 1.0], [1.0, 0.0]]),
    ("x**4 - 3*x**2 + x", [2.0], [[12 * 4 - 6.0]]),
    ("sin(x)*exp(y)", [0.5, 0.25],
     [[-math.sin(0.5) * math.exp(0.25), math.cos(0.5) * math.exp(0.25)],
      [math.cos(0.5) * math.exp(0.25), math.sin(0.5) * math.exp(0.25)]]),
    ("(1-x)**2 + 100*(y-x**2)**2", [1.0, 1.0], [[802.0, -400.0], [-400.0, 200.0]]),
    ("x**1.5", [4.0], [[0.75 / 2.0]]),
]


@pytest.mark.parametrize(("text", "point", "expected"), CASES)
def test_hessian_is_exact(text: str, point: list[float], expected: list[list[float]]) -> None:
    hessian = compile_expression(text).hessian(np.array(point))
    np.testing.assert_allclose(hessian, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("text", ["abs(x)", "x*abs(x)", "abs(x - y) + y**2"])
def test_no_hessian_where_the_second_derivative_is_not_a_function(text: str) -> None:
    compiled = compile_expression(text)
    assert not compiled.prepare_hessian()
    assert compiled.hessian(np.ones(len(compiled.variables))) is None


def test_no_hessian_where_it_is_not_finite() -> None:
    assert compile_expression("log(x)").hessian(np.array([0.0])) is None
    assert compile_expression("log(x)").hessian(np.array([2.0])) == pytest.approx(-0.25)


DATA = Dataset({"x": [0.0, 1.0, 2.0, 3.0, 4.0], "y": [1.0, 3.0, 5.0, 7.0, 9.5]})


@pytest.mark.parametrize(("loss", "scale"), [("sse", 2.0), ("mse", 2 / 5), ("half_mse", 1 / 5)])
def test_linear_model_hessian_is_scaled_design_gram(loss: str, scale: float) -> None:
    objective = ModelObjective("m*x + b", DATA, loss=loss)
    assert objective.param_names == ("b", "m")
    design = np.column_stack([np.ones(5), DATA["x"]])
    np.testing.assert_allclose(objective.hessian(np.array([0.3, 0.2])), scale * design.T @ design)


def test_nonlinear_model_hessian_includes_the_residual_term() -> None:
    objective = ModelObjective("a*exp(k*x)", DATA, loss="sse")
    a, k = 0.3, 0.2
    x, y = DATA["x"], DATA["y"]
    f = a * np.exp(k * x)
    r = f - y
    jac = np.array([np.exp(k * x), a * x * np.exp(k * x)])
    second = np.array([[np.zeros(5), x * np.exp(k * x)],
                       [x * np.exp(k * x), a * x * x * np.exp(k * x)]])
    expected = 2.0 * (jac @ jac.T + np.einsum("ijn,n->ij", second, r))
    np.testing.assert_allclose(objective.hessian(np.array([a, k])), expected, rtol=1e-12)


def test_batch_hessian_uses_the_batch_rows_and_mae_has_none() -> None:
    objective = ModelObjective("m*x + b", DATA, loss="mse")
    batch = np.array([1, 3])
    design = np.column_stack([np.ones(2), DATA["x"][batch]])
    np.testing.assert_allclose(objective.hessian(np.zeros(2), batch), design.T @ design)
    assert ModelObjective("m*x + b", DATA, loss="mae").hessian(np.zeros(2)) is None


def test_stable_learning_rate_of_objectives() -> None:
    bowl = FunctionObjective.from_text("5*x**2")
    assert stable_learning_rate(bowl, np.array([3.0])) == 0.2
    assert stable_learning_rate(bowl, np.array([3.0]), "momentum", 0.9) == 0.38
    assert stable_learning_rate(bowl, np.array([3.0]), "adam") is None
    assert stable_learning_rate(FunctionObjective.from_text("-x**2"), np.array([1.0])) == math.inf
    with pytest.raises(ValueError, match="momentum"):
        stable_learning_rate(bowl, np.array([3.0]), "momentum", 1.5)


def test_limit_tooltip() -> None:
    assert limit_tooltip("gd", 0.2) == "stable while α < 0.2 here (2/λmax)"
    assert limit_tooltip("momentum", 0.38) == "stable while α < 0.38 here (2(1+μ)/λmax)"
    assert limit_tooltip("gd", math.inf) == limit_tooltip("adam", None) == ""


@pytest.mark.parametrize(
    ("rate", "limit", "certain", "expected"),
    [
        (1.05, 1.0, True, "α = 1.05 is above the stable limit 1 at the start: "
                          "this run will diverge"),
        (0.39, 0.38, True, "α = 0.39 is above the stable limit 0.38 at the start: "
                           "this run will diverge"),
        (0.05, 2 / 108, False, "α = 0.05 is above the stable limit 0.0185 at the start: the "
                               "first steps overshoot by more each time, so the run may diverge"),
        (1.0, 1.0, True, "α = 1 is the stable limit itself: the steps will bounce back and "
                         "forth for ever without settling"),
        (1.0, 1.0, False, ""),
        (0.95, 1.0, True, ""),
        (5.0, math.inf, True, ""),
        (5.0, None, False, ""),
    ],
)
def test_rate_warning(rate, limit, certain, expected) -> None:
    assert rate_warning(rate, limit, certain) == expected


@pytest.mark.parametrize(
    ("text", "point", "constant"),
    [
        ("5*x**2", [3.0], True),
        ("(x - 3)**2 + 10*(y + 1)**2 + x*y", [0.0, 0.0], True),
        ("x**4", [3.0], False),
        ("x**2 + y**3", [1.0, 1.0], False),
        ("log(x)", [1.0], False),  # 2·1 − 0.5 is fine, the curvature changes
        ("abs(x)", [1.0], False),  # no Hessian at all
    ],
)
def test_curvature_is_constant_only_for_quadratics(text, point, constant) -> None:
    objective = FunctionObjective.from_text(text)
    assert curvature_is_constant(objective, np.array(point)) is constant
