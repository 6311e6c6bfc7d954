"""A sweep's vectorised values equal one-point values to the last bit (powers included)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.problems._libm_square import libm_square
from gdstudio.problems.expression import compile_expression


def python_square(value: float) -> float:
    try:
        return value**2
    except OverflowError:
        return math.inf


@pytest.mark.parametrize("scale", [1.0, 3.0, 1e-100, 1e100, 1e150, 1e-150, 1e154, 1e-160])
def test_libm_square_is_pythons_square_bit_for_bit(scale: float) -> None:
    values = np.random.default_rng(4).normal(size=50_000) * scale
    expected = np.array([python_square(value) for value in values.tolist()])
    assert np.array_equal(libm_square(values), expected)


def test_libm_square_differs_from_x_times_x_where_pow_does() -> None:
    values = np.random.default_rng(5).normal(size=50_000) * 3
    expected = np.array([python_square(value) for value in values.tolist()])
    assert (values * values != expected).sum() > 0  # pow(x, 2) is not always x*x
    assert np.array_equal(libm_square(values), expected)


def test_libm_square_of_special_values() -> None:
    values = np.array([0.0, -0.0, math.nan, math.inf, -math.inf, 2.0**600, 2.0**-530,
                       1.0 + 2.0**-26, 2.0**0.5])
    squares = libm_square(values)
    assert np.array_equal(squares[3:], [math.inf, math.inf, math.inf, 2.0**-1060,
                                        python_square(1.0 + 2.0**-26), python_square(2.0**0.5)])
    assert squares[0] == 0.0 and squares[1] == 0.0 and math.isnan(squares[2])
    assert libm_square(np.array([[3.0, 4.0]])).tolist() == [[9.0, 16.0]]


@pytest.mark.parametrize("text", [
    "(1 - x)**2 + 100*(y - x**2)**2",
    "x**3 - 3*x*y**2 + y**4/4",
    "sqrt(x**2 + y**2 + 1) + 1/(1 + x**2) + x**-2",
    "abs(x)**1.5 + abs(y)**(3/2)",
    "(x + y)**-3",
])
def test_batch_values_equal_one_point_values(text: str) -> None:
    compiled = compile_expression(text)
    points = np.random.default_rng(6).uniform(-3.0, 3.0, (2000, len(compiled.variables)))
    values, gradients = compiled.value_and_grad_batch(points)
    for index, point in enumerate(points):
        value, gradient = compiled.value_and_grad(point)
        assert np.array_equal(values[index], value, equal_nan=True), (index, point)
        assert np.array_equal(gradients[index], gradient, equal_nan=True), (index, point)


def test_batch_values_refuse_a_wrong_shape_in_one_sentence() -> None:
    compiled = compile_expression("x**2 + y**2")
    with pytest.raises(ValueError, match=r"^expected parameters of shape \(K, 2\) for "
                                         r"variables \('x', 'y'\), got shape \(3,\)$"):
        compiled.value_and_grad_batch(np.zeros(3))


def test_exp_and_log_agree_to_a_unit_in_the_last_place() -> None:
    # numpy's vectorised exp and log are not the C library's: equal within rounding only.
    compiled = compile_expression("x**y + exp(x/2) - log(1 + y**2)")
    points = np.random.default_rng(7).uniform(0.1, 3.0, (2000, 2))
    values, gradients = compiled.value_and_grad_batch(points)
    for index, point in enumerate(points):
        value, gradient = compiled.value_and_grad(point)
        assert values[index] == pytest.approx(value, rel=1e-15)
        assert gradients[index] == pytest.approx(gradient, rel=1e-14, abs=1e-300)
