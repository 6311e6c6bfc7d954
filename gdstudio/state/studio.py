"""The studio's state: one :class:`Experiment`, and the editor's draft — as plain Python.

The state holds one immutable :class:`~gdstudio.problems.experiment.Experiment`: the
problem, the start and the run settings that the run, compare mode, sweeps, lessons,
project files and branches read. Each valid change replaces it with
``experiment.replace(**changes)``. On its way the editor passes through states an
experiment refuses — data mode before there is a table, a model naming a parameter that
is still fixed, a start value of a parameter the model does not learn yet; those are
held apart, as an explicit :class:`Draft` saying what is pending and why, and the
experiment stays the last valid one until the draft becomes valid.

Widgets write to the state and subscribe to its change events; they never reach into
each other. Setters validate, store, and emit only when something really changed, which
breaks feedback loops between a widget and the state. Nothing here imports Qt: the
window wraps the state in a thin adapter (``gdstudio.qt.model.StudioModel``) that
re-emits every event as a Qt signal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any, Literal, get_args

import numpy as np

from gdstudio.engine import RunSettings, StoppingRules, make_optimizer, make_schedule
from gdstudio.engine.descent import check_learning_rate
from gdstudio.engine.limits import max_steps
from gdstudio.problems.checks import fail
from gdstudio.problems.experiment import Experiment
from gdstudio.problems.expression import check_syntax
from gdstudio.state.draft import (
    DATA_FIELDS,
    DataSettingName,
    DataSettings,
    Draft,
    data_keywords,
    held_data_value,
    same,
    same_values,
    settings_fields,
)
from gdstudio.state.signal import Signal

__all__ = [
    "DEFAULT_EXAMPLE",
    "NEW_VARIABLE_START",
    "DataSettingName",
    "DataSettings",
    "Draft",
    "Mode",
    "SettingName",
    "StudioState",
]

#: Start value of a variable that was not in the previous expression: away from the
#: usual minimum at 0, so that the first run shows a descent rather than no motion.
NEW_VARIABLE_START = 1.0

#: The example the window opens with: the first tutorial (x² from 3, rate 0.1).
DEFAULT_EXAMPLE: dict[str, Any] = {
    "expression": "x**2",
    "start": {"x": 3.0},
    "learning_rate": 0.1,
    "stopping": StoppingRules(max_iter=100, tol_step=1e-4),
}

#: What the state is for: minimise a typed function, or fit a model to data.
Mode = Literal["function", "data"]

#: The run settings a ``setting_changed`` event names.
SettingName = Literal["optimizer", "hyperparameters", "learning_rate", "schedule", "stopping"]

class StudioState:
    """State shared by the editor, the plots and the run: one experiment and a draft.

    What the editor shows is the :attr:`experiment` with the :attr:`draft`'s changes on
    top (:attr:`mode`, :attr:`start`, :attr:`data`); what runs, is compared, swept,
    saved and branched is the :attr:`experiment` (:meth:`run_settings`,
    :meth:`valid_experiment`). Run settings are checked one by one and a bad value is
    refused (``ValueError``); they are never a draft.

    Events (each a :class:`~gdstudio.state.signal.Signal` calling back with one value)
    ---------------------------------------------------------------------------------
    problem_changed : Signal[tuple[str, ...]]
        A new objective is in place; the value is its parameter names.
    start_changed : Signal[dict[str, float]]
        Start values changed; the value holds the changed ones.
    setting_changed : Signal[SettingName]
        One of ``optimizer``, ``hyperparameters``, ``learning_rate``, ``schedule``,
        ``stopping`` changed.
    speed_changed : Signal[float]
        Steps per second while playing (``inf`` for as fast as possible).
    mode_changed : Signal[Mode]
        ``"function"`` or ``"data"``.
    data_setting_changed : Signal[DataSettingName]
        One field of :attr:`data` changed (its name).
    experiment_changed : Signal[Experiment]
        The held experiment was replaced (the value is the new one).
    draft_changed : Signal[Draft or None]
        The draft changed: a new :class:`Draft`, or ``None`` once the experiment holds
        everything the editor does.
    """

    def __init__(self) -> None:
        self.problem_changed: Signal[tuple[str, ...]] = Signal("problem_changed")
        self.start_changed: Signal[dict[str, float]] = Signal("start_changed")
        self.setting_changed: Signal[SettingName] = Signal("setting_changed")
        self.speed_changed: Signal[float] = Signal("speed_changed")
        self.mode_changed: Signal[Mode] = Signal("mode_changed")
        self.data_setting_changed: Signal[DataSettingName] = Signal("data_setting_changed")
        self.experiment_changed: Signal[Experiment] = Signal("experiment_changed")
        self.draft_changed: Signal[Draft | None] = Signal("draft_changed")
        self._experiment = Experiment.from_fields(
            mode="function", expression=DEFAULT_EXAMPLE["expression"],
            start=DEFAULT_EXAMPLE["start"], learning_rate=DEFAULT_EXAMPLE["learning_rate"],
            stopping=DEFAULT_EXAMPLE["stopping"])
        self._draft: Draft | None = None
        self._data = DataSettings()
        # Start values of names the experiment does not learn now (see _edit).
        self._spare: dict[str, float] = {}
        # The function problem while data mode is held: its text and start values.
        self._function: tuple[str, dict[str, float]] = (DEFAULT_EXAMPLE["expression"],
                                                        dict(DEFAULT_EXAMPLE["start"]))
        self.objective: Any | None = None
        self.speed: float = math.inf

    # ------------------------------------------------------------------ reading
    @property
    def experiment(self) -> Experiment:
        """The held experiment: the last valid one (what runs, is saved, swept…)."""
        return self._experiment

    @property
    def draft(self) -> Draft | None:
        """What the editor holds that :attr:`experiment` does not (``None``: nothing)."""
        return self._draft

    @property
    def mode(self) -> Mode:
        """``"function"`` or ``"data"``, as the editor shows it."""
        mode: Mode = self._pending("mode", self._experiment.mode)
        return mode

    @property
    def start(self) -> dict[str, float]:
        """Start value of each variable, as the editor shows it (a new dict).

        The experiment's, and values typed for names it does not learn now (a fixed
        parameter, say), which it takes when it learns them again.
        """
        return {**self._spare, **self._pending("start", self._experiment.start)}

    @property
    def expression_text(self) -> str:
        """The text of the function (kept while data mode is in use)."""
        held = self._experiment
        return held.expression if held.mode == "function" and held.expression else \
            self._function[0]

    @property
    def data(self) -> DataSettings:
        """Data mode's problem as the editor holds it (the same object until it changes)."""
        return self._data

    @property
    def optimizer(self) -> str:
        """The optimizer's name."""
        return self._experiment.settings.optimizer

    @property
    def hyperparameters(self) -> dict[str, float]:
        """Hyperparameters set to other than the optimizer's defaults."""
        settings = self._experiment.settings
        defaults = make_optimizer(settings.optimizer).hyperparameters
        return {key: value for key, value in settings.hyperparameters.items()
                if defaults.get(key) != value}

    @property
    def learning_rate(self) -> float:
        """The base learning rate."""
        return self._experiment.settings.learning_rate

    @property
    def schedule(self) -> dict[str, Any]:
        """The learning-rate schedule (a new dict)."""
        return dict(self._experiment.settings.schedule)

    @property
    def stopping(self) -> StoppingRules:
        """The stopping rules."""
        return self._experiment.settings.stopping

    @property
    def param_names(self) -> tuple[str, ...]:
        """Variables of the current objective (empty before the first compile)."""
        return tuple(self.objective.param_names) if self.objective is not None else ()

    @property
    def step_limit(self) -> int:
        """The most steps a run of the current problem and optimizer may make.

        See :func:`gdstudio.engine.limits.max_steps`: every step is kept in memory.
        """
        return _step_limit(len(self.param_names), self.optimizer)

    def run_settings(self) -> RunSettings:
        """The settings a new run starts with: the held experiment's (a copy)."""
        settings = self._experiment.settings
        return replace(settings, hyperparameters=dict(settings.hyperparameters),
                       schedule=dict(settings.schedule))

    def start_vector(self) -> np.ndarray:
        """The start point in parameter order (0 for any variable not set yet)."""
        start = self.start
        return np.array([start.get(name, 0.0) for name in self.param_names])

    def effective_hyperparameters(self) -> dict[str, float]:
        """Every hyperparameter of the current optimizer, defaults included."""
        return make_optimizer(self.optimizer, self._experiment.settings.hyperparameters) \
            .hyperparameters

    def valid_experiment(self) -> Experiment:
        """The held experiment, when the editor holds nothing it refuses (to save, say).

        Raises
        ------
        ExperimentError
            With the draft's reason (data mode without a table, say).
        """
        if self._draft is not None:
            fail("", self._draft.reason)
        return self._experiment

    # ------------------------------------------------------------------ writing
    def set_problem(self, objective: Any, text: str) -> None:
        """Use a newly compiled objective; start values of kept variables are kept.

        In function mode ``text`` becomes the experiment's expression; in data mode the
        objective is the model's (built from :attr:`data`) and ``text`` is unused.
        """
        self.objective = objective
        start = self.start
        start = {name: start.get(name, NEW_VARIABLE_START) for name in self.param_names}
        self._spare = {}
        limit = self.step_limit
        lowered = self.stopping.max_iter > limit
        if lowered:
            self._replace(max_iter=limit)
        if self.mode == "function" and self._experiment.mode == "function":
            self._edit(start=start, expression=text)
        else:
            self._edit(start=start)
        self.problem_changed.emit(self.param_names)
        if lowered:
            self.setting_changed.emit("stopping")

    def set_start(self, values: Mapping[str, float]) -> None:
        """Change start values (only the names given)."""
        start = self.start
        changed = {k: float(v) for k, v in values.items() if start.get(k) != float(v)}
        for name, value in changed.items():
            if not math.isfinite(value):
                raise ValueError(f"the start value of {name} must be finite, not {value}")
        if changed:
            self._edit(start={**start, **changed})
            self.start_changed.emit(changed)

    def set_optimizer(self, name: str) -> None:
        """Switch optimizer; its hyperparameters go back to torch.optim's defaults."""
        optimizer = make_optimizer(name)
        if optimizer.name == self.optimizer:
            return
        changes: dict[str, Any] = {"optimizer": optimizer.name,
                                   **optimizer.hyperparameters}
        limit = _step_limit(len(self.param_names), optimizer.name)
        lowered = self.stopping.max_iter > limit
        if lowered:
            changes["max_iter"] = limit
        self._replace(**changes)
        self.setting_changed.emit("optimizer")
        if lowered:
            self.setting_changed.emit("stopping")

    def set_hyperparameter(self, key: str, value: float) -> None:
        """Change one hyperparameter of the current optimizer (validated)."""
        make_optimizer(self.optimizer, {**self.hyperparameters, key: value})
        if self.effective_hyperparameters().get(key) != value:
            self._replace(**{key: float(value)})
            self.setting_changed.emit("hyperparameters")

    def set_learning_rate(self, value: float) -> None:
        """Change the base learning rate (applies live to a running descent)."""
        value = check_learning_rate(value)
        if value != self.learning_rate:
            self._replace(lr=value)
            self.setting_changed.emit("learning_rate")

    def set_schedule(self, spec: Mapping[str, Any]) -> None:
        """Change the learning-rate schedule (validated)."""
        normalised = make_schedule(spec).to_dict()
        if normalised != make_schedule(self.schedule).to_dict():
            self._replace(schedule=normalised)
            self.setting_changed.emit("schedule")

    def set_stopping(self, rules: StoppingRules) -> None:
        """Change the stopping rules (a step limit above :attr:`step_limit` is lowered to it)."""
        if rules.max_iter > self.step_limit:
            rules = rules.with_changes(max_iter=self.step_limit)
        if rules != self.stopping:
            self._replace(settings=replace(self._experiment.settings, stopping=rules))
            self.setting_changed.emit("stopping")

    def set_mode(self, mode: str) -> None:
        """Switch between ``"function"`` (minimise a typed function) and ``"data"``.

        Data mode without a table (or with a model the table cannot take) is a draft
        until the table comes; the experiment stays the function's until then.
        """
        if mode not in get_args(Mode):
            raise ValueError(f"mode must be 'function' or 'data', not {mode!r}")
        if mode != self.mode:
            self._edit(mode=mode)
            self.mode_changed.emit(self.mode)

    def set_data_setting(self, name: str, value: Any) -> None:
        """Change one field of :attr:`data` (``dataset``, ``model_text``, ``target``,
        ``fixed``, ``loss``, ``batch_size``, ``seed``, ``standardize``) and tell subscribers.

        In data mode the experiment takes the change once the data problem is valid as a
        whole (until then it is in the :attr:`draft`). The objective itself is rebuilt by
        the window (off the UI thread), which then calls :meth:`set_problem`.
        """
        if name not in DATA_FIELDS:
            raise ValueError(f"data mode has no setting {name!r}")
        if getattr(self._data, name) is not value and getattr(self._data, name) != value:
            self._data = replace(self._data, **{name: value})
            if self.mode == "data":
                self._edit()
            self.data_setting_changed.emit(name)  # type: ignore[arg-type]  # a field name

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second while playing (``inf`` for as fast as possible)."""
        if steps_per_second != self.speed:
            self.speed = float(steps_per_second)
            self.speed_changed.emit(self.speed)

    # ------------------------------------------------------------------ the experiment
    def _pending(self, name: str, held: Any) -> Any:
        """The draft's value of ``name`` if it has one, else ``held``."""
        return self._draft.changes.get(name, held) if self._draft is not None else held

    def _replace(self, **changes: Any) -> None:
        """Replace the experiment's settings (refused values raise: settings are no draft)."""
        self._hold(self._experiment.replace(**changes))
        if self._draft is not None:
            self._edit()  # the draft may fit the new settings

    def _edit(self, **edits: Any) -> None:
        """Take the editor's ``mode``/``start``/``expression`` (and :attr:`data`) into the
        experiment if it is valid with them, else keep them as the draft with the reason.

        Start values of names the problem does not learn now (a fixed parameter, a
        column, the other mode's variables) are kept aside, not refused: they come back
        when the name is learnt again (a parameter unfixed), as the editor shows them.
        """
        changes = {**(self._draft.changes if self._draft is not None else {}), **edits}
        mode = changes.get("mode", self._experiment.mode)
        start = {**self._spare, **changes.get("start", self._experiment.start)}
        expression = changes.get("expression")
        try:
            names = self._names(mode, expression)
            experiment = self._candidate(mode, {n: start[n] for n in names if n in start},
                                         expression)
        except (ValueError, TypeError) as error:
            differences = self._differences(mode, start, "start" in changes)
            if expression is not None and expression != self.expression_text:
                differences["expression"] = expression
            self._set_draft(Draft(differences, str(error)))
            return
        if experiment.mode != self._experiment.mode and self._experiment.mode == "function":
            self._function = (self.expression_text, dict(self._experiment.start))
        self._spare = {name: value for name, value in start.items() if name not in names}
        self._hold(experiment)
        self._set_draft(None)

    def _names(self, mode: str, expression: str | None) -> list[str]:
        """The parameters the experiment in ``mode`` learns (``ValueError`` if none can be)."""
        if mode == "data":
            columns = set(self._table().names)
            return [name for name in check_syntax(self._data.model_text)
                    if name not in columns and name not in self._data.fixed]
        held = self._experiment
        if expression is None:
            expression = held.expression if held.mode == "function" else self._function[0]
        return list(check_syntax(expression or ""))

    def _candidate(self, mode: str, start: dict[str, float], expression: str | None) -> Experiment:
        """The experiment with the editor's values (``ValueError`` if it refuses them)."""
        held = self._experiment
        if mode == held.mode == "function":
            changes: dict[str, Any] = {"start": _full(start, held.expression, {})}
            if expression is not None and expression != held.expression:
                changes.update(expression=expression, variables=None,
                               start=_full(start, expression, {}))
            return held if same_values(changes, held) else held.replace(**changes)
        if mode == held.mode == "data":
            changes = {"start": start, **data_keywords(self._data)}
            return held if same_values(changes, held) else held.replace(**changes)
        settings = settings_fields(held.settings)
        if mode == "function":
            text, kept = self._function
            return Experiment.from_fields(mode="function", expression=text,
                                          start=_full(start, text, kept), **settings)
        data = self._data
        return Experiment.from_fields(
            mode="data", data=self._table(), model=data.model_text, target=data.target,
            fixed=dict(data.fixed), start=start, loss=data.loss, batch_size=data.batch_size,
            seed=data.seed, standardize=data.standardize, **settings)

    def _table(self) -> Any:
        """Data mode's table (``ExperimentError`` if there is none yet)."""
        if self._data.dataset is None:
            fail("", "there is no data yet: load or make a table before saving")
        return self._data.dataset

    def _differences(self, mode: str, start: Mapping[str, float],
                     start_typed: bool) -> dict[str, Any]:
        """The editor's values that differ from the held experiment's, by the state's names
        (``start_typed``: the start was set since the experiment was last replaced)."""
        held = self._experiment
        if mode != held.mode:  # the other mode's problem is the editor's (see data)
            return {"mode": mode, **({"start": dict(start)} if start_typed else {})}
        differences: dict[str, Any] = {}
        if start_typed and dict(start) != dict(held.start):
            differences["start"] = dict(start)
        if mode == "data":
            for item in fields(DataSettings):
                value = getattr(self._data, item.name)
                if not same(value, held_data_value(held, item.name)):
                    differences[item.name] = value
        return differences

    def _hold(self, experiment: Experiment) -> None:
        if experiment is not self._experiment:
            self._experiment = experiment
            self.experiment_changed.emit(experiment)

    def _set_draft(self, draft: Draft | None) -> None:
        if draft != self._draft:
            self._draft = draft
            self.draft_changed.emit(draft)


def _full(start: Mapping[str, float], expression: str | None,
          kept: Mapping[str, float]) -> dict[str, float]:
    """A start for every variable of ``expression``: given, else kept, else
    :data:`NEW_VARIABLE_START`."""
    return {name: start.get(name, kept.get(name, NEW_VARIABLE_START))
            for name in check_syntax(expression or "")}


def _step_limit(n_params: int, optimizer: str) -> int:
    return max_steps(max(n_params, 1), make_optimizer(optimizer))
