"""The runs drawn over a plot, each in its own colour and marker.

An overlay keeps one item per run in a pyqtgraph plot and sets its data from a history:
the path on the function or contour plot, the loss against the step on the loss trace.
A branch is drawn from its fork on (its earlier steps are its parent's). Long runs are
thinned to a couple of thousand evenly spaced rows plus the newest one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg

from gdstudio.engine import History
from gdstudio.qt.branches.palette import run_style
from gdstudio.qt.plots.common import plottable

__all__ = ["MOST_DRAWN_ROWS", "RunOverlay", "loss_points", "path_points_1d",
           "path_points_2d"]

#: Rows of one run drawn at most (evenly spaced, the newest always).
MOST_DRAWN_ROWS = 2000
#: Markers are drawn on a run of at most this many rows.
MOST_MARKED_ROWS = 300
#: Above the plot's own path and visits, below nothing the student needs to read.
_Z = 5

Points = Callable[[History, np.ndarray], tuple[np.ndarray, np.ndarray]]


def path_points_1d(history: History, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, f(x)) of ``rows``: the path on the function plot."""
    return history.params[rows, 0], history.loss[rows]


def path_points_2d(history: History, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of ``rows``: the path on the contour plot."""
    return history.params[rows, 0], history.params[rows, 1]


def loss_points(history: History, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(step, loss) of ``rows``: the loss trace."""
    return rows.astype(float), history.loss[rows]


class RunOverlay:
    """One item per run on ``plot``, drawn with :func:`run_style`.

    Parameters
    ----------
    plot : pyqtgraph.PlotItem
        Where to draw.
    points : callable
        ``points(history, rows) -> (xs, ys)``.
    positive_only : callable, optional
        Whether only positive y can be drawn now (a logarithmic axis).
    """

    def __init__(self, plot: pg.PlotItem, points: Points,
                 positive_only: Callable[[], bool] = lambda: False) -> None:
        self.plot = plot
        self._points = points
        self._positive_only = positive_only
        self._items: dict[int, pg.PlotDataItem] = {}

    @property
    def run_ids(self) -> tuple[int, ...]:
        """The runs drawn."""
        return tuple(self._items)

    def item(self, run_id: int) -> pg.PlotDataItem:
        """The item of run ``run_id`` (tests read its data)."""
        return self._items[run_id]

    def draw(self, run_id: int, colour: int, history: History, first: int,
             selected: bool) -> None:
        """Draw rows ``first`` … of ``history`` as run ``run_id`` (the selected one bolder)."""
        item = self._items.get(run_id)
        if item is None:
            item = pg.PlotDataItem()
            item.setZValue(_Z)
            self.plot.addItem(item)
            self._items[run_id] = item
        style = run_style(colour)
        rows = _thinned(first, len(history))
        xs, ys = self._points(history, rows)
        keep = plottable(xs) & plottable(ys)
        if self._positive_only():
            keep &= ys > 0
        marked = len(rows) <= MOST_MARKED_ROWS
        item.setData(xs[keep], ys[keep], pen=pg.mkPen(style.colour, width=3 if selected else 2),
                     symbol=style.symbol if marked else None, symbolSize=9 if selected else 7,
                     symbolBrush=style.colour, symbolPen=pg.mkPen("#222222", width=0.8))
        item.setZValue(_Z + 1 if selected else _Z)

    def remove(self, run_id: int) -> None:
        """Stop drawing run ``run_id``."""
        item = self._items.pop(run_id, None)
        if item is not None:
            self.plot.removeItem(item)

    def clear(self) -> None:
        """Stop drawing every run."""
        for run_id in list(self._items):
            self.remove(run_id)


def _thinned(first: int, length: int) -> np.ndarray:
    """Rows ``first`` … ``length - 1``, at most :data:`MOST_DRAWN_ROWS` of them, the last kept."""
    count = length - first
    if count <= MOST_DRAWN_ROWS:
        return np.arange(first, length)
    return np.unique(np.linspace(first, length - 1, MOST_DRAWN_ROWS).astype(np.int64))
