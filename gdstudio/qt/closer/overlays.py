"""The local quadratic model drawn on the plots: a parabola in one variable, in two its
level sets (ellipses or hyperbolas) and the Hessian's eigen-directions as arrows.

The model is q(θ) = f + gᵀ(θ − c) + ½(θ − c)ᵀH(θ − c) at the point c
(:class:`~gdstudio.problems.inspect.LocalQuadratic`); everything drawn is computed from
it, in data coordinates, and redrawn for the visible region when the view changes.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPen

from gdstudio.engine.explain import format_number
from gdstudio.problems.inspect import LocalQuadratic
from gdstudio.qt.plots.common import OKABE_ITO, PickingPlot, plottable
from gdstudio.qt.plots.contour import isoline_segments

__all__ = ["ConicOverlay", "EigenDirection", "ParabolaOverlay", "make_label", "place_label"]

EMPTY = np.empty(0)
#: Half-width of the drawn model, as a fraction of the view's width (height).
LOCAL_FRACTION = 0.3
#: Length of an eigen-direction arrow on screen, in pixels.
ARROW_PIXELS = 110.0
GRID = 121  # samples per side of the model's grid in two variables
LEVELS = 4  # level sets each side of the one through the point
# Items of an overlay sit above the plot's own (the curve, the map, the path).
Z_VALUE = 20


def make_label(colour: str) -> pg.TextItem:
    label = pg.TextItem(color="#202020", fill=pg.mkBrush(255, 255, 255, 225),
                        border=pg.mkPen(colour, width=1.5), anchor=(0, 1))
    label.setZValue(Z_VALUE + 1)
    return label


def place_label(label: pg.TextItem, plot: PickingPlot, x: float, y: float) -> None:
    """Put ``label`` just above (x, y), on the side of the view with more room."""
    (left, right), _ = plot.plotItem.vb.viewRange()
    label.setAnchor((1.0 if x > 0.5 * (left + right) else 0.0, 1.25))
    label.setPos(x, y)


class ParabolaOverlay:
    """The parabola q(x) = f + g·(x − c) + ½h·(x − c)² of one variable, and its vertex.

    Parameters
    ----------
    plot : PickingPlot
        The function plot it draws on.
    colour : str
        Colour of the parabola and its marks.
    name : str
        Object-name prefix of its items (tests and screen readers find them by it).
    """

    def __init__(self, plot: PickingPlot, colour: str, name: str) -> None:
        self.plot = plot
        self.model: LocalQuadratic | None = None
        self.text = ""
        view = plot.plotItem
        self.curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=2.5, style=Qt.PenStyle.DashLine))
        self.centre = pg.PlotDataItem(pen=None, symbol="o", symbolSize=13,
                                      symbolPen=pg.mkPen(colour, width=2.5), symbolBrush=None)
        self.vertex = pg.PlotDataItem(pen=None, symbol="t1", symbolSize=16,
                                      symbolPen=pg.mkPen("k", width=1), symbolBrush=colour)
        self.label = make_label(colour)
        for index, item in enumerate((self.curve, self.centre, self.vertex, self.label)):
            item.setObjectName(f"{name}{('Curve', 'Centre', 'Vertex', 'Label')[index]}")
            item.setZValue(Z_VALUE + (index > 0))
            view.addItem(item, ignoreBounds=True)
        self.label.hide()
        view.vb.sigRangeChanged.connect(self._redraw)

    @property
    def vertex_point(self) -> tuple[float, float] | None:
        """(x, q(x)) of the parabola's vertex (its bottom or top), or None for a line."""
        if self.model is None:
            return None
        stationary = self.model.stationary_point
        if stationary is None:
            return None
        return float(stationary[0]), float(self.model(stationary[0]))

    def show(self, model: LocalQuadratic, text: str) -> None:
        """Draw ``model`` with ``text`` beside its vertex (or its point, for a line)."""
        self.model, self.text = model, text
        self._redraw()

    def clear(self) -> None:
        """Draw nothing."""
        self.model, self.text = None, ""
        for item in (self.curve, self.centre, self.vertex):
            item.setData(EMPTY, EMPTY)
        self.label.hide()

    def _redraw(self, *args: object) -> None:
        model = self.model
        if model is None:
            return
        (left, right), (bottom, top) = self.plot.plotItem.vb.viewRange()
        c = float(model.center[0])
        half = LOCAL_FRACTION * (right - left)
        low, high = c - half, c + half
        vertex = self.vertex_point
        if vertex is not None and abs(vertex[0] - c) < 3 * (right - left):
            low, high = min(low, vertex[0] - 0.4 * half), max(high, vertex[0] + 0.4 * half)
        xs = np.linspace(low, high, 400)
        ys = model(xs)
        keep = plottable(ys) & (ys > bottom - 2 * (top - bottom)) & (ys < top + 2 * (top - bottom))
        self.curve.setData(xs[keep], ys[keep])
        self.centre.setData([c], [model.value])
        anchor = (c, model.value)
        if vertex is None:
            self.vertex.setData(EMPTY, EMPTY)
        else:
            self.vertex.setData([vertex[0]], [vertex[1]])
            self.vertex.setSymbol("t1" if model.hessian[0, 0] > 0 else "t")
            anchor = vertex
        self.label.setText(self.text)
        place_label(self.label, self.plot, *anchor)
        self.label.setVisible(bool(self.text))


class EigenDirection:
    """One eigen-direction of the Hessian drawn at the point: a line with two arrowheads.

    Attributes
    ----------
    eigenvalue : float
        λ of the direction.
    vector : numpy.ndarray
        The unit eigenvector (data coordinates).
    """

    def __init__(self, plot: PickingPlot, colour: str, name: str) -> None:
        self.plot = plot
        self.eigenvalue = math.nan
        self.vector = np.zeros(2)
        self.centre = np.zeros(2)
        self.colour = colour
        # A dark edge keeps the line apart from the map's bright and dark colours alike.
        self.line = pg.PlotDataItem(pen=pg.mkPen(colour, width=3.5),
                                    shadowPen=pg.mkPen("#202020", width=6))
        self.line.setObjectName(name)
        self.heads = [pg.ArrowItem(headLen=18, tipAngle=36, tailLen=None,
                                   pen=pg.mkPen("k", width=1), brush=colour) for _ in range(2)]
        self.label = make_label(colour)
        for item in (self.line, *self.heads, self.label):
            item.setZValue(Z_VALUE + 1)
            plot.plotItem.addItem(item, ignoreBounds=True)
        self.clear()

    @property
    def ends(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The two tips (data coordinates), or None when not drawn."""
        xs, ys = self.line.xData, self.line.yData
        if xs is None or len(xs) != 2:
            return None
        return np.array([xs[0], ys[0]]), np.array([xs[1], ys[1]])

    def show(self, centre: np.ndarray, eigenvalue: float, vector: np.ndarray, text: str,
             colour: str) -> None:
        """Draw the direction ``vector`` (of ``eigenvalue``) through ``centre`` in ``colour``."""
        self.centre, self.eigenvalue, self.vector = centre, eigenvalue, vector
        self.colour = colour
        self.label.setText(text)
        self.label.border = pg.mkPen(colour, width=1.5)
        self.redraw()

    def clear(self) -> None:
        """Draw nothing."""
        self.eigenvalue = math.nan
        self.line.setData(EMPTY, EMPTY)
        for item in (*self.heads, self.label):
            item.hide()

    def redraw(self) -> None:
        """Keep the arrows :data:`ARROW_PIXELS` long on screen, whatever the axes' scales."""
        if math.isnan(self.eigenvalue):
            return
        view = self.plot.plotItem.vb
        (left, right), _ = view.viewRange()
        centre = view.mapViewToScene(QPointF(*self.centre))
        probe = 1e-3 * (right - left)
        ahead = view.mapViewToScene(QPointF(*(self.centre + probe * self.vector)))
        dx, dy = ahead.x() - centre.x(), ahead.y() - centre.y()
        pixels_per_unit = math.hypot(dx, dy) / probe
        if not (math.isfinite(pixels_per_unit) and pixels_per_unit > 0):
            return
        reach = ARROW_PIXELS / pixels_per_unit
        tips = [self.centre - reach * self.vector, self.centre + reach * self.vector]
        self.line.setData([tips[0][0], tips[1][0]], [tips[0][1], tips[1][1]])
        pen = QPen(self.line.opts["pen"])  # its width may be the theme's (presentation)
        pen.setColor(QColor(self.colour))
        self.line.setPen(pen)
        angle = math.degrees(math.atan2(-dy, -dx))  # ArrowItem points its tip at angle 0
        for head, tip, turn in zip(self.heads, tips, (180.0, 0.0), strict=True):
            head.setStyle(angle=angle + turn, brush=pg.mkBrush(self.colour))
            head.setPos(*tip)
            head.show()
        self.label.setPos(*tips[1])
        self.label.setAnchor((0, 1) if dx >= 0 else (1, 1))
        self.label.show()


class ConicOverlay:
    """Level sets of the two-variable model around the point, and its eigen-directions.

    The level sets are those of q at f(c) (through the point, drawn thicker) and
    :data:`LEVELS` values each side: ellipses where H is definite, hyperbolas at a saddle,
    parallel lines where it is degenerate.
    """

    def __init__(self, plot: PickingPlot) -> None:
        self.plot = plot
        self.model: LocalQuadratic | None = None
        colour = OKABE_ITO["reddish_purple"]
        self.levels = pg.PlotDataItem(pen=pg.mkPen(colour, width=2), connect="pairs")
        self.levels.setObjectName("inspectLevels")
        self.through = pg.PlotDataItem(pen=pg.mkPen(colour, width=3.5), connect="pairs")
        self.through.setObjectName("inspectLevelThrough")
        self.centre = pg.PlotDataItem(pen=None, symbol="o", symbolSize=14,
                                      symbolPen=pg.mkPen("w", width=2.5),
                                      symbolBrush=pg.mkBrush(colour))
        for item in (self.levels, self.through, self.centre):
            item.setZValue(Z_VALUE)
            plot.plotItem.addItem(item, ignoreBounds=True)
        self.directions = [EigenDirection(plot, "#FFFFFF", f"inspectDirection{i}")
                           for i in range(2)]
        plot.plotItem.vb.sigRangeChanged.connect(self._redraw)

    def show(self, model: LocalQuadratic, eigenvalues: np.ndarray, vectors: np.ndarray) -> None:
        """Draw ``model`` and the eigen-directions (columns of ``vectors``)."""
        self.model = model
        for index, direction in enumerate(self.directions):
            value = float(eigenvalues[index])
            direction.show(np.array(model.center, dtype=float), value,
                           np.array(vectors[:, index], dtype=float),
                           f"λ{'₁₂'[index]} = {format_number(value)} "
                           f"({direction_word(value, eigenvalues)})",
                           direction_colour(value, eigenvalues))
        self._redraw()

    def clear(self) -> None:
        """Draw nothing."""
        self.model = None
        for item in (self.levels, self.through, self.centre):
            item.setData(EMPTY, EMPTY)
        for direction in self.directions:
            direction.clear()

    def _redraw(self, *args: object) -> None:
        model = self.model
        if model is None:
            return
        (left, right), (bottom, top) = self.plot.plotItem.vb.viewRange()
        cx, cy = (float(v) for v in model.center)
        hx, hy = LOCAL_FRACTION * (right - left), LOCAL_FRACTION * (top - bottom)
        xs = np.linspace(cx - hx, cx + hx, GRID)
        ys = np.linspace(cy - hy, cy + hy, GRID)
        with np.errstate(all="ignore"):
            values = model(xs[:, np.newaxis], ys[np.newaxis, :])
        spread = float(np.nanmax(np.abs(values - model.value)))
        if math.isfinite(spread) and spread > 0:
            step = spread / (LEVELS + 0.5)
            others = model.value + step * np.array([k for k in range(-LEVELS, LEVELS + 1) if k])
            self.levels.setData(*isoline_segments(values, xs, ys, others))
            self.through.setData(*isoline_segments(values, xs, ys, np.array([model.value])))
        else:
            self.levels.setData(EMPTY, EMPTY)
            self.through.setData(EMPTY, EMPTY)
        self.centre.setData([cx], [cy])
        for direction in self.directions:
            direction.redraw()


def _zero(eigenvalues: np.ndarray) -> float:
    # The core's tolerance for "zero": 10⁻⁹ of the largest magnitude (or of 1).
    return 1e-9 * max(1.0, float(np.max(np.abs(eigenvalues))))


def direction_word(value: float, eigenvalues: np.ndarray) -> str:
    """``uphill``, ``downhill`` or ``flat``: how f curves along an eigen-direction."""
    zero = _zero(eigenvalues)
    return "uphill" if value > zero else "downhill" if value < -zero else "flat"


def direction_colour(value: float, eigenvalues: np.ndarray) -> str:
    """Sky blue uphill, vermillion downhill, yellow flat (Okabe–Ito)."""
    word = direction_word(value, eigenvalues)
    return {"uphill": OKABE_ITO["sky_blue"], "downhill": OKABE_ITO["vermillion"],
            "flat": OKABE_ITO["yellow"]}[word]
