"""The studio's state as Qt signals: a thin adapter over :class:`gdstudio.state.StudioState`.

The state itself is plain Python (``gdstudio/state``) and tested without Qt; this
adapter re-emits its change events as Qt signals, so that widgets connect to them as to
any other signal, and reads and writes through to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from gdstudio.engine import RunSettings, StoppingRules
from gdstudio.problems.experiment import Experiment
from gdstudio.state import DEFAULT_EXAMPLE, NEW_VARIABLE_START, DataSettings, Draft, StudioState

__all__ = ["DEFAULT_EXAMPLE", "NEW_VARIABLE_START", "DataSettings", "StudioModel"]


def _read(name: str, doc: str) -> Any:
    """A read-only property that reads ``name`` of the wrapped state."""
    return property(lambda self: getattr(self.state, name), doc=doc)


class StudioModel(QObject):
    """State shared by the editor, the plots and the run, with Qt signals.

    Parameters
    ----------
    parent : QObject, optional
        The Qt owner.
    state : StudioState, optional
        The state to wrap (a new one by default).

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
    experimentChanged(object)
        The held :class:`Experiment` was replaced (the new one).
    draftChanged(object)
        The editor's :class:`~gdstudio.state.Draft` changed (``None``: nothing pending).
    """

    problemChanged = Signal()
    startChanged = Signal()
    settingChanged = Signal(str)
    speedChanged = Signal(float)
    modeChanged = Signal(str)
    dataSettingChanged = Signal(str)
    experimentChanged = Signal(object)
    draftChanged = Signal(object)

    expression_text: str = _read("expression_text", "The text of the function in place.")
    objective: Any = _read("objective", "The compiled objective (``None`` before the first).")
    start: dict[str, float] = _read("start", "Start value of each variable.")
    optimizer: str = _read("optimizer", "The optimizer's name.")
    hyperparameters: dict[str, float] = _read("hyperparameters", "Hyperparameters set.")
    learning_rate: float = _read("learning_rate", "The base learning rate.")
    schedule: dict[str, Any] = _read("schedule", "The learning-rate schedule.")
    stopping: StoppingRules = _read("stopping", "The stopping rules.")
    speed: float = _read("speed", "Steps per second while playing.")
    mode: str = _read("mode", "``function`` or ``data``.")
    data: DataSettings = _read("data", "Data mode's problem.")
    param_names: tuple[str, ...] = _read("param_names", "Variables of the objective.")
    step_limit: int = _read("step_limit", "The most steps a run may make.")
    experiment: Experiment = _read("experiment", "The held experiment (the last valid one).")
    draft: Draft | None = _read("draft", "What the editor holds that the experiment does not.")

    def __init__(self, parent: QObject | None = None, state: StudioState | None = None) -> None:
        super().__init__(parent)
        self.state = StudioState() if state is None else state
        self.state.problem_changed.connect(lambda _names: self.problemChanged.emit())
        self.state.start_changed.connect(lambda _changed: self.startChanged.emit())
        self.state.setting_changed.connect(self.settingChanged.emit)
        self.state.speed_changed.connect(self.speedChanged.emit)
        self.state.mode_changed.connect(self.modeChanged.emit)
        self.state.data_setting_changed.connect(self.dataSettingChanged.emit)
        self.state.experiment_changed.connect(self.experimentChanged.emit)
        self.state.draft_changed.connect(self.draftChanged.emit)

    # ------------------------------------------------------------------ reading
    def run_settings(self) -> RunSettings:
        """The settings a new run should start with."""
        return self.state.run_settings()

    def start_vector(self) -> np.ndarray:
        """The start point in parameter order (0 for any variable not set yet)."""
        return self.state.start_vector()

    def effective_hyperparameters(self) -> dict[str, float]:
        """Every hyperparameter of the current optimizer, defaults included."""
        return self.state.effective_hyperparameters()

    def valid_experiment(self) -> Experiment:
        """The held experiment if nothing is pending (see :meth:`StudioState.valid_experiment`)."""
        return self.state.valid_experiment()

    # ------------------------------------------------------------------ writing
    def set_problem(self, objective: Any, text: str) -> None:
        """Use a newly compiled objective; start values of kept variables are kept."""
        self.state.set_problem(objective, text)

    def set_start(self, values: Mapping[str, float]) -> None:
        """Change start values (only the names given)."""
        self.state.set_start(values)

    def set_optimizer(self, name: str) -> None:
        """Switch optimizer; its hyperparameters go back to torch.optim's defaults."""
        self.state.set_optimizer(name)

    def set_hyperparameter(self, key: str, value: float) -> None:
        """Change one hyperparameter of the current optimizer (validated)."""
        self.state.set_hyperparameter(key, value)

    def set_learning_rate(self, value: float) -> None:
        """Change the base learning rate (applies live to a running descent)."""
        self.state.set_learning_rate(value)

    def set_schedule(self, spec: Mapping[str, Any]) -> None:
        """Change the learning-rate schedule (validated)."""
        self.state.set_schedule(spec)

    def set_stopping(self, rules: StoppingRules) -> None:
        """Change the stopping rules (lowered to :attr:`step_limit` if above it)."""
        self.state.set_stopping(rules)

    def set_mode(self, mode: str) -> None:
        """Switch between ``"function"`` and ``"data"``."""
        self.state.set_mode(mode)

    def set_data_setting(self, name: str, value: Any) -> None:
        """Change one field of :attr:`data` and tell subscribers."""
        self.state.set_data_setting(name, value)

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second while playing (``inf`` for as fast as possible)."""
        self.state.set_speed(steps_per_second)
