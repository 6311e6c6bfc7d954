"""Data mode's plots: the data with the model's curve, and the loss over the parameters.

- :class:`DataPlot`: the rows as points (one feature across, the target up), the current
  model's curve, optional residual lines and the least-squares curve. A click on empty
  space adds a point, dragging a point moves it, Delete removes the selected one; the
  plot only *asks* (signals), the table's undo stack does the edit.
- :class:`LossContourPlot` and :class:`LossCurvePlot`: the contour map of
  :class:`ContourPlot` (two parameters) or the curve of :class:`FunctionPlot` (one), named
  for the loss L, with the least-squares minimum marked.

Large tables stay responsive: at most :data:`MAX_SHOWN_POINTS` rows are drawn (a fixed
random sample, the same at every frame), and the curve is sampled across the view only.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGraphicsItem, QWidget

from gdstudio.qt.plots import ContourPlot, FunctionPlot
from gdstudio.qt.plots.common import (
    OKABE_ITO,
    padded_range,
    set_accessible,
    set_data,
    style_light,
)
from gdstudio.qt.plots.theme import fit_legend
from gdstudio.qt.run.paint_cost import PaintTimed

__all__ = ["MAX_SHOWN_POINTS", "DataPlot", "LossContourPlot", "LossCurvePlot", "PairHistory"]

#: Most rows drawn as points; larger tables show a fixed random sample of this size.
MAX_SHOWN_POINTS = 4000
#: A click or drag this close to a point (pixels) picks it.
PICK_PIXELS = 10.0
CURVE_SAMPLES = 400
#: Extra room above a loss map's fitted view for its legend (fraction of the height), at
#: least; a legend wrapped onto more rows in a narrow map gets the room it covers.
LEGEND_ROOM = 0.22
#: Pixels between a loss map's legend and the highest point of its fitted view.
LEGEND_GAP_PX = 6
#: A legend never gets more than this share of a (tiny) map's height.
MOST_LEGEND_SHARE = 0.45
EMPTY = np.empty(0)
#: Pixels right of the plot area: the last x tick's label is centred on the edge.
RIGHT_MARGIN = 12
Curve = Callable[[np.ndarray], np.ndarray]


class _PassiveScatter(pg.ScatterPlotItem):
    """Points that leave clicks to the view box (which picks the nearest one itself)."""

    def mouseClickEvent(self, event: Any) -> None:
        """Let the click through."""
        event.ignore()


class _PointsViewBox(pg.ViewBox):
    """Left clicks and drags go to the plot (add, select, move); the rest pans and zooms."""

    def __init__(self, plot: DataPlot) -> None:
        super().__init__()
        self._plot = plot

    def mouseClickEvent(self, event: Any) -> None:
        """A left click selects the point under it, or adds a point there."""
        if event.button() == Qt.MouseButton.LeftButton and not event.double():
            event.accept()
            self._plot.clicked_at(self.mapSceneToView(event.scenePos()))
            return
        super().mouseClickEvent(event)

    def mouseDragEvent(self, event: Any, axis: int | None = None) -> None:
        """Dragging a point moves it; dragging elsewhere pans."""
        if event.button() == Qt.MouseButton.LeftButton and self._plot.dragged(event):
            return
        super().mouseDragEvent(event, axis)


class DataPlot(PaintTimed, pg.PlotWidget):
    """The data as points with the model's curve, residual lines and the least squares.

    Signals
    -------
    pointAdded(float, float)
        A click on empty space: add a point there (x, y in data units).
    pointMoved(int, float, float)
        A point (row index) was dragged to (x, y).
    pointDeleted(int)
        Delete was pressed with this row's point selected.
    """

    pointAdded = Signal(float, float)
    pointMoved = Signal(int, float, float)
    pointDeleted = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w", viewBox=_PointsViewBox(self))
        set_accessible(self, "dataPlot", "Data plot",
                       "The data and the model's curve. Click to add a point, drag a point to "
                       "move it, select one and press Delete to remove it (Ctrl+Z undoes).")
        style_light(self)
        for side in ("left", "bottom"):
            self.plotItem.getAxis(side).enableAutoSIPrefix(False)
        # Room on the right for the last x tick's label, which a narrow plot cut in half.
        self.plotItem.setContentsMargins(1, 1, RIGHT_MARGIN, 1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.x = self.y = EMPTY
        self.shown_rows = np.arange(0)
        self.selected_row: int | None = None
        self._names = ("", "")
        self._curve: Curve | None = None
        self._fitted: Curve | None = None
        self._least_squares: Curve | None = None
        self._residuals_on = True
        self._drag_row: int | None = None
        self._make_items()
        self.plotItem.vb.sigRangeChanged.connect(lambda *_: self._draw_curves())

    # ------------------------------------------------------------------ public
    def set_points(self, x: np.ndarray, y: np.ndarray, names: tuple[str, str]) -> None:
        """Show rows (x_i, y_i); the view is refitted when they leave it."""
        same_rows = x.shape == self.x.shape
        self.x, self.y = np.asarray(x, float), np.asarray(y, float)
        if not same_rows or self.shown_rows.size == 0:
            self.shown_rows = _sample_rows(self.x.shape[0])
            self.selected_row = None
        shown = self.shown_rows
        size = 9 if shown.size <= 100 else (6 if shown.size <= 1000 else 4)
        outline = pg.mkPen("w", width=0.8) if shown.size <= 1000 else None
        self._points.setData(self.x[shown], self.y[shown], size=size, pen=outline)
        if names != self._names:
            self._names = names
            self.plotItem.setLabel("bottom", names[0])
            self.plotItem.setLabel("left", names[1])
        count = self.x.shape[0]
        # Short: the plot may be narrow on a projector, and a longer title is cut.
        title = f"{shown.size:,} of {count:,} shown" if shown.size < count else ""
        self.plotItem.setTitle(title, color="#888888", size="9pt")
        if not self._points_in_view():
            self.fit_view()
        self._show_selection()
        self._draw_curves()

    def set_model(self, curve: Curve | None, fitted: Curve | None) -> None:
        """The current model: ``curve(xs)`` along the axis (one feature, else ``None``) and
        ``fitted(rows)``, its prediction at those rows (for residual lines).

        Only the model's own lines are redrawn: it changes every frame of a run, the
        least-squares curve does not.
        """
        self._curve, self._fitted = curve, fitted
        self._draw_line(self._model_line, curve)
        self._draw_residuals()

    def set_least_squares(self, curve: Curve | None) -> None:
        """The closed-form least-squares model's curve, or ``None`` where there is none."""
        self._least_squares = curve
        self._draw_line(self._least_squares_line, curve)

    def set_residuals_visible(self, visible: bool) -> None:
        """Show or hide the residual lines from each point to the model."""
        self._residuals_on = visible
        self._draw_curves()

    def fit_view(self) -> None:
        """Fit the view to the points (with a margin for the legend)."""
        if self.x.size == 0:
            return
        left, right = padded_range(float(self.x.min()), float(self.x.max()), 0.08, 1e-9)
        bottom, top = padded_range(float(self.y.min()), float(self.y.max()), 0.1, 1e-9)
        top += 0.12 * (top - bottom)
        self.plotItem.vb.setRange(xRange=(left, right), yRange=(bottom, top), padding=0)

    def data_to_widget(self, x: float, y: float) -> QPointF:
        """Position in the viewport of the data point (x, y) (for tests and tools)."""
        return QPointF(self.mapFromScene(self.plotItem.vb.mapViewToScene(QPointF(x, y))))

    # ------------------------------------------------------------------ mouse and keys
    def clicked_at(self, point: QPointF) -> None:
        """Select the point near ``point`` (data units), or ask to add one there."""
        self.setFocus()
        row = self._nearest(point)
        if row is None:
            self.selected_row = None
            self.pointAdded.emit(float(point.x()), float(point.y()))
        else:
            self.selected_row = row
        self._show_selection()

    def dragged(self, event: Any) -> bool:
        """Move a point with the mouse; False when the drag did not start on one."""
        view = self.plotItem.vb
        if event.isStart():
            self._drag_row = self._nearest(view.mapSceneToView(event.buttonDownScenePos()))
        if self._drag_row is None:
            return False
        event.accept()
        where = view.mapSceneToView(event.scenePos())
        self._drag_marker.setData([where.x()], [where.y()])
        if event.isFinish():
            row, self._drag_row = self._drag_row, None
            self._drag_marker.setData(EMPTY, EMPTY)
            self.selected_row = row
            self.pointMoved.emit(row, float(where.x()), float(where.y()))
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete (or Backspace) asks to remove the selected point."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and (
                self.selected_row is not None):
            row, self.selected_row = self.selected_row, None
            self._show_selection()
            self.pointDeleted.emit(row)
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ drawing
    def _make_items(self) -> None:
        plot = self.plotItem
        legend = plot.addLegend(offset=(8, 4), labelTextColor="#333333", colCount=2)
        legend.setBrush(pg.mkBrush(255, 255, 255, 210))
        self._points = _PassiveScatter(size=8, pen=pg.mkPen("w", width=0.8),
                                          brush=pg.mkBrush(OKABE_ITO["blue"]), name="data")
        # The points change only when the data or the view does, while the model's curve
        # over them changes every frame of a run: a cached picture of up to 4,000 points
        # repaints in a fifth of the time (measured: 1.5 ms instead of 7.3 ms).
        self._points.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self._points)
        # Lines follow the view, not the data: they do not take part in auto-ranging.
        self._residual_lines = pg.PlotDataItem(pen=pg.mkPen(120, 120, 120, 200, width=1),
                                               name="residuals")
        self._fitted_points = pg.PlotDataItem(pen=None, symbol="o", symbolSize=5,
                                              symbolPen=None,
                                              symbolBrush=OKABE_ITO["vermillion"])
        self._least_squares_line = pg.PlotDataItem(
            pen=pg.mkPen(OKABE_ITO["bluish_green"], width=2, style=Qt.PenStyle.DashLine),
            name="least squares")
        self._model_line = pg.PlotDataItem(pen=pg.mkPen(OKABE_ITO["vermillion"], width=2.5),
                                           name="model now")
        self._selection = _PassiveScatter(size=16, pen=pg.mkPen(OKABE_ITO["orange"], width=3),
                                             brush=None)
        self._drag_marker = _PassiveScatter(size=12, pen=pg.mkPen("k", width=1),
                                               brush=pg.mkBrush(OKABE_ITO["orange"]))
        for item in (self._residual_lines, self._fitted_points, self._least_squares_line,
                     self._model_line, self._selection, self._drag_marker):
            plot.addItem(item, ignoreBounds=True)

    def _draw_curves(self) -> None:
        self._draw_line(self._model_line, self._curve)
        self._draw_line(self._least_squares_line, self._least_squares)
        self._draw_residuals()

    def _draw_line(self, item: pg.PlotDataItem, curve: Curve | None) -> None:
        """``curve`` sampled across the view (a margin either side), or nothing."""
        if curve is None or not self.x.size:
            set_data(item, EMPTY, EMPTY)
            return
        (left, right), _ = self.plotItem.vb.viewRange()
        xs = np.linspace(*padded_range(left, right, 0.05, 0.0), CURVE_SAMPLES)
        set_data(item, xs, curve(xs), connect="finite")

    def _draw_residuals(self) -> None:
        shown = self.shown_rows
        several = self._curve is None  # several features: the fitted values as points
        if self._fitted is None or shown.size == 0 or not (several or self._residuals_on):
            set_data(self._residual_lines, EMPTY, EMPTY)
            set_data(self._fitted_points, EMPTY, EMPTY)
            return
        fitted = self._fitted(shown)
        x = self.x[shown]
        set_data(self._fitted_points, *((x, fitted) if several else (EMPTY, EMPTY)))
        if not self._residuals_on:
            set_data(self._residual_lines, EMPTY, EMPTY)
            return
        keep = np.isfinite(fitted)
        xs = np.repeat(x[keep], 2)
        ys = np.column_stack([self.y[shown][keep], fitted[keep]]).ravel()
        set_data(self._residual_lines, xs, ys, connect="pairs")

    def _show_selection(self) -> None:
        row = self.selected_row
        if row is None or row >= self.x.shape[0]:
            self.selected_row = None
            self._selection.setData([], [])
        else:
            self._selection.setData([self.x[row]], [self.y[row]])

    def _points_in_view(self) -> bool:
        if self.x.size == 0:
            return True
        (left, right), (bottom, top) = self.plotItem.vb.viewRange()
        return bool(left <= self.x.min() and self.x.max() <= right
                    and bottom <= self.y.min() and self.y.max() <= top)

    def _nearest(self, point: QPointF) -> int | None:
        """The drawn row within :data:`PICK_PIXELS` of ``point`` (data units), if any."""
        shown = self.shown_rows
        if shown.size == 0:
            return None
        width, height = self.plotItem.vb.viewPixelSize()
        dx = (self.x[shown] - point.x()) / width
        dy = (self.y[shown] - point.y()) / height
        distance = np.hypot(dx, dy)
        best = int(np.argmin(distance))
        return int(shown[best]) if distance[best] <= PICK_PIXELS else None


def _sample_rows(count: int) -> np.ndarray:
    """Every row, or a fixed random sample of :data:`MAX_SHOWN_POINTS` rows (sorted)."""
    if count <= MAX_SHOWN_POINTS:
        return np.arange(count)
    rows = np.random.default_rng(0).choice(count, MAX_SHOWN_POINTS, replace=False)
    return np.sort(rows)


class PairHistory:
    """Two (or one) parameter columns of a history, as the loss plots read it.

    Parameters
    ----------
    history : History
        The window's mirror of the run.
    columns : tuple of int
        The parameters shown, in axis order.
    """

    def __init__(self, history: Any, columns: tuple[int, ...]) -> None:
        self.history, self.columns = history, list(columns)
        self._pick = _column_slice(self.columns)

    def __len__(self) -> int:
        return len(self.history)

    @property
    def params(self) -> np.ndarray:
        """θ of the chosen parameters, one row per point (a view: nothing is copied)."""
        return self.history.params[:, self._pick]

    @property
    def grad(self) -> np.ndarray:
        """∂L/∂θ of the chosen parameters (a view)."""
        return self.history.grad[:, self._pick]

    @property
    def loss(self) -> np.ndarray:
        """L at each point."""
        return self.history.loss


def _column_slice(columns: list[int]) -> slice | list[int]:
    """A slice picking ``columns`` in order, so that indexing makes a view, not a copy.

    One or two columns always form one (a step of ``b - a``); the plots read them every
    frame, and a copy of a long run's columns costs milliseconds each time.
    """
    if not columns:
        return columns
    first = columns[0]
    step = columns[1] - first if len(columns) > 1 else 1
    if step == 0 or any(b - a != step for a, b in pairwise(columns)):
        return columns
    end = columns[-1] + (1 if step > 0 else -1)
    return slice(first, None if end < 0 else end, step)


class LossContourPlot(ContourPlot):
    """:class:`ContourPlot` of the loss L over two parameters, with the least squares."""

    value_name = "L"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_accessible(self, "lossSurfacePlot", "Loss surface",
                       "The loss L over two parameters (the others held at their current "
                       "values): dark is low. The star is the least-squares answer. Click to "
                       "start from that point; drag to pan, scroll to zoom.")
        self._best = _PassiveScatter(size=18, symbol="star", pen=pg.mkPen("k", width=1),
                                        brush=pg.mkBrush(OKABE_ITO["yellow"]),
                                        name="least squares")
        self.plotItem.addItem(self._best, ignoreBounds=True)
        self._best_point: tuple[float, float] | None = None
        for side in ("left", "bottom"):  # "b (x0.001)" puzzles students: plain numbers
            self.plotItem.getAxis(side).enableAutoSIPrefix(False)
        self._legend.setColumnCount(2)
        self._legend.getLabel(self._arrow_line).setText("−∇L (downhill)")

    def set_best(self, point: tuple[float, float] | None) -> None:
        """Mark the least-squares minimum (in the plot's parameters), or nothing."""
        self._best_point = point
        self._best.setData(*(([point[0]], [point[1]]) if point else ([], [])))

    def _with_minimum(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = super()._with_minimum(xs, ys)
        if self._best_point is None:
            return xs, ys
        return np.append(xs, self._best_point[0]), np.append(ys, self._best_point[1])

    def _room_above(self, height: float) -> float:
        # Keep the legend off the path and the star (in the one fit: one map).
        share = self._legend_share()
        return max(LEGEND_ROOM, share / (1.0 - share)) * height

    def _legend_share(self) -> float:
        """The share of the map's height its legend covers from the top (0 before the
        map is laid out)."""
        box_height = self.plotItem.vb.height()
        legend = self._legend
        if box_height <= 0 or not legend.isVisible():
            return 0.0
        fit_legend(self)  # its rows at the map's present width
        covered = abs(legend.opts["offset"][1]) + legend.boundingRect().height() + LEGEND_GAP_PX
        return min(covered / box_height, MOST_LEGEND_SHARE)


class LossCurvePlot(FunctionPlot):
    """:class:`FunctionPlot` of the loss L over the one learnt parameter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_accessible(self, "lossCurvePlot", "Loss curve",
                       "The loss L over the one learnt parameter, with the path of the descent "
                       "and the tangent. Click to start from there.")
        self._best = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(OKABE_ITO["bluish_green"], width=1.5,
                                   style=Qt.PenStyle.DotLine),
            label="least squares", labelOpts={"position": 0.55, "color": "#333333",
                                              "fill": (255, 255, 255, 200)})
        self._best.setVisible(False)
        self.plotItem.addItem(self._best, ignoreBounds=True)
        for side in ("left", "bottom"):
            self.plotItem.getAxis(side).enableAutoSIPrefix(False)

    def set_best(self, value: float | None) -> None:
        """Mark the least-squares value of the parameter with a dotted line, or nothing."""
        self._best.setVisible(value is not None)
        if value is not None:
            self._best.setValue(value)

    def redraw_curve(self) -> None:
        """Recompute the curve over the view (after the loss itself changed)."""
        self._curve_range = None
        self.schedule_recompute()

    def _label_axes(self, name: str) -> None:
        super()._label_axes(name)
        self.plotItem.setLabel("left", f"L({name})")
        self._legend.getLabel(self._curve).setText(f"L({name})")
