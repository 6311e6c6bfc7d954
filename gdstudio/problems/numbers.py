"""The one rule for a number written as text: a CSV cell, a pasted cell, ``NAME=VALUE``.

A number is written with ASCII digits ``0``–``9``, an optional sign, an optional ``.``
decimal point and an optional exponent: ``3``, ``-0.5``, ``.5``, ``1.``, ``2e-3``,
``+1E6``; spaces around it are ignored. Python's ``float`` accepts more, and all of it is
refused here, with the reason: other digits (fullwidth ``３``, Arabic-Indic ``٣``),
``_`` separators (``1_000``), ``nan``, ``inf`` and ``infinity``, and numbers too large
for a float (``1e999``).

Examples
--------
>>> parse_number(" -2.5e3 ")
-2500.0
>>> number_problem("1_000")
"'1_000' is not a number: write it without the '_' separators"
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

__all__ = ["NUMBER", "number_problem", "parse_number", "parse_numbers"]

#: A number as this program reads it (see the module's docstring); ASCII only.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)

# The only characters a number may hold (checked on a whole column at once).
_NUMBER_BYTES = b"0123456789.eE+- \t\n"
_NON_FINITE = frozenset({"nan", "inf", "infinity"})


def number_problem(text: str, decimal_comma_hint: bool = False) -> str | None:
    """What keeps ``text`` from being a finite number, or ``None`` if it is one.

    ``decimal_comma_hint`` adds "write decimals with a point" to ``1,5`` (for a table
    whose separator is not the comma).
    """
    cell = text.strip(" \t")
    if not cell:
        return "the value is missing"
    shown = repr(cell if len(cell) <= 30 else cell[:27] + "...")
    if NUMBER.fullmatch(cell):
        if math.isfinite(float(cell)):
            return None
        return f"{shown} is too large to be a number here (the largest is about 1.8e308)"
    if cell.lstrip("+-").lower() in _NON_FINITE:
        return f"{shown} is not a finite number"
    foreign = next((char for char in cell if char.isdigit() and not char.isascii()), None)
    if foreign is not None:
        return f"{shown} is not a number: write it with the digits 0-9 (not {foreign!r})"
    if "_" in cell and NUMBER.fullmatch(cell.replace("_", "")):
        return f"{shown} is not a number: write it without the '_' separators"
    if decimal_comma_hint and "," in cell and NUMBER.fullmatch(cell.replace(",", ".", 1)):
        return f"{shown} is not a number (write decimals with a point: 1.5, not 1,5)"
    return f"{shown} is not a number"


def parse_number(text: str) -> float:
    """``text`` as a finite float by the rule of this module.

    Raises
    ------
    ValueError
        With :func:`number_problem`'s sentence.
    """
    problem = number_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return float(text)


def parse_numbers(cells: Sequence[str]) -> tuple[np.ndarray | None, int]:
    """A column of cells as float64, or ``(None, index of the first bad cell)``.

    The whole column is checked at once (one scan for characters that cannot be in a
    number, then numpy's conversion); only a column that fails is looked at cell by cell.
    """
    if _only_number_characters("\n".join(cells)):
        try:
            array = np.array(cells, dtype=np.float64)
        except ValueError:
            pass
        else:
            if np.isfinite(array).all():
                return array, -1
    for index, cell in enumerate(cells):
        if number_problem(cell) is not None:
            return None, index
    raise AssertionError("a column that failed as a whole has no bad cell")  # pragma: no cover


def _only_number_characters(blob: str) -> bool:
    try:
        # bytes.translate deleting the allowed bytes: one fast C pass over the column.
        return not blob.encode("ascii").translate(None, _NUMBER_BYTES)
    except UnicodeEncodeError:
        return False
