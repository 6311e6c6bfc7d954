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

__all__ = ["ROOM_PER_LABEL", "DecadeAxis", "ValueAxis", "decade_labels", "spacing_with_room"]

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

    Only the linear scale of a left or right axis changes; a log scale, and a top or
    bottom axis, are pyqtgraph's own.
    """

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N803
        """pyqtgraph's levels when its major ticks leave room for their labels; else a
        coarser major level that does, above pyqtgraph's levels as minor ticks."""
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        side = self.orientation in ("left", "right")
        if not (side and levels and span > 0 and size > 0 and math.isfinite(span)):
            return levels
        least = ROOM_PER_LABEL * self._label_extent()
        if levels[0][0] * size / span >= least:
            return levels
        major = spacing_with_room(span, size, least)
        # pyqtgraph labels a finer level only when its labels fill little of the axis.
        return [(major, 0.0)] + [level for level in levels if level[0] < major]

    def _label_extent(self) -> float:
        """A label's height (the room it needs on a left or right axis)."""
        return QFontMetricsF(self.style.get("tickFont") or self.font()).height()


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: Decades written out as decimals when every labelled one lies in 10^-3 … 10^4.
_PLAIN_DECADES = range(-3, 5)


def decade_labels(exponents: list[float]) -> list[str] | None:
    """One style for the labels of ticks at whole powers of ten.

    ``exponents`` are the ticks' log10 values. When every one lies between −3 and 4 the
    labels are decimals (``0.001`` … ``10000``), otherwise all are powers (``10⁻⁵``,
    ``10⁰``, ``10¹``): pyqtgraph's own labels mix the two on one axis (``0.0001`` beside
    ``10⁻⁵``). ``None`` when a tick is not at a whole power.
    """
    whole = [round(value) for value in exponents]
    if any(abs(value - rounded) > 1e-9 for value, rounded in zip(exponents, whole, strict=True)):
        return None
    if all(power in _PLAIN_DECADES for power in whole):
        return [f"{10.0 ** power:.{max(-power, 0)}f}" for power in whole]
    return ["10" + str(power).translate(_SUPERSCRIPTS) for power in whole]


class DecadeAxis(ValueAxis):
    """A :class:`ValueAxis` whose log scale labels its decades in one style
    (:func:`decade_labels`)."""

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """:func:`decade_labels` where every tick is a decade, else pyqtgraph's labels."""
        labels = decade_labels(list(values)) if scale == 1 else None
        return labels if labels is not None else super().logTickStrings(values, scale, spacing)
