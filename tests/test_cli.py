"""gdstudio-cli run: the tutorial's table, CSV and JSON, and one clean line for bad input."""

import json
import subprocess
import sys

import pytest

from gdstudio.cli import main


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse's own exits (bad flags, --version)
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def test_table_reproduces_the_tutorial(capsys) -> None:
    code, out, err = run_cli(capsys, "run", "--expr", "x**2", "--start", "x=3", "--lr", "0.1",
                             "--max-iter", "100", "--tol-step", "1e-4")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["step", "|", "x", "|", "loss", "|", "grad", "x"]
    assert lines[2].split("|")[1].strip() == "3" and lines[3].split("|")[1].strip() == "2.4"
    assert "status: converged after 40 steps" in out
    assert "minimum found at: x = 0.000398" in out
    assert "slope there: 0.000797" in out


def test_csv_has_every_step(capsys) -> None:
    code, out, _ = run_cli(capsys, "run", "--expr", "(x-3)**2 + 10*(y+1)**2", "--start",
                           "x=0,y=0", "--lr", "0.04", "--max-iter", "5", "--format", "csv")
    rows = out.splitlines()
    assert code == 0 and len(rows) == 7
    assert rows[0] == "step,x,y,loss,grad_x,grad_y,lr,step_size,epoch"
    assert rows[1].startswith("0,0.0,0.0,19.0,-6.0,20.0,0.04,")
    assert rows[-1].endswith(",,,0")  # the last point has no update yet


def test_json_matches_the_api(capsys) -> None:
    import gdstudio

    code, out, _ = run_cli(capsys, "run", "--expr", "x**2", "--start", "x=3",
                           "--optimizer", "adam", "--beta1", "0.8", "--schedule", "exponential",
                           "--gamma", "0.9", "--max-iter", "20", "--format", "json")
    data = json.loads(out)
    api = gdstudio.descend("x**2", start={"x": 3}, optimizer="adam", beta1=0.8,
                           schedule={"kind": "exponential", "gamma": 0.9}, max_iter=20)
    assert code == 0
    assert set(data) >= {"status", "iterations", "param_names", "params", "history"}
    assert data["history"]["params"] == api.history.params.tolist()
    assert data["history"]["lr"][:3] == [0.1, 0.09000000000000001, 0.08100000000000002]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "--expr", "x**", "--start", "x=1"], "column"),
        (["run", "--expr", "x**2"], "--start is required"),
        (["run", "--expr", "x**2", "--start", "x"], "NAME=VALUE"),
        (["run", "--expr", "x**2", "--start", "x=abc"], "'abc' is not a number"),
        (["run", "--expr", "x**2", "--start", "x=1", "x=2"], "gives x twice"),
        (["run", "--expr", "x**2", "--start", "y=1"], "missing x"),
        (["run", "--expr", "x**2", "--start", "x=1", "--lr", "fast"], "'fast' is not a number"),
        (["run", "--expr", "x**2", "--start", "x=1", "--optimizer", "magic"],
         "optimizer must be one of"),
        (["run", "--expr", "x**2", "--start", "x=1", "--schedule", "step", "--gamma", "-1"],
         "gamma"),
        (["run", "--expr", "__import__('os')", "--start", "x=1"], "error"),
        (["fly"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, words) -> None:
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert words in err and "Traceback" not in err


def test_the_installed_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gdstudio.cli", "run", "--expr", "x^2", "--start", "x=3",
         "--max-iter", "3"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "status: max_iter after 3 steps" in result.stdout


def test_a_diverged_run_says_so_and_exits_1(capsys) -> None:
    code, out, err = run_cli(capsys, "run", "--expr", "x**2", "--start", "x=3", "--lr", "1.05",
                         "--max-iter", "100")
    assert code == 1 and err == ""
    assert "status: diverged after 6 steps" in out
    assert "reason: α = 1.05 is above the stable limit 2/λmax = 1 here" in out
    assert "minimum found at" not in out and "stopped at: x = 5.31468" in out


def test_a_diverged_csv_run_gives_the_reason_on_stderr(capsys) -> None:
    code, out, err = run_cli(capsys, "run", "--expr", "5*x**2", "--start", "x=3", "--lr", "0.21",
                         "--format", "csv")
    assert code == 1 and out.startswith("step,")
    assert "diverged: α = 0.21 is above the stable limit 2/λmax = 0.2 here" in err


def test_a_run_far_from_converged_says_so(capsys) -> None:
    code, out, _ = run_cli(capsys, "run", "--expr", "x**2", "--start", "x=3", "--lr", "0.01",
                       "--max-iter", "100")
    assert code == 0
    assert "(not converged: the slope is still 0.8 after 100 steps)" in out
    assert "stopped at: x = 0.397859" in out


def test_help_documents_the_exit_codes(capsys) -> None:
    for command in ([], ["run"], ["fit"]):
        code, out, _ = run_cli(capsys, *command, "--help")
        assert code == 0
        assert "0 converged or reached the step limit, 1 diverged" in " ".join(out.split())
        assert "2 bad input" in " ".join(out.split())
