"""CSV files in and out: every accepted form, exact round trips, every refused file named
by row, line and column."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gdstudio.io.csv_files import load_csv, save_csv
from gdstudio.problems.dataset import DataError, Dataset


def write(tmp_path: Path, content: bytes | str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


# ------------------------------------------------------------------------ reading good files
@pytest.mark.parametrize(
    "content",
    [
        "x,y\n0,1\n1,3\n2,5\n",
        "x;y\n0;1\n1;3\n2;5\n",
        "x\ty\n0\t1\n1\t3\n2\t5\n",
        "x,y\r\n0,1\r\n1,3\r\n2,5\r\n",
        "\ufeffx,y\n0,1\n1,3\n2,5",
        ' "x" , y \n 0 , 1\n1,3\n2,"5"\n\n\n',
        "x,y\n0.0,1e0\n1,3.0\n+2,5\n",
    ],
    ids=["comma", "semicolon", "tab", "crlf", "bom-no-final-newline", "quoted-spaced", "forms"],
)
def test_load_csv_reads_every_accepted_form(tmp_path: Path, content: str) -> None:
    data = load_csv(write(tmp_path, content))
    assert data.names == ("x", "y")
    assert data.n_rows == 3
    np.testing.assert_array_equal(data["x"], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(data["y"], [1.0, 3.0, 5.0])
    assert data["x"].dtype == np.float64


def test_load_csv_accepts_text_bytes_and_str_paths(tmp_path: Path) -> None:
    text = "x,y\n0,1\n1,3\n"
    path = write(tmp_path, text)
    for source in (text, text.encode(), str(path), path):
        assert load_csv(source).columns().keys() == {"x", "y"}


def test_single_column_file(tmp_path: Path) -> None:
    data = load_csv(write(tmp_path, "y\n1\n2.5\n"))
    assert data.names == ("y",)
    np.testing.assert_array_equal(data["y"], [1.0, 2.5])


def test_save_and_load_round_trip_is_exact(tmp_path: Path) -> None:
    generator = np.random.default_rng(7)
    original = Dataset({"x 1": generator.normal(size=1000) * 1e-7,
                        "y;2": generator.normal(size=1000) * 1e12})
    for delimiter in (",", ";", "\t"):
        path = tmp_path / f"out{ord(delimiter)}.csv"
        save_csv(original, path, delimiter=delimiter)
        again = load_csv(path)
        assert again.names == original.names
        for name in original.names:
            np.testing.assert_array_equal(again[name], original[name])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_saving_through_a_link_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "data.csv"
    real.write_text("x,y\n0,0\n", encoding="utf-8")
    link = tmp_path / "data.csv"
    link.symlink_to(real)
    save_csv(Dataset({"x": [0.0, 1.0], "y": [1.0, 3.0]}), link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert load_csv(real)["y"].tolist() == [1.0, 3.0]
    assert sorted(path.name for path in shared.iterdir()) == ["data.csv"]  # no temporary left


def test_a_failed_save_keeps_the_previous_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "data.csv"
    path.write_text("x,y\n0,0\n", encoding="utf-8")

    def disk_full(*_arguments: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save_csv(Dataset({"x": [5.0], "y": [6.0]}), path)
    assert path.read_text(encoding="utf-8") == "x,y\n0,0\n"
    assert [entry.name for entry in tmp_path.iterdir()] == ["data.csv"]


def test_many_rows_load_as_whole_columns(tmp_path: Path) -> None:
    rows = 200_000
    x = np.arange(rows, dtype=float) / 7
    path = tmp_path / "big.csv"
    save_csv(Dataset({"x": x, "y": 2 * x + 1}), path)
    data = load_csv(path)
    assert data.n_rows == rows
    np.testing.assert_array_equal(data["x"], x)


# ------------------------------------------------------------------------ refused files
BAD_FILES = [
    ("x,y\n1,2\n3,abc\n", ("row 2", "line 3", "column 'y'", "'abc' is not a number"), 2, "y"),
    ("x,y\n1,2\n3,\n", ("row 2", "line 3", "column 'y'", "missing"), 2, "y"),
    ("x,y\n1,2\n  ,4\n", ("row 2", "column 'x'", "missing"), 2, "x"),
    ("x,y\n1,2\nnan,3\n", ("row 2", "line 3", "column 'x'", "'nan' is not a finite number"),
     2, "x"),
    ("x,y\n1,inf\n", ("row 1", "line 2", "column 'y'", "'inf' is not a finite number"), 1, "y"),
    ("x,y\n1,2\n3,-Infinity\n", ("row 2", "column 'y'", "not a finite number"), 2, "y"),
    ("x,y\n1,2\n3\n", ("row 2", "line 3", "1 value but the header has 2 columns"), 2, None),
    ("x,y\n1,2,3\n", ("row 1", "line 2", "3 values but the header has 2 columns"), 1, None),
    ("x,y\n1,2\n\n3,4\n", ("row 2", "line 3", "blank"), 2, None),
    ("x\n1\n\n2\n", ("row 2", "line 3", "column 'x'", "missing"), 2, "x"),
    ("x;y\n1;2\n1,5;3\n", ("row 2", "column 'x'", "'1,5' is not a number",
                          "write decimals with a point"), 2, "x"),
    ('x,y\n1,2\n"3,4\n', ("row 2", "line 3", "cannot be read"), 2, None),
]


@pytest.mark.parametrize(("content", "expected", "row", "column"), BAD_FILES)
def test_bad_cells_and_rows_are_named_by_row_and_column(
    tmp_path: Path, content: str, expected: tuple[str, ...], row: int, column: str | None
) -> None:
    with pytest.raises(DataError) as caught:
        load_csv(write(tmp_path, content))
    message = str(caught.value)
    assert message.startswith("data.csv")
    for piece in expected:
        assert piece in message
    assert caught.value.row == row
    assert caught.value.column == column


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "data.csv is empty"),
        (b"\n \n\r\n", "data.csv is empty"),
        (b"x,y\n", "has a header (x, y) but no data rows"),
        (b"x,y", "has a header (x, y) but no data rows"),
        (b"x,x\n1,2\n", "column names must be unique: 'x' is both column 1 and column 2"),
        (b"x, X ,x \n1,2,3\n", "'x' is both column 1 and column 3"),
        (b"x,,y\n1,2,3\n", "column 2 of the header has no name"),
        (b"x,y,\n1,2,3\n", "column 3 of the header has no name"),
        (b"\nx,y\n1,2\n", "line 1 is blank"),
        (b"x;y,z\n1\n", "cannot tell the separator"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
        ("x,y\n1,2\n".encode("utf-16-le"), "looks like UTF-16 text without a byte order mark"),
        ("x,y\n1,2\n".encode("utf-32"), "is UTF-32 text; save the file as UTF-8 CSV"),
        ("x,y\n1,2\né,3\n".encode("latin-1"), "not UTF-8 text: byte 0xe9 on line 3"),
    ],
    ids=["empty", "blank-lines", "header-only", "header-no-newline", "duplicate",
         "duplicate-after-strip", "blank-name", "trailing-separator", "blank-first-line",
         "ambiguous-separator", "binary", "utf16-without-bom", "utf32", "latin1"],
)
def test_files_that_are_not_tables_are_refused(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    with pytest.raises(DataError, match=None) as caught:
        load_csv(write(tmp_path, content))
    assert expected in str(caught.value)


def test_missing_file_and_folder_are_value_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="there is no file"):
        load_csv(tmp_path / "absent.csv")
    with pytest.raises(ValueError, match="is a folder"):
        load_csv(tmp_path)


def test_nothing_is_dropped(tmp_path: Path) -> None:
    # A comment-like or text row is an error, never skipped.
    with pytest.raises(DataError, match="'# note' is not a number"):
        load_csv(write(tmp_path, "x,y\n1,2\n# note,3\n"))
