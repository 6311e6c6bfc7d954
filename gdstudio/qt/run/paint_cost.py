"""What painting a widget costs, learned from its own paints.

A pass of the event loop sets a widget's data in one callback; Qt paints the widget later
in the same pass (or, for a plot whose scene reports its change in a queued call, in the
pass after). Drawing that can wait (the side panels, the loss map) asks
:func:`~gdstudio.qt.run.ui_gate.pass_is_full` whether the pass has worked long enough;
without the paints to come it would count only the setting of data, which on a slow
machine is the smaller part: a step log of ten columns took 25-30 ms to paint while a
run streamed in, three traces 7-25 ms each, and a round of side panels set up in 20 ms
held the UI thread for over 100 ms.

A widget that mixes in :class:`PaintTimed` keeps a :class:`PaintCost` of its paint
events; code that changes it tells the pass what the paint will cost
(:meth:`PaintCost.owe`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from gdstudio.qt.run.ui_gate import owe_paint

__all__ = ["PaintCost", "PaintTimed"]

_T = TypeVar("_T")

#: What is left of the estimate after each cheaper paint: a paint that costs more (a
#: larger window, a denser plot, a whole table scrolled) counts at once, and a widget
#: whose paints are mostly small (a cell, a cursor) still counts on its full repaints.
_DECAY = 0.8


class PaintCost:
    """A running estimate of the seconds one widget's paint takes.

    Attributes
    ----------
    seconds : float
        The estimate: the newest paint, or the older estimate a little lowered if that
        is longer (0 before the first paint).
    """

    def __init__(self) -> None:
        self.seconds = 0.0

    def measure(self, paint: Callable[[], _T]) -> _T:
        """Run ``paint`` (the widget's own paint) and learn from how long it took."""
        started = time.perf_counter()
        try:
            return paint()
        finally:
            self.learn(time.perf_counter() - started)

    def learn(self, seconds: float) -> None:
        """Take one paint that took ``seconds`` into the estimate."""
        self.seconds = max(seconds, _DECAY * self.seconds)

    def owe(self) -> None:
        """Count the widget's next paint as work of this pass of the event loop."""
        owe_paint(self.seconds)


class PaintTimed:
    """Mixin for a Qt widget class (listed before it): its paint events are timed.

    ``class StepLogView(PaintTimed, QTableView)`` paints as a ``QTableView`` and keeps
    what its paints cost in :attr:`paint_cost`.
    """

    @property
    def paint_cost(self) -> PaintCost:
        """What this widget's paints cost (made at the first use)."""
        cost = self.__dict__.get("_paint_cost")
        if cost is None:
            cost = self.__dict__["_paint_cost"] = PaintCost()
        return cost

    def paintEvent(self, event: Any) -> None:  # Qt override
        """Paint as the widget class does, timed."""
        self.paint_cost.measure(lambda: super(PaintTimed, self).paintEvent(event))
