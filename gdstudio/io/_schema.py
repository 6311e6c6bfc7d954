"""The layout of a project file (format 1) and the conversion to and from :class:`Project`.

::

    {"format": "gdstudio-project", "version": 1, "title": "...", "notes": "...",
     "problem": {"mode": "function", "expression": "x**2", "start": {"x": 3.0}},
     "settings": {"optimizer": "gd", "hyperparameters": {}, "learning_rate": 0.1,
                  "schedule": {"kind": "constant"},
                  "stopping": {"max_iter": 100, "tol_step": 0.0001, "tol_grad": null,
                               "tol_loss": null}},
     "history": {"param_names": ["x"], "params": [[3.0], ...], "loss": [...],
                 "grad": [[6.0], ...], "lr": [..., "NaN"], "step_size": [..., "NaN"],
                 "epoch": [0, ...]}}

A data-mode ``problem`` holds ``"mode": "data"``, ``data`` (column name → list of numbers),
``model``, ``target``, ``start``, ``fixed``, ``loss``, ``batch_size`` (null for full
batch), ``seed`` and ``standardize``. ``history`` is optional. Unknown keys are refused
everywhere; keys with a default may be left out when writing a file by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from gdstudio.engine import StoppingRules
from gdstudio.io._errors import ProjectError
from gdstudio.io._history import HISTORY_KEYS, METHOD_KEYS, SavedHistory
from gdstudio.io._migrate import FORMAT, VERSION, migrate
from gdstudio.problems.checks import ExperimentError, fail, json_object, known_keys, shown
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.experiment import Experiment
from gdstudio.problems.validate import stopping_rules

__all__ = ["MAX_DATA_CELLS", "ProjectLike", "check_data_size", "project_from_json",
           "project_to_json"]

#: Most data values (rows × columns) a project may hold (a script may fit more).
MAX_DATA_CELLS = 2_000_000

T = TypeVar("T")


class ProjectLike(Protocol):
    """What a project file holds (a :class:`~gdstudio.io.project.Project`)."""

    experiment: Experiment
    history: SavedHistory | None
    title: str
    notes: str


_ROOT = (("format", "version", "problem", "settings"), ("title", "notes", "history"))
_FUNCTION = (("mode", "expression", "start"), ())
_DATA = (("mode", "data", "model"),
         ("target", "start", "fixed", "loss", "batch_size", "seed", "standardize"))
_SETTINGS = (("learning_rate",), ("optimizer", "hyperparameters", "schedule", "stopping"))
_STOPPING = ((), ("max_iter", "tol_step", "tol_grad", "tol_loss"))


def project_to_json(project: ProjectLike) -> dict[str, Any]:
    """The JSON data of a project (format :data:`VERSION`); columns are numpy arrays."""
    data: dict[str, Any] = {"format": FORMAT, "version": VERSION, "title": project.title,
                            "notes": project.notes,
                            "problem": _problem_to_json(project.experiment),
                            "settings": _settings_to_json(project.experiment)}
    if project.history is not None:
        history = project.history
        data["history"] = {"param_names": list(history.param_names),
                           **{name: getattr(history, name) for name in HISTORY_KEYS[1:]},
                           **{name: getattr(history, name) for name in METHOD_KEYS
                              if getattr(history, name) is not None}}
    return data


def project_from_json(value: Any, make: Callable[..., T]) -> T:
    """Check the header, migrate old versions, check every key and ``make(**fields)``.

    Raises
    ------
    ProjectError
        For a foreign or newer file and for the first value that is not valid.
    """
    version = _checked_header(value)
    data = migrate(value, version)
    try:
        return make(**_fields_from_json(data))
    except ExperimentError as error:
        if version == VERSION:
            raise
        raise ProjectError(f"after upgrading the file from format {version}: {error}") from None


# ------------------------------------------------------------------------ writing
def _problem_to_json(project: Experiment) -> dict[str, Any]:
    if project.mode == "function":
        return {"mode": "function", "expression": project.expression,
                "start": dict(project.start)}
    data = project.dataset
    assert data is not None
    return {
        "mode": "data",
        "data": {name: data[name] for name in data.names},
        "model": project.model, "target": project.target, "start": dict(project.start),
        "fixed": dict(project.fixed), "loss": project.loss, "batch_size": project.batch_size,
        "seed": project.seed, "standardize": project.standardize,
    }


def _settings_to_json(experiment: Experiment) -> dict[str, Any]:
    settings = experiment.settings
    stopping = settings.stopping
    return {
        "optimizer": settings.optimizer,
        "hyperparameters": dict(settings.hyperparameters),
        "learning_rate": settings.learning_rate,
        "schedule": dict(settings.schedule),
        "stopping": {"max_iter": stopping.max_iter, "tol_step": stopping.tol_step,
                     "tol_grad": stopping.tol_grad, "tol_loss": stopping.tol_loss},
    }


# ------------------------------------------------------------------------ reading
def _checked_header(value: Any) -> int:
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else f"the single value {shown(value)}"
        raise ProjectError(f"this is not a Gradient Descent Studio project: the file holds "
                           f"{kind}, not an object")
    if value.get("format") != FORMAT:
        found = "no format" if "format" not in value else f"the format {shown(value['format'])}"
        raise ProjectError(f'this is not a Gradient Descent Studio project: it has {found}, '
                           f'not "format": "{FORMAT}"')
    if "version" not in value:
        raise ProjectError("the file has no version")
    version = value["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ProjectError(f"version must be a whole number of at least 0, not {shown(version)}")
    if version > VERSION:
        raise ProjectError(f"was saved by a newer Gradient Descent Studio (format {version}); "
                           f"this one reads up to {VERSION}")
    return version


def _fields_from_json(data: dict[str, Any]) -> dict[str, Any]:
    known_keys(data, "the file", *_ROOT)
    fields: dict[str, Any] = {"title": data.get("title", ""), "notes": data.get("notes", "")}
    fields.update(_problem_from_json(data["problem"]))
    fields.update(_settings_from_json(data["settings"]))
    history = data.get("history")
    fields["history"] = None if history is None else SavedHistory.from_json(history)
    return fields


def _problem_from_json(value: Any) -> dict[str, Any]:
    problem = dict(json_object(value, "problem"))
    mode = problem.get("mode")
    if mode not in ("function", "data"):
        fail("problem.mode", f'must be "function" or "data", not {shown(mode)}')
    known_keys(problem, "problem", *(_FUNCTION if mode == "function" else _DATA))
    if isinstance(problem.get("data"), dict):
        check_data_size(problem["data"])  # before the columns become arrays
    return problem


def check_data_size(data: Any) -> None:
    """Refuse a table (a Dataset, or a file's column → list mapping) that is too large.

    Raises
    ------
    ExperimentError
        Saying how many values it has and how many a project keeps.
    """
    if data is None:
        return
    if isinstance(data, Dataset):
        cells = data.n_rows * len(data.names)
    else:
        cells = sum(len(column) for column in data.values() if isinstance(column, list))
    if cells > MAX_DATA_CELLS:
        fail("problem.data", f"has {cells:,} values, more than the {MAX_DATA_CELLS:,} a "
                             "project keeps")



def _settings_from_json(value: Any) -> dict[str, Any]:
    settings = dict(json_object(value, "settings"))
    known_keys(settings, "settings", *_SETTINGS)
    settings["stopping"] = _stopping_from_json(settings.get("stopping", {}))
    return settings


def _stopping_from_json(value: Any) -> StoppingRules:
    where = "settings.stopping"
    rules = json_object(value, where)
    known_keys(rules, where, *_STOPPING)
    return stopping_rules(**{key: rules[key] for key in _STOPPING[1] if key in rules})
