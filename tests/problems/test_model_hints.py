"""Hints when a model's name is fitted as a parameter but looks like a mistyped column."""

from __future__ import annotations

import pytest

from gdstudio.problems.model_hints import parameter_hints


@pytest.mark.parametrize(
    ("names", "columns", "expected"),
    [
        (["m", "z", "b"], ["x", "y"],
         ["z is not a column of d.csv (columns: x, y); it is fitted as a parameter. "
          "Did you mean x?"]),
        (["m", "X", "b"], ["x", "y"],
         ["X is not a column of d.csv (columns: x, y); it is fitted as a parameter. "
          "Did you mean x?"]),
        (["w", "heigth", "b"], ["height", "age", "y"],
         ["heigth is not a column of d.csv (columns: height, age, y); it is fitted as a "
          "parameter. Did you mean height?"]),
        (["m", "z", "b"], ["x", "w", "y"],
         ["z is not a column of d.csv (columns: x, w, y); it is fitted as a parameter. "
          "Did you mean one of x, w?"]),
        (["m", "b"], ["x", "y"],
         ["the model uses no column of d.csv (columns: x, y): it fits a constant, with m, "
          "b as parameters"]),
    ],
)
def test_a_likely_slip_is_named_with_a_suggestion(
    names: list[str], columns: list[str], expected: list[str]
) -> None:
    assert list(parameter_hints(names, columns, "y", "d.csv")) == expected


@pytest.mark.parametrize(
    ("names", "columns"),
    [
        (["m", "x", "b"], ["x", "y"]),  # the tutorial's model
        (["w1", "w2", "x1", "x2", "b"], ["x1", "x2", "y"]),
        (["a", "x", "q"], ["x", "height", "y"]),  # q is not close to an unused column
        (["theta0", "theta1", "x"], ["x", "y"]),
    ],
)
def test_a_model_that_reads_its_columns_gets_no_hint(
    names: list[str], columns: list[str]
) -> None:
    assert parameter_hints(names, columns, "y", "d.csv") == ()


def test_the_target_is_never_suggested() -> None:
    (hint,) = parameter_hints(["m", "z", "b"], ["y", "x"], "y", "d.csv")
    assert hint.endswith("Did you mean x?")
