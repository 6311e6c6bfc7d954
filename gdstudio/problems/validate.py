"""The checks an :class:`~gdstudio.problems.experiment.Experiment` runs on every value.

Whether an experiment comes from the scripting API, the command line, the gallery or a
project file, the same checks run here, once, and their messages name the value by where
it sits in a project file (``problem.start.x``, ``settings.learning_rate``); the API
renames the place to its keyword. Expressions are only *checked* (``check_syntax``: a
whitelist walk of the syntax tree), never run; sympy is not needed to open a project.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from gdstudio.engine import (
    OPTIMIZERS,
    RunSettings,
    StoppingRules,
    make_optimizer,
    make_schedule,
)
from gdstudio.engine.limits import MAX_STEPS, check_max_iter
from gdstudio.problems._rules import NO_VARIABLE
from gdstudio.problems.checks import (
    fail,
    finite_number,
    is_number,
    json_object,
    name_to_number,
    shown,
    text,
    whole_number,
)
from gdstudio.problems.dataset import DataError, Dataset
from gdstudio.problems.expression import ExpressionError, check_syntax
from gdstudio.problems.losses import LOSSES

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_ITERATIONS",
    "Problem",
    "check_run_length",
    "settings_fields",
    "stopping_rules",
    "validated_problem",
    "validated_settings",
]

#: Largest batch_size an experiment may ask for.
MAX_BATCH_SIZE = 1_000_000_000
#: Largest max_iter an experiment may ask for (the engine's limit; see gdstudio.engine.limits).
MAX_ITERATIONS = MAX_STEPS
MAX_SEED = 2**63 - 1
MAX_COLUMN_NAME = 100
_DEFAULT_DIVERGENCE = StoppingRules().divergence_factor
# Values the data-mode fields must keep in function mode (they are not saved there).
_DATA_ONLY = {"dataset": None, "model": None, "target": "y", "fixed": {}, "loss": "mse",
              "batch_size": None, "seed": 0, "standardize": False}


class Problem(Protocol):
    """The problem's fields as :func:`validated_problem` reads them (an ``Experiment``'s)."""

    mode: Any
    expression: Any
    dataset: Any
    model: Any
    target: Any
    start: Any
    fixed: Any
    loss: Any
    batch_size: Any
    seed: Any
    standardize: Any
    variables: Any


def validated_problem(project: Problem) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The problem's fields checked and normalised, and the learnt parameters' names.

    Raises
    ------
    ExperimentError
        For the first value that is not valid, named by its place in a project file.
    """
    if project.mode == "function":
        return _function_problem(project)
    if project.mode == "data":
        return _data_problem(project)
    fail("problem.mode", f'must be "function" or "data", not {shown(project.mode)}')


def validated_settings(settings: Any) -> RunSettings:
    """``settings`` (a :class:`RunSettings`) checked, with normalised values.

    Raises
    ------
    ExperimentError
        For the first value that is not valid, named by its place in a project file.
    """
    if not isinstance(settings, RunSettings):
        fail("settings", f"must be RunSettings, not {type(settings).__name__}")
    return RunSettings(**settings_fields(settings.optimizer, settings.hyperparameters,
                                         settings.learning_rate, settings.schedule,
                                         settings.stopping))


# ------------------------------------------------------------------------ problems
def _function_problem(project: Problem) -> tuple[dict[str, Any], tuple[str, ...]]:
    expression, names = _expression(project.expression, "problem.expression")
    for field, default in _DATA_ONLY.items():
        if getattr(project, field) != default:
            place = "data" if field == "dataset" else field  # a project file says "data"
            fail(f"problem.{place}", "applies only to data mode, not to a function")
    if project.variables is not None:
        names = _variables(project.variables, names)
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


def _data_problem(project: Problem) -> tuple[dict[str, Any], tuple[str, ...]]:
    if project.expression is not None:
        fail("problem.expression", "applies only to function mode; data mode has a model")
    if project.variables is not None:
        fail("problem.variables", "applies only to function mode; data mode orders the "
                                  "parameters as the model names them")
    data = _dataset(project.dataset)
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
        "expression": None, "dataset": data, "model": model, "target": target,
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
        names = check_syntax(value)
        if not names and where == "problem.expression":  # a model may be a constant
            raise ExpressionError(NO_VARIABLE)
    except ExpressionError as error:
        fail(where, f"is refused: {error}")
    return value, names


def _dataset(value: Any) -> Dataset:
    if value is None:
        fail("problem.data", "is missing: data mode needs a table of numbers")
    if not isinstance(value, Dataset):
        columns = _columns(value)
        try:
            value = Dataset(columns)
        except DataError as error:
            fail("problem.data", f"is not valid: {error}")
    for name in value.names:
        text(name, "a column name of problem.data", MAX_COLUMN_NAME)
    return value


def _columns(value: Any) -> Mapping[str, Any]:
    """Refuse values that are not numbers before converting the columns."""
    columns = json_object(value, "problem.data")
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
    return None if value is None else whole_number(value, "problem.batch_size", 1, MAX_BATCH_SIZE)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        fail(where, f"must be true or false, not {shown(value)}")
    return value


# ------------------------------------------------------------------------ settings
def _variables(value: Any, names: tuple[str, ...]) -> tuple[str, ...]:
    """The order of the parameters a caller asked for: the expression's names, reordered."""
    if isinstance(value, str) or not isinstance(value, tuple | list):
        fail("problem.variables", f"must be a list of names, not {shown(value)}")
    if sorted(map(str, value)) != sorted(names) or len(set(value)) != len(value):
        fail("problem.variables", f"must name each variable of the expression once "
                                  f"({', '.join(names)}), not {', '.join(map(str, value))}")
    return tuple(value)


def settings_fields(
    optimizer: Any, hyperparameters: Any, learning_rate: Any, schedule: Any, stopping: Any
) -> dict[str, Any]:
    """The fields of :class:`RunSettings`, checked and normalised, from any values.

    Raises
    ------
    ExperimentError
        For the first value that is not valid, named by its place in a project file.
    """
    name = _optimizer(optimizer)
    return {
        "optimizer": name,
        "hyperparameters": _hyperparameters(hyperparameters, name),
        "learning_rate": finite_number(learning_rate, "settings.learning_rate", positive=True),
        "schedule": _schedule(schedule),
        "stopping": _stopping(stopping),
    }


def stopping_rules(
    max_iter: Any = 1000, tol_step: Any = None, tol_grad: Any = None, tol_loss: Any = None
) -> StoppingRules:
    """:class:`StoppingRules` from any values, checked as a project file's.

    Raises
    ------
    ExperimentError
        For the first value that is not valid (``settings.stopping.max_iter`` …).
    """
    where = "settings.stopping"
    tolerances = {}
    for key, item in (("tol_step", tol_step), ("tol_grad", tol_grad), ("tol_loss", tol_loss)):
        tolerances[key] = None if item is None else finite_number(item, f"{where}.{key}",
                                                                 positive=True)
    if not is_number(max_iter):
        fail(f"{where}.max_iter", f"must be a whole number, not {shown(max_iter)}")
    return StoppingRules(max_iter=_max_iter(max_iter, f"{where}.max_iter"), **tolerances)


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
        if key != "kind":
            finite_number(item, f"{where}.{key}")  # a 500-digit int must not overflow later
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
    _max_iter(value.max_iter, f"{where}.max_iter")
    return value


def _max_iter(value: Any, where: str) -> int:
    if is_number(value) and value > MAX_ITERATIONS:
        amount = f"{value:,}" if isinstance(value, int) and value < 10**40 else shown(value)
        fail(where, f"must be at most {MAX_ITERATIONS:,} (every step is kept in memory), "
                    f"not {amount}")
    return whole_number(value, where, 0, MAX_ITERATIONS)


def check_run_length(settings: RunSettings, names: tuple[str, ...]) -> None:
    """Refuse a step limit whose run would not fit in memory (the engine's rule).

    Raises
    ------
    ExperimentError
        Naming ``settings.stopping.max_iter`` and the limit for this problem.
    """
    optimizer = make_optimizer(settings.optimizer, settings.hyperparameters)
    try:
        check_max_iter(settings.stopping.max_iter, len(names), optimizer)
    except ValueError as error:
        fail("settings.stopping.max_iter", f"is refused: {error}")


def _engine_refused(where: str, key: str, error: ValueError) -> None:
    message = str(error)
    if key and message.startswith(key + " "):
        fail(f"{where}.{key}", message.removeprefix(key + " "))
    fail(where, f"is refused: {message}")
