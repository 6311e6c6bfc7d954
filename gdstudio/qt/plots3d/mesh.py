"""The numbers of the 3-D view, without Qt or OpenGL: the surface mesh, its colours, the path.

Everything is mapped into a scene box: the region of the 2-D map becomes the square
[−1, 1] × [−1, 1] and the heights [0, :data:`HEIGHT`], whatever the units of x, y and f,
so that a valley 0.01 wide and a bowl 1000 high are both seen in proportion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "HEIGHT",
    "MESH_SAMPLES",
    "AxisLabel",
    "PathHeights",
    "SceneBox",
    "SurfaceMesh",
    "axis_labels",
    "build_surface",
    "grid_axes",
    "height_colours",
    "nice_ticks",
]

#: Scene height of the top of the surface (the base is 2 wide).
HEIGHT = 1.0
#: Samples along each side of the mesh (the 2-D map uses 200; a mesh needs fewer).
MESH_SAMPLES = 72
#: The highest heights are capped at this quantile, so that a pole does not flatten the rest.
TOP_QUANTILE = 0.99
#: The path floats this far (scene units) above the surface, so that it is not hidden in it.
PATH_LIFT = 0.012
#: Colour of cells where f is not defined (grey, half transparent).
UNDEFINED_COLOUR = (0.5, 0.5, 0.5, 0.35)
#: How far outside the base (scene units) the tick values and the axis names stand.
TICK_OFFSET, NAME_OFFSET = 0.13, 0.36


@dataclass(frozen=True)
class SceneBox:
    """How data coordinates (x, y, f) map into the scene.

    Attributes
    ----------
    x_range, y_range : tuple of float
        The region of the map, mapped to [−1, 1].
    z_range : tuple of float
        Heights (f, or log10(f − min + δ) with ``log_height``) mapped to [0, HEIGHT].
    log_height : bool
        Heights are ``log10(f − minimum + delta)`` rather than f.
    minimum, delta : float
        The minimum of f over the grid and the offset of the log height.
    """

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    z_range: tuple[float, float]
    log_height: bool = False
    minimum: float = 0.0
    delta: float = 1.0

    def height_of(self, values: np.ndarray) -> np.ndarray:
        """Height in data units of f values (NaN stays NaN)."""
        values = np.asarray(values, dtype=float)
        if not self.log_height:
            return values
        with np.errstate(all="ignore"):
            return np.log10(np.maximum(values - self.minimum, 0.0) + self.delta)

    def to_scene(self, xs: np.ndarray, ys: np.ndarray, heights: np.ndarray) -> np.ndarray:
        """Points ``(n, 3)`` in the scene; heights are capped to the box."""
        scene_z = _scaled(heights, self.z_range, 0.0, HEIGHT)
        with np.errstate(invalid="ignore"):
            scene_z = np.clip(scene_z, 0.0, HEIGHT)
        return np.column_stack([_scaled(xs, self.x_range, -1.0, 1.0),
                                _scaled(ys, self.y_range, -1.0, 1.0), scene_z])


def _scaled(values: np.ndarray, span: tuple[float, float], low: float, high: float) -> np.ndarray:
    start, end = span
    width = end - start if end > start else 1.0
    return low + (np.asarray(values, dtype=float) - start) * (high - low) / width


@dataclass(frozen=True)
class SurfaceMesh:
    """A surface ready for ``GLSurfacePlotItem``: scene axes, heights and colours.

    Attributes
    ----------
    x, y : ndarray
        Scene coordinates of the columns and rows (``nx`` and ``ny``).
    z : ndarray
        Scene heights ``(nx, ny)``; undefined points lie on the floor.
    colours : ndarray
        RGBA in 0…1, ``(nx, ny, 4)``.
    box : SceneBox
        The mapping used (for the path and the floor contours).
    relief : ndarray
        ``log10(f − min + δ)`` on the grid (NaN where undefined), which the colours and
        the floor contours follow as on the 2-D map.
    """

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    colours: np.ndarray
    box: SceneBox
    relief: np.ndarray


def grid_axes(left: float, bottom: float, width: float, height: float,
              samples: int = MESH_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """Sample positions along x and y of the region ``(left, bottom, width, height)``."""
    return (left + width * np.linspace(0.0, 1.0, samples),
            bottom + height * np.linspace(0.0, 1.0, samples))


def height_colours(relief: np.ndarray, lookup: np.ndarray) -> np.ndarray:
    """RGBA colours (0…1) of ``relief`` through a colour map ``lookup`` ``(k, 3 or 4)``.

    Low is the first entry of the table, high the last, as on the 2-D map; undefined
    points get :data:`UNDEFINED_COLOUR`.
    """
    table = np.asarray(lookup, dtype=float)
    if table.max() > 1.0:
        table = table / 255.0
    if table.shape[1] == 3:
        table = np.column_stack([table, np.ones(len(table))])
    finite = np.isfinite(relief)
    colours = np.empty((*relief.shape, 4))
    colours[...] = UNDEFINED_COLOUR
    if finite.any():
        low, high = float(relief[finite].min()), float(relief[finite].max())
        share = (relief[finite] - low) / max(high - low, 1e-12)
        index = np.clip(np.rint(share * (len(table) - 1)).astype(int), 0, len(table) - 1)
        colours[finite] = table[index]
    return colours


def build_surface(xs: np.ndarray, ys: np.ndarray, values: np.ndarray, lookup: np.ndarray,
                  log_height: bool = False) -> SurfaceMesh:
    """The mesh of f sampled as ``values[i, j] = f(xs[i], ys[j])``.

    Parameters
    ----------
    xs, ys : ndarray
        Sample positions (data units).
    values : ndarray
        f on the grid, NaN where undefined.
    lookup : ndarray
        The colour map's table (the app's: viridis).
    log_height : bool
        Heights follow log10(f − min + δ) (valleys and plateaus both show) rather than f.
    """
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    minimum = float(values[finite].min()) if finite.any() else 0.0
    top = float(np.quantile(values[finite], TOP_QUANTILE)) if finite.any() else 1.0
    delta = max((top - minimum) * 1e-3, 1e-12 * max(abs(minimum), 1.0), 1e-300)
    relief = _log_relief(values, minimum, delta)
    box = SceneBox((float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])), (0.0, 1.0),
                   log_height, minimum, delta)
    heights = box.height_of(values)
    low = float(box.height_of(np.array(minimum)))
    high = float(box.height_of(np.array(top)))
    box = SceneBox(box.x_range, box.y_range, (low, max(high, low + 1e-12)), log_height,
                   minimum, delta)
    heights = np.where(finite, heights, low)
    scene = box.to_scene(np.zeros(heights.size), np.zeros(heights.size), heights.ravel())
    return SurfaceMesh(
        x=_scaled(xs, box.x_range, -1.0, 1.0),
        y=_scaled(ys, box.y_range, -1.0, 1.0),
        z=scene[:, 2].reshape(heights.shape),
        colours=height_colours(relief, lookup),
        box=box,
        relief=relief,
    )


def _log_relief(values: np.ndarray, minimum: float, delta: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.where(np.isfinite(values), np.log10(values - minimum + delta), np.nan)


class PathHeights:
    """f at each point of a run's path, evaluated once per point as the run grows.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(xs, ys) -> f`` (vectorised; NaN where undefined).

    Notes
    -----
    The height of a point is f at its (x, y) on the surface drawn, not the loss the run
    recorded: with the other parameters of a loss held, or with mini-batches, the two
    differ, and a path must lie on the surface it is drawn on.
    """

    def __init__(self, evaluate: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
        self._evaluate = evaluate
        self._heights = np.empty(0)
        self._source_rows: np.ndarray | None = None

    def heights(self, points: np.ndarray) -> np.ndarray:
        """f at ``points`` ``(n, 2)``: only rows not seen before are evaluated.

        Earlier rows are kept while the path only grows (the same first rows); a
        different path (a new run, a step back) is evaluated again.
        """
        n = len(points)
        known = len(self._heights)
        if self._source_rows is None or n < known or (
                known and not np.array_equal(points[known - 1], self._source_rows)):
            known = 0
            self._heights = np.empty(0)
        if n > known:
            fresh = np.asarray(self._evaluate(points[known:, 0], points[known:, 1]), dtype=float)
            self._heights = np.concatenate([self._heights, np.broadcast_to(fresh, n - known)])
        if n:
            self._source_rows = np.array(points[n - 1])
        return self._heights[:n]

    def reset(self) -> None:
        """Forget every height (the surface changed: others held at new values)."""
        self._heights = np.empty(0)
        self._source_rows = None


@dataclass(frozen=True)
class AxisLabel:
    """A text of the 3-D axes: a tick value or an axis name, at a point of the scene.

    Attributes
    ----------
    text : str
        What is written.
    position : tuple of float
        Where, in scene coordinates.
    name : bool
        An axis name (drawn larger) rather than a tick value.
    """

    text: str
    position: tuple[float, float, float]
    name: bool = False


def nice_ticks(low: float, high: float, count: int = 4) -> np.ndarray:
    """About ``count`` round values (steps of 1, 2 or 5 × 10ᵏ) within ``[low, high]``."""
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
        return np.array([low]) if np.isfinite(low) else np.empty(0)
    raw = (high - low) / max(count, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw)
    first = np.ceil(low / step - 1e-9) * step
    ticks = np.arange(first, high + step * 1e-9, step)
    return np.round(ticks / step) * step


def _tick_text(value: float) -> str:
    """Three significant digits, without an exponent from 0.001 to 100 000."""
    size = abs(value)
    if size == 0 or not np.isfinite(value):
        return "0" if size == 0 else str(value)
    if 1e-3 <= size < 1e5:
        text = f"{round(value, 2 - int(np.floor(np.log10(size)))):.6g}"
    else:
        text = f"{value:.2g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")
    return "0" if text in ("-0", "0") else text.replace("-", "−")


def axis_labels(box: SceneBox, names: tuple[str, str], height_name: str) -> list[AxisLabel]:
    """The tick values and names of the axes of ``box``, placed in the scene.

    x is written along the front edge (y = −1), y along the right edge (x = +1), both on
    the floor; the height beside the vertical line at the front-left corner (−1, −1),
    where the first view looks at them. Values are in data units (f itself, also with
    a log height).
    """
    labels: list[AxisLabel] = []
    out, far = 1.0 + TICK_OFFSET, 1.0 + NAME_OFFSET
    for axis, (low, high) in enumerate((box.x_range, box.y_range)):
        for value in nice_ticks(low, high):
            scene = float(_scaled(np.array(value), (low, high), -1.0, 1.0))
            point = (scene, -out, 0.0) if axis == 0 else (out, scene, 0.0)
            labels.append(AxisLabel(_tick_text(value), point))
        labels.append(AxisLabel(names[axis], (0.0, -far, 0.0) if axis == 0 else (far, 0.0, 0.0),
                                name=True))
    for value in _height_ticks(box):
        z = float(box.to_scene(np.zeros(1), np.zeros(1), box.height_of(np.array([value])))[0, 2])
        labels.append(AxisLabel(_tick_text(value), (-1.0 - 1.5 * TICK_OFFSET, -1.0, z)))
    labels.append(AxisLabel(height_name, (-1.0, -1.0, HEIGHT + 0.22), name=True))
    return labels


def _height_ticks(box: SceneBox) -> np.ndarray:
    """Values of f to mark on the height axis: round ones, or powers of ten above the
    minimum with a log height."""
    top = box.minimum + (10.0 ** box.z_range[1] - box.delta if box.log_height
                         else box.z_range[1] - box.minimum)
    if not box.log_height:
        ticks = nice_ticks(box.z_range[0], box.z_range[1], 4)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else abs(top - box.minimum)
        if not np.any(np.abs(ticks - box.minimum) < 0.3 * step):  # the floor has a value too
            ticks = np.concatenate([[box.minimum], ticks])
    else:
        first = int(np.ceil(np.log10(box.delta) + 0.5))
        last = int(np.floor(np.log10(max(top - box.minimum, box.delta))))
        powers = np.arange(first, last + 1)
        if len(powers) > 3:
            powers = powers[np.linspace(0, len(powers) - 1, 3).round().astype(int)]
        ticks = np.concatenate([[box.minimum], box.minimum + 10.0 ** powers])
    return ticks[np.isfinite(ticks) & (ticks >= box.minimum - 1e-12 * max(1, abs(top)))
                 & (ticks <= top * (1 + 1e-9) + 1e-12)]
