"""A value axis whose tick labels never overlap, however short the plot.

pyqtgraph always asks for at least 2¼ intervals between major ticks and writes the labels
of finer levels when they fill little enough of the axis, but it never compares a label's
height with the room between two ticks. In a short plot — the three traces in a docked
panel are about 40 pixels tall each — "3.0" was written over "2.0". :class:`ValueAxis`
puts its major ticks — the level pyqtgraph always labels — a 1, 2 or 5 × 10ⁿ spacing
apart that leaves room for the labels; pyqtgraph's own finer levels stay as minor ticks
(it labels those only when their labels fill little of the axis).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

__all__ = ["ROOM_PER_LABEL", "ValueAxis", "spacing_with_room"]

#: The least distance between two labelled ticks, in label heights.
ROOM_PER_LABEL = 1.4


def spacing_with_room(span: float, pixels: float, least_pixels: float) -> float:
    """The finest 1, 2 or 5 × 10ⁿ spacing whose ticks lie ``least_pixels`` apart or more.

    ``span`` is the axis's range in data units and ``pixels`` its length on screen.
    """
    smallest = span * least_pixels / pixels
    power = 10.0 ** math.floor(math.log10(smallest))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= smallest:
            return factor * power
    return 10.0 * power  # pragma: no cover - the loop always returns


class ValueAxis(pg.AxisItem):
    """pyqtgraph's side axis, with labelled ticks at least :data:`ROOM_PER_LABEL` labels
    apart.

    Only the linear scale changes; a log axis is pyqtgraph's own.
    """

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N803
        """pyqtgraph's levels when its major ticks leave room for their labels; else a
        coarser major level that does, above pyqtgraph's levels as minor ticks."""
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if not levels or span == 0 or size <= 0 or not math.isfinite(span):
            return levels
        least = ROOM_PER_LABEL * self._label_extent()
        if levels[0][0] * size / span >= least:
            return levels
        major = spacing_with_room(span, size, least)
        # pyqtgraph labels a finer level only when its labels fill little of the axis.
        return [(major, 0.0)] + [level for level in levels if level[0] < major]

    def _label_extent(self) -> float:
        """A label's height (the axis is meant for the left or right side)."""
        return QFontMetricsF(self.style.get("tickFont") or self.font()).height()
