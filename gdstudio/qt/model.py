"""The studio's state: what problem, from where, with which settings.

Widgets write to this model and subscribe to its signals; they never reach into each
other. Setters validate, store, and emit only when something really changed, which
breaks feedback loops between a widget and the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from gdstudio.engine import RunSettings, StoppingRules, make_optimizer, make_schedule
from gdstudio.engine.descent import check_learning_rate

__all__ = ["DEFAULT_EXAMPLE", "NEW_VARIABLE_START", "DataSettings", "StudioModel"]

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


class StudioModel(QObject):
    """State shared by the editor, the plots and the run.

    Signals
    -------
    problemChanged
        A new objective (and so maybe new variables) is in place.
    startChanged
        The start point changed.
    settingChanged(str)
        One of ``optimizer``, ``hyperparameters``, ``learning_rate``, ``schedule``,
        ``stopping`` changed.
    speedChanged(float)
        Steps per second while playing (``inf`` for as fast as possible).
    modeChanged(str)
        ``"function"`` or ``"data"``.
    dataSettingChanged(str)
        One field of :attr:`data` changed (its name).
    """

    problemChanged = Signal()
    startChanged = Signal()
    settingChanged = Signal(str)
    speedChanged = Signal(float)
    modeChanged = Signal(str)
    dataSettingChanged = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.expression_text: str = DEFAULT_EXAMPLE["expression"]
        self.objective: Any | None = None
        self.start: dict[str, float] = dict(DEFAULT_EXAMPLE["start"])
        self.optimizer: str = "gd"
        self.hyperparameters: dict[str, float] = {}
        self.learning_rate: float = DEFAULT_EXAMPLE["learning_rate"]
        self.schedule: dict[str, Any] = {"kind": "constant"}
        self.stopping: StoppingRules = DEFAULT_EXAMPLE["stopping"]
        self.speed: float = math.inf
        # Data mode (see DataSettings): what is fitted, and how the rows are used.
        self.mode: str = "function"
        self.data = DataSettings()

    # ------------------------------------------------------------------ reading
    @property
    def param_names(self) -> tuple[str, ...]:
        """Variables of the current objective (empty before the first compile)."""
        return tuple(self.objective.param_names) if self.objective is not None else ()

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

    # ------------------------------------------------------------------ writing
    def set_problem(self, objective: Any, text: str) -> None:
        """Use a newly compiled objective; start values of kept variables are kept."""
        self.objective = objective
        self.expression_text = text
        self.start = {name: self.start.get(name, NEW_VARIABLE_START) for name in self.param_names}
        self.problemChanged.emit()

    def set_start(self, values: Mapping[str, float]) -> None:
        """Change start values (only the names given)."""
        changed = {k: float(v) for k, v in values.items() if self.start.get(k) != float(v)}
        for name, value in changed.items():
            if not math.isfinite(value):
                raise ValueError(f"the start value of {name} must be finite, not {value}")
        if changed:
            self.start.update(changed)
            self.startChanged.emit()

    def set_optimizer(self, name: str) -> None:
        """Switch optimizer; its hyperparameters go back to torch.optim's defaults."""
        optimizer = make_optimizer(name)
        if optimizer.name != self.optimizer:
            self.optimizer = optimizer.name
            self.hyperparameters = {}
            self.settingChanged.emit("optimizer")

    def set_hyperparameter(self, key: str, value: float) -> None:
        """Change one hyperparameter of the current optimizer (validated)."""
        make_optimizer(self.optimizer, {**self.hyperparameters, key: value})
        if self.effective_hyperparameters().get(key) != value:
            self.hyperparameters = {**self.hyperparameters, key: float(value)}
            self.settingChanged.emit("hyperparameters")

    def effective_hyperparameters(self) -> dict[str, float]:
        """Every hyperparameter of the current optimizer, defaults included."""
        return make_optimizer(self.optimizer, self.hyperparameters).hyperparameters

    def set_learning_rate(self, value: float) -> None:
        """Change the base learning rate (applies live to a running descent)."""
        value = check_learning_rate(value)
        if value != self.learning_rate:
            self.learning_rate = value
            self.settingChanged.emit("learning_rate")

    def set_schedule(self, spec: Mapping[str, Any]) -> None:
        """Change the learning-rate schedule (validated)."""
        normalised = make_schedule(spec).to_dict()
        if normalised != make_schedule(self.schedule).to_dict():
            self.schedule = normalised
            self.settingChanged.emit("schedule")

    def set_stopping(self, rules: StoppingRules) -> None:
        """Change the stopping rules."""
        if rules != self.stopping:
            self.stopping = rules
            self.settingChanged.emit("stopping")

    def set_mode(self, mode: str) -> None:
        """Switch between ``"function"`` (minimise a typed function) and ``"data"``."""
        if mode not in ("function", "data"):
            raise ValueError(f"mode must be 'function' or 'data', not {mode!r}")
        if mode != self.mode:
            self.mode = mode
            self.modeChanged.emit(mode)

    def set_data_setting(self, name: str, value: Any) -> None:
        """Change one field of :attr:`data` (``dataset``, ``model_text``, ``target``,
        ``fixed``, ``loss``, ``batch_size``, ``seed``, ``standardize``) and tell subscribers.

        The objective itself is rebuilt by the window (off the UI thread), which then
        calls :meth:`set_problem`.
        """
        if not hasattr(self.data, name):
            raise ValueError(f"data mode has no setting {name!r}")
        if getattr(self.data, name) is not value and getattr(self.data, name) != value:
            self.data = replace(self.data, **{name: value})
            self.dataSettingChanged.emit(name)

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second while playing (``inf`` for as fast as possible)."""
        if steps_per_second != self.speed:
            self.speed = float(steps_per_second)
            self.speedChanged.emit(self.speed)
