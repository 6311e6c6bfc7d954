"""A block of numbers pasted from a spreadsheet (tab-separated text) as an array.

Examples
--------
>>> header, block = parse_block("x\\ty\\n0\\t1\\n1\\t3\\n")
>>> header, block.tolist()
(['x', 'y'], [[0.0, 1.0], [1.0, 3.0]])
"""

from __future__ import annotations

import numpy as np

from gdstudio.problems.numbers import number_problem

__all__ = ["parse_block"]


def _separator(lines: list[str]) -> str | None:
    for mark in ("\t", ";", ","):
        if any(mark in line for line in lines):
            return mark
    return None  # one value per line, or values separated by spaces


def _number(cell: str) -> float | None:
    return None if number_problem(cell) is not None else float(cell)


def parse_block(text: str) -> tuple[list[str] | None, np.ndarray]:
    """Read pasted text: lines of cells separated by tabs (or ``;``, ``,``, spaces).

    Parameters
    ----------
    text : str
        What a spreadsheet puts on the clipboard.

    Returns
    -------
    header : list of str or None
        The first line's cells when they are not all numbers and more lines follow (the
        column names of a copied table).
    block : numpy.ndarray
        The numbers, shape ``(rows, columns)``.

    Raises
    ------
    ValueError
        For no text, lines of different lengths, or a cell that is not a finite number
        (the message names its line and position).
    """
    lines = [line.rstrip("\r") for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ValueError("there is no text to paste")
    mark = _separator(lines)
    cells = [[cell.strip() for cell in (line.split(mark) if mark else line.split())]
             for line in lines]
    header = None
    if len(cells) > 1 and any(_number(cell) is None for cell in cells[0]):
        header, cells = cells[0], cells[1:]
    width = len(cells[0])
    offset = 2 if header else 1
    block = np.empty((len(cells), width))
    for i, row in enumerate(cells):
        if len(row) != width:
            raise ValueError(f"line {i + offset} has {len(row)} values but line {offset} "
                             f"has {width}")
        for k, cell in enumerate(row):
            value = _number(cell)
            if value is None:
                problem = "a value is missing" if not cell else number_problem(cell)
                raise ValueError(f"line {i + offset}, value {k + 1}: {problem}")
            block[i, k] = value
    return header, block
