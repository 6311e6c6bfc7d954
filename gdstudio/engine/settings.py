"""Everything that configures a run, as plain data, and the one place that builds it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from gdstudio.engine.batching import BatchPlan
from gdstudio.engine.descent import Descent, check_learning_rate
from gdstudio.engine.objective import Objective
from gdstudio.engine.optimizers import make_optimizer
from gdstudio.engine.schedules import make_schedule
from gdstudio.engine.stopping import StoppingRules

__all__ = ["RunSettings"]


@dataclass(frozen=True)
class RunSettings:
    """How to descend: optimizer, rates, schedule and stopping rules.

    Attributes
    ----------
    optimizer : str
        ``gd``, ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adam``, ``newton``
        (needs an objective with an exact ``hessian``) or ``armijo`` (line search).
    hyperparameters : mapping
        Optimizer hyperparameters that differ from torch.optim's defaults.
    learning_rate : float
        Base learning rate (``newton``: the step multiplier α, usually 1; ``armijo``: the
        first rate each line search tries).
    schedule : mapping
        ``{"kind": ..., **parameters}`` (see :func:`gdstudio.engine.make_schedule`).
    stopping : StoppingRules
        When to stop.
    """

    optimizer: str = "gd"
    hyperparameters: Mapping[str, float] = field(default_factory=dict)
    learning_rate: float = 0.1
    schedule: Mapping[str, object] = field(default_factory=lambda: {"kind": "constant"})
    stopping: StoppingRules = field(default_factory=StoppingRules)

    def __post_init__(self) -> None:
        # Build once to validate every value, so bad settings fail here with a clear message.
        make_optimizer(self.optimizer, self.hyperparameters)
        make_schedule(self.schedule)
        check_learning_rate(self.learning_rate)

    def build(
        self,
        objective: Objective,
        start: np.ndarray | list[float],
        batching: BatchPlan | None = None,
    ) -> Descent:
        """A new :class:`Descent` of ``objective`` from ``start`` with these settings."""
        return Descent(
            objective,
            start,
            optimizer=make_optimizer(self.optimizer, self.hyperparameters),
            lr=self.learning_rate,
            schedule=make_schedule(self.schedule),
            stopping=self.stopping,
            batching=batching,
        )
