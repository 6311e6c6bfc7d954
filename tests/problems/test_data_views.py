"""What data mode shows, computed in the problems layer: the gradient written out over
rows, the loss over two parameters, the model along an axis (no Qt here)."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.engine import BatchPlan, RunSettings, StoppingRules
from gdstudio.engine.explain import explain_descent_step
from gdstudio.problems.data_explain import describe_data_problem, explain_gradient
from gdstudio.problems.dataset import generate_dataset
from gdstudio.problems.loss_surface import MAX_CELLS, LossSurface
from gdstudio.problems.models import ModelObjective

TUTORIAL = {"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]}


@pytest.fixture(scope="module")
def noisy():
    return generate_dataset("0.5*x**2 - x + 2", 1.0, 1000, (-3, 3), 7)


def test_gradient_of_the_tutorial_written_out_over_its_rows() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL, loss="sse", fixed={"m": 2})
    text = explain_gradient(objective, np.array([10.0]), None, 0)
    assert text.splitlines() == [
        "Gradient at θ₀ on all 5 rows, with rᵢ = f(xᵢ) − yᵢ:",
        "r = 9, 9, 9, 9, 9",
        "∂L/∂b = 2·Σ rᵢ = 2 · (9 + 9 + 9 + 9 + 9) = 2 · 45 = 90",
    ]


def test_mean_losses_divide_by_the_rows_of_the_batch() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL, loss="mse")
    text = explain_gradient(objective, np.array([0.0, 0.0]), np.array([4, 1]), 3)
    assert "Gradient at θ₃ on the batch of 2 rows (5, 2)" in text
    assert "∂L/∂m = (2/n)·Σ rᵢ·xᵢ = 2/2 · (−9·4 − 3·1) = 2/2 · (−39) = −39" in text
    assert objective.value_and_grad(np.array([0.0, 0.0]), np.array([4, 1]))[1].tolist() == [
        -12.0, -39.0]


def test_mae_uses_the_signs_and_long_sums_are_shortened(noisy) -> None:
    objective = ModelObjective("a*x**2 + b*x + c", noisy, loss="mae")
    params = np.array([0.4, -1.0, 2.0])
    text = explain_gradient(objective, params)
    line = next(line for line in text.splitlines() if line.startswith("∂L/∂c"))
    assert line.startswith("∂L/∂c = (1/n)·Σ sign(rᵢ) = 1/1000 · (")
    assert "… " in line and "[1000 terms]" in line
    expected = objective.value_and_grad(params)[1][2]
    assert line.endswith(f"= {expected:.5g}".replace("-", "−"))


def test_the_engine_explains_data_points_with_their_rows() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL, loss="sse", fixed={"m": 2})
    descent = RunSettings(learning_rate=0.01, stopping=StoppingRules(max_iter=30)).build(
        objective, objective.start_point({"b": 10}), BatchPlan(5, None, 0))
    descent.step()
    assert explain_descent_step(descent, 0).splitlines()[1] == (
        "b₁ = b₀ − α·∂L/∂b = 10 − 0.01 · 90 = 9.1")
    point = explain_descent_step(descent, 1)
    assert point.startswith("Step 1:  b₁ = 9.1,  L(b₁) = 328.05,  ∂L/∂b = 81\n")
    assert "= 2 · 40.5 = 81" in point


def test_describe_names_fixed_and_learnt_parameters() -> None:
    objective = ModelObjective("t0 + t1*x", {"x": [1, 2, 3], "y": [1, 2, 3]}, loss="half_mse")
    text = describe_data_problem(objective)
    assert "Model: f(x) = t0 + t1·x, predicting y; learning t0, t1" in text
    assert "L(t0, t1) = (1/2n)·Σ rᵢ² over 3 rows" in text
    assert "∂L/∂t1 = (1/n)·Σ rᵢ·∂f/∂t1" in text


@pytest.mark.parametrize("loss", ["sse", "mse", "half_mse", "mae"])
def test_loss_surface_matches_the_objective(noisy, loss) -> None:
    objective = ModelObjective("a*x**2 + b*x + c", noisy, loss=loss)
    held = np.array([0.3, -0.5, 1.5])
    surface = LossSurface(objective, ("a", "c"), held)
    a = np.array([[0.1], [0.5], [0.9]])
    c = np.array([[1.0, 2.0]])
    values = surface.evaluate_grid(a, c)
    for i in range(3):
        for j in range(2):
            point = np.array([a[i, 0], -0.5, c[0, j]])
            assert values[i, j] == pytest.approx(objective.value_and_grad(point)[0], rel=1e-9)


def test_large_grids_of_nonlinear_models_are_interpolated(noisy) -> None:
    objective = ModelObjective("a*exp(k*x)", noisy)
    surface = LossSurface(objective, ("a", "k"), [1.0, 0.1])
    a = np.linspace(0.5, 2.0, 200)[:, np.newaxis]
    k = np.linspace(-0.5, 0.5, 200)[np.newaxis, :]
    assert a.size * k.size * objective.n_samples > MAX_CELLS
    values = surface.evaluate_grid(a, k)
    exact = objective.value_and_grad(np.array([a[100, 0], k[0, 100]]))[0]
    assert values.shape == (200, 200) and np.isfinite(values).all()
    assert values[100, 100] == pytest.approx(exact, rel=0.05)


def test_standardised_models_predict_in_original_units(noisy) -> None:
    objective = ModelObjective("w0 + w1*x", noisy, standardize=True)
    original = np.array([2.0, -1.0])
    params = objective.from_original(original)
    xs = np.array([-3.0, 0.0, 3.0])
    assert objective.predict_at(params, {"x": xs}) == pytest.approx(2.0 - xs)
    derivatives = objective.derivatives(params, np.array([0, 1]))
    assert derivatives.shape == (2, 2) and derivatives[0].tolist() == [1.0, 1.0]
    surface = LossSurface(objective, ("w1",), params)
    assert surface.evaluate_grid(np.array([params[1]]))[0] == pytest.approx(
        objective.value_and_grad(params)[0])


def test_loss_surface_refuses_unknown_or_repeated_names() -> None:
    objective = ModelObjective("m*x + b", TUTORIAL)
    with pytest.raises(ValueError, match="q is not a learnt parameter"):
        LossSurface(objective, ("q",), [0.0, 0.0])
    with pytest.raises(ValueError, match="one or two different"):
        LossSurface(objective, ("m", "m"), [0.0, 0.0])
