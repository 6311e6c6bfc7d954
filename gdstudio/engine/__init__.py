"""The descent engine: numpy only (no Qt, no sympy).

Objectives, optimizers with torch.optim's update rules, learning-rate schedules,
mini-batch plans, stopping rules, the :class:`Descent` loop and its :class:`History`.
"""

from gdstudio.engine.batching import BatchPlan
from gdstudio.engine.descent import Descent
from gdstudio.engine.history import History, HistoryBlock
from gdstudio.engine.objective import Objective
from gdstudio.engine.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from gdstudio.engine.schedules import SCHEDULES, Schedule, make_schedule
from gdstudio.engine.settings import RunSettings
from gdstudio.engine.stopping import Status, StoppingRules

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "BatchPlan",
    "Descent",
    "History",
    "HistoryBlock",
    "Objective",
    "Optimizer",
    "RunSettings",
    "Schedule",
    "Status",
    "StoppingRules",
    "make_optimizer",
    "make_schedule",
]
