"""Inspecting a point (exact Hessian, eigenvalues, kind, words) and Newton's method on
problems built by the safe compiler: typed functions and data models."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.engine import RunSettings, StoppingRules
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.function import FunctionObjective
from gdstudio.problems.inspect import inspect_objective
from gdstudio.problems.models import ModelObjective


def inspect(text: str, point: list[float]):
    return inspect_objective(FunctionObjective.from_text(text), np.array(point))


@pytest.mark.parametrize(("text", "point", "kind", "eigenvalues", "description"), [
    ("x**2 + 3*y**2", [0, 0], "minimum", [2, 6],
     "a minimum: uphill along (1, 0) and (0, 1)"),
    # H = [[−2, 1], [1, −4]]: eigenvalues −3 ∓ √2.
    ("-(x**2) - 2*y**2 + x*y", [0, 0], "maximum", [-3 - math.sqrt(2), -3 + math.sqrt(2)],
     None),
    ("x**2 - y**2", [0, 0], "saddle", [-2, 2],
     "a saddle: downhill along (0, 1), uphill along (1, 0)"),
    ("x*y", [0, 0], "saddle", [-1, 1],
     "a saddle: downhill along (0.707, -0.707), uphill along (0.707, 0.707)"),
    ("x**4 + y**2", [0, 0], "degenerate", [0, 2],
     "degenerate: flat along (1, 0), uphill along (0, 1), so the second derivatives cannot "
     "tell what it is"),
    ("x**3", [0], "degenerate", [0],
     "degenerate: the curve is flat to second order (f″ = 0), so the second derivatives "
     "cannot tell what it is"),
    ("-x**2", [0], "maximum", [-2], "a maximum: the curve bends down (f″ = -2)"),
])
def test_kinds_with_exact_eigenvalues(text, point, kind, eigenvalues, description) -> None:
    result = inspect(text, point)
    assert result.kind == kind
    np.testing.assert_allclose(result.eigenvalues, eigenvalues, rtol=1e-15, atol=0)
    assert np.all(np.diff(result.eigenvalues) >= 0)  # ascending
    if description is not None:
        assert result.description == description
    for value, vector in zip(result.eigenvalues, result.eigenvectors.T, strict=True):
        np.testing.assert_allclose(result.hessian @ vector, value * vector, atol=1e-14)


def test_a_point_that_is_not_stationary_says_so() -> None:
    result = inspect("x**2 - y**2", [1, 1])
    assert result.kind == "saddle" and not result.stationary
    assert result.description == ("not a stationary point (the gradient is (2, -2)); it curves "
                                  "like a saddle's: downhill along (0, 1), uphill along (1, 0)")
    assert inspect("x**2", [1]).description.startswith("not a stationary point (the slope is 2)")


def test_the_result_is_read_only_and_complete() -> None:
    result = inspect("x**4 - 3*x**2 + x", [2])
    assert result.param_names == ("x",) and result.value == 6.0
    assert result.gradient.tolist() == [21.0] and result.hessian.tolist() == [[42.0]]
    with pytest.raises(ValueError):
        result.hessian[0, 0] = 1.0


def test_the_local_quadratic_model_is_the_taylor_polynomial() -> None:
    model = inspect("x**4 - 3*x**2 + x", [2]).quadratic_model()
    x = np.array([1.0, 1.5, 2.0, 3.0])
    np.testing.assert_allclose(model(x), 6 + 21 * (x - 2) + 21 * (x - 2) ** 2)
    assert model.stationary_point.tolist() == [1.5]  # where Newton's first step lands
    grid = inspect("x**2 - y**2 + x*y", [1, 2]).quadratic_model()
    xs, ys = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(0, 2, 4))
    assert grid(xs, ys).shape == (4, 3)
    np.testing.assert_allclose(grid(xs, ys), xs**2 - ys**2 + xs * ys, atol=1e-13)  # exact here


@pytest.mark.parametrize(("text", "point", "words"), [
    ("abs(x)", [0], "has no second derivative at x = 0"),
    ("log(x)", [-1], "not defined at x = -1"),
])
def test_bad_points_are_one_sentence(text, point, words) -> None:
    with pytest.raises(ValueError, match=words):
        inspect(text, point)


# ------------------------------------------------------------------------ Newton on problems
def test_newton_on_a_typed_function_first_step() -> None:
    objective = FunctionObjective.from_text("x**4 - 3*x**2 + x")
    settings = RunSettings(optimizer="newton", learning_rate=1.0,
                           stopping=StoppingRules(max_iter=1))
    descent = settings.build(objective, [2.0])
    descent.run()
    assert descent.history.params[1, 0] == 1.5


DATA = Dataset({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "y": [1.1, 2.9, 5.2, 6.8, 9.1, 11.0]})


@pytest.mark.parametrize("loss", ["sse", "mse", "half_mse"])
@pytest.mark.parametrize("model", ["m*x + b", "a*x**2 + m*x + b"])
def test_newton_on_a_linear_model_lands_on_least_squares_in_one_step(loss, model) -> None:
    objective = ModelObjective(model, DATA, loss=loss)
    settings = RunSettings(optimizer="newton", learning_rate=1.0,
                           stopping=StoppingRules(max_iter=1))
    descent = settings.build(objective, np.full(len(objective.param_names), 7.0))
    descent.run()
    answer = objective.least_squares_solution()
    np.testing.assert_allclose(descent.history.params[1],
                               [answer[name] for name in objective.param_names], rtol=1e-10)
    assert descent.history.fallback[0] == 0


def test_newton_on_a_nonlinear_model_uses_its_second_derivatives() -> None:
    objective = ModelObjective("exp(k*x)", Dataset({"x": [0.0, 0.5, 1.0],
                                                    "y": [1.0, 1.7, 2.6]}), loss="sse")
    descent = RunSettings(optimizer="newton", learning_rate=1.0,
                          stopping=StoppingRules(max_iter=30, tol_grad=1e-12)).build(
        objective, [0.5])
    descent.run()
    assert descent.status == "converged" and descent.step_count < 10


def test_newton_is_refused_for_mae_in_one_sentence() -> None:
    objective = ModelObjective("m*x + b", DATA, loss="mae")
    with pytest.raises(ValueError, match=r"^newton needs second derivatives, and the mae loss "
                                         r"has none: choose another optimizer or a squared loss"):
        RunSettings(optimizer="newton").build(objective, [0.0, 0.0])


def test_newton_is_refused_for_a_function_without_second_derivatives() -> None:
    objective = FunctionObjective.from_text("abs(x)")
    with pytest.raises(ValueError, match="this function has none"):
        RunSettings(optimizer="newton").build(objective, [1.0])


def test_inspect_step_gives_the_parabola_newton_jumped_to() -> None:
    from gdstudio.problems.inspect import inspect_step

    objective = FunctionObjective.from_text("x**4 - 3*x**2 + x")
    descent = RunSettings(optimizer="newton", learning_rate=1.0,
                          stopping=StoppingRules(max_iter=3)).build(objective, [2.0])
    descent.run()
    for k in range(3):
        model = inspect_step(descent, k).quadratic_model()
        assert model.stationary_point[0] == pytest.approx(descent.history.params[k + 1, 0],
                                                          rel=1e-14)
    with pytest.raises(IndexError, match="there is no step 4"):
        inspect_step(descent, 4)
