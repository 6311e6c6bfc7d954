"""Which rows each frame of an animation shows, and a history cut at a row (numpy only).

A frame shows the run up to some row; :class:`HistoryPrefix` is the window's history as
it was then, read through the same names the plots read (``params``, ``loss``, …). One
prefix object grows frame by frame, so that the plots treat the frames as one run that
streams in, exactly as they do live.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "ANIMATION_SECONDS",
    "HistoryPrefix",
    "default_steps_per_frame",
    "frame_lengths",
]

#: A whole run lasts about this long by default.
ANIMATION_SECONDS = 10.0


class HistoryPrefix:
    """The first ``length`` rows of a history, with the history's array names.

    Parameters
    ----------
    history : History
        The run (its rows must not change while the prefix is used).
    length : int
        Rows shown (at least 1, at most ``len(history)``).
    """

    def __init__(self, history: Any, length: int = 1) -> None:
        self.history = history
        self.length = length

    def __len__(self) -> int:
        return max(1, min(self.length, len(self.history)))

    def __getattr__(self, name: str) -> Any:
        values = getattr(self.history, name)
        if isinstance(values, np.ndarray) and values.ndim >= 1:
            return values[: len(self)]
        return values


def default_steps_per_frame(rows: int, fps: float, seconds: float = ANIMATION_SECONDS) -> int:
    """Steps per frame so that a run of ``rows`` rows lasts about ``seconds`` at ``fps``."""
    steps = max(rows - 1, 1)
    return max(1, math.ceil(steps / max(fps * seconds, 1.0)))


def frame_lengths(rows: int, steps_per_frame: int) -> list[int]:
    """Rows shown by each frame: 1, 1 + s, 1 + 2s, …, always ending with all ``rows``."""
    if rows < 1:
        return []
    lengths = list(range(1, rows + 1, max(1, steps_per_frame)))
    if lengths[-1] != rows:
        lengths.append(rows)
    return lengths
