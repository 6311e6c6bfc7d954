"""Opening a bad project file: every kind is refused with one sentence saying what and
where, quickly, and nothing in the file is ever run."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from gdstudio.io import Project, ProjectError, load_project, project_to_json_text
from gdstudio.io._jsontext import MAX_FILE_BYTES
from tests.io.samples import TUTORIAL, function_project, write

VALID = json.loads(project_to_json_text(function_project()))
DATA_VALID = json.loads(project_to_json_text(Project(mode="data", data=TUTORIAL,
                                                     model="m*x + b")))


def refusal(path: Path) -> str:
    with pytest.raises(ProjectError) as error:
        load_project(path)
    message = str(error.value)
    assert message.startswith(f"{path.name}: ") and "\n" not in message
    return message


OVERFLOW = "1e999 as a literal"  # json.dumps would write inf as the bare word Infinity


def changed(base: dict[str, Any], where: str, value: Any) -> str:
    """JSON text of ``base`` with the value at ``where`` ("settings.learning_rate")
    replaced by ``value``, or removed when ``value`` is ``...``; :data:`OVERFLOW` becomes
    the literal ``1e999`` (which Python's JSON reader turns into inf)."""
    data = copy.deepcopy(base)
    *parents, last = where.split(".")
    holder = data
    for key in parents:
        holder = holder[int(key)] if isinstance(holder, list) else holder[key]
    if value is ...:
        del holder[last]
    elif isinstance(holder, list):
        holder[int(last)] = value
    else:
        holder[last] = value
    return json.dumps(data).replace(json.dumps(OVERFLOW), "1e999")


# ------------------------------------------------------------------------ the file itself
def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "there is no such file" in refusal(tmp_path / "nowhere.gdstudio")
    (tmp_path / "folder.gdstudio").mkdir()
    assert "this is a folder, not a project file" in refusal(tmp_path / "folder.gdstudio")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs file permissions that apply (not root)")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(VALID))
    path.chmod(0)
    assert "the file cannot be read (Permission denied)" in refusal(path)


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.gdstudio"
    with open(path, "wb") as stream:  # sparse: nothing is really written
        stream.truncate(MAX_FILE_BYTES + 1)
    assert "more than the 50 MB a project file may hold" in refusal(path)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "the file is empty"),
        (b"  \n\t ", "the file is empty"),
        ('{"format": "gdstudio-project", "version": 1,\n "title": "caf\u00e9"'.encode("latin-1"),
         "not UTF-8 text (byte 0xe9 on line 2)"),
        ("{}".encode("utf-16"), "the file is UTF-16 text; project files are UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text (byte 0x89 on line 1)"),
        (b'{"format": "gdstudio-project",\n "version": 1,, }',
         "the file is not valid JSON: expecting property name enclosed in double quotes "
         "(line 2, column 15)"),
        (b"[1, 2, 3]", "not a Gradient Descent Studio project: the file holds a list"),
        (b'"hello"', 'the file holds the single value "hello", not an object'),
        (b'{"name": "a spreadsheet"}', 'it has no format, not "format": "gdstudio-project"'),
        (b'{"format": "other-app", "version": 1}', 'it has the format "other-app"'),
        (b'{"format": "gdstudio-project", "version": 7}',
         "was saved by a newer Gradient Descent Studio (format 7); this one reads up to 2"),
        (b'{"format": "gdstudio-project"}', "the file has no version"),
        (b'{"format": "gdstudio-project", "version": "1"}', 'version must be a whole number'),
        (b'{"format": "gdstudio-project", "version": 1, "version": 1}',
         "the key 'version' appears twice in one object"),
        (b'{"format": "gdstudio-project", "version": NaN}', "the bare value NaN, which is not"),
        (b'{"format": "gdstudio-project", "version": ' + b"9" * 5000 + b"}",
         "the file holds a number 5,000 digits long (line 1, column 43); the number is too "
         "long (at most 400 digits)"),
    ],
)
def test_broken_and_foreign_files(tmp_path: Path, content: bytes, words: str) -> None:
    assert words in refusal(write(tmp_path, content))


@pytest.mark.parametrize("fraction", [0.5, 0.13, 0.999])
def test_truncated_file_says_where_it_ends(tmp_path: Path, fraction: float) -> None:
    text = project_to_json_text(function_project())
    cut = text[: int(len(text) * fraction)].rstrip()
    line, column = cut.count("\n") + 1, len(cut) - cut.rfind("\n")
    message = refusal(write(tmp_path, cut))
    assert f"the file ends in the middle of the data (line {line}, column {column})" in message
    assert "cut short" in message


def test_truncated_inside_a_string(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, '{"format": "gdstudio-project", "version": 1, "ti'))
    assert "the file ends in the middle of the data (line 1, column 49)" in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.gdstudio")
    assert "this is not a regular file" in refusal(tmp_path / "pipe.gdstudio")


# ------------------------------------------------------------------------ size and nesting
def test_a_hundred_thousand_brackets_are_refused_quickly(tmp_path: Path) -> None:
    path = write(tmp_path, "[" * 100_000)
    message = refusal(path)
    assert "nests lists and objects more than 20 levels deep (line 1, column 21)" in message


def test_deep_nesting_inside_a_project_is_refused(tmp_path: Path) -> None:
    deep = "[" * 25 + "]" * 25
    text = json.dumps(VALID)[:-1] + f', "extra": {deep}}}'
    assert "more than 20 levels deep" in refusal(write(tmp_path, text))


def test_brackets_inside_strings_do_not_count(tmp_path: Path) -> None:
    notes = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{{{ \\\" [[[[[[[[[[[[[[[[[[[[[["
    project = load_project(write(tmp_path, changed(VALID, "notes", notes)))
    assert project.notes == notes


def test_too_many_history_rows(tmp_path: Path) -> None:
    rows = "[" + "0," * 1_000_000 + "0]"
    text = json.dumps(VALID)[:-1].rsplit(', "history"', 1)[0]
    text += ', "history": {"param_names": ["x", "y"], "params": [], "loss": ' + rows
    text += ', "grad": [], "lr": [], "step_size": [], "epoch": []}}'
    assert "history has 1,000,001 rows, more than the 1,000,000 a project keeps" in refusal(
        write(tmp_path, text))


def test_too_many_data_cells(tmp_path: Path) -> None:
    column = [0.5] * 1_000_001
    text = changed(DATA_VALID, "problem.data", {"x": column, "y": column})
    assert "problem.data has 2,000,002 values, more than the 2,000,000" in refusal(
        write(tmp_path, text))


# ------------------------------------------------------------------------ wrong values
@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        ("settings.learning_rate", -1, "settings.learning_rate must be a positive number, not -1"),
        ("settings.learning_rate", True, "settings.learning_rate must be a positive number, "
                                         "not true"),
        ("settings.learning_rate", "0.1", 'must be a positive number, not "0.1"'),
        ("settings.learning_rate", OVERFLOW, "must be a positive number, not Infinity"),
        ("settings.learning_rate", ..., "settings is missing the key \"learning_rate\""),
        ("settings.lerning_rate", 0.1, 'settings has an unknown key "lerning_rate"'),
        ("settings.optimizer", "magic", 'settings.optimizer must be one of gd, momentum'),
        ("settings.hyperparameters.momentum", 0.5,
         "settings.hyperparameters.momentum does not apply to the adam optimizer"),
        ("settings.hyperparameters.beta1", 1.5,
         "settings.hyperparameters.beta1 must be at least 0 and below 1, not 1.5"),
        ("settings.schedule", {"kind": "exponential", "gamma": False},
         "settings.schedule.gamma must be a number, not false"),
        ("settings.schedule", {"kind": "warp"}, "settings.schedule is refused: unknown schedule"),
        ("settings.schedule", {"gamma": 0.5}, 'settings.schedule is missing its "kind"'),
        ("settings.stopping.max_iter", 10.5, "settings.stopping.max_iter must be a whole number"),
        ("settings.stopping.max_iter", -3, "must be from 0 to 50,000,000, not -3"),
        ("settings.stopping.tol_step", 0, "settings.stopping.tol_step must be a positive number"),
        ("settings.stopping", [], "settings.stopping must be an object, not a list"),
        ("problem.start.x", "3", 'problem.start.x must be a finite number, not "3"'),
        ("problem.start.x", None, "problem.start.x must be a finite number, not null"),
        ("problem.start.z", 1, "problem.start.z is not a variable of the expression"),
        ("problem.start", {"x": 1}, "problem.start is missing y"),
        ("problem.mode", "dream", 'problem.mode must be "function" or "data", not "dream"'),
        ("problem.model", "m*x", 'problem has an unknown key "model"'),
        ("title", 7, "title must be text, not 7"),
        ("notes", "x" * 20_001, "notes is too long (20,001 characters; at most 20,000)"),
        ("history.lr", [0.05], "history.lr has 1 rows, but history.loss has 61"),
        ("history.grad.3", [1.0], "history.grad[3] must be a list of 2 numbers"),
        ("history.loss.5", "abc", 'history.loss[5] must be a number (or "NaN"'),
        ("history.loss.5", True, "history.loss[5] must be a number"),
        ("history.params.2", [1.0, OVERFLOW], "history.params[2][1] is a number too large"),
        ("history.epoch.4", -1, "history.epoch[4] must be at least 0, not -1"),
        ("history.epoch.4", 1.5, "history.epoch[4] must be a whole number, not 1.5"),
        ("history.param_names", ["y", "x"], "history.param_names are y, x, but the problem's "
                                            "parameters are x, y"),
        ("history.extra", [], 'history has an unknown key "extra"'),
        # integers too large for a float (the file allows 400 digits): one sentence each
        ("settings.learning_rate", 10**399, "settings.learning_rate must be a positive "
                                            "number, not a number with 400 digits"),
        ("settings.stopping.tol_loss", 10**399, "settings.stopping.tol_loss must be a "
                                                "positive number, not a number with 400"),
        ("settings.hyperparameters.beta1", -10**399, "settings.hyperparameters.beta1 must "
                                                     "be a finite number, not a number"),
        ("settings.schedule", {"kind": "cosine", "period": 10**399, "min_factor": 0.1},
         "settings.schedule.period must be a finite number, not a number with 400 digits"),
        ("problem.start.y", 10**399, "problem.start.y must be a finite number, not a number "
                                     "with 400 digits"),
        ("history.lr.3", 10**399, "history.lr[3] is a number too large to store"),
    ],
)
def test_wrong_values_are_named_by_where_they_are(tmp_path, where, value, words) -> None:
    assert words in refusal(write(tmp_path, changed(VALID, where, value)))


@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        ("problem.data.x.2", True, "problem.data.x[2] must be a number, not true"),
        ("problem.data.x.2", "7", 'problem.data.x[2] must be a number, not "7"'),
        ("problem.data.x", [1, 2], "problem.data is not valid: column 'y' has 5 values"),
        ("problem.data.x.1", OVERFLOW, "problem.data is not valid: row 2, column 'x': inf"),
        ("problem.target", "z", "problem.target must name a column of the data (x, y)"),
        ("problem.fixed", {"k": 1}, "problem.fixed.k is not a parameter of the model"),
        ("problem.fixed", {"m": 1, "b": 2}, "problem.fixed fixes every parameter"),
        ("problem.start", {"x": 1}, "problem.start.x is not a learnt parameter"),
        ("problem.loss", "huber", "problem.loss must be one of sse, mse, half_mse, mae"),
        ("problem.batch_size", 0, "problem.batch_size must be from 1"),
        ("problem.seed", -1, "problem.seed must be from 0"),
        ("problem.standardize", 1, "problem.standardize must be true or false, not 1"),
        ("problem.expression", "x**2", 'problem has an unknown key "expression"'),
        ("problem.model", "x + y", "problem.target y cannot appear in the model"),
        ("problem.data.x.2", 10**399, "problem.data is not valid: row 3, column 'x': a "
                                      "number with 400 digits is too large"),
        ("problem.fixed", {"m": 10**399}, "problem.fixed.m must be a finite number, not a "
                                          "number with 400 digits"),
    ],
)
def test_wrong_data_values(tmp_path, where, value, words) -> None:
    assert words in refusal(write(tmp_path, changed(DATA_VALID, where, value)))


# ------------------------------------------------------------------------ hostile text
@pytest.mark.parametrize(
    ("base", "where", "text", "words"),
    [
        (VALID, "problem.expression", "__import__('os').system('touch {marker}')",
         "problem.expression is refused: "),
        (VALID, "problem.expression", "open('{marker}', 'w').write('x')",
         "problem.expression is refused: "),
        (VALID, "problem.expression", "(lambda: x)()", "problem.expression is refused: "),
        (VALID, "problem.expression", "x" + "**x" * 400, "problem.expression is refused: "),
        (DATA_VALID, "problem.model", "m*x + b; import os", "problem.model is refused: "),
        (DATA_VALID, "problem.model", "[c for c in ().__class__.__bases__]",
         "problem.model is refused: "),
    ],
)
def test_hostile_expressions_are_refused_and_never_run(tmp_path, base, where, text,
                                                       words) -> None:
    marker = tmp_path / "was_run"
    path = write(tmp_path, changed(base, where, text.format(marker=marker)))
    message = refusal(path)
    assert words in message and len(message) < 300
    assert not marker.exists()
