"""gdstudio-cli with Newton's method and the line search."""

from __future__ import annotations

import json

import pytest

from tests.test_cli import run_cli


def test_newton_from_the_command_line(capsys) -> None:
    code, out, err = run_cli(capsys, "run", "--expr", "x**4 - 3*x**2 + x", "--start", "x=2",
                             "--optimizer", "newton", "--max-iter", "1", "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["history"]["params"][1] == [1.5] and data["history"]["lr"][0] == 1.0
    assert data["history"]["fallback"] == [0, 0]


def test_newton_fallback_is_printed(capsys) -> None:
    code, out, _ = run_cli(capsys, "run", "--expr=-x**2", "--start", "x=1", "--optimizer",
                           "newton", "--lr", "0.1", "--damping", "0.5", "--max-iter", "2")
    assert code == 0
    assert "Newton's method took a gradient step instead at 2 of 2 updates" in out


def test_armijo_options(capsys) -> None:
    code, out, err = run_cli(capsys, "run", "--expr", "(1-x)**2 + 100*(y-x**2)**2",
                             "--start", "x=-1.5,y=2", "--optimizer", "armijo", "--lr", "1",
                             "--armijo-c", "0.3", "--shrink", "0.25", "--backtracks", "9",
                             "--max-iter", "3", "--format", "json")
    assert code == 0 and err == ""
    history = json.loads(out)["history"]
    first = history["trials_lr"][0]
    assert first[0] == 1.0 and first[1] == 0.25 and history["lr"][0] == first[-1]


def test_a_failed_line_search_stops_with_its_reason(capsys) -> None:
    code, out, _ = run_cli(capsys, "run", "--expr", "x**2", "--start", "x=3", "--optimizer",
                           "armijo", "--lr", "100", "--backtracks", "1")
    assert code == 0
    assert "status: stopped after 0 steps (the line search at step 0 found no rate" in out


def test_fit_with_newton_lands_on_least_squares(capsys, tmp_path) -> None:
    data = tmp_path / "line.csv"
    data.write_text("x,y\n0,1\n1,3.5\n2,5\n3,7.2\n4,9\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "fit", "--data", str(data), "--model", "m*x + b",
                           "--optimizer", "newton", "--max-iter", "1", "--format", "json")
    assert code == 0
    params = json.loads(out)["params"]
    assert params["m"] == pytest.approx(1.97, abs=1e-12)  # Sxy/Sxx = 19.7/10
    assert params["b"] == pytest.approx(1.2, abs=1e-12)  # ȳ − m·x̄ = 5.14 − 3.94


@pytest.mark.parametrize(("args", "words"), [
    (["--optimizer", "armijo", "--shrink", "1.5"], "shrink must be above 0 and below 1"),
    (["--optimizer", "armijo", "--backtracks", "99"], "max_backtracks must be a whole number"),
    (["--optimizer", "newton", "--damping", "-2"], "damping must be at least 0"),
    (["--optimizer", "newton", "--expr", "abs(x)"], "newton needs second derivatives"),
])
def test_bad_input_is_one_line(capsys, args, words) -> None:
    base = ["run", "--start", "x=1"] + ([] if "--expr" in args else ["--expr", "x**2"])
    code, out, err = run_cli(capsys, *base, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err, err
