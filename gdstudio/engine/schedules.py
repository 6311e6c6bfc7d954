"""Learning-rate schedules: a factor of the step count k that multiplies the base rate.

The rate of the update from θ_k to θ_{k+1} is ``base_lr * schedule.factor(k)``, with k
counted from 0, so every schedule starts at factor 1 (as optax's schedules do).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar

__all__ = [
    "SCHEDULES",
    "Constant",
    "Cosine",
    "Exponential",
    "InverseTime",
    "Schedule",
    "StepDecay",
    "make_schedule",
]


@dataclass(frozen=True)
class Schedule:
    """Base class. Subclasses are frozen dataclasses whose fields are their parameters."""

    kind: ClassVar[str] = ""

    def factor(self, step: int) -> float:
        """Multiplier of the base learning rate for the update made at ``step``."""
        raise NotImplementedError

    def parameters(self) -> dict[str, float]:
        """The schedule's parameters by name."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def to_dict(self) -> dict[str, float | str]:
        """``{"kind": ..., **parameters}``, the form :func:`make_schedule` accepts."""
        return {"kind": self.kind, **self.parameters()}


@dataclass(frozen=True)
class Constant(Schedule):
    """Factor 1 at every step."""

    kind: ClassVar[str] = "constant"

    def factor(self, step: int) -> float:
        return 1.0


@dataclass(frozen=True)
class StepDecay(Schedule):
    """Multiply by ``gamma`` every ``step_size`` steps: ``gamma ** (k // step_size)``."""

    kind: ClassVar[str] = "step"
    step_size: int = 10
    gamma: float = 0.5

    def __post_init__(self) -> None:
        _require_integer("step_size", self.step_size, minimum=1)
        _require_range("gamma", self.gamma, low=0.0, high=None, low_open=True)

    def factor(self, step: int) -> float:
        return self.gamma ** (step // self.step_size)


@dataclass(frozen=True)
class Exponential(Schedule):
    """``gamma ** k``: the rate shrinks by the same ratio every step."""

    kind: ClassVar[str] = "exponential"
    gamma: float = 0.95

    def __post_init__(self) -> None:
        _require_range("gamma", self.gamma, low=0.0, high=None, low_open=True)

    def factor(self, step: int) -> float:
        return self.gamma**step


@dataclass(frozen=True)
class InverseTime(Schedule):
    """``1 / (1 + decay · k)``."""

    kind: ClassVar[str] = "inverse_time"
    decay: float = 0.1

    def __post_init__(self) -> None:
        _require_range("decay", self.decay, low=0.0, high=None)

    def factor(self, step: int) -> float:
        return 1.0 / (1.0 + self.decay * step)


@dataclass(frozen=True)
class Cosine(Schedule):
    """Cosine decay from 1 to ``min_factor`` over ``period`` steps, then ``min_factor``.

    ``min_factor + (1 - min_factor) · (1 + cos(π · min(k, period) / period)) / 2``
    """

    kind: ClassVar[str] = "cosine"
    period: int = 100
    min_factor: float = 0.0

    def __post_init__(self) -> None:
        _require_integer("period", self.period, minimum=1)
        _require_range("min_factor", self.min_factor, low=0.0, high=1.0)

    def factor(self, step: int) -> float:
        progress = min(step, self.period) / self.period
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.min_factor + (1.0 - self.min_factor) * cosine


SCHEDULES: dict[str, type[Schedule]] = {
    cls.kind: cls for cls in (Constant, StepDecay, Exponential, InverseTime, Cosine)
}


def make_schedule(spec: Schedule | Mapping[str, object] | str | None) -> Schedule:
    """Build a schedule from ``None``, a kind name or ``{"kind": ..., **parameters}``.

    Raises
    ------
    ValueError
        For an unknown kind, an unknown parameter name or a value out of range.
    """
    if spec is None:
        return Constant()
    if isinstance(spec, Schedule):
        return spec
    if isinstance(spec, str):
        spec = {"kind": spec}
    options = dict(spec)
    kind = str(options.pop("kind", "constant")).strip().lower()
    if kind not in SCHEDULES:
        raise ValueError(f"unknown schedule {kind!r}; choose one of: {', '.join(SCHEDULES)}")
    cls = SCHEDULES[kind]
    allowed = [field.name for field in fields(cls)]
    for key in options:
        if key not in allowed:
            known = ", ".join(allowed) or "none"
            raise ValueError(f"the {kind} schedule has no parameter {key!r} (it has: {known})")
    converted = {key: _convert(cls, key, value) for key, value in options.items()}
    return cls(**converted)


def _convert(cls: type[Schedule], key: str, value: object) -> float | int:
    integer = key in ("step_size", "period")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(
            f"{key} of the {cls.kind} schedule must be a number, not {value!r}"
        ) from None
    if integer:
        if not number.is_integer():
            raise ValueError(
                f"{key} of the {cls.kind} schedule must be a whole number, not {value}"
            )
        return int(number)
    return number


def _require_integer(name: str, value: int, minimum: int) -> None:
    if not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, not {value!r}")


def _require_range(
    name: str, value: float, low: float, high: float | None, low_open: bool = False
) -> None:
    ok = math.isfinite(value) and (value > low if low_open else value >= low)
    if high is not None:
        ok = ok and value <= high
    if not ok:
        bound = f"above {low}" if low_open else f"at least {low}"
        if high is not None:
            bound += f" and at most {high}"
        raise ValueError(f"{name} must be {bound}, not {value!r}")
