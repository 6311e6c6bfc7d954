"""``gdstudio.fit``: the tutorials' numbers, mini-batches, fixed parameters, convergence,
standardisation, data from CSV files, and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gdstudio
from gdstudio.api import FitRun, Run, fit
from gdstudio.io.csv_files import save_csv
from gdstudio.problems.dataset import Dataset, generate_dataset

TUTORIAL = {"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]}

# The intercept tutorial's printed table: b after each step, and the loss before it.
TUTORIAL_B = [
    9.1000, 8.2900, 7.5610, 6.9049, 6.3144, 5.7830, 5.3047, 4.8742, 4.4868, 4.1381,
    3.8243, 3.5419, 3.2877, 3.0589, 2.8530, 2.6677, 2.5009, 2.3509, 2.2158, 2.0942,
    1.9848, 1.8863, 1.7977, 1.7179, 1.6461, 1.5815, 1.5233, 1.4710, 1.4239, 1.3815,
]
TUTORIAL_LOSS = [
    405.00, 328.05, 265.72, 215.23, 174.34, 141.21, 114.38, 92.65, 75.05, 60.79,
    49.24, 39.88, 32.31, 26.17, 21.20, 17.17, 13.91, 11.26, 9.12, 7.39,
    5.99, 4.85, 3.93, 3.18, 2.58, 2.09, 1.69, 1.37, 1.11, 0.90,
]


# ------------------------------------------------------------------------ the tutorials
def test_intercept_tutorial_table() -> None:
    run = gdstudio.fit("m*x + b", TUTORIAL, start={"b": 10}, fixed={"m": 2}, loss="sse",
                       lr=0.01, max_iter=30)
    assert isinstance(run, Run)
    assert run.param_names == ("b",)
    assert run.iterations == 30
    assert str(run.status) == "max_iter"
    assert run.history.params[0, 0] == 10.0
    assert [f"{b:.4f}" for b in run.history.params[1:, 0]] == [f"{b:.4f}" for b in TUTORIAL_B]
    assert [f"{loss:.2f}" for loss in run.history.loss[:30]] == [
        f"{loss:.2f}" for loss in TUTORIAL_LOSS
    ]
    assert run.params["b"] == pytest.approx(1.3815, abs=5e-5)
    assert run.history.grad[0, 0] == 90.0  # the tutorial's first gradient_b


def test_intercept_tutorial_through_the_normal_equations_is_the_seed_loop() -> None:
    # The tutorial's own loop (the seed), run here row by row in numpy.
    x, y = np.array(TUTORIAL["x"], float), np.array(TUTORIAL["y"], float)
    b, seed_b, seed_loss, seed_grad = 10.0, [], [], []
    for _ in range(30):
        y_pred = 2 * x + b
        seed_loss.append(float(np.sum((y - y_pred) ** 2)))
        seed_grad.append(float(-2 * np.sum(y - y_pred)))
        b -= 0.01 * seed_grad[-1]
        seed_b.append(b)
    run = fit("m*x + b", TUTORIAL, start={"b": 10}, fixed={"m": 2}, loss="sse", lr=0.01,
              max_iter=30)
    assert run.objective.uses_normal_equations
    assert run.history.loss[0] == 405.0
    assert run.history.grad[0, 0] == 90.0
    np.testing.assert_allclose(run.history.params[1:, 0], seed_b, rtol=1e-12)
    np.testing.assert_allclose(run.history.loss[:30], seed_loss, rtol=1e-12)
    np.testing.assert_allclose(run.history.grad[:30, 0], seed_grad, rtol=1e-12)
    assert f"{run.params['b']:.4f}" == "1.3815"


def test_feature_matrix_tutorial_half_mse() -> None:
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 2.0, 3.0])
    # The tutorial's own loop, run here.
    design = np.array([[1, 1], [1, 2], [1, 3]], dtype=float)
    theta = np.array([0.1, 0.2])
    for _ in range(1000):
        errors = design.dot(theta) - y
        theta -= (0.01 / len(y)) * design.T.dot(errors)
    run = fit("t0 + t1*x", {"x": x, "y": y}, start={"t0": 0.1, "t1": 0.2}, loss="half_mse",
              lr=0.01, max_iter=1000)
    found = np.array([run.params["t0"], run.params["t1"]])
    np.testing.assert_allclose(found, theta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(found, [0.1137, 0.9500], atol=5e-5)


def test_slope_and_intercept_tutorial_mse() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([2.0, 4.0, 6.0, 8.0, 10.0])
    m, b, n = 0.0, 0.0, len(y)
    for _ in range(1000):
        error = (m * x + b) - y
        m_gradient = (2 / n) * np.dot(x, error)
        b_gradient = (2 / n) * np.sum(error)
        m -= 0.01 * m_gradient
        b -= 0.01 * b_gradient
    run = fit("m*x + b", {"x": x, "y": y}, start={"m": 0, "b": 0}, loss="mse", lr=0.01,
              max_iter=1000)
    assert run.params["m"] == pytest.approx(m, abs=1e-10)
    assert run.params["b"] == pytest.approx(b, abs=1e-10)
    assert run.params["m"] == pytest.approx(1.9952, abs=5e-5)
    assert run.params["b"] == pytest.approx(0.0174, abs=5e-5)


def test_start_defaults_to_zero() -> None:
    run = fit("m*x + b", TUTORIAL, max_iter=0)
    np.testing.assert_array_equal(run.history.params[0], [0.0, 0.0])
    assert run.loss == pytest.approx(np.mean(np.square(TUTORIAL["y"])))


# ------------------------------------------------------------------------ mini-batches
def test_mini_batches_are_deterministic_and_record_epochs() -> None:
    data = generate_dataset("2*x + 1", noise=0.3, n_points=10, x_range=(0, 3), seed=1)
    options = {"loss": "mse", "lr": 0.05, "max_iter": 40, "batch_size": 3}
    first = fit("m*x + b", data, seed=11, **options)
    again = fit("m*x + b", data, seed=11, **options)
    other = fit("m*x + b", data, seed=12, **options)
    np.testing.assert_array_equal(first.history.params, again.history.params)
    np.testing.assert_array_equal(first.history.loss, again.history.loss)
    assert not np.array_equal(first.history.params, other.history.params)
    # 10 rows in batches of 3: 4 steps per epoch (3 + 3 + 3 + 1).
    np.testing.assert_array_equal(first.history.epoch, np.arange(41) // 4)


def test_stochastic_descent_uses_one_row_per_step() -> None:
    run = fit("m*x + b", TUTORIAL, loss="sse", lr=0.01, max_iter=10, batch_size=1, seed=0)
    losses = run.history.loss
    # With one row, the SSE is one squared residual; at the start (0, 0) that is y_i².
    assert losses[0] in {1.0, 9.0, 25.0, 49.0, 81.0}
    np.testing.assert_array_equal(run.history.epoch, np.arange(11) // 5)


def test_full_batch_records_epoch_zero() -> None:
    run = fit("m*x + b", TUTORIAL, max_iter=5)
    np.testing.assert_array_equal(run.history.epoch, np.zeros(6))
    assert run.full_loss == run.loss


def test_full_loss_is_over_all_rows_after_mini_batches() -> None:
    run = fit("m*x + b", TUTORIAL, loss="mse", max_iter=7, batch_size=2, seed=1)
    residuals = run.params["m"] * np.array(TUTORIAL["x"]) + run.params["b"] - TUTORIAL["y"]
    assert run.full_loss == pytest.approx(np.mean(residuals**2))
    assert run.to_dict()["full_loss"] == pytest.approx(run.full_loss)


# ------------------------------------------------------------------------ convergence
def test_two_feature_model_converges_to_the_closed_form() -> None:
    generator = np.random.default_rng(3)
    x1 = generator.uniform(-1, 1, 200)
    x2 = generator.uniform(-1, 1, 200)
    y = 3 * x1 - 2 * x2 + 0.5 + generator.normal(0, 0.1, 200)
    run = fit("w1*x1 + w2*x2 + c", {"x1": x1, "x2": x2, "y": y}, loss="mse", lr=0.2,
              max_iter=5000, tol_step=1e-12)
    closed = run.objective.least_squares_solution()
    assert str(run.status) == "converged"
    assert run.params == pytest.approx(closed, abs=1e-9)
    assert closed == pytest.approx({"w1": 3, "w2": -2, "c": 0.5}, abs=0.05)


def test_nonlinear_model_converges() -> None:
    data = generate_dataset("3*exp(0.5*x)", noise=0.05, n_points=40, x_range=(0, 2), seed=2)
    run = fit("a*exp(k*x)", data, start={"a": 1, "k": 0}, loss="mse", lr=0.01,
              max_iter=20000, tol_step=1e-10)
    assert run.objective.least_squares_solution() is None
    assert run.params == pytest.approx({"a": 3.0, "k": 0.5}, abs=0.05)
    assert run.loss < 0.05**2 * 1.5


def test_fixed_parameter_stays_fixed() -> None:
    run = fit("a*exp(k*x)", generate_dataset("3*exp(0.5*x)", n_points=20, x_range=(0, 2)),
              fixed={"k": 0.5}, start={"a": 1}, loss="sse", lr=0.001, max_iter=3000)
    assert run.param_names == ("a",)
    assert run.params["a"] == pytest.approx(3.0, abs=1e-6)
    assert run.objective.least_squares_solution() == pytest.approx({"a": 3.0})


# ------------------------------------------------------------------------ standardisation
def test_standardisation_round_trip_to_original_units() -> None:
    generator = np.random.default_rng(5)
    x = generator.uniform(1000, 2000, 100)  # badly scaled: plain descent crawls here
    y = 0.02 * x - 7 + generator.normal(0, 0.5, 100)
    data = {"x": x, "y": y}
    closed = fit("m*x + b", data, max_iter=0).objective.least_squares_solution()
    run = fit("m*x + b", data, loss="mse", lr=0.1, max_iter=2000, standardize=True)
    assert isinstance(run, FitRun)
    assert run.params == pytest.approx(closed, rel=1e-9)
    assert run.standardization is not None
    assert run.standardization.means["x"] == pytest.approx(x.mean())
    assert run.standardization.stds["x"] == pytest.approx(x.std())
    assert run.history_names == ("b (standardised)", "m (standardised)")
    assert any("standardised" in line for line in run.notes)
    as_dict = run.to_dict()
    assert as_dict["standardization"]["means"]["x"] == pytest.approx(x.mean())
    assert as_dict["params"] == pytest.approx(closed, rel=1e-9)


def test_standardisation_is_off_by_default_and_start_is_in_original_units() -> None:
    run = fit("m*x + b", TUTORIAL, max_iter=0)
    assert run.standardization is None
    assert run.to_dict()["standardization"] is None
    scaled = fit("m*x + b", TUTORIAL, start={"m": 2, "b": 1}, standardize=True, max_iter=0)
    assert scaled.params == pytest.approx({"m": 2.0, "b": 1.0})
    assert scaled.loss == pytest.approx(0.0, abs=1e-24)


# ------------------------------------------------------------------------ data sources
def test_data_from_a_csv_path_or_a_dataset(tmp_path: Path) -> None:
    path = tmp_path / "tutorial.csv"
    save_csv(Dataset(TUTORIAL), path)
    options = {"start": {"b": 10}, "fixed": {"m": 2}, "loss": "sse", "lr": 0.01, "max_iter": 30}
    for data in (path, str(path), Dataset(TUTORIAL)):
        assert fit("m*x + b", data, **options).params["b"] == pytest.approx(1.3815, abs=5e-5)


def test_bad_csv_path_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="there is no file"):
        fit("m*x + b", tmp_path / "absent.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 2 \(line 3\), column 'y': 'oops' is not a number"):
        fit("m*x + b", bad)


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"target": "z"}, 'target must name a column of the data (x, y), not "z"'),
        ({"model": "m*x + b + y"}, "target y cannot appear in the model"),
        ({"model": "3*x"}, "model has no parameters to learn"),
        ({"fixed": {"k": 1}}, "fixed.k is not a parameter of the model"),
        ({"start": {"k": 1}}, "start.k is not a learnt parameter of the model"),
        ({"start": {"m": 1}, "fixed": {"m": 2}},
         "start.m is not a learnt parameter of the model (they are b)"),
        ({"loss": "l1"}, 'loss must be one of sse, mse, half_mse, mae, not "l1"'),
        ({"batch_size": 0}, "batch_size must be from 1"),
        ({"lr": -1}, "lr must be a positive number, not -1"),
        ({"momentum": 0.9}, "momentum does not apply to the gd optimizer"),
    ],
)
def test_fit_errors_say_what_is_wrong(arguments: dict, expected: str) -> None:
    model = arguments.pop("model", "m*x + b")
    with pytest.raises(ValueError) as caught:
        fit(model, TUTORIAL, **arguments)
    assert expected in str(caught.value)


def test_data_of_the_wrong_kind_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="data must be"):
        fit("m*x + b", [[0, 1], [1, 3]])
