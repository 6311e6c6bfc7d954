"""The batch function run in place (a tape) gives its numbers to the last bit."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from gdstudio.problems import _tape
from gdstudio.problems.expression import compile_expression

TEXTS = [
    "(1 - x)**2 + 100*(y - x**2)**2",
    "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
    "x", "x**2", "2*x", "-x**4 + y", "x*y - x/y", "1/(x**2 + y**2 + 1)",
    "x**3 + sin(y)*exp(-x**2/3)", "sqrt(x**2 + 1) + abs(y)", "x**2.5 + y**(1/3)",
    "log(x**2 + 1)*tanh(y) + pi*x", "cos(x)**2 + sin(y)**2 + x*y*z",
    "exp(x) - x**(-2)", "atan(x) + e*y", "x - 0*y",
    "3**40*x - 2**60*y + 3", "(x - 2**53 - 1)*y",
    "(x*y + 1)*(x*y + 2) - 3*x", "exp(x*y)*x - y/(x + 2)", "((x + 1)*2 - 3)*4 + y*y*y",
]


def _points(count: int, d: int, seed: int = 3) -> np.ndarray:
    points = np.asfortranarray(np.random.default_rng(seed).normal(0.0, 3.0, (count, d)))
    specials = [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e200, -1e-320, 1e-160]
    shown = min(count, len(specials))
    points[:shown] = np.array(specials[:shown])[:, None]
    return points


def _into(compiled, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    loss = np.full(points.shape[0], 7.0)
    grad = np.full(points.shape, 7.0, order="F")
    with np.errstate(all="ignore"):
        compiled.value_and_grad_batch_into(points, loss, grad)
    return loss, grad


@pytest.mark.parametrize("text", TEXTS)
def test_the_tape_equals_the_batch_function_bit_for_bit(text: str) -> None:
    compiled = compile_expression(text)
    assert compiled._batch_tape is not None  # every one of these runs in place
    points = _points(2_000, len(compiled.variables))
    values, gradients = compiled.value_and_grad_batch(points)
    loss, grad = _into(compiled, points)
    assert np.array_equal(loss, values, equal_nan=True)
    assert np.array_equal(grad, gradients, equal_nan=True)
    assert np.array_equal(np.signbit(loss), np.signbit(values))  # -0.0 stays -0.0
    assert np.array_equal(np.signbit(grad), np.signbit(gradients))


def test_rosenbrock_by_hand_and_the_working_set_shrinking() -> None:
    compiled = compile_expression("(1 - x)**2 + 100*(y - x**2)**2")
    for count in (5_000, 3, 5_000, 1):  # buffers are made again for another K
        points = _points(count, 2, seed=count)
        x, y = points.T
        with np.errstate(all="ignore"):
            first, second = 1 - x, y - x * x
            expected = 100 * (second * second) + first * first
            expected_grad = np.column_stack([-400 * x * second + 2 * x - 2,
                                             200 * y - 200 * (x * x)])
        loss, grad = _into(compiled, points)
        assert np.array_equal(loss, expected, equal_nan=True)
        assert np.array_equal(grad, expected_grad, equal_nan=True)


def test_a_hand_worked_first_point() -> None:
    # f = (1 - x)² + 100(y - x²)² at (-1, 2): f = 4 + 100 = 104, ∇f = (-4 - 400·(-1)·1, 200)
    compiled = compile_expression("(1 - x)**2 + 100*(y - x**2)**2")
    loss, grad = _into(compiled, np.array([[-1.0, 2.0]], order="F"))
    assert loss.tolist() == [104.0]
    assert grad.tolist() == [[396.0, 200.0]]


def test_constant_outputs_fill_their_columns() -> None:
    compiled = compile_expression("3*x + 5", ("x", "y"))
    loss, grad = _into(compiled, np.array([[1.0, 9.0], [2.0, 9.0]], order="F"))
    assert loss.tolist() == [8.0, 11.0]
    assert grad.tolist() == [[3.0, 0.0], [3.0, 0.0]]


def test_a_source_of_another_shape_gives_no_tape_and_the_function_is_used() -> None:
    def other(a):  # not a lambdify shape: a loop
        for _ in range(2):
            a = a + 1
        return (a,)

    assert _tape.make_tape(other) is None
    assert _tape.make_tape(len) is None  # no source at all


def test_threads_keep_their_own_buffers() -> None:
    compiled = compile_expression("(x**2 + y - 11)**2 + (x + y**2 - 7)**2")
    points = [_points(count, 2, seed=count) for count in (4_000, 3_000)]
    expected = [compiled.value_and_grad_batch(chunk) for chunk in points]
    failures: list[int] = []

    def work(index: int) -> None:
        for _ in range(30):
            loss, grad = _into(compiled, points[index])
            if not (np.array_equal(loss, expected[index][0], equal_nan=True)
                    and np.array_equal(grad, expected[index][1], equal_nan=True)):
                failures.append(index)

    threads = [threading.Thread(target=work, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_large_working_set_gets_its_values_and_its_buffers_back() -> None:
    compiled = compile_expression("(x**2 + y - 11)**2 + (x + y**2 - 7)**2")
    tape = compiled._batch_tape
    count = (_tape._KEPT_NUMBERS // tape._buffer_count) + 1
    points = _points(count, 2)
    values, gradients = compiled.value_and_grad_batch(points)
    loss, grad = _into(compiled, points)
    assert np.array_equal(loss, values, equal_nan=True)
    assert np.array_equal(grad, gradients, equal_nan=True)
    assert tape._local.buffers == []  # nothing kept between calls at this size


def test_integer_constants_of_arithmetic_run_as_the_same_floats() -> None:
    # numpy converts an int beside a float array at every call; the tape does it once,
    # where the float is the same number (up to 2**53) and the other operand a float array.
    tape = compile_expression("(1 - x)**2 + 100*(y - x**2)**2 + 2**60*x + 3**40*y")._batch_tape
    constants = tape._constants
    assert {type(value) for value in constants} == {float, int}
    integers = {value for value in constants if type(value) is int}
    assert 3**40 in integers and all(abs(value) > 2**53 for value in integers)
    assert {100.0, -400.0, 2.0, 200.0} <= {value for value in constants if type(value) is float}


def test_a_constant_beside_a_kept_call_is_left_as_it_is() -> None:
    # numpy.real is no ufunc: its result is kept as it is and may be of any type, so the
    # 3 beside it stays an int; the 2 beside the argument becomes 2.0.
    source = "def f(_a0):\n    return (3*numpy.real(_a0) + 2*_a0,)\n"
    tape = _tape._Builder(_tape.ast.parse(source)).tape()
    assert tape._constants == [3, 2.0]
    assert [type(value) for value in tape._constants] == [int, float]
    x = np.array([1.5, -2.0, 0.25])
    out = np.empty(3)
    tape.run([x], [out])
    assert np.array_equal(out, 3 * np.real(x) + 2 * x)


def test_the_values_leading_to_an_output_are_written_into_its_destination() -> None:
    # Rosenbrock: x², y - x² and 1 - x are read by several outputs and need buffers; the
    # rest (100·(y - x²)², -400·x, …) are written into the loss and gradient arrays.
    tape = compile_expression("(1 - x)**2 + 100*(y - x**2)**2")._batch_tape
    assert tape._buffer_count == 3
    assert sorted(output for _, output in tape._direct) == [0, 0, 0, 1, 1, 1, 1, 2, 2]


@pytest.mark.parametrize("text", ["(1 - x)**2 + 100*(y - x**2)**2", "x*y - x/y + 3"])
def test_a_bound_evaluation_follows_the_parameters_it_was_bound_to(text: str) -> None:
    compiled = compile_expression(text)
    params = _points(300, 2)
    loss, grad = np.full(300, 7.0), np.full((300, 2), 7.0, order="F")
    evaluate = compiled.bind_batch_into(params, loss, grad)
    for scale in (1.0, -0.5, 3.0):  # the parameters change in place between calls
        params *= scale
        with np.errstate(all="ignore"):
            evaluate()
        expected_loss, expected_grad = _into(compiled, params)
        assert np.array_equal(loss, expected_loss, equal_nan=True)
        assert np.array_equal(grad, expected_grad, equal_nan=True)


def test_a_bound_evaluation_whose_tape_raises_gives_the_functions_numbers(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = compile_expression("(1 - x)**2 + 100*(y - x**2)**2")
    tape = compiled._batch_tape

    def refuse(*_: object) -> None:
        raise ArithmeticError("as a power of huge numbers can")

    monkeypatch.setattr(tape, "_runner", refuse)
    params = _points(50, 2)
    loss, grad = np.empty(50), np.empty((50, 2), order="F")
    with np.errstate(all="ignore"):
        compiled.bind_batch_into(params, loss, grad)()
        values, gradients = compiled.value_and_grad_batch(params)
    assert np.array_equal(loss, values, equal_nan=True)
    assert np.array_equal(grad, gradients, equal_nan=True)


def test_a_bound_evaluation_without_a_tape_evaluates_as_the_function() -> None:
    compiled = compile_expression("(1 - x)**2 + 100*(y - x**2)**2")
    params = np.random.default_rng(5).normal(0.0, 3.0, (40, 2)).astype(np.float32)  # no tape
    loss, grad = np.empty(40), np.empty((40, 2), order="F")
    with np.errstate(all="ignore"):
        compiled.bind_batch_into(params, loss, grad)()
    expected_loss, expected_grad = _into(compiled, params.astype(float))
    assert np.array_equal(loss, expected_loss, equal_nan=True)
    assert np.array_equal(grad, expected_grad, equal_nan=True)
