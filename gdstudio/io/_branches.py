"""Branches as saved in a project: "what if" runs forked from a step of another run.

The ``branches`` section of a project file (format 2) is versioned on its own::

    "branches": {"version": 1, "runs": [
        {"name": "Branch 1", "parent": 0, "fork_step": 12, "steps": 40,
         "settings": {"optimizer": "gd", "learning_rate": 0.3, ...},
         "history": {"param_names": ["x"], "params": [[...]], ...}}]}

``parent`` is 0 for the project's own run and *k* for the *k*-th run of the list, which
must come before it; ``fork_step`` is the step of the parent it grows from and ``steps``
the steps it has made in all (so at least ``fork_step``). ``settings`` has the layout of
the project's ``settings``. ``history`` is optional and holds the branch's own rows, from
its fork on (``steps - fork_step + 1`` rows); without it the branch is replayed from its
settings when the project is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gdstudio.engine import History, RunSettings
from gdstudio.io._history import HISTORY_KEYS, MAX_HISTORY_ROWS, SavedHistory
from gdstudio.problems.checks import (
    ExperimentError,
    fail,
    json_object,
    known_keys,
    shown,
    text,
    whole_number,
)
from gdstudio.problems.validate import settings_fields, stopping_rules

__all__ = ["BRANCHES_VERSION", "MAX_BRANCHES", "SavedBranch", "branches_from_json",
           "branches_to_json", "check_branches"]

#: Version of the ``branches`` section this program writes and reads.
BRANCHES_VERSION = 1
#: Most branches a project keeps.
MAX_BRANCHES = 50
MAX_NAME = 100
_RUN_KEYS = (("name", "parent", "fork_step", "steps", "settings"), ("history",))
_SETTINGS_KEYS = (("learning_rate",), ("optimizer", "hyperparameters", "schedule", "stopping"))


@dataclass(frozen=True, eq=False)
class SavedBranch:
    """One branch of a project: where it forks from, its settings and maybe its rows.

    Attributes
    ----------
    name : str
        What the student calls it ("Branch 1").
    parent : int
        0 for the project's own run, *k* for the *k*-th branch of the project.
    fork_step : int
        The parent's step it grows from.
    steps : int
        Steps the branch has made in all (its newest step's index).
    settings : RunSettings
        Its optimizer, rate, schedule and stopping rules.
    history : SavedHistory or None
        Its own rows, ``fork_step`` … ``steps``, if they were kept.
    """

    name: str
    parent: int
    fork_step: int
    steps: int
    settings: RunSettings
    history: SavedHistory | None = None

    @classmethod
    def from_run(cls, name: str, parent: int, fork_step: int, settings: RunSettings,
                 history: History, param_names: Sequence[str],
                 with_history: bool) -> SavedBranch:
        """The record of a branch whose engine history is ``history`` (rows 0 … steps)."""
        steps = len(history) - 1
        own = _own_rows(history, fork_step, param_names) if with_history else None
        return cls(name, parent, fork_step, steps, settings, own)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SavedBranch):
            return NotImplemented
        return (self.name, self.parent, self.fork_step, self.steps, self.settings,
                self.history) == (other.name, other.parent, other.fork_step, other.steps,
                                  other.settings, other.history)

    __hash__ = None  # type: ignore[assignment]

    def without_history(self) -> SavedBranch:
        """The same branch without its rows (replayed from its settings when opened)."""
        return SavedBranch(self.name, self.parent, self.fork_step, self.steps, self.settings)


def _own_rows(history: History, fork_step: int, names: Sequence[str]) -> SavedHistory:
    """Rows ``fork_step`` … of ``history`` as a saved history of their own."""
    block = history.tail(fork_step)
    return SavedHistory(tuple(names), block.params, block.loss, block.grad, block.lr,
                        block.step_size, block.epoch)


def check_branches(branches: Any, param_names: tuple[str, ...],
                   main_steps: int | None) -> tuple[SavedBranch, ...]:
    """``branches`` as a tuple, checked against the project (``main_steps``: its run's steps,
    ``None`` when its history is not kept).

    Raises
    ------
    ExperimentError
        For the first branch that does not fit, named by its place in a project file.
    """
    if isinstance(branches, SavedBranch) or not isinstance(branches, Sequence):
        fail("branches", f"must be a list of SavedBranch, not {type(branches).__name__}")
    if len(branches) > MAX_BRANCHES:
        fail("branches.runs", f"has {len(branches)} branches, more than the {MAX_BRANCHES} a "
                              "project keeps")
    steps: list[int | None] = [main_steps]
    for index, branch in enumerate(branches):
        where = f"branches.runs[{index}]"
        if not isinstance(branch, SavedBranch):
            fail(where, f"must be a SavedBranch, not {type(branch).__name__}")
        _check_branch(branch, where, index, steps, param_names)
        steps.append(branch.steps)
    return tuple(branches)


def _check_branch(branch: SavedBranch, where: str, index: int, steps: list[int | None],
                  names: tuple[str, ...]) -> None:
    text(branch.name, f"{where}.name", MAX_NAME, blank=False)
    whole_number(branch.parent, f"{where}.parent", 0, index)
    parent_steps = steps[branch.parent]
    most = MAX_HISTORY_ROWS - 1 if parent_steps is None else parent_steps
    whole_number(branch.fork_step, f"{where}.fork_step", 0, most)
    whole_number(branch.steps, f"{where}.steps", branch.fork_step, MAX_HISTORY_ROWS - 1)
    history = branch.history
    if history is None:
        return
    if history.param_names != names:
        fail(f"{where}.history.param_names", f"are {', '.join(history.param_names)}, but the "
                                             f"problem's parameters are {', '.join(names)}")
    if len(history) != branch.steps - branch.fork_step + 1:
        fail(f"{where}.history", f"has {len(history):,} rows, but a branch from step "
                                 f"{branch.fork_step} to step {branch.steps} has "
                                 f"{branch.steps - branch.fork_step + 1:,}")


# ---------------------------------------------------------------------- JSON
def branches_to_json(branches: Sequence[SavedBranch]) -> dict[str, Any]:
    """The ``branches`` section of a project file (columns are numpy arrays)."""
    runs = []
    for branch in branches:
        settings = branch.settings
        stopping = settings.stopping
        run: dict[str, Any] = {
            "name": branch.name, "parent": branch.parent, "fork_step": branch.fork_step,
            "steps": branch.steps,
            "settings": {"optimizer": settings.optimizer,
                         "hyperparameters": dict(settings.hyperparameters),
                         "learning_rate": settings.learning_rate,
                         "schedule": dict(settings.schedule),
                         "stopping": {"max_iter": stopping.max_iter,
                                      "tol_step": stopping.tol_step,
                                      "tol_grad": stopping.tol_grad,
                                      "tol_loss": stopping.tol_loss}},
        }
        if branch.history is not None:
            history = branch.history
            run["history"] = {"param_names": list(history.param_names),
                              **{name: getattr(history, name) for name in HISTORY_KEYS[1:]}}
        runs.append(run)
    return {"version": BRANCHES_VERSION, "runs": runs}


def branches_from_json(value: Any) -> tuple[SavedBranch, ...]:
    """Read the ``branches`` section of a project file (checked against the project later).

    Raises
    ------
    ExperimentError
        For the first value that is not valid, named by its place in the file.
    """
    section = json_object(value, "branches")
    known_keys(section, "branches", ("version", "runs"), ())
    version = section["version"]
    if version != BRANCHES_VERSION or isinstance(version, bool):
        fail("branches.version", f"must be {BRANCHES_VERSION}, not {shown(version)}")
    runs = section["runs"]
    if not isinstance(runs, list):
        fail("branches.runs", f"must be a list, not {shown(runs)}")
    if len(runs) > MAX_BRANCHES:
        fail("branches.runs", f"has {len(runs)} branches, more than the {MAX_BRANCHES} a "
                              "project keeps")
    return tuple(_branch_from_json(run, f"branches.runs[{i}]") for i, run in enumerate(runs))


def _branch_from_json(value: Any, where: str) -> SavedBranch:
    run = json_object(value, where)
    known_keys(run, where, *_RUN_KEYS)
    history = run.get("history")
    if history is not None:
        try:
            history = SavedHistory.from_json(history)
        except ExperimentError as error:
            raise error.renamed({"history": f"{where}.history",
                                 "history.": f"{where}.history."}) from None
    return SavedBranch(run["name"], run["parent"], run["fork_step"], run["steps"],
                       _settings(run["settings"], f"{where}.settings"), history)


def _settings(value: Any, where: str) -> RunSettings:
    settings = json_object(value, where)
    known_keys(settings, where, *_SETTINGS_KEYS)
    try:
        stopping = json_object(settings.get("stopping", {}), "settings.stopping")
        known_keys(stopping, "settings.stopping", (),
                   ("max_iter", "tol_step", "tol_grad", "tol_loss"))
        fields = settings_fields(settings.get("optimizer", "gd"),
                                 settings.get("hyperparameters", {}),
                                 settings["learning_rate"],
                                 settings.get("schedule", {"kind": "constant"}),
                                 stopping_rules(**stopping))
        return RunSettings(**fields)
    except ExperimentError as error:
        raise error.renamed({"settings": where, "settings.": f"{where}."}) from None
