"""The checks :class:`~gdstudio.io.project.Project` runs on every value it is given.

Whether a project was built in code or read from a file, the same checks run here, and
their messages name the value by where it sits in the file (``problem.start.x``,
``settings.learning_rate``). Expressions are only *checked* (``check_syntax``: a
whitelist walk of the syntax tree), never run; sympy is not needed to open a project.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gdstudio.engine import OPTIMIZERS, StoppingRules, make_optimizer, make_schedule
from gdstudio.engine.limits import MAX_STEPS, check_max_iter
from gdstudio.io._checks import (
    fail,
    finite_number,
    is_number,
    json_object,
    name_to_number,
    shown,
    text,
    whole_number,
)
from gdstudio.io._history import SavedHistory
from gdstudio.problems._rules import NO_VARIABLE
from gdstudio.problems.dataset import DataError, Dataset
from gdstudio.problems.expression import ExpressionError, check_syntax
from gdstudio.problems.losses import LOSSES

if TYPE_CHECKING:
    from gdstudio.io.project import Project

__all__ = ["MAX_DATA_CELLS", "MAX_ITERATIONS", "validated_fields"]

#: Most data values (rows × columns) a project may hold.
MAX_DATA_CELLS = 2_000_000
#: Largest max_iter a project may ask for (the engine's limit; see gdstudio.engine.limits).
MAX_ITERATIONS = MAX_STEPS
MAX_SEED = 2**63 - 1
MAX_TITLE = 200
MAX_NOTES = 20_000
MAX_COLUMN_NAME = 100
_DEFAULT_DIVERGENCE = StoppingRules().divergence_factor
# Values the data-mode fields must keep in function mode (they are not saved there).
_DATA_ONLY = {"data": None, "model": None, "target": "y", "fixed": {}, "loss": "mse",
              "batch_size": None, "seed": 0, "standardize": False}


def validated_fields(project: Project) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Every field of ``project`` checked and normalised, and the learnt parameters' names.

    Raises
    ------
    ProjectError
        For the first value that is not valid, named by its place in the file.
    """
    fields: dict[str, Any] = {
        "title": text(project.title, "title", MAX_TITLE),
        "notes": text(project.notes, "notes", MAX_NOTES),
    }
    if project.mode == "function":
        problem, names = _function_problem(project)
    elif project.mode == "data":
        problem, names = _data_problem(project)
    else:
        fail("problem.mode", f'must be "function" or "data", not {shown(project.mode)}')
    fields.update(problem)
    fields.update(_settings(project))
    _check_run_length(fields, names)
    fields["history"] = _history(project.history, names)
    return fields, names


# ------------------------------------------------------------------------ problems
def _function_problem(project: Project) -> tuple[dict[str, Any], tuple[str, ...]]:
    expression, names = _expression(project.expression, "problem.expression")
    if not names:
        fail("problem.expression", f"is refused: {NO_VARIABLE}")
    for field, default in _DATA_ONLY.items():
        if getattr(project, field) != default:
            fail(f"problem.{field}", "applies only to data mode, not to a function")
    start = name_to_number(project.start, "problem.start")
    missing = [name for name in names if name not in start]
    if missing:
        fail("problem.start", f"is missing {', '.join(missing)} (the variables of the "
                              f"expression are {', '.join(names)})")
    for name in start:
        if name not in names:
            fail(f"problem.start.{name}", f"is not a variable of the expression (its "
                                          f"variables are {', '.join(names)})")
    return {"expression": expression, "start": {name: start[name] for name in names}}, names


def _data_problem(project: Project) -> tuple[dict[str, Any], tuple[str, ...]]:
    if project.expression is not None:
        fail("problem.expression", "applies only to function mode; data mode has a model")
    data = _dataset(project.data)
    model, names = _expression(project.model, "problem.model")
    target = _target(project.target, data, names)
    parameters = [name for name in names if name not in data]
    if not parameters:
        fail("problem.model", "has no parameters to learn: every name in it is a column of "
                              "the data; add one, as in m*x + b")
    fixed = name_to_number(project.fixed, "problem.fixed")
    for name in fixed:
        if name not in parameters:
            fail(f"problem.fixed.{name}", f"is not a parameter of the model (its parameters "
                                          f"are {', '.join(parameters)})")
    learnt = tuple(name for name in parameters if name not in fixed)
    if not learnt:
        fail("problem.fixed", "fixes every parameter of the model; leave at least one to learn")
    start = name_to_number(project.start, "problem.start")
    for name in start:
        if name not in learnt:
            fail(f"problem.start.{name}", f"is not a learnt parameter of the model (they are "
                                          f"{', '.join(learnt)})")
    fields = {
        "expression": None, "data": data, "model": model, "target": target,
        "fixed": {name: fixed[name] for name in parameters if name in fixed},
        "start": {name: start[name] for name in learnt if name in start},
        "loss": _loss(project.loss), "batch_size": _batch_size(project.batch_size),
        "seed": whole_number(project.seed, "problem.seed", 0, MAX_SEED),
        "standardize": _flag(project.standardize, "problem.standardize"),
    }
    if fields["standardize"] and fixed:
        fail("problem.standardize", "cannot be combined with fixed parameters (their values "
                                    "are in original units)")
    return fields, learnt


def _expression(value: Any, where: str) -> tuple[str, tuple[str, ...]]:
    if not isinstance(value, str):
        fail(where, f"must be text, not {shown(value)}")
    try:
        return value, check_syntax(value)
    except ExpressionError as error:
        fail(where, f"is refused: {error}")


def _dataset(value: Any) -> Dataset:
    if value is None:
        fail("problem.data", "is missing: data mode needs a table of numbers")
    if not isinstance(value, Dataset):
        columns = _columns(value)
        try:
            value = Dataset(columns)
        except DataError as error:
            fail("problem.data", f"is not valid: {error}")
    cells = value.n_rows * len(value.names)
    if cells > MAX_DATA_CELLS:
        fail("problem.data", f"has {cells:,} values, more than the {MAX_DATA_CELLS:,} a "
                             "project keeps")
    for name in value.names:
        text(name, "a column name of problem.data", MAX_COLUMN_NAME)
    return value


def _columns(value: Any) -> Mapping[str, Any]:
    """Refuse oversized tables before converting them, and values that are not numbers."""
    columns = json_object(value, "problem.data")
    sizes = [len(column) if isinstance(column, list | tuple) else 0 for column in columns.values()]
    if sum(sizes) > MAX_DATA_CELLS:
        fail("problem.data", f"has {sum(sizes):,} values, more than the {MAX_DATA_CELLS:,} a "
                             "project keeps")
    for name, column in columns.items():
        if isinstance(column, list | tuple) and not set(map(type, column)) <= {int, float}:
            index = next(i for i, item in enumerate(column) if not is_number(item))
            fail(f"problem.data.{name}[{index}]", f"must be a number, not {shown(column[index])}")
        elif not isinstance(column, list | tuple) and not hasattr(column, "__array__"):
            fail(f"problem.data.{name}", f"must be a list of numbers, not {shown(column)}")
    return columns


def _target(value: Any, data: Dataset, names: tuple[str, ...]) -> str:
    target = text(value, "problem.target", MAX_COLUMN_NAME)
    if target not in data:
        fail("problem.target", f"must name a column of the data ({', '.join(data.names)}), "
                               f"not {shown(target)}")
    if target in names:
        fail("problem.target", f"{target} cannot appear in the model: the model predicts "
                               f"{target} from the other columns")
    return target


def _loss(value: Any) -> str:
    name = text(value, "problem.loss", 20).strip().lower().replace("-", "_")
    if name not in LOSSES:
        fail("problem.loss", f"must be one of {', '.join(LOSSES)}, not {shown(value)}")
    return name


def _batch_size(value: Any) -> int | None:
    return None if value is None else whole_number(value, "problem.batch_size", 1, MAX_DATA_CELLS)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        fail(where, f"must be true or false, not {shown(value)}")
    return value


# ------------------------------------------------------------------------ settings
def _settings(project: Project) -> dict[str, Any]:
    optimizer = _optimizer(project.optimizer)
    return {
        "optimizer": optimizer,
        "hyperparameters": _hyperparameters(project.hyperparameters, optimizer),
        "learning_rate": finite_number(project.learning_rate, "settings.learning_rate",
                                       positive=True),
        "schedule": _schedule(project.schedule),
        "stopping": _stopping(project.stopping),
    }


def _optimizer(value: Any) -> str:
    name = text(value, "settings.optimizer", 20).strip().lower()
    name = "gd" if name == "sgd" else name
    if name not in OPTIMIZERS:
        fail("settings.optimizer", f"must be one of {', '.join(OPTIMIZERS)}, not {shown(value)}")
    return name


def _hyperparameters(value: Any, optimizer: str) -> dict[str, float]:
    where = "settings.hyperparameters"
    values = name_to_number(value, where)
    allowed = OPTIMIZERS[optimizer].defaults
    for key, number in values.items():
        if key not in allowed:
            has = ", ".join(allowed) or "none"
            fail(f"{where}.{key}", f"does not apply to the {optimizer} optimizer (its "
                                   f"hyperparameters: {has})")
        try:
            make_optimizer(optimizer, {key: number})
        except ValueError as error:
            _engine_refused(where, key, error)
    return values


def _schedule(value: Any) -> dict[str, Any]:
    where = "settings.schedule"
    spec = dict(json_object(value, where))
    if "kind" not in spec:
        fail(where, 'is missing its "kind" (constant, step, exponential, inverse_time, cosine)')
    text(spec["kind"], f"{where}.kind", 20)
    for key, item in spec.items():
        if key != "kind" and not is_number(item):
            fail(f"{where}.{key}", f"must be a number, not {shown(item)}")
    try:
        return make_schedule(spec).to_dict()
    except ValueError as error:
        _engine_refused(where, next((key for key in spec if str(error).startswith(key + " ")),
                                    ""), error)


def _stopping(value: Any) -> StoppingRules:
    where = "settings.stopping"
    if not isinstance(value, StoppingRules):
        fail(where, f"must be StoppingRules, not {type(value).__name__}")
    if value.divergence_factor != _DEFAULT_DIVERGENCE:
        fail(f"{where}.divergence_factor", "cannot be saved in a project; keep the default")
    whole_number(value.max_iter, f"{where}.max_iter", 0, MAX_ITERATIONS)
    return value


def _check_run_length(fields: dict[str, Any], names: tuple[str, ...]) -> None:
    """Refuse a step limit whose run would not fit in memory (the engine's rule)."""
    optimizer = make_optimizer(fields["optimizer"], fields["hyperparameters"])
    try:
        check_max_iter(fields["stopping"].max_iter, len(names), optimizer)
    except ValueError as error:
        fail("settings.stopping.max_iter", f"is refused: {error}")


def _engine_refused(where: str, key: str, error: ValueError) -> None:
    message = str(error)
    if key and message.startswith(key + " "):
        fail(f"{where}.{key}", message.removeprefix(key + " "))
    fail(where, f"is refused: {message}")


# ------------------------------------------------------------------------ history
def _history(value: Any, names: tuple[str, ...]) -> SavedHistory | None:
    if value is None:
        return None
    if not isinstance(value, SavedHistory):
        fail("history", f"must be a SavedHistory or None, not {type(value).__name__}")
    if value.param_names != names:
        fail("history.param_names", f"are {', '.join(value.param_names)}, but the problem's "
                                    f"parameters are {', '.join(names)}")
    return value
