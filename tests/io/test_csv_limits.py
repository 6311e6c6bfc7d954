"""CSV files with limits: what is read at all, how it is decoded, what a number is."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from gdstudio.io.csv_files import MAX_CSV_BYTES, load_csv
from gdstudio.io.files import FileRefusedError, read_limited
from gdstudio.problems.dataset import DataError, Dataset
from gdstudio.problems.numbers import number_problem, parse_number, parse_numbers
from gdstudio.problems.table_text import parse_block

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
needs_dev_zero = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")


def write(tmp_path: Path, content: bytes | str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# ------------------------------------------------------------------------ what is read
@needs_dev_zero
def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(
        DataError,
        match=r"^/dev/zero: this is not a regular file \(it is a "
        r"device\); a CSV file must be a file on disk$",
    ):
        load_csv("/dev/zero")


@needs_fifo
def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    with pytest.raises(DataError, match=r"this is not a regular file \(it is a pipe\)"):
        load_csv(pipe)


def test_a_file_above_the_limit_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with open(path, "wb") as stream:  # sparse: no 50 MB written
        stream.truncate(MAX_CSV_BYTES + 1)
    with pytest.raises(DataError) as caught:
        load_csv(path)
    assert str(caught.value) == (
        f"{path}: the file is 52.4 MB, more than the 50 MB a CSV file may hold"
    )


def test_csv_bytes_and_text_above_the_limit_are_refused() -> None:
    with pytest.raises(DataError, match="more than the 50 MB a CSV file may hold"):
        load_csv(b"x\n" + b"1\n" * (MAX_CSV_BYTES // 2))
    with pytest.raises(DataError, match=r"the CSV text: the file is .* more than the 50 MB"):
        load_csv("x\n" + "1\n" * (MAX_CSV_BYTES // 2))


def test_projects_and_csv_files_share_one_reader(tmp_path: Path) -> None:
    from gdstudio.io import ProjectError, load_project

    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(FileRefusedError, match="this is a folder, not a CSV file"):
        read_limited(folder, 10, "CSV file")
    with pytest.raises(ProjectError, match="this is a folder, not a project file"):
        load_project(folder)
    small = write(tmp_path, b"12345")
    assert read_limited(small, 5, "CSV file") == b"12345"
    with pytest.raises(FileRefusedError, match=r"the file is 0.0 MB, more than the 4 bytes"):
        read_limited(small, 4, "CSV file")


# ------------------------------------------------------------------------ line breaks
@pytest.mark.parametrize(
    ("content", "row", "column"),
    [
        ('x,y\n1,"1\n5"\n', 1, "y"),
        ('x,y\n1,2\n"3\r\n4",5\n', 2, "x"),
        ('x;y\n1;2\n3;4\n5;"6\n"\n', 3, "y"),
    ],
)
def test_a_quoted_cell_with_a_line_break_is_refused_by_row_and_column(
    tmp_path: Path, content: str, row: int, column: str
) -> None:
    with pytest.raises(DataError) as caught:
        load_csv(write(tmp_path, content))
    assert (caught.value.row, caught.value.column) == (row, column)
    assert str(caught.value) == (
        f"data.csv: row {row} (line {row + 1}), column {column!r}: the "
        "quoted value holds a line break; a cell must be one number "
        "on one line"
    )


def test_quoted_cells_on_one_line_still_load(tmp_path: Path) -> None:
    data = load_csv(write(tmp_path, 'x,y\n"1",2\n3,"4"\n'))
    np.testing.assert_array_equal(data["y"], [2, 4])


# ------------------------------------------------------------------------ encodings
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_files_with_a_byte_order_mark_are_decoded(tmp_path: Path, encoding: str) -> None:
    text = "höhe,y\n1.5,2\n3,4\n"
    raw = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        raw = "\ufeff".encode(encoding) + raw  # as Excel writes "Unicode text"
    data = load_csv(write(tmp_path, raw))
    assert data.names == ("höhe", "y")
    np.testing.assert_array_equal(data["höhe"], [1.5, 3])


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("x,y\n1,2\n".encode("utf-16-le"), "looks like UTF-16 text without a byte order mark"),
        ("x,y\n1,2\né,3\n".encode("cp1252"), "not UTF-8 text: byte 0xe9 on line 3"),
        (b"\xff\xfex\x00\n\x00\x00\xd8", "is not UTF-16 text"),
    ],
)
def test_other_encodings_say_which_encoding_is_needed(
    tmp_path: Path, raw: bytes, words: str
) -> None:
    with pytest.raises(DataError) as caught:
        load_csv(write(tmp_path, raw))
    assert words in str(caught.value)
    assert "save the file as UTF-8 CSV (UTF-16 with a byte order mark is read too)" in str(
        caught.value
    )


# ------------------------------------------------------------------------ the number rule
@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("１２", "'１２' is not a number: write it with the digits 0-9 (not '１')"),
        ("٣", "'٣' is not a number: write it with the digits 0-9 (not '٣')"),
        ("1_000", "'1_000' is not a number: write it without the '_' separators"),
        ("nan", "'nan' is not a finite number"),
        ("-Infinity", "'-Infinity' is not a finite number"),
        ("inf", "'inf' is not a finite number"),
        ("1e999", "'1e999' is too large to be a number here"),
        ("0x10", "'0x10' is not a number"),
    ],
)
def test_cells_follow_one_number_rule_and_are_named(
    tmp_path: Path, cell: str, problem: str
) -> None:
    with pytest.raises(DataError) as caught:
        load_csv(write(tmp_path, f"x,y\n1,2\n3,{cell}\n"))
    assert (caught.value.row, caught.value.column) == (2, "y")
    assert str(caught.value).startswith(f"data.csv: row 2 (line 3), column 'y': {problem}")


@pytest.mark.parametrize("text", ["3", "-0.5", ".5", "1.", "2e-3", "+1E6", " 7 "])
def test_numbers_that_follow_the_rule(text: str) -> None:
    assert number_problem(text) is None
    assert parse_number(text) == float(text)


def test_the_rule_is_the_same_for_pasted_cells_datasets_and_whole_columns() -> None:
    with pytest.raises(ValueError, match=re.escape("line 1, value 2: '1_000' is not a number")):
        parse_block("1\t1_000\n")
    with pytest.raises(DataError, match=re.escape("row 2, column 'x': '２' is not a number")):
        Dataset({"x": ["1", "２"]})
    assert Dataset({"x": ["1", " 2.5 "]})["x"].tolist() == [1.0, 2.5]
    array, bad = parse_numbers(["1", "2", "٣"])
    assert array is None and bad == 2
    array, bad = parse_numbers(["1", "2e3"])
    assert array.tolist() == [1.0, 2000.0] and bad == -1
