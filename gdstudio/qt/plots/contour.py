"""The map of a function of two variables with the path and the downhill arrow on it."""

from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QTimer, Signal
from PySide6.QtWidgets import QWidget

from gdstudio.engine.history import History
from gdstudio.qt.plots.common import (
    FOREGROUND,
    OKABE_ITO,
    PathPen,
    PickingPlot,
    SurfaceSource,
    add_current_point,
    evaluate_surface,
    last_plottable_row,
    locate_minimum,
    one_per_pixel,
    padded_range,
    plottable,
    set_accessible,
    set_axis_title,
    set_data,
    set_path,
    set_plottable,
)
from gdstudio.qt.run.ui_gate import pass_is_full

__all__ = ["ContourPlot", "isoline_segments", "log_relief"]

GRID_SAMPLES = 200
GRID_MARGIN = 0.1  # the map extends this fraction of the view beyond each edge
ISO_LEVELS = 10
RECENT_POINTS = 300
ARROW_PIXELS = 70.0  # length on screen of the arrow at the steepest point of the run
ARROW_DECADES = 6.0  # ... shrinking to nothing where |∇f| is a millionth of that
MIN_ARROW_PIXELS = 12.0  # shorter arrows (near a minimum) are hidden
COLOUR_MAP = "viridis"
EMPTY = np.empty(0)
# Edges of a grid cell as (start corner, end corner), corners as (di, dj) offsets:
# bottom A→B, right B→C, top D→C, left A→D with A=(0,0), B=(1,0), C=(1,1), D=(0,1).
_EDGE_START = np.array([[0, 0], [1, 0], [0, 1], [0, 0]])
_EDGE_END = np.array([[1, 0], [1, 1], [1, 1], [0, 1]])


def log_relief(values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``log10(f − min + δ)`` with δ a thousandth of the range: bowls and valleys both show.

    Returns the transformed grid (NaN where f is not finite), the minimum and δ.
    """
    finite = np.isfinite(values)
    if not finite.any():
        return np.full(values.shape, np.nan), 0.0, 1.0
    low, high = float(values[finite].min()), float(values[finite].max())
    delta = max((high - low) * 1e-3, 1e-12 * max(abs(low), 1.0), 1e-300)
    with np.errstate(all="ignore"):
        return np.log10(values - low + delta), low, delta


def isoline_segments(
    z: np.ndarray, xs: np.ndarray, ys: np.ndarray, levels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Iso-lines of ``z[i, j]`` (at ``xs[i]``, ``ys[j]``) by marching squares, as pairs.

    Returns x and y arrays in which points 2k and 2k+1 are the ends of one segment (for
    pyqtgraph's ``connect="pairs"``), level by level in the order given. Cells with a
    non-finite corner are skipped.

    Each grid point gets its *band*, the number of levels at or below it; an edge crosses
    exactly the levels between its two ends' bands. So the grid is examined once, not
    once per level (a map of 200 × 200 with ten levels: several times faster).
    """
    levels = np.asarray(levels, dtype=float)
    valid = np.isfinite(z[:-1, :-1]) & np.isfinite(z[1:, :-1])
    valid &= np.isfinite(z[1:, 1:]) & np.isfinite(z[:-1, 1:])
    if levels.size == 0 or not valid.any():
        return EMPTY, EMPTY
    order = np.argsort(levels, kind="stable")
    with np.errstate(invalid="ignore"):
        band = np.searchsorted(levels[order], np.where(np.isfinite(z), z, -np.inf),
                               side="right").astype(np.int16 if levels.size < 2**15 else int)
    rows, columns = z.shape[0] - 1, z.shape[1] - 1
    found = []  # per edge kind: (flat cell index, edge, lowest band, levels crossed)
    for edge, ((si, sj), (ei, ej)) in enumerate(zip(_EDGE_START, _EDGE_END, strict=True)):
        start = band[si : si + rows, sj : sj + columns]
        end = band[ei : ei + rows, ej : ej + columns]
        cells = np.flatnonzero((start != end) & valid)
        a, b = start.ravel()[cells], end.ravel()[cells]
        found.append((cells, np.full(cells.size, edge), np.minimum(a, b),
                      np.abs(a.astype(int) - b)))
    cells, edge, lowest, repeats = (np.concatenate(parts) for parts in zip(*found, strict=True))
    if cells.size == 0:
        return EMPTY, EMPTY
    group_start = np.repeat(np.cumsum(repeats) - repeats, repeats)
    sorted_level = np.repeat(lowest, repeats) + (np.arange(group_start.size) - group_start)
    cells, edge = np.repeat(cells, repeats), np.repeat(edge, repeats)
    i, j = np.divmod(cells, columns)
    level_index = order[sorted_level]
    # The order of the per-level passes: by level as given, then cell and edge.
    arrange = np.lexsort((edge, j, i, level_index))
    i, j, edge, level = i[arrange], j[arrange], edge[arrange], levels[level_index[arrange]]
    i0, j0 = i + _EDGE_START[edge, 0], j + _EDGE_START[edge, 1]
    i1, j1 = i + _EDGE_END[edge, 0], j + _EDGE_END[edge, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (level - z[i0, j0]) / (z[i1, j1] - z[i0, j0])
        return xs[i0] + t * (xs[i1] - xs[i0]), ys[j0] + t * (ys[j1] - ys[j0])


#: Seconds above which a map is not recomputed while a run streams in (see set_live):
#: about one pass of the event loop's budget (``ui_gate.PASS_BUDGET``), so that a map
#: (MAE over a large table: 30–60 ms, several times that on a busy machine) never
#: stretches a frame; the squared losses' maps take a few milliseconds.
LIVE_MAP_SECONDS = 0.03
#: While a run streams in, a new map of the same region is shown only if some colour moved
#: by more than this fraction of the colour scale (half a step of a 256-colour map): the
#: other parameters held at values a run barely moves would redraw the same map each frame.
COLOUR_STEPS = 512
#: Milliseconds between looks at whether a map made off the UI thread is ready.
MAP_POLL_MS = 10
_map_pool: list[ThreadPoolExecutor] = []  # one thread making slow maps, made on first use


class MapLayers(NamedTuple):
    """A computed map, ready to show: the relief and its iso-lines over ``rect``."""

    rect: QRectF
    relief: np.ndarray
    minimum: float
    delta: float
    low: float
    high: float
    isolines: tuple[np.ndarray, np.ndarray]
    seconds: float  # how long computing it took


def map_layers(source: SurfaceSource, rect: QRectF) -> MapLayers:
    """The map of ``source`` sampled at the centres of a ``GRID_SAMPLES``² grid over ``rect``.

    Pure numbers (no Qt object is touched but ``rect``, read only): it may run on any thread.
    """
    return with_isolines(map_relief(source, rect))


def map_relief(source: SurfaceSource, rect: QRectF) -> MapLayers:
    """:func:`map_layers` without its iso-lines (empty): the colours alone, which say
    whether a map would look any different from the one shown (see ``looks_alike``)."""
    started = time.perf_counter()
    xs, ys = _grid(rect)
    values = evaluate_surface(source, xs[:, np.newaxis], ys[np.newaxis, :])
    relief, minimum, delta = log_relief(values)
    finite = relief[np.isfinite(relief)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    high = max(high, low + 1e-12)
    return MapLayers(rect, relief, minimum, delta, low, high, (EMPTY, EMPTY),
                     time.perf_counter() - started)


def with_isolines(layers: MapLayers) -> MapLayers:
    """``layers`` with the iso-lines of its relief (and the time they took counted)."""
    started = time.perf_counter()
    xs, ys = _grid(layers.rect)
    levels = np.linspace(layers.low, layers.high, ISO_LEVELS + 2)[1:-1]
    isolines = isoline_segments(layers.relief, xs, ys, levels)
    return layers._replace(isolines=isolines,
                           seconds=layers.seconds + time.perf_counter() - started)


def _grid(rect: QRectF) -> tuple[np.ndarray, np.ndarray]:
    """The centres of the map's cells over ``rect``, across and up."""
    dx, dy = rect.width() / GRID_SAMPLES, rect.height() / GRID_SAMPLES
    xs = rect.left() + dx * (np.arange(GRID_SAMPLES) + 0.5)
    ys = rect.top() + dy * (np.arange(GRID_SAMPLES) + 0.5)
    return xs, ys


def looks_alike(shown: MapLayers, new: MapLayers) -> bool:
    """True when ``new`` would draw as ``shown`` does, to a ``COLOUR_STEPS``-th of the
    colour scale: the same region, the same samples missing, no sample's relief (nor the
    scale's ends, nor the colour bar's ticks) moved by more than that, and the same labels
    on the colour bar.

    An iso-line then moves by at most ``(ISO_LEVELS + 1) / COLOUR_STEPS`` of the gap
    between two iso-lines (a few hundredths).
    """
    if shown.rect != new.rect or shown.relief.shape != new.relief.shape:
        return False
    step = (shown.high - shown.low) / COLOUR_STEPS
    if abs(new.low - shown.low) > step or abs(new.high - shown.high) > step:
        return False
    old_ticks, old_title = colour_bar_labels(shown)
    new_ticks, new_title = colour_bar_labels(new)
    if old_title != new_title or [t for _, t in old_ticks] != [t for _, t in new_ticks]:
        return False
    if any(abs(a - b) > step for (a, _), (b, _) in zip(old_ticks, new_ticks, strict=True)):
        return False
    old_finite, new_finite = np.isfinite(shown.relief), np.isfinite(new.relief)
    if not np.array_equal(old_finite, new_finite):
        return False
    with np.errstate(invalid="ignore"):
        moved = np.abs(new.relief[new_finite] - shown.relief[new_finite])
    return bool(moved.size == 0 or moved.max() <= step)


def colour_bar_labels(layers: MapLayers) -> tuple[list[tuple[float, str]], str]:
    """The colour bar's ticks (at f − min = 0 and round powers of ten, labelled in f when
    min ≈ 0) and what its title says after ``f(…)``: nothing, or `` − min``."""
    low, high, delta = layers.low, layers.high, layers.delta
    ticks = [(low, "0")]
    for power in range(math.floor(low), math.ceil(high) + 1):
        position = math.log10(10.0**power + delta)
        if 10.0**power > 1.5 * delta and low <= position <= high:
            ticks.append((position, _power_label(power)))
    minimum = layers.minimum
    return ticks, "" if abs(minimum) <= 1e-3 * 10.0**high else f" − {minimum:.4g}"


def _pool() -> ThreadPoolExecutor:
    if not _map_pool:
        _map_pool.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="contour-map"))
    return _map_pool[0]


class ContourPlot(PickingPlot):
    """Heat map and iso-lines of f(x, y) over the visible region, the path, −∇f.

    Signals
    -------
    pointPicked(float, float)
        A left click in the map, with the point clicked (a new start point).

    Notes
    -----
    The map is recomputed on a grid of about 200 × 200 samples when the view is panned or
    zoomed (at most every 50 ms). A map that took longer than ``LIVE_MAP_SECONDS`` last
    time (a loss summed over a large table) is computed on a thread of its own and shown
    when ready, so that the window keeps answering meanwhile (the last map stays up).
    Colours and iso-lines follow ``log10(f − min + δ)`` over the visible region, so that a
    round bowl and a flat curved valley both show their structure; the colour bar is
    labelled in values of f.
    """

    pointPicked = Signal(float, float)
    #: The letter of the function on the colour bar: f(x, y).
    value_name = "f"
    #: A new map is shown (made here or on the map thread).
    mapDrawn = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_accessible(
            self,
            "contourPlot",
            "Contour plot",
            "A map of f(x, y): dark is low, bright is high. The arrow points downhill (−∇f). "
            "Click to start from that point; drag to pan, scroll to zoom.",
        )
        self._source: SurfaceSource | None = None
        #: Seconds the last map took to compute and draw (data mode paces updates by it).
        self.map_seconds = 0.0
        self._live = False
        self._stale = False  # a recompute was put off while live
        self._current: np.ndarray | None = None  # x, y, ∂f/∂x, ∂f/∂y
        self._largest_gradient = 0.0
        self.grid_rect: QRectF | None = None  # the region the map was last computed on
        self._shown: MapLayers | None = None  # the map shown
        self._map_waits = False  # fitting the view leaves the map to the recompute timer
        self._making: tuple[SurfaceSource, Future[MapLayers]] | None = None  # off the UI thread
        self._again = False  # the view changed while a map was being made
        # (source, start) → the lowest point near it: the view follows a run many times,
        # from the same start, and the search sums over every row of a large dataset.
        self._minimum: tuple[SurfaceSource, tuple[float, float], np.ndarray | None] | None = None
        self._ready_poll = QTimer(self)
        self._ready_poll.setInterval(MAP_POLL_MS)
        self._ready_poll.timeout.connect(self._take_map)
        self._make_items()
        self._label_axes(("x", "y"))

    # ------------------------------------------------------------------ public
    @property
    def source(self) -> SurfaceSource | None:
        """The function shown (the 3-D view draws the same one over ``grid_rect``)."""
        return self._source

    def set_source(self, source: SurfaceSource | None) -> None:
        """Show the function ``source`` (two variables), or none.

        With none the map is emptied and the view left as it is: the page is out of
        sight, and the next function fits it again. The view is fitted at once; the map
        is made by the first fit of the function's run if :meth:`set_history` brings a
        new one in this pass of the event loop (as the window does), else by the
        recompute timer.
        """
        self._source = source
        names = tuple(source.param_names) if source is not None else ()
        self._label_axes(names if len(names) == 2 else ("x", "y"))
        if source is None:
            self._image.clear()
            self._isolines.setData(EMPTY, EMPTY)
            self._shown = None
            self.grid_rect = None
            self._timer.stop()  # no map to recompute
            return
        # The view is fitted now and the map made by the recompute timer: a new function
        # comes with a new run at once (the window resets it), whose first fit makes the
        # map for its own path. Made here as well, it was made twice, once for the region
        # of the old function's path.
        self._map_waits = True
        try:
            self.reset_view()
        finally:
            self._map_waits = False
        self.schedule_recompute()

    # ------------------------------------------------------------------ drawing
    def _make_items(self) -> None:
        plot = self.plotItem
        colours = pg.colormap.get(COLOUR_MAP)
        self._image = pg.ImageItem(axisOrder="col-major")
        self._image.setColorMap(colours)
        plot.addItem(self._image, ignoreBounds=True)
        self._colour_bar = pg.ColorBarItem(colorMap=colours, interactive=False, width=14)
        self._colour_bar.setImageItem(self._image, insert_in=plot)
        self._colour_bar.axis.setPen(FOREGROUND)
        self._colour_bar.axis.setTextPen(FOREGROUND)
        self._isolines = pg.PlotDataItem(pen=pg.mkPen(255, 255, 255, 110, width=1))
        plot.addItem(self._isolines, ignoreBounds=True)
        self._legend = plot.addLegend(offset=(8, 4), labelTextColor="w", colCount=3)
        self._legend.setBrush(pg.mkBrush(0, 0, 0, 150))
        self._path = plot.plot(pen=pg.mkPen("w", width=2), name="path")
        self._path_pen = PathPen(self._path)
        self._visits = plot.plot(
            pen=None,
            symbol="o",
            symbolSize=6,
            symbolPen=pg.mkPen("k", width=0.5),
            symbolBrush="w",
        )
        self._arrow_line = plot.plot(
            pen=pg.mkPen(OKABE_ITO["vermillion"], width=3), name="−∇f (downhill)"
        )
        self._arrow_head = pg.ArrowItem(
            headLen=16,
            tipAngle=40,
            tailLen=None,
            pen=pg.mkPen("w", width=1),
            brush=OKABE_ITO["vermillion"],
        )
        plot.addItem(self._arrow_head, ignoreBounds=True)
        self._point = add_current_point(plot)

    def _label_axes(self, names: tuple[str, ...]) -> None:
        set_axis_title(self.plotItem.getAxis("bottom"), names[0])
        set_axis_title(self.plotItem.getAxis("left"), names[1])
        self._names = names
        set_axis_title(self._colour_bar.axis, f"{self.value_name}({', '.join(names)})")

    def _draw_path(self, history: History) -> None:
        n = len(history)
        params = history.params
        if n == 0:
            for item in (self._path, self._visits, self._point):
                set_data(item, EMPTY, EMPTY)
            self._current = None
            return
        rows = self._decimator.indices(params)
        self._path_pen.fit(len(rows))
        set_path(self._path, params[rows, 0], params[rows, 1])
        recent = params[max(n - RECENT_POINTS, 0) :]
        if self._live:  # many steps a frame: most of the recent ones share a pixel
            set_data(self._visits, *one_per_pixel(self.plotItem.vb, recent[:, 0], recent[:, 1]))
        else:
            set_plottable(self._visits, recent[:, 0], recent[:, 1])
        row = last_plottable_row(params, history.loss)
        if row is None:
            self._current = None
            set_data(self._point, EMPTY, EMPTY)
            return
        self._current = np.concatenate([params[row], history.grad[row]])
        norms = np.hypot(history.grad[rows, 0], history.grad[rows, 1])
        norms = norms[plottable(norms)]
        self._largest_gradient = float(norms.max()) if norms.size else 0.0
        set_data(self._point, params[row, :1], params[row, 1:2])

    def _draw_current(self) -> None:
        tip = self._arrow_tip()
        if tip is None:
            set_data(self._arrow_line, EMPTY, EMPTY)
            self._arrow_head.hide()
            return
        (x, y), (tip_x, tip_y), angle = tip
        set_data(self._arrow_line, [x, tip_x], [y, tip_y])
        self._arrow_head.setStyle(angle=angle)
        self._arrow_head.setPos(tip_x, tip_y)
        self._arrow_head.show()

    def _arrow_tip(self) -> tuple[tuple[float, float], tuple[float, float], float] | None:
        """Start, tip (data) and screen angle of the downhill arrow.

        Its length on screen grows with log |∇f| (relative to the steepest point of the
        run), so it shrinks and disappears as the path settles in a minimum.
        """
        if self._current is None:
            return None
        x, y, gx, gy = (float(v) for v in self._current)
        norm = math.hypot(gx, gy)
        if not (math.isfinite(norm) and norm > 0):
            return None
        view = self.plotItem.vb
        (left, right), _ = view.viewRange()
        step = 1e-3 * (right - left) / norm
        start = view.mapViewToScene(QPointF(x, y))
        ahead = view.mapViewToScene(QPointF(x - step * gx, y - step * gy))
        dx, dy = ahead.x() - start.x(), ahead.y() - start.y()
        length = math.hypot(dx, dy)
        if not (math.isfinite(length) and length > 0):
            return None
        ratio = min(norm / max(self._largest_gradient, norm), 1.0)
        pixels = ARROW_PIXELS * (1.0 + math.log10(ratio) / ARROW_DECADES)
        if pixels < MIN_ARROW_PIXELS:
            return None
        dx, dy = pixels * dx / length, pixels * dy / length
        tip = view.mapSceneToView(QPointF(start.x() + dx, start.y() + dy))
        angle = math.degrees(math.atan2(-dy, -dx))
        return (x, y), (tip.x(), tip.y()), angle

    def close(self) -> None:
        """Close the plot; a map still being made off the UI thread is not shown."""
        self._ready_poll.stop()
        self._making, self._again = None, False
        super().close()

    @property
    def map_pending(self) -> bool:
        """True while a map is being made off the UI thread (the last one is shown)."""
        return self._making is not None

    def _draw_map(self) -> None:
        """Map the visible region (with a margin): here, or off the UI thread if slow."""
        if self._source is None:
            return
        (left, right), (bottom, top) = self.plotItem.vb.viewRange()
        left, right = padded_range(left, right, GRID_MARGIN, 0.0)
        bottom, top = padded_range(bottom, top, GRID_MARGIN, 0.0)
        rect = QRectF(left, bottom, right - left, top - bottom)
        if self.map_seconds <= LIVE_MAP_SECONDS:
            self._draw_map_now(rect)
        elif self._live:
            self._stale = True  # made when the run stops: the worker needs the time now
        elif self._making is not None:
            self._again = True  # one map at a time: the view's, once this one is in
        else:
            self._making = (self._source, _pool().submit(map_layers, self._source, rect))
            self._ready_poll.start()

    def _draw_map_now(self, rect: QRectF) -> None:
        if not self._live or self._shown is None:
            self._show_map(map_layers(self._source, rect))
            return
        layers = map_relief(self._source, rect)
        if not looks_alike(self._shown, layers):  # else a frame of a run: the same look
            self._show_map(with_isolines(layers))

    def _take_map(self) -> None:
        """Show the map made off the UI thread once it is ready (polled on a timer)."""
        source, future = self._making
        if not future.done():
            return
        self._ready_poll.stop()
        self._making = None
        layers = future.result()  # evaluate_surface never raises
        if source is self._source:  # not a map of the function shown before
            self._show_map(layers)
        if self._again or source is not self._source:
            self._again = False
            self._draw_map()

    def _show_map(self, layers: MapLayers) -> None:
        self.map_seconds = layers.seconds
        rect = layers.rect
        self._shown = layers
        self._image.setImage(layers.relief, autoLevels=False)
        self._image.setRect(rect)
        self._colour_bar.setLevels((layers.low, layers.high))
        self._label_colour_bar(layers)
        self._isolines.setData(*layers.isolines, connect="pairs")
        self.grid_rect = QRectF(rect)
        self.mapDrawn.emit()

    def _label_colour_bar(self, layers: MapLayers) -> None:
        """Ticks at f − min = 0, and round powers of ten (labelled in f when min ≈ 0)."""
        ticks, shifted = colour_bar_labels(layers)
        if self._colour_bar.axis._tickLevels != [ticks, []]:  # the same: no new layout
            self._colour_bar.axis.setTicks([ticks, []])
        names = ", ".join(self._names)
        set_axis_title(self._colour_bar.axis, f"{self.value_name}({names}){shifted}")

    # ---------------------------------------------------------------- the view
    def _fit_view(self) -> None:
        points = self._path_points()
        if points is None:
            xs, ys = np.array([-2.0, 2.0]), np.array([-2.0, 2.0])
        else:
            xs, ys = self._with_minimum(*points)
        size = max(1.0, 0.05 * float(max(np.abs(xs).max(), np.abs(ys).max())))
        left, right = padded_range(float(xs.min()), float(xs.max()), 0.25, size)
        bottom, top = padded_range(float(ys.min()), float(ys.max()), 0.25, size)
        ratio = (right - left) / (top - bottom)
        self.plotItem.vb.setAspectLocked(0.25 <= ratio <= 4.0, ratio=1.0)
        top += self._room_above(top - bottom)
        self.plotItem.vb.setRange(xRange=(left, right), yRange=(bottom, top), padding=0)
        if self._map_waits:
            return
        self._draw_map()
        self._timer.stop()  # the recompute the new range asked for: just done

    def _room_above(self, height: float) -> float:
        """Room to leave above the fitted path and minimum, for a view of ``height``."""
        return 0.0

    def _with_minimum(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Path points plus the lowest sampled point of f near the start, if any."""
        if self._source is None:
            return xs, ys
        lowest = self._minimum_near((float(xs[0]), float(ys[0])))
        if lowest is None:
            return xs, ys
        return np.append(xs, lowest[0]), np.append(ys, lowest[1])

    def _minimum_near(self, start: tuple[float, float]) -> np.ndarray | None:
        """The lowest sampled point of the function shown near ``start`` (remembered)."""
        source = self._source
        known = self._minimum
        if known is None or known[0] is not source or known[1] != start:
            centre = np.array(start)
            lowest = locate_minimum(source, centre, np.maximum(3.0, 2.0 * np.abs(centre)), 61)
            self._minimum = (source, start, lowest)
        return self._minimum[2]

    def _view_changed(self) -> None:
        self._draw_current()

    def set_live(self, live: bool) -> None:
        """Whether a run streams in: then a map slower than ``LIVE_MAP_SECONDS`` is not
        recomputed (the path moves over the last one) until the run stops."""
        stopped = self._live and not live
        self._live = live
        if stopped and self._history is not None:
            self._draw_path(self._history)  # every recent visit again (a zoom may follow)
        if stopped and self._stale:
            self._stale = False
            self.schedule_recompute()

    def _recompute(self) -> None:
        if self._live and self.map_seconds > LIVE_MAP_SECONDS:
            self._stale = True  # one frame must not stall the window for so long
        elif self._live and pass_is_full():
            self._timer.start()  # after the event loop has slept: input comes first
            return
        else:
            self._draw_map()
        self._draw_current()

    def _picked(self, point: QPointF) -> None:
        self.pointPicked.emit(float(point.x()), float(point.y()))


def _power_label(power: int) -> str:
    """10^power as a short label: ``0.01``, ``100``, ``1e6``."""
    return f"{10.0**power:g}" if -3 <= power <= 4 else f"1e{power}"
