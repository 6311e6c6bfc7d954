"""The scripting API reproduces the first tutorial and explains bad input."""

import math
import re

import numpy as np
import pytest

import gdstudio
from gdstudio.engine.stopping import Status


def test_tutorial_with_precision_stops_after_40_updates() -> None:
    run = gdstudio.descend("x**2", start={"x": 3}, lr=0.1, max_iter=100, tol_step=1e-4)
    assert run.status == "converged" and run.status is Status.CONVERGED
    assert run.iterations == 40
    assert run.param_names == ("x",)
    assert run.params["x"] == pytest.approx(3 * 0.8**40, rel=1e-12)
    assert run.params["x"] == pytest.approx(0.000398, abs=1e-6)
    assert run.history.params.shape == (41, 1)
    np.testing.assert_allclose(run.history.params[:, 0], 3 * 0.8 ** np.arange(41), rtol=1e-12)
    np.testing.assert_allclose(run.history.loss, (3 * 0.8 ** np.arange(41)) ** 2, rtol=1e-12)
    np.testing.assert_allclose(run.history.grad[:, 0], 6 * 0.8 ** np.arange(41), rtol=1e-12)
    np.testing.assert_allclose(run.history.lr[:40], 0.1)


def test_tutorial_without_precision_makes_100_updates() -> None:
    run = gdstudio.descend("x**2", start={"x": 3}, lr=0.1, max_iter=100)
    assert (run.status, run.iterations) == ("max_iter", 100)
    assert run.params["x"] == pytest.approx(3 * 0.8**100, rel=1e-12)
    assert run.gradient["x"] == pytest.approx(6 * 0.8**100, rel=1e-12)


def test_two_variables_with_adam_and_a_schedule() -> None:
    run = gdstudio.descend("(x-3)**2 + 10*(y+1)**2", start={"x": 0, "y": 0}, lr=0.1,
                           optimizer="adam", beta1=0.8, schedule={"kind": "cosine",
                                                                   "period": 2000},
                           max_iter=3000, tol_grad=1e-8)
    assert run.param_names == ("x", "y")
    assert run.params["x"] == pytest.approx(3, abs=1e-6)
    assert run.params["y"] == pytest.approx(-1, abs=1e-6)
    assert run.descent.optimizer.hyperparameters["beta1"] == 0.8


def test_first_adam_step_through_the_api_moves_by_the_rate() -> None:
    run = gdstudio.descend("x**2 + y**2", start={"x": 1, "y": -2}, lr=0.1, optimizer="adam",
                           max_iter=1)
    np.testing.assert_allclose(run.history.params[1], [0.9, -1.9], atol=1e-7)


def test_a_bare_number_is_a_start_for_one_variable() -> None:
    assert gdstudio.descend("(x-1)**2", start=5, max_iter=500, tol_step=1e-9).params["x"] == (
        pytest.approx(1, abs=1e-7))


def test_diverging_run_says_why() -> None:
    run = gdstudio.descend("x**2", start={"x": 3}, lr=1.5, max_iter=10**6)
    assert run.status == "diverged"
    assert "α = 1.5 is above the stable limit 2/λmax = 1 here" in run.message


def test_to_dict_has_json_friendly_values() -> None:
    data = gdstudio.descend("x**2", start={"x": 3}, max_iter=2).to_dict()
    assert data["status"] == "max_iter" and data["iterations"] == 2
    assert data["history"]["lr"] == [0.1, 0.1, None]
    assert data["param_names"] == ["x"] and len(data["history"]["params"]) == 3


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"start": {}}, "missing x"),
        ({"start": {"x": 1, "z": 2}}, "start.z is not a variable of the expression"),
        ({"start": {"x": "a"}}, 'start.x must be a finite number, not "a"'),
        ({"start": {"x": "3"}}, 'start.x must be a finite number, not "3"'),
        ({"start": {"x": True}}, "start.x must be a finite number, not true"),
        ({"start": True}, "start.x must be a finite number, not true"),
        ({"start": {"x": float("inf")}}, "start.x must be a finite number, not Infinity"),
        ({"start": {"x": 1}, "lr": -1}, "lr must be a positive number, not -1"),
        ({"start": {"x": 1}, "lr": True}, "lr must be a positive number, not true"),
        ({"start": {"x": 1}, "lr": "0.1"}, 'lr must be a positive number, not "0.1"'),
        ({"start": {"x": 1}, "max_iter": 2.5}, "max_iter must be a whole number, not 2.5"),
        ({"start": {"x": 1}, "max_iter": 10**12}, "max_iter must be at most 50,000,000"),
        ({"start": {"x": 1}, "optimizer": "lbfgs"}, "optimizer must be one of gd, momentum"),
        ({"start": {"x": 1}, "momentum": 0.5}, "momentum does not apply to the gd optimizer"),
        ({"start": {"x": 1}, "optimizer": "adam", "beta1": 1.5}, "beta1 must be"),
        ({"start": {"x": 1}, "schedule": {"kind": "sometimes"}}, "unknown schedule"),
        ({"start": {"x": 1}, "max_iter": -3}, "max_iter"),
        ({"start": {"x": 1}, "tol_step": 0}, "tol_step"),
    ],
)
def test_bad_arguments_raise_value_errors_that_name_the_problem(kwargs, words) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        gdstudio.descend("x**2", **kwargs)


HUGE = 10**500  # more than a float holds: float(HUGE) raises OverflowError


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"lr": HUGE}, "lr must be a positive number, not a number with 501 digits"),
        ({"lr": -HUGE}, "lr must be a positive number, not a number with 501 digits"),
        ({"start": HUGE}, "start.x must be a finite number, not a number with 501 digits"),
        ({"start": {"x": -HUGE}}, "start.x must be a finite number, not a number with 501"),
        ({"max_iter": HUGE}, "max_iter must be at most 50,000,000"),
        ({"tol_step": HUGE}, "tol_step must be a positive number, not a number with 501"),
        ({"tol_grad": HUGE}, "tol_grad must be a positive number, not a number with 501"),
        ({"tol_loss": HUGE}, "tol_loss must be a positive number, not a number with 501"),
        ({"optimizer": "momentum", "momentum": HUGE}, "momentum must be a finite number"),
        ({"optimizer": "adam", "beta2": HUGE}, "beta2 must be a finite number"),
        ({"optimizer": "adam", "eps": HUGE}, "eps must be a finite number"),
        ({"schedule": {"kind": "exponential", "gamma": HUGE}},
         "schedule.gamma must be a finite number, not a number with 501 digits"),
        ({"schedule": {"kind": "step", "gamma": 0.5, "step_size": HUGE}},
         "schedule.step_size must be a finite number, not a number with 501 digits"),
    ],
)
def test_huge_integers_are_one_value_error_not_an_overflow(kwargs, words) -> None:
    with pytest.raises(ValueError, match=re.escape(words)) as error:
        gdstudio.descend("x**2", **({"start": 3} | kwargs))
    assert not isinstance(error.value, OverflowError) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"lr": HUGE}, "lr must be a positive number, not a number with 501 digits"),
        ({"batch_size": HUGE}, "batch_size must be from 1 to 1,000,000,000"),
        ({"seed": HUGE}, "seed must be from 0 to"),
        ({"fixed": {"b": HUGE}}, "fixed.b must be a finite number, not a number with 501"),
        ({"data": {"x": [1, 2, HUGE], "y": [1.0, 2.0, 3.0]}},
         "row 3, column 'x': a number with 501 digits is too large"),
    ],
)
def test_huge_integers_in_a_fit_are_one_value_error(kwargs, words) -> None:
    arguments = {"data": {"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.0]}} | kwargs
    data = arguments.pop("data")
    with pytest.raises(ValueError, match=re.escape(words)):
        gdstudio.fit("m*x + b", data, **arguments)


def test_two_variables_need_a_mapping() -> None:
    with pytest.raises(ValueError, match="mapping of x, y"):
        gdstudio.descend("x*y", start=1)


def test_bad_expression_raises_expression_error() -> None:
    with pytest.raises(gdstudio.ExpressionError) as caught:
        gdstudio.descend("x**2 +", start={"x": 1})
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("max_iter", "words"),
    [
        (10**12, "max_iter must be at most 50,000,000 (every step is kept in memory)"),
        (float("inf"), "max_iter must be at most 50,000,000"),
        (10**18, "at most 50,000,000"),
    ],
    ids=["1e12", "inf", "1e18"],
)
def test_runs_that_cannot_fit_are_refused_before_anything_is_compiled(
    monkeypatch: pytest.MonkeyPatch, max_iter, words
) -> None:
    from gdstudio.problems import function

    def never(*args, **kwargs):
        raise AssertionError("the expression was compiled")

    monkeypatch.setattr(function.FunctionObjective, "from_text", never)
    with pytest.raises(ValueError) as caught:
        gdstudio.descend("x**2", start={"x": 3}, max_iter=max_iter)
    assert isinstance(caught.value, ValueError) and words in str(caught.value)
    with pytest.raises(ValueError, match="max_iter"):
        gdstudio.fit("m*x + b", {"x": [0, 1], "y": [1, 3]}, max_iter=max_iter)


def test_a_run_whose_history_would_not_fit_in_memory_is_refused() -> None:
    from gdstudio.engine import make_optimizer
    from gdstudio.engine.limits import max_steps

    names = " + ".join(f"w{i}**2" for i in range(30))
    limit = max_steps(30, make_optimizer("adam"))
    with pytest.raises(ValueError, match=f"may make at most {limit:,} steps"):
        gdstudio.descend(names, start={f"w{i}": 1 for i in range(30)}, optimizer="adam",
                         max_iter=limit + 1)


@pytest.mark.parametrize("expression", ["5", "pi*2"])
@pytest.mark.parametrize("start", [{}, 3, {"x": 1}], ids=["empty", "number", "mapping"])
def test_a_constant_function_has_no_variable_to_descend_on(expression: str, start) -> None:
    with pytest.raises(gdstudio.ExpressionError) as caught:
        gdstudio.descend(expression, start=start)
    assert str(caught.value) == "the function has no variable to descend on"
@pytest.mark.parametrize(("expression", "rate", "options", "limit"), [
    ("x**2", 1.05, {}, "2/λmax = 1 here"),
    ("5*x**2", 0.21, {}, "2/λmax = 0.2 here"),
    ("5*x**2", 0.39, {"optimizer": "momentum", "momentum": 0.9}, "2(1+μ)/λmax = 0.38 here"),
    ("5*x**2", 0.14, {"optimizer": "nesterov", "momentum": 0.9},
     "2(1+μ)/((1+2μ)λmax) = 0.136 here"),
])
def test_divergence_is_caught_early_with_its_limit(expression, rate, options, limit) -> None:
    run = gdstudio.descend(expression, start={"x": 3}, lr=rate, max_iter=100, **options)
    assert run.status == "diverged" and run.iterations < 10
    assert f"α = {rate:g} is above the stable limit {limit}" in run.message


def test_no_alarm_while_oscillating_towards_the_minimum() -> None:
    run = gdstudio.descend("x**2", start={"x": 3}, lr=0.95, max_iter=100)
    assert run.status == "max_iter" and run.message == "reached the maximum of 100 steps"
    tutorial = gdstudio.descend("x**2", start={"x": 3}, lr=0.1, max_iter=100, tol_step=1e-4)
    assert tutorial.iterations == 40 and tutorial.params["x"] == pytest.approx(0.000398768, 1e-6)


def test_adaptive_optimizers_are_not_given_a_limit() -> None:
    run = gdstudio.descend("x**2", start={"x": 3}, lr=0.5, optimizer="adam", max_iter=300)
    assert run.status != "diverged"
    assert "λmax" not in run.message


def test_step_limit_far_from_converged_says_so() -> None:
    run = gdstudio.descend("x**2", start={"x": 3}, lr=0.01, max_iter=100)
    assert run.message == "not converged: the slope is still 0.8 after 100 steps"
    two = gdstudio.descend("x**2 + y**2", start={"x": 3, "y": 4}, lr=0.001, max_iter=10)
    assert two.message == "not converged: the gradient's size is still 9.8 after 10 steps"


def test_stable_lr() -> None:
    assert gdstudio.stable_lr("5*x**2", 3) == 0.2
    assert gdstudio.stable_lr("5*x**2", {"x": 3}, optimizer="momentum", momentum=0.9) == 0.38
    assert gdstudio.stable_lr("(x-3)**2 + 10*(y+1)**2", {"x": 0, "y": 0}) == 0.1
    assert gdstudio.stable_lr("-x**2", 1) == math.inf
    assert gdstudio.stable_lr("abs(x)", 1) is None
    assert gdstudio.stable_lr("x**2", 1, optimizer="adam") is None


BEALE = "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"
ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"


@pytest.mark.parametrize(("expression", "start", "options"), [
    # A brief swing through a steep valley, above the local limit, on the way down.
    (BEALE, {"x": 1, "y": 1}, {"lr": 0.03, "optimizer": "nesterov", "momentum": 0.9}),
    # Adaptive steps are bounded: a loss that climbs back from 1e-45 is no blow-up.
    ("x**2", {"x": 3}, {"lr": 1.0, "optimizer": "rmsprop"}),
    (ROSENBROCK, {"x": -1.5, "y": 2}, {"lr": 1.0, "optimizer": "adam"}),
    ("x**2 - y**2", {"x": 1, "y": 1e-6}, {"lr": 0.1}),  # falls without bound instead
])
def test_no_false_alarm(expression: str, start: dict, options: dict) -> None:
    run = gdstudio.descend(expression, start, max_iter=3000, **options)
    assert "overshoots" not in run.message and "rose at each" not in run.message
