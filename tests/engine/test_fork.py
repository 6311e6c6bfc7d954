"""Forking a run: a branch goes on exactly from a step of its parent, with its own settings."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.engine import BatchPlan, Descent, StoppingRules, make_optimizer, make_schedule
from tests.engine.quadratics import Quadratic, Rows


def columns(descent: Descent) -> np.ndarray:
    history = descent.history
    return np.column_stack([history.params, history.loss, history.grad, history.lr,
                            history.step_size, history.epoch])


def fresh(optimizer: str, max_iter: int) -> Descent:
    return Descent(Rows(10), [25.0], optimizer=make_optimizer(optimizer), lr=0.05,
                   schedule=make_schedule({"kind": "exponential", "gamma": 0.99}),
                   batching=BatchPlan(10, batch_size=3, seed=7),
                   stopping=StoppingRules(max_iter=max_iter))


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_a_branch_with_unchanged_settings_makes_the_parents_numbers(optimizer: str) -> None:
    straight = fresh(optimizer, 40)
    straight.run()
    parent = fresh(optimizer, 25)
    parent.run()
    branch = parent.fork(12, stopping=StoppingRules(max_iter=40))
    assert branch.step_count == 12 and parent.step_count == 25
    branch.run()
    np.testing.assert_array_equal(columns(branch), columns(straight))
    np.testing.assert_array_equal(columns(parent)[:25], columns(straight)[:25])  # untouched


def test_a_branch_at_step_12_with_another_rate() -> None:
    parent = Descent(Quadratic(("x",)), [3.0], lr=0.1, stopping=StoppingRules(max_iter=20))
    parent.run()
    branch = parent.fork(12, lr=0.3)
    x12 = 3.0 * 0.8**12
    assert branch.params[0] == pytest.approx(x12, rel=1e-15)
    assert branch.step() and branch.params[0] == pytest.approx(0.4 * x12, rel=1e-15)
    assert branch.history.lr[12] == 0.3 and parent.history.lr[12] == 0.1
    assert parent.params[0] == pytest.approx(3.0 * 0.8**20, rel=1e-14)


def test_another_optimizer_starts_its_own_state_at_the_fork() -> None:
    parent = Descent(Quadratic(), [3.0, 1.0], lr=0.05, stopping=StoppingRules(max_iter=15))
    parent.run()
    branch = parent.fork(10, optimizer=make_optimizer("momentum", {"momentum": 0.9}))
    assert not branch.optimizer_state.any()  # no velocity yet
    grad = branch.history.grad[10]
    start = branch.params
    branch.step()
    np.testing.assert_allclose(branch.params, start - 0.05 * grad, rtol=1e-15)  # v = g
    branch.step()
    velocity = 0.9 * grad + branch.history.grad[11]
    np.testing.assert_allclose(branch.params, start - 0.05 * grad - 0.05 * velocity,
                               rtol=1e-14)


def test_a_branch_cannot_go_back_before_its_fork() -> None:
    parent = Descent(Quadratic(("x",)), [3.0], lr=0.1, stopping=StoppingRules(max_iter=20))
    parent.run()
    branch = parent.fork(12)
    branch.run(max_steps=3)
    branch.rewind_to(12)
    assert branch.step_count == 12
    with pytest.raises(IndexError, match="before step 12"):
        branch.rewind_to(11)
    with pytest.raises(IndexError, match="no step 21"):
        parent.fork(21)
