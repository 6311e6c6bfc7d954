"""Project files: exact round trips, atomic saving, migration of old versions, and the
refusal of every kind of bad file with one clear sentence."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gdstudio
from gdstudio.engine import StoppingRules
from gdstudio.io import (
    Project,
    ProjectError,
    ProjectTooLargeError,
    SavedHistory,
    load_project,
    project_from_json_text,
    project_to_json_text,
    save_project,
)
from gdstudio.io._migrate import MIGRATIONS, VERSION
from tests.io.samples import TUTORIAL, data_project, function_project, write

HISTORY_COLUMNS = ("params", "loss", "grad", "lr", "step_size", "epoch")


def same_bits(first: np.ndarray, second: np.ndarray) -> bool:
    """Equal bit for bit (NaN payloads aside: JSON keeps only 'a NaN')."""
    nan = np.isnan(first) if first.dtype.kind == "f" else np.zeros(first.shape, bool)
    return (first.dtype == second.dtype and first.shape == second.shape
            and np.array_equal(nan, np.isnan(second) if second.dtype.kind == "f" else nan)
            and first[~nan].tobytes() == second[~nan].tobytes())


def assert_identical(loaded: Project, original: Project) -> None:
    assert loaded == original
    for name in ("mode", "expression", "model", "target", "start", "fixed", "loss",
                 "batch_size", "seed", "standardize", "optimizer", "hyperparameters",
                 "learning_rate", "schedule", "stopping", "title", "notes"):
        assert getattr(loaded, name) == getattr(original, name), name
    if original.data is not None:
        assert loaded.data is not None and loaded.data.names == original.data.names
        for column in original.data.names:
            assert same_bits(loaded.data[column], original.data[column])
    assert (loaded.history is None) == (original.history is None)
    if original.history is not None:
        assert loaded.history is not None
        assert loaded.history.param_names == original.history.param_names
        for column in HISTORY_COLUMNS:
            assert same_bits(getattr(loaded.history, column), getattr(original.history, column))


# ------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("make", [function_project, data_project])
def test_save_and_open_round_trips_every_field(tmp_path: Path, make) -> None:
    project = make()
    path = tmp_path / "lesson.gdstudio"
    save_project(project, path)
    loaded = load_project(path)
    assert_identical(loaded, project)
    assert math.isnan(loaded.history.lr[-1]) and math.isnan(loaded.history.step_size[-1])
    assert not np.isnan(loaded.history.lr[:-1]).any()


def test_data_history_keeps_epochs_and_the_run_replays(tmp_path: Path) -> None:
    project = data_project()
    save_project(project, tmp_path / "fit.gdstudio")
    loaded = load_project(tmp_path / "fit.gdstudio")
    assert loaded.history.epoch.tolist() == (np.arange(26) // 3).tolist()
    rerun = gdstudio.run(loaded.experiment)
    assert same_bits(rerun.history.params, loaded.history.params)


def test_standardised_data_project_round_trips(tmp_path: Path) -> None:
    project = Project(mode="data", data=TUTORIAL, model="m*x + b", standardize=True,
                      learning_rate=0.1, stopping=StoppingRules(max_iter=5))
    project = project.with_history(gdstudio.run(project.experiment).history)
    save_project(project, tmp_path / "z.gdstudio")
    assert_identical(load_project(tmp_path / "z.gdstudio"), project)


def test_awkward_floats_survive_bit_for_bit(tmp_path: Path) -> None:
    special = [0.1, -0.0, 5e-324, 1.7976931348623157e308, 1 / 3, math.inf, -math.inf,
               math.nan, 2.0**-1074 * 3, 123456789.123456789]
    n = len(special)
    history = SavedHistory(("x",), np.array(special)[:, None], np.array(special),
                           np.array(special[::-1])[:, None], np.array(special),
                           np.array(special[::-1]), np.arange(n))
    project = Project(expression="x**2", start={"x": 1}, history=history)
    text = project_to_json_text(project)  # strict JSON: no bare NaN or Infinity
    json.loads(text, parse_constant=lambda name: pytest.fail(f"bare {name} in the file"))
    assert '"NaN"' in text and '"-Infinity"' in text
    save_project(project, tmp_path / "odd.gdstudio")
    assert_identical(load_project(tmp_path / "odd.gdstudio"), project)
    assert math.copysign(1, load_project(tmp_path / "odd.gdstudio").history.loss[1]) == -1


def test_history_converts_back_to_an_engine_history() -> None:
    project = function_project()
    run = gdstudio.run(project.experiment)
    history = project.history.to_history()
    for column in HISTORY_COLUMNS:
        assert same_bits(getattr(history, column), getattr(run.history, column))


def test_from_run_describes_the_run_and_reruns_identically() -> None:
    run = gdstudio.run(data_project().experiment)
    project = Project.from_run(run, title="again")
    assert project.mode == "data" and project.batch_size == 3 and project.seed == 42
    assert project.fixed == {"c": 1.0} and project.optimizer == "momentum"
    assert project.hyperparameters == {"momentum": 0.5}
    rerun = gdstudio.run(project_from_json_text(project_to_json_text(project)).experiment)
    for column in HISTORY_COLUMNS:
        assert same_bits(getattr(rerun.history, column), getattr(run.history, column))


def test_projects_are_normalised_and_checked_when_built() -> None:
    project = Project(expression="x**2 + y**2", start={"y": 2, "x": 1}, optimizer=" SGD ",
                      schedule={"kind": "exponential"})
    assert project.optimizer == "gd" and project.schedule == {"kind": "exponential",
                                                              "gamma": 0.95}
    assert list(project.start) == ["x", "y"] and project.param_names == ("x", "y")
    assert project.to_run_settings().schedule == {"kind": "exponential", "gamma": 0.95}
    with pytest.raises(ProjectError, match=r"settings\.learning_rate must be a positive number"):
        Project(expression="x**2", start={"x": 1}, learning_rate=0)
    with pytest.raises(ProjectError, match=r"problem\.fixed applies only to data mode"):
        Project(expression="x**2", start={"x": 1}, fixed={"x": 1})


# ------------------------------------------------------------------------ saving
def test_interrupted_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    path = tmp_path / "lesson.gdstudio"
    save_project(function_project(), path)
    before = path.read_bytes()

    def crash(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ProjectError, match=r"could not be saved \(No space left on device\); "
                                           "the previous file is unchanged"):
        save_project(data_project(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.gdstudio"]


def test_crash_while_writing_leaves_the_old_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "lesson.gdstudio"
    save_project(function_project(), path)
    before = path.read_bytes()

    def power_cut(descriptor: int) -> None:  # the data is half written when this happens
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", power_cut)
    with pytest.raises(KeyboardInterrupt):
        save_project(data_project(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.gdstudio"]


def test_save_replaces_the_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "lesson.gdstudio"
    save_project(function_project(), path)
    os.chmod(path, 0o640)
    save_project(data_project(), path)
    assert load_project(path).mode == "data"
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o640


def test_save_refuses_a_file_too_large_to_open_again(tmp_path: Path) -> None:
    rows = 700_000  # about 90 MB of JSON
    values = np.random.default_rng(0).normal(size=(rows, 2))
    history = SavedHistory(("x",), values[:, :1], values[:, 1], values[:, :1], values[:, 1],
                           values[:, 0], np.zeros(rows, dtype=int))
    project = Project(expression="x**2", start={"x": float(values[0, 0])}, history=history)
    with pytest.raises(ProjectTooLargeError, match=r"more than the 50 MB.*without its history"):
        save_project(project, tmp_path / "huge.gdstudio")
    assert not list(tmp_path.iterdir())


def test_unwritable_folder_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="could not be saved"):
        save_project(function_project(), tmp_path / "missing" / "lesson.gdstudio")


# ------------------------------------------------------------------------ migration
def test_version_0_is_migrated(tmp_path: Path) -> None:
    old = {"format": "gdstudio-project", "version": 0, "expression": "x**2", "start": 3,
           "lr": 0.1, "max_iter": 100, "precision": 0.0001}
    loaded = load_project(write(tmp_path, json.dumps(old)))
    assert loaded == Project(expression="x**2", start={"x": 3.0}, learning_rate=0.1,
                             stopping=StoppingRules(max_iter=100, tol_step=1e-4))
    assert gdstudio.run(loaded.experiment).iterations == 40
    assert set(MIGRATIONS) == set(range(VERSION))


def test_version_0_with_a_mapping_start_and_defaults(tmp_path: Path) -> None:
    old = {"format": "gdstudio-project", "version": 0, "expression": "x**2 + y**2",
           "start": {"x": 1, "y": 2}, "lr": 0.2}
    loaded = load_project(write(tmp_path, json.dumps(old)))
    assert loaded.start == {"x": 1.0, "y": 2.0} and loaded.stopping == StoppingRules()


@pytest.mark.parametrize(
    ("old", "words"),
    [
        ({"expression": "x**2 + y", "start": 3, "lr": 0.1},
         "in a file of format 0, start is one number, but the expression has 2 variables"),
        ({"expression": "x**2", "start": 3, "lr": 0.1, "speed": 2},
         "in a file of format 0, the file has an unknown key \"speed\""),
        ({"expression": "x**2", "start": 3, "lr": -1},
         "after upgrading the file from format 0: settings.learning_rate must be a positive"),
    ],
)
def test_bad_version_0_files_are_refused(tmp_path: Path, old: dict, words: str) -> None:
    old = {"format": "gdstudio-project", "version": 0, **old}
    with pytest.raises(ProjectError) as error:
        load_project(write(tmp_path, json.dumps(old)))
    assert words in str(error.value)


# ------------------------------------------------------------------------ layers
def test_opening_a_project_needs_neither_qt_nor_sympy() -> None:
    import subprocess
    import sys

    code = ("import sys; from gdstudio.io import load_project; "
            "import gdstudio.io.autosave, gdstudio.io.exports, gdstudio.problems.gallery; "
            "load_project('resources/examples/tutorial_intercept.gdstudio'); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'PySide6', 'shiboken6', 'pyqtgraph', 'sympy'}))")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=root, check=True)
    assert result.stdout.strip() == "[]"
