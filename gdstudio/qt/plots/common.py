"""Shared pieces of the plots: the surface protocol, colours, safe evaluation, decimation.

The plots receive the window's full mirror of the history up to 60 times a second, with
up to millions of rows. :class:`PeakDecimator` keeps that cheap: it picks, per chunk of
rows, the rows where each coordinate is smallest and largest (pyqtgraph's "peak"
downsampling, which also works for paths whose x is not sorted), remembers the chunks it
has seen and only examines new rows at each frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pyqtgraph as pg
from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QPen
from PySide6.QtWidgets import QMenu, QWidget

from gdstudio.engine.history import History
from gdstudio.qt.run.paint_cost import PaintTimed

__all__ = [
    "OKABE_ITO",
    "PARAMETER_COLOURS",
    "LazyMenuViewBox",
    "PathPen",
    "PeakDecimator",
    "PickingPlot",
    "SurfaceFunction",
    "SurfaceSource",
    "add_current_point",
    "evaluate_surface",
    "last_plottable_row",
    "locate_minimum",
    "one_per_pixel",
    "padded_range",
    "plottable",
    "set_accessible",
    "set_axis_title",
    "set_data",
    "set_path",
    "set_plottable",
    "style_light",
]

#: The Okabe–Ito palette, safe for the common kinds of colour blindness.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
#: Colours of successive parameter curves on a light background.
PARAMETER_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    "#555555",
    "#B8A200",
)
#: Values beyond this size are not drawn (Qt's painter misbehaves on huge coordinates).
PLOTTABLE_LIMIT = 1e15
BACKGROUND = "w"
FOREGROUND = "#333333"
# Redraws after a pan or zoom wait this long, so dragging recomputes at most ~20 times/s.
RECOMPUTE_DELAY_MS = 50


@runtime_checkable
class SurfaceSource(Protocol):
    """What the function plots need: names and a vectorised evaluation.

    Attributes
    ----------
    param_names : tuple of str
        The variables, in order (one for :class:`FunctionPlot`, two for
        :class:`ContourPlot`).
    """

    param_names: tuple[str, ...]

    def evaluate_grid(self, *coordinates: np.ndarray) -> np.ndarray:
        """f at broadcast coordinate arrays (one per variable); constants broadcast too."""
        ...


@dataclass(frozen=True)
class SurfaceFunction:
    """A :class:`SurfaceSource` made of names and a vectorised function.

    Examples
    --------
    >>> import numpy as np
    >>> bowl = SurfaceFunction(("x", "y"), lambda x, y: x**2 + y**2)
    >>> bowl.evaluate_grid(np.array([1.0]), np.array([2.0]))
    array([5.])

    For a compiled function problem: ``SurfaceFunction.of(objective)``.
    """

    param_names: tuple[str, ...]
    evaluate_grid: Callable[..., np.ndarray]

    @classmethod
    def of(cls, objective: Any) -> SurfaceFunction:
        """Wrap a ``FunctionObjective`` (its names and ``compiled.evaluate_grid``)."""
        return cls(tuple(objective.param_names), objective.compiled.evaluate_grid)


def plottable(values: np.ndarray) -> np.ndarray:
    """Mask of values that can be drawn: finite and smaller than :data:`PLOTTABLE_LIMIT`."""
    with np.errstate(invalid="ignore"):
        return np.abs(values) < PLOTTABLE_LIMIT


def one_per_pixel(
    view: pg.ViewBox, xs: np.ndarray, ys: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The plottable points of ``xs, ys``, one per pixel of ``view`` (the first in it).

    Dots closer than a pixel look the same as one dot; a run that creeps in a minimum
    makes hundreds of them, and each costs a scatter plot as much as a distinct one.
    """
    keep = plottable(xs) & plottable(ys)
    xs, ys = xs[keep], ys[keep]
    width, height = view.viewPixelSize()
    if xs.size < 2 or not (0 < width < math.inf and 0 < height < math.inf):
        return xs, ys
    cells = np.column_stack([np.floor(xs / width), np.floor(ys / height)])
    first = np.sort(np.unique(cells, axis=0, return_index=True)[1])
    return xs[first], ys[first]


class PathPen:
    """Draws a long path one pixel wide, and gives it back its own pen when it is short.

    Qt paints one-pixel lines about seven times faster than wider ones, and a path of
    thousands of vertices is dense enough to read at one pixel. The item's pen may be
    changed meanwhile (a theme): the pen it has when it becomes long is the one restored.

    Parameters
    ----------
    item : pyqtgraph.PlotDataItem
        The path's item.
    """

    #: Vertices above which the path is drawn one pixel wide.
    THIN_ABOVE = 2000

    def __init__(self, item: pg.PlotDataItem) -> None:
        self.item = item
        self._own_pen: QPen | None = None  # the pen to restore, while thin

    def fit(self, vertices: int) -> None:
        """Use the right pen for a path of ``vertices`` points (changes it only if needed)."""
        pen = QPen(self.item.opts["pen"])
        if vertices > self.THIN_ABOVE:
            if pen.widthF() > 1.0:
                self._own_pen = QPen(pen)
                pen.setWidthF(1.0)
                self.item.setPen(pen)
        elif self._own_pen is not None:
            if pen.widthF() <= 1.0:
                self.item.setPen(self._own_pen)
            self._own_pen = None


def set_axis_title(axis: pg.AxisItem, text: str) -> None:
    """Title ``axis`` with ``text``, unless it already shows it.

    pyqtgraph lays the title's rich text out again on every call, even with the same text:
    a new function of the same variables would pay for it on each of its axes.
    """
    if axis.labelText != text or axis.labelUnits or not axis.label.isVisible():
        axis.setLabel(text)


def set_plottable(item: pg.PlotDataItem, xs: np.ndarray, ys: np.ndarray) -> None:
    """``item.setData`` with only the points that can be drawn (no NaN, inf or huge value)."""
    keep = plottable(xs) & plottable(ys)
    set_data(item, xs[keep], ys[keep])


def set_path(item: pg.PlotDataItem, xs: np.ndarray, ys: np.ndarray) -> None:
    """:func:`set_plottable` for a path, without the points that repeat the one before.

    They draw nothing more (a segment of no length), and a run settled in its minimum
    repeats its last point at every step: without them a settled path stays the same
    points, and is not set again (see :func:`set_data`) at every frame.
    """
    keep = plottable(xs) & plottable(ys)
    xs, ys = xs[keep], ys[keep]
    if xs.size > 1:
        moved = np.concatenate(([True], (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])))
        xs, ys = xs[moved], ys[moved]
    set_data(item, xs, ys)


def set_data(item: pg.PlotDataItem, xs: Any, ys: Any, **options: Any) -> bool:
    """``item.setData(xs, ys, **options)`` unless ``item`` already draws exactly that.

    A ``setData`` repaints the item, and with it whatever it overlaps (the map under a
    path, the axes whose ticks reach into the view), even when nothing changed: a run
    settled in its minimum gives the same points frame after frame. Returns True if set.
    """
    old_x, old_y = item.xData, item.yData
    if old_x is None or old_y is None:  # nothing drawn
        if len(xs) == 0 and len(ys) == 0:
            return False
    elif (all(item.opts.get(name) == value for name, value in options.items())
            and np.array_equal(old_x, xs) and np.array_equal(old_y, ys)):
        return False
    item.setData(xs, ys, **options)
    return True


def evaluate_surface(source: SurfaceSource, *coordinates: np.ndarray) -> np.ndarray:
    """Evaluate ``source`` on broadcast coordinates as float; failures become NaN.

    Never raises and never warns: a student's function may be undefined in places (the
    logarithm of a negative number) or fail altogether.
    """
    shape = np.broadcast_shapes(*(np.shape(c) for c in coordinates))
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(source.evaluate_grid(*coordinates))
            if np.iscomplexobj(values):
                values = np.where(values.imag == 0, values.real, np.nan)
            values = np.broadcast_to(values.astype(float, copy=False), shape)
    except Exception:  # a student's function may fail in any way; show nothing
        return np.full(shape, np.nan)
    return np.where(plottable(values), values, np.nan)


def padded_range(low: float, high: float, fraction: float, minimum: float) -> tuple[float, float]:
    """``[low, high]`` widened by ``fraction`` of its span each side, at least ``minimum`` wide."""
    span = max(high - low, minimum)
    centre = 0.5 * (low + high)
    half = 0.5 * span * (1.0 + 2.0 * fraction)
    return centre - half, centre + half


def set_accessible(widget: QWidget, object_name: str, name: str, tooltip: str) -> None:
    """Give a widget its object name, accessible name and tooltip."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(name)
    widget.setToolTip(tooltip)


def style_light(plot: pg.PlotWidget) -> None:
    """Dark axes on the light background (no grid: it triples the cost of a repaint)."""
    plot.setBackground(BACKGROUND)
    for side in ("left", "bottom"):
        axis = plot.plotItem.getAxis(side)
        axis.setPen(FOREGROUND)
        axis.setTextPen(FOREGROUND)


class LazyMenuViewBox(pg.ViewBox):
    """A view box whose context menu is made when it is first needed, not with the plot.

    pyqtgraph makes every view's menu (with two forms of axis controls) up front: about a
    third of the cost of a plot, which the window would pay at start-up for each of its
    plots. The menu is the same; it is made on the first right-click.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(enableMenu=False, **options)
        self._menu_pending = True

    def setMenuEnabled(self, enableMenu: bool = True) -> None:  # noqa: N803 (pyqtgraph's)
        """Make (or drop) the menu now, as :class:`pyqtgraph.ViewBox` does."""
        self._menu_pending = False
        super().setMenuEnabled(enableMenu)

    def menuEnabled(self) -> bool:
        """True while the menu waits to be made, then as :class:`pyqtgraph.ViewBox`."""
        return getattr(self, "_menu_pending", False) or super().menuEnabled()

    def getMenu(self, ev: object) -> QMenu | None:
        """The context menu (made now if it was not yet)."""
        self._make_menu()
        return super().getMenu(ev)

    def getContextMenus(self, event: object) -> list[QAction]:
        """The menu's actions, for the menus of items inside the view."""
        self._make_menu()
        return super().getContextMenus(event)

    def _make_menu(self) -> None:
        if getattr(self, "_menu_pending", False):
            self.setMenuEnabled(True)


#: The newest chunk is drawn row by row while it has at most this many rows.
_EXACT_TAIL = 64


class PeakDecimator:
    """Rows worth drawing of a long series or path, remembered chunk by chunk.

    Parameters
    ----------
    budget : int
        Rows of a window are drawn exactly up to this count; beyond it they are grouped
        in chunks (a power of two long) of which only the extremes are drawn.

    Notes
    -----
    A chunk is remembered once it is complete and does not hold the newest row (whose
    learning rate and step size are filled in later). Call :meth:`reset` when the data
    are replaced; a shorter series (step back) forgets the chunks it cut.
    """

    def __init__(self, budget: int = 1500) -> None:
        self.budget = budget
        self._chunks: dict[int, np.ndarray] = {}
        self._length = 0

    def reset(self) -> None:
        """Forget every remembered chunk."""
        self._chunks.clear()
        self._length = 0

    def indices(self, values: np.ndarray, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Sorted row indices to draw from rows ``start`` to ``stop`` of ``values``.

        ``values`` has shape ``(n,)`` or ``(n, d)``; for each chunk the rows of the smallest
        and largest finite value of each column are kept.
        """
        n = values.shape[0]
        stop = n if stop is None else min(stop, n)
        start = max(0, min(start, stop))
        if n < self._length:
            self._forget_from(n)
        self._length = n
        if stop - start <= self.budget:
            return np.arange(start, stop)
        size = 1 << int(np.ceil(np.log2((stop - start) / self.budget)))
        first = start // size
        last = min(stop, n - 1) // size  # chunks before this one are complete and settled
        chunks = self._chunk_extremes(values, size, last)[first:last]
        return np.concatenate([np.sort(chunks, axis=1).ravel(), _tail(values, last * size, stop)])

    def _chunk_extremes(self, values: np.ndarray, size: int, count: int) -> np.ndarray:
        known = self._chunks.get(size)
        if known is None:
            # A new chunk size (the series doubled): merge the chunks of the largest
            # smaller size rather than examine every row again.
            known = self._merged_from_smaller(values, size)
        if known.shape[0] < count:
            fresh = _extremes(values[known.shape[0] * size : count * size], size)
            fresh += known.shape[0] * size
            known = fresh if known.size == 0 else np.concatenate([known, fresh])
            self._chunks[size] = known
        return known

    def _merged_from_smaller(self, values: np.ndarray, size: int) -> np.ndarray:
        smaller = [known_size for known_size in self._chunks if known_size < size]
        if not smaller:
            return np.empty((0, 0), dtype=np.int64)
        small = max(smaller)
        factor = size // small
        known = self._chunks[small]
        whole = known.shape[0] // factor
        merged = _merge_extremes(values, known[: whole * factor], factor)
        self._chunks[size] = merged
        return merged

    def _forget_from(self, length: int) -> None:
        for size, known in list(self._chunks.items()):
            self._chunks[size] = known[: (length - 1) // size]


def _extremes(values: np.ndarray, size: int) -> np.ndarray:
    """Per chunk of ``size`` rows: indices of each column's smallest and largest value."""
    block = values.reshape(-1, size, *values.shape[1:])
    if block.ndim == 2:
        block = block[:, :, np.newaxis]
    # Nearly always every value is plottable: then the extremes of all the values are
    # those of the plottable ones. They are, exactly, when both extremes are plottable
    # (argmin and argmax pick a NaN if there is one), which is checked on them alone.
    lowest, highest = np.argmin(block, axis=1), np.argmax(block, axis=1)
    picked = np.take_along_axis(block, np.stack([lowest, highest], axis=1), axis=1)
    if not plottable(picked).all():
        finite = plottable(block)
        lowest = np.argmin(np.where(finite, block, np.inf), axis=1)
        highest = np.argmax(np.where(finite, block, -np.inf), axis=1)
    offsets = np.arange(block.shape[0])[:, np.newaxis] * size
    return np.concatenate([lowest, highest], axis=1).astype(np.int64) + offsets


def _tail(values: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Rows to draw of the newest, unfinished chunk: its extremes and its last row."""
    if stop - start <= _EXACT_TAIL:
        return np.arange(start, stop)
    extremes = _extremes(values[start : stop - 1], stop - 1 - start).ravel() + start
    # Sorted and without repeats, as np.unique gives them (which imports numpy.ma, tens
    # of milliseconds, in the first frame that draws a long run).
    rows = np.sort(np.append(extremes, stop - 1))
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))]


def _merge_extremes(values: np.ndarray, extremes: np.ndarray, factor: int) -> np.ndarray:
    """Extremes of chunks ``factor`` times longer, from those of consecutive shorter chunks.

    A long chunk's smallest value of a column is the smallest of its short chunks'
    smallest values (likewise the largest), so only the candidates are examined.
    """
    if extremes.shape[0] == 0:
        return np.empty((0, 0), dtype=np.int64)
    columns = values.reshape(values.shape[0], -1)
    width = columns.shape[1]
    groups = extremes.reshape(-1, factor, 2 * width)
    result = np.empty((groups.shape[0], 2 * width), dtype=np.int64)
    for column in range(width):
        for side, pick, worst in ((0, np.argmin, np.inf), (width, np.argmax, -np.inf)):
            candidates = groups[:, :, side + column]
            found = columns[candidates, column]
            found = np.where(plottable(found), found, worst)
            best = pick(found, axis=1)
            result[:, side + column] = candidates[np.arange(candidates.shape[0]), best]
    return result


class PickingPlot(PaintTimed, pg.PlotWidget):
    """A plot with a light theme, click picking, view following and throttled redraws.

    Subclasses implement :meth:`_picked` (a left click at a data point),
    :meth:`_recompute` (redraw what depends on the visible region, at most every
    :data:`RECOMPUTE_DELAY_MS`) and :meth:`_view_changed` (cheap updates on every change).
    While :attr:`following` is true the plot moves its view to keep the path in sight; a
    pan or zoom by the student turns it off until :meth:`reset_view`.

    A tool may take the clicks over: while :attr:`pick_handler` is set, a left click calls
    it with the data point instead of :meth:`_picked` (Inspect does, so that a click
    inspects rather than moves the start).

    :meth:`set_history` draws a run's path: subclasses implement :meth:`_draw_path` (the
    visited points, through ``self._decimator``) and :meth:`_draw_current` (what marks
    the current point: the arrow, the tangent).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=BACKGROUND, viewBox=LazyMenuViewBox())
        self.following = True
        self.pick_handler: Callable[[QPointF], None] | None = None
        self._history: History | None = None
        self._length = 0
        self._decimator = PeakDecimator()
        style_light(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RECOMPUTE_DELAY_MS)
        self._timer.timeout.connect(self._recompute)
        view = self.plotItem.vb
        view.sigRangeChanged.connect(self._on_range_changed)
        view.sigRangeChangedManually.connect(self._stop_following)
        self.scene().sigMouseClicked.connect(self._on_click)

    def close(self) -> None:
        """Close the plot; a recompute still pending is dropped (pyqtgraph's ``close``
        removes the plot item it would draw on)."""
        self._timer.stop()
        super().close()

    def set_history(self, history: History) -> None:
        """Draw the path of ``history`` (the window's mirror; called at up to 60 Hz)."""
        n = len(history)
        new_run = history is not self._history or n < self._length or n <= 1
        if new_run:
            self._decimator.reset()
            self.following = True
        self._history, self._length = history, n
        self._draw_path(history)
        if new_run or (self.following and not self._path_in_view()):
            self._fit_view()
        self._draw_current()
        # A new view's transform now: applied in the paint, it makes pyqtgraph paint twice.
        self.plotItem.vb.updateMatrix()
        self.paint_cost.owe()

    def reset_view(self) -> None:
        """Follow the path again and fit the view to it."""
        self.following = True
        self._fit_view()

    @property
    def recompute_pending(self) -> bool:
        """True while a recompute is scheduled and has not run yet."""
        return self._timer.isActive()

    def schedule_recompute(self) -> None:
        """Recompute soon, once, however many times this is called before then."""
        if not self._timer.isActive():
            self._timer.start()

    def recompute_now(self) -> None:
        """Recompute now (with other changes of this frame: one paint), not soon."""
        self._timer.stop()
        self._recompute()

    def data_to_widget(self, x: float, y: float) -> QPointF:
        """Position in the viewport of the data point (x, y) (used by tests and tools)."""
        scene_point = self.plotItem.vb.mapViewToScene(QPointF(x, y))
        return QPointF(self.mapFromScene(scene_point))

    # ---------------------------------------------------------------- internals
    def _path_points(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(x, y) of the drawn path (the subclass's ``_path`` item), or None if empty."""
        xs, ys = self._path.xData, self._path.yData
        if xs is None or len(xs) == 0:
            return None
        return xs, ys

    def _path_in_view(self) -> bool:
        points = self._path_points()
        if points is None:
            return True
        xs, ys = points
        (left, right), (bottom, top) = self.plotItem.vb.viewRange()
        return bool(
            left <= xs.min() and xs.max() <= right and bottom <= ys.min() and ys.max() <= top
        )

    def _on_range_changed(self, *args: object) -> None:
        self._view_changed()
        self.schedule_recompute()

    def _stop_following(self, *args: object) -> None:
        self.following = False

    def _on_click(self, event: MouseClickEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        view = self.plotItem.vb
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        (self.pick_handler or self._picked)(point)
        event.accept()

    def _picked(self, point: QPointF) -> None:
        raise NotImplementedError

    def _recompute(self) -> None:
        raise NotImplementedError

    def _view_changed(self) -> None:
        """Cheap updates that follow the view at once (default: none)."""

    def _fit_view(self) -> None:
        raise NotImplementedError

    def _draw_path(self, history: History) -> None:
        raise NotImplementedError

    def _draw_current(self) -> None:
        raise NotImplementedError


def add_current_point(plot: pg.PlotItem) -> pg.PlotDataItem:
    """The marker of the run's current point on ``plot`` (an outlined orange disc), in the
    legend as "current point"."""
    return plot.plot(pen=None, symbol="o", symbolSize=15, symbolBrush=OKABE_ITO["orange"],
                     symbolPen=pg.mkPen("k", width=1.5), name="current point")


def locate_minimum(
    source: SurfaceSource, centre: np.ndarray, half_widths: np.ndarray, samples: int
) -> np.ndarray | None:
    """The lowest sampled point of f on a grid around ``centre`` (None if f is nowhere finite).

    Used to choose a first view that shows where the path is heading.
    """
    axes = [np.linspace(c - h, c + h, samples) for c, h in zip(centre, half_widths, strict=True)]
    grids = np.meshgrid(*axes, indexing="ij", sparse=True)
    values = evaluate_surface(source, *grids)
    if not np.isfinite(values).any():
        return None
    position = np.unravel_index(np.nanargmin(values), values.shape)
    return np.array([axis[i] for axis, i in zip(axes, position, strict=True)])


def last_plottable_row(params: np.ndarray, loss: np.ndarray) -> int | None:
    """Index of the newest row whose parameters and loss can be drawn (None if none)."""
    n = loss.shape[0]
    for first in (max(n - 8, 0), 0):
        rows = slice(first, n)
        good = plottable(loss[rows]) & plottable(params[rows]).all(axis=1)
        found = np.flatnonzero(good)
        if found.size:
            return first + int(found[-1])
    return None
