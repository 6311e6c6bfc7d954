"""The scripting API reproduces the first tutorial and explains bad input."""

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
        ({"start": {"x": 1, "z": 2}}, "names z"),
        ({"start": {"x": "a"}}, "must be a number"),
        ({"start": {"x": float("inf")}}, "must be finite"),
        ({"start": {"x": 1}, "lr": -1}, "learning rate"),
        ({"start": {"x": 1}, "optimizer": "lbfgs"}, "unknown optimizer"),
        ({"start": {"x": 1}, "momentum": 0.5}, "momentum does not apply to the gd optimizer"),
        ({"start": {"x": 1}, "optimizer": "adam", "beta1": 1.5}, "beta1 must be"),
        ({"start": {"x": 1}, "schedule": {"kind": "sometimes"}}, "unknown schedule"),
        ({"start": {"x": 1}, "max_iter": -3}, "max_iter"),
        ({"start": {"x": 1}, "tol_step": 0}, "tol_step"),
    ],
)
def test_bad_arguments_raise_value_errors_that_name_the_problem(kwargs, words) -> None:
    with pytest.raises(ValueError, match=words):
        gdstudio.descend("x**2", **kwargs)


def test_two_variables_need_a_mapping() -> None:
    with pytest.raises(ValueError, match="mapping of x, y"):
        gdstudio.descend("x*y", start=1)


def test_bad_expression_raises_expression_error() -> None:
    with pytest.raises(gdstudio.ExpressionError) as caught:
        gdstudio.descend("x**2 +", start={"x": 1})
    assert isinstance(caught.value, ValueError)
