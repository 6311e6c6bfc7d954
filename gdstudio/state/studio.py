"""The studio's state: what problem, from where, with which settings — as plain Python.

Widgets write to the state and subscribe to its change events; they never reach into
each other. Setters validate, store, and emit only when something really changed, which
breaks feedback loops between a widget and the state. Nothing here imports Qt: the
window wraps the state in a thin adapter (``gdstudio.qt.model.StudioModel``) that
re-emits every event as a Qt signal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, get_args

import numpy as np

from gdstudio.engine import RunSettings, StoppingRules, make_optimizer, make_schedule
from gdstudio.engine.descent import check_learning_rate
from gdstudio.engine.limits import max_steps
from gdstudio.problems.checks import fail
from gdstudio.problems.experiment import Experiment
from gdstudio.problems.expression import check_syntax
from gdstudio.state.signal import Signal

__all__ = [
    "DEFAULT_EXAMPLE",
    "NEW_VARIABLE_START",
    "DataSettingName",
    "DataSettings",
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

#: The fields of :class:`DataSettings` a ``data_setting_changed`` event names.
DataSettingName = Literal["dataset", "model_text", "target", "fixed", "loss", "batch_size",
                          "seed", "standardize"]


@dataclass(frozen=True)
class DataSettings:
    """Data mode's problem: a table, a model of it, and how to measure the misfit.

    Attributes
    ----------
    dataset : Dataset or None
        The table (``gdstudio.problems.dataset.Dataset``); ``None`` until one is made.
    model_text : str
        The model, e.g. ``"m*x + b"``: column names are features, other names parameters.
    target : str
        The column the model predicts.
    fixed : mapping of str to float
        Parameters held at a value (not learnt).
    loss : str
        ``sse``, ``mse``, ``half_mse`` or ``mae``.
    batch_size : int or None
        Rows per step; ``None`` for the full batch.
    seed : int
        Seed of the mini-batch shuffling.
    standardize : bool
        Descend on standardised features (results reported in original units).
    """

    dataset: Any | None = None
    model_text: str = "m*x + b"
    target: str = "y"
    fixed: Mapping[str, float] = field(default_factory=dict)
    loss: str = "mse"
    batch_size: int | None = None
    seed: int = 0
    standardize: bool = False


class StudioState:
    """State shared by the editor, the plots and the run.

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
    """

    def __init__(self) -> None:
        self.problem_changed: Signal[tuple[str, ...]] = Signal("problem_changed")
        self.start_changed: Signal[dict[str, float]] = Signal("start_changed")
        self.setting_changed: Signal[SettingName] = Signal("setting_changed")
        self.speed_changed: Signal[float] = Signal("speed_changed")
        self.mode_changed: Signal[Mode] = Signal("mode_changed")
        self.data_setting_changed: Signal[DataSettingName] = Signal("data_setting_changed")
        self.expression_text: str = DEFAULT_EXAMPLE["expression"]
        self.objective: Any | None = None
        self.start: dict[str, float] = dict(DEFAULT_EXAMPLE["start"])
        self.optimizer: str = "gd"
        self.hyperparameters: dict[str, float] = {}
        self.learning_rate: float = DEFAULT_EXAMPLE["learning_rate"]
        self.schedule: dict[str, Any] = {"kind": "constant"}
        self.stopping: StoppingRules = DEFAULT_EXAMPLE["stopping"]
        self.speed: float = math.inf
        self.mode: Mode = "function"
        self.data = DataSettings()

    # ------------------------------------------------------------------ reading
    @property
    def param_names(self) -> tuple[str, ...]:
        """Variables of the current objective (empty before the first compile)."""
        return tuple(self.objective.param_names) if self.objective is not None else ()

    @property
    def step_limit(self) -> int:
        """The most steps a run of the current problem and optimizer may make.

        See :func:`gdstudio.engine.limits.max_steps`: every step is kept in memory.
        """
        return max_steps(max(len(self.param_names), 1), make_optimizer(self.optimizer))

    def run_settings(self) -> RunSettings:
        """The settings a new run should start with."""
        return RunSettings(
            optimizer=self.optimizer,
            hyperparameters=dict(self.hyperparameters),
            learning_rate=self.learning_rate,
            schedule=dict(self.schedule),
            stopping=self.stopping,
        )

    def start_vector(self) -> np.ndarray:
        """The start point in parameter order (0 for any variable not set yet)."""
        return np.array([self.start.get(name, 0.0) for name in self.param_names])

    def effective_hyperparameters(self) -> dict[str, float]:
        """Every hyperparameter of the current optimizer, defaults included."""
        return make_optimizer(self.optimizer, self.hyperparameters).hyperparameters

    def experiment(self) -> Experiment:
        """The open work as one :class:`~gdstudio.problems.experiment.Experiment`.

        The problem is the text in place (the expression, or the data settings); a
        variable with no start value yet starts at :data:`NEW_VARIABLE_START`; every
        hyperparameter is spelt out, defaults included.

        Raises
        ------
        ExperimentError
            When the work is not a valid experiment (data mode without a table, say).
        """
        settings = {"optimizer": self.optimizer,
                    "hyperparameters": self.effective_hyperparameters(),
                    "learning_rate": self.learning_rate, "schedule": dict(self.schedule),
                    "stopping": self.stopping}
        if self.mode == "function":
            names = check_syntax(self.expression_text)
            start = {name: self.start.get(name, NEW_VARIABLE_START) for name in names}
            return Experiment.from_fields(mode="function", expression=self.expression_text,
                                          start=start, **settings)
        data = self.data
        if data.dataset is None:
            fail("", "there is no data yet: load or make a table before saving")
        columns = set(data.dataset.names)
        learnt = [name for name in check_syntax(data.model_text)
                  if name not in columns and name not in data.fixed]
        start = {name: self.start[name] for name in learnt if name in self.start}
        return Experiment.from_fields(
            mode="data", data=data.dataset, model=data.model_text, target=data.target,
            fixed=dict(data.fixed), start=start, loss=data.loss, batch_size=data.batch_size,
            seed=data.seed, standardize=data.standardize, **settings)

    # ------------------------------------------------------------------ writing
    def set_problem(self, objective: Any, text: str) -> None:
        """Use a newly compiled objective; start values of kept variables are kept."""
        self.objective = objective
        self.expression_text = text
        self.start = {name: self.start.get(name, NEW_VARIABLE_START) for name in self.param_names}
        lowered = self._fit_step_limit()
        self.problem_changed.emit(self.param_names)
        if lowered:
            self.setting_changed.emit("stopping")

    def set_start(self, values: Mapping[str, float]) -> None:
        """Change start values (only the names given)."""
        changed = {k: float(v) for k, v in values.items() if self.start.get(k) != float(v)}
        for name, value in changed.items():
            if not math.isfinite(value):
                raise ValueError(f"the start value of {name} must be finite, not {value}")
        if changed:
            self.start.update(changed)
            self.start_changed.emit(changed)

    def set_optimizer(self, name: str) -> None:
        """Switch optimizer; its hyperparameters go back to torch.optim's defaults."""
        optimizer = make_optimizer(name)
        if optimizer.name != self.optimizer:
            self.optimizer = optimizer.name
            self.hyperparameters = {}
            lowered = self._fit_step_limit()
            self.setting_changed.emit("optimizer")
            if lowered:
                self.setting_changed.emit("stopping")

    def set_hyperparameter(self, key: str, value: float) -> None:
        """Change one hyperparameter of the current optimizer (validated)."""
        make_optimizer(self.optimizer, {**self.hyperparameters, key: value})
        if self.effective_hyperparameters().get(key) != value:
            self.hyperparameters = {**self.hyperparameters, key: float(value)}
            self.setting_changed.emit("hyperparameters")

    def set_learning_rate(self, value: float) -> None:
        """Change the base learning rate (applies live to a running descent)."""
        value = check_learning_rate(value)
        if value != self.learning_rate:
            self.learning_rate = value
            self.setting_changed.emit("learning_rate")

    def set_schedule(self, spec: Mapping[str, Any]) -> None:
        """Change the learning-rate schedule (validated)."""
        normalised = make_schedule(spec).to_dict()
        if normalised != make_schedule(self.schedule).to_dict():
            self.schedule = normalised
            self.setting_changed.emit("schedule")

    def set_stopping(self, rules: StoppingRules) -> None:
        """Change the stopping rules (a step limit above :attr:`step_limit` is lowered to it)."""
        if rules.max_iter > self.step_limit:
            rules = rules.with_changes(max_iter=self.step_limit)
        if rules != self.stopping:
            self.stopping = rules
            self.setting_changed.emit("stopping")

    def _fit_step_limit(self) -> bool:
        """Lower the step limit to what the problem and optimizer allow; True if it was."""
        limit = self.step_limit
        if self.stopping.max_iter <= limit:
            return False
        self.stopping = self.stopping.with_changes(max_iter=limit)
        return True

    def set_mode(self, mode: str) -> None:
        """Switch between ``"function"`` (minimise a typed function) and ``"data"``."""
        if mode not in get_args(Mode):
            raise ValueError(f"mode must be 'function' or 'data', not {mode!r}")
        if mode != self.mode:
            self.mode = mode  # type: ignore[assignment]  # checked against Mode above
            self.mode_changed.emit(self.mode)

    def set_data_setting(self, name: str, value: Any) -> None:
        """Change one field of :attr:`data` (``dataset``, ``model_text``, ``target``,
        ``fixed``, ``loss``, ``batch_size``, ``seed``, ``standardize``) and tell subscribers.

        The objective itself is rebuilt by the window (off the UI thread), which then
        calls :meth:`set_problem`.
        """
        if name not in _DATA_FIELDS:
            raise ValueError(f"data mode has no setting {name!r}")
        if getattr(self.data, name) is not value and getattr(self.data, name) != value:
            self.data = replace(self.data, **{name: value})
            self.data_setting_changed.emit(name)  # type: ignore[arg-type]  # a field name

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second while playing (``inf`` for as fast as possible)."""
        if steps_per_second != self.speed:
            self.speed = float(steps_per_second)
            self.speed_changed.emit(self.speed)


_DATA_FIELDS = frozenset(f.name for f in fields(DataSettings))
