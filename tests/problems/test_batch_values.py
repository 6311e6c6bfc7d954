"""A sweep's vectorised values equal one-point values to the last bit (powers included)."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.problems.expression import compile_expression


@pytest.mark.parametrize("scale", [1.0, 3.0, 1e-100, 1e100, 1e150, 1e-150, 1e154, 1e-160])
def test_squares_are_x_times_x_in_every_flavour(scale: float) -> None:
    # x*x is correctly rounded; the C library's pow(x, 2) errs in the last bit about once
    # in a thousand squares, so the samples include squares where the two differ.
    compiled = compile_expression("x**2 + 0*y", ("x", "y"))
    values = np.random.default_rng(4).normal(size=5_000) * scale
    with np.errstate(over="ignore"):
        expected = values * values
    points = np.column_stack([values, np.zeros_like(values)])
    assert np.array_equal(compiled.value_and_grad_batch(points)[0], expected)
    scalar = np.array([compiled.value_and_grad(point)[0] for point in points])
    assert np.array_equal(scalar, expected)
    with np.errstate(over="ignore"):
        array = np.array([float(compiled._array_function(*point)[0]) for point in points])
    assert np.array_equal(array, expected)


def test_the_samples_hold_squares_where_pow_is_not_x_times_x() -> None:
    values = np.random.default_rng(4).normal(size=5_000) * 3.0
    assert (np.float_power(values, 2.0) != values * values).any()


def test_a_compound_base_is_squared_as_one_temporary_times_itself() -> None:
    compiled = compile_expression("(1 - x)**2 + 100*(y - x**2)**2")
    points = np.random.default_rng(8).uniform(-3.0, 3.0, (5_000, 2))
    x, y = points.T
    first, second = 1 - x, y - x * x
    expected = 100 * (second * second) + first * first
    assert np.array_equal(compiled.value_and_grad_batch(points)[0], expected)
    assert np.array_equal([compiled.value(point) for point in points], expected)


def test_a_float_exponent_two_still_calls_pow_in_every_flavour() -> None:
    compiled = compile_expression("x**2.0")
    values = np.random.default_rng(9).normal(size=5_000) * 3.0
    expected = np.float_power(values, 2.0)
    assert np.array_equal(compiled.value_and_grad_batch(values[:, None])[0], expected)
    assert np.array_equal([compiled.value(np.array([value])) for value in values], expected)


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


def test_the_one_point_function_holds_its_whole_numbers_as_floats() -> None:
    # 100*x on a float takes CPython's slow path for mixed types; 100.0*x its float path.
    compiled = compile_expression("(1 - x)**2 + 100*(y - x**2)**2")
    constants = [value for value in compiled.scalar_function.__code__.co_consts
                 if isinstance(value, int | float)]
    assert constants and all(type(value) is float for value in constants)
    assert compiled.scalar_function(-1.5, 2.0) == (12.5, -155.0, -50.0)


@pytest.mark.parametrize("text", ["(2**53 + 1)*x + x**3", "-(2**60 + 1)*x**2 + 3*x"])
def test_whole_numbers_a_double_cannot_hold_compute_as_in_the_array_flavour(text: str) -> None:
    compiled = compile_expression(text)
    values = np.random.default_rng(11).uniform(-3.0, 3.0, 500)
    batch_values, batch_gradients = compiled.value_and_grad_batch(values[:, None])
    for index, value in enumerate(values):
        assert compiled.scalar_function(value) == (batch_values[index],
                                                   batch_gradients[index, 0])
