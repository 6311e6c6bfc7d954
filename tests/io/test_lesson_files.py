"""Lesson files: the format is read strictly and bad files are refused with one sentence."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from gdstudio.io.lesson_markup import page_blocks, page_html
from gdstudio.io.lessons import (
    MAX_FILE_BYTES,
    ChooseTask,
    LessonError,
    PredictTask,
    ReachTask,
    builtin_lesson,
    builtin_lessons,
    lesson_from_text,
    lesson_to_text,
    load_lesson,
    save_lesson,
)

SMALL = '''format = "gdstudio-lesson"
version = 1
id = "tiny"
title = "Tiny"

[[page]]
title = "First"
text = "Minimise **x²**."

[page.experiment]
expression = "x^2"
start = { x = 3 }
lr = 0.1
max_iter = 100
tol_step = 1e-4
speed = "max"

[[page.task]]
kind = "predict"
prompt = "x after one step?"
quantity = "x"
answer = 2.4

[[page.task]]
kind = "reach"
prompt = "Converge."
status = "converged"
near = { x = 0 }
answer = { lr = 0.3, tol_grad = false }

[[page.task]]
kind = "choose"
prompt = "Which way?"
answer = 2
locked = true
hints = ["Look at the slope."]

[[page.task.option]]
text = "Up"
feedback = "No."

[[page.task.option]]
text = "Down"
feedback = "Yes."
'''


def refusal(text: str | bytes) -> str:
    with pytest.raises(LessonError) as caught:
        lesson_from_text(text, "t.gdlesson.toml")
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_small_lesson_reads_into_plain_values() -> None:
    lesson = lesson_from_text(SMALL, "t.gdlesson.toml")
    page = lesson.pages[0]
    assert (lesson.id, lesson.title, page.title) == ("tiny", "Tiny", "First")
    assert page.experiment == {"expression": "x^2", "start": {"x": 3.0}, "lr": 0.1,
                               "max_iter": 100, "tol_step": 1e-4}
    assert page.speed == math.inf
    predict, reach, choose = page.tasks
    assert isinstance(predict, PredictTask) and (predict.quantity, predict.step) == ("x", 1)
    assert isinstance(reach, ReachTask) and reach.status == ("converged",)
    assert reach.answer == {"lr": 0.3, "tol_grad": None}  # false switches a rule off
    assert isinstance(choose, ChooseTask) and choose.correct == 1 and choose.locked
    assert choose.hints == ("Look at the slope.",) and len(lesson.tasks) == 3


def test_data_experiment_keeps_the_fit_keywords() -> None:
    lesson = builtin_lesson("intercept")
    assert lesson.pages[0].experiment == {
        "data": {"x": [0.0, 1.0, 2.0, 3.0, 4.0], "y": [1.0, 3.0, 5.0, 7.0, 9.0]},
        "model": "m*x + b", "target": "y", "start": {"b": 10.0}, "fixed": {"m": 2.0},
        "loss": "sse", "lr": 0.01, "max_iter": 30,
    }


def test_eight_builtin_lessons_with_three_tasks_and_a_prediction_each() -> None:
    lessons = builtin_lessons()
    assert [lesson.id for lesson in lessons] == [
        "slope", "learning-rate", "stopping", "intercept", "line", "batches", "momentum",
        "adaptive"]
    for lesson in lessons:
        assert len(lesson.tasks) >= 3, lesson.id
        assert any(isinstance(task, PredictTask) for task in lesson.tasks), lesson.id
        assert lesson.origin.endswith(f"-{lesson.id}.gdlesson.toml")


def test_the_package_data_ships_every_builtin_lesson() -> None:
    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["gdstudio"]
    shipped = {path for pattern in patterns for path in (root / "gdstudio").glob(pattern)}
    files = set((root / "gdstudio" / "resources" / "lessons").iterdir())
    assert files and files <= shipped


def test_unknown_builtin_lesson_lists_the_known_ones() -> None:
    with pytest.raises(LessonError, match=r"no built-in lesson 'nope'.*slope"):
        builtin_lesson("nope")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("lr = 0.1", "lr = -1",
     "t.gdlesson.toml, line 13: page 1, experiment.lr must be a positive number, not -1"),
    ("lr = 0.1", "lr = true", "line 13: page 1, experiment.lr must be a positive number, not true"),
    ("lr = 0.1", "lr = nan", "experiment.lr must be a positive number, not nan"),
    ('quantity = "x"\n', 'quantity = "x"\nanser = 1\n',
     "line 22: page 1, task 1, anser is not a key this table knows"),
    ('prompt = "Converge."\n', "", "line 24: page 1, task 2, prompt is missing"),
    ("start = { x = 3 }", "start = { y = 3 }", "line 12: page 1, experiment.start is missing "
                                               "the start value of x"),
    ('answer = { lr = 0.3, tol_grad = false }', 'answer = { expression = "x" }',
     "line 29: page 1, task 2, answer.expression is not a setting a model answer may change"),
    ('answer = { lr = 0.3, tol_grad = false }', 'answer = { lr = 0 }',
     "line 29: page 1, task 2, answer.lr must be a positive number, not 0"),
    ('answer = { lr = 0.3, tol_grad = false }', 'answer = { momentum = 0.9 }',
     "answer.momentum does not apply to the gd optimizer"),
    ("answer = 2\n", "answer = 3\n", "line 34: page 1, task 3, answer must be from 1 to 2"),
    ('kind = "reach"', 'kind = "guess"', "line 25: page 1, task 2, kind must be one of reach"),
    ('status = "converged"', 'status = "done"', "status must be one of converged"),
    ('near = { x = 0 }', 'near = { z = 0 }', "near.z is not a parameter of the page's experiment"),
    ('speed = "max"', 'speed = "fast"', 'speed must be a number of steps per second or "max"'),
    ('text = "Minimise **x²**."', 'text = "Minimise **x²."', "text has ** that is not closed"),
    ('id = "tiny"', 'id = "Tiny Lesson"', "line 3: id must be lower-case letters"),
    ("version = 1", "version = 7", "version is 7: the lesson was written for a newer"),
    ('format = "gdstudio-lesson"', 'format = "x"', "format must be \"gdstudio-lesson\""),
    ("lr = 0.1", "lr = = 0.1", "t.gdlesson.toml, line 13, column 6: invalid value (TOML)"),
    ('expression = "x^2"', 'expression = "x^2", "y"', "line 11"),
])
def test_bad_values_name_file_line_and_key(old: str, new: str, expected: str) -> None:
    assert old in SMALL
    assert expected in refusal(SMALL.replace(old, new, 1))


def test_a_reach_or_predict_task_needs_an_experiment() -> None:
    text = SMALL.replace("[page.experiment]", "[page.unused]")
    assert "page 1, unused is not a key" in refusal(text)
    start = SMALL.index("[page.experiment]")
    end = SMALL.index("[[page.task]]")
    message = refusal(SMALL[:start] + SMALL[end:])
    assert "page 1, task 1, kind a predict task needs the page to have an experiment" in message


def test_a_hostile_expression_is_refused_without_running(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = SMALL.replace('expression = "x^2"',
                            f'expression = "__import__(\'os\').system(\'touch {marker}\')"')
    message = refusal(hostile)
    assert "line 11: page 1, experiment.expression is not an expression this program" in message
    model = builtin_lesson("intercept").source.replace(
        'model = "m*x + b"', 'model = "().__class__.__bases__[0]"', 1)
    assert "experiment.model is not an expression this program accepts" in refusal(model)
    assert not marker.exists()


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "t.gdlesson.toml: the file is empty"),
    (b"  \n\t\n", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is a binary file, not a lesson"),
    ("title = 'caf\xe9'".encode("latin-1"), "the file is not UTF-8 text"),
    (SMALL[:400].encode(), "(TOML)"),
    (b"x = " + b"[" * 3000 + b"]" * 3000, "nests tables or lists too deeply"),
    (b'title = "no format"\n', 'format is missing'),
    (b"[[page]]\n[[page]]\n", "format is missing"),
])
def test_damaged_empty_and_binary_texts_are_refused(content: bytes, expected: str) -> None:
    assert expected in refusal(content)


def test_files_are_read_with_bounds(tmp_path: Path) -> None:
    good = tmp_path / "good.gdlesson.toml"
    good.write_text("\ufeff" + SMALL, encoding="utf-8")  # a byte order mark is fine
    assert load_lesson(good).origin == "good.gdlesson.toml"
    big = tmp_path / "big.gdlesson.toml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(LessonError, match=r"^big.gdlesson.toml: the file is 1.0 MB, more than"):
        load_lesson(big)
    with pytest.raises(LessonError, match="this is a folder, not a lesson file"):
        load_lesson(tmp_path)
    with pytest.raises(LessonError, match=r"missing\.gdlesson\.toml: there is no such file"):
        load_lesson(tmp_path / "missing.gdlesson.toml")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.gdlesson.toml"
        os.mkfifo(fifo)
        with pytest.raises(LessonError, match="this is not a regular file"):
            load_lesson(fifo)


def test_page_markup_becomes_escaped_html() -> None:
    text = "# Step\nx ← x − α·f′(x)\nstill the same paragraph\n\n- **small** α\n- a < b\n"
    assert [kind for kind, _ in page_blocks(text)] == ["heading", "paragraph", "list"]
    assert page_html(text) == (
        "<h3>Step</h3><p>x ← x − α·f′(x) still the same paragraph</p>"
        "<ul><li><b>small</b> α</li><li>a &lt; b</li></ul>")
    assert page_html("*slow* and `lr`") == "<p><i>slow</i> and <code>lr</code></p>"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("fixed = { m = 2 }", "fixed = { m = 2, b = 1 }",
     "line 30: page 1, experiment.fixed fixes every parameter of the model"),
    ("fixed = { m = 2 }", "fixed = { m = 2 }\nstandardize = true",
     "line 31: page 1, experiment.standardize cannot be combined with fixed parameters"),
    ('target = "y"', 'target = "z"', "experiment.target must be a column of the data (x, y)"),
    ("fixed = { m = 2 }", "fixed = { x = 2 }", "experiment.fixed.x is not a parameter"),
    ('model = "m*x + b"', 'model = "m*x + b + y"', "experiment.model must not use the target"),
    ("y = [1, 3, 5, 7, 9]", "y = [1, 3, 5, 7]", "experiment.data is not a valid table"),
    ("y = [1, 3, 5, 7, 9]", 'y = [1, 3, "5", 7, 9]', "experiment.data.y must be a number"),
    ('loss = "sse"', 'loss = "cross_entropy"', "experiment.loss must be one of sse, mse"),
    ('loss = "sse"', 'loss = "sse"\nexpression = "x"', "experiment.expression cannot go with"),
    ('loss = "sse"', "loss = \"sse\"\nbatch_size = 6", "experiment.batch_size must be from 1 to 5"),
])
def test_data_experiments_are_checked_without_running(old: str, new: str, expected: str) -> None:
    source = builtin_lesson("intercept").source
    assert old in source
    assert expected in refusal(source.replace(old, new, 1))


@pytest.mark.parametrize("lesson", builtin_lessons(), ids=lambda lesson: lesson.id)
def test_written_lessons_read_back_equal(lesson) -> None:
    text = lesson_to_text(lesson)
    assert replace(lesson_from_text(text, lesson.origin), source=lesson.source) == lesson


def test_awkward_text_survives_writing(tmp_path: Path) -> None:
    lesson = lesson_from_text(SMALL, "t.gdlesson.toml")
    awkward = 'Say "hi" and \\n not a newline, """ three quotes, a tab\tand é ∇f x²"'
    page = replace(lesson.pages[0], text=awkward, title='A "quoted" title\\')
    changed = replace(lesson, pages=(page,), summary="line one\nline two")
    path = tmp_path / "awkward.gdlesson.toml"
    save_lesson(changed, path)
    back = load_lesson(path)
    assert back.pages[0].text == awkward and back.pages[0].title == 'A "quoted" title\\'
    assert back.summary == "line one\nline two"
    assert replace(back, source="", origin="") == replace(changed, source="", origin="")


def test_an_invalid_lesson_is_never_written(tmp_path: Path) -> None:
    lesson = lesson_from_text(SMALL, "t.gdlesson.toml")
    path = tmp_path / "bad.gdlesson.toml"
    with pytest.raises(LessonError, match=r"^bad\.gdlesson\.toml, line \d+: id must be"):
        save_lesson(replace(lesson, id="Not An Id"), path)
    assert not path.exists()
    with pytest.raises(LessonError, match="the file cannot be written"):
        save_lesson(lesson, tmp_path / "no" / "such" / "folder.gdlesson.toml")
