"""The ``branches`` section of project files: written, read back, and refused when bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gdstudio.engine import RunSettings, StoppingRules
from gdstudio.io import (
    Project,
    ProjectError,
    SavedBranch,
    load_project,
    project_from_json_text,
    project_to_json_text,
    save_project,
)
from gdstudio.io._migrate import VERSION

STOP = StoppingRules(max_iter=100, tol_step=1e-4)


def project_with_branches() -> Project:
    return Project(expression="x**2", start={"x": 3.0}, learning_rate=0.1, stopping=STOP,
                   branches=(SavedBranch("Faster", 0, 12, 20,
                                         RunSettings(learning_rate=0.3, stopping=STOP)),
                             SavedBranch("Momentum", 1, 15, 18,
                                         RunSettings(optimizer="momentum", learning_rate=0.05,
                                                     hyperparameters={"momentum": 0.9}))))


def test_branches_round_trip_through_a_file(tmp_path: Path) -> None:
    project = project_with_branches()
    save_project(project, tmp_path / "b.gdstudio")
    data = json.loads((tmp_path / "b.gdstudio").read_text("utf-8"))
    assert data["version"] == VERSION == 2 and data["branches"]["version"] == 1
    assert [run["name"] for run in data["branches"]["runs"]] == ["Faster", "Momentum"]
    opened = load_project(tmp_path / "b.gdstudio")
    assert opened == project
    assert opened.branches[1].settings.hyperparameters == {"momentum": 0.9}


def test_a_project_without_branches_writes_none_and_old_files_open() -> None:
    plain = Project(expression="x**2", start={"x": 3.0}, learning_rate=0.1)
    assert "branches" not in json.loads(project_to_json_text(plain))
    old = ('{"format": "gdstudio-project", "version": 1, "problem": {"mode": "function", '
           '"expression": "x**2", "start": {"x": 3}}, "settings": {"learning_rate": 0.1}}')
    assert project_from_json_text(old).branches == ()
    first = ('{"format": "gdstudio-project", "version": 0, "expression": "x**2", "start": 3, '
             '"lr": 0.1, "max_iter": 100, "precision": 0.0001}')
    assert project_from_json_text(first).stopping == STOP


def edited(change) -> str:
    data = json.loads(project_to_json_text(project_with_branches()))
    change(data["branches"])
    return json.dumps(data)


@pytest.mark.parametrize(("change", "sentence"), [
    (lambda b: b.update(version=3), "branches.version must be 1, not 3"),
    (lambda b: b.update(runs={}), "branches.runs must be a list, not"),
    (lambda b: b["runs"][0].update(parent=1), "branches.runs[0].parent must be from 0 to 0, "
                                              "not 1"),
    (lambda b: b["runs"][1].update(fork_step=25), "branches.runs[1].fork_step must be from 0 "
                                                  "to 20, not 25"),
    (lambda b: b["runs"][0].update(steps=5), "branches.runs[0].steps must be from 12 to"),
    (lambda b: b["runs"][0]["settings"].update(learning_rate=-1),
     "branches.runs[0].settings.learning_rate must be a positive number, not -1"),
    (lambda b: b["runs"][1]["settings"].update(optimizer="newtonish"),
     "branches.runs[1].settings.optimizer must be one of"),
    (lambda b: b["runs"][0].update(colour="red"), "branches.runs[0] has an unknown key"),
    (lambda b: b["runs"][0].update(name=""), "branches.runs[0].name must not be blank"),
])
def test_bad_branches_are_refused_in_one_sentence(change, sentence: str) -> None:
    with pytest.raises(ProjectError) as caught:
        project_from_json_text(edited(change))
    message = str(caught.value)
    assert sentence in message, message
    assert "\n" not in message and "Traceback" not in message


def test_a_branch_history_of_the_wrong_length_is_refused() -> None:
    def give_history(branches: dict) -> None:
        branches["runs"][0]["history"] = {
            "param_names": ["x"], "params": [[1.0]], "loss": [1.0], "grad": [[2.0]],
            "lr": ["NaN"], "step_size": ["NaN"], "epoch": [0]}

    with pytest.raises(ProjectError, match=r"branches.runs\[0\].history has 1 rows, but a "
                                           r"branch from step 12 to step 20 has 9"):
        project_from_json_text(edited(give_history))
