"""``gdstudio-cli fit``: the tutorial from a CSV file in every format, and one clear line
with exit code 2 for any bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gdstudio.cli import main

TUTORIAL_CSV = "x,y\n0,1\n1,3\n2,5\n3,7\n4,9\n"
TUTORIAL_ARGS = ["--model", "m*x + b", "--start", "b=10", "--fix", "m=2", "--loss", "sse",
                 "--lr", "0.01", "--max-iter", "30"]


@pytest.fixture()
def tutorial_csv(tmp_path: Path) -> Path:
    path = tmp_path / "tutorial.csv"
    path.write_text(TUTORIAL_CSV, encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    code = main(["fit", *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table(capsys: pytest.CaptureFixture[str], tutorial_csv: Path) -> None:
    code, out, err = run_cli(capsys, "--data", str(tutorial_csv), *TUTORIAL_ARGS)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [cell.strip() for cell in lines[0].split(" | ")] == ["step", "b", "loss", "grad b"]
    assert "405" in lines[2] and "9.1" in lines[3]
    assert "not converged: the slope is still 3.8 after 30 steps" in out
    assert "stopped at: b = 1.38152" in out
    assert "fixed: m = 2" in out
    assert "loss sse" in out


def test_csv(capsys: pytest.CaptureFixture[str], tutorial_csv: Path) -> None:
    code, out, _ = run_cli(capsys, "--data", str(tutorial_csv), *TUTORIAL_ARGS, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 31
    assert [round(float(row["b"]), 4) for row in rows[1:4]] == [9.1, 8.29, 7.561]
    assert [round(float(row["loss"]), 2) for row in rows[:3]] == [405.0, 328.05, 265.72]
    assert round(float(rows[-1]["b"]), 4) == 1.3815


def test_json(capsys: pytest.CaptureFixture[str], tutorial_csv: Path) -> None:
    code, out, _ = run_cli(capsys, "--data", str(tutorial_csv), *TUTORIAL_ARGS, "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["params"]["b"] == pytest.approx(1.3815, abs=5e-5)
    assert result["fixed"] == {"m": 2.0}
    assert result["loss"] == "sse"
    assert result["standardization"] is None
    assert result["history"]["epoch"] == [0] * 31


def test_mini_batch_and_standardize(capsys: pytest.CaptureFixture[str], tutorial_csv: Path) -> None:
    arguments = ["--data", str(tutorial_csv), "--model", "m*x + b", "--batch-size", "2",
                 "--seed", "4", "--lr", "0.05", "--max-iter", "12", "--format", "json"]
    first = json.loads(run_cli(capsys, *arguments)[1])
    again = json.loads(run_cli(capsys, *arguments)[1])
    assert first == again
    assert first["history"]["epoch"] == [step // 3 for step in range(13)]
    code, out, _ = run_cli(capsys, "--data", str(tutorial_csv), "--model", "m*x + b",
                           "--standardize", "--lr", "0.1", "--max-iter", "300")
    assert code == 0
    assert "b (standardised)" in out
    assert "features standardised" in out and "x: mean 2, std 1.41421" in out
    assert "minimum found at: b = 1, m = 2" in out


@pytest.mark.parametrize(
    ("content", "arguments", "expected"),
    [
        (None, [], "there is no file"),
        ("x,y\n1,2\n3,abc\n", [], "row 2 (line 3), column 'y': 'abc' is not a number"),
        ("x,y\n", [], "has a header (x, y) but no data rows"),
        (TUTORIAL_CSV, ["--target", "z"], "target must name a column of the data"),
        (TUTORIAL_CSV, ["--model", "m*x + y"], "cannot appear in the model"),
        (TUTORIAL_CSV, ["--model", "2*x"], "no parameters to learn"),
        (TUTORIAL_CSV, ["--fix", "k=1"], "fixed.k is not a parameter of the model"),
        (TUTORIAL_CSV, ["--fix", "m"], "--fix expects NAME=VALUE"),
        (TUTORIAL_CSV, ["--start", "q=1"], "start.q is not a learnt parameter of the model"),
        (TUTORIAL_CSV, ["--loss", "l3"], "loss must be one of"),
        (TUTORIAL_CSV, ["--model", "m*x +"], ""),
        (TUTORIAL_CSV, ["--batch-size", "0"], "batch_size must be from 1"),
        (TUTORIAL_CSV, ["--model", "m*x", "--standardize"], "cannot absorb"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None,
    arguments: list[str], expected: str,
) -> None:
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    model = [] if "--model" in arguments else ["--model", "m*x + b"]
    code, out, err = run_cli(capsys, "--data", str(path), *model, *arguments)
    assert code == 2
    assert out == ""
    assert err.startswith("gdstudio-cli: error: ")
    assert err.count("\n") == 1
    assert expected in err


def test_missing_required_option_is_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["fit", "--model", "m*x + b"])
    assert caught.value.code == 2
    assert "--data" in capsys.readouterr().err


def test_real_command_line(tutorial_csv: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "gdstudio.cli", "fit", "--data", str(tutorial_csv),
         *TUTORIAL_ARGS, "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["params"]["b"] == pytest.approx(1.3815, abs=5e-5)


def test_a_mistyped_column_is_named_on_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "d.csv"
    path.write_text(TUTORIAL_CSV, encoding="utf-8")
    code, out, err = run_cli(capsys, "--data", str(path), "--model", "m*z + b",
                             "--max-iter", "5")
    assert code == 0 and out
    assert err == ("gdstudio-cli: note: z is not a column of d.csv (columns: x, y); it is "
                   "fitted as a parameter. Did you mean x?\n")
