"""A run's history as saved in a project: columns of numbers, and their JSON form.

Non-finite values are legitimate in a history (the newest row has no update yet, so its
rate and step size are NaN; a diverged run ends at inf or NaN). JSON has no such numbers,
so in the ``history`` columns only they are written as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"`` (by :mod:`gdstudio.io._jsontext`); everywhere else in a
project they are refused, and so are the bare ``NaN`` and ``Infinity`` literals anywhere.
Finite floats are written with Python's shortest round-trip ``repr``, so they read back
bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from gdstudio.engine import History
from gdstudio.engine.optimizers import MAX_BACKTRACKS
from gdstudio.problems.checks import fail, json_object, known_keys, shown, text

__all__ = ["HISTORY_KEYS", "MAX_HISTORY_ROWS", "METHOD_KEYS", "SavedHistory"]

#: Most rows a saved history may have.
MAX_HISTORY_ROWS = 1_000_000
HISTORY_KEYS = ("param_names", "params", "loss", "grad", "lr", "step_size", "epoch")
#: Optional columns: Newton's fallback codes, the line search's tries (NaN padded).
METHOD_KEYS = ("fallback", "trials_lr", "trials_loss")
_MOST_TRIALS = MAX_BACKTRACKS + 1
_FLOAT_COLUMNS = ("loss", "lr", "step_size")
_SPELLED = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


@dataclass(frozen=True, eq=False)
class SavedHistory:
    """The columns of a :class:`~gdstudio.engine.History`, as read-only copies.

    Attributes
    ----------
    param_names : tuple of str
        Names of the parameter columns.
    params, grad : numpy.ndarray
        Shape ``(rows, len(param_names))``.
    loss, lr, step_size : numpy.ndarray
        Shape ``(rows,)``; ``lr`` and ``step_size`` are NaN where no update was made.
    epoch : numpy.ndarray
        Shape ``(rows,)``, integers.
    fallback : numpy.ndarray or None
        Newton's method: shape ``(rows,)``, 0 for a Newton step, 1 or 2 for the gradient
        step it fell back to (see :class:`~gdstudio.engine.History`).
    trials_lr, trials_loss : numpy.ndarray or None
        Line search: shape ``(rows, tries)``, the rates tried at each update and the loss
        at each, padded with NaN.
    """

    param_names: tuple[str, ...]
    params: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    lr: np.ndarray
    step_size: np.ndarray
    epoch: np.ndarray
    fallback: np.ndarray | None = None
    trials_lr: np.ndarray | None = None
    trials_loss: np.ndarray | None = None

    def __post_init__(self) -> None:
        names = _checked_names(self.param_names)
        object.__setattr__(self, "param_names", names)
        rows = _rows(self.loss)
        for name in ("params", "grad"):
            _set_array(self, name, float, (rows, len(names)))
        for name in _FLOAT_COLUMNS:
            _set_array(self, name, float, (rows,))
        _set_array(self, "epoch", np.int64, (rows,))
        if np.any(self.epoch < 0):
            fail("history.epoch", "must hold whole numbers of at least 0")
        if self.fallback is not None:
            _set_array(self, "fallback", np.int8, (rows,))
            if np.any((self.fallback < 0) | (self.fallback > 2)):
                fail("history.fallback", "must hold only the codes 0, 1 and 2")
        if (self.trials_lr is None) != (self.trials_loss is None):
            fail("history", "needs both trials_lr and trials_loss, or neither")
        if self.trials_lr is not None:
            width = int(np.shape(self.trials_lr)[-1]) if np.ndim(self.trials_lr) == 2 else 0
            if not 1 <= width <= _MOST_TRIALS:
                fail("history.trials_lr", f"must have one row per step of 1 to {_MOST_TRIALS} "
                                          "tries")
            for name in ("trials_lr", "trials_loss"):
                _set_array(self, name, float, (rows, width))

    @classmethod
    def from_history(cls, history: History, param_names: Sequence[str]) -> SavedHistory:
        """Copy the rows of an engine history."""
        trials = history.trial_width > 0
        return cls(tuple(param_names), history.params, history.loss, history.grad,
                   history.lr, history.step_size, history.epoch,
                   history.fallback if history.records_fallback else None,
                   history.trials_lr if trials else None,
                   history.trials_loss if trials else None)

    def to_history(self) -> History:
        """A new engine :class:`~gdstudio.engine.History` holding these rows."""
        fallback = self.fallback
        history = History(len(self.param_names), capacity=len(self),
                          fallback=fallback is not None,
                          trial_width=0 if self.trials_lr is None else self.trials_lr.shape[1])
        history.append(self.params[0], float(self.loss[0]), self.grad[0], int(self.epoch[0]))
        for row in range(1, len(self)):
            history.push(float(self.lr[row - 1]), float(self.step_size[row - 1]),
                         self.params[row], float(self.loss[row]), self.grad[row],
                         int(self.epoch[row]),
                         0 if fallback is None else int(fallback[row - 1]))
        history.complete(len(self) - 1, float(self.lr[-1]), float(self.step_size[-1]))
        if self.trials_lr is not None and self.trials_loss is not None:
            for row in range(len(self)):
                tried = ~np.isnan(self.trials_lr[row])
                history.record_trials(row, self.trials_lr[row][tried],
                                      self.trials_loss[row][tried])
        return history

    def __len__(self) -> int:
        return int(self.loss.shape[0])

    @property
    def step(self) -> np.ndarray:
        """Step index of each row: 0, 1, …"""
        return np.arange(len(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SavedHistory):
            return NotImplemented
        return self.param_names == other.param_names and all(
            _identical(getattr(self, name), getattr(other, name))
            for name in (*HISTORY_KEYS[1:], *METHOD_KEYS)
        )

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ JSON
    @classmethod
    def from_json(cls, value: Any) -> SavedHistory:
        """Read the ``history`` object of a project file, checking every value.

        Raises
        ------
        ProjectError
            Naming the column and row of the first bad value.
        """
        data = json_object(value, "history")
        known_keys(data, "history", HISTORY_KEYS, METHOD_KEYS)
        names = data["param_names"]
        if not isinstance(names, list):
            fail("history.param_names", f"must be a list of names, not {shown(names)}")
        rows = _row_count(data["loss"])
        columns: dict[str, np.ndarray] = {}
        for key in ("params", "grad"):
            columns[key] = _matrix(data[key], f"history.{key}", rows, len(names))
        for key in _FLOAT_COLUMNS:
            columns[key] = _floats(_list(data[key], f"history.{key}", rows),
                                   lambda i, key=key: f"history.{key}[{i}]")
        columns["epoch"] = _integers(_list(data["epoch"], "history.epoch", rows))
        if "fallback" in data:
            columns["fallback"] = _integers(_list(data["fallback"], "history.fallback", rows),
                                            "history.fallback")
        for key in ("trials_lr", "trials_loss"):
            if key in data:
                table = _list(data[key], f"history.{key}", rows)
                width = len(table[0]) if isinstance(table[0], list) else 0
                if not 1 <= width <= _MOST_TRIALS:
                    fail(f"history.{key}[0]", f"must be a list of 1 to {_MOST_TRIALS} numbers "
                                              f"(the tries), not {shown(table[0])}")
                columns[key] = _matrix(table, f"history.{key}", rows, width)
        return cls(tuple(names), **columns)


# ------------------------------------------------------------------ building
def _checked_names(names: Any) -> tuple[str, ...]:
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        fail("history.param_names", f"must be a non-empty list of names, not {shown(names)}")
    result = tuple(text(name, f"history.param_names[{i}]", 100, blank=False)
                   for i, name in enumerate(names))
    if len(set(result)) != len(result):
        fail("history.param_names", "lists a name twice")
    return result


def _rows(loss: Any) -> int:
    rows = int(np.shape(loss)[0]) if np.ndim(loss) == 1 else -1
    if rows < 1:
        fail("history.loss", "must be a non-empty list of numbers")
    if rows > MAX_HISTORY_ROWS:
        fail("history", f"has {rows:,} rows, more than the {MAX_HISTORY_ROWS:,} a project keeps")
    return rows


def _set_array(history: SavedHistory, name: str, dtype: Any, shape: tuple[int, ...]) -> None:
    try:
        array = np.array(getattr(history, name), dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        fail(f"history.{name}", "must hold only numbers")
    if array.shape != shape:
        fail(f"history.{name}", f"has shape {array.shape}, but the history needs {shape} "
                                "(one row per step, one column per parameter)")
    array.flags.writeable = False
    object.__setattr__(history, name, array)


def _identical(first: np.ndarray | None, second: np.ndarray | None) -> bool:
    """Equal bit for bit, except that any NaN equals any NaN."""
    if first is None or second is None:
        return first is second
    if first.shape != second.shape or first.dtype != second.dtype:
        return False
    if first.dtype.kind != "f":
        return bool(np.array_equal(first, second))
    same_bits = first.view(np.uint64) == second.view(np.uint64)
    return bool(np.all(same_bits | (np.isnan(first) & np.isnan(second))))


# ------------------------------------------------------------------ JSON columns
def _row_count(loss: Any) -> int:
    if not isinstance(loss, list) or not loss:
        fail("history.loss", f"must be a non-empty list of numbers, not {shown(loss)}")
    if len(loss) > MAX_HISTORY_ROWS:
        fail("history", f"has {len(loss):,} rows, more than the {MAX_HISTORY_ROWS:,} a "
                        "project keeps")
    return len(loss)


def _list(value: Any, where: str, rows: int) -> list[Any]:
    if not isinstance(value, list):
        fail(where, f"must be a list, not {shown(value)}")
    if len(value) != rows:
        fail(where, f"has {len(value):,} rows, but history.loss has {rows:,}")
    return value


def _matrix(value: Any, where: str, rows: int, width: int) -> np.ndarray:
    table = _list(value, where, rows)
    if set(map(type, table)) != {list} or set(map(len, table)) != {width}:
        for index, row in enumerate(table):
            if not isinstance(row, list) or len(row) != width:
                fail(f"{where}[{index}]", f"must be a list of {width} numbers (one per "
                                          f"parameter), not {shown(row)}")
    flat = _floats(list(chain.from_iterable(table)),
                   lambda i: f"{where}[{i // width}][{i % width}]")
    return flat.reshape(rows, width)


def _floats(values: list[Any], where: Callable[[int], str]) -> np.ndarray:
    """Numbers, or the spelled non-finite strings, as a float array."""
    spelled: list[int] = []
    if not set(map(type, values)) <= {int, float}:
        values = list(values)
        spelled = [i for i, item in enumerate(values) if type(item) not in (int, float)]
        for index in spelled:
            item = values[index]
            if not isinstance(item, str) or item not in _SPELLED:
                fail(where(index), f"must be a number (or \"NaN\", \"Infinity\", "
                                   f"\"-Infinity\"), not {shown(item)}")
            values[index] = _SPELLED[item]
    try:
        array = np.array(values, dtype=float)
    except OverflowError:
        index = next(i for i, item in enumerate(values)
                     if isinstance(item, int) and abs(item) > 2**1023)
        fail(where(index), "is a number too large to store")
    overflowed = ~np.isfinite(array)  # a literal such as 1e999 reads as inf
    overflowed[spelled] = False
    if overflowed.any():
        fail(where(int(np.argmax(overflowed))),
             'is a number too large to store (write "Infinity" for infinity)')
    return array


def _integers(values: list[Any], where: str = "history.epoch") -> np.ndarray:
    if not set(map(type, values)) <= {int}:
        index = next(i for i, item in enumerate(values) if type(item) is not int)
        fail(f"{where}[{index}]", f"must be a whole number, not {shown(values[index])}")
    try:
        array = np.array(values, dtype=np.int64)
    except OverflowError:
        fail(where, "holds a number too large to store")
    if array.size and array.min() < 0:
        index = int(np.argmax(array < 0))
        fail(f"{where}[{index}]", f"must be at least 0, not {values[index]}")
    return array
