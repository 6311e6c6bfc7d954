"""Ready-made compiled forms of the examples: the same numbers as the helper's path, no
sympy for the first tutorial, and data that are checked and refused when changed."""

from __future__ import annotations

import hashlib
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdstudio.problems import compiled_examples
from gdstudio.problems._compiled_examples_writer import example_texts, generate
from gdstudio.problems.compiled_examples import (
    STORE_PATH,
    RefusedError,
    build_function,
    load_store,
    lookup,
    read_store,
)
from gdstudio.problems.expression import (
    CompiledExpression,
    PrecompiledExpression,
    analyse_expression,
    check_syntax,
    compile_expression,
)

REPO = Path(__file__).resolve().parents[2]
POINTS = [(3.0, -1.0), (0.5, 2.25), (-1.7, 0.0), (1e-3, -4.0), (0.0, 0.0)]


def orders() -> list[tuple[str, tuple[str, ...]]]:
    return [(text, tuple(variables) if variables else check_syntax(text))
            for text, variables in example_texts()]


def helper_compiled(text: str, order: tuple[str, ...]) -> CompiledExpression:
    """The same text compiled the usual way: the helper process, sympy, lambdify."""
    return CompiledExpression(analyse_expression(text, wrt=order), order)


@pytest.mark.parametrize(("text", "order"), orders())
def test_every_example_is_ready_made_with_the_helpers_numbers_to_the_last_bit(text, order):
    ready = compile_expression(text, order)
    assert isinstance(ready, PrecompiledExpression)
    usual = helper_compiled(text, order)
    assert ready.expression_text == usual.expression_text
    assert ready.gradient_texts == usual.gradient_texts
    assert ready.analysis.derivative_texts == usual.analysis.derivative_texts
    for point in POINTS:
        params = np.array(point[: len(order)])
        value, gradient = ready.value_and_grad(params)
        expected_value, expected_gradient = usual.value_and_grad(params)
        assert value == expected_value and np.array_equal(gradient, expected_gradient)
        hessian, expected = ready.hessian(params), usual.hessian(params)
        assert (hessian is None) == (expected is None)
        assert hessian is None or np.array_equal(hessian, expected)
    grid = [np.linspace(-2.0, 2.0, 7)] + [np.linspace(-1.0, 3.0, 7)[:, None]] * (len(order) - 1)
    assert np.array_equal(ready.evaluate_grid(*grid), usual.evaluate_grid(*grid),
                          equal_nan=True)


def test_the_stored_forms_are_what_the_compiler_makes_today():
    stored = json.loads(STORE_PATH.read_bytes())
    assert stored == json.loads(json.dumps(generate(example_texts())))


def test_the_ready_made_analysis_works_out_its_sympy_trees_when_asked():
    ready = compile_expression("(1 - x)**2 + 100*(y - x**2)**2")
    assert ready.analysis.expression == analyse_expression(ready.analysis.text).expression
    copy = pickle.loads(pickle.dumps(ready))
    assert isinstance(copy, PrecompiledExpression) and copy == ready
    assert copy.value(np.array([1.0, 1.0])) == 0.0


def test_a_text_that_is_not_an_example_compiles_as_before():
    assert lookup("x**3 + 1", ("x",)) is None
    assert lookup("x**2", ("x", "y")) is None  # another order is another function
    compiled = compile_expression("x**3 + 1")
    assert type(compiled) is CompiledExpression
    assert compiled.value_and_grad(np.array([2.0]))[1].tolist() == [12.0]


def test_the_first_tutorial_needs_neither_sympy_nor_the_helper_and_keeps_its_numbers():
    code = (
        "import sys, gdstudio\n"
        "from gdstudio.problems._compile_service import SERVICE\n"
        "run = gdstudio.descend('x**2', start={'x': 3}, lr=0.1, max_iter=100, tol_step=1e-4)\n"
        "print(run.iterations, repr(run.params['x']), 'sympy' in sys.modules, SERVICE.running)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=REPO, timeout=120)
    steps, x, sympy_loaded, helper_running = result.stdout.split()
    assert (steps, sympy_loaded, helper_running) == ("40", "False", "False")
    assert float(x) == pytest.approx(0.000398768, abs=1e-9)


# ------------------------------------------------------------------ refused data
def store_with(tmp_path: Path, change) -> tuple[Path, str]:
    """A copy of the store with ``change(data)`` applied, and the copy's own digest."""
    data = json.loads(STORE_PATH.read_bytes())
    change(data)
    path = tmp_path / "compiled_examples.json"
    path.write_bytes(json.dumps(data).encode())
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_shipped_store_is_accepted_whole():
    assert len(load_store()) == len(read_store()) == len(set(orders()))


def test_a_changed_store_is_refused_by_its_pinned_digest(tmp_path):
    def double_the_first_gradient(data):
        data["entries"][0]["functions"]["scalar"]["return"][1] = ["*", 4, "_a0"]

    path, _ = store_with(tmp_path, double_the_first_gradient)
    with pytest.raises(RefusedError, match="not the file this version of the app wrote"):
        read_store(path)


def test_a_refused_store_leaves_every_text_to_the_usual_path(tmp_path, monkeypatch):
    path, _ = store_with(tmp_path, lambda data: data["entries"].reverse())
    monkeypatch.setattr(compiled_examples, "STORE_PATH", path)
    monkeypatch.setattr(compiled_examples, "_built", {})
    compiled_examples._raw_entries.cache_clear()
    try:
        assert lookup("x**2", ("x",)) is None
        assert type(compile_expression("x**2")) is CompiledExpression
    finally:
        compiled_examples._raw_entries.cache_clear()


FORBIDDEN = [
    ("a call outside the whitelist", ["call", "__import__", "os"]),
    ("a name that is neither an argument nor a temporary", "os"),
    ("an attribute written as a name", "numpy.sin"),
    ("a number that is not finite", float("inf")),
    ("a truth value", True),
    ("an unknown operator", ["getattr", "_a0", "real"]),
    ("a text constant", ["call", "sin", ["str", "1"]]),
    ("a numpy function in the scalar flavour", ["call", "numpy.sin", "_a0"]),
]


@pytest.mark.parametrize(("why", "node"), FORBIDDEN, ids=[why for why, _ in FORBIDDEN])
def test_a_tree_outside_the_whitelist_is_refused_even_with_a_matching_digest(
    tmp_path, why, node
):
    def plant(data):
        data["entries"][0]["functions"]["scalar"]["return"][0] = node

    path, digest = store_with(tmp_path, plant)
    with pytest.raises(RefusedError):
        load_store(path, digest)


@pytest.mark.parametrize("tree", [
    {"assign": [["_a0", 1.0]], "return": ["_a0", "_a0"]},  # overwrites an argument
    {"assign": [["__builtins__", 1.0]], "return": [1.0, 1.0]},
    {"assign": [], "return": ["_a0"]},  # one value where two are due
    {"assign": [], "return": ["x0", "_a0"]},  # a temporary used before it is assigned
    {"assign": [], "return": [["**", "_a0"], 1.0]},  # an operator short of an operand
    {"assign": [], "return": ["_a0", 1.0], "exec": "print(1)"},
])
def test_malformed_functions_are_refused(tree):
    with pytest.raises(RefusedError):
        build_function(tree, 1, "scalar", 2)


def test_a_built_function_sees_only_its_whitelisted_callables():
    function = build_function({"assign": [["x0", ["call", "sin", "_a0"]]],
                               "return": [["+", "x0", 1], ["call", "cos", "_a0"]]},
                              1, "scalar", 2)
    assert function(0.0) == (1.0, 1.0)
    assert set(function.__globals__) == {"__builtins__", "_f0", "_f1", "_compiled_example"}
    assert function.__globals__["__builtins__"] == {}
