"""Lesson tasks checked against real runs: model answers pass, wrong answers fail."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import gdstudio
from gdstudio.io.lessons import ChooseTask, PredictTask, ReachTask, builtin_lesson, builtin_lessons
from gdstudio.lessons import (
    RunState,
    check,
    check_lesson,
    check_model_answer,
    predicted_value,
    prediction_open,
    reach_task_from_state,
    run_experiment,
)


@pytest.mark.parametrize("lesson", builtin_lessons(), ids=lambda lesson: lesson.id)
def test_every_builtin_model_answer_passes(lesson) -> None:
    results = list(check_lesson(lesson))
    assert len(results) == len(lesson.tasks)
    failing = [(page, number, result.feedback) for page, number, _, result in results
               if not result.done]
    assert failing == []


def test_run_experiment_reproduces_the_tutorials() -> None:
    slope = builtin_lesson("slope").pages[1].experiment
    run = run_experiment(slope)
    assert (run.status, run.iterations) == ("converged", 40)
    assert run.params["x"] == pytest.approx(0.000398768, abs=1e-9)
    intercept = run_experiment(builtin_lesson("intercept").pages[0].experiment)
    assert intercept.history.loss[0] == 405 and intercept.history.grad[0][0] == 90
    assert intercept.params["b"] == pytest.approx(1.3815, abs=1e-4)
    assert run_experiment(slope, lr=0.3).iterations < 20  # changes apply to a copy
    assert slope["lr"] == 0.1


def test_a_wrong_reach_answer_fails_with_the_reason() -> None:
    page = builtin_lesson("learning-rate").pages[1]
    task = page.tasks[0]
    assert isinstance(task, ReachTask) and check_model_answer(page, task).done
    too_large = check_model_answer(page, replace(task, answer={"lr": 0.21}))
    assert not too_large.done
    assert "the run ended diverged; it must end converged" in too_large.feedback
    assert "the learning rate 0.21 is above 0.2" in too_large.feedback
    too_small = check_model_answer(page, replace(task, answer={"lr": 0.1}))
    assert not too_small.done and "the learning rate 0.1 is below 0.19" in too_small.feedback


def test_a_wrong_prediction_fails_with_the_engine_value() -> None:
    page = builtin_lesson("slope").pages[0]
    task = page.tasks[0]
    assert isinstance(task, PredictTask)
    wrong = check_model_answer(page, replace(task, answer=2.5))
    assert not wrong.done
    assert wrong.feedback == "Not quite: x after step 1 is 2.4, you said 2.5 (off by 0.1)."
    close = check_model_answer(page, replace(task, answer=2.4004))  # within 0.001
    assert close.done and close.feedback.startswith("Right: x after step 1 is 2.4")


def test_a_wrong_choice_fails_with_its_own_feedback() -> None:
    task = builtin_lesson("slope").pages[0].tasks[2]
    assert isinstance(task, ChooseTask)
    for index, option in enumerate(task.options):
        result = check(task, None, index)
        assert result.done == (index == task.correct)
        assert result.feedback == option.feedback
    assert not check(task, None, None).done
    for impossible in (7, -1, 0.5, True):
        assert not check(task, None, impossible).done


def test_live_checks_follow_a_run_step_by_step() -> None:
    """The window calls check() after each step with the history so far."""
    page = builtin_lesson("slope").pages[0]
    predict = page.tasks[1]  # x after step 2 = 1.92
    reach = builtin_lesson("slope").pages[1].tasks[0]  # converge near 0
    run = gdstudio.descend("x^2", {"x": 3}, lr=0.1, max_iter=100, tol_step=1e-4)
    history = run.history

    def state(rows: int, status: str = "running") -> RunState:
        return RunState(("x",), history.params[:rows], history.loss[:rows],
                        history.grad[:rows], status=status, learning_rate=0.1)

    assert [prediction_open(predict, state(rows)) for rows in (1, 2, 3)] == [False, True, False]
    start_loss = replace(predict, quantity="loss", step=0)
    assert prediction_open(start_loss, state(1)) and not prediction_open(start_loss, state(2))
    assert check(predict, state(2), 1.92).feedback == (
        "Take step 2 to see the engine's value.")
    assert predicted_value(predict, state(2)) is None
    assert check(predict, state(3), 1.92).done
    assert check(predict, state(3), None).feedback == "Type your prediction first."
    assert "the run is still going" in check(reach, state(10)).feedback
    assert not check(reach, state(41, "max_iter")).done
    assert check(reach, state(41, "converged")).done
    ended = check(predict, state(2, "stopped"), 1.92)
    assert not ended.done and "ended after 1 step, before step 2" in ended.feedback


def test_reach_conditions_each_decide() -> None:
    state = RunState(("x", "y"), np.array([[1.0, 2.0], [0.5, 0.25]]), np.array([5.0, 0.3]),
                     np.zeros((2, 2)), status="converged", optimizer="momentum",
                     learning_rate=0.05, batch_size=None)
    base = ReachTask(prompt="p", status=("converged",))
    assert check(base, state).done
    cases = {
        "loss_below": (0.3, 0.29, "the loss is 0.3, not yet at most 0.29"),
        "optimizer": (("momentum", "nesterov"), ("adam",), "the run uses momentum, not adam"),
        "schedule": (("constant",), ("cosine",), "the schedule is constant, not cosine"),
        "max_steps": (1, 0, "it took 1 step, more than 0"),
        "min_steps": (1, 2, "it took 1 step, fewer than 2"),
        "lr_max": (0.05, 0.04, "the learning rate 0.05 is above 0.04"),
        "batch_size": ("full", 5, "the batch size is all rows, not 5"),
        "near": ({"x": 0.5, "y": 0.2505}, {"y": 0.3}, "y is 0.25, not within 0.001 of 0.3"),
    }
    for key, (passing, failing, sentence) in cases.items():
        assert check(replace(base, **{key: passing}), state).done, key
        result = check(replace(base, **{key: failing}), state)
        assert not result.done and sentence in result.feedback, key


def test_a_task_made_from_a_run_is_completed_by_that_run_only() -> None:
    page = builtin_lesson("slope").pages[1]
    run = run_experiment(page.experiment, lr=0.3)
    state = RunState.from_run(run, {**page.experiment, "lr": 0.3})
    task = reach_task_from_state(state, "Match this run.", {"lr": 0.3})
    assert (task.status, task.max_steps, task.loss_below) == (
        ("converged",), run.iterations, run.loss)
    assert check_model_answer(page, task).done
    slower = check_model_answer(page, replace(task, answer={}))
    assert not slower.done and "it took 40 steps, more than" in slower.feedback
