"""Datasets: tables of named float64 columns, checked when made, or generated.

Every problem with the data is a :class:`DataError` (a ``ValueError``) whose message names
the row and the column, so a student can find it in a spreadsheet. Nothing is silently
dropped or guessed: a cell that is not a number, a missing value, ``nan`` or ``inf``, a
blank or repeated column name, columns of different lengths are all refused.

Rows are counted from 1 for the first data row. Columns are processed as whole numpy
arrays: there is no Python loop per row except to locate the first bad cell.

This is the table in memory. Reading and writing it as CSV (the file format, its limits
and its error sentences) is :mod:`gdstudio.io.csv_files`, with the other file formats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NoReturn

import numpy as np
from numpy.typing import ArrayLike

from gdstudio.problems.checks import digit_count
from gdstudio.problems.numbers import number_problem

__all__ = ["DataError", "Dataset", "generate_dataset"]


class DataError(ValueError):
    """A problem with a dataset, located as precisely as possible.

    Attributes
    ----------
    message : str
        The whole sentence (also ``str(error)``).
    row : int or None
        Data row, counting the first row after the header as 1.
    column : str or None
        Name of the column.
    """

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


class Dataset:
    """A table of named float64 columns of equal length, with at least one row.

    Parameters
    ----------
    columns : mapping of str to array_like
        Column name → numbers. The values are copied; the stored arrays are read-only.

    Raises
    ------
    DataError
        For no columns, a blank name, columns of different lengths, no rows, or a value
        that is not a finite number (the message names the row and the column).

    Examples
    --------
    >>> data = Dataset({"x": [0, 1, 2], "y": [1, 3, 5]})
    >>> data.names, data.n_rows
    (('x', 'y'), 3)
    """

    def __init__(self, columns: Mapping[str, ArrayLike]) -> None:
        if not isinstance(columns, Mapping):
            raise DataError("the data must be a mapping of column names to sequences of numbers")
        arrays = {
            _checked_name(name): _column_array(name, values) for name, values in columns.items()
        }
        self._columns = _checked_table(arrays)

    @classmethod
    def from_checked_columns(cls, arrays: dict[str, np.ndarray]) -> Dataset:
        """Wrap float64 columns a reader has checked already, without copying them.

        The CSV reader (:mod:`gdstudio.io.csv_files`) checks every cell as it parses, with
        the file's line numbers in its messages; the arrays become read-only here.
        """
        dataset = cls.__new__(cls)
        for array in arrays.values():
            array.flags.writeable = False
        dataset._columns = arrays
        return dataset

    @property
    def names(self) -> tuple[str, ...]:
        """Column names, in order."""
        return tuple(self._columns)

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(next(iter(self._columns.values())).shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the column arrays."""
        return sum(array.nbytes for array in self._columns.values())

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._columns[name]
        except KeyError:
            listing = self._listing()
            raise KeyError(f"the data has no column {name!r} (columns: {listing})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def columns(self) -> dict[str, np.ndarray]:
        """Column name → read-only float64 array (a new dict, the same arrays)."""
        return dict(self._columns)

    def __repr__(self) -> str:
        return f"<Dataset {self.n_rows} rows: {self._listing()}>"

    def _listing(self) -> str:
        return ", ".join(self._columns)


def generate_dataset(
    function: str = "2*x + 1",
    noise: float = 0.0,
    n_points: int = 5,
    x_range: tuple[float, float] = (0, 4),
    seed: int = 0,
    *,
    timeout: float = 5.0,
) -> Dataset:
    """Synthetic data: ``y = function(x) + noise · N(0, 1)`` on evenly spaced x.

    The defaults reproduce the tutorial's data exactly: x = 0, 1, 2, 3, 4 and
    y = 1, 3, 5, 7, 9.

    Parameters
    ----------
    function : str
        A typed function of one variable (parsed safely, never executed). Its variable
        names the feature column (``x`` when the function is a constant); the target
        column is ``y``.
    noise : float
        Standard deviation of the Gaussian noise added to each y (0 for none).
    n_points : int
        Number of rows.
    x_range : (float, float)
        First and last x; the points are ``numpy.linspace(*x_range, n_points)``.
    seed : int
        Seed of the noise generator: the same seed gives the same data.
    timeout : float
        Seconds allowed to analyse the function.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For a bad function (an ``ExpressionError``), a function of several variables or
        of ``y``, bad counts or ranges, or a function that is not finite on the range.
    """
    import sympy  # here, not above: reading a CSV file needs no sympy

    from gdstudio.problems._lambdify import numpy_function
    from gdstudio.problems.expression import analyse_expression

    n_points = _whole_number(n_points, "n_points", minimum=1)
    low, high = _checked_range(x_range, n_points)
    noise = _checked_noise(noise)
    analysis = analyse_expression(function, timeout=timeout)
    name = _feature_name(analysis.variables)
    evaluate = numpy_function([sympy.Symbol(name, real=True)], analysis.expression)
    x = np.linspace(low, high, n_points)
    with np.errstate(all="ignore"):
        y = np.array(np.broadcast_to(np.asarray(evaluate(x), dtype=np.float64), x.shape))
    _require_defined(y, x, name, function)
    if noise > 0:
        y += noise * np.random.default_rng(seed).standard_normal(n_points)
    return Dataset({name: x, "y": y})


# ----------------------------------------------------------------------- Dataset checks
def _checked_name(name: object) -> str:
    if not isinstance(name, str):
        raise DataError(f"column names must be text, not {name!r}")
    if not name.strip():
        raise DataError("a column has a blank name", column=name)
    return name


def _column_array(name: str, values: ArrayLike) -> np.ndarray:
    _check_text_cells(name, values)
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        _raise_first_non_number(name, values)
    except OverflowError:
        _raise_first_huge_integer(name, values)
    if array.ndim != 1:
        raise DataError(f"column {name!r} must be a flat sequence of numbers", column=name)
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        index = int(bad[0])
        given = values[index] if isinstance(values, Sequence) else array[index]
        problem = "the value is missing" if given is None else f"{given} is not a finite number"
        raise DataError(f"row {index + 1}, column {name!r}: {problem}", row=index + 1, column=name)
    return array


def _raise_first_huge_integer(name: str, values: ArrayLike) -> NoReturn:
    """Name the first integer too large for a float (``np.array`` only says "overflow")."""
    cells = list(values) if isinstance(values, Iterable) else [values]
    for index, value in enumerate(cells):
        if isinstance(value, int) and abs(value) >= 2**1024:
            raise DataError(f"row {index + 1}, column {name!r}: a number with "
                            f"{digit_count(value)} digits is too large (the largest is about "
                            "1.8e308)", row=index + 1, column=name)
    raise DataError(f"column {name!r} holds a number too large (the largest is about 1.8e308)",
                    column=name)


def _check_text_cells(name: str, values: object) -> None:
    """Numbers given as text follow the one number rule (numpy would read '１' or '1_000')."""
    if isinstance(values, np.ndarray):
        if values.dtype.kind not in "USO":
            return
        values = values.ravel().tolist()
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        return
    if str not in set(map(type, values)):  # the usual case: no text at all
        return
    for index, value in enumerate(values):
        if isinstance(value, str) and (problem := number_problem(value)) is not None:
            raise DataError(f"row {index + 1}, column {name!r}: {problem}",
                            row=index + 1, column=name)


def _raise_first_non_number(name: str, values: object) -> NoReturn:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise DataError(f"column {name!r} must be a sequence of numbers", column=name)
    for index, value in enumerate(values):
        try:
            float(value)
        except (TypeError, ValueError):
            row = index + 1
            raise DataError(f"row {row}, column {name!r}: {value!r} is not a number",
                            row=row, column=name) from None
    raise DataError(f"column {name!r} must be a flat sequence of numbers", column=name)


def _checked_table(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not arrays:
        raise DataError("the data has no columns")
    first, *others = arrays
    length = arrays[first].shape[0]
    for name in others:
        if arrays[name].shape[0] != length:
            raise DataError(
                f"column {name!r} has {arrays[name].shape[0]} values but column {first!r} "
                f"has {length}: every column needs one value per row", column=name)
    if length == 0:
        raise DataError("the data has no rows")
    for array in arrays.values():
        array.flags.writeable = False
    return arrays


# ------------------------------------------------------------------ generate_dataset checks
def _whole_number(value: object, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{what} must be a whole number of at least {minimum}, not {value!r}")
    return int(value)


def _checked_range(x_range: Sequence[float], n_points: int) -> tuple[float, float]:
    try:
        low, high = (float(value) for value in x_range)
    except (TypeError, ValueError):
        raise ValueError(f"x_range must be two numbers (first, last), not {x_range!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"x_range must be finite, not {x_range!r}")
    if n_points > 1 and not low < high:
        raise ValueError(f"x_range must go from a smaller to a larger x, not {x_range!r}")
    return low, high


def _checked_noise(noise: float) -> float:
    try:
        value = float(noise)
    except (TypeError, ValueError):
        raise ValueError(f"noise must be a number, not {noise!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"noise must be 0 or a positive number, not {noise!r}")
    return value


def _feature_name(variables: Sequence[str]) -> str:
    if len(variables) > 1:
        raise ValueError(f"the function must have one variable, not {len(variables)} "
                         f"({', '.join(variables)})")
    name = variables[0] if variables else "x"
    if name == "y":
        raise ValueError("y is the generated target column: write the function in x")
    return name


def _require_defined(y: np.ndarray, x: np.ndarray, name: str, function: str) -> None:
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        where = float(x[bad[0]])
        raise ValueError(f"{function} is not defined at {name} = {where:g} (it gives {y[bad[0]]});"
                         " choose another range")
