"""The plot of a function of one variable with the path of the descent on it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QWidget

from gdstudio.engine.history import History
from gdstudio.qt.plots.common import (
    OKABE_ITO,
    PathPen,
    PickingPlot,
    SurfaceSource,
    add_current_point,
    evaluate_surface,
    last_plottable_row,
    locate_minimum,
    padded_range,
    set_accessible,
    set_axis_title,
    set_data,
    set_path,
    set_plottable,
)

__all__ = ["FunctionPlot"]

CURVE_SAMPLES = 1200  # over twice the visible width: about 600 across the view
RECENT_POINTS = 300  # the newest points are drawn with a symbol each
TANGENT_FRACTION = 0.12  # half-length of the tangent, as a fraction of the view's width
LEGEND_ROOM = 0.12  # extra space above the path and curve, as a fraction of their height
EMPTY = np.empty(0)


class FunctionPlot(PickingPlot):
    """The curve f(x), the visited points joined in order, the current point, its tangent.

    Signals
    -------
    pointPicked(float)
        A left click in the plot, with the x coordinate clicked (a new start point).

    Notes
    -----
    :meth:`set_history` is cheap at any length: the path is decimated chunk by chunk and
    the curve only depends on the view. The view follows the path (growing to keep it in
    sight) until the student pans or zooms; :meth:`reset_view` follows again.
    """

    pointPicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_accessible(
            self,
            "functionPlot",
            "Function plot",
            "The function f(x) with the path of the descent. Click to start from that x; "
            "drag to pan, scroll to zoom, right-click for options.",
        )
        self._source: SurfaceSource | None = None
        self._curve_range: tuple[float, float] | None = None
        self._current: tuple[float, float, float] | None = None  # x, f(x), f′(x)
        self._make_items()
        self._label_axes("x")

    # ------------------------------------------------------------------ public
    def set_source(self, source: SurfaceSource | None) -> None:
        """Show the function ``source`` (one variable), or none.

        With none the curve is emptied and the view left as it is: the page is out of
        sight, and the next function fits it again.
        """
        self._source = source
        self._curve_range = None
        self._label_axes(source.param_names[0] if source and source.param_names else "x")
        if source is None:
            self._curve.setData(EMPTY, EMPTY)
            self._timer.stop()  # no curve to recompute
            return
        self.reset_view()

    # ------------------------------------------------------------------ drawing
    def _make_items(self) -> None:
        plot = self.plotItem
        self._legend = plot.addLegend(offset=(8, 4), labelTextColor="#333333", colCount=4)
        self._legend.setBrush(pg.mkBrush(255, 255, 255, 210))
        self._curve = pg.PlotDataItem(pen=pg.mkPen(OKABE_ITO["blue"], width=2.5), name="f(x)")
        plot.addItem(self._curve, ignoreBounds=True)  # its extent follows the view, not data
        path_pen = pg.mkPen(OKABE_ITO["vermillion"], width=1.5)
        self._path = plot.plot(pen=path_pen, name="path")
        self._path_pen = PathPen(self._path)
        self._visits = plot.plot(
            pen=None,
            symbol="o",
            symbolSize=6,
            symbolPen=None,
            symbolBrush=OKABE_ITO["vermillion"],
        )
        self._tangent = plot.plot(
            pen=pg.mkPen(OKABE_ITO["bluish_green"], width=2.5, style=Qt.PenStyle.DashLine),
            name="tangent",
        )
        self._point = add_current_point(plot)

    def _label_axes(self, name: str) -> None:
        set_axis_title(self.plotItem.getAxis("bottom"), name)
        set_axis_title(self.plotItem.getAxis("left"), f"f({name})")
        label = self._legend.getLabel(self._curve)
        if label.text != f"f({name})":
            label.setText(f"f({name})")

    def _draw_path(self, history: History) -> None:
        n = len(history)
        if n == 0:
            for item in (self._path, self._visits, self._point):
                set_data(item, EMPTY, EMPTY)
            self._current = None
            return
        params, loss = history.params, history.loss
        rows = self._decimator.indices(params)
        self._path_pen.fit(len(rows))
        set_path(self._path, params[rows, 0], loss[rows])
        recent = slice(max(n - RECENT_POINTS, 0), n)
        set_plottable(self._visits, params[recent, 0], loss[recent])
        row = last_plottable_row(params, loss)
        if row is None:
            self._current = None
            set_data(self._point, EMPTY, EMPTY)
            return
        grad = float(history.grad[row, 0])
        self._current = (float(params[row, 0]), float(loss[row]), grad)
        set_data(self._point, [self._current[0]], [self._current[1]])

    def _draw_current(self) -> None:
        if self._current is None or not np.isfinite(self._current[2]):
            set_data(self._tangent, EMPTY, EMPTY)
            return
        x, y, slope = self._current
        (left, right), (bottom, top) = self.plotItem.vb.viewRange()
        half = TANGENT_FRACTION * (right - left)
        if slope != 0:
            half = min(half, 0.25 * (top - bottom) / abs(slope))
        xs = np.array([x - half, x + half])
        set_plottable(self._tangent, xs, y + slope * (xs - x))

    def _draw_curve(self, low: float, high: float) -> None:
        if self._source is None:
            return
        xs = np.linspace(low, high, CURVE_SAMPLES)
        ys = evaluate_surface(self._source, xs)
        self._curve.setData(xs, ys, connect="finite")
        self._curve_range = (low, high)

    # ---------------------------------------------------------------- the view
    def _fit_view(self) -> None:
        bounds = self._path_points()
        if bounds is None:
            xs, ys = np.array([-1.0, 1.0]), np.array([], dtype=float)
        else:
            xs, ys = bounds
            xs = self._with_minimum(xs)
        minimum = max(1.0, 0.05 * float(np.abs(xs).max()))
        left, right = padded_range(float(xs.min()), float(xs.max()), 0.3, minimum)
        self._draw_curve(*padded_range(left, right, 0.5, 0.0))
        bottom, top = self._vertical_range(left, right, ys)
        self.plotItem.vb.setRange(xRange=(left, right), yRange=(bottom, top), padding=0)

    def _with_minimum(self, xs: np.ndarray) -> np.ndarray:
        """Path x values plus the lowest point of f near the start, if there is one."""
        if self._source is None:
            return xs
        start = xs[:1]
        width = np.maximum(3.0, 2.0 * np.abs(start))
        lowest = locate_minimum(self._source, start, width, 801)
        return xs if lowest is None else np.concatenate([xs, lowest])

    def _vertical_range(self, left: float, right: float, ys: np.ndarray) -> tuple[float, float]:
        curve_x, curve_y = self._curve.xData, self._curve.yData
        values = [ys]
        if curve_x is not None and len(curve_x):
            inside = (curve_x >= left) & (curve_x <= right) & np.isfinite(curve_y)
            if inside.any():
                values.append(_percentiles(curve_y[inside], (2.0, 98.0)))
        every = np.concatenate(values)
        if every.size == 0:
            return -1.0, 1.0
        low, high = float(every.min()), float(every.max())
        low, high = padded_range(low, high, 0.08, max(1e-9, 1e-6 * abs(high)))
        return low, high + LEGEND_ROOM * (high - low)  # room at the top for the legend

    def _view_changed(self) -> None:
        self._draw_current()

    def _recompute(self) -> None:
        if self._source is None:
            return
        left, right = self.plotItem.vb.viewRange()[0]
        known = self._curve_range
        if known is not None:
            covered = known[0] <= left and right <= known[1]
            fine_enough = right - left > 0.25 * (known[1] - known[0])
            if covered and fine_enough:
                return
        self._draw_curve(*padded_range(left, right, 0.5, 0.0))

    def _picked(self, point: QPointF) -> None:
        self.pointPicked.emit(float(point.x()))


def _percentiles(values: np.ndarray, percents: tuple[float, ...]) -> np.ndarray:
    """``np.percentile(values, percents)`` (its linear method) without ``np.unique``.

    ``np.percentile`` imports ``numpy.ma`` on first use (tens of milliseconds of the
    window's start-up); a few hundred sorted points need none of it.
    """
    ordered = np.sort(values)
    positions = np.asarray(percents) / 100.0 * (ordered.size - 1)
    return np.interp(positions, np.arange(ordered.size), ordered)
