"""Tests for gdstudio.problems.expression: good inputs, gradients, compiling, the service."""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import pickle
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import sympy

from gdstudio.problems import _compile_service
from gdstudio.problems.expression import (
    CompiledExpression,
    ExpressionAnalysis,
    ExpressionError,
    analyse_expression,
    check_syntax,
    compile_expression,
    shutdown_compile_service,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def _stop_service_afterwards() -> Iterator[None]:
    yield
    shutdown_compile_service()
    assert not _compile_service.SERVICE.running
    names = [child.name for child in multiprocessing.active_children()]  # reaps finished ones
    assert "gdstudio-expression-service" not in names


# --- good inputs -------------------------------------------------------------------------

GOOD: list[tuple[str, tuple[str, ...], dict[str, float], float]] = [
    ("x**2", ("x",), {"x": 3.0}, 9.0),
    ("x^2", ("x",), {"x": 3.0}, 9.0),
    ("(x-3)**2 + 10*(y+1)**2", ("x", "y"), {"x": 1.0, "y": 0.0}, 14.0),
    ("sin(x)*exp(-y)", ("x", "y"), {"x": 0.5, "y": 2.0}, math.sin(0.5) * math.exp(-2.0)),
    ("ln(x)", ("x",), {"x": 2.0}, math.log(2.0)),
    ("log(x)", ("x",), {"x": 2.0}, math.log(2.0)),
    ("abs(x)", ("x",), {"x": -2.5}, 2.5),
    ("pi*x", ("x",), {"x": 2.0}, 2 * math.pi),
    ("e**x", ("x",), {"x": 1.5}, math.exp(1.5)),
    ("-x", ("x",), {"x": 2.0}, -2.0),
    ("+x", ("x",), {"x": 2.0}, 2.0),
    ("2.5e-1*x", ("x",), {"x": 4.0}, 1.0),
    (".5*x", ("x",), {"x": 4.0}, 2.0),
    ("1E2*x", ("x",), {"x": 0.5}, 50.0),
    ("5.*x", ("x",), {"x": 0.5}, 2.5),
    ("  x +\n  y\t* 2  ", ("x", "y"), {"x": 1.0, "y": 2.0}, 5.0),
    ("\n(x\n+\n1)**2\n", ("x",), {"x": 1.0}, 4.0),
    ("sqrt(x) + tanh(y)", ("x", "y"), {"x": 4.0, "y": 0.5}, 2.0 + math.tanh(0.5)),
    ("arctan(x) + asin(y)", ("x", "y"), {"x": 1.0, "y": 0.5}, math.atan(1) + math.asin(0.5)),
    ("x/y/z", ("x", "y", "z"), {"x": 8.0, "y": 2.0, "z": 2.0}, 2.0),
    ("x - (y - z)", ("x", "y", "z"), {"x": 1.0, "y": 2.0, "z": 3.0}, 2.0),
    ("2**-1 * x", ("x",), {"x": 3.0}, 1.5),
    ("x**y", ("x", "y"), {"x": 2.0, "y": 3.0}, 8.0),
    ("x**-2", ("x",), {"x": 2.0}, 0.25),
    ("sec(x) + cot(x)", ("x",), {"x": 1.0}, 1 / math.cos(1) + 1 / math.tan(1)),
    ("w10 + w2 + b + a1", ("a1", "b", "w2", "w10"), {"a1": 1, "b": 2, "w2": 3, "w10": 4}, 10.0),
    ("Y + y + X + x", ("X", "x", "Y", "y"), {"x": 1, "X": 2, "y": 3, "Y": 4}, 10.0),
    ("3", (), {}, 3.0),
    ("x/x", ("x",), {"x": 5.0}, 1.0),
    ("E*e", ("E",), {"E": 2.0}, 2 * math.e),
]  # fmt: skip


@pytest.mark.parametrize(("text", "variables", "point", "expected"), GOOD)
def test_good_inputs_compile_and_evaluate(
    text: str, variables: tuple[str, ...], point: dict[str, float], expected: float
) -> None:
    assert check_syntax(text) == variables
    compiled = compile_expression(text)
    assert compiled.variables == variables
    assert compiled.analysis.variables == variables
    params = np.array([point[name] for name in variables], dtype=float)
    assert compiled.value(params) == pytest.approx(expected, rel=1e-12)
    value, gradient = compiled.value_and_grad(params)
    assert isinstance(value, float)
    assert gradient.shape == (len(variables),)
    assert gradient.dtype == np.float64


def test_analysis_fields() -> None:
    analysis = analyse_expression("(x - 3)**2 + 10*(y + 1)**2")
    assert isinstance(analysis, ExpressionAnalysis)
    assert analysis.text == "(x - 3)**2 + 10*(y + 1)**2"
    assert analysis.variables == ("x", "y")
    assert analysis.wrt == ("x", "y")
    x, y = sympy.symbols("x y", real=True)
    assert analysis.expression == (x - 3) ** 2 + 10 * (y + 1) ** 2
    assert analysis.derivatives == (2 * x - 6, 20 * y + 20)
    assert analysis.expression_text == "(x - 3)² + 10·(y + 1)²"
    assert analysis.derivative_texts == ("2·x - 6", "20·y + 20")
    assert all(symbol.is_real for symbol in analysis.expression.free_symbols)


@pytest.mark.parametrize(
    ("text", "expression_text", "derivative_texts"),
    [
        ("x**2", "x²", ("2·x",)),
        ("x^3", "x³", ("3·x²",)),
        ("x**-2", "x⁻²", ("-2/x³",)),
        ("pi*x", "π·x", ("π",)),
        ("abs(x)", "|x|", ("sign(x)",)),
        ("x**y", "x^y", ("x^y·y/x", "x^y·log(x)")),
        ("(x**y)**z", "(x^y)^z", None),
        ("0.25*x", "0.25·x", ("0.25",)),
        ("sqrt(x)", "sqrt(x)", ("1/(2·sqrt(x))",)),
        ("5", "5", ()),
    ],
)
def test_one_line_texts(
    text: str, expression_text: str, derivative_texts: tuple[str, ...] | None
) -> None:
    analysis = analyse_expression(text)
    assert analysis.expression_text == expression_text
    if derivative_texts is not None:
        assert analysis.derivative_texts == derivative_texts
    for line in (analysis.expression_text, *analysis.derivative_texts):
        assert "\n" not in line
        assert "*" not in line


def test_wrt_may_name_absent_variables() -> None:
    analysis = analyse_expression("x**2", wrt=["z", "x"])
    assert analysis.variables == ("x",)
    assert analysis.wrt == ("z", "x")
    assert analysis.derivatives[0] == 0
    assert analysis.derivative_texts == ("0", "2·x")


# --- gradients against finite differences ------------------------------------------------

# (text, function giving a random point inside the domain)
GRADIENT_CASES: list[tuple[str, Callable[[np.random.Generator, int], np.ndarray]]] = [
    ("x**2", lambda rng, n: rng.uniform(-3, 3, n)),
    ("(x-3)**2 + 10*(y+1)**2", lambda rng, n: rng.uniform(-3, 3, n)),
    ("sin(x)*exp(-y)", lambda rng, n: rng.uniform(-2, 2, n)),
    ("x**y", lambda rng, n: rng.uniform(0.5, 2.0, n)),
    ("log(x*y) + sqrt(x)", lambda rng, n: rng.uniform(0.5, 3.0, n)),
    ("(1 - x)**2 + 100*(y - x**2)**2", lambda rng, n: rng.uniform(-1.5, 1.5, n)),
    ("tanh(a*b - c) / (1 + c**2)", lambda rng, n: rng.uniform(-1, 1, n)),
    ("abs(x) + x*y", lambda rng, n: rng.uniform(0.2, 2, n) * rng.choice([-1, 1], n)),
    ("atan(x/y) + cosh(y)", lambda rng, n: rng.uniform(0.5, 2, n)),
    ("exp(-(x**2 + y**2)/2) * cos(3*x)", lambda rng, n: rng.uniform(-1.5, 1.5, n)),
    ("x**(1/3) + y**-2", lambda rng, n: rng.uniform(0.5, 2, n)),
    ("sec(x) + cot(y) + csc(z)", lambda rng, n: rng.uniform(0.3, 1.2, n)),
    ("asinh(x) + acosh(y + 2) + atanh(z/2)", lambda rng, n: rng.uniform(-0.9, 0.9, n)),
    ("w1*x1 + w2*x2 + w10*x10 - b", lambda rng, n: rng.uniform(-2, 2, n)),
]


@pytest.mark.parametrize(("text", "sample"), GRADIENT_CASES)
def test_gradients_match_central_differences(
    text: str, sample: Callable[[np.random.Generator, int], np.ndarray]
) -> None:
    compiled = compile_expression(text)
    count = len(compiled.variables)
    rng = np.random.default_rng(12345)
    for _ in range(5):
        point = sample(rng, count)
        value, gradient = compiled.value_and_grad(point)
        step = 1e-6
        estimate = np.empty(count)
        for index in range(count):
            shift = np.zeros(count)
            shift[index] = step * max(1.0, abs(point[index]))
            estimate[index] = (compiled.value(point + shift) - compiled.value(point - shift)) / (
                2 * shift[index]
            )
        np.testing.assert_allclose(gradient, estimate, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(compiled.gradient_at(point), gradient)
        assert compiled.value(point) == value


# --- compiling ---------------------------------------------------------------------------


def test_variables_may_include_names_absent_from_the_text() -> None:
    compiled = compile_expression("x**2", variables=("x", "y"))
    assert compiled.variables == ("x", "y")
    value, gradient = compiled.value_and_grad(np.array([3.0, 5.0]))
    assert value == 9.0
    np.testing.assert_array_equal(gradient, [6.0, 0.0])
    assert compiled.gradient_texts == ("2·x", "0")
    assert compiled.expression_text == "x²"


def test_variables_fix_the_parameter_order() -> None:
    compiled = compile_expression("x - 2*y", variables=["y", "x"])
    value, gradient = compiled.value_and_grad(np.array([1.0, 10.0]))
    assert value == 8.0
    np.testing.assert_array_equal(gradient, [-2.0, 1.0])


def test_missing_variable_is_named() -> None:
    with pytest.raises(ExpressionError, match="'y'") as info:
        compile_expression("x + y", variables=("x",))
    assert "not one of the variables" in str(info.value)


@pytest.mark.parametrize(
    ("variables", "fragment"),
    [(("x", "x"), "twice"), (("sin",), "function"), (("pi",), "constant"), (("_a",), "letter")],
)
def test_bad_variable_lists(variables: tuple[str, ...], fragment: str) -> None:
    with pytest.raises(ExpressionError, match=fragment):
        compile_expression("x", variables=variables)


def test_a_single_string_is_not_a_variable_list() -> None:
    with pytest.raises(TypeError):
        compile_expression("x*y", variables="xy")


def test_variable_names_never_collide_with_generated_code() -> None:
    # x0, x1 are the names sympy's cse uses; numpy/math/sin-like names are in the namespace.
    compiled = compile_expression("x0**2 + x1*x0 + numpy*math + where + power")
    point = np.array([2.0, 3.0, 5.0, 7.0, 11.0, 13.0])
    names = compiled.variables
    assert names == ("math", "numpy", "power", "where", "x0", "x1")
    values = dict(zip(names, point, strict=True))
    expected = values["x0"] ** 2 + values["x1"] * values["x0"] + values["numpy"] * values["math"]
    expected += values["where"] + values["power"]
    value, gradient = compiled.value_and_grad(point)
    assert value == pytest.approx(expected)
    assert gradient[names.index("x0")] == pytest.approx(2 * values["x0"] + values["x1"])


def test_value_and_grad_returns_fresh_arrays() -> None:
    compiled = compile_expression("x**2 + y")
    params = np.array([1.0, 2.0])
    _, first = compiled.value_and_grad(params)
    _, second = compiled.value_and_grad(params)
    assert first is not second
    first[:] = -99.0
    np.testing.assert_array_equal(compiled.value_and_grad(params)[1], [2.0, 1.0])
    np.testing.assert_array_equal(params, [1.0, 2.0])


def test_constant_gradients_are_float_arrays() -> None:
    compiled = compile_expression("2*x + 3*y + 1")
    value, gradient = compiled.value_and_grad(np.array([0.0, 0.0]))
    assert value == 1.0
    assert gradient.dtype == np.float64
    np.testing.assert_array_equal(gradient, [2.0, 3.0])


def test_parameter_checks() -> None:
    compiled = compile_expression("x*y")
    assert compiled.value_and_grad([2, 3])[0] == 6.0  # a list works (slow path)
    assert compiled.value_and_grad(np.array([2, 3]))[0] == 6.0  # integers work
    for bad in (np.array([1.0]), np.array([[1.0, 2.0]]), np.array([[1.0], [2.0]]), 1.0):
        with pytest.raises(ValueError, match="shape"):
            compiled.value_and_grad(bad)


@pytest.mark.parametrize(
    ("text", "point", "value", "gradient"),
    [
        ("log(x)", 0.0, -math.inf, math.inf),
        ("1/x", 0.0, math.inf, -math.inf),
        ("sqrt(x)", -1.0, math.nan, math.nan),
        ("x**0.5", -4.0, math.nan, math.nan),
        ("abs(x**1.5)", -4.0, math.nan, math.nan),
        ("exp(x)", 1000.0, math.inf, math.inf),
        ("x**2", 1e200, math.inf, 2e200),
        ("acosh(x)", 0.5, math.nan, math.nan),
        ("sin(x)", math.inf, math.nan, math.nan),
    ],
)
def test_out_of_domain_values_are_inf_or_nan_without_warnings(
    text: str, point: float, value: float, gradient: float
) -> None:
    compiled = compile_expression(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result, grad = compiled.value_and_grad(np.array([point]))
    np.testing.assert_equal(result, value)
    np.testing.assert_equal(grad, [gradient])
    assert isinstance(result, float)


def test_evaluate_grid_shapes() -> None:
    compiled = compile_expression("x**2 + y")
    xs, ys = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(0, 2, 3))
    grid = compiled.evaluate_grid(xs, ys)
    assert grid.shape == (3, 4)
    np.testing.assert_allclose(grid, xs**2 + ys)
    broadcast = compiled.evaluate_grid(
        np.linspace(-1, 1, 4)[None, :], np.linspace(0, 2, 3)[:, None]
    )
    np.testing.assert_allclose(broadcast, grid)
    assert compiled.evaluate_grid(np.array(2.0), np.array(1.0)).shape == ()
    with pytest.raises(ValueError, match="2 coordinate arrays"):
        compiled.evaluate_grid(xs)


def test_evaluate_grid_of_constants_and_absent_variables() -> None:
    constant = compile_expression("2 + pi", variables=("x", "y"))
    xs, ys = np.meshgrid(np.arange(4.0), np.arange(3.0))
    grid = constant.evaluate_grid(xs, ys)
    assert grid.shape == (3, 4)
    np.testing.assert_allclose(grid, 2 + math.pi)
    grid[0, 0] = 0.0  # writable, not a broadcast view
    one_variable = compile_expression("x", variables=("x", "y"))
    result = one_variable.evaluate_grid(xs, ys)
    assert result.shape == (3, 4)
    assert result is not xs and not np.shares_memory(result, xs)
    no_variables = compile_expression("3")
    assert no_variables.evaluate_grid().shape == ()
    assert float(no_variables.evaluate_grid()) == 3.0


def test_evaluate_grid_has_no_warnings() -> None:
    compiled = compile_expression("log(x) + 1/y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grid = compiled.evaluate_grid(np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1.0, 2.0]))
    assert math.isnan(grid[0]) and grid[1] == -math.inf and grid[2] == 0.5


def test_compiled_expression_pickles() -> None:
    compiled = compile_expression("x**2 + 3*y", variables=("x", "y", "z"))
    copy = pickle.loads(pickle.dumps(compiled))
    assert copy == compiled
    assert copy.value_and_grad(np.array([1.0, 1.0, 1.0]))[0] == 4.0


def test_compiled_expression_can_be_built_from_an_analysis() -> None:
    analysis = analyse_expression("x*y")
    compiled = CompiledExpression(analysis, ("y", "x"))
    np.testing.assert_array_equal(compiled.gradient_at(np.array([2.0, 5.0])), [5.0, 2.0])


def test_results_are_cached() -> None:
    assert analyse_expression("x**2 + 17") is analyse_expression("x**2 + 17")


def test_value_and_grad_gives_the_value_and_the_slope() -> None:
    compiled = compile_expression("x**2")
    for _ in range(3):  # the same answer every call (speed: benchmarks/bench_engine.py)
        value, grad = compiled.value_and_grad(np.array([0.3]))
        assert value == pytest.approx(0.09) and grad.tolist() == [pytest.approx(0.6)]


# --- check_syntax ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x" * 100_000,
        "-" * 999 + "x",
        "+".join(["x"] * 500),
        "*".join(["(x+1)"] * 166),
        "(" * 50 + "x" + ")" * 50,
        "**".join(["x1"] * 250),
        "sin(" * 50 + "x" + ")" * 50,
        "1" * 1000,
        "x" * 999 + "é",
    ],
)
def test_check_syntax_answers_any_input_without_crashing(text: str) -> None:
    # Either accepted or refused with one sentence: never a RecursionError or a hang.
    # (Its speed on these inputs: benchmarks/bench_parser.py.)
    with contextlib.suppress(ExpressionError):
        check_syntax(text)


def test_check_syntax_does_not_need_sympy() -> None:
    code = (
        "import sys; from gdstudio.problems._parse import check_syntax; "
        "print(check_syntax('x + y'), 'sympy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert out.stdout.split() == ["('x',", "'y')", "False"]


def test_non_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        check_syntax(b"x")  # type: ignore[arg-type]


# --- the compile service -----------------------------------------------------------------


def test_timeout_kills_the_service_which_then_restarts() -> None:
    analyse_expression("x + 101")  # the service is running
    service = _compile_service.SERVICE
    first = service._process
    with pytest.raises(ExpressionError, match=r"took longer than 0\.2 s") as info:
        service.request("sleep", 30.0, timeout=0.2)  # not 30 s: the helper is killed
    assert "\n" not in str(info.value)
    assert not service.running
    assert first is not None and first._closed  # reaped, not a zombie
    analysis = analyse_expression("x**3 + 102")  # a new process
    assert analysis.derivative_texts == ("3·x²",)
    assert service.running


def test_tiny_timeout_is_an_expression_error() -> None:
    analyse_expression("x + 103")
    with pytest.raises(ExpressionError, match="took longer"):
        _compile_service.SERVICE.request("sleep", 1.0, timeout=1e-3)
    assert analyse_expression("x + 104").variables == ("x",)


def test_a_service_killed_between_calls_is_restarted() -> None:
    analyse_expression("x + 107")
    process = _compile_service.SERVICE._process
    assert process is not None
    process.kill()
    process.join(5)
    assert analyse_expression("x + 108").variables == ("x",)


def test_user_text_cannot_reach_the_sleep_hook() -> None:
    with pytest.raises(ExpressionError, match="unknown function 'sleep'"):
        analyse_expression("sleep(100)")


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout"):
        analyse_expression("x + 109", timeout=0)


def test_threads_share_the_service() -> None:
    results: dict[int, tuple[str, ...]] = {}
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            results[index] = analyse_expression(f"x**2 + {index}*y + 1000").derivative_texts
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert results == {index: ("2·x", str(index)) for index in range(8)}


def test_shutdown_then_restart() -> None:
    analyse_expression("x + 110")
    shutdown_compile_service()
    assert not _compile_service.SERVICE.running
    shutdown_compile_service()  # twice is fine
    assert analyse_expression("x + 111").variables == ("x",)


def test_scripts_without_a_main_guard_work() -> None:
    # spawn normally re-imports the main script in the child; ours must not.
    script = textwrap.dedent(
        """
        from gdstudio.problems.expression import compile_expression
        print("top level ran")
        print(compile_expression("x**2").gradient_texts)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["top level ran", "('2·x',)"]


def test_no_code_running_builtins_in_the_module() -> None:
    folder = REPO / "gdstudio" / "problems"
    mine = ["expression.py", "_rules.py", "_lex.py", "_parse.py", "_unicode.py", "_build.py"]
    mine += ["_compile_service.py", "_lambdify.py"]
    forbidden = ["ev" + "al(", "ex" + "ec(", "symp" + "ify(", "parse" + "_expr(", 'S("']
    for name in mine:
        source = (folder / name).read_text(encoding="utf-8")
        for word in forbidden:
            assert word not in source, f"{word} in {name}"


def test_expression_error_is_one_line_with_column() -> None:
    err = ExpressionError("unknown function 'foo'", 3)
    assert isinstance(err, ValueError)
    assert err.message == "unknown function 'foo'"
    assert err.column == 3
    assert str(err) == "unknown function 'foo' (column 3)"
    assert str(ExpressionError("the expression is empty")) == "the expression is empty"
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.message, copy.column, str(copy)) == (err.message, err.column, str(err))


def test_prepare_arrays_compiles_the_vectorised_functions_ahead_of_use() -> None:
    compiled = compile_expression("x**2 + 3*y")
    assert "_array_value" not in compiled.__dict__  # compiled on first use by default
    compiled.prepare_arrays()
    assert {"_array_value", "_array_function"} <= set(compiled.__dict__)
    values = compiled.evaluate_grid(np.array([1.0, 2.0]), np.array([0.0, 1.0]))
    np.testing.assert_allclose(values, [1.0, 7.0])


def test_load_compiler_loads_sympy_and_its_printers_in_a_fresh_process() -> None:
    code = ("import sys\n"
            "from gdstudio.problems.expression import load_compiler\n"
            "assert 'sympy' not in sys.modules\n"
            "load_compiler()\n"
            "load_compiler()  # the second call has nothing left to do\n"
            "assert {'sympy', 'sympy.printing.numpy', 'sympy.simplify.cse_main'} <= "
            "set(sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
