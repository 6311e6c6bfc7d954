"""Model objectives: names sorted into features and parameters, losses, gradients, batches,
fixed parameters, the closed-form least squares and feature standardisation."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.engine import Objective
from gdstudio.problems.dataset import Dataset, generate_dataset
from gdstudio.problems.losses import LOSSES, check_loss
from gdstudio.problems.models import ModelObjective

TUTORIAL = Dataset({"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]})


def noisy_data(rows: int = 40, seed: int = 0) -> Dataset:
    generator = np.random.default_rng(seed)
    x1 = generator.uniform(-2, 3, rows)
    x2 = generator.uniform(0, 5, rows)
    y = 1.5 * x1 - 0.5 * x2 + 2 + generator.normal(0, 0.3, rows)
    return Dataset({"x1": x1, "x2": x2, "x": x1 / 2, "y": y})


def finite_difference(objective: ModelObjective, params: np.ndarray,
                      batch: np.ndarray | None = None, step: float = 1e-6) -> np.ndarray:
    grad = np.empty_like(params)
    for index in range(params.size):
        shift = np.zeros_like(params)
        shift[index] = step
        plus = objective.value_and_grad(params + shift, batch)[0]
        minus = objective.value_and_grad(params - shift, batch)[0]
        grad[index] = (plus - minus) / (2 * step)
    return grad


# ------------------------------------------------------------------------ names
def test_columns_are_features_and_other_names_parameters() -> None:
    objective = ModelObjective("w1*x1 + w2*x2 + c", noisy_data())
    assert isinstance(objective, Objective)
    assert objective.features == ("x1", "x2")
    assert objective.param_names == ("c", "w1", "w2")
    assert objective.n_samples == 40
    assert objective.target == "y"
    assert objective.linear_in_parameters


def test_fixed_parameters_are_not_learnt() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL, loss="sse", fixed={"m": 2})
    assert objective.param_names == ("b",)
    assert objective.fixed == {"m": 2.0}
    loss, grad = objective.value_and_grad(np.array([10.0]))
    assert loss == 405.0
    np.testing.assert_array_equal(grad, [90.0])  # the tutorial's gradient_b


def test_another_target_column() -> None:
    data = Dataset({"y": [0, 1, 2], "z": [1, 3, 5]})
    objective = ModelObjective("m*y + b", data, target="z", loss="sse")
    assert objective.features == ("y",)
    assert objective.least_squares_solution() == pytest.approx({"b": 1.0, "m": 2.0})


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"model": "m*x + b", "target": "z"}, "the data has no column 'z' to predict"),
        ({"model": "m*x + b + y"}, "the target column y cannot appear in the model"),
        ({"model": "2*x"}, "the model has no parameters to learn"),
        ({"model": "m*x + b", "fixed": {"k": 1}}, "cannot fix k: it is not a parameter"),
        ({"model": "m*x + b", "fixed": {"x": 1}}, "cannot fix x: it is a column of the data"),
        ({"model": "m*x + b", "fixed": {"m": "two"}}, "fixed value of m must be a number"),
        ({"model": "m*x + b", "fixed": {"m": 1, "b": 2}}, "every parameter of the model is fixed"),
        ({"model": "m*x + b", "loss": "huber"}, "unknown loss 'huber'"),
        ({"model": "m*x +"}, ""),
    ],
)
def test_bad_models_are_refused_clearly(arguments: dict, expected: str) -> None:
    with pytest.raises(ValueError) as caught:
        ModelObjective(data=TUTORIAL, **arguments)
    assert expected in str(caught.value)


def test_start_point_defaults_to_zero_and_refuses_unknown_names() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL, fixed={"m": 2})
    np.testing.assert_array_equal(objective.start_point(), [0.0])
    np.testing.assert_array_equal(objective.start_point({"b": 10}), [10.0])
    with pytest.raises(ValueError, match="z is not a parameter of the model"):
        objective.start_point({"z": 1})
    with pytest.raises(ValueError, match="m is fixed at 2"):
        objective.start_point({"m": 1})
    with pytest.raises(ValueError, match="x is a column of the data"):
        objective.start_point({"x": 1})
    with pytest.raises(ValueError, match="start value of b must be finite"):
        objective.start_point({"b": float("inf")})


# ------------------------------------------------------------------------ losses
def test_loss_names() -> None:
    assert LOSSES == ("sse", "mse", "half_mse", "mae")
    assert check_loss(" Half-MSE ") == "half_mse"


@pytest.mark.parametrize(
    ("loss", "expected"),
    [("sse", 13.0), ("mse", 13.0 / 5), ("half_mse", 13.0 / 10), ("mae", 5.0 / 5)],
)
def test_loss_values(loss: str, expected: float) -> None:
    # residuals at m = 2, b = 1 plus an offset: r = prediction − target
    data = Dataset({"x": [0, 1, 2, 3, 4], "y": [1, 6, 3, 7, 9]})
    objective = ModelObjective("m*x + b", data, loss=loss)
    value, _ = objective.value_and_grad(np.array([1.0, 2.0]))
    assert value == pytest.approx(expected)
    np.testing.assert_allclose(objective.residuals(np.array([1.0, 2.0])), [0, -3, 2, 0, 0])


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("w1*x1 + w2*x2 + c", [0.3, -0.7, 1.1]),
        ("w0 + w1*x + w2*x**2", [0.5, 1.2, -0.4]),
        ("a*exp(k*x1) + c*sin(x2)", [1.3, 0.2, 0.4]),
    ],
)
def test_gradients_match_finite_differences(loss: str, model: str, params: list[float]) -> None:
    objective = ModelObjective(model, noisy_data(), loss=loss)
    point = np.array(params)
    _, grad = objective.value_and_grad(point)
    np.testing.assert_allclose(grad, finite_difference(objective, point), rtol=1e-5, atol=1e-6)
    batch = np.array([3, 17, 5, 30, 8])
    _, batch_grad = objective.value_and_grad(point, batch)
    np.testing.assert_allclose(batch_grad, finite_difference(objective, point, batch),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
def test_a_batch_loss_is_the_loss_on_the_batch_rows(loss: str) -> None:
    data = noisy_data()
    batch = np.array([7, 2, 29, 11])
    subset = Dataset({name: data[name][batch] for name in data.names})
    params = np.array([0.4, 1.1, -0.3])
    for model in ("w1*x1 + w2*x2 + c", "c*exp(w1*x1/5) + w2*x2"):
        on_batch = ModelObjective(model, data, loss=loss).value_and_grad(params, batch)
        on_subset = ModelObjective(model, subset, loss=loss).value_and_grad(params)
        assert on_batch[0] == pytest.approx(on_subset[0], rel=1e-13)
        np.testing.assert_allclose(on_batch[1], on_subset[1], rtol=1e-12)


def test_linear_model_matches_its_formula_by_hand() -> None:
    data = noisy_data()
    objective = ModelObjective("w0 + w1*x + w2*x**2", data, loss="half_mse")
    w0, w1, w2 = 0.4, 1.1, -0.3
    x, y = data["x"], data["y"]
    residuals = w0 + w1 * x + w2 * x**2 - y
    loss, grad = objective.value_and_grad(np.array([w0, w1, w2]))
    assert loss == pytest.approx(residuals @ residuals / 80, rel=1e-14)
    expected = np.array([residuals.sum(), x @ residuals, x**2 @ residuals]) / 40
    np.testing.assert_allclose(grad, expected, rtol=1e-13)


def test_gradient_is_a_new_array_each_call() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL)
    first = objective.value_and_grad(np.array([0.0, 0.0]))[1]
    second = objective.value_and_grad(np.array([1.0, 1.0]))[1]
    assert first is not second
    np.testing.assert_allclose(first, [-10.0, -28.0])


def test_prediction_that_shares_a_derivative_is_not_overwritten() -> None:
    # d/db exp(b + x) is the prediction itself: the residuals must not overwrite it.
    data = Dataset({"x": [0.0, 0.5, 1.0], "y": [1.0, 2.0, 2.5]})
    objective = ModelObjective("exp(b + x)", data, loss="sse")
    point = np.array([0.1])
    np.testing.assert_allclose(objective.value_and_grad(point)[1],
                               finite_difference(objective, point), rtol=1e-6)


def test_model_without_features_fits_the_mean() -> None:
    objective = ModelObjective("c", TUTORIAL, loss="mse")
    assert objective.features == ()
    assert objective.least_squares_solution() == pytest.approx({"c": 5.0})
    np.testing.assert_array_equal(objective.predict(np.array([2.0])), [2.0] * 5)


# ------------------------------------------------------------------------ least squares
def test_least_squares_solution_matches_numpy() -> None:
    data = noisy_data()
    objective = ModelObjective("w1*x1 + w2*x2 + c", data, loss="sse")
    design = np.column_stack([np.ones(40), data["x1"], data["x2"]])
    expected = np.linalg.lstsq(design, data["y"], rcond=None)[0]
    solution = objective.least_squares_solution()
    assert list(solution) == ["c", "w1", "w2"]
    np.testing.assert_allclose(list(solution.values()), expected, rtol=1e-12)


def test_least_squares_moves_fixed_parameters_to_the_target_side() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL, loss="sse", fixed={"m": 1.5})
    # b = mean(y − 1.5 x) = 5 − 3
    assert objective.least_squares_solution() == pytest.approx({"b": 2.0})
    curved = ModelObjective("a*exp(k*x)", TUTORIAL, fixed={"k": 0.5})
    weights = np.exp(0.5 * TUTORIAL["x"])
    expected = (weights @ TUTORIAL["y"]) / (weights @ weights)
    assert curved.linear_in_parameters
    assert curved.least_squares_solution() == pytest.approx({"a": expected})


def test_least_squares_is_unavailable_when_it_does_not_apply() -> None:
    assert ModelObjective("m*x + b", TUTORIAL, loss="mae").least_squares_solution() is None
    nonlinear = ModelObjective("a*exp(k*x)", TUTORIAL)
    assert not nonlinear.linear_in_parameters
    assert nonlinear.least_squares_solution() is None
    collinear = Dataset({"x": [1, 2, 3], "z": [2, 4, 6], "y": [1, 2, 3]})
    assert ModelObjective("a*x + c*z", collinear).least_squares_solution() is None


# ------------------------------------------------------------------------ standardisation
def test_standardisation_is_visible_and_exactly_reversible() -> None:
    data = generate_dataset("0.5*x**2 - 3*x + 40", noise=0.5, n_points=30, x_range=(10, 20))
    objective = ModelObjective("w0 + w1*x + w2*x**2", data, standardize=True)
    standardization = objective.standardization
    assert standardization is not None
    assert standardization.means == {"x": pytest.approx(15.0)}
    assert standardization.stds["x"] == pytest.approx(np.std(data["x"]))
    assert "x: mean 15" in standardization.describe()
    theta_z = np.array([1.0, -2.0, 0.5])
    theta = objective.to_original(theta_z)
    # f(x; θ) = f(z; θ′) on every row
    plain = ModelObjective("w0 + w1*x + w2*x**2", data)
    np.testing.assert_allclose(plain.predict(theta), objective.predict(theta_z), rtol=1e-12)
    np.testing.assert_allclose(objective.from_original(theta), theta_z, rtol=1e-12)
    rows = np.vstack([theta_z, 2 * theta_z])
    np.testing.assert_allclose(objective.to_original(rows)[1], objective.to_original(2 * theta_z))


def test_standardised_least_squares_equals_the_plain_one() -> None:
    data = noisy_data()
    plain = ModelObjective("w1*x1 + w2*x2 + c", data).least_squares_solution()
    scaled = ModelObjective("w1*x1 + w2*x2 + c", data, standardize=True)
    assert scaled.least_squares_solution() == pytest.approx(plain, rel=1e-10)
    assert ModelObjective("m*x + b", data).standardization is None


@pytest.mark.parametrize(
    ("model", "fixed", "expected"),
    [
        ("a*exp(k*x)", None, "linear in its parameters"),
        ("a*exp(x) + b", None, "polynomials in the features"),
        ("m*x", None, "cannot absorb the shift and scale"),
        ("m*x + b", {"m": 2}, "cannot be combined with fixed parameters"),
        ("a*x + c*x + b", None, "not all determined"),
        ("b*(x + 1)**13 + c", None, "up to degree 12"),
    ],
)
def test_standardize_refuses_models_it_cannot_undo(
    model: str, fixed: dict | None, expected: str
) -> None:
    with pytest.raises(ValueError) as caught:
        ModelObjective(model, TUTORIAL, fixed=fixed, standardize=True)
    assert expected in str(caught.value)


def test_standardize_refuses_a_constant_feature() -> None:
    data = Dataset({"x": [2, 2, 2], "y": [1, 2, 3]})
    with pytest.raises(ValueError, match="the feature x is constant"):
        ModelObjective("m*x + b", data, standardize=True)
