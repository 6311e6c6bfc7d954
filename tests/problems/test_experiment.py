"""Experiment: one immutable, checked description of a run, behind the API, projects,
the gallery and the command line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

import gdstudio
from gdstudio import Experiment, ExperimentError
from gdstudio.engine import RunSettings, StoppingRules
from gdstudio.io import (
    Project,
    ProjectError,
    load_project,
    project_from_json_text,
    project_to_json_text,
    save_project,
)
from gdstudio.io.csv_files import save_csv
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.experiment import Experiment as TableExperiment
from gdstudio.problems.gallery import example

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
TUTORIAL = {"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]}


# ------------------------------------------------------------------------ the seeds
def test_the_first_tutorial_takes_40_steps() -> None:
    run = gdstudio.run(Experiment.function("x**2", start={"x": 3}, lr=0.1, max_iter=100,
                                           tol_step=1e-4))
    assert run.status == "converged" and run.iterations == 40
    assert f"{run.params['x']:.9f}" == "0.000398768"
    assert run.params["x"] == pytest.approx(3 * 0.8**40, rel=1e-12)


def test_the_intercept_tutorial_project_ends_at_b_1_3815() -> None:
    experiment = load_project(EXAMPLES / "tutorial_intercept.gdstudio").experiment
    run = gdstudio.run(experiment)
    assert run.iterations == 30 and run.params["b"] == pytest.approx(1.3815, abs=5e-5)
    assert run.history.params[1, 0] == pytest.approx(9.1)  # b - 0.01 · 90
    assert run.experiment is experiment and experiment == example("tutorial_intercept").experiment


def test_descend_and_fit_are_run_of_their_experiment() -> None:
    options = {"start": {"b": 10}, "fixed": {"m": 2}, "loss": "sse", "lr": 0.01, "max_iter": 30}
    fitted = gdstudio.fit("m*x + b", TUTORIAL, **options)
    assert fitted.experiment == Experiment.data(TUTORIAL, "m*x + b", **options)
    descended = gdstudio.descend("x**2", 3, lr=0.1, max_iter=5)
    assert descended.experiment == Experiment.function("x**2", {"x": 3.0}, lr=0.1, max_iter=5)


# ------------------------------------------------------------------------ immutable data
def test_an_experiment_is_frozen_and_replace_makes_a_changed_copy() -> None:
    first = Experiment.function("x**2 + y**2", {"x": 1, "y": 2}, optimizer="momentum",
                                momentum=0.5, lr=0.05)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.expression = "x**4"  # type: ignore[misc]
    second = first.replace(lr=0.2, max_iter=7)
    assert (second.settings.learning_rate, second.settings.stopping.max_iter) == (0.2, 7)
    assert second.settings.hyperparameters == {"momentum": 0.5}
    assert first.settings.learning_rate == 0.05 and first.settings.stopping.max_iter == 1000
    adam = first.replace(optimizer="adam")  # momentum does not apply to Adam: it goes
    assert adam.settings.optimizer == "adam" and adam.settings.hyperparameters == {}
    assert first.replace(start={"x": 5, "y": 6}).start == {"x": 5.0, "y": 6.0}
    with pytest.raises(TypeError, match="has no loss"):
        first.replace(loss="sse")


def test_replace_takes_whole_settings_and_keywords_make_it_again() -> None:
    data = Experiment.data(TUTORIAL, "m*x + b", start={"b": 10}, fixed={"m": 2}, loss="sse",
                           batch_size=2, seed=3)
    settings = RunSettings(optimizer="adam", learning_rate=0.3,
                           stopping=StoppingRules(max_iter=9, tol_grad=1e-6))
    changed = data.replace(settings=settings)
    assert changed.settings == settings and changed.dataset is data.dataset
    assert Experiment.data(**changed.keywords()) == changed
    function = Experiment.function("x*y", {"y": 1, "x": 2}, variables=["y", "x"])
    assert function.param_names == ("y", "x")
    assert Experiment.function(**function.keywords()) == function


def test_values_are_normalised_once() -> None:
    experiment = Experiment.function("x**2", 3, optimizer=" SGD ", schedule="exponential")
    assert experiment.start == {"x": 3.0} and isinstance(experiment.start["x"], float)
    assert experiment.settings.optimizer == "gd"
    assert experiment.settings.schedule == {"kind": "exponential", "gamma": 0.95}


def test_data_from_a_csv_path_a_dataset_or_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "tutorial.csv"
    save_csv(Dataset(TUTORIAL), path)
    made = [Experiment.data(source, "m*x + b", fixed={"m": 2})
            for source in (path, str(path), Dataset(TUTORIAL), TUTORIAL)]
    assert all(item == made[0] for item in made)
    assert made[0].param_names == ("b",)
    with pytest.raises(TypeError, match="data must be"):
        Experiment.data([[0, 1]], "m*x + b")


def test_the_problems_layer_reads_no_file_and_the_api_s_experiment_is_its_own(
        tmp_path: Path) -> None:
    path = tmp_path / "tutorial.csv"
    save_csv(Dataset(TUTORIAL), path)
    with pytest.raises(TypeError, match=r"read a CSV path with gdstudio\.Experiment\.data"):
        TableExperiment.data(path, "m*x + b")
    read = Experiment.data(path, "m*x + b")
    assert read == TableExperiment.data(Dataset(TUTORIAL), "m*x + b")
    assert isinstance(read, TableExperiment) and type(read.replace(lr=0.2)) is Experiment


def test_a_project_s_experiment_is_the_public_experiment(tmp_path: Path) -> None:
    loaded = load_project(EXAMPLES / "tutorial_intercept.gdstudio").experiment
    assert isinstance(loaded, gdstudio.Experiment)
    assert isinstance(loaded.replace(lr=0.02), gdstudio.Experiment)
    gallery = example("tutorial_intercept").experiment  # made by the problems layer
    assert type(gallery) is TableExperiment
    made = Project(gallery, title="from the gallery")
    assert type(made.experiment) is Experiment and made.experiment == gallery == loaded
    assert made.experiment.param_names == gallery.param_names
    path = tmp_path / "fit.gdstudio"
    save_project(Project(Experiment.data(TUTORIAL, "m*x + b", lr=0.01, max_iter=5)), path)
    assert isinstance(load_project(path).experiment, gdstudio.Experiment)
    loaded_run, gallery_run = gdstudio.run(loaded), gdstudio.run(gallery)
    assert loaded_run.iterations == gallery_run.iterations == 30
    np.testing.assert_array_equal(loaded_run.history.params, gallery_run.history.params)


# ------------------------------------------------------------------------ one validator
@pytest.mark.parametrize(
    ("keywords", "place", "value", "sentence"),
    [
        ({"lr": True}, "settings.learning_rate", True, "must be a positive number, not true"),
        ({"lr": "0.1"}, "settings.learning_rate", "0.1",
         'must be a positive number, not "0.1"'),
        ({"start": {"x": "3"}}, "problem.start.x", "3", 'must be a finite number, not "3"'),
        ({"start": {"x": False}}, "problem.start.x", False,
         "must be a finite number, not false"),
        ({"max_iter": True}, "settings.stopping.max_iter", True,
         "must be a whole number, not true"),
        ({"tol_step": "1e-4"}, "settings.stopping.tol_step", "1e-4",
         'must be a positive number, not "1e-4"'),
        ({"max_iter": 10**10}, "settings.stopping.max_iter", 10**10,
         "must be at most 50,000,000 (every step is kept in memory), not 10,000,000,000"),
    ],
)
def test_the_api_refuses_what_project_files_refuse_with_the_same_sentence(
    keywords: dict, place: str, value: object, sentence: str
) -> None:
    options = {"start": {"x": 3}, **keywords}
    with pytest.raises(ExperimentError) as from_api:
        gdstudio.descend("x**2", **options)
    keyword = place.rpartition(".")[2] if "stopping" in place else (
        "lr" if place.endswith("learning_rate") else place.removeprefix("problem."))
    assert str(from_api.value) == f"{keyword} {sentence}"

    data = json.loads(project_to_json_text(Project(expression="x**2", start={"x": 3})))
    *parents, last = place.split(".")
    target = data
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value
    with pytest.raises(ProjectError) as from_file:
        project_from_json_text(json.dumps(data))
    assert str(from_file.value) == f"{place} {sentence}"


def test_a_bad_expression_is_the_compilers_error_in_the_api() -> None:
    with pytest.raises(gdstudio.ExpressionError, match="column 6"):
        Experiment.function("x**2 +", {"x": 1})
    with pytest.raises(ProjectError, match=r"^problem\.expression is refused: .*column 6"):
        Project(expression="x**2 +", start={"x": 1})


def test_one_number_is_a_start_only_for_one_variable() -> None:
    with pytest.raises(ExperimentError, match="start must be a mapping of x, y to numbers"):
        Experiment.function("x*y", 1)


# ------------------------------------------------------------------------ projects
def test_a_project_is_an_experiment_with_a_title_notes_and_history() -> None:
    experiment = Experiment.function("x**2", {"x": 3}, lr=0.1, max_iter=100, tol_step=1e-4)
    run = gdstudio.run(experiment)
    project = Project.from_run(run, title="first")
    assert project.experiment is experiment and project.title == "first"
    assert project.history is not None and len(project.history) == 41
    assert project.learning_rate == 0.1 and project.expression == "x**2"  # read through
    again = project_from_json_text(project_to_json_text(project))
    assert again == project and again.experiment == experiment
    with pytest.raises(ProjectError, match="an experiment or its fields, not both"):
        Project(experiment, expression="x**4")


def test_a_script_may_fit_more_data_than_a_project_keeps() -> None:
    rows = 1_000_001  # two columns: 2,000,002 values, two more than a project keeps
    x = np.linspace(0.0, 1.0, rows)
    experiment = Experiment.data(Dataset({"x": x, "y": 2 * x + 1}), "m*x + b", max_iter=1)
    assert experiment.dataset is not None and experiment.dataset.n_rows == rows
    with pytest.raises(ProjectError, match=r"problem\.data has 2,000,002 values, more than "
                                           r"the 2,000,000 a project keeps"):
        Project(experiment)
