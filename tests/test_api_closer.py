"""The API's second-order view: inspect_point, stable_lr, Newton's method and the line
search through descend, fit, run and Experiment."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import gdstudio
from gdstudio.problems.experiment import Experiment

DATA = {"x": [0, 1, 2, 3, 4], "y": [1.0, 3.5, 5.0, 7.2, 9.0]}


def test_inspect_point_classifies_a_saddle_in_words() -> None:
    result = gdstudio.inspect_point("x**2 - y**2", {"x": 0, "y": 0})
    assert isinstance(result, gdstudio.PointInspection)
    assert result.kind == "saddle" and result.eigenvalues.tolist() == [-2.0, 2.0]
    assert result.eigenvectors.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert result.description == "a saddle: downhill along (0, 1), uphill along (1, 0)"
    assert result.value == 0.0 and result.gradient.tolist() == [0.0, 0.0]


@pytest.mark.parametrize(("expr", "point", "kind"), [
    ("(x-1)**2 + (y+2)**2", {"x": 1, "y": -2}, "minimum"),
    ("-(x**2) - y**2", {"x": 0, "y": 0}, "maximum"),
    ("x**3 + y**2", {"x": 0, "y": 0}, "degenerate"),
    ("cos(x)", math.pi, "minimum"),
])
def test_inspect_point_kinds(expr, point, kind) -> None:
    assert gdstudio.inspect_point(expr, point).kind == kind


@pytest.mark.parametrize(("expr", "point", "words"), [
    ("x**2", {"y": 1}, "point is missing x"),
    ("x**2 + y", 3, "point must be a mapping of x, y to numbers"),
    ("x**", 1, "the expression ends with '**'"),
    ("abs(x)", 0, "has no second derivative at x = 0"),
    ("sqrt(x)", -4, "not defined at x = -4"),
])
def test_inspect_point_bad_input_is_one_sentence(expr, point, words) -> None:
    with pytest.raises(ValueError, match=re.escape(words)) as caught:
        gdstudio.inspect_point(expr, point)
    assert "\n" not in str(caught.value)


def test_stable_lr_numbers_of_the_issue() -> None:
    assert gdstudio.stable_lr("5*x**2", 3) == 0.2
    assert gdstudio.stable_lr("5*x**2", 3, optimizer="momentum", momentum=0.9) == 0.38
    # Nesterov: 2(1 + μ)/((1 + 2μ)λmax) = 3.8/(2.8·10).
    assert gdstudio.stable_lr("5*x**2", 3, optimizer="nesterov", momentum=0.9) == \
        pytest.approx(3.8 / 28, rel=1e-12)
    assert gdstudio.stable_lr("-x**2", 1) == math.inf
    assert gdstudio.stable_lr("x**2 - y**2", {"x": 1, "y": 1}) == 1.0  # λmax = 2
    assert gdstudio.stable_lr("5*x**2", 3, optimizer="newton") is None
    assert gdstudio.stable_lr("5*x**2", 3, optimizer="armijo") is None


def test_newton_defaults_to_the_full_step() -> None:
    run = gdstudio.descend("x**4 - 3*x**2 + x", 2, optimizer="newton", max_iter=1)
    assert run.experiment.settings.learning_rate == 1.0
    assert run.history.params[1, 0] == 1.5
    assert Experiment.function("x**2", 1).settings.learning_rate == 0.1
    assert Experiment.data(DATA, "m*x + b").settings.learning_rate == 0.01
    assert Experiment.data(DATA, "m*x + b", optimizer="newton").settings.learning_rate == 1.0
    assert Experiment.function("x**2", 1, optimizer="newton", lr=0.3).settings.learning_rate \
        == 0.3


def test_replacing_the_optimizer_keeps_the_chosen_rate() -> None:
    experiment = Experiment.function("x**2", 1, lr=0.2)
    assert experiment.replace(optimizer="newton").settings.learning_rate == 0.2


def test_newton_fits_a_line_in_one_step() -> None:
    run = gdstudio.fit("m*x + b", DATA, optimizer="newton", loss="mse", max_iter=1)
    answer = run.objective.least_squares_solution()
    assert run.params == pytest.approx(answer, rel=1e-12)


def test_newton_refuses_mae_in_one_sentence() -> None:
    with pytest.raises(ValueError, match="the mae loss has none"):
        gdstudio.fit("m*x + b", DATA, optimizer="newton", loss="mae")


def test_the_fallback_is_in_the_run_message() -> None:
    run = gdstudio.descend("x**2 - y**2", {"x": 1, "y": 1}, optimizer="newton", lr=0.1,
                           max_iter=4)
    assert run.message.endswith("Newton's method took a gradient step instead at 4 of 4 "
                                "updates (from step 0, 1, 2, 3): there the Hessian was not "
                                "positive definite")
    assert run.to_dict()["history"]["fallback"] == [1, 1, 1, 1, 0]


def test_armijo_through_the_api() -> None:
    run = gdstudio.descend("(1-x)**2 + 100*(y-x**2)**2", {"x": -1.5, "y": 2}, lr=1,
                           optimizer="armijo", armijo_c=0.3, shrink=0.25, max_backtracks=12,
                           max_iter=50)
    settings = run.experiment.settings
    assert settings.hyperparameters == {"armijo_c": 0.3, "shrink": 0.25, "max_backtracks": 12}
    history = run.history
    for k in range(run.iterations):
        rates, losses, accepted = history.trials(k)
        assert rates[accepted] == history.lr[k]
        squared = history.grad[k] @ history.grad[k]
        assert losses[accepted] <= history.loss[k] - 0.3 * history.lr[k] * squared
    data = run.to_dict()["history"]
    assert data["trials_lr"][0] == history.trials(0)[0].tolist()
    assert data["trials_lr"][-1] == []


@pytest.mark.parametrize(("options", "words"), [
    ({"optimizer": "armijo", "armijo_c": 1.5}, "armijo_c must be above 0 and below 1"),
    ({"optimizer": "armijo", "shrink": 0}, "shrink must be above 0 and below 1"),
    ({"optimizer": "armijo", "max_backtracks": 61}, "max_backtracks must be a whole number"),
    ({"optimizer": "newton", "damping": -1}, "damping must be at least 0"),
    ({"optimizer": "gd", "damping": 1}, "does not apply to the gd optimizer"),
])
def test_bad_hyperparameters_are_one_sentence(options, words) -> None:
    with pytest.raises(ValueError, match=words):
        gdstudio.descend("x**2", 1, **options)


def test_the_tutorial_numbers_do_not_change() -> None:
    run = gdstudio.descend("x**2", {"x": 3}, lr=0.1, max_iter=100, tol_step=1e-4)
    assert run.iterations == 40 and run.params["x"] == pytest.approx(0.000398768, abs=1e-9)
    run = gdstudio.fit("m*x + b", {"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]},
                       start={"b": 10}, fixed={"m": 2}, loss="sse", lr=0.01, max_iter=30)
    assert round(run.params["b"], 4) == 1.3815
    np.testing.assert_array_equal(run.history.fallback, 0)
