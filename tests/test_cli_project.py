"""``gdstudio-cli run --project``: a saved project runs headless in every format, and a bad
file or a clashing option ends with exit code 2 and one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import gdstudio
from gdstudio.cli import main, render
from gdstudio.io import Project, save_project
from gdstudio.problems.gallery import example

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def test_project_runs_like_the_same_expression(capsys) -> None:
    path = str(EXAMPLES / "tutorial_x_squared.gdstudio")
    code, out, err = run_cli(capsys, "run", "--project", path)
    assert code == 0 and err == ""
    _, same, _ = run_cli(capsys, "run", "--expr", "x**2", "--start", "x=3", "--lr", "0.1",
                         "--max-iter", "100", "--tol-step", "1e-4")
    assert out == same
    assert "status: converged after 40 steps" in out


@pytest.mark.parametrize("output_format", ["table", "csv", "json"])
def test_data_project_in_every_format(capsys, tmp_path: Path, output_format: str) -> None:
    project = Project.from_example(example("tutorial_intercept"))
    save_project(project, tmp_path / "intercept.gdstudio")
    code, out, err = run_cli(capsys, "run", "--project", str(tmp_path / "intercept.gdstudio"),
                             "--format", output_format)
    assert code == 0 and err == ""
    assert out == render(gdstudio.run(project.experiment), output_format)
    if output_format == "json":
        assert json.loads(out)["params"]["b"] == pytest.approx(1.3815, abs=5e-5)


def test_saved_history_does_not_change_the_run(capsys, tmp_path: Path) -> None:
    project = Project.from_example(example("saddle"))
    project = project.with_history(gdstudio.run(project.experiment).history)
    save_project(project, tmp_path / "saddle.gdstudio")
    code, out, _ = run_cli(capsys, "run", "--project", str(tmp_path / "saddle.gdstudio"))
    assert code == 1 and "status: diverged after 89 steps" in out  # 1: diverged


@pytest.mark.parametrize(
    ("content", "extra", "words"),
    [
        (None, (), "nowhere.gdstudio: there is no such file"),
        ("[" * 100_000, (), "more than 20 levels deep"),
        ('{"format": "gdstudio-project", "version": 9}', (), "newer Gradient Descent Studio"),
        ("{\"format\": \"gdstudio-project\", \"ver", (), "ends in the middle of the data"),
        (None, ("--lr", "0.5"), "--lr cannot be combined with --project"),
        (None, ("--start", "x=1"), "--start cannot be combined with --project"),
        (None, ("--max=5",), "--max cannot be combined with --project"),
        (None, ("--expr", "x**2"), "not allowed with argument"),
    ],
)
def test_bad_project_exits_2_with_one_line(capsys, tmp_path, content, extra, words) -> None:
    path = tmp_path / "nowhere.gdstudio"
    if content is not None:
        path = tmp_path / "bad.gdstudio"
        path.write_text(content, encoding="utf-8")
    code, out, err = run_cli(capsys, "run", "--project", str(path), *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert words in err and "Traceback" not in err


def test_run_needs_an_expression_or_a_project(capsys) -> None:
    code, out, err = run_cli(capsys, "run", "--start", "x=1")
    assert code == 2 and out == "" and "one of the arguments --expr --project is required" in err


def test_the_entry_point_runs_a_project() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gdstudio.cli", "run", "--project",
         str(EXAMPLES / "himmelblau.gdstudio"), "--format", "csv"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "step,x,y,loss,grad_x,grad_y,lr,step_size,epoch"
