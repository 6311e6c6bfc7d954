"""The numbers behind the sweep pictures (numpy only): grids, steps to converge, basins.

The Sweeps tool draws three pictures from many runs of one problem: a learning-rate
finder, a phase map of learning rate × momentum, and the basins of attraction of a grid
of start points. This module makes their grids and reads their results; it knows nothing
of how the runs are made or drawn.

Examples
--------
>>> rate_grid(1.0, 5, below=10.0, above=10.0)
array([ 0.1       ,  0.31622777,  1.        ,  3.16227766, 10.        ])
>>> steps_to_converge(np.array(["converged", "diverged"]), np.array([12, 3]))
array([12., nan])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["DIVERGED", "UNSETTLED", "Basins", "cluster_basins", "grid_csv", "rate_grid",
           "start_grid", "steps_to_converge"]

#: Basin label of a run that diverged.
DIVERGED = -1
#: Basin label of a run that neither converged nor diverged (step limit, cancelled).
UNSETTLED = -2


def rate_grid(centre: float, count: int, below: float = 100.0, above: float = 10.0) -> np.ndarray:
    """``count`` learning rates evenly spaced on a log axis from ``centre/below`` to
    ``centre·above``.

    Raises
    ------
    ValueError
        If the centre or a factor is not a positive finite number, or ``count < 2``.
    """
    for name, value in (("the centre rate", centre), ("below", below), ("above", above)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive finite number, not {value}")
    if count < 2:
        raise ValueError(f"a rate grid needs at least 2 rates, not {count}")
    return np.logspace(math.log10(centre / below), math.log10(centre * above), count)


def start_grid(
    ranges: list[tuple[float, float]], count: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """Cell centres of a ``count``-per-axis grid over ``ranges`` (one ``(low, high)`` per
    variable), and the start points ``(count**d, d)`` in C order (last axis fastest).

    Raises
    ------
    ValueError
        If a range is empty or not finite, or ``count < 2``.
    """
    if count < 2:
        raise ValueError(f"a grid of start points needs at least 2 per axis, not {count}")
    axes = []
    for low, high in ranges:
        if not (math.isfinite(low) and math.isfinite(high) and high > low):
            raise ValueError(f"the region ({low}, {high}) must be finite and not empty")
        width = (high - low) / count
        axes.append(low + width * (np.arange(count) + 0.5))
    mesh = np.meshgrid(*axes, indexing="ij")
    return axes, np.stack([m.ravel() for m in mesh], axis=1)


def steps_to_converge(status: np.ndarray, iterations: np.ndarray) -> np.ndarray:
    """Steps each run took to converge, as floats; NaN for a run that did not converge."""
    converged = np.asarray(status) == "converged"
    return np.where(converged, np.asarray(iterations, dtype=float), np.nan)


@dataclass(frozen=True)
class Basins:
    """Which minimum every run reached.

    Attributes
    ----------
    labels : numpy.ndarray
        ``(K,)`` ints: the index of the minimum run k reached (0 is the lowest minimum),
        :data:`DIVERGED` or :data:`UNSETTLED`.
    minima : numpy.ndarray
        ``(m, d)`` the point of each minimum (the lowest final point of its runs).
    losses : numpy.ndarray
        ``(m,)`` the loss at each minimum, ascending.
    counts : numpy.ndarray
        ``(m,)`` how many runs reached each minimum.
    """

    labels: np.ndarray
    minima: np.ndarray
    losses: np.ndarray
    counts: np.ndarray


def cluster_basins(
    params: np.ndarray,
    loss: np.ndarray,
    status: np.ndarray,
    radius: float,
    max_minima: int = 12,
) -> Basins:
    """Group the final points of converged runs into minima.

    Points are taken from the lowest loss up: the lowest point not yet grouped becomes a
    minimum, and every ungrouped final point within ``radius`` of it (Euclidean) joins it.
    At most ``max_minima`` minima are kept (the lowest); the runs that reached the others
    are labelled :data:`UNSETTLED`.

    Parameters
    ----------
    params : numpy.ndarray
        ``(K, d)`` final points.
    loss : numpy.ndarray
        ``(K,)`` final losses.
    status : numpy.ndarray
        ``(K,)`` status strings (``converged``, ``diverged``, ``max_iter`` …).
    radius : float
        How close two final points must be to count as the same minimum.
    max_minima : int
        The most minima kept.

    Raises
    ------
    ValueError
        If the shapes disagree or the radius is not positive.
    """
    params = np.asarray(params, dtype=float)
    loss = np.asarray(loss, dtype=float)
    status = np.asarray(status)
    if params.ndim != 2 or loss.shape != (params.shape[0],) or status.shape != loss.shape:
        raise ValueError(f"the final points {params.shape}, losses {loss.shape} and statuses "
                         f"{status.shape} must describe the same runs")
    if not (math.isfinite(radius) and radius > 0):
        raise ValueError(f"the radius must be a positive finite number, not {radius}")
    labels = np.full(loss.shape, UNSETTLED)
    labels[status == "diverged"] = DIVERGED
    ungrouped = (status == "converged") & np.isfinite(loss) & np.isfinite(params).all(axis=1)
    order = np.argsort(np.where(ungrouped, loss, np.inf), kind="stable")
    minima, losses, counts = [], [], []
    for candidate in order:
        if len(minima) == max_minima or not ungrouped.any():
            break
        if not ungrouped[candidate]:
            continue
        near = ungrouped & (np.linalg.norm(params - params[candidate], axis=1) <= radius)
        labels[near] = len(minima)
        ungrouped &= ~near
        minima.append(params[candidate])
        losses.append(loss[candidate])
        counts.append(int(near.sum()))
    d = params.shape[1]
    return Basins(labels, np.array(minima, dtype=float).reshape(-1, d),
                  np.array(losses, dtype=float), np.array(counts, dtype=int))


def grid_csv(columns: dict[str, np.ndarray]) -> str:
    """A CSV table of equally long columns (header first); numbers in full precision,
    text as it is, NaN as an empty cell."""
    names = list(columns)
    values = [np.asarray(columns[name]).ravel() for name in names]
    if len({len(v) for v in values}) > 1:
        raise ValueError("every column of the table must have the same length")
    lines = [",".join(names)]
    for row in zip(*values, strict=True):
        lines.append(",".join(_cell(v) for v in row))
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    if isinstance(value, str | np.str_):
        return str(value)
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return ""
    return repr(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
