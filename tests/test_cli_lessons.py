"""gdstudio-cli lesson list|show|check: output and exit codes (0 pass, 1 fail, 2 bad file)."""

from __future__ import annotations

import json
from pathlib import Path

from gdstudio.cli import main
from gdstudio.io.lessons import builtin_lesson, builtin_lessons


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse's own exits
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def test_list_as_json_counts_pages_and_tasks(capsys) -> None:
    code, out, err = run_cli(capsys, "lesson", "list", "--format", "json")
    entries = json.loads(out)
    assert code == 0 and err == ""
    assert [entry["id"] for entry in entries] == [lesson.id for lesson in builtin_lessons()]
    assert len(entries) >= 8
    first = entries[0]
    assert (first["id"], first["title"], first["pages"], first["tasks"]) == (
        "slope", "The slope tells the way", 2, 7)


def test_list_as_a_table(capsys) -> None:
    code, out, _ = run_cli(capsys, "lesson", "list")
    assert code == 0
    assert out.splitlines()[0] == " 1. slope          The slope tells the way (2 pages, 7 tasks)"


def test_show_prints_the_file_text(capsys) -> None:
    code, out, _ = run_cli(capsys, "lesson", "show", "intercept")
    assert code == 0 and out == builtin_lesson("intercept").source
    assert 'format = "gdstudio-lesson"' in out


def test_show_an_unknown_id_is_one_line(capsys) -> None:
    code, out, err = run_cli(capsys, "lesson", "show", "nope")
    assert code == 2 and out == ""
    assert err.startswith("gdstudio-cli: error: there is no built-in lesson 'nope'")
    assert err.count("\n") == 1


def test_check_a_builtin_lesson_passes(capsys) -> None:
    code, out, err = run_cli(capsys, "lesson", "check", "slope")
    assert code == 0 and err == ""
    assert out.splitlines()[0] == (
        "pass  page 1, task 1 (predict): Right: x after step 1 is 2.4 (you said 2.4).")
    assert out.splitlines()[-1] == "slope: all 7 model answers pass"


def test_check_names_the_model_answers_that_fail(capsys, tmp_path: Path) -> None:
    text = builtin_lesson("slope").source
    text = text.replace("answer = 2.4\n", "answer = 2.5\n").replace(
        "answer = { lr = 0.3 }", "answer = { lr = 0.05 }")
    lesson = tmp_path / "mine.gdlesson.toml"
    lesson.write_text(text, encoding="utf-8")
    code, out, err = run_cli(capsys, "lesson", "check", str(lesson))
    assert code == 1
    assert "FAIL  page 1, task 1 (predict): Not quite: x after step 1 is 2.4" in out
    assert "FAIL  page 2, task 4 (reach): Not yet: it took 77 steps, more than 20." in out
    assert out.splitlines()[-1] == "slope: 2 of 7 model answers fail"
    assert err == ("gdstudio-cli: mine.gdlesson.toml: model answers that fail their task: "
                   "page 1, task 1 (predict); page 2, task 4 (reach)\n")


def test_check_refuses_bad_files_with_one_line(capsys, tmp_path: Path) -> None:
    cases = {
        "empty.gdlesson.toml": b"",
        "binary.gdlesson.toml": b"\x00\x01\x02binary",
        "bad.gdlesson.toml": builtin_lesson("slope").source.replace(
            "lr = 0.1\n", "lr = -0.1\n", 1).encode(),
    }
    expected = {
        "empty.gdlesson.toml": "empty.gdlesson.toml: the file is empty",
        "binary.gdlesson.toml": "binary.gdlesson.toml: this is a binary file, not a lesson",
        "bad.gdlesson.toml": "bad.gdlesson.toml, line 29: page 1, experiment.lr must be a "
                             "positive number, not -0.1",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        code, out, err = run_cli(capsys, "lesson", "check", str(tmp_path / name))
        assert (code, out) == (2, ""), name
        assert err == f"gdstudio-cli: error: {expected[name]}\n"
    code, _, err = run_cli(capsys, "lesson", "check", str(tmp_path / "missing.gdlesson.toml"))
    assert code == 2 and "missing.gdlesson.toml: there is no such file" in err


def test_check_an_experiment_that_cannot_run_is_a_bad_file(capsys, tmp_path: Path) -> None:
    # Each value is valid alone, but fit cannot standardise a model that is not a
    # polynomial in its feature: the engine refuses it when the run is built.
    text = builtin_lesson("intercept").source.replace(
        'model = "m*x + b"', 'model = "m*exp(x) + b"', 1).replace(
        "fixed = { m = 2 }", "standardize = true", 1)
    lesson = tmp_path / "exp.gdlesson.toml"
    lesson.write_text(text, encoding="utf-8")
    code, out, err = run_cli(capsys, "lesson", "check", str(lesson))
    assert code == 2 and out == ""
    assert err.startswith("gdstudio-cli: error: exp.gdlesson.toml, line 37: page 1, task 1: "
                          "the experiment cannot run: standardize ")
    assert err.count("\n") == 1


def test_lesson_needs_an_action(capsys) -> None:
    code, _, err = run_cli(capsys, "lesson")
    assert code == 2 and err.count("\n") == 1
