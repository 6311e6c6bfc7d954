"""Plots of several runs at once: every path on the function's map, one loss curve each.

Each run has an Okabe–Ito colour, and also its own marker shape and line dash, so runs
stay apart for colour-blind students and in greyscale print. Paths have a dark halo so
that they show on every part of the colour map.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gdstudio.engine.history import History
from gdstudio.qt.plots.common import (
    OKABE_ITO,
    PeakDecimator,
    PickingPlot,
    last_plottable_row,
    plottable,
    set_accessible,
    set_plottable,
    style_light,
)
from gdstudio.qt.plots.contour import ContourPlot
from gdstudio.qt.plots.function import FunctionPlot

__all__ = ["MAX_RUNS", "RUN_COLOURS", "RUN_SYMBOLS", "CompareContourPlot",
           "CompareFunctionPlot", "CompareLossPlot"]

#: Colours of successive runs (Okabe–Ito, black left out: it vanishes on dark themes).
RUN_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["sky_blue"], OKABE_ITO["reddish_purple"],
               OKABE_ITO["bluish_green"], OKABE_ITO["yellow"], OKABE_ITO["vermillion"],
               OKABE_ITO["blue"])
#: Marker of each run's current point, so that runs differ in shape too.
RUN_SYMBOLS = ("o", "s", "t", "d", "star", "h", "p")
RUN_DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
              Qt.PenStyle.DashDotLine)
#: Most runs a comparison holds (one colour and one shape each).
MAX_RUNS = len(RUN_COLOURS)
EMPTY = np.empty(0)


class _RunPaths:
    """The halo, path and current point of every run on a map or curve."""

    def __init__(self, plot: pg.PlotItem, legend: pg.LegendItem) -> None:
        self._plot, self._legend = plot, legend
        self.items: list[tuple[pg.PlotDataItem, pg.PlotDataItem, pg.PlotDataItem]] = []
        self.decimators: list[PeakDecimator] = []
        self.histories: list[History | None] = []

    def set_labels(self, labels: Sequence[str]) -> None:
        for halo, path, point in self.items:
            self._legend.removeItem(path)
            for item in (halo, path, point):
                self._plot.removeItem(item)
        self.items, self.decimators = [], []
        self.histories = [None] * len(labels)
        for index, label in enumerate(labels):
            colour = RUN_COLOURS[index % MAX_RUNS]
            # Earlier runs are drawn wider, so paths that coincide still show each colour.
            width = 2.0 + 1.5 * (len(labels) - 1 - index)
            halo = self._plot.plot(pen=pg.mkPen(0, 0, 0, 170, width=width + 3))
            path = self._plot.plot(pen=pg.mkPen(colour, width=width))
            point = self._plot.plot(pen=None, symbol=RUN_SYMBOLS[index % MAX_RUNS],
                                    symbolSize=15, symbolBrush=colour,
                                    symbolPen=pg.mkPen("k", width=1.5))
            halo.setZValue(5)  # every halo under every path
            path.setZValue(10 + index)
            point.setZValue(30 + index)
            self._legend.addItem(point, label)
            self.items.append((halo, path, point))
            self.decimators.append(PeakDecimator())

    def draw(self, histories: Sequence[History], ys_of: str) -> bool:
        """Draw every run; returns True when a run is new or shorter (fit the view)."""
        renewed = False
        for index, history in enumerate(histories[: len(self.items)]):
            halo, path, point = self.items[index]
            n = len(history)
            if history is not self.histories[index] or n <= 1:
                self.decimators[index].reset()
                renewed = True
            self.histories[index] = history
            params = history.params
            xs = params[:, 0]
            ys = history.loss if ys_of == "loss" else params[:, 1]
            rows = self.decimators[index].indices(np.column_stack([xs, ys]))
            set_plottable(path, xs[rows], ys[rows])
            set_plottable(halo, xs[rows], ys[rows])
            row = last_plottable_row(params, history.loss)
            point.setData(EMPTY, EMPTY) if row is None else point.setData([xs[row]], [ys[row]])
        return renewed

    def points(self) -> tuple[np.ndarray, np.ndarray] | None:
        xs = [item[1].xData for item in self.items if item[1].xData is not None]
        ys = [item[1].yData for item in self.items if item[1].yData is not None]
        if not xs or not sum(len(x) for x in xs):
            return None
        return np.concatenate(xs), np.concatenate(ys)


class _ManyRuns(PickingPlot):
    """The paths of several runs drawn in place of a single run's (a base before
    :class:`FunctionPlot` or :class:`ContourPlot`): the single run's items are hidden,
    and the view follows every path."""

    #: The history's column drawn upwards: the loss for f(x), y for the map.
    _y_column: str
    _legend: pg.LegendItem  # made by the plot's own ``_make_items``
    runs: _RunPaths

    def _show_many_runs(self, single_run_items: Sequence[str]) -> None:
        for name in single_run_items:
            item = getattr(self, name)
            self._legend.removeItem(item)
            item.hide()
        self.runs = _RunPaths(self.plotItem, self._legend)
        self._legend.setColumnCount(1)

    def set_runs(self, labels: Sequence[str]) -> None:
        """One path per label (in the run colours, in order)."""
        self.runs.set_labels(labels)

    def set_histories(self, histories: Sequence[History]) -> None:
        """Draw the runs' paths (the sessions' mirrors)."""
        if self.runs.draw(histories, self._y_column):
            self.following = True
            self._fit_view()
        elif self.following and not self._path_in_view():
            self._fit_view()

    def _path_points(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self.runs.points()

    def _picked(self, point: object) -> None:
        """Clicks do not move the start here: the runs share the window's start."""


class CompareContourPlot(_ManyRuns, ContourPlot):
    """The map of f(x, y) with the path of every run."""

    _y_column = "y"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_accessible(self, "compareContourPlot", "Paths of every run",
                       "A map of f(x, y) with the path of each run; the marker is where each "
                       "run is now. Drag to pan, scroll to zoom.")
        self._show_many_runs(("_path", "_visits", "_point", "_arrow_line"))
        self._arrow_head.hide()


class CompareFunctionPlot(_ManyRuns, FunctionPlot):
    """The curve f(x) with the path of every run."""

    _y_column = "loss"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_accessible(self, "compareFunctionPlot", "Paths of every run",
                       "The function f(x) with the points each run visited; the marker is "
                       "where each run is now.")
        self._show_many_runs(("_path", "_visits", "_point", "_tangent"))


class CompareLossPlot(pg.PlotWidget):
    """The loss of every run against the step, on a logarithmic axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style_light(self)
        set_accessible(self, "compareLossPlot", "Loss of every run",
                       "The loss of each run at every step (logarithmic axis): lower is "
                       "better, steeper is faster.")
        item = self.plotItem
        item.setLabel("bottom", "step")
        item.setLabel("left", "loss")
        item.setLogMode(y=True)
        self._legend = item.addLegend(offset=(-8, 4), colCount=1)
        self._curves: list[pg.PlotDataItem] = []
        self._decimators: list[PeakDecimator] = []
        self._histories: list[History | None] = []

    def set_runs(self, labels: Sequence[str]) -> None:
        """One curve per label: the run's colour and a dash of its own."""
        for curve in self._curves:
            self._legend.removeItem(curve)
            self.plotItem.removeItem(curve)
        self._curves, self._decimators = [], []
        self._histories = [None] * len(labels)
        for index, label in enumerate(labels):
            pen = pg.mkPen(RUN_COLOURS[index % MAX_RUNS], width=2.5,
                           style=RUN_DASHES[index % len(RUN_DASHES)])
            curve = self.plotItem.plot(pen=pen, name=label)
            curve.setClipToView(True)
            self._curves.append(curve)
            self._decimators.append(PeakDecimator())

    def set_histories(self, histories: Sequence[History]) -> None:
        """Draw the loss of each run (only positive finite values on the log axis)."""
        for index, history in enumerate(histories[: len(self._curves)]):
            if history is not self._histories[index] or len(history) <= 1:
                self._decimators[index].reset()
                self.plotItem.enableAutoRange()
            self._histories[index] = history
            loss = history.loss
            rows = self._decimators[index].indices(loss)
            ys = loss[rows]
            keep = plottable(ys) & (ys > 0)
            self._curves[index].setData(rows[keep].astype(float), ys[keep])
