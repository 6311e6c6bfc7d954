"""Branches: "what if I had changed the rate at step 12?" — runs forked from a step of a run.

The open run is the *main run* (id 0); every branch grows from a step of the main run or
of another branch, with settings of its own, and holds its own engine
:class:`~gdstudio.engine.Descent` (so its own history). One run is *selected*: the
window's controls act on it, and its plots, step log and explanation show it.

The runs' descents are stepped elsewhere (the window's worker thread steps the selected
one): the state only reads a descent while it is *parked* — the caller says so by calling
:meth:`BranchState.park` when it takes a descent back, and it hands the selected one out
with :attr:`BranchState.selected_branch`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from gdstudio.engine import Descent, History, RunSettings, make_optimizer, make_schedule
from gdstudio.state.signal import Signal

if TYPE_CHECKING:
    from gdstudio.io import SavedBranch, SavedHistory

__all__ = ["MAIN_RUN", "Branch", "BranchState", "ReplayCheck", "replay_rates"]

#: The id of the main run.
MAIN_RUN = 0


@dataclass(frozen=True)
class Branch:
    """One run of the tree, as the list of branches shows it.

    Attributes
    ----------
    id : int
        0 for the main run; branches count up from 1 and ids are never reused.
    name : str
        "Main run", "Branch 1" …
    parent : int or None
        The run it grows from (``None`` for the main run).
    fork_step : int
        The parent's step it grows from (0 for the main run).
    settings : RunSettings
        Its optimizer, rate, schedule and stopping rules (as they are now).
    colour : int
        Its place in the palette (kept when other branches are removed).
    status : str
        The engine's status (``running``, ``converged`` …).
    step_count : int
        Its newest step.
    loss : float
        The loss at its newest step.
    """

    id: int
    name: str
    parent: int | None
    fork_step: int
    settings: RunSettings
    colour: int
    status: str = "running"
    step_count: int = 0
    loss: float = math.nan


@dataclass(frozen=True)
class ReplayCheck:
    """How the replay of one saved branch compared with its saved rows."""

    name: str
    exact: bool
    difference: str = ""


class BranchState:
    """The main run and its branches, one of them selected; typed change events.

    Events (each a :class:`~gdstudio.state.signal.Signal`)
    ------------------------------------------------------
    reset : Signal[None]
        A new main run; every branch is gone.
    added : Signal[Branch]
        A branch was made.
    removed : Signal[int]
        The branch with this id was removed.
    changed : Signal[Branch]
        A run's settings, status or progress changed.
    selected : Signal[int]
        Another run is selected (its id).
    """

    def __init__(self) -> None:
        self.reset: Signal[None] = Signal("reset")
        self.added: Signal[Branch] = Signal("added")
        self.removed: Signal[int] = Signal("removed")
        self.changed: Signal[Branch] = Signal("changed")
        self.selected: Signal[int] = Signal("selected")
        self._runs: dict[int, Branch] = {}
        self._descents: dict[int, Descent] = {}
        self._selected = MAIN_RUN
        self._next_id = 1

    # ------------------------------------------------------------------ reading
    @property
    def runs(self) -> tuple[Branch, ...]:
        """The main run (if any) and its branches, in the order they were made."""
        return tuple(self._runs.values())

    @property
    def branch_count(self) -> int:
        """How many branches there are (the main run not counted)."""
        return max(len(self._runs) - 1, 0)

    @property
    def selected_id(self) -> int:
        """The id of the selected run."""
        return self._selected

    @property
    def selected_branch(self) -> Branch:
        """The selected run."""
        return self._runs[self._selected]

    def get(self, run_id: int) -> Branch:
        """The run with id ``run_id`` (KeyError if there is none)."""
        return self._runs[run_id]

    def descent(self, run_id: int) -> Descent:
        """The engine run of ``run_id``: read it only while it is parked."""
        return self._descents[run_id]

    def children(self, run_id: int) -> list[int]:
        """Ids of the branches that grow from ``run_id`` directly."""
        return [run.id for run in self._runs.values() if run.parent == run_id]

    def descendants(self, run_id: int) -> list[int]:
        """Ids of every branch that grows from ``run_id``, directly or not, parents first."""
        found: list[int] = []
        for child in self.children(run_id):
            found += [child, *self.descendants(child)]
        return found

    def rewind_limit(self, run_id: int) -> int:
        """How far back the run may step: its fork, or the latest step a branch grows from."""
        run = self._runs[run_id]
        return max([run.fork_step, *(self._runs[c].fork_step for c in self.children(run_id))])

    # ------------------------------------------------------------------ writing
    def start(self, descent: Descent, settings: RunSettings) -> None:
        """A new main run (``descent``, parked or not): every branch is forgotten."""
        self._runs = {MAIN_RUN: Branch(MAIN_RUN, "Main run", None, 0, settings, 0)}
        self._descents = {MAIN_RUN: descent}
        self._selected = MAIN_RUN
        self._next_id = 1
        self.reset.emit(None)

    def park(self, run_id: int) -> None:
        """The descent of ``run_id`` is back from being stepped: read its progress."""
        descent = self._descents[run_id]
        descent.rewind_limit = self.rewind_limit(run_id)
        self._set(replace(self._runs[run_id], status=str(descent.status),
                          step_count=descent.step_count, loss=descent.loss))

    def fork(self, parent: int, step: int, settings: RunSettings | None = None) -> Branch:
        """Make a branch of the parked run ``parent`` at ``step`` (default: its settings).

        Raises
        ------
        IndexError
            For a step the parent does not have.
        ValueError
            For settings the engine refuses.
        """
        settings = self._runs[parent].settings if settings is None else settings
        descent = _forked(self._descents[parent], step, settings)
        run_id = self._next_id
        self._next_id += 1
        branch = Branch(run_id, f"Branch {run_id}", parent, step, settings, run_id,
                        str(descent.status), descent.step_count, descent.loss)
        self._runs[run_id] = branch
        self._descents[run_id] = descent
        self._descents[parent].rewind_limit = self.rewind_limit(parent)
        self.added.emit(branch)
        return branch

    def select(self, run_id: int) -> None:
        """Select run ``run_id`` (the caller hands its descent to the worker)."""
        if run_id not in self._runs:
            raise KeyError(f"there is no run {run_id}")
        if run_id != self._selected:
            self._selected = run_id
            self.selected.emit(run_id)

    def remove(self, run_id: int) -> list[int]:
        """Remove branch ``run_id`` and the branches that grow from it; returns their ids.

        If the selected run was among them, its parent is selected.

        Raises
        ------
        ValueError
            For the main run (Reset starts it again instead).
        """
        if run_id == MAIN_RUN:
            raise ValueError("the main run cannot be removed; Reset starts it again")
        parent = self._runs[run_id].parent
        assert parent is not None
        gone = [run_id, *self.descendants(run_id)]
        if self._selected in gone:
            self.select(parent)
        for branch_id in reversed(gone):
            del self._runs[branch_id]
            del self._descents[branch_id]
            self.removed.emit(branch_id)
        return gone

    def restart(self, run_id: int, settings: RunSettings) -> list[int]:
        """Make branch ``run_id`` again from its fork with ``settings`` (another optimizer).

        Its own branches grew from steps that are gone: they are removed; their ids are
        returned.
        """
        run = self._runs[run_id]
        if run.parent is None:
            raise ValueError("the main run starts again with Reset")
        gone = self.descendants(run_id)
        for branch_id in reversed(gone):
            del self._runs[branch_id]
            del self._descents[branch_id]
            self.removed.emit(branch_id)
        descent = _forked(self._descents[run.parent], run.fork_step, settings)
        self._descents[run_id] = descent
        self._set(replace(run, settings=settings, status=str(descent.status),
                          step_count=descent.step_count, loss=descent.loss))
        return gone

    def set_settings(self, run_id: int, settings: RunSettings) -> None:
        """Record that run ``run_id`` now steps with ``settings`` (a live change)."""
        if self._runs[run_id].settings != settings:
            self._set(replace(self._runs[run_id], settings=settings))

    def set_progress(self, run_id: int, status: str, step_count: int, loss: float) -> None:
        """Record where run ``run_id`` stands (the worker's report of the selected one)."""
        run = self._runs[run_id]
        if (run.status, run.step_count) != (status, step_count) or not _same(run.loss, loss):
            self._set(replace(run, status=status, step_count=step_count, loss=loss))

    def rename(self, run_id: int, name: str) -> None:
        """Call run ``run_id`` ``name`` (stripped; a blank name is refused)."""
        name = name.strip()
        if not name:
            raise ValueError("a branch needs a name")
        if self._runs[run_id].name != name:
            self._set(replace(self._runs[run_id], name=name[:100]))

    def _set(self, branch: Branch) -> None:
        self._runs[branch.id] = branch
        self.changed.emit(branch)

    # ------------------------------------------------------------------ files
    def saved(self, param_names: Sequence[str], with_history: bool,
              histories: Mapping[int, History] | None = None) -> tuple[SavedBranch, ...]:
        """Every branch as a project keeps it.

        A run's history is its descent's unless ``histories`` gives it (the selected run,
        whose descent is being stepped elsewhere: the window's copy of its history).
        """
        # lazy: the file formats load when a project is saved, not when the window opens
        from gdstudio.io import SavedBranch

        order = {run_id: index for index, run_id in enumerate(self._runs)}
        rows = {run_id: descent.history for run_id, descent in self._descents.items()}
        rows.update(histories or {})
        return tuple(
            SavedBranch.from_run(run.name, order[run.parent], run.fork_step, run.settings,
                                 rows[run.id], param_names, with_history)
            for run in self._runs.values() if run.parent is not None
        )

    def take(self, other: BranchState) -> None:
        """Hold the runs of ``other`` (a state built elsewhere, e.g. by a replay on another
        thread) with the main run selected, and tell subscribers run by run."""
        self._runs, self._descents = dict(other._runs), dict(other._descents)
        self._next_id, self._selected = other._next_id, MAIN_RUN
        self.reset.emit(None)
        self.changed.emit(self._runs[MAIN_RUN])
        for run in self._runs.values():
            if run.parent is not None:
                self.added.emit(run)

    def restore(self, saved: Sequence[SavedBranch],
                cancelled: Callable[[], bool] = lambda: False) -> list[ReplayCheck]:
        """Make the saved branches again from the (parked) main run, exactly.

        Each branch forks from its parent at its step (the parent steps on with its own
        settings if it has not got that far) and replays its steps: at the saved rates
        when its rows were kept — then it is compared with them — else with its settings.
        ``cancelled`` is asked between steps; once it says so the replay stops where it is.
        """
        ids = [MAIN_RUN]
        checks = []
        for branch in saved:
            if cancelled():
                break
            parent = ids[branch.parent]
            parent_descent = self._descents[parent]
            _advance(parent_descent, branch.fork_step, cancelled)
            self.park(parent)
            made = self.fork(parent, branch.fork_step, branch.settings)
            ids.append(made.id)
            self.rename(made.id, branch.name)
            descent = self._descents[made.id]
            if branch.history is None:
                _advance(descent, branch.steps, cancelled)
                checks.append(ReplayCheck(branch.name, True))
            else:
                replay_rates(descent, branch.history.lr[:-1].tolist(), cancelled)
                difference = _difference(descent, branch.fork_step, branch.history)
                checks.append(ReplayCheck(branch.name, difference is None, difference or ""))
            self.park(made.id)
        return checks


def _forked(parent: Descent, step: int, settings: RunSettings) -> Descent:
    return parent.fork(step, optimizer=make_optimizer(settings.optimizer,
                                                      settings.hyperparameters),
                       lr=settings.learning_rate, schedule=make_schedule(settings.schedule),
                       stopping=settings.stopping)


def _advance(descent: Descent, step: int, cancelled: Callable[[], bool]) -> None:
    """Step ``descent`` on to ``step`` with its settings (past its stopping rules)."""
    while descent.step_count < step and not cancelled() and descent.step():
        pass


def replay_rates(descent: Descent, rates: Sequence[float],
                 cancelled: Callable[[], bool] = lambda: False) -> None:
    """Make one update per recorded learning rate (the rate used is the recorded one).

    The base rate of update k is ``rates[k] / schedule.factor(k)``; afterwards the base
    rate is what it was before. Stops early if the run diverges or ``cancelled()``.
    """
    base = descent.learning_rate
    try:
        for rate in rates:
            if cancelled():
                break
            factor = descent.schedule.factor(descent.step_count)
            if math.isfinite(rate) and rate > 0 and factor > 0:
                descent.set_learning_rate(rate / factor)
            if not descent.step():
                break
    finally:
        descent.set_learning_rate(base)


def _difference(descent: Descent, fork_step: int, saved: SavedHistory) -> str | None:
    """``None`` when the branch's rows from its fork equal ``saved`` bit for bit."""
    history = descent.history
    if len(history) - fork_step != len(saved):
        return f"it has {len(history) - 1} steps instead of {fork_step + len(saved) - 1}"
    for name in ("params", "loss", "grad"):
        mine, theirs = getattr(history, name)[fork_step:], getattr(saved, name)
        same = (mine == theirs) | (np.isnan(mine) & np.isnan(theirs))
        if same.ndim > 1:
            same = same.all(axis=1)
        if not same.all():
            return f"it differs from step {fork_step + int(np.argmin(same))} on"
    return None


def _same(first: float, second: float) -> bool:
    return first == second or (math.isnan(first) and math.isnan(second))

