"""Lengths of many vectors at once that decide exactly as :func:`math.hypot` would.

A single run measures its step and gradient with :func:`math.hypot` (correctly rounded in
practice). ``sqrt(Σx²)`` over a ``(K, d)`` array is within a few units in the last place
of it, which is all a comparison needs unless it is a near tie. So a sweep compares the
fast lengths, and recomputes with :func:`math.hypot` only the rows whose comparison is
that close, or whose fast length may have overflowed or underflowed.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["exact_norms", "norms", "resolve_ties"]

# Below and above these the squares may underflow or overflow: measure such rows exactly.
_TINY = 1e-140
_HUGE = 1e140
# Fast lengths closer than this (relatively) to what they are compared with are remeasured.
_TIE = 1e-12


def norms(vectors: np.ndarray) -> np.ndarray:
    """The Euclidean length of every row of ``vectors`` (shape ``(K, d)``), as a new array."""
    if vectors.shape[1] == 1:
        return np.abs(vectors[:, 0])
    # Column by column: for the few columns of a sweep this beats einsum and sum(axis=1).
    with np.errstate(all="ignore"):  # overflow and underflow are remeasured below
        first = vectors[:, 0]
        total = first * first
        for column in range(1, vectors.shape[1]):
            values = vectors[:, column]
            total += values * values
        lengths = np.sqrt(total, out=total)
    unsure = ~((lengths > _TINY) & (lengths < _HUGE))
    if unsure.any():
        rows = np.flatnonzero(unsure)
        rows = rows[np.any(vectors[rows] != 0.0, axis=1)]  # a zero vector's 0 is exact
        lengths[rows] = exact_norms(vectors[rows])
    return lengths


def exact_norms(vectors: np.ndarray) -> np.ndarray:
    """:func:`math.hypot` of every row (slow: for the few rows that need it)."""
    return np.array([math.hypot(*row) for row in vectors.tolist()], dtype=float).reshape(-1)


def resolve_ties(
    lengths: np.ndarray, vectors: np.ndarray, against: np.ndarray | float,
    against_vectors: np.ndarray | None = None,
) -> np.ndarray:
    """Rows of ``lengths`` within a hair of ``against``, remeasured exactly (in place).

    ``against_vectors``, when given, are the vectors ``against`` measures: rows where the
    two vectors are equal are no tie (both lengths are the same number either way).
    Returns the indices of the rows remeasured.
    """
    if vectors.shape[1] == 1:
        return np.zeros(0, dtype=np.intp)  # |x| is exact
    with np.errstate(invalid="ignore"):
        close = np.abs(lengths - against) <= _TIE * np.abs(lengths)
    rows = np.flatnonzero(close)
    if rows.size and against_vectors is not None:
        rows = rows[np.any(vectors[rows] != against_vectors[rows], axis=1)]
    if rows.size:
        lengths[rows] = exact_norms(vectors[rows])
    return rows
