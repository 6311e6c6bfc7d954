"""Projects with Newton's method and the line search: settings and the per-step records
of a saved history (fallback codes, tries) survive a save and an open, bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import gdstudio
from gdstudio.engine import StoppingRules
from gdstudio.io import Project, ProjectError, load_project, project_to_json_text, save_project
from gdstudio.io.project import project_from_json_text

METHOD_COLUMNS = ("params", "loss", "grad", "lr", "step_size", "fallback", "trials_lr",
                  "trials_loss")


def saved_and_opened(project: Project, tmp_path: Path) -> Project:
    path = tmp_path / "run.gdstudio"
    save_project(project, path)
    return load_project(path)


@pytest.mark.parametrize(("optimizer", "hyperparameters", "rate", "expression"), [
    ("newton", {"damping": 0.25}, 0.5, "x**2 - y**2 + y**4"),  # fallbacks, then Newton
    ("armijo", {"armijo_c": 0.2, "shrink": 0.3, "max_backtracks": 9}, 1.0,
     "(1-x)**2 + 100*(y-x**2)**2"),
])
def test_round_trip_with_the_history(tmp_path, optimizer, hyperparameters, rate, expression):
    project = Project(expression=expression, start={"x": -1.2, "y": 0.1}, optimizer=optimizer,
                      hyperparameters=hyperparameters, learning_rate=rate,
                      stopping=StoppingRules(max_iter=12))
    run = gdstudio.run(project.experiment)
    with_history = project.with_history(run.history)
    loaded = saved_and_opened(with_history, tmp_path)
    assert loaded == with_history
    assert loaded.optimizer == optimizer and dict(loaded.hyperparameters) == hyperparameters
    history = loaded.history.to_history()
    for column in METHOD_COLUMNS:
        np.testing.assert_array_equal(getattr(history, column), getattr(run.history, column),
                                      err_msg=column)
    replayed = gdstudio.run(loaded.experiment)  # and the run replays exactly
    for column in METHOD_COLUMNS:
        np.testing.assert_array_equal(getattr(replayed.history, column),
                                      getattr(run.history, column), err_msg=column)


def test_a_failed_search_keeps_its_tries_on_the_last_row(tmp_path: Path) -> None:
    project = Project(expression="x**2", start={"x": 3}, optimizer="armijo",
                      hyperparameters={"max_backtracks": 1}, learning_rate=100.0)
    run = gdstudio.run(project.experiment)
    loaded = saved_and_opened(project.with_history(run.history), tmp_path)
    rates, losses, accepted = loaded.history.to_history().trials(0)
    assert rates.tolist() == [100.0, 50.0] and accepted is None
    assert losses.tolist() == [(3 - 600) ** 2, (3 - 300) ** 2]


def test_other_optimizers_write_no_method_columns() -> None:
    project = Project(expression="x**2", start={"x": 3}, stopping=StoppingRules(max_iter=3))
    text = project_to_json_text(project.with_history(gdstudio.run(project.experiment).history))
    assert "fallback" not in text and "trials" not in text


def _tampered(change) -> str:
    project = Project(expression="x**2", start={"x": 3}, optimizer="armijo", learning_rate=1.0,
                      hyperparameters={"max_backtracks": 2}, stopping=StoppingRules(max_iter=2))
    data = json.loads(project_to_json_text(
        project.with_history(gdstudio.run(project.experiment).history)))
    change(data["history"])
    return json.dumps(data)


@pytest.mark.parametrize(("change", "words"), [
    (lambda h: h.update(fallback=[0, 3, 0]), "history.fallback must hold only the codes 0, 1 "
                                             "and 2"),
    (lambda h: h.update(fallback=[0, 0]), "history.fallback has 2 rows"),
    (lambda h: h.pop("trials_loss"), "needs both trials_lr and trials_loss"),
    (lambda h: h.update(trials_lr=[[], [], []]), "history.trials_lr[0] must be a list of 1 "
                                                 "to 61 numbers"),
    (lambda h: h["trials_loss"][1].append(1.0), "history.trials_loss[1] must be a list of 3 "
                                                "numbers"),
    (lambda h: h["trials_lr"][0].__setitem__(0, "fast"), "history.trials_lr[0][0] must be a "
                                                         "number"),
])
def test_bad_method_columns_are_one_sentence(change, words) -> None:
    with pytest.raises(ProjectError) as caught:
        project_from_json_text(_tampered(change))
    assert words in str(caught.value) and "\n" not in str(caught.value)
