"""The words of a speed control (the main window's and the comparison's)."""

from __future__ import annotations

import math

__all__ = ["speed_text"]


def speed_text(steps_per_second: float) -> str:
    """A speed control's label: ``"1 step/s"``, ``"2.5 steps/s"`` or ``"fastest"``."""
    if math.isinf(steps_per_second):
        return "fastest"
    unit = "step/s" if steps_per_second == 1 else "steps/s"
    return f"{steps_per_second:g} {unit}"
