"""The examples gallery: every example runs headless and ends as its explanation says,
every expression passes the safe compiler's checks, and the teachers' project files in
resources/examples are exactly the gallery's examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gdstudio
from gdstudio.io import Project
from gdstudio.problems.expression import check_syntax
from gdstudio.problems.gallery import EXAMPLES, Example, Expected, example

EXAMPLE_FILES = Path(__file__).resolve().parents[2] / "resources" / "examples"
KEYS = [item.key for item in EXAMPLES]


@pytest.mark.parametrize("item", EXAMPLES, ids=KEYS)
def test_every_example_ends_as_it_says(item: Example) -> None:
    run = gdstudio.run(item.experiment)
    assert item.expected.problems(run) == [], item.expected.describe()


@pytest.mark.parametrize("item", EXAMPLES, ids=KEYS)
def test_every_example_is_well_formed(item: Example) -> None:
    experiment = item.experiment
    text = experiment.expression if experiment.mode == "function" else experiment.model
    assert text is not None and check_syntax(text)
    sentences = [part for part in re.split(r"(?<=[.!?:])\s+(?=[A-Z])", item.explanation) if part]
    assert 2 <= len(sentences) <= 4, sentences
    assert item.title and item.key.isidentifier()
    assert item.expected.status in ("converged", "max_iter", "diverged")
    project = Project.from_example(item)
    assert project.title == item.title and project.notes == item.explanation


def test_the_gallery_has_the_issues_examples() -> None:
    expressions = {item.experiment.expression for item in EXAMPLES
                   if item.experiment.mode == "function"}
    assert {"x**2", "x**4 - 3*x**2 + x", "x**2 - y**2"} <= expressions
    assert sum(item.experiment.mode == "data" for item in EXAMPLES) == 3
    assert len(set(KEYS)) == len(KEYS) >= 12
    saddle = example("saddle")
    assert saddle.expected.status == "diverged" and "without bound" in saddle.explanation
    starts = {example(key).experiment.start["x"] for key in ("two_minima_left", "two_minima_right")}
    assert starts == {-2.0, 2.0}


def test_expected_reports_every_difference() -> None:
    run = gdstudio.run(example("tutorial_x_squared").experiment)
    wrong = Expected("diverged", {"x": 1.0}, 1e-3, iterations=3, message="fell",
                     loss_above=1.0)
    problems = wrong.problems(run)
    assert len(problems) == 5 and problems[0].startswith("status converged, expected diverged")
    assert wrong.describe() == ("ends diverged after 3 steps, near x = 1 (within 0.001), "
                                "saying the loss fell, with a loss above 1")


def test_unknown_example_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="tutorial_x_squared"):
        example("nonsense")


# ------------------------------------------------------------------------ teachers' files
def test_each_example_file_opens_and_equals_its_example() -> None:
    from gdstudio.io import load_project

    files = sorted(EXAMPLE_FILES.glob("*.gdstudio"))
    assert sorted(path.stem for path in files) == sorted(KEYS), (
        "regenerate with: python resources/make_examples.py")
    for path in files:
        assert load_project(path) == Project.from_example(example(path.stem)), path.name
