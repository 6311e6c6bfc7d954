"""Full-batch linear fits from XᵀX: when they apply, and that they give the rows' numbers."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.problems._normal_equations import NormalEquations
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.models import ModelObjective

TUTORIAL = Dataset({"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]})


def well_conditioned(rows: int = 500, seed: int = 1) -> Dataset:
    generator = np.random.default_rng(seed)
    x1 = generator.uniform(-2, 3, rows)
    x2 = generator.uniform(0, 5, rows)
    y = 1.5 * x1 - 0.5 * x2 + 2 + generator.normal(0, 0.3, rows)
    return Dataset({"x1": x1, "x2": x2, "x": x1 / 2, "y": y})


def by_rows(objective: ModelObjective, params: np.ndarray) -> tuple[float, np.ndarray]:
    """The loss and gradient summed over the rows, by hand: r, then Σ r², Σ r·∂f/∂θ."""
    residuals = objective.residuals(params)
    derivatives = objective.derivatives(params)
    count = residuals.shape[0]
    loss_factor, slope_factor = {
        "sse": (1.0, 2.0),
        "mse": (1 / count, 2 / count),
        "half_mse": (1 / (2 * count), 1 / count),
    }[objective.loss]
    return loss_factor * float(residuals @ residuals), slope_factor * (derivatives @ residuals)


# ------------------------------------------------------------------ when it applies
@pytest.mark.parametrize(
    ("model", "linear"),
    [
        ("m*x + b", True),
        ("m*x**2 + b", True),
        ("a*sin(x) + b*x*x1 + c", True),
        ("exp(m*x)", False),
        ("m**2*x + b", False),
        ("a*exp(k*x)", False),
    ],
)
def test_linearity_is_read_off_the_model(model: str, linear: bool) -> None:
    objective = ModelObjective(model, well_conditioned(), loss="sse")
    assert objective.linear_in_parameters is linear
    assert objective.uses_normal_equations is linear


def test_a_parameter_fixed_in_a_nonlinear_term_makes_the_model_linear() -> None:
    assert not ModelObjective("a*exp(k*x) + b", well_conditioned()).linear_in_parameters
    objective = ModelObjective("a*exp(k*x) + b", well_conditioned(), fixed={"k": 0.5})
    assert objective.linear_in_parameters
    assert objective.uses_normal_equations


@pytest.mark.parametrize("loss", ["sse", "mse", "half_mse"])
def test_squared_losses_use_it(loss: str) -> None:
    assert ModelObjective("m*x + b", TUTORIAL, loss=loss).uses_normal_equations


def test_mae_sums_over_the_rows() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL, loss="mae")
    assert not objective.uses_normal_equations
    assert objective.param_names == ("b", "m")
    loss, grad = objective.value_and_grad(np.array([0.0, 0.0]))
    assert loss == pytest.approx(5.0)  # mean |y| = 25 / 5
    np.testing.assert_allclose(grad, [-1.0, -2.0])  # −1, −mean x


def test_batches_sum_over_their_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    objective = ModelObjective("m*x + b", TUTORIAL, loss="sse")

    def refuse(*_: object) -> None:
        raise AssertionError("a batch must not use the full-batch sums")

    monkeypatch.setattr(NormalEquations, "sum_and_slope", refuse)
    loss, grad = objective.value_and_grad(np.array([0.0, 2.0]), np.array([1, 3]))
    assert loss == 2.0  # b = 0, m = 2: residuals −1, −1 on rows 2 and 4 (x = 1, 3)
    np.testing.assert_array_equal(grad, [2 * -2, 2 * (-1 * 1 + -1 * 3)])
    with pytest.raises(AssertionError, match="full-batch sums"):
        objective.value_and_grad(np.array([0.0, 2.0]))


# ------------------------------------------------------------------ the same numbers
POINTS = [[0.0, 0.0, 0.0], [1.0, -2.0, 3.0], [2.0, 1.4, -0.6], [-5.0, 7.0, 0.25]]


@pytest.mark.parametrize("loss", ["sse", "mse", "half_mse"])
@pytest.mark.parametrize("point", POINTS)
def test_loss_and_gradient_equal_the_sum_over_rows(loss: str, point: list[float]) -> None:
    objective = ModelObjective("c + w1*x1 + w2*x2", well_conditioned(), loss=loss)
    params = np.array(point)
    expected_loss, expected_grad = by_rows(objective, params)
    loss_value, grad = objective.value_and_grad(params)
    assert loss_value == pytest.approx(expected_loss, rel=1e-9)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-9)


def test_fixed_parameters_move_to_the_offset() -> None:
    objective = ModelObjective(
        "m*x**2 + b + k*x1", well_conditioned(), loss="mse", fixed={"k": -0.75}
    )
    assert objective.param_names == ("b", "m")
    for point in ([0.0, 0.0], [3.0, -1.0], [-0.5, 2.5]):
        params = np.array(point)
        expected_loss, expected_grad = by_rows(objective, params)
        loss_value, grad = objective.value_and_grad(params)
        assert loss_value == pytest.approx(expected_loss, rel=1e-9)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-9)


def test_standardised_features_are_the_ones_summed() -> None:
    objective = ModelObjective(
        "w0 + w1*x1 + w2*x1**2", well_conditioned(), loss="half_mse", standardize=True
    )
    assert objective.standardization is not None
    for point in ([0.0, 0.0, 0.0], [1.0, 2.0, -1.0]):
        params = np.array(point)
        expected_loss, expected_grad = by_rows(objective, params)
        loss_value, grad = objective.value_and_grad(params)
        assert loss_value == pytest.approx(expected_loss, rel=1e-9)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-9)


def test_the_loss_keeps_its_precision_at_an_exact_fit() -> None:
    # y = 2x + 1 exactly: the loss at the minimum is 0 while yᵀy = 165.
    objective = ModelObjective("m*x + b", TUTORIAL, loss="sse")
    loss, grad = objective.value_and_grad(np.array([1.0, 2.0]))  # b, m
    assert 0.0 <= loss < 1e-26  # rounding of the least-squares point, squared
    np.testing.assert_allclose(grad, [0.0, 0.0], atol=1e-12)
    near = np.array([1.0 + 1e-7, 2.0])  # every residual 1e-7
    loss, grad = objective.value_and_grad(near)
    assert loss == pytest.approx(5e-14, rel=1e-6)
    np.testing.assert_allclose(grad, [2 * 5 * 1e-7, 2 * 10 * 1e-7], rtol=1e-6)
    # Why not the textbook θᵀAθ − 2θᵀXᵀy + yᵀy: it subtracts numbers near 165, so its
    # result is a multiple of their spacing 2.8e-14, at least 12% away from 5e-14.
    design = np.column_stack([np.ones(5), TUTORIAL["x"]])
    target = TUTORIAL["y"]
    textbook = near @ design.T @ design @ near - 2 * near @ (design.T @ target) + target @ target
    assert abs(textbook - 5e-14) > 0.01 * 5e-14


def test_a_loss_is_never_negative() -> None:
    generator = np.random.default_rng(3)
    x = generator.uniform(0, 1, 50)
    objective = ModelObjective("m*x + b", {"x": x, "y": 3 * x - 1}, loss="sse")
    minimum = np.array([-1.0, 3.0])  # b, m
    for _ in range(50):
        loss, _ = objective.value_and_grad(minimum + generator.normal(0, 1e-9, 2))
        assert loss >= 0.0


def test_a_repeated_feature_still_gets_the_rows_numbers() -> None:
    data = Dataset({"x": [0.0, 1.0, 2.0, 3.0], "z": [0.0, 2.0, 4.0, 6.0], "y": [1, 2, 2, 5]})
    objective = ModelObjective("a*x + c*z + b", data, loss="mse")  # XᵀX is singular
    for point in ([0.0, 0.0, 0.0], [1.0, -1.0, 0.5]):
        params = np.array(point)
        expected_loss, expected_grad = by_rows(objective, params)
        loss_value, grad = objective.value_and_grad(params)
        assert loss_value == pytest.approx(expected_loss, rel=1e-9)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-9, atol=1e-12)


def test_the_gradient_is_a_new_array_each_call() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL, loss="sse")
    first = objective.value_and_grad(np.array([1.0, 1.0]))[1]
    second = objective.value_and_grad(np.array([1.0, 1.0]))[1]
    assert first is not second
    first[0] = 99.0
    assert second[0] != 99.0


@pytest.mark.parametrize("loss", ["sse", "mse", "half_mse"])
def test_a_loss_map_from_the_sums_equals_the_rows(loss: str) -> None:
    from gdstudio.problems.loss_surface import LossSurface

    objective = ModelObjective(
        "a*x1**2 + b*x1 + c + k*x2", well_conditioned(), loss=loss, fixed={"k": 0.25}
    )
    assert objective.normal_equations() is not None
    held = np.array([0.3, -0.5, 1.5])  # a, b, c
    surface = LossSurface(objective, ("a", "c"), held)
    a = np.array([[0.1], [0.5], [0.9]])
    c = np.array([[1.0, 2.0]])
    values = surface.evaluate_grid(a, c)
    for i in range(3):
        for j in range(2):
            expected, _ = by_rows(objective, np.array([a[i, 0], -0.5, c[0, j]]))
            assert values[i, j] == pytest.approx(expected, rel=1e-9)


def test_only_squared_losses_of_linear_models_have_the_sums() -> None:
    assert ModelObjective("m*x + b", TUTORIAL, loss="mae").normal_equations() is None
    assert ModelObjective("exp(m*x)", TUTORIAL, loss="sse").normal_equations() is None
