"""The descent loop: stopping rules, divergence, live changes and exact step back."""

import warnings

import numpy as np
import pytest

from gdstudio.engine import BatchPlan, Descent, StoppingRules, make_optimizer, make_schedule

from .quadratics import Quadratic, Rows


def square(**stopping) -> Descent:
    return Descent(Quadratic(("x",)), [3.0], lr=0.1, stopping=StoppingRules(**stopping))


def test_tutorial_precision_run_makes_40_updates() -> None:
    descent = square(max_iter=100, tol_step=1e-4)
    descent.run()
    assert descent.status == "converged"
    assert descent.step_count == 40
    np.testing.assert_allclose(descent.history.params[:, 0], 3 * 0.8 ** np.arange(41), rtol=1e-12)
    assert descent.params[0] == pytest.approx(0.000398, abs=1e-6)
    assert "smaller than the precision" in descent.message


def test_tutorial_without_precision_makes_100_updates() -> None:
    descent = square(max_iter=100)
    descent.run()
    assert (descent.status, descent.step_count) == ("max_iter", 100)
    assert descent.message == "reached the maximum of 100 steps"


def test_history_records_each_step_forward() -> None:
    descent = square(max_iter=2)
    descent.run()
    history = descent.history
    np.testing.assert_allclose(history.params[:, 0], [3, 2.4, 1.92])
    np.testing.assert_allclose(history.loss, [9, 5.76, 3.6864])
    np.testing.assert_allclose(history.grad[:, 0], [6, 4.8, 3.84])
    np.testing.assert_allclose(history.lr[:2], [0.1, 0.1])
    np.testing.assert_allclose(history.step_size[:2], [0.6, 0.48])
    assert np.isnan(history.lr[2]) and np.isnan(history.step_size[2])
    np.testing.assert_array_equal(history.step, [0, 1, 2])


def test_gradient_and_loss_tolerances() -> None:
    by_grad = square(max_iter=1000, tol_grad=1e-3)
    by_grad.run()
    assert by_grad.status == "converged" and abs(by_grad.history.grad[-1, 0]) < 1e-3
    assert abs(by_grad.history.grad[-2, 0]) >= 1e-3
    by_loss = square(max_iter=1000, tol_loss=1e-6)
    by_loss.run()
    loss = by_loss.history.loss
    assert by_loss.status == "converged" and abs(loss[-1] - loss[-2]) < 1e-6
    assert "loss changed" in by_loss.message


def test_start_at_the_minimum_with_gradient_tolerance_makes_no_step() -> None:
    descent = Descent(Quadratic(("x",)), [0.0], stopping=StoppingRules(tol_grad=1e-9))
    assert descent.status == "converged" and descent.run() == 0


def test_learning_rate_too_large_diverges_with_an_explanation() -> None:
    descent = Descent(Quadratic(("x",)), [3.0], lr=1.5, stopping=StoppingRules(max_iter=10**6))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        descent.run()
    assert descent.status == "diverged"
    assert "learning rate is too large" in descent.message
    assert f"stopped at step {descent.step_count}" in descent.message
    assert descent.step_count == 11  # caught early: 10 growing steps, not a 1e10-fold growth


class Wall:
    """f(x) = x² that becomes infinite beyond |x| > 10, and 1/x² style poles at 0."""

    param_names = ("x",)
    n_samples = None

    def value_and_grad(self, params, batch=None):
        x = params[0]
        if x == 0:
            return 1.0 / x, np.array([1.0 / x])  # numpy floats: inf, and a warning if unguarded
        return (x * x if abs(x) <= 10 else np.inf), np.array([2 * x])


def test_infinite_loss_names_its_step_and_no_warning_escapes() -> None:
    descent = Descent(Wall(), [3.0], lr=1.2, stopping=StoppingRules(max_iter=50))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        descent.run()  # x: 3 → −4.2 → 5.88 → −8.232 → 11.52: infinite at step 4
    assert descent.status == "diverged" and descent.step_count == 4
    assert descent.message.startswith("the loss became infinite at step 4")
    assert "learning rate is too large" in descent.message


def test_undefined_start_point_is_reported_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        descent = Descent(Wall(), [np.float64(0.0)], stopping=StoppingRules(max_iter=5))
    assert descent.status == "diverged" and "at the start point" in descent.message
    assert descent.run() == 0 and not descent.step()


def test_nan_loss_says_undefined() -> None:
    class Log:
        param_names = ("x",)
        n_samples = None

        def value_and_grad(self, params, batch=None):
            return float(np.log(params[0])), 1.0 / params

    descent = Descent(Log(), [1.0], lr=2.0, stopping=StoppingRules(max_iter=5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        descent.run()  # x₁ = 1 − 2·1 = −1: log(−1) is NaN
    assert descent.status == "diverged" and descent.step_count == 1
    assert descent.message.startswith("the loss became undefined (NaN) at step 1")


def test_unbounded_below_is_reported_as_falling() -> None:
    class Saddle:
        param_names = ("x", "y")
        n_samples = None

        def value_and_grad(self, params, batch=None):
            x, y = params
            return x * x - y * y, np.array([2 * x, -2 * y])

    descent = Descent(Saddle(), [1.0, 0.1], lr=0.1, stopping=StoppingRules(max_iter=10**5))
    descent.run()
    assert descent.status == "diverged" and "no minimum in this direction" in descent.message


def test_learning_rate_change_applies_to_the_next_update_and_is_recorded() -> None:
    descent = square(max_iter=10)
    descent.run(max_steps=3)
    descent.set_learning_rate(0.3)
    descent.run()
    np.testing.assert_allclose(descent.history.lr[:10], [0.1] * 3 + [0.3] * 7)
    x3 = 3 * 0.8**3
    assert descent.history.params[4, 0] == pytest.approx(x3 * (1 - 2 * 0.3))


def test_bad_learning_rates_are_refused() -> None:
    for bad in (0, -1, float("nan"), float("inf"), "fast"):
        with pytest.raises(ValueError, match="learning rate"):
            square().set_learning_rate(bad)


def test_run_respects_max_steps_and_time_budget() -> None:
    descent = square(max_iter=10**7)
    assert descent.run(max_steps=7) == 7 and descent.step_count == 7
    made = descent.run(time_budget=0.01)
    assert 0 < made < 10**7 and descent.status == "running"


def test_stop_and_raising_max_iter_lets_the_run_continue() -> None:
    descent = square(max_iter=5)
    descent.run()
    assert descent.status == "max_iter"
    descent.set_stopping(StoppingRules(max_iter=8))
    assert descent.status == "running"
    descent.run()
    assert descent.step_count == 8
    descent.set_stopping(StoppingRules(max_iter=100))
    descent.stop()
    assert descent.status == "stopped" and descent.run() == 0
    assert descent.step() and descent.step_count == 9


def continued(descent: Descent, total: int) -> np.ndarray:
    descent.set_stopping(StoppingRules(max_iter=total))
    descent.run()
    return np.column_stack([descent.history.params, descent.history.loss, descent.history.grad,
                            descent.history.lr, descent.history.step_size, descent.history.epoch])


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_step_back_then_continue_gives_identical_numbers(optimizer: str) -> None:
    def fresh() -> Descent:
        return Descent(Rows(10), [25.0], optimizer=make_optimizer(optimizer), lr=0.05,
                       schedule=make_schedule({"kind": "exponential", "gamma": 0.99}),
                       batching=BatchPlan(10, batch_size=3, seed=7),
                       stopping=StoppingRules(max_iter=12))

    straight = continued(fresh(), 40)
    rewound = fresh()
    rewound.run()
    rewound.set_stopping(StoppingRules(max_iter=30))
    rewound.run()
    rewound.rewind_to(9)
    assert rewound.step_count == 9 and len(rewound.history) == 10
    assert np.isnan(rewound.history.lr[9])
    np.testing.assert_array_equal(continued(rewound, 40), straight)


def test_rewind_to_the_start_and_bad_rewinds() -> None:
    descent = square(max_iter=5)
    descent.run()
    descent.rewind_to(0)
    assert descent.step_count == 0 and descent.status == "running"
    np.testing.assert_array_equal(descent.params, [3.0])
    with pytest.raises(IndexError, match="no step 3"):
        descent.rewind_to(3)


def test_minibatches_are_deterministic_and_record_epochs() -> None:
    def run(seed: int) -> Descent:
        descent = Descent(Rows(10), [5.0], lr=0.1, batching=BatchPlan(10, 4, seed=seed),
                          stopping=StoppingRules(max_iter=9))
        descent.run()
        return descent

    first, again, other = run(1), run(1), run(2)
    np.testing.assert_array_equal(first.history.params, again.history.params)
    assert not np.array_equal(first.history.params, other.history.params)
    np.testing.assert_array_equal(first.history.epoch, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3])


def test_batch_plan_covers_every_row_once_per_epoch() -> None:
    plan = BatchPlan(10, 4, seed=3)
    rows = np.concatenate([plan.rows(k) for k in range(3)])
    np.testing.assert_array_equal(np.sort(rows), np.arange(10))
    assert [len(plan.rows(k)) for k in range(3)] == [4, 4, 2]
    assert BatchPlan(10, None).rows(5) is None and BatchPlan(10, 10).is_full_batch
    with pytest.raises(ValueError, match="batch size"):
        BatchPlan(10, 0)


def test_history_grows_by_doubling_without_losing_rows() -> None:
    descent = square(max_iter=5000)
    descent.run()
    assert len(descent.history) == 5001 and descent.history.capacity == 8192
    np.testing.assert_allclose(descent.history.params[:50, 0], 3 * 0.8 ** np.arange(50))


@pytest.mark.parametrize(
    ("rules", "words"),
    [
        ({"max_iter": -1}, "max_iter must be 0 or more"),
        ({"max_iter": 2.5}, "whole number"),
        ({"tol_step": 0}, "tol_step must be a positive number"),
        ({"tol_grad": -1e-3}, "tol_grad"),
        ({"divergence_factor": 1}, "divergence_factor"),
    ],
)
def test_bad_stopping_rules(rules, words) -> None:
    with pytest.raises(ValueError, match=words):
        StoppingRules(**rules)


def test_start_point_must_match_the_parameters() -> None:
    with pytest.raises(ValueError, match="needs 2 values"):
        Descent(Quadratic(), [1.0])


def test_plain_gradient_descent_keeps_no_state_per_step() -> None:
    descent = square(max_iter=5000)
    descent.run()
    assert descent._states.nbytes == 0
    assert all(np.array_equal(descent.state_at(step), [0.0]) for step in (0, 1, 5000))
    descent.rewind_to(17)
    descent.run()
    np.testing.assert_allclose(descent.history.params[:50, 0], 3 * 0.8 ** np.arange(50))


def test_momentum_still_keeps_its_state_for_every_step() -> None:
    descent = Descent(Quadratic(("x",)), [3.0], optimizer=make_optimizer("momentum"),
                      stopping=StoppingRules(max_iter=300))
    descent.run()
    assert descent._states.shape[0] >= 301 and descent.state_at(300)[0] == 300
