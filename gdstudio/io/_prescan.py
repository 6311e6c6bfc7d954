"""Counting a project file's rows and values before it is parsed.

``json.loads`` of a 45 MB file of short numbers builds tens of millions of Python objects
(seconds and hundreds of MB) before the reader could see that the history has too many
rows. :func:`check_counts` counts them first, from the file's brackets and commas only,
with a few numpy passes and no Python object per value, and refuses a file that holds
more than a project may.

How the count works: escapes are dropped, then everything but ``[ ] { } , "``, then each
string becomes one ``"``. In what is left a list that is an element of a list (a row of
``history.params`` or ``history.grad``) is a ``[`` right after ``[`` or ``,`` (in an
object a ``,`` is followed by a key); a comma after a number in a list is a ``,`` right
after ``[`` or ``,``. The history's flat columns are lists at depth 3 (root, history,
column), the data's columns lists at depth 4 (root, problem, data, column) whose parent
is an object.
"""

from __future__ import annotations

import re
from typing import NoReturn

import numpy as np

from gdstudio.io._errors import ProjectError
from gdstudio.io._history import MAX_HISTORY_ROWS
from gdstudio.io._schema import MAX_DATA_CELLS

__all__ = ["check_counts"]

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_KEPT = b'[]{},"'
_DROPPED = bytes(byte for byte in range(256) if byte not in _KEPT)
_STRING = re.compile(rb'"[^"]*(?:"|\Z)')
_FLAT_HISTORY_COLUMNS = 4  # loss, lr, step_size, epoch
_MATRIX_HISTORY_COLUMNS = 2  # params, grad
_HISTORY_DEPTH, _DATA_DEPTH = 3, 4
_STEP = np.zeros(256, dtype=np.int32)
_STEP[list(b"[{")], _STEP[list(b"]}")] = 1, -1


def check_counts(raw: bytes | str) -> None:
    """Refuse a file whose history has too many rows or whose data too many values.

    Raises
    ------
    ProjectError
        ``history has N rows, more than the 1,000,000 a project keeps`` or
        ``problem.data has N values, more than the 2,000,000 a project keeps``.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    skeleton = _STRING.sub(b'"', _ESCAPE.sub(b"", data).translate(None, _DROPPED))
    if len(skeleton) < min(MAX_HISTORY_ROWS, MAX_DATA_CELLS):
        return  # too few commas and brackets to exceed any limit
    marks = np.frombuffer(skeleton, dtype=np.uint8)
    before = np.empty_like(marks)
    before[0], before[1:] = 0, marks[:-1]
    after_list_item = (before == ord("[")) | (before == ord(","))
    del before
    row_lists = (marks == ord("[")) & after_list_item
    number_commas = (marks == ord(",")) & after_list_item
    del after_list_item
    depth = _STEP[marks]  # +1 for [ and {, -1 for ] and }; summed in place
    np.cumsum(depth, out=depth)
    flat_commas = int(np.count_nonzero(number_commas & (depth == _HISTORY_DEPTH)))
    rows = max(
        int(np.count_nonzero(row_lists)) // _MATRIX_HISTORY_COLUMNS,
        flat_commas // _FLAT_HISTORY_COLUMNS + 1,
    )
    if rows > MAX_HISTORY_ROWS:
        _refuse("history", f"has {rows:,} rows, more than the {MAX_HISTORY_ROWS:,} a project keeps")
    if np.count_nonzero(number_commas & (depth == _DATA_DEPTH)) < MAX_DATA_CELLS:
        return
    values = _data_values(marks, depth, number_commas, row_lists)
    if values > MAX_DATA_CELLS:
        _refuse(
            "problem.data",
            f"has {values:,} values, more than the {MAX_DATA_CELLS:,} a project keeps",
        )


def _data_values(
    marks: np.ndarray, depth: np.ndarray, number_commas: np.ndarray, row_lists: np.ndarray
) -> int:
    """Numbers in the lists at depth 4 that are not history rows (the data's columns).

    Lists at one depth cannot overlap, so the k-th opening at depth 4 pairs with the k-th
    closing back to depth 3; the commas of each list are summed with one ``reduceat``.
    """
    brackets = (marks == ord("[")) | (marks == ord("{"))
    openings = np.flatnonzero(brackets & (depth == _DATA_DEPTH))
    brackets = (marks == ord("]")) | (marks == ord("}"))
    closings = np.flatnonzero(brackets & (depth == _DATA_DEPTH - 1))
    count = min(openings.size, closings.size)
    if count == 0:
        return 0
    bounds = np.empty(2 * count, dtype=np.intp)
    bounds[0::2], bounds[1::2] = openings[:count], closings[:count]
    if np.any(np.diff(bounds) <= 0):  # not a well-formed file: the parser will say so
        return 0
    per_list = np.add.reduceat(number_commas, bounds, dtype=np.int64)[0::2]
    columns = per_list[~row_lists[openings[:count]]]
    return int(columns.sum()) + columns.size  # n - 1 commas between n numbers


def _refuse(where: str, problem: str) -> NoReturn:
    raise ProjectError(f"{where} {problem}")
