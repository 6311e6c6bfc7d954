"""``x**2`` over arrays, as the C library's ``pow(x, 2)`` gives it for each number.

One-point evaluation (Python's ``**`` on floats) squares with the C library's ``pow``,
which is not always correctly rounded: glibc's errs by one unit in the last place about
once in a thousand squares, where x² lies within a few hundredths of a unit of a midpoint
between two floats. numpy's ``x**2`` is ``x*x``, correctly rounded. So that a sweep's
values equal single runs' to the last bit, :func:`libm_square` computes ``x*x``, finds
its exact rounding error (Dekker's product, no ``fma`` needed), and asks the C library
(through ``numpy.float_power``, which calls it) only for the squares near a midpoint,
where ``pow`` might round the other way — about one in ten.
"""

from __future__ import annotations

import numpy as np

__all__ = ["libm_square"]

# Veltkamp's constant 2**27 + 1: splits a double into two halves of 26 bits.
_SPLIT = 134217729.0
# A square whose rounding error is more than this many units in the last place from
# zero is near a midpoint; a pow accurate to 0.55 units may round it the other way
# (glibc's is accurate to 0.52).
_NEAR = 0.45 * 2.0**-52
# Below this the split or the error may underflow: ask pow directly.
_LOW = 1e-280 * _NEAR


def libm_square(values: np.ndarray) -> np.ndarray:
    """``pow(x, 2)`` of every element of ``values``, as a new array."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 0:
        return np.float_power(values, 2.0)
    with np.errstate(all="ignore"):
        squares = values * values
        scaled = values * _SPLIT
        high = scaled - values
        np.subtract(scaled, high, out=high)  # the high 26 bits of x
        low = values - high  # and the rest
        error = high * high
        error -= squares
        np.multiply(high, low, out=scaled)
        scaled += scaled
        error += scaled
        low *= low
        error += low  # x² − squares, exactly (Dekker)
        np.abs(error, out=error)
        # The power of two at or below each square (its exponent bits, mantissa cleared):
        # one unit in the last place is 2**-52 of it.
        bits = squares.view(np.int64) >> 52
        bits <<= 52
        leading = bits.view(np.float64)
        near = squares == leading  # below a power of two the units are half as large
        leading *= _NEAR
        near |= error > leading
        near |= leading < _LOW  # tiny: the split may underflow (inf: the same either way)
    where = np.flatnonzero(near)
    if where.size:
        flat = squares.reshape(-1)
        with np.errstate(all="ignore"):
            flat[where] = np.float_power(values.reshape(-1)[where], 2.0)
    return squares
