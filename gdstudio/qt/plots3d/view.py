"""The 3-D surface of f(x, y) with the path on it (pyqtgraph.opengl).

Made only after :func:`~gdstudio.qt.plots3d.gl_check.opengl_problem` said OpenGL works.
The mesh is recomputed only when the region or the function changes; while a run streams
in, only the path, the start and the current point are updated (new rows only).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QWidget

from gdstudio.qt.plots.common import (
    OKABE_ITO,
    PeakDecimator,
    SurfaceSource,
    evaluate_surface,
    plottable,
    set_accessible,
)
from gdstudio.qt.plots.contour import COLOUR_MAP, ISO_LEVELS, isoline_segments
from gdstudio.qt.plots.theme import PlotTheme
from gdstudio.qt.plots3d.mesh import (
    HEIGHT,
    MESH_SAMPLES,
    PATH_LIFT,
    AxisLabel,
    PathHeights,
    SurfaceMesh,
    axis_labels,
    build_surface,
    grid_axes,
)

__all__ = ["SurfaceView"]

#: How the view looks until the window's theme is applied (the dark theme's colours).
DEFAULT_THEME = PlotTheme(dark=True)
CAMERA = {"distance": 4.0, "elevation": 38.0, "azimuth": -60.0}
#: The start and the current point are drawn over the surface even where a wall hides
#: them (no depth test): the eye looks for them first.
_ON_TOP = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
           "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
_EMPTY_POINTS = np.zeros((0, 3))


def _rgba(colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    value = QColor(colour)
    return value.redF(), value.greenF(), value.blueF(), alpha


class SurfaceView(gl.GLViewWidget):
    """f(x, y) as a surface coloured by height, the run's path on it, contours on the floor.

    Drag to rotate, scroll to zoom, :meth:`reset_view` to look from the start again.
    The axes carry tick values and names (x, y and f, or the parameters and L in data
    mode); :meth:`set_theme` follows the app's light or dark theme and presentation mode.

    Attributes
    ----------
    height_name : str
        The name written on the height axis, e.g. ``"f(x, y)"``.
    theme : PlotTheme
        How it looks now.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_accessible(self, "surfaceView", "3-D surface",
                       "The surface of f: dark is low, bright is high, the white line is the "
                       "path. Drag to rotate, scroll to zoom.")
        self.theme = DEFAULT_THEME
        self.height_name = "f"
        self.labels: list[AxisLabel] = []
        self._texts: list[gl.GLTextItem] = []
        self.setMinimumSize(160, 120)
        self._lookup = pg.colormap.get(COLOUR_MAP).getLookupTable(nPts=256, alpha=False)
        self._source: SurfaceSource | None = None
        self.mesh: SurfaceMesh | None = None
        self._heights = PathHeights(self._evaluate_points)
        self._decimator = PeakDecimator()
        self._history: object | None = None
        self._length = 0
        self.log_height = False
        self.floor_contours = True
        self._make_items()
        self.set_theme(DEFAULT_THEME)
        self.reset_view()

    # ------------------------------------------------------------------ public
    def set_region(self, source: SurfaceSource | None, rect: tuple[float, float, float, float]
                   | None) -> None:
        """Show ``source`` over ``rect`` (left, bottom, width, height): a new mesh."""
        self._source = source
        self._heights.reset()
        if source is None or rect is None:
            self.mesh = None
            self._surface.setVisible(False)
            self._floor.setData(pos=_EMPTY_POINTS)
            self._draw_axes()
        else:
            xs, ys = grid_axes(*rect, samples=MESH_SAMPLES)
            values = evaluate_surface(source, xs[:, np.newaxis], ys[np.newaxis, :])
            self.mesh = build_surface(xs, ys, values, self._lookup, self.log_height)
            self._surface.setData(x=self.mesh.x, y=self.mesh.y, z=self.mesh.z,
                                  colors=self.mesh.colours)
            self._surface.setVisible(True)
            self._grid_xs, self._grid_ys = xs, ys
            self._draw_floor()
            self._draw_axes()
        if self._history is not None:
            self._draw_path(self._history, redraw=True)

    def set_history(self, history: object) -> None:
        """Draw the path of ``history`` (rows once shown are not evaluated again)."""
        n = len(history)  # type: ignore[arg-type]
        redraw = history is not self._history or n < self._length or n <= 1
        self._history, self._length = history, n
        self._draw_path(history, redraw)

    def set_log_height(self, on: bool) -> None:
        """Heights follow log10(f − min + δ) (a valley floor shows) instead of f."""
        self.log_height = on
        self._rebuild()

    def set_floor_contours(self, on: bool) -> None:
        """Show the iso-lines of the map on the floor."""
        self.floor_contours = on
        self._draw_floor()

    def set_theme(self, theme: PlotTheme) -> None:
        """Follow the app's theme: background, grid, floor contours and axes in its
        colours; lines, points and texts larger in presentation mode. (The path stays
        white on the surface, as on the map, whose colours do not change with the theme.)
        """
        self.theme = theme
        self.setBackgroundColor(theme.background)
        ink = QColor(theme.foreground)
        self._grid.setColor((ink.red(), ink.green(), ink.blue(), 60 if theme.dark else 70))
        self._floor.setData(color=_rgba(theme.foreground, 0.45 if theme.dark else 0.55))
        self._axis_line.setData(color=_rgba(theme.foreground, 0.8),
                                width=1.5 * theme.line_scale)
        self._path.setData(width=3 * theme.line_scale)
        self._path_behind.setData(width=2 * theme.line_scale)
        self._start.setData(size=12 * theme.symbol_scale)
        self._point.setData(size=16 * theme.symbol_scale)
        self._draw_axes()

    def reset_view(self) -> None:
        """Look at the surface from the front left, as it first appeared."""
        self.setCameraPosition(pos=pg.Vector(0.0, 0.0, 0.3 * HEIGHT), **CAMERA)

    def path_points(self) -> np.ndarray:
        """The scene points of the path as drawn (for tests and exports)."""
        return np.asarray(self._path.pos) if self._path.pos is not None else _EMPTY_POINTS

    # ------------------------------------------------------------------ drawing
    def _make_items(self) -> None:
        self._grid = gl.GLGridItem(size=pg.Vector(2, 2, 1), color=(255, 255, 255, 40))
        self._grid.setSpacing(0.25, 0.25, 1)
        # Just under the floor: where a valley touches the floor, the surface hides the
        # grid and the floor contours instead of being striped by them.
        self._grid.translate(0.0, 0.0, -0.006)
        self.addItem(self._grid)
        self._surface = gl.GLSurfacePlotItem(computeNormals=False, glOptions="opaque")
        self._surface.setVisible(False)
        self.addItem(self._surface)
        self._floor = gl.GLLinePlotItem(mode="lines", color=(1, 1, 1, 0.45), width=1,
                                        glOptions="translucent")
        self.addItem(self._floor)
        self._axis_line = gl.GLLinePlotItem(mode="lines", color=(1, 1, 1, 0.8), width=1.5,
                                            antialias=True, glOptions="translucent")
        self.addItem(self._axis_line)
        self._path = gl.GLLinePlotItem(color=(1, 1, 1, 1), width=3, antialias=True,
                                       glOptions="opaque")
        self.addItem(self._path)
        # The same path, faint and over everything: where a fold of the mesh or a wall
        # hides the path, it still shows through.
        self._path_behind = gl.GLLinePlotItem(color=(1, 1, 1, 0.4), width=2, antialias=True,
                                              glOptions=dict(_ON_TOP))
        self.addItem(self._path_behind)
        self._start = gl.GLScatterPlotItem(color=_rgba(OKABE_ITO["sky_blue"]), size=12,
                                           glOptions=dict(_ON_TOP))
        self._point = gl.GLScatterPlotItem(color=_rgba(OKABE_ITO["orange"]), size=16,
                                           glOptions=dict(_ON_TOP))
        for item in (self._start, self._point):
            self.addItem(item)

    def _rebuild(self) -> None:
        if self.mesh is not None and self._source is not None:
            (left, right), (bottom, top) = self.mesh.box.x_range, self.mesh.box.y_range
            self.set_region(self._source, (left, bottom, right - left, top - bottom))

    def _draw_floor(self) -> None:
        mesh = self.mesh
        if mesh is None or not self.floor_contours:
            self._floor.setData(pos=_EMPTY_POINTS)
            return
        finite = mesh.relief[np.isfinite(mesh.relief)]
        if not finite.size:
            self._floor.setData(pos=_EMPTY_POINTS)
            return
        levels = np.linspace(finite.min(), finite.max(), ISO_LEVELS + 2)[1:-1]
        xs, ys = isoline_segments(mesh.relief, self._grid_xs, self._grid_ys, levels)
        points = mesh.box.to_scene(xs, ys, np.full(xs.shape, mesh.box.z_range[0]))
        points[:, 2] = -0.003  # under the floor, just above the grid
        self._floor.setData(pos=points if len(points) else _EMPTY_POINTS)

    def _draw_axes(self) -> None:
        """Tick values and names on the x, y and height axes of the mesh shown."""
        for item in self._texts:
            self.removeItem(item)
        self._texts = []
        mesh = self.mesh
        names = tuple(getattr(self._source, "param_names", ("x", "y")))
        if mesh is None or len(names) != 2:
            self.labels = []
            self._axis_line.setData(pos=_EMPTY_POINTS)
            return
        self.labels = axis_labels(mesh.box, (names[0], names[1]), self.height_name)
        self._axis_line.setData(pos=np.array([[-1.0, -1.0, 0.0], [-1.0, -1.0, HEIGHT]]))
        colour = QColor(self.theme.foreground)
        fonts = {False: _font(0.95 * self.theme.font_scale, bold=False),
                 True: _font(1.15 * self.theme.font_scale, bold=True)}
        centre = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        for label in self.labels:
            item = gl.GLTextItem(pos=np.array(label.position), text=label.text, color=colour,
                                 font=fonts[label.name], alignment=centre)
            self.addItem(item)
            self._texts.append(item)

    def _evaluate_points(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        if self._source is None:
            return np.full(xs.shape, np.nan)
        return evaluate_surface(self._source, xs, ys)

    def _draw_path(self, history: object, redraw: bool) -> None:
        params = np.asarray(history.params)  # type: ignore[attr-defined]
        mesh = self.mesh
        if redraw:
            self._decimator.reset()
        if mesh is None or len(params) == 0 or params.shape[1] != 2:
            for item in (self._path, self._path_behind, self._start, self._point):
                item.setData(pos=_EMPTY_POINTS)
            return
        heights = mesh.box.height_of(self._heights.heights(params))
        drawable = plottable(params[:, 0]) & plottable(params[:, 1]) & np.isfinite(heights)
        rows = self._decimator.indices(params)
        rows = rows[drawable[rows]]
        lifted = self._scene_points(params, heights, rows)
        path = lifted[_inside(lifted)] if len(lifted) else _EMPTY_POINTS
        self._path.setData(pos=path)
        self._path_behind.setData(pos=path)
        ends = np.flatnonzero(drawable)
        for item, row in ((self._start, ends[:1]), (self._point, ends[-1:])):
            point = self._scene_points(params, heights, row)
            item.setData(pos=point[_inside(point)] if len(point) else _EMPTY_POINTS)

    def _scene_points(self, params: np.ndarray, heights: np.ndarray, rows: np.ndarray
                      ) -> np.ndarray:
        points = self.mesh.box.to_scene(params[rows, 0], params[rows, 1], heights[rows])
        points[:, 2] += PATH_LIFT
        return points


def _font(scale: float, *, bold: bool) -> QFont:
    """The application's font, ``scale`` times its size."""
    font = QFont(QApplication.font())
    size = font.pointSizeF() if font.pointSizeF() > 0 else 9.0
    font.setPointSizeF(size * scale)
    font.setBold(bold)
    return font


def _inside(points: np.ndarray) -> np.ndarray:
    """Points over the mesh's base (a path leaving the region is cut at its edge)."""
    return (np.abs(points[:, 0]) <= 1.0) & (np.abs(points[:, 1]) <= 1.0)
