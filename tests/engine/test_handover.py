"""Handing a run to another process: the steps taken back are the run's own, to the last bit."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from gdstudio.engine import (
    BatchPlan,
    Descent,
    Status,
    StoppingRules,
    handover,
    make_optimizer,
    make_schedule,
)
from gdstudio.engine.handover import Resumed, can_hand_over, checkpoint, resume, take_steps
from tests.engine.quadratics import CurvedQuadratic, Quadratic, Rows


def columns(descent: Descent) -> np.ndarray:
    history = descent.history
    return np.column_stack([history.params, history.loss, history.grad, history.lr,
                            history.step_size, history.epoch])


def fresh(optimizer: str, max_iter: int = 300, batched: bool = True) -> Descent:
    return Descent(Rows(10), [25.0], optimizer=make_optimizer(optimizer), lr=0.05,
                   schedule=make_schedule({"kind": "exponential", "gamma": 0.999}),
                   batching=BatchPlan(10, batch_size=3, seed=7) if batched else None,
                   stopping=StoppingRules(max_iter=max_iter))


def through_a_pickle(point):
    return pickle.loads(pickle.dumps(point))


def hand_over(descent: Descent, chunks: list[int | None]) -> None:
    """Step ``descent`` elsewhere in ``chunks`` of steps, taking the steps back after each."""
    elsewhere = Resumed(descent.objective, through_a_pickle(checkpoint(descent)))
    for chunk in chunks:
        elsewhere.run(max_steps=chunk)
        block, states, point = through_a_pickle(elsewhere.steps())
        take_steps(descent, block, states, point)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("rebase", [50, 1 << 16])
def test_steps_made_elsewhere_are_the_runs_own(optimizer: str, batched: bool, rebase: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handover, "_REBASE_ROWS", rebase)  # 50: it starts again often
    straight = fresh(optimizer, batched=batched)
    straight.run()
    handed = fresh(optimizer, batched=batched)
    handed.run(max_steps=40)
    hand_over(handed, [1, 0, 100, 59])  # to step 200
    assert handed.step_count == 200
    handed.run(max_steps=30)  # on here, from the state the other run left
    hand_over(handed, [None])  # to the step limit
    assert handed.step_count == straight.step_count == 300
    np.testing.assert_array_equal(columns(handed), columns(straight))
    assert (handed.status, handed.message) == (straight.status, straight.message)
    np.testing.assert_array_equal(handed.optimizer_state, straight.optimizer_state)
    # The taken steps are real steps: going back to one gives its exact state.
    handed.rewind_to(150)
    straight.rewind_to(150)
    handed.run()
    straight.run()
    np.testing.assert_array_equal(columns(handed), columns(straight))


def test_handing_over_from_the_start_and_a_divergence_message() -> None:
    straight = Descent(Quadratic(), [1.0, 1.0], lr=0.4, stopping=StoppingRules(max_iter=500))
    straight.run()
    assert straight.status is Status.DIVERGED
    handed = Descent(Quadratic(), [1.0, 1.0], lr=0.4, stopping=StoppingRules(max_iter=500))
    hand_over(handed, [7, None])
    np.testing.assert_array_equal(columns(handed), columns(straight))
    assert (handed.status, handed.message) == (straight.status, straight.message)
    assert handed.finished


def test_the_run_elsewhere_keeps_two_rows_and_cannot_step_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handover, "_REBASE_ROWS", 100)
    run = fresh("adam")
    run.run(max_steps=20)
    elsewhere = Resumed(run.objective, checkpoint(run))
    elsewhere.run(max_steps=1000)
    block, states, point = elsewhere.steps()
    assert (block.start, block.stop, states.shape) == (20, 301, (280, 3))
    assert point.step == 300 and elsewhere.step_count == 300
    assert len(elsewhere.descent.history) == 2  # 281 rows were more than 100
    elsewhere.descent.set_stopping(StoppingRules(max_iter=330))
    elsewhere.run()
    block, states, point = elsewhere.steps()
    assert (block.start, block.stop, point.step) == (300, 331, 330)
    assert len(elsewhere.descent.history) == 32  # fewer than 100: kept
    with pytest.raises(IndexError):
        elsewhere.descent.rewind_to(299)
    plain = resume(run.objective, checkpoint(run))
    assert plain.step_count == 20 and len(plain.history) == 2


def test_steps_that_do_not_follow_on_are_refused() -> None:
    run = fresh("gd")
    run.run(max_steps=10)
    elsewhere = Resumed(run.objective, checkpoint(run))
    elsewhere.run(max_steps=5)
    block, states, point = elsewhere.steps()
    run.run(max_steps=1)  # the run moved on meanwhile
    with pytest.raises(ValueError, match="start at row 10"):
        take_steps(run, block, states, point)


def test_a_line_search_or_newton_run_is_not_handed_over() -> None:
    armijo = Descent(Quadratic(), [1.0, 1.0], optimizer=make_optimizer("armijo"))
    newton = Descent(CurvedQuadratic(), [1.0, 1.0], optimizer=make_optimizer("newton"))
    for run in (armijo, newton):
        assert not can_hand_over(run)
        with pytest.raises(ValueError, match="cannot be handed over"):
            checkpoint(run)
    assert can_hand_over(fresh("adam"))
