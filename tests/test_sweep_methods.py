"""Sweeps of Newton's method and Armijo's line search equal single runs, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import gdstudio
from tests.test_sweep_api import DATA, ROSENBROCK, assert_equals_single_runs

QUARTIC = "x**4 - 3*x**2 + x"  # f'' = 12x² − 6 < 0 for |x| < 0.707: Newton falls back there


def each(value, runs: int, index: int):
    """Run ``index``'s value of a keyword given as one value or K."""
    return np.broadcast_to(np.asarray(value), (runs,))[index].item()


def single_descents(expression: str, starts: dict, runs: int, **keywords) -> list:
    return [gdstudio.descend(
        expression, {name: each(value, runs, k) for name, value in starts.items()},
        **{name: each(value, runs, k) for name, value in keywords.items()})
        for k in range(runs)]


def test_newton_lands_on_a_quadratics_minimum_in_one_step_from_every_start() -> None:
    starts = {"x": [0.0, 5.0, -2.0, 3.0], "y": [1.0, 2.0, 3.0, -1.0]}
    shared = {"optimizer": "newton", "max_iter": 20, "tol_grad": 1e-9}
    result = gdstudio.sweep("(x-3)**2 + 10*(y+1)**2", starts, **shared)
    assert result.learning_rates.tolist() == [1.0] * 4  # newton's default rate, as descend
    assert_equals_single_runs(result, single_descents("(x-3)**2 + 10*(y+1)**2", starts, 4,
                                                      **shared))
    # One step lands on (3, −1); the start already there stops at step 0.
    assert result.iterations.tolist() == [1, 1, 1, 0]
    assert np.array_equal(result.params, np.tile([3.0, -1.0], (4, 1)))
    assert result.engine.fallbacks.tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize("keywords", [
    {},
    {"lr": 0.5, "damping": [0.0, 1.0, 3.0] * 7},
])
def test_newton_on_a_quartic_falls_back_where_the_curvature_is_negative(keywords) -> None:
    starts = {"x": np.linspace(-2.0, 2.0, 21)}
    shared = {"optimizer": "newton", "max_iter": 60, "tol_step": 1e-10, **keywords}
    result = gdstudio.sweep(QUARTIC, starts, **shared)
    runs = single_descents(QUARTIC, starts, 21, **shared)
    assert_equals_single_runs(result, runs)
    for index, run in enumerate(runs):
        assert result.engine.fallbacks[index] == int(np.count_nonzero(
            run.history.fallback[: run.iterations]))
    falling_back = result.engine.fallbacks > 0
    assert falling_back.any() and not falling_back.all()
    assert "Newton's method took a gradient step instead" in result.reason(10)  # x = 0


def test_newton_falls_back_where_there_is_no_finite_hessian() -> None:
    # f' = 2x + 1.5·x^0.5 is 0 at x = 0 but f'' = 2 + 0.75·x^−0.5 is infinite there:
    # fallback 2 ("not available") at every update of the run from 0.
    starts = {"x": [0.0, 1.0]}
    shared = {"optimizer": "newton", "lr": 0.1, "max_iter": 3}
    result = gdstudio.sweep("x**2 + x**1.5", starts, **shared)
    assert_equals_single_runs(result, single_descents("x**2 + x**1.5", starts, 2, **shared))
    assert result.engine.fallback_unavailable.tolist() == [True, False]
    assert result.reason(0).endswith("at 3 of 3 updates (from step 0, 1, 2): there the "
                                     "Hessian was not positive definite or not available")


def test_newtons_basins_differ_from_gradient_descents() -> None:
    expression = "(x**2 - 1)**2 + (y**2 - 1)**2 + x*y"  # two minima, near (1, −1), (−1, 1)
    grid = np.linspace(-2.0, 2.0, 15)
    xs, ys = (axis.ravel() for axis in np.meshgrid(grid, grid))
    starts = {"x": xs, "y": ys}
    newton = gdstudio.sweep(expression, starts, optimizer="newton", max_iter=200,
                            tol_step=1e-10)
    gd = gdstudio.sweep(expression, starts, lr=0.01, max_iter=5000, tol_step=1e-10)
    assert (gd.status == "converged").all()
    both = newton.status == "converged"
    apart = np.linalg.norm(newton.params - gd.params, axis=1) > 0.1
    # Newton's basins are not GD's: some starts reach the other minimum (or run away
    # by its gradient-step fallback of rate 1, where the Hessian is indefinite).
    assert (both & apart).any()
    assert (newton.engine.fallbacks > 0).any()


@pytest.mark.parametrize("rates", [[0.001, 0.01, 0.1, 1.0, 10.0], [1.0, 1.0, 1.0]])
def test_armijo_on_rosenbrock_equals_single_runs(rates) -> None:
    runs = len(rates)
    starts = {"x": [-1.2, 0.5, 2.0, 0.0, 1.5][:runs], "y": [1.0, 0.2, 3.0, 0.0, -1.0][:runs]}
    shared = {"optimizer": "armijo", "lr": rates, "max_iter": 300, "tol_grad": 1e-6}
    result = gdstudio.sweep(ROSENBROCK, starts, **shared)
    assert_equals_single_runs(result, single_descents(ROSENBROCK, starts, runs, **shared))
    assert (result.iterations > 1).all()


def test_armijo_runs_whose_search_fails_stop_as_a_single_run_does() -> None:
    starts = {"x": [-1.2, 0.5, 2.0], "y": [1.0, 0.2, 3.0]}
    shared = {"optimizer": "armijo", "lr": 1.0, "max_backtracks": [0, 3, 30],
              "shrink": [0.5, 0.3, 0.9], "armijo_c": [1e-4, 0.1, 0.5], "max_iter": 300}
    result = gdstudio.sweep(ROSENBROCK, starts, **shared)
    assert_equals_single_runs(result, single_descents(ROSENBROCK, starts, 3, **shared))
    assert result.status.tolist() == ["stopped"] * 3
    assert "the line search at step 0 found no rate from α = 1 down to 1 (1 tries)" in (
        result.reason(0))


@pytest.mark.parametrize("optimizer", ["newton", "armijo"])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_data_sweeps_equal_fits(optimizer: str, batch_size: int | None) -> None:
    rates = [1.0, 0.5, 0.05] if optimizer == "newton" else [0.001, 0.05, 1.0]
    shared = {"optimizer": optimizer, "start": {"m": 0.0, "b": 1.0}, "max_iter": 100,
              "tol_step": 1e-10, "batch_size": batch_size, "seed": 2}
    result = gdstudio.sweep_fit("m*x + b", DATA, lr=rates, damping=[0.0, 0.1, 1.0]
                                if optimizer == "newton" else None, **shared)
    extra = [{"damping": d} for d in (0.0, 0.1, 1.0)] if optimizer == "newton" else [{}] * 3
    runs = [gdstudio.fit("m*x + b", DATA, lr=rate, **more, **shared)
            for rate, more in zip(rates, extra, strict=True)]
    assert_equals_single_runs(result, runs)


def test_a_nonlinear_data_newton_sweep_equals_fits() -> None:
    data = {"x": [0.0, 0.5, 1.0, 1.5, 2.0], "y": [1.0, 1.6, 2.8, 4.4, 7.5]}
    shared = {"optimizer": "newton", "max_iter": 50, "tol_step": 1e-12}
    starts = [0.8, 1.0, 1.2]
    result = gdstudio.sweep_fit("a*exp(b*x)", data, start={"a": starts, "b": 1.0}, **shared)
    runs = [gdstudio.fit("a*exp(b*x)", data, start={"a": a, "b": 1.0}, **shared)
            for a in starts]
    assert_equals_single_runs(result, runs)
    assert "converged" in result.status.tolist()


def test_run_sweep_varies_newton_and_armijo_hyperparameters() -> None:
    experiment = gdstudio.Experiment.function(QUARTIC, {"x": 1.5}, optimizer="armijo",
                                              max_iter=100, tol_step=1e-9)
    result = gdstudio.run_sweep(experiment, shrink=[0.2, 0.5, 0.8], max_backtracks=[5, 10, 20])
    assert result.hyperparameters["shrink"].tolist() == [0.2, 0.5, 0.8]
    assert result.hyperparameters["max_backtracks"].tolist() == [5.0, 10.0, 20.0]
    runs = [gdstudio.descend(QUARTIC, {"x": 1.5}, optimizer="armijo", max_iter=100,
                             tol_step=1e-9, shrink=s, max_backtracks=b)
            for s, b in ((0.2, 5), (0.5, 10), (0.8, 20))]
    assert_equals_single_runs(result, runs)


@pytest.mark.parametrize(("keywords", "message"), [
    ({"optimizer": "newton", "damping": [0.0, -1.0]},
     r"damping must be at least 0, not -1\.0 \(run 1\)"),
    ({"optimizer": "armijo", "armijo_c": [0.5, 1.0]},
     r"armijo_c must be above 0 and below 1, not 1\.0 \(run 1\)"),
    ({"optimizer": "armijo", "shrink": [0.5, 0.0]},
     r"shrink must be above 0 and below 1, not 0\.0 \(run 1\)"),
    ({"optimizer": "armijo", "max_backtracks": [2, 2.5]},
     r"max_backtracks must be a whole number from 0 to 60, not 2\.5 \(run 1\)"),
    ({"optimizer": "armijo", "max_backtracks": [2, 61]}, r"max_backtracks must be a whole"),
    ({"optimizer": "armijo", "shrink": [1.5, 0.5]}, r"shrink must be above 0 and below 1"),
    ({"optimizer": "gd", "damping": 0.5}, r"damping does not apply to the gd optimizer"),
])
def test_bad_newton_and_armijo_values_are_refused_in_one_sentence(keywords, message) -> None:
    with pytest.raises(ValueError, match=message) as error:
        gdstudio.sweep("x**2", {"x": [1.0, 2.0]}, max_iter=5, **keywords)
    assert "\n" not in str(error.value)


def test_a_near_tie_of_the_armijo_test_is_decided_with_the_single_runs_sum() -> None:
    from gdstudio.engine.sweep_probes import _accepted

    grad = np.array([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]])
    loss, factor = np.array([1.0, 1.0]), np.array([0.5, 0.5])
    exact = 1.0 - 0.5 * float(grad[0] @ grad[0])  # the bound a single run computes
    values = np.array([exact, np.nextafter(exact, 2.0)])
    # Bounds off by one unit in the last place, the other way: decided again exactly.
    bound = np.array([np.nextafter(exact, 0.0), np.nextafter(exact, 2.0)])
    assert _accepted(values, bound, loss, factor, grad).tolist() == [True, False]
    far = np.array([exact - 0.1, exact + 0.1])  # no tie: the fast test stands
    assert _accepted(far, np.full(2, exact), loss, factor, grad).tolist() == [True, False]
