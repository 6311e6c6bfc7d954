"""The second-order view of a point: value, gradient, exact Hessian and what they say.

:func:`inspect_objective` classifies a point by the eigenvalues of the Hessian there (found
symbolically by the safe compiler, never by finite differences) and describes it in
words; :class:`LocalQuadratic` is the model Newton's method jumps to the bottom of,
for a window to draw.

Examples
--------
>>> from gdstudio.problems.function import FunctionObjective
>>> objective = FunctionObjective.from_text("x**2 - y**2")
>>> inspection = inspect_objective(objective, np.array([0.0, 0.0]))
>>> inspection.kind, inspection.eigenvalues.tolist()
('saddle', [-2.0, 2.0])
>>> inspection.description
'a saddle: downhill along (0, 1), uphill along (1, 0)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["KINDS", "LocalQuadratic", "PointInspection", "inspect_objective", "inspect_step"]

#: What a point's curvature can be.
KINDS = ("minimum", "maximum", "saddle", "degenerate")
# An eigenvalue counts as zero within this fraction of the largest magnitude (or of 1).
_ZERO = 1e-9


@dataclass(frozen=True)
class LocalQuadratic:
    """The second-order Taylor model q(θ) = f + gᵀ(θ − c) + ½(θ − c)ᵀH(θ − c) at c.

    Attributes
    ----------
    center : numpy.ndarray
        The point c, shape ``(n,)``.
    value : float
        f(c).
    gradient : numpy.ndarray
        ∇f(c), shape ``(n,)``.
    hessian : numpy.ndarray
        ∇²f(c), shape ``(n, n)``.
    """

    center: np.ndarray
    value: float
    gradient: np.ndarray
    hessian: np.ndarray

    def __call__(self, *coordinates: np.ndarray | float) -> np.ndarray:
        """q at broadcast coordinate arrays, one per parameter (like ``f(X, Y)``)."""
        if len(coordinates) != self.center.shape[0]:
            raise ValueError(f"the model has {self.center.shape[0]} parameters, not "
                             f"{len(coordinates)} coordinate arrays")
        arrays = np.broadcast_arrays(*(np.asarray(c, dtype=float) for c in coordinates))
        offsets = np.stack([a - c for a, c in zip(arrays, self.center, strict=True)], axis=-1)
        linear = offsets @ self.gradient
        quadratic = np.einsum("...i,ij,...j->...", offsets, self.hessian, offsets)
        return self.value + linear + 0.5 * quadratic

    @property
    def stationary_point(self) -> np.ndarray | None:
        """Where ∇q = 0: c − H⁻¹g (Newton's full step), or ``None`` if H is singular."""
        try:
            return self.center - np.linalg.solve(self.hessian, self.gradient)
        except np.linalg.LinAlgError:
            return None


@dataclass(frozen=True)
class PointInspection:
    """Curvature at one point (arrays are read-only).

    Attributes
    ----------
    param_names : tuple of str
        The parameters, in the order of every vector.
    point : numpy.ndarray
        θ, shape ``(n,)``.
    value : float
        f(θ).
    gradient : numpy.ndarray
        ∇f(θ), shape ``(n,)``.
    hessian : numpy.ndarray
        The exact Hessian ∇²f(θ), shape ``(n, n)``.
    eigenvalues : numpy.ndarray
        Eigenvalues of the Hessian, ascending, shape ``(n,)``.
    eigenvectors : numpy.ndarray
        Unit eigenvectors as columns, in the order of ``eigenvalues``, shape ``(n, n)``;
        each has its first non-zero entry positive.
    kind : str
        ``"minimum"`` (all eigenvalues > 0), ``"maximum"`` (all < 0), ``"saddle"`` (both
        signs) or ``"degenerate"`` (one is zero within 10⁻⁹ of the largest magnitude).
        It describes the curvature; where the gradient is not zero the point is not
        itself a minimum, which :attr:`description` says.
    description : str
        One sentence, e.g. ``"a saddle: downhill along (0, 1), uphill along (1, 0)"``.
    """

    param_names: tuple[str, ...]
    point: np.ndarray
    value: float
    gradient: np.ndarray
    hessian: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    kind: str
    description: str

    @property
    def stationary(self) -> bool:
        """True where the gradient is zero (within rounding)."""
        return _is_stationary(self.gradient, self.eigenvalues)

    def quadratic_model(self) -> LocalQuadratic:
        """The local quadratic model at the point (see :class:`LocalQuadratic`)."""
        return LocalQuadratic(self.point, self.value, self.gradient, self.hessian)


def inspect_objective(
    objective: Any, params: np.ndarray, batch: np.ndarray | None = None
) -> PointInspection:
    """Value, gradient, exact Hessian, eigen-decomposition and kind of a point.

    Parameters
    ----------
    objective : object
        A function or data objective with ``value_and_grad`` and ``hessian``.
    params : numpy.ndarray
        The point, one value per parameter.
    batch : numpy.ndarray, optional
        Rows of a data objective (default: all).

    Raises
    ------
    ValueError
        In one sentence, where the function is not defined at the point or has no second
        derivative there.
    """
    point = np.array(params, dtype=float).reshape(-1)
    names = tuple(objective.param_names)
    where = ", ".join(f"{n} = {v:g}" for n, v in zip(names, point, strict=True))
    with np.errstate(all="ignore"):
        value, gradient = (objective.value_and_grad(point) if batch is None
                           else objective.value_and_grad(point, batch))
    gradient = np.array(gradient, dtype=float)
    if not (math.isfinite(value) and np.all(np.isfinite(gradient))):
        raise ValueError(f"the function or its slope is not defined at {where}")
    hessian_at = getattr(objective, "hessian", None)
    hessian = None if hessian_at is None else (
        hessian_at(point) if batch is None else hessian_at(point, batch))
    if hessian is None:
        raise ValueError(f"the function has no second derivative at {where}, so its "
                         "curvature cannot be inspected there")
    hessian = np.array(hessian, dtype=float)
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    eigenvectors = _signed(eigenvectors)
    kind = _kind(eigenvalues)
    description = _describe(kind, eigenvalues, eigenvectors, gradient)
    for array in (point, gradient, hessian, eigenvalues, eigenvectors):
        array.flags.writeable = False
    return PointInspection(names, point, float(value), gradient, hessian, eigenvalues,
                           eigenvectors, kind, description)


def inspect_step(descent: Any, step: int) -> PointInspection:
    """:func:`inspect_objective` at point ``step`` of a run, on that step's batch.

    This is the curvature Newton's method used for its update from that point; its
    :meth:`~PointInspection.quadratic_model` is the parabola (or quadric) it jumped to the
    bottom of.

    Raises
    ------
    IndexError
        For a step the run does not have.
    ValueError
        As :func:`inspect_objective`.
    """
    history = descent.history
    if not 0 <= step < len(history):
        raise IndexError(f"there is no step {step}; the run has steps 0 to {len(history) - 1}")
    batch = None if descent.batching is None else descent.batching.rows(step)
    return inspect_objective(descent.objective, history.params[step], batch)


def _scale(eigenvalues: np.ndarray) -> float:
    return max(1.0, float(np.max(np.abs(eigenvalues))))


def _kind(eigenvalues: np.ndarray) -> str:
    zero = _ZERO * _scale(eigenvalues)
    if np.any(np.abs(eigenvalues) <= zero):
        return "degenerate"
    if eigenvalues[0] > 0:
        return "minimum"
    if eigenvalues[-1] < 0:
        return "maximum"
    return "saddle"


def _is_stationary(gradient: np.ndarray, eigenvalues: np.ndarray) -> bool:
    return float(np.linalg.norm(gradient)) <= _ZERO * _scale(eigenvalues)


def _signed(vectors: np.ndarray) -> np.ndarray:
    """Flip each column so that its first clearly non-zero entry is positive."""
    result = vectors.copy()
    for column in range(result.shape[1]):
        entries = result[:, column]
        first = entries[np.flatnonzero(np.abs(entries) > 1e-12)[0]]
        if first < 0:
            result[:, column] = -entries
    result[np.abs(result) < 1e-15] = 0.0  # no −0
    return result


def _direction(vector: np.ndarray) -> str:
    return "(" + ", ".join(f"{value:.3g}" for value in vector) + ")"


def _along(vectors: np.ndarray, columns: np.ndarray) -> str:
    return " and ".join(_direction(vectors[:, column]) for column in columns)


def _describe(
    kind: str, eigenvalues: np.ndarray, eigenvectors: np.ndarray, gradient: np.ndarray
) -> str:
    zero = _ZERO * _scale(eigenvalues)
    if eigenvalues.shape[0] == 1:
        second = eigenvalues[0]
        shape = ("bends up" if second > zero else "bends down" if second < -zero
                 else "is flat to second order")
        parts = [f"the curve {shape} (f″ = {second:.4g})"]
    else:
        parts = []
        for words, mask in (("downhill", eigenvalues < -zero), ("flat", np.abs(eigenvalues)
                                                                <= zero),
                            ("uphill", eigenvalues > zero)):
            if np.any(mask):
                parts.append(f"{words} along {_along(eigenvectors, np.flatnonzero(mask))}")
    detail = ", ".join(parts)
    if not _is_stationary(gradient, eigenvalues):
        slope = (f"the gradient is {_direction(gradient)}" if gradient.shape[0] > 1
                 else f"the slope is {gradient[0]:.4g}")
        shape = "a minimum's" if kind == "minimum" else "a maximum's" if kind == "maximum" \
            else "a saddle's" if kind == "saddle" else "a flat (degenerate) point's"
        return f"not a stationary point ({slope}); it curves like {shape}: {detail}"
    if kind == "degenerate":
        return f"degenerate: {detail}, so the second derivatives cannot tell what it is"
    article = "a " + kind
    return f"{article}: {detail}"
