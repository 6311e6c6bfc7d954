"""The tasks of a lesson page (``[[page.task]]``): reach, predict and choose.

Each task has a ``kind``, a ``prompt``, optional ``hints`` (revealed one at a time), a
model ``answer`` that ``gdstudio-cli lesson check`` runs, an optional ``explanation`` of
that answer, and ``locked`` (hide the model answer from students).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gdstudio.engine.optimizers import OPTIMIZERS
from gdstudio.engine.schedules import SCHEDULES
from gdstudio.io._lesson_experiment import ANSWER_KEYS, experiment_keywords
from gdstudio.io._lesson_locate import Path
from gdstudio.io._lesson_values import (
    fail,
    flag,
    known_keys,
    number,
    shown,
    table,
    text,
    text_list,
    whole_number,
)
from gdstudio.problems.expression import check_syntax

__all__ = ["STATUSES", "ChooseTask", "Option", "PredictTask", "ReachTask", "Task", "parse_task"]

#: How a run can end (the engine's statuses, without ``running``).
STATUSES = ("converged", "max_iter", "diverged", "stopped")
KINDS = ("reach", "predict", "choose")
MAX_PROMPT = 2_000
MAX_HINTS = 10
MAX_OPTIONS = 10
_COMMON = ("kind", "prompt", "answer")
_OPTIONAL = ("hints", "explanation", "locked")
_REACH_CONDITIONS = ("status", "loss_below", "near", "tolerance", "max_steps", "min_steps",
                     "optimizer", "schedule", "lr_min", "lr_max", "batch_size")


@dataclass(frozen=True)
class _TaskFields:
    prompt: str
    hints: tuple[str, ...] = ()
    explanation: str = ""
    locked: bool = False


@dataclass(frozen=True)
class ReachTask(_TaskFields):
    """Bring the run to a state: every condition given must hold (``None``: not asked).

    Attributes
    ----------
    status : tuple of str or None
        How the run must have ended (any of these): ``converged``, ``max_iter``,
        ``diverged``, ``stopped``.
    loss_below : float or None
        The last loss must be at most this.
    near : mapping of str to float
        Final parameters (in the problem's units) each within ``tolerance`` of these.
    tolerance : float
        Allowed distance for ``near``.
    max_steps, min_steps : int or None
        Bounds on the number of updates made.
    optimizer : tuple of str or None
        The run used one of these optimizers.
    schedule : tuple of str or None
        The run's learning-rate schedule is one of these kinds (``constant``, ``cosine`` …).
    lr_min, lr_max : float or None
        Bounds on the run's base learning rate (inclusive).
    batch_size : int or None or "full"
        Rows per step the run used (``"full"``: all rows); ``None``: not asked.
    answer : mapping
        Model answer: settings that change the page's experiment (e.g. ``{"lr": 0.19}``).
    """

    kind: str = "reach"
    status: tuple[str, ...] | None = None
    loss_below: float | None = None
    near: Mapping[str, float] = field(default_factory=dict)
    tolerance: float = 1e-3
    max_steps: int | None = None
    min_steps: int | None = None
    optimizer: tuple[str, ...] | None = None
    schedule: tuple[str, ...] | None = None
    lr_min: float | None = None
    lr_max: float | None = None
    batch_size: int | str | None = None
    answer: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PredictTask(_TaskFields):
    """Say a number before the engine shows it.

    Attributes
    ----------
    quantity : str
        A parameter's name, ``"loss"``, or ``"gradient NAME"``.
    step : int
        Which row of the run's history: 0 is the start, 1 after the first update.
    tolerance : float
        Largest accepted distance from the engine's value.
    answer : float
        Model answer.
    """

    kind: str = "predict"
    quantity: str = ""
    step: int = 1
    tolerance: float = 1e-3
    answer: float = 0.0


@dataclass(frozen=True)
class Option:
    """One answer of a multiple-choice task and what the student reads on choosing it."""

    text: str
    feedback: str


@dataclass(frozen=True)
class ChooseTask(_TaskFields):
    """A multiple-choice question.

    Attributes
    ----------
    options : tuple of Option
        In the order shown.
    correct : int
        Index (from 0) of the right option; the file's ``answer`` counts from 1.
    """

    kind: str = "choose"
    options: tuple[Option, ...] = ()
    correct: int = 0


Task = ReachTask | PredictTask | ChooseTask


def parse_task(raw: Any, path: Path, experiment: Mapping[str, Any] | None,
               raw_experiment: Mapping[str, Any] | None, experiment_path: Path) -> Task:
    """Check one ``[[page.task]]`` table against its page's (checked) experiment."""
    raw = table(raw, path)
    if "kind" not in raw:
        fail((*path, "kind"), f"is missing (one of {', '.join(KINDS)})")
    kind = raw["kind"]
    if kind not in KINDS:
        fail((*path, "kind"), f"must be one of {', '.join(KINDS)}, not {shown(kind)}")
    if kind != "choose" and experiment is None:
        fail((*path, "kind"), f"a {kind} task needs the page to have an experiment")
    required, optional = {
        "reach": (_COMMON, (*_OPTIONAL, *_REACH_CONDITIONS)),
        "predict": ((*_COMMON, "quantity"), (*_OPTIONAL, "step", "tolerance")),
        "choose": ((*_COMMON, "option"), _OPTIONAL),
    }[kind]
    known_keys(raw, path, required, optional)
    common = {
        "prompt": text(raw["prompt"], (*path, "prompt"), MAX_PROMPT),
        "hints": text_list(raw.get("hints", []), (*path, "hints"), MAX_HINTS, MAX_PROMPT),
        "explanation": text(raw.get("explanation", ""), (*path, "explanation"), MAX_PROMPT,
                            blank=True),
        "locked": flag(raw.get("locked", False), (*path, "locked")),
    }
    if kind == "reach":
        return _reach(raw, path, common, experiment, raw_experiment, experiment_path)
    if kind == "predict":
        return _predict(raw, path, common, experiment)
    return _choose(raw, path, common)


def _reach(raw: Mapping[str, Any], path: Path, common: dict[str, Any],
           experiment: Mapping[str, Any], raw_experiment: Mapping[str, Any],
           experiment_path: Path) -> ReachTask:
    if not any(key in raw for key in _REACH_CONDITIONS if key != "tolerance"):
        fail(path, "asks for nothing: give at least one condition "
             f"({', '.join(k for k in _REACH_CONDITIONS if k != 'tolerance')})")
    conditions: dict[str, Any] = {}
    if "status" in raw:
        conditions["status"] = _names(raw["status"], (*path, "status"), STATUSES)
    if "optimizer" in raw:
        conditions["optimizer"] = _names(raw["optimizer"], (*path, "optimizer"),
                                         tuple(OPTIMIZERS))
    if "schedule" in raw:
        conditions["schedule"] = _names(raw["schedule"], (*path, "schedule"), tuple(SCHEDULES))
    for key in ("loss_below", "lr_min", "lr_max"):
        if key in raw:
            conditions[key] = number(raw[key], (*path, key), positive=key != "loss_below")
    if "tolerance" in raw:
        conditions["tolerance"] = number(raw["tolerance"], (*path, "tolerance"), positive=True)
    for key in ("max_steps", "min_steps"):
        if key in raw:
            conditions[key] = whole_number(raw[key], (*path, key), 0, 10**6)
    if "batch_size" in raw:
        value = raw["batch_size"]
        conditions["batch_size"] = value if value == "full" else whole_number(
            value, (*path, "batch_size"), 1, 10**6)
    if "near" in raw:
        near = table(raw["near"], (*path, "near"))
        names = _parameter_names(experiment)
        for name in near:
            if name not in names:
                fail((*path, "near", name), f"is not a parameter of the page's experiment "
                     f"({', '.join(names)})")
        conditions["near"] = {name: number(v, (*path, "near", name)) for name, v in near.items()}
    answer = table(raw["answer"], (*path, "answer"))
    for key in answer:
        if key not in ANSWER_KEYS:
            fail((*path, "answer", key), "is not a setting a model answer may change "
                 f"(it may change: {', '.join(ANSWER_KEYS)})")

    def where(key: str) -> Path:
        return (*path, "answer", key) if key in answer else (*experiment_path, key)

    # The answer is checked as the experiment it makes, so every sentence is the same.
    checked = experiment_keywords({**raw_experiment, **answer}, where)
    return ReachTask(**common, **conditions, answer={key: checked[key] for key in answer})


def _predict(raw: Mapping[str, Any], path: Path, common: dict[str, Any],
             experiment: Mapping[str, Any]) -> PredictTask:
    quantity = text(raw["quantity"], (*path, "quantity"), 100).strip()
    names = _parameter_names(experiment)
    allowed = [*names, "loss", *(f"gradient {name}" for name in names)]
    if " ".join(quantity.split()) not in allowed:
        fail((*path, "quantity"), f"must be one of {', '.join(allowed)}, not {shown(quantity)}")
    limit = experiment.get("max_iter", 1000)
    step = whole_number(raw.get("step", 1), (*path, "step"), 0, limit)
    return PredictTask(
        **common, quantity=" ".join(quantity.split()), step=step,
        tolerance=number(raw.get("tolerance", 1e-3), (*path, "tolerance"), positive=True),
        answer=number(raw["answer"], (*path, "answer")),
    )


def _choose(raw: Mapping[str, Any], path: Path, common: dict[str, Any]) -> ChooseTask:
    options = raw["option"]
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
        fail((*path, "option"), f"must be from 2 to {MAX_OPTIONS} [[page.task.option]] tables")
    checked = []
    for index, option in enumerate(options, start=1):
        where = (*path, ("option", index))
        option = table(option, where)
        known_keys(option, where, ("text", "feedback"), ())
        checked.append(Option(text(option["text"], (*where, "text"), MAX_PROMPT),
                              text(option["feedback"], (*where, "feedback"), MAX_PROMPT)))
    answer = whole_number(raw["answer"], (*path, "answer"), 1, len(checked))
    return ChooseTask(**common, options=tuple(checked), correct=answer - 1)


def _names(value: Any, path: Path, choices: tuple[str, ...]) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values:
        fail(path, f"must name at least one of {', '.join(choices)}")
    for item in values:
        if item not in choices:
            fail(path, f"must be one of {', '.join(choices)} (or a list of them), not "
                 f"{shown(item)}")
    return tuple(values)


def _parameter_names(experiment: Mapping[str, Any]) -> tuple[str, ...]:
    """The parameters a run of ``experiment`` learns, in the history's order."""
    if "expression" in experiment:
        return tuple(experiment["start"])
    fixed = experiment.get("fixed", {})
    columns = experiment["data"]
    return tuple(name for name in check_syntax(experiment["model"])
                 if name not in columns and name not in fixed)
