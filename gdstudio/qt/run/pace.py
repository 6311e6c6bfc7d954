"""How fast the window shows a run: the words of a speed control and the examples' speeds.

The first tutorials open slow enough to follow each step by eye; the other examples run
as fast as possible. This is how a run is *shown*, not what is run, so it lives with
the window rather than in the examples' problems and settings.
"""

from __future__ import annotations

import math

__all__ = ["TUTORIAL_SPEED", "example_speed", "speed_text"]

#: Steps per second of the first tutorials (and of the example the window opens with):
#: each step can be followed by eye, and their 30 to 40 steps take under ten seconds.
TUTORIAL_SPEED = 5.0
#: The tutorials of a thousand steps: slow enough to see the path bend, 20 s in all.
_LONG_TUTORIAL_SPEED = 50.0
_SPEEDS = {
    "tutorial_x_squared": TUTORIAL_SPEED,
    "tutorial_intercept": TUTORIAL_SPEED,
    "tutorial_slope_intercept": _LONG_TUTORIAL_SPEED,
    "tutorial_feature_matrix": _LONG_TUTORIAL_SPEED,
}


def example_speed(key: str) -> float:
    """Steps per second example ``key`` is shown at, unless the student chose a speed.

    The tutorials' pace (see :data:`TUTORIAL_SPEED`), ``inf`` (as fast as possible) for
    every other example.
    """
    return _SPEEDS.get(key, math.inf)


def speed_text(steps_per_second: float) -> str:
    """A speed control's label: ``"1 step/s"``, ``"2.5 steps/s"`` or ``"fastest"``."""
    if math.isinf(steps_per_second):
        return "fastest"
    unit = "step/s" if steps_per_second == 1 else "steps/s"
    return f"{steps_per_second:g} {unit}"
