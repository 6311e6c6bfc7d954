"""Lessons at work: check a task against a run, and run a lesson's model answers.

The checks are pure functions of a :class:`RunState` (the history arrays and the run's
settings), so the window can call :func:`check` after every step of a live run and
``gdstudio-cli lesson check`` can call it on a headless one.

>>> from gdstudio.io.lessons import builtin_lesson
>>> lesson = builtin_lesson("slope")
>>> all(result.done for _, _, _, result in check_lesson(lesson))
True
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gdstudio.io.lesson_markup import page_blocks, page_html
from gdstudio.io.lessons import (
    ChooseTask,
    Lesson,
    LessonError,
    Option,
    Page,
    PredictTask,
    ReachTask,
    Task,
    builtin_lesson,
    builtin_lessons,
    lesson_from_text,
    lesson_to_text,
    load_lesson,
    page_location,
    save_lesson,
)

__all__ = [
    "ChooseTask",
    "Lesson",
    "LessonError",
    "Option",
    "Page",
    "PredictTask",
    "ReachTask",
    "RunState",
    "Task",
    "TaskResult",
    "builtin_lesson",
    "builtin_lessons",
    "check",
    "check_lesson",
    "check_model_answer",
    "lesson_from_text",
    "lesson_to_text",
    "load_lesson",
    "page_blocks",
    "page_html",
    "predicted_value",
    "prediction_open",
    "reach_task_from_state",
    "run_experiment",
    "save_lesson",
]


@dataclass(frozen=True)
class TaskResult:
    """Whether a task is done, and one or two sentences for the student."""

    done: bool
    feedback: str


@dataclass(frozen=True)
class RunState:
    """What a task looks at: a run's history so far and the settings it runs with.

    Attributes
    ----------
    param_names : tuple of str
        The history's columns.
    params, loss, grad : numpy.ndarray
        The history's rows: shapes ``(n, len(param_names))``, ``(n,)``, ``(n, …)``; row 0
        is the start.
    status : str
        ``running``, ``converged``, ``max_iter``, ``diverged`` or ``stopped``.
    optimizer : str
        The optimizer's name (``gd``, ``momentum`` …).
    learning_rate : float
        The base learning rate of the run (the last one, if it was changed while running).
    batch_size : int or None
        Rows per step (``None``: all rows, or a function).
    schedule : str
        The kind of the learning-rate schedule (``constant``, ``cosine`` …).
    final_params : mapping or None
        The last parameters in the problem's units, when they differ from the history's
        (standardised data); ``None``: the history's last row.
    """

    param_names: tuple[str, ...]
    params: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    status: str = "running"
    optimizer: str = "gd"
    learning_rate: float = math.nan
    batch_size: int | None = None
    schedule: str = "constant"
    final_params: Mapping[str, float] | None = field(default=None)

    @classmethod
    def from_run(cls, run: Any, keywords: Mapping[str, Any]) -> RunState:
        """The state of a finished :class:`gdstudio.Run` made from ``keywords``."""
        history = run.history
        optimizer = str(keywords.get("optimizer", "gd"))
        return cls(
            param_names=tuple(run.param_names),
            params=history.params.copy(),
            loss=history.loss.copy(),
            grad=history.grad.copy(),
            status=str(run.status),
            optimizer="gd" if optimizer == "sgd" else optimizer,
            learning_rate=float(keywords.get("lr", 0.1 if "expression" in keywords else 0.01)),
            batch_size=keywords.get("batch_size"),
            schedule=_schedule_kind(keywords.get("schedule")),
            final_params=dict(run.params),
        )

    @property
    def steps(self) -> int:
        """Updates made so far."""
        return max(len(self.loss) - 1, 0)

    def last_params(self) -> dict[str, float]:
        """The latest parameters by name (in the problem's units)."""
        if self.final_params is not None:
            return dict(self.final_params)
        if not len(self.loss):
            return {}
        return dict(zip(self.param_names, map(float, self.params[-1]), strict=True))


def reach_task_from_state(state: RunState, prompt: str,
                          answer: Mapping[str, Any] | None = None) -> ReachTask:
    """A reach task that the run in ``state`` completes, for "Add a task from this run".

    It asks for a loss at most the run's last loss (when finite) in at most its steps,
    and for the same ending when the run has ended. ``answer`` is the settings that
    change the page's experiment into this run (``{}``: none).
    """
    conditions: dict[str, Any] = {"max_steps": state.steps}
    loss = float(state.loss[-1]) if len(state.loss) else math.nan
    if math.isfinite(loss):
        conditions["loss_below"] = loss
    if state.status != "running":
        conditions["status"] = (state.status,)
    return ReachTask(prompt=prompt, answer=dict(answer or {}), **conditions)


def check(task: Task, state: RunState | None = None, response: float | int | None = None
          ) -> TaskResult:
    """Whether ``task`` is done.

    Parameters
    ----------
    task : ReachTask, PredictTask or ChooseTask
    state : RunState, optional
        The current run (reach and predict tasks).
    response : float or int, optional
        The student's number (predict) or the index of the chosen option, from 0 (choose).
    """
    if isinstance(task, ChooseTask):
        return _check_choice(task, response)
    if state is None:
        return TaskResult(False, "Run the experiment first.")
    if isinstance(task, PredictTask):
        return _check_prediction(task, state, response)
    return _check_reach(task, state)


def predicted_value(task: PredictTask, state: RunState) -> float | None:
    """The engine's value a predict task asks for, or ``None`` before the run gets there."""
    if len(state.loss) <= task.step:
        return None
    if task.quantity == "loss":
        return float(state.loss[task.step])
    if task.quantity.startswith("gradient "):
        column = state.param_names.index(task.quantity.removeprefix("gradient "))
        return float(state.grad[task.step][column])
    return float(state.params[task.step][state.param_names.index(task.quantity)])


def prediction_open(task: PredictTask, state: RunState) -> bool:
    """Whether the student can still predict: the asked value is not on screen yet.

    True when the next step makes the asked row (the run stands at row ``step − 1``),
    and for a value at the start (``step`` 0) before any step is taken.
    """
    rows = len(state.loss)
    return rows <= 1 if task.step == 0 else rows == task.step


def run_experiment(experiment: Mapping[str, Any], **changes: Any) -> Any:
    """Run a page's experiment headless, with ``changes`` applied; return the Run.

    The one place that turns a lesson's experiment keywords into a run (it becomes
    ``gdstudio.run(Experiment.function(**keywords))`` once experiments exist).
    """
    from gdstudio.api import descend, fit  # lazily: listing and reading lessons need no sympy

    keywords = {**experiment, **changes}
    if "expression" in keywords:
        return descend(keywords.pop("expression"), keywords.pop("start"), **keywords)
    return fit(keywords.pop("model"), keywords.pop("data"), **keywords)


def check_model_answer(page: Page, task: Task) -> TaskResult:
    """Run ``task``'s model answer headless and check it against the task."""
    if isinstance(task, ChooseTask):
        return check(task, None, task.correct)
    assert page.experiment is not None  # the reader refuses such a page
    changes: dict[str, Any] = dict(task.answer) if isinstance(task, ReachTask) else {
        "max_iter": task.step}
    run = run_experiment(page.experiment, **changes)
    state = RunState.from_run(run, {**page.experiment, **changes})
    if isinstance(task, PredictTask):
        return check(task, state, task.answer)
    return check(task, state)


def check_lesson(lesson: Lesson) -> Iterator[tuple[int, int, Task, TaskResult]]:
    """``(page number, task number, task, result)`` for every model answer, from 1.

    Raises
    ------
    LessonError
        Naming the file, line and task, for an experiment that cannot run as written
        (each value is valid, but the engine refuses them together).
    """
    for page_number, page in enumerate(lesson.pages, start=1):
        for task_number, task in enumerate(page.tasks, start=1):
            try:
                result = check_model_answer(page, task)
            except ValueError as error:  # ExpressionError, DataError: one sentence each
                where = page_location(lesson, page_number, task_number)
                raise LessonError(f"{where}: the experiment cannot run: {error}") from None
            yield page_number, task_number, task, result


# ------------------------------------------------------------------------- the checks
def _check_choice(task: ChooseTask, response: float | int | None) -> TaskResult:
    if response is None:
        return TaskResult(False, "Choose an answer.")
    if isinstance(response, bool) or int(response) != response or not (
            0 <= response < len(task.options)):
        return TaskResult(False, f"There is no option {response!r}.")
    feedback = task.options[int(response)].feedback
    return TaskResult(int(response) == task.correct, feedback)


def _check_prediction(task: PredictTask, state: RunState, response: float | None
                      ) -> TaskResult:
    if response is None or not math.isfinite(float(response)):
        return TaskResult(False, "Type your prediction first.")
    value = predicted_value(task, state)
    if value is None:
        if state.status != "running":
            return TaskResult(False, f"The run ended after {_steps(state.steps)}, before step "
                              f"{task.step}: reset the page and try again.")
        return TaskResult(False, f"Take step {task.step} to see the engine's value.")
    name = _quantity_words(task)
    if abs(float(response) - value) <= task.tolerance:
        return TaskResult(True, f"Right: {name} is {value:.6g} (you said {response:.6g}).")
    return TaskResult(False, f"Not quite: {name} is {value:.6g}, you said {response:.6g} "
                      f"(off by {abs(float(response) - value):.3g}).")


def _quantity_words(task: PredictTask) -> str:
    where = "at the start" if task.step == 0 else f"after step {task.step}"
    if task.quantity.startswith("gradient "):
        return f"the slope ∂/∂{task.quantity.removeprefix('gradient ')} {where}"
    return f"{task.quantity} {where}"


def _check_reach(task: ReachTask, state: RunState) -> TaskResult:
    missing = list(_reach_gaps(task, state))
    if missing:
        return TaskResult(False, "Not yet: " + "; ".join(missing) + ".")
    loss = float(state.loss[-1]) if len(state.loss) else math.nan
    return TaskResult(True, f"Done: {state.status} after {_steps(state.steps)}, loss {loss:.4g}.")


def _reach_gaps(task: ReachTask, state: RunState) -> Iterator[str]:
    if task.status is not None and state.status not in task.status:
        wanted = " or ".join(task.status)
        now = "the run is still going" if state.status == "running" else (
            f"the run ended {state.status}")
        yield f"{now}; it must end {wanted}"
    if task.optimizer is not None and state.optimizer not in task.optimizer:
        yield f"the run uses {state.optimizer}, not {' or '.join(task.optimizer)}"
    if task.schedule is not None and state.schedule not in task.schedule:
        yield f"the schedule is {state.schedule}, not {' or '.join(task.schedule)}"
    if task.batch_size is not None:
        wanted_size = None if task.batch_size == "full" else task.batch_size
        if state.batch_size != wanted_size:
            yield f"the batch size is {state.batch_size or 'all rows'}, not {task.batch_size}"
    rate = state.learning_rate
    if task.lr_min is not None and not rate >= task.lr_min:
        yield f"the learning rate {rate:g} is below {task.lr_min:g}"
    if task.lr_max is not None and not rate <= task.lr_max:
        yield f"the learning rate {rate:g} is above {task.lr_max:g}"
    if task.max_steps is not None and state.steps > task.max_steps:
        yield f"it took {_steps(state.steps)}, more than {task.max_steps}"
    if task.min_steps is not None and state.steps < task.min_steps:
        yield f"it took {_steps(state.steps)}, fewer than {task.min_steps}"
    if task.loss_below is not None:
        loss = float(state.loss[-1]) if len(state.loss) else math.nan
        if not loss <= task.loss_below:
            yield f"the loss is {loss:.4g}, not yet at most {task.loss_below:g}"
    final = state.last_params()
    for name, target in task.near.items():
        value = final.get(name, math.nan)
        if not abs(value - target) <= task.tolerance:
            yield f"{name} is {value:.6g}, not within {task.tolerance:g} of {target:g}"


def _steps(count: int) -> str:
    return f"{count} step" if count == 1 else f"{count} steps"


def _schedule_kind(schedule: Mapping[str, Any] | str | None) -> str:
    if schedule is None:
        return "constant"
    kind = schedule if isinstance(schedule, str) else schedule.get("kind", "constant")
    return str(kind).strip().lower()
