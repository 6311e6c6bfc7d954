"""Inputs that could hang or exhaust a machine: one line on stderr, exit code 2, at once.

Each case runs the real command line in a subprocess. The timeout is a guard against a
hang (a FIFO waits for ever, ``/dev/zero`` never ends), not a measure of speed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gdstudio.io.csv_files import MAX_CSV_BYTES

ROOT = Path(__file__).resolve().parents[1]
FIT = ["--model", "m*x + b", "--lr", "0.01", "--max-iter", "30"]
GUARD_SECONDS = 120


def command_line(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gdstudio.cli", *arguments],
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def refused(*arguments: str) -> str:
    completed = command_line(*arguments)
    assert completed.returncode == 2, completed.stderr
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdstudio-cli: error: "), completed.stderr
    return lines[0]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_refused() -> None:
    assert "this is not a regular file (it is a device)" in refused(
        "fit", "--data", "/dev/zero", *FIT
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    assert "this is not a regular file (it is a pipe)" in refused("fit", "--data", str(pipe), *FIT)


def test_an_oversized_file_is_refused_with_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with open(path, "wb") as stream:
        stream.truncate(MAX_CSV_BYTES + 1)
    assert "more than the 50 MB a CSV file may hold" in refused("fit", "--data", str(path), *FIT)


def test_a_line_break_in_a_cell_is_refused_by_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text('x,y\n0,1\n1,"3\n5"\n', encoding="utf-8")
    line = refused("fit", "--data", str(path), *FIT)
    assert "row 2 (line 3), column 'y': the quoted value holds a line break" in line


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--max-iter", "10000000000000000000000"], "max_iter must be at most 50,000,000"),
        (["--lr", "０.1"], "'０.1' is not a number: write it with the digits 0-9"),
        (["--max-iter", "１０"], "'１０' is not a whole number (digits 0-9)"),
        (["--start", "x=1_000"], "--start x: '1_000' is not a number"),
        # integers beyond a float: the one-sentence refusal, never an OverflowError
        (["--lr", "1" + "0" * 500], "argument --lr: '1" + "0" * 26 + "...' is "
                                    "too large to be a number here"),
        (["--start", "x=-1" + "0" * 500], "--start x: '-1" + "0" * 25 + "...' is "
                                          "too large to be a number here"),
        (["--schedule", "exponential", "--gamma", "9" * 400], "argument --gamma: "),
        (["--tol-grad", "1e500"], "argument --tol-grad: '1e500' is too large"),
    ],
)
def test_impossible_runs_and_foreign_digits_are_refused(arguments, words) -> None:
    line = refused(
        "run",
        "--expr",
        "x**2",
        *(["--start", "x=3"] if "--start" not in arguments else []),
        *arguments,
    )
    assert words in line


@pytest.mark.parametrize("expression", ["5", "pi*2"])
def test_a_constant_function_says_it_has_no_variable(expression: str) -> None:
    line = refused("run", "--expr", expression, "--start", "x=1")
    assert line == "gdstudio-cli: error: the function has no variable to descend on"


def test_running_out_of_memory_is_one_line(monkeypatch, capsys) -> None:
    from gdstudio import api
    from gdstudio.cli import main

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(api, "descend", exhausted)
    assert main(["run", "--expr", "x**2", "--start", "x=3"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "needs more memory than this computer has" in captured.err


def test_a_project_with_a_huge_integer_is_refused_in_one_line(tmp_path: Path) -> None:
    from gdstudio.io import Project, project_to_json_text

    text = project_to_json_text(Project(expression="x**2", start={"x": 3.0}))
    path = tmp_path / "huge.gdstudio"
    path.write_text(text.replace('"learning_rate": 0.1', '"learning_rate": 1' + "0" * 399),
                    encoding="utf-8")
    line = refused("run", "--project", str(path))
    assert ("settings.learning_rate must be a positive number, not a number with 400 digits"
            in line)
