"""Datasets: named float64 columns, loaded from CSV, saved to CSV or generated.

Every problem with the data is a :class:`DataError` (a ``ValueError``) whose message names
the row and the column, so a student can find it in a spreadsheet. Nothing is silently
dropped or guessed: a cell that is not a number, a missing value, ``nan`` or ``inf``, a
row with too few or too many values, a blank or repeated column name are all refused.

Rows are counted from 1 for the first data row; for CSV the message also gives the line
of the file (the header is line 1). Columns are processed as whole numpy arrays: there is
no Python loop per row except to locate the first bad cell of a file that has one.

Limits of CSV files: a regular file (not a device or a pipe) of at most
:data:`MAX_CSV_BYTES` (50 MB), read with that bound; UTF-8 text, or UTF-16 with a byte
order mark; a cell is one number on one line, written by the rule of
:mod:`gdstudio.problems.numbers` (ASCII digits, ``.`` for decimals).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import methodcaller
from pathlib import Path
from typing import NoReturn

import numpy as np
from numpy.typing import ArrayLike

from gdstudio.problems.checks import digit_count
from gdstudio.problems.files import (
    FileRefusedError,
    atomic_write_bytes,
    read_limited,
    too_large,
)
from gdstudio.problems.numbers import number_problem, parse_numbers

__all__ = ["MAX_CSV_BYTES", "DataError", "Dataset", "generate_dataset", "load_csv", "save_csv"]

#: Largest CSV file (or CSV text) read, in bytes (50 MB, as for project files).
MAX_CSV_BYTES = 50 * 1024 * 1024

#: Separators a CSV file may use, detected from its header.
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "a tab"}


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
    def _trusted(cls, arrays: dict[str, np.ndarray]) -> Dataset:
        """Wrap arrays that were validated already (used by the CSV reader)."""
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

    def to_csv_text(self, delimiter: str = ",") -> str:
        """The table as CSV text (header row, shortest round-trip numbers, ``\\n`` lines)."""
        if delimiter not in DELIMITERS:
            raise ValueError(f"the delimiter must be ',', ';' or a tab, not {delimiter!r}")
        header = _header_line(self.names, delimiter)
        cells = [map(repr, array.tolist()) for array in self._columns.values()]
        body = "\n".join(map(delimiter.join, zip(*cells, strict=True)))
        return f"{header}\n{body}\n"

    def __repr__(self) -> str:
        return f"<Dataset {self.n_rows} rows: {self._listing()}>"

    def _listing(self) -> str:
        return ", ".join(self._columns)


def load_csv(source: str | os.PathLike[str] | bytes) -> Dataset:
    """Read a CSV table with a header row into a :class:`Dataset`.

    Parameters
    ----------
    source : str, path or bytes
        A path (``str`` without a line break, or ``os.PathLike``), the CSV text itself
        (``str`` with at least one line break), or the raw bytes of a file.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        For a missing file, a folder, anything but a regular file (a device such as
        ``/dev/zero``, a pipe), a file above :data:`MAX_CSV_BYTES` (50 MB, refused from its
        size without reading it), text that is neither UTF-8 nor UTF-16 with a byte order
        mark, an empty file, a header but no rows, a blank or repeated column name, an
        ambiguous separator, a ragged row, a quoted cell holding a line break, a missing
        value, a cell that is not a number by the rule of :mod:`gdstudio.problems.numbers`
        (fullwidth or Arabic-Indic digits, ``1_000``), or ``nan`` or ``inf``. The message
        names the row (and line) and the column.

    Notes
    -----
    The separator (comma, semicolon or tab) is read off the header. Decimal commas are
    not guessed: with ``;`` as separator, ``1,5`` is refused, not read as 1.5.
    """
    raw, origin = _read_source(source)
    text = _decoded(raw, origin)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    quoted = text.find('"', text.find("\n") + 1) > 0  # any quotes after the header?
    lines = text.split("\n")
    del text
    while lines and not lines[-1].strip():
        lines.pop()  # trailing empty lines carry no data
    if not lines:
        raise DataError(f"{origin} is empty: expected a header row and rows of numbers")
    return _parse_lines(lines, origin, quoted)


def save_csv(dataset: Dataset, path: str | os.PathLike[str], delimiter: str = ",") -> None:
    """Write ``dataset`` to ``path`` as UTF-8 CSV that :func:`load_csv` reads back exactly.

    Parameters
    ----------
    dataset : Dataset
        The table to write.
    path : str or path
        Destination file, replaced atomically (a crash while writing keeps the old file);
        a symbolic link is written through to its target and stays a link.
    delimiter : str
        ``","`` (default), ``";"`` or ``"\\t"``.
    """
    atomic_write_bytes(path, dataset.to_csv_text(delimiter).encode("utf-8"))


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


# ------------------------------------------------------------------------- CSV reading
def _read_source(source: str | os.PathLike[str] | bytes) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return _bounded(bytes(source), "the CSV data"), "the CSV data"
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        if len(source) > MAX_CSV_BYTES:  # at least that many bytes once encoded
            raise DataError(f"the CSV text: {too_large(len(source), MAX_CSV_BYTES, 'CSV file')}")
        return _bounded(source.encode("utf-8", "surrogatepass"), "the CSV text"), "the CSV text"
    if not isinstance(source, str | os.PathLike):
        raise TypeError(f"load_csv needs a path, CSV text or bytes, not {type(source).__name__}")
    try:
        return read_limited(source, MAX_CSV_BYTES, "CSV file"), Path(source).name
    except FileRefusedError as error:
        if str(error) == "there is no such file":
            raise DataError(f"there is no file {str(source)!r}") from None
        raise DataError(f"{source}: {error}") from None


def _bounded(raw: bytes, origin: str) -> bytes:
    if len(raw) > MAX_CSV_BYTES:
        raise DataError(f"{origin}: {too_large(len(raw), MAX_CSV_BYTES, 'CSV file')}")
    return raw


# Byte order marks this reader decodes, longest first (UTF-32 is recognised, not read).
_BOMS = ((b"\xff\xfe\x00\x00", None), (b"\x00\x00\xfe\xff", None),
         (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_SAVE_AS = "save the file as UTF-8 CSV (UTF-16 with a byte order mark is read too)"


def _decoded(raw: bytes, origin: str) -> str:
    for mark, encoding in _BOMS:
        if raw.startswith(mark):
            if encoding is None:
                raise DataError(f"{origin} is UTF-32 text; {_SAVE_AS}")
            return _decoded_with(raw[len(mark):], encoding, origin)
    nul = raw.find(b"\x00")
    if nul >= 0:
        if _looks_like_utf16(raw):
            raise DataError(f"{origin} looks like UTF-16 text without a byte order mark, which "
                            f"cannot be told apart safely; {_SAVE_AS}")
        line = raw.count(b"\n", 0, nul) + 1
        raise DataError(f"{origin} is not a text file (it contains a NUL byte on line {line}); "
                        "save the data as UTF-8 CSV text")
    return _decoded_with(raw, "utf-8", origin)


def _decoded_with(raw: bytes, encoding: str, origin: str) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        name = "UTF-8" if encoding == "utf-8" else "UTF-16"
        line = raw[: error.start].decode(encoding, "replace").count("\n") + 1
        raise DataError(f"{origin} is not {name} text: byte 0x{raw[error.start]:02x} on line "
                        f"{line} cannot be read; {_SAVE_AS}") from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise DataError(f"{origin} is not a text file (it contains a NUL character on line "
                        f"{line}); save the data as UTF-8 CSV text")
    return text


def _looks_like_utf16(raw: bytes) -> bool:
    """Most odd or most even bytes NUL, as ASCII text in UTF-16 without a mark has."""
    sample = raw[:4096]
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0), odd.count(0)) > 0.4 * len(sample) and min(
        even.count(0), odd.count(0)) < 0.05 * len(sample)


def _parse_lines(lines: list[str], origin: str, quoted: bool) -> Dataset:
    body = lines[1:]
    delimiter = _detect_delimiter(lines[0], body[0] if body else "", origin)
    names = _header_names(lines[0], delimiter, origin)
    if not body:
        raise DataError(f"{origin} has a header ({', '.join(names)}) but no data rows")
    cells = _cells_by_column(body, delimiter, names, origin, quoted)
    arrays = {name: _parsed_column(cells[index], name, delimiter, origin)
              for index, name in enumerate(names)}
    return Dataset._trusted(arrays)


def _detect_delimiter(header: str, first_row: str, origin: str) -> str:
    present = [mark for mark in DELIMITERS if mark in header]
    if len(present) <= 1:
        return present[0] if present else ","
    matching = [mark for mark in present if first_row.count(mark) == header.count(mark)]
    if len(matching) == 1:
        return matching[0]
    found = " and ".join(_DELIMITER_NAMES[mark] for mark in present)
    raise DataError(f"{origin}: cannot tell the separator: the header contains {found}; "
                    "use one of them only")


def _header_names(header: str, delimiter: str, origin: str) -> list[str]:
    if not header.strip():
        raise DataError(f"{origin}: line 1 is blank; it must be the header with the column names")
    try:
        reader = csv.reader([header], delimiter=delimiter, skipinitialspace=True)
        names = [name.strip() for name in next(reader)]
    except csv.Error as error:
        raise DataError(f"{origin}: the header (line 1) cannot be read: {error}") from None
    seen: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        if not name:
            raise DataError(f"{origin}: column {number} of the header has no name")
        if name in seen:
            raise DataError(f"{origin}: column names must be unique: {name!r} is both column "
                            f"{seen[name]} and column {number}", column=name)
        seen[name] = number
    return names


def _cells_by_column(
    body: list[str], delimiter: str, names: list[str], origin: str, quoted: bool
) -> list[Sequence[str]]:
    width = len(names)
    if quoted:
        rows = _quoted_rows(body, delimiter, names, origin)
        counts = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
        _check_widths(counts, body, width, origin)
        return list(zip(*rows, strict=True)) if rows else []
    counts = np.fromiter(map(methodcaller("count", delimiter), body), np.intp, len(body)) + 1
    _check_widths(counts, body, width, origin)
    if width == 1:
        return [body]
    flat = delimiter.join(body).split(delimiter)
    return [flat[index::width] for index in range(width)]


def _quoted_rows(
    body: list[str], delimiter: str, names: list[str], origin: str
) -> list[list[str]]:
    """Rows of a file with quotes; a quoted cell may not hold a line break.

    Each line is given to the reader with its line break, so that a quoted cell that
    runs on to the next line keeps the break and is found (not silently joined).
    """
    reader = csv.reader((line + "\n" for line in body), delimiter=delimiter,
                        skipinitialspace=True, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if reader.line_num != len(rows) + 1:
                _refuse_line_break(row, len(rows) + 1, names, origin)
            rows.append(row or [""])
    except csv.Error as error:
        line = reader.line_num + 1
        raise DataError(f"{origin}: row {line - 1} (line {line}) cannot be read: {error}",
                        row=line - 1) from None
    return rows


def _refuse_line_break(row: list[str], number: int, names: list[str], origin: str) -> NoReturn:
    index = next((i for i, cell in enumerate(row) if "\n" in cell), 0)
    name = names[index] if index < len(names) else None
    column = f"column {name!r}" if name is not None else f"value {index + 1}"
    raise DataError(f"{origin}: row {number} (line {number + 1}), {column}: the quoted value "
                    "holds a line break; a cell must be one number on one line",
                    row=number, column=name)


def _check_widths(counts: np.ndarray, body: list[str], width: int, origin: str) -> None:
    bad = np.flatnonzero(counts != width)
    if not bad.size:
        return
    index = int(bad[0])
    row, line = index + 1, index + 2
    if not body[index].strip():
        raise DataError(f"{origin}: row {row} (line {line}) is blank; every row needs "
                        f"{width} values", row=row)
    found = f"{counts[index]} value" + ("" if counts[index] == 1 else "s")
    columns = f"{width} column" + ("" if width == 1 else "s")
    raise DataError(f"{origin}: row {row} (line {line}) has {found} but the header has "
                    f"{columns}", row=row)


def _parsed_column(cells: Sequence[str], name: str, delimiter: str, origin: str) -> np.ndarray:
    array, bad = parse_numbers(cells)
    if array is None:
        problem = number_problem(cells[bad], decimal_comma_hint=delimiter != ",")
        raise DataError(f"{origin}: row {bad + 1} (line {bad + 2}), column {name!r}: {problem}",
                        row=bad + 1, column=name)
    return array


def _header_line(names: Sequence[str], delimiter: str) -> str:
    quoted = [f'"{name}"' if any(mark in name for mark in (delimiter, '"')) else name
              for name in (name.replace('"', '""') for name in names)]
    return delimiter.join(quoted)


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
