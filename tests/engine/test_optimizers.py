"""First steps of every optimizer against values computed by hand.

f(x, y) = x² + 3y² from (1, 2): the gradient there is g = (2, 12).
"""

import math

import numpy as np
import pytest

from gdstudio.engine import Descent, StoppingRules, make_optimizer
from gdstudio.engine.optimizers import OPTIMIZERS

from .quadratics import CurvedQuadratic, Quadratic

START = np.array([1.0, 2.0])


def first_points(name: str, steps: int, lr: float = 0.1, **hyper: float) -> np.ndarray:
    descent = Descent(Quadratic(), START, optimizer=make_optimizer(name, hyper), lr=lr,
                      stopping=StoppingRules(max_iter=steps))
    descent.run()
    return descent.history.params


def test_gd_first_step() -> None:
    # θ₁ = θ₀ − 0.1·(2, 12) = (0.8, 0.8)
    np.testing.assert_allclose(first_points("gd", 1)[1], [0.8, 0.8], rtol=0, atol=1e-15)


def test_momentum_first_buffer_is_first_gradient_then_accumulates() -> None:
    points = first_points("momentum", 2)
    np.testing.assert_allclose(points[1], [0.8, 0.8], atol=1e-15)  # b₁ = g₀
    # g₁ = (1.6, 4.8); b₂ = 0.9·(2, 12) + (1.6, 4.8) = (3.4, 15.6); θ₂ = (0.8, 0.8) − 0.1·b₂
    np.testing.assert_allclose(points[2], [0.46, -0.76], atol=1e-14)


def test_nesterov_uses_gradient_plus_momentum_times_buffer() -> None:
    # b₁ = g = (2, 12); direction = g + 0.9·b₁ = (3.8, 22.8); θ₁ = (1, 2) − 0.1·direction
    np.testing.assert_allclose(first_points("nesterov", 1)[1], [0.62, -0.28], atol=1e-14)


def test_adagrad_first_step_moves_each_coordinate_by_lr() -> None:
    # s = g² → g/(√s + 1e-10) = 1 − tiny for each coordinate
    expected = START - 0.1 * np.array([2 / (2 + 1e-10), 12 / (12 + 1e-10)])
    np.testing.assert_allclose(first_points("adagrad", 1)[1], expected, rtol=0, atol=1e-15)


def test_rmsprop_first_step_divides_by_root_of_one_percent_of_g_squared() -> None:
    # v = 0.01·g² → √v = (0.2, 1.2); θ₁ = (1 − 0.1·2/0.2, 2 − 0.1·12/1.2) = (0, 1)
    expected = START - 0.1 * np.array([2 / (0.2 + 1e-8), 12 / (1.2 + 1e-8)])
    np.testing.assert_allclose(first_points("rmsprop", 1)[1], expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(first_points("rmsprop", 1)[1], [0.0, 1.0], atol=1e-7)


def test_adam_two_steps_with_bias_correction() -> None:
    points = first_points("adam", 2)
    # t = 1: m̂ = g, v̂ = g², step = g/(|g| + ε) ≈ ±1
    g0 = np.array([2.0, 12.0])
    theta1 = START - 0.1 * g0 / (np.abs(g0) + 1e-8)
    np.testing.assert_allclose(points[1], theta1, atol=1e-15)
    # t = 2, written out by hand from the torch.optim documentation
    g1 = np.array([2.0, 6.0]) * theta1
    m = 0.9 * (0.1 * g0) + 0.1 * g1
    v = 0.999 * (0.001 * g0**2) + 0.001 * g1**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    theta2 = theta1 - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(points[2], theta2, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_returns_the_step_and_counts_in_the_state(name: str) -> None:
    if OPTIMIZERS[name].probes:
        with pytest.raises(TypeError, match="run it in a Descent"):
            make_optimizer(name).update(np.ones(2), np.zeros(1), START, 0.1)
        return
    optimizer = make_optimizer(name)
    params, grad = START.copy(), np.array([2.0, 12.0])
    state = optimizer.init(params)
    step = optimizer.update(grad, state, params, 0.1)
    np.testing.assert_array_equal(params, START)
    np.testing.assert_array_equal(grad, [2.0, 12.0])
    assert state[0] == (0 if name == "gd" else 1) and step.shape == (2,)
    assert np.all(np.sign(step) == -np.sign(grad))  # the first step always goes downhill


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_reaches_the_minimum_of_a_bowl(name: str) -> None:
    lr = {"adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05}.get(name, 0.05)
    descent = Descent(CurvedQuadratic(), START, optimizer=make_optimizer(name), lr=lr,
                      stopping=StoppingRules(max_iter=5000, tol_grad=1e-6))
    descent.run()
    assert descent.status == "converged", descent.message
    np.testing.assert_allclose(descent.params, [0, 0], atol=1e-5)


def test_defaults_are_torch_defaults() -> None:
    assert make_optimizer("momentum").hyperparameters == {"momentum": 0.9}
    assert make_optimizer("nesterov").hyperparameters == {"momentum": 0.9}
    assert make_optimizer("adagrad").hyperparameters == {"eps": 1e-10}
    assert make_optimizer("rmsprop").hyperparameters == {"alpha": 0.99, "eps": 1e-8}
    assert make_optimizer("adam").hyperparameters == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert make_optimizer("sgd").name == "gd"


@pytest.mark.parametrize(
    ("name", "hyper", "words"),
    [
        ("nope", {}, "unknown optimizer"),
        ("gd", {"momentum": 0.9}, "has no hyperparameter 'momentum'"),
        ("adam", {"beta1": 1.0}, "beta1 must be at least 0 and below 1"),
        ("adam", {"eps": 0.0}, "eps must be positive"),
        ("momentum", {"momentum": -0.1}, "momentum must be"),
        ("rmsprop", {"alpha": math.nan}, "alpha must be a finite number"),
        ("adam", {"beta2": "big"}, "beta2 must be a number"),
    ],
)
def test_bad_optimizer_settings_are_refused_with_a_reason(name, hyper, words) -> None:
    with pytest.raises(ValueError, match=words):
        make_optimizer(name, hyper)


def test_hyperparameter_change_applies_from_the_next_step() -> None:
    descent = Descent(Quadratic(), START, optimizer=make_optimizer("momentum"), lr=0.1)
    descent.step()
    descent.set_hyperparameters(momentum=0.0)
    descent.step()  # with μ = 0 the buffer is just the new gradient: plain GD
    np.testing.assert_allclose(descent.params, [0.8 - 0.16, 0.8 - 0.48], atol=1e-15)
