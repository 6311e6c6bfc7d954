"""Project files (``.gdstudio``): one problem, its settings and optionally its run.

A :class:`Project` is plain, checked data. :func:`save_project` writes it as versioned
JSON atomically; :func:`load_project` reads a file back, refusing anything that is not a
valid project with one sentence that says what and where, and running nothing that is in
it. See :mod:`gdstudio.io._schema` for the layout.

Examples
--------
>>> project = Project(expression="x**2", start={"x": 3}, learning_rate=0.1,
...                   stopping=StoppingRules(max_iter=100, tol_step=1e-4))
>>> project.param_names
('x',)
>>> project_from_json_text(project_to_json_text(project)) == project
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gdstudio.engine import History, RunSettings, StoppingRules
from gdstudio.io._atomic import atomic_write_bytes
from gdstudio.io._errors import ProjectError, ProjectTooLargeError
from gdstudio.io._history import SavedHistory
from gdstudio.io._jsontext import (
    MAX_FILE_BYTES,
    dumps,
    estimated_size,
    parse_json,
    read_limited,
)
from gdstudio.io._prescan import check_counts
from gdstudio.io._schema import project_from_json, project_to_json
from gdstudio.io._validate import validated_fields
from gdstudio.problems.dataset import Dataset

if TYPE_CHECKING:
    from gdstudio.api import Run

__all__ = [
    "SUFFIX",
    "Project",
    "ProjectError",
    "SavedHistory",
    "load_project",
    "project_from_json_text",
    "project_to_json_text",
    "save_project",
]

#: File name suffix of project files.
SUFFIX = ".gdstudio"


@dataclass(frozen=True, eq=False)
class Project:
    """A problem, how to descend on it, and optionally the record of a run.

    Every value is checked when the project is made (the same checks as when a file is
    opened) and normalised: numbers become floats, the optimizer and loss names their
    canonical spelling, the schedule lists all of its parameters.

    Attributes
    ----------
    mode : str
        ``"function"`` (minimise a typed function) or ``"data"`` (fit a model to data).
    expression : str or None
        Function mode: the cost function, e.g. ``"x**2 + y**2"``.
    data : Dataset or None
        Data mode: the table (a mapping of column name → numbers is converted).
    model, target : str
        Data mode: the model, e.g. ``"m*x + b"``, and the column it predicts.
    start : mapping of str to float
        Function mode: the start of every variable. Data mode: start values of learnt
        parameters in the data's original units (the others start at 0).
    fixed : mapping of str to float
        Data mode: parameters held at a value.
    loss : str
        Data mode: ``sse``, ``mse``, ``half_mse`` or ``mae``.
    batch_size : int or None
        Data mode: rows per step (``None``: all rows).
    seed : int
        Data mode: seed of the mini-batch shuffling.
    standardize : bool
        Data mode: descend on standardised features.
    optimizer, hyperparameters, learning_rate, schedule, stopping
        As in :class:`~gdstudio.engine.RunSettings`.
    history : SavedHistory or None
        The run's record, if it was kept; its parameters are in the units descent worked
        in (standardised when ``standardize`` is on), as in the engine's history.
    title, notes : str
        For people: a name and a few words (a teacher's instructions, say).
    """

    mode: str = "function"
    expression: str | None = None
    data: Dataset | None = None
    model: str | None = None
    target: str = "y"
    start: Mapping[str, float] = field(default_factory=dict)
    fixed: Mapping[str, float] = field(default_factory=dict)
    loss: str = "mse"
    batch_size: int | None = None
    seed: int = 0
    standardize: bool = False
    optimizer: str = "gd"
    hyperparameters: Mapping[str, float] = field(default_factory=dict)
    learning_rate: float = 0.1
    schedule: Mapping[str, Any] = field(default_factory=lambda: {"kind": "constant"})
    stopping: StoppingRules = field(default_factory=StoppingRules)
    history: SavedHistory | None = None
    title: str = ""
    notes: str = ""
    _param_names: tuple[str, ...] = field(init=False, repr=False, default=())

    def __post_init__(self) -> None:
        values, names = validated_fields(self)
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_param_names", names)

    # ------------------------------------------------------------------ reading
    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters descent changes, in the order of the history's columns."""
        return self._param_names

    def to_run_settings(self) -> RunSettings:
        """The optimizer, rate, schedule and stopping rules as engine settings."""
        return RunSettings(optimizer=self.optimizer, hyperparameters=dict(self.hyperparameters),
                           learning_rate=self.learning_rate, schedule=dict(self.schedule),
                           stopping=self.stopping)

    def with_history(self, history: History | SavedHistory | None) -> Project:
        """A copy holding ``history`` (an engine history is copied), or none."""
        if isinstance(history, History):
            history = SavedHistory.from_history(history, self.param_names)
        return replace(self, history=history)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Project):
            return NotImplemented
        return all(_same(getattr(self, name), getattr(other, name)) for name in _FIELDS)

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ running
    def run(self, *, timeout: float = 5.0) -> Run:
        """Run the project headless from its start and return the whole run.

        Function mode goes through :func:`gdstudio.api.descend`, data mode through
        :func:`gdstudio.api.fit` (a :class:`~gdstudio.api.FitRun`).

        Raises
        ------
        ValueError
            When the problem cannot be built (e.g. an expression that is valid text but
            whose derivative takes longer than ``timeout``, or ``standardize`` on a model
            it cannot be undone for).
        """
        from gdstudio.api import descend, fit

        rules = self.stopping
        options: dict[str, Any] = {
            "lr": self.learning_rate, "optimizer": self.optimizer,
            **self.hyperparameters, "schedule": dict(self.schedule),
            "max_iter": rules.max_iter, "tol_step": rules.tol_step,
            "tol_grad": rules.tol_grad, "tol_loss": rules.tol_loss, "timeout": timeout,
        }
        if self.mode == "function":
            assert self.expression is not None
            return descend(self.expression, dict(self.start), **options)
        assert self.model is not None
        return fit(self.model, self.data, target=self.target, start=dict(self.start),
                   fixed=dict(self.fixed), loss=self.loss, batch_size=self.batch_size,
                   seed=self.seed, standardize=self.standardize, **options)

    @classmethod
    def from_run(
        cls, run: Run, *, with_history: bool = True, title: str = "", notes: str = ""
    ) -> Project:
        """The project that describes ``run`` (a :class:`~gdstudio.api.Run` or ``FitRun``).

        The settings are the ones in force at the end of the run; the start is the run's
        first point (in original units for a standardised fit).
        """
        descent, objective = run.descent, run.objective
        optimizer = descent.optimizer
        common: dict[str, Any] = {
            "optimizer": optimizer.name, "hyperparameters": dict(optimizer.hyperparameters),
            "learning_rate": descent.learning_rate, "schedule": descent.schedule.to_dict(),
            "stopping": descent.stopping, "title": title, "notes": notes,
        }
        first = run.history.params[0]
        if objective.n_samples is None:
            project = cls(mode="function", expression=objective.text,
                          start=dict(zip(run.param_names, first.tolist(), strict=True)),
                          **common)
        else:
            project = cls(mode="data", **_data_fields(run, first), **common)
        return project.with_history(run.history) if with_history else project


# Fields compared by Project.__eq__ (not the cached parameter names).
_FIELDS = tuple(name for name in Project.__dataclass_fields__ if not name.startswith("_"))


def _data_fields(run: Run, first: np.ndarray) -> dict[str, Any]:
    objective, batching = run.objective, run.descent.batching
    original = objective.to_original(first).tolist()
    return {
        "data": objective.data, "model": objective.model_text, "target": objective.target,
        "start": dict(zip(run.param_names, original, strict=True)),
        "fixed": dict(objective.fixed), "loss": objective.loss,
        "batch_size": None if batching is None else batching.batch_size,
        "seed": 0 if batching is None else batching.seed,
        "standardize": objective.standardization is not None,
    }


def _same(first: Any, second: Any) -> bool:
    if isinstance(first, Dataset) or isinstance(second, Dataset):
        return (isinstance(first, Dataset) and isinstance(second, Dataset)
                and first.names == second.names
                and all(np.array_equal(first[name], second[name]) for name in first.names))
    return bool(first == second)


# ---------------------------------------------------------------------- files
def project_to_json_text(project: Project) -> str:
    """The text of a project file for ``project``."""
    return dumps(project_to_json(project))


def project_from_json_text(text: str | bytes) -> Project:
    """Read a project from the text (or raw bytes) of a project file.

    Raises
    ------
    ProjectError
        For anything that is not a valid project, with one sentence saying what and where.
    """
    check_counts(text)  # too many rows or values: refused before parsing builds them
    return project_from_json(parse_json(text))


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write ``project`` to ``path`` atomically.

    The text goes to a temporary file beside ``path``, is flushed and synced, and then
    replaces ``path`` in one rename; if anything fails, the previous file is untouched
    and the temporary file removed.

    Raises
    ------
    ProjectTooLargeError
        When the file would exceed the 50 MB that :func:`load_project` accepts (save the
        project without its history then); nothing is written.
    ProjectError
        When the file cannot be written (the reason is given); the old file is unchanged.
    """
    target = Path(path)
    content = project_to_json(project)
    estimate = estimated_size(content)
    if estimate > 1.2 * MAX_FILE_BYTES:  # far too large: say so without writing it out
        raise ProjectTooLargeError(_too_large(target, estimate, "about "))
    data = dumps(content).encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ProjectTooLargeError(_too_large(target, len(data), ""))
    try:
        atomic_write_bytes(target, data)
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise ProjectError(f"{target.name}: could not be saved ({reason}); the previous file "
                           "is unchanged") from error


def _too_large(target: Path, size: int, about: str) -> str:
    return (f"{target.name}: the project would be {about}{size / 1e6:.1f} MB, more than the "
            f"{MAX_FILE_BYTES // 2**20} MB a project file may hold; save it without its "
            "history")


def load_project(path: str | os.PathLike[str]) -> Project:
    """Open a project file.

    Raises
    ------
    ProjectError
        Prefixed by the file's name, for a missing, unreadable, oversized, non-UTF-8,
        truncated, corrupt, foreign, newer, deeply nested or invalid file.
    """
    source = Path(path)
    try:
        return project_from_json_text(read_limited(source))
    except ProjectError as error:
        raise ProjectError(f"{source.name}: {error}") from None
