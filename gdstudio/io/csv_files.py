"""CSV files: a table with a header row, read into a :class:`Dataset` and written back.

The file format of data mode, with the other file formats in :mod:`gdstudio.io`: the
bounded reader, decoding, the separator, quote and cell rules, and their errors. The
table in memory, :class:`~gdstudio.problems.dataset.Dataset`, is the problems layer's.

Every problem with a file is a :class:`~gdstudio.problems.dataset.DataError` (a
``ValueError``) whose message names the row, the line of the file (the header is line 1)
and the column, so a student can find it in a spreadsheet. Nothing is silently dropped or
guessed: a cell that is not a number, a missing value, ``nan`` or ``inf``, a row with too
few or too many values, a blank or repeated column name are all refused.

Limits: a regular file (not a device or a pipe) of at most :data:`MAX_CSV_BYTES` (50 MB),
read with that bound by :func:`gdstudio.io.files.read_limited`; UTF-8 text, or UTF-16
with a byte order mark; a cell is one number on one line, written by the rule of
:mod:`gdstudio.problems.numbers` (ASCII digits, ``.`` for decimals).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from operator import methodcaller
from pathlib import Path
from typing import NoReturn

import numpy as np

from gdstudio.io.files import FileRefusedError, atomic_write_bytes, read_limited, too_large
from gdstudio.problems.dataset import DataError, Dataset
from gdstudio.problems.numbers import number_problem, parse_numbers

__all__ = ["DELIMITERS", "MAX_CSV_BYTES", "csv_text", "load_csv", "save_csv"]

#: Largest CSV file (or CSV text) read, in bytes (50 MB, as for project files).
MAX_CSV_BYTES = 50 * 1024 * 1024

#: Separators a CSV file may use, detected from its header.
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "a tab"}


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
    atomic_write_bytes(path, csv_text(dataset, delimiter).encode("utf-8"))


def csv_text(dataset: Dataset, delimiter: str = ",") -> str:
    """``dataset`` as CSV text: a header row, shortest round-trip numbers, ``\\n`` lines.

    Raises
    ------
    ValueError
        For a delimiter other than ``","``, ``";"`` or a tab.
    """
    if delimiter not in DELIMITERS:
        raise ValueError(f"the delimiter must be ',', ';' or a tab, not {delimiter!r}")
    header = _header_line(dataset.names, delimiter)
    cells = [map(repr, dataset[name].tolist()) for name in dataset.names]
    body = "\n".join(map(delimiter.join, zip(*cells, strict=True)))
    return f"{header}\n{body}\n"


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
    return Dataset.from_checked_columns(arrays)


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
