"""Datasets: tables checked when made (every bad value named by row and column), and
generated data. CSV files are tests/io/test_csv_files.py."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.problems.dataset import DataError, Dataset, generate_dataset


# ------------------------------------------------------------------------ Dataset
def test_dataset_copies_and_freezes_columns() -> None:
    x = np.array([1.0, 2.0, 3.0])
    data = Dataset({"x": x, "y": [1, 2, 3]})
    x[0] = 99.0
    assert data["x"][0] == 1.0
    assert data["y"].dtype == np.float64
    with pytest.raises(ValueError, match="read-only"):
        data["x"][0] = 5.0
    assert "x" in data and "z" not in data
    assert list(data) == ["x", "y"]
    assert data.nbytes == 48
    assert repr(data) == "<Dataset 3 rows: x, y>"


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({}, "no columns"),
        ({"x": []}, "no rows"),
        ({"x": [1, 2], "y": [1, 2, 3]}, "column 'y' has 3 values but column 'x' has 2"),
        ({"x": [1, "a", 3]}, "row 2, column 'x': 'a' is not a number"),
        ({"x": [1, None]}, "row 2, column 'x': the value is missing"),
        ({"x": [1.0, float("nan")]}, "row 2, column 'x': nan is not a finite number"),
        ({"x": [[1, 2], [3, 4]]}, "flat sequence"),
        ({"x": 3.0}, "flat sequence"),
        ({" ": [1]}, "blank name"),
        ({1: [1]}, "column names must be text"),
    ],
)
def test_dataset_refuses_bad_columns(columns: dict, expected: str) -> None:
    with pytest.raises(DataError) as caught:
        Dataset(columns)
    assert expected in str(caught.value)


def test_unknown_column_is_a_key_error_naming_the_columns() -> None:
    with pytest.raises(KeyError, match="columns: x"):
        Dataset({"x": [1]})["y"]


# ------------------------------------------------------------------------ generated data
def test_default_generated_data_is_the_tutorials() -> None:
    data = generate_dataset()
    assert data.names == ("x", "y")
    np.testing.assert_array_equal(data["x"], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(data["y"], [1, 3, 5, 7, 9])


def test_generated_noise_is_seeded() -> None:
    first = generate_dataset("3*exp(0.5*t)", noise=0.1, n_points=50, x_range=(0, 2), seed=4)
    again = generate_dataset("3*exp(0.5*t)", noise=0.1, n_points=50, x_range=(0, 2), seed=4)
    other = generate_dataset("3*exp(0.5*t)", noise=0.1, n_points=50, x_range=(0, 2), seed=5)
    assert first.names == ("t", "y")
    np.testing.assert_array_equal(first["y"], again["y"])
    assert not np.array_equal(first["y"], other["y"])
    clean = 3 * np.exp(0.5 * first["t"])
    assert 0.05 < np.std(first["y"] - clean) < 0.2


def test_constant_function_gives_a_column_x() -> None:
    data = generate_dataset("7", n_points=3)
    np.testing.assert_array_equal(data["y"], [7, 7, 7])
    assert data.names == ("x", "y")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"function": "a*x + b"}, "one variable"),
        ({"function": "2*y"}, "y is the generated target"),
        ({"function": "log(x)"}, "not defined at x = 0"),
        ({"n_points": 0}, "n_points"),
        ({"x_range": (4, 0)}, "x_range"),
        ({"noise": -1}, "noise"),
        ({"function": "2*x +"}, "."),
    ],
)
def test_generate_refuses_bad_requests(arguments: dict, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        generate_dataset(**arguments)
