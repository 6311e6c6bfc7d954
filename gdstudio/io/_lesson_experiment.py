"""A page's experiment in a lesson file → the keyword arguments of ``descend`` / ``fit``.

Function mode has ``expression`` and ``start``; data mode has ``data`` (columns of
numbers), ``model`` and the data keywords. Both take the run settings (optimizer,
hyperparameters, rate, schedule, stopping rules). Expressions and models only go through
the safe syntax check here; nothing is compiled or run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gdstudio.engine.optimizers import HYPERPARAMETER_NAMES, OPTIMIZERS
from gdstudio.engine.schedules import make_schedule
from gdstudio.io._lesson_locate import Path
from gdstudio.io._lesson_values import (
    choice,
    fail,
    flag,
    number,
    shown,
    table,
    text,
    whole_number,
)
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.expression import check_syntax
from gdstudio.problems.losses import LOSSES

__all__ = ["ANSWER_KEYS", "experiment_keywords"]

HYPERPARAMETERS = HYPERPARAMETER_NAMES
STOPPING = ("max_iter", "tol_step", "tol_grad", "tol_loss")
SETTINGS = ("optimizer", "lr", *HYPERPARAMETERS, "schedule", *STOPPING)
FUNCTION_KEYS = ("expression", "start", *SETTINGS)
DATA_KEYS = ("data", "model", "target", "start", "fixed", "loss", "batch_size", "seed",
             "standardize", *SETTINGS)
#: What a reach task's model answer may change (the problem itself stays the page's).
ANSWER_KEYS = ("start", "fixed", "loss", "batch_size", "seed", "standardize", *SETTINGS)

MAX_ITER = 100_000
MAX_ROWS = 10_000
MAX_COLUMNS = 20
MAX_EXPRESSION = 500

#: Where each key of the experiment is written (the experiment's table, or an answer).
Where = Callable[[str], Path]


def experiment_keywords(raw: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """Check an experiment table and return exactly the keywords of ``descend``/``fit``.

    The result has ``expression`` (function mode) or ``data`` and ``model`` (data mode);
    ``speed`` is not part of it. A tolerance written ``false`` becomes ``None`` (off).

    Raises
    ------
    LessonValueError
        Naming the first key that is missing, unknown or not valid.
    """
    if "expression" in raw and ("data" in raw or "model" in raw):
        fail(where("expression"), "cannot go with data and model: a page is either a "
             "function to minimise or a model to fit")
    data_mode = "data" in raw or "model" in raw
    allowed = DATA_KEYS if data_mode else FUNCTION_KEYS
    for key in raw:
        if key not in allowed:
            mode = "data" if data_mode else "function"
            fail(where(key), f"is not a key of a {mode} experiment (known: {', '.join(allowed)})")
    required = ("data", "model") if data_mode else ("expression", "start")
    for key in required:
        if key not in raw:
            fail(where(key), "is missing")
    keywords = _data(raw, where) if data_mode else _function(raw, where)
    keywords.update(_settings(raw, where))
    return keywords


def _function(raw: Mapping[str, Any], where: Where) -> dict[str, Any]:
    expression = text(raw["expression"], where("expression"), MAX_EXPRESSION)
    names = _syntax(expression, where("expression"))
    start = raw["start"]
    if not isinstance(start, Mapping) and len(names) == 1:
        start = {names[0]: start}
    start = _numbers(start, where("start"))
    for name in names:
        if name not in start:
            fail(where("start"), f"is missing the start value of {name}")
    for name in start:
        if name not in names:
            fail((*where("start"), name), f"is not a variable of {expression} "
                 f"({', '.join(names) or 'it has none'})")
    return {"expression": expression, "start": {name: start[name] for name in names}}


def _data(raw: Mapping[str, Any], where: Where) -> dict[str, Any]:
    columns = _columns(raw["data"], where("data"))
    model = text(raw["model"], where("model"), MAX_EXPRESSION)
    names = _syntax(model, where("model"))
    target = text(raw.get("target", "y"), where("target"), 100)
    if target not in columns:
        fail(where("target"), f"must be a column of the data ({', '.join(columns)}), "
             f"not {shown(target)}")
    if target in names:
        fail(where("model"), f"must not use the target column {target}")
    parameters = [name for name in names if name not in columns]
    if not parameters:
        fail(where("model"), "has no parameter to learn: every name in it is a column")
    keywords: dict[str, Any] = {"data": columns, "model": model, "target": target}
    for key in ("start", "fixed"):
        if key in raw:
            values = _numbers(raw[key], where(key))
            for name in values:
                if name not in parameters:
                    fail((*where(key), name), f"is not a parameter of the model "
                         f"({', '.join(parameters)})")
            keywords[key] = values
    if "loss" in raw:
        keywords["loss"] = choice(raw["loss"], where("loss"), LOSSES)
    if "batch_size" in raw:
        rows = len(next(iter(columns.values())))
        keywords["batch_size"] = whole_number(raw["batch_size"], where("batch_size"), 1, rows)
    if "seed" in raw:
        keywords["seed"] = whole_number(raw["seed"], where("seed"), 0, 2**32 - 1)
    if "standardize" in raw:
        keywords["standardize"] = flag(raw["standardize"], where("standardize"))
    fixed = keywords.get("fixed", {})
    if fixed and all(name in fixed for name in parameters):
        fail(where("fixed"), "fixes every parameter of the model: leave at least one to learn")
    if fixed and keywords.get("standardize"):
        fail(where("standardize"), "cannot be combined with fixed parameters (their values "
             "are in original units)")
    return keywords


def _settings(raw: Mapping[str, Any], where: Where) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    optimizer = "gd"
    if "optimizer" in raw:
        optimizer = choice(raw["optimizer"], where("optimizer"), (*OPTIMIZERS, "sgd"))
        optimizer = "gd" if optimizer == "sgd" else optimizer
        settings["optimizer"] = optimizer
    if "lr" in raw:
        settings["lr"] = number(raw["lr"], where("lr"), positive=True)
    for name in HYPERPARAMETERS:
        if name in raw:
            known = OPTIMIZERS[optimizer].defaults
            if name not in known:
                has = ", ".join(known) or "no hyperparameters"
                fail(where(name), f"does not apply to the {optimizer} optimizer (it has {has})")
            settings[name] = number(raw[name], where(name), minimum=0)
    if "schedule" in raw:
        settings["schedule"] = _schedule(raw["schedule"], where("schedule"))
    if "max_iter" in raw:
        settings["max_iter"] = whole_number(raw["max_iter"], where("max_iter"), 0, MAX_ITER)
    for name in STOPPING[1:]:
        if name in raw:
            value = raw[name]
            settings[name] = None if value is False else number(value, where(name),
                                                                positive=True)
    return settings


def _schedule(value: Any, path: Path) -> dict[str, Any]:
    spec = {"kind": value} if isinstance(value, str) else dict(table(value, path))
    for key, item in spec.items():
        if key != "kind" and (not isinstance(item, int | float) or isinstance(item, bool)):
            fail((*path, key), f"must be a number, not {shown(item)}")
    if isinstance(spec.get("kind"), str):
        spec["kind"] = spec["kind"].strip().lower()
    try:
        make_schedule(spec)
    except (TypeError, ValueError) as error:
        fail(path, f"is not a valid schedule: {error}")
    return spec


def _syntax(expression: str, path: Path) -> tuple[str, ...]:
    try:
        return check_syntax(expression)
    except ValueError as error:  # ExpressionError
        fail(path, f"is not an expression this program accepts: {error}")


def _numbers(value: Any, path: Path) -> dict[str, float]:
    values = table(value, path)
    return {str(name): number(item, (*path, str(name))) for name, item in values.items()}


def _columns(value: Any, path: Path) -> dict[str, list[float]]:
    columns = table(value, path)
    if not columns:
        fail(path, "has no columns")
    if len(columns) > MAX_COLUMNS:
        fail(path, f"has {len(columns)} columns; at most {MAX_COLUMNS}")
    checked: dict[str, list[float]] = {}
    for name, cells in columns.items():
        where = (*path, name)
        if not isinstance(cells, list):
            fail(where, f"must be a list of numbers, not {shown(cells)}")
        if len(cells) > MAX_ROWS:
            fail(where, f"has {len(cells):,} rows; at most {MAX_ROWS:,}")
        checked[name] = [number(cell, where) for cell in cells]
    try:
        Dataset(checked)
    except ValueError as error:
        fail(path, f"is not a valid table: {error}")
    return checked

