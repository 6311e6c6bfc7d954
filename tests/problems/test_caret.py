"""``^`` is exactly ``**``: the precedence and grouping of mathematics, errors at the caret.

Python's ``^`` is XOR, which binds more loosely than ``+``; the parser rewrites the text so
``x^2 + 1`` is x² + 1 and never x^(2+1).
"""

from __future__ import annotations

import numpy as np
import pytest

import gdstudio
from gdstudio.problems.expression import ExpressionError, check_syntax, compile_expression

# (caret text, its ** twin, a point with a value for each variable in natural order)
TWINS = [
    ("x^2", "x**2", [2.0]),
    ("x^2 + 1", "x**2 + 1", [2.0]),
    ("2*x^2", "2*x**2", [2.0]),
    ("-x^2 + 10", "-x**2 + 10", [2.0]),
    ("x^2^3", "x**2**3", [1.5]),
    ("x^-1", "x**-1", [2.0]),
    ("x^-2 + x^2", "x**-2 + x**2", [1.7]),
    ("(x-3)^2 + 10*(y+1)^2", "(x-3)**2 + 10*(y+1)**2", [0.0, 0.0]),
    ("x^2/4 + y^2", "x**2/4 + y**2", [1.0, -2.0]),
    ("x^2*y^2", "x**2*y**2", [1.5, 0.5]),
    ("2^x", "2**x", [1.3]),
    ("e^x", "e**x", [0.7]),
    ("e^-x^2", "e**-x**2", [0.7]),
    ("(1 - x)^2 + 100*(y - x^2)^2", "(1 - x)**2 + 100*(y - x**2)**2", [-1.5, 2.0]),
    ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2", [1.0, 1.0]),
    ("sin(x)^2 + cos(y)^2", "sin(x)**2 + cos(y)**2", [0.4, 1.2]),
    ("x^4 - 3*x^2 + x", "x**4 - 3*x**2 + x", [2.0]),
    ("x ^ 2 - y ^ 2", "x ** 2 - y ** 2", [3.0, 1.0]),
    ("x^0.5", "x**0.5", [4.0]),
    ("(x + 1)^(y - 1)", "(x + 1)**(y - 1)", [1.0, 3.0]),
    ("x^2 - x^2^1 + 3*x^3", "x**2 - x**2**1 + 3*x**3", [1.1]),
    ("-2^2 + x^2", "-2**2 + x**2", [3.0]),
    ("x*y^2", "x*y**2", [2.0, 3.0]),
    ("1/x^2", "1/x**2", [2.0]),
    ("abs(x)^3 + exp(y)^2", "abs(x)**3 + exp(y)**2", [-1.2, 0.3]),
]


@pytest.mark.parametrize(("caret", "stars", "point"), TWINS)
def test_a_caret_is_a_power_with_the_same_value_and_gradient(
    caret: str, stars: str, point: list[float]
) -> None:
    left, right = compile_expression(caret), compile_expression(stars)
    assert left.variables == right.variables
    assert left.expression_text == right.expression_text
    params = np.array(point)
    assert left.value(params) == pytest.approx(right.value(params), rel=1e-15)
    np.testing.assert_allclose(left.gradient_at(params), right.gradient_at(params), rtol=1e-15)


@pytest.mark.parametrize(
    ("text", "point", "expected"),
    [
        ("x^2 + 1", [2.0], 5.0),
        ("2*x^2", [2.0], 8.0),
        ("-x^2 + 10", [2.0], 6.0),
        ("x^2^3", [2.0], 256.0),
        ("x^-1", [2.0], 0.5),
        ("(x-3)^2 + 10*(y+1)^2", [0.0, 0.0], 19.0),
    ],
)
def test_the_issue_examples_have_their_mathematical_values(
    text: str, point: list[float], expected: float
) -> None:
    assert compile_expression(text).value(np.array(point)) == expected


def test_the_parsed_form_shown_back_follows_the_real_tree() -> None:
    assert compile_expression("x^2 + 1").expression_text == "x² + 1"
    assert compile_expression("-x^2 + 10").expression_text == "10 - x²"
    assert compile_expression("x^2^3").expression_text == "x⁸"


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("x^^2", 3),  # the second caret
        ("x^", 2),
        ("x^2 + foo(x)", 7),
        ("x^2 + y^", 8),
        ("x^2^3^4^5", 8),  # the fourth level of powers: the last caret
        ("x^2 + 3 x", 9),
        ("x^2 + 1e999", 7),
        ("x^2 + (", 7),
    ],
)
def test_errors_point_at_the_students_own_characters(text: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    assert caught.value.column == column, str(caught.value)


def test_a_syntax_error_after_a_caret_quotes_the_typed_text() -> None:
    with pytest.raises(ExpressionError) as caught:
        check_syntax("x^2 + 2 )")
    assert "**" not in str(caught.value)


def test_the_api_descends_a_caret_expression_like_its_twin() -> None:
    caret = gdstudio.descend("(x-3)^2 + 10*(y+1)^2", start={"x": 0, "y": 0}, lr=0.04)
    stars = gdstudio.descend("(x-3)**2 + 10*(y+1)**2", start={"x": 0, "y": 0}, lr=0.04)
    assert caret.iterations == stars.iterations
    np.testing.assert_array_equal(caret.history.params, stars.history.params)
    assert caret.params["x"] == pytest.approx(3.0, abs=1e-3)
