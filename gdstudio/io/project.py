"""Project files (``.gdstudio``): an :class:`Experiment` and optionally its run.

A :class:`Project` is an :class:`~gdstudio.problems.experiment.Experiment` (checked data:
the problem, its start and its settings) plus what the window adds: a title, notes and
optionally the record of a run. :func:`save_project` writes it as versioned JSON
atomically; :func:`load_project` reads a file back, refusing anything that is not a valid
project with one sentence that says what and where, and running nothing that is in it
(run ``load_project(path).experiment`` with :func:`gdstudio.run`). See
:mod:`gdstudio.io._schema` for the layout.

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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gdstudio.engine import History, RunSettings, StoppingRules  # noqa: F401 (doctest)
from gdstudio.io._branches import SavedBranch, check_branches
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
from gdstudio.io._schema import check_data_size, project_from_json, project_to_json
from gdstudio.io.experiment import Experiment
from gdstudio.io.files import atomic_write_bytes
from gdstudio.problems import experiment as _problems_experiment
from gdstudio.problems.checks import ExperimentError, fail, text

if TYPE_CHECKING:  # only a type: opening a project does not build the gallery
    from gdstudio.problems.gallery import Example

__all__ = [
    "SUFFIX",
    "Project",
    "ProjectError",
    "SavedBranch",
    "SavedHistory",
    "load_project",
    "project_from_json_text",
    "project_to_json_text",
    "save_project",
]

#: File name suffix of project files.
SUFFIX = ".gdstudio"
MAX_TITLE = 200
MAX_NOTES = 20_000

# Names a project reads from its experiment, and from the experiment's settings.
_PROBLEM_FIELDS = ("mode", "expression", "data", "model", "target", "start", "fixed", "loss",
                   "batch_size", "seed", "standardize", "param_names")
_SETTINGS_FIELDS = ("optimizer", "hyperparameters", "learning_rate", "schedule", "stopping")


class RunRecord(Protocol):
    """What :meth:`Project.from_run` reads from a run (a :class:`gdstudio.Run`)."""

    @property
    def experiment(self) -> Experiment: ...

    @property
    def history(self) -> History: ...


@dataclass(frozen=True, eq=False, init=False)
class Project:
    """An experiment, a title and notes, and optionally the record of a run.

    Make one from an :class:`Experiment`, or field by field with the names of a project
    file (``Project(expression="x**2", start={"x": 3}, learning_rate=0.1)``); the problem
    and settings fields read through to the experiment (``project.learning_rate``).

    Attributes
    ----------
    experiment : Experiment
        The problem, its start and its :class:`~gdstudio.engine.RunSettings`: always the
        public ``gdstudio.Experiment`` (:mod:`gdstudio.io.experiment`), even when the
        project was made from one of the problems layer's (a gallery example's).
    history : SavedHistory or None
        The run's record, if it was kept; its parameters are in the units descent worked
        in (standardised when ``standardize`` is on), as in the engine's history.
    branches : tuple of SavedBranch
        "What if" runs forked from a step of the run or of an earlier branch.
    title, notes : str
        For people: a name and a few words (a teacher's instructions, say).

    Raises
    ------
    ProjectError
        For the first value that is not valid, named by its place in the file.
    """

    experiment: Experiment
    history: SavedHistory | None
    title: str
    notes: str
    branches: tuple[SavedBranch, ...]

    def __init__(
        self,
        experiment: Experiment | None = None,
        *,
        history: SavedHistory | None = None,
        title: str = "",
        notes: str = "",
        branches: tuple[SavedBranch, ...] = (),
        **fields: Any,
    ) -> None:
        try:
            if experiment is None:
                experiment = Experiment.from_fields(**fields)
            elif fields:
                fail("project", f"takes an experiment or its fields, not both "
                                f"({', '.join(fields)})")
            elif not isinstance(experiment, _problems_experiment.Experiment):
                fail("project", f"needs an Experiment, not {type(experiment).__name__}")
            experiment = Experiment.of(experiment)  # the public class, whoever made it
            check_data_size(experiment.dataset)
            values = {"experiment": experiment, "title": text(title, "title", MAX_TITLE),
                      "notes": text(notes, "notes", MAX_NOTES),
                      "history": _history(history, experiment.param_names)}
            values["branches"] = check_branches(
                branches, experiment.param_names,
                None if history is None else len(values["history"]) - 1)
        except ProjectError:
            raise
        except ExperimentError as error:
            raise ProjectError(str(error)) from None
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        if name == "data":  # a project file's name for the experiment's dataset
            return self.experiment.dataset
        if name in _PROBLEM_FIELDS:
            return getattr(self.experiment, name)
        if name in _SETTINGS_FIELDS:
            return getattr(self.experiment.settings, name)
        raise AttributeError(f"'Project' object has no attribute {name!r}")

    # ------------------------------------------------------------------ reading
    def to_run_settings(self) -> RunSettings:
        """The optimizer, rate, schedule and stopping rules as engine settings."""
        return self.experiment.settings

    def replace(self, **changes: Any) -> Project:
        """A copy with ``changes``: ``experiment``, ``history``, ``title``, ``notes`` or any
        field of a project file's problem and settings (``learning_rate``, ``start`` …).

        Raises
        ------
        ProjectError
            For a value that is not valid.
        """
        own = {name: changes.pop(name, getattr(self, name))
               for name in ("history", "title", "notes", "branches")}
        experiment = changes.pop("experiment", self.experiment)
        if changes:
            fields = {name: getattr(self, name) for name in _PROBLEM_FIELDS[:-1]}
            fields["data"] = experiment.dataset
            fields.update({name: getattr(experiment.settings, name)
                           for name in _SETTINGS_FIELDS})
            fields["variables"] = experiment.variables
            fields.update(changes)
            return Project(**own, **fields)
        return Project(experiment, **own)

    def with_history(self, history: History | SavedHistory | None) -> Project:
        """A copy holding ``history`` (an engine history is copied), or none."""
        if isinstance(history, History):
            history = SavedHistory.from_history(history, self.param_names)
        return self.replace(history=history)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Project):
            return NotImplemented
        return (self.experiment == other.experiment and self.history == other.history
                and (self.title, self.notes) == (other.title, other.notes)
                and self.branches == other.branches)

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_example(cls, item: Example) -> Project:
        """The gallery example ``item`` as a project: its title and explanation become the
        project's title and notes."""
        return cls(item.experiment, title=item.title, notes=item.explanation)

    @classmethod
    def from_run(
        cls, run: RunRecord, *, with_history: bool = True, title: str = "", notes: str = ""
    ) -> Project:
        """The project that describes ``run`` (a :class:`gdstudio.Run` or ``FitRun``)."""
        return cls(run.experiment, title=title, notes=notes,
                   history=(SavedHistory.from_history(run.history, run.experiment.param_names)
                            if with_history else None))


def _history(value: Any, names: tuple[str, ...]) -> SavedHistory | None:
    if value is None:
        return None
    if not isinstance(value, SavedHistory):
        fail("history", f"must be a SavedHistory or None, not {type(value).__name__}")
    if value.param_names != names:
        fail("history.param_names", f"are {', '.join(value.param_names)}, but the problem's "
                                    f"parameters are {', '.join(names)}")
    return value


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
    try:
        check_counts(text)  # too many rows or values: refused before parsing builds them
        return project_from_json(parse_json(text), Project)
    except ProjectError:
        raise
    except ExperimentError as error:
        raise ProjectError(str(error)) from None


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
