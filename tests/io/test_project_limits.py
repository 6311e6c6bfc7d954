"""Project files refused from a count before parsing, numbers too long, constant functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gdstudio.io import Project, ProjectError, _jsontext, load_project
from gdstudio.io._prescan import check_counts

HEADER = (
    '{"format": "gdstudio-project", "version": 1, "settings": {"learning_rate": 0.1}, "problem": '
)
FUNCTION = '{"mode": "function", "expression": "x**2", "start": {"x": 3}}'


def history_file(rows: int) -> str:
    matrix = ",".join(["[0]"] * rows)
    flat = ",".join(["0"] * rows)
    columns = ", ".join(f'"{name}": [{flat}]' for name in ("loss", "lr", "step_size", "epoch"))
    return (
        f'{HEADER}{FUNCTION}, "history": {{"param_names": ["x"], "params": [{matrix}], '
        f'"grad": [{matrix}], {columns}}}}}'
    )


def data_file(values: int) -> str:
    column = ",".join(["1"] * values)
    problem = f'{{"mode": "data", "data": {{"x": [{column}], "y": [{column}]}}, "model": "m*x"}}'
    return HEADER + problem + "}"


@pytest.fixture()
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the JSON parser is reached."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(_jsontext.json, "loads", refuse)


def test_a_history_with_too_many_rows_is_refused_before_parsing(
    tmp_path: Path, no_parsing: None
) -> None:
    path = tmp_path / "rows.gdstudio"
    path.write_text(history_file(2_000_000), encoding="utf-8")  # 32 MB of short rows
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    assert str(caught.value) == (
        "rows.gdstudio: history has 2,000,000 rows, more than the 1,000,000 a project keeps"
    )


def test_data_with_too_many_values_is_refused_before_parsing(
    tmp_path: Path, no_parsing: None
) -> None:
    path = tmp_path / "cells.gdstudio"
    path.write_text(data_file(1_500_000), encoding="utf-8")
    with pytest.raises(
        ProjectError,
        match=r"problem\.data has 3,000,000 values, more than the "
        "2,000,000 a project keeps",
    ):
        load_project(path)


def test_the_count_passes_files_within_the_limits() -> None:
    check_counts(history_file(1_000_000).encode())
    check_counts(data_file(1_000_000))
    assert json.loads(history_file(3))["history"]["params"] == [[0], [0], [0]]


def test_history_rows_are_counted_from_the_flat_columns_too() -> None:
    text = history_file(10).replace('"loss": [', '"loss": [' + "0," * 1_000_000)
    with pytest.raises(ProjectError, match="history has 1,000,010 rows"):
        check_counts(text.replace('"lr": [', '"lr": [' + "0," * 3_000_000))


@pytest.mark.parametrize(("spelled", "digits"), [("9" * 5000, "5,000"), ("-" + "1" * 401, "401")])
def test_a_number_too_long_says_so(tmp_path: Path, spelled: str, digits: str) -> None:
    path = tmp_path / "long.gdstudio"
    path.write_text(HEADER + FUNCTION.replace('"x": 3', f'"x": {spelled}') + "}", encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    message = str(caught.value)
    assert f"holds a number {digits} digits long (line 1, column " in message
    assert "the number is too long (at most 400 digits)" in message
    assert "set_int_max_str_digits" not in message


@pytest.mark.parametrize("expression", ["5", "pi*2"])
def test_a_constant_function_is_refused_with_one_clear_sentence(
    tmp_path: Path, expression: str
) -> None:
    with pytest.raises(ProjectError) as caught:
        Project(expression=expression, start={})
    assert str(caught.value) == (
        "problem.expression is refused: the function has no variable to descend on"
    )
    path = tmp_path / "constant.gdstudio"
    path.write_text(
        HEADER + FUNCTION.replace('"x**2"', json.dumps(expression)) + "}", encoding="utf-8"
    )
    with pytest.raises(ProjectError, match="the function has no variable to descend on"):
        load_project(path)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            {"learning_rate": 10**5000},
            "settings.learning_rate must be a positive number, not "
            "a number with about 5,001 digits",
        ),
        (
            {"start": {"x": -(10**4400)}},
            "problem.start.x must be a finite number, not a number with about 4,401 digits",
        ),
        ({"learning_rate": 10**400}, "not a number with 401 digits"),
    ],
    ids=["5000-digit-rate", "4400-digit-start", "400-digit-rate"],
)
def test_huge_integers_given_in_code_are_one_sentence(fields: dict, words: str) -> None:
    with pytest.raises(ProjectError) as caught:
        Project(**{"expression": "x**2", "start": {"x": 1}, **fields})
    assert words in str(caught.value) and "set_int_max_str_digits" not in str(caught.value)
