"""What the editor holds besides the state's experiment: data mode's settings and the draft.

:class:`DataSettings` is data mode's problem as the editor holds it (one object until a
field changes, so that a build can tell whether it is stale); :class:`Draft` is what the
editor holds that the state's :class:`~gdstudio.problems.experiment.Experiment` refuses,
and why. The functions compare the editor's values with the held experiment's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from gdstudio.engine import RunSettings
from gdstudio.problems.experiment import Experiment

__all__ = ["DATA_FIELDS", "DataSettingName", "DataSettings", "Draft", "data_keywords",
           "held_data_value", "same", "same_values", "settings_fields"]

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


@dataclass(frozen=True)
class Draft:
    """What the editor holds that the state's experiment does not take (yet), and why.

    Attributes
    ----------
    changes : mapping of str to object
        The editor's values the experiment does not hold, by the state's names:
        ``mode``, ``start`` and the fields of :class:`DataSettings` (``model_text``…).
    reason : str
        The sentence with which the experiment refused them (``there is no data yet:
        load or make a table before saving``).
    """

    changes: Mapping[str, Any]
    reason: str


DATA_FIELDS = frozenset(f.name for f in fields(DataSettings))
# DataSettings' names → the keywords of Experiment.data.
_DATA_KEYWORDS = {"dataset": "data", "model_text": "model", "target": "target",
                  "fixed": "fixed", "loss": "loss", "batch_size": "batch_size", "seed": "seed",
                  "standardize": "standardize"}
_EXPERIMENT_FIELDS = {"data": "dataset", "model": "model"}


def data_keywords(data: DataSettings) -> dict[str, Any]:
    """``data``'s fields as keywords of :meth:`Experiment.data`."""
    return {keyword: getattr(data, name) for name, keyword in _DATA_KEYWORDS.items()}


def held_data_value(held: Experiment, name: str) -> Any:
    """The value of the :class:`DataSettings` field ``name`` in the experiment ``held``."""
    keyword = _DATA_KEYWORDS[name]
    return getattr(held, _EXPERIMENT_FIELDS.get(keyword, keyword))


def same_values(changes: Mapping[str, Any], held: Experiment) -> bool:
    """Whether ``changes`` (keywords of Experiment.function/data) change nothing."""
    return all(same(value, getattr(held, _EXPERIMENT_FIELDS.get(key, key)))
               for key, value in changes.items())


def same(first: Any, second: Any) -> bool:
    """Whether two values are the same (tables: the same object)."""
    if first is second:
        return True
    if isinstance(first, Mapping) and isinstance(second, Mapping):
        return dict(first) == dict(second)
    if hasattr(first, "names") or hasattr(second, "names"):  # tables: by identity only
        return False
    return bool(first == second)


def settings_fields(settings: RunSettings) -> dict[str, Any]:
    """``settings`` as the settings keywords of :meth:`Experiment.from_fields`."""
    return {"optimizer": settings.optimizer,
            "hyperparameters": dict(settings.hyperparameters),
            "learning_rate": settings.learning_rate, "schedule": dict(settings.schedule),
            "stopping": settings.stopping}
