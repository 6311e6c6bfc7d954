"""The loss of a data objective over one or two of its parameters, for contour maps.

The plots ask for the loss on grids of tens of thousands of points, each a sum over every
row of the data, so the evaluation is vectorised:

- a model linear in its parameters with a squared loss (``m*x + b`` with MSE, a
  polynomial with SSE, …) is a quadratic in the parameters: a few dot products over the
  rows give its coefficients once, and then each grid point costs a handful of flops;
- any other model or loss is evaluated as an array of rows × points, in chunks; when that
  would exceed :data:`MAX_CELLS`, on a coarser grid whose values are interpolated
  (bilinearly) back to the grid asked for.

Examples
--------
>>> from gdstudio.problems.models import ModelObjective
>>> objective = ModelObjective("m*x + b", {"x": [1, 2, 3], "y": [2, 4, 6]}, loss="sse")
>>> surface = LossSurface(objective, ("m", "b"), held=[0.0, 0.0])
>>> surface.param_names
('m', 'b')
>>> surface.evaluate_grid(np.array([2.0, 0.0]), np.array([0.0, 0.0]))
array([ 0., 56.])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from gdstudio.problems.models import ModelObjective

__all__ = ["MAX_CELLS", "LossSurface"]

#: Most (row, grid point) pairs one brute-force evaluation may compute.
MAX_CELLS = 1_000_000
#: Fewest samples per axis of a coarse grid.
MIN_COARSE_SAMPLES = 10
_SQUARED_SCALE = {"sse": lambda n: 1.0, "mse": lambda n: 1.0 / n, "half_mse": lambda n: 0.5 / n}


class LossSurface:
    """L as a function of one or two learnt parameters, the others held at given values.

    Parameters
    ----------
    objective : ModelObjective
        The model, data and loss (parameters in descent units, as in its history).
    names : sequence of str
        One or two of ``objective.param_names``: the axes, in order.
    held : array_like
        A full parameter vector; the parameters that are not axes keep these values.

    Attributes
    ----------
    param_names : tuple of str
        The axes (what :class:`gdstudio.qt.plots.ContourPlot` labels them with).
    """

    def __init__(self, objective: ModelObjective, names: Sequence[str],
                 held: Sequence[float] | np.ndarray) -> None:
        if not 1 <= len(names) <= 2 or len(set(names)) != len(names):
            raise ValueError("a loss surface needs one or two different parameters")
        for name in names:
            if name not in objective.param_names:
                raise ValueError(f"{name} is not a learnt parameter of the model "
                                 f"(they are {', '.join(objective.param_names)})")
        self.objective = objective
        self.param_names: tuple[str, ...] = tuple(names)
        self._axes = [objective.param_names.index(name) for name in names]
        self._exact = objective.linear_in_parameters and objective.loss in _SQUARED_SCALE
        self._normal = objective.normal_equations() if self._exact else None
        if self._exact and self._normal is None:
            self._design = objective.derivatives(np.zeros(len(objective.param_names)))
            self._offset = objective.residuals(np.zeros(len(objective.param_names)))
        self.held = np.zeros(len(objective.param_names))
        self.set_held(held)

    def set_held(self, params: Sequence[float] | np.ndarray) -> None:
        """Hold the other parameters at ``params`` (a full vector) from now on."""
        params = np.array(params, dtype=float).reshape(-1)
        if params.shape != self.held.shape:
            raise ValueError(f"held needs {self.held.shape[0]} values, not {params.shape[0]}")
        self.held = params
        if self._exact:
            self._coefficients()

    def evaluate_grid(self, *coordinates: np.ndarray) -> np.ndarray:
        """L at broadcast coordinate arrays, one per axis (NaN where it is undefined)."""
        if len(coordinates) != len(self._axes):
            raise ValueError(f"expected {len(self._axes)} coordinate arrays")
        arrays = [np.asarray(c, dtype=float) for c in coordinates]
        with np.errstate(all="ignore"):
            if self._exact:
                return self._quadratic(arrays)
            return self._brute_force(arrays)

    # ------------------------------------------------------------ exact quadratic
    def _coefficients(self) -> None:
        """L(t) = s·(c + Σ g_a t_a + Σ q_ab t_a t_b) over the axes, others held.

        From the objective's XᵀX when it has them (O(p²)): at the held point with the
        axes at 0, c = Σ r², g = 2·(Xᵀr) on the axes and q = XᵀX on the axes.
        """
        self._scale = _SQUARED_SCALE[self.objective.loss](self.objective.n_samples)
        axes = self._axes
        if self._normal is not None:
            base = self.held.copy()
            base[axes] = 0.0
            total, slope = self._normal.sum_and_slope(base)
            self._constant, self._linear = total, 2.0 * slope[axes]
            self._quad = self._normal.gram[np.ix_(axes, axes)]
            return
        design = self._design
        others = [j for j in range(self.held.shape[0]) if j not in axes]
        base = self._offset + self.held[others] @ design[others] if others else self._offset
        columns = design[axes]
        self._constant = float(base @ base)
        self._linear = 2.0 * (columns @ base)
        self._quad = columns @ columns.T

    def _quadratic(self, arrays: list[np.ndarray]) -> np.ndarray:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        total = np.full(shape, self._constant)
        for a, t in enumerate(arrays):
            total = total + self._linear[a] * t
            for b in range(a, len(arrays)):
                weight = self._quad[a, b] * (1.0 if a == b else 2.0)
                total = total + weight * t * arrays[b]
        return np.maximum(self._scale * total, 0.0)

    # ------------------------------------------------------------ any model
    def _brute_force(self, arrays: list[np.ndarray]) -> np.ndarray:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        points = int(np.prod(shape))
        rows = self.objective.n_samples
        axis_vectors = _axis_vectors(arrays)
        if points * rows > MAX_CELLS and axis_vectors is not None:
            return self._coarse(axis_vectors).reshape(shape)
        flat = [np.broadcast_to(a, shape).reshape(-1) for a in arrays]
        return self._losses(flat).reshape(shape)

    def _coarse(self, vectors: list[np.ndarray]) -> np.ndarray:
        """Evaluate on fewer samples per axis and interpolate back (bilinear)."""
        rows = self.objective.n_samples
        per_axis = (MAX_CELLS / rows) ** (1.0 / len(vectors))
        count = max(MIN_COARSE_SAMPLES, int(per_axis))
        coarse = [np.linspace(v[0], v[-1], min(count, v.shape[0])) for v in vectors]
        grids = np.meshgrid(*coarse, indexing="ij")
        values = self._losses([g.reshape(-1) for g in grids]).reshape(grids[0].shape)
        for axis, (fine, rough) in enumerate(zip(vectors, coarse, strict=True)):
            values = _interpolate_axis(values, rough, fine, axis)
        return values

    def _losses(self, points: list[np.ndarray]) -> np.ndarray:
        """L at each of the points (flat arrays, one per axis), in chunks of rows × points."""
        objective, count = self.objective, points[0].shape[0]
        data = objective.data
        features = {name: data[name][:, np.newaxis] for name in objective.features}
        target = data[objective.target][:, np.newaxis]
        chunk = max(1, MAX_CELLS // max(objective.n_samples, 1))
        out = np.empty(count)
        held = self.held  # one point throughout, should set_held be called meanwhile
        for start in range(0, count, chunk):
            stop = min(start + chunk, count)
            params: list[np.ndarray | float] = list(held)
            for axis, values in zip(self._axes, points, strict=True):
                params[axis] = values[np.newaxis, start:stop]
            residuals = objective.predict_at(params, features) - target
            out[start:stop] = _loss_of(objective.loss, residuals)
        return out


def _loss_of(loss: str, residuals: np.ndarray) -> np.ndarray:
    """Column-wise loss of residuals shaped (rows, points)."""
    rows = residuals.shape[0]
    if loss == "mae":
        return np.abs(residuals).sum(axis=0) / rows
    squares = np.einsum("ij,ij->j", residuals, residuals)
    return squares * _SQUARED_SCALE[loss](rows)


def _axis_vectors(arrays: list[np.ndarray]) -> list[np.ndarray] | None:
    """The axes of a grid given as one vector, or as columns (n, 1) and rows (1, m)."""
    vectors = None
    if len(arrays) == 1 and arrays[0].ndim == 1:
        vectors = [arrays[0]]
    elif (len(arrays) == 2 and arrays[0].ndim == 2 and arrays[1].ndim == 2
            and arrays[0].shape[1] == 1 and arrays[1].shape[0] == 1):
        vectors = [arrays[0][:, 0], arrays[1][0, :]]
    if vectors and all(v.shape[0] > 1 and np.all(np.diff(v) > 0) for v in vectors):
        return vectors
    return None


def _interpolate_axis(values: np.ndarray, rough: np.ndarray, fine: np.ndarray,
                      axis: int) -> np.ndarray:
    """Linear interpolation of ``values`` along ``axis`` from ``rough`` to ``fine`` samples."""
    if rough.shape[0] == fine.shape[0] and np.array_equal(rough, fine):
        return values
    position = np.interp(fine, rough, np.arange(rough.shape[0], dtype=float))
    lower = np.clip(np.floor(position).astype(int), 0, rough.shape[0] - 2)
    weight = position - lower
    moved = np.moveaxis(values, axis, 0)
    shape = (-1,) + (1,) * (moved.ndim - 1)
    mixed = moved[lower] * (1 - weight.reshape(shape)) + moved[lower + 1] * weight.reshape(shape)
    return np.moveaxis(mixed, 0, axis)
