"""Ready-made compiled forms of the examples, so the first one is ready without sympy.

Compiling an expression normally starts a helper process that imports sympy (about a
second) and then prints and compiles code with ``sympy.lambdify`` in this process (sympy
again). For the texts the app opens with — the first tutorial and the gallery — that
work is done once, ahead of time, and shipped as data:
``gdstudio/resources/compiled_examples.json``.

The data are plain numbers, names and trees, never code: each function is a list of
assignments and a returned tuple, each expression a nested list such as
``["+", ["**", "_a0", 2], 1]``. :func:`load_store` checks the file's SHA-256 against the
digest pinned in :mod:`gdstudio.problems._compiled_examples_digest` (a changed file is
refused whole), then every node against a whitelist while it builds the function: the
operators ``+ - * / **``, negation, tuples, finite numbers, the argument names
``_a0 …``, temporaries assigned before use, and calls of a fixed set of :mod:`math` and
numpy functions. The builder makes Python syntax-tree nodes from these checked nodes and
compiles them (no text is parsed), with only those functions in scope. The trees are
those of the code ``sympy.lambdify`` generates for the same text, so the functions
compute the same numbers to the last bit (a test compares them with the helper's path).

Anything refused, or a text not in the store, takes the normal path. The store is
written by :mod:`gdstudio.problems._compiled_examples_writer`.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy

from gdstudio.problems._compiled_examples_digest import DIGEST

__all__ = ["BINARY_OPERATORS", "CALLABLE", "FORMAT", "FUNCTIONS", "STORE_PATH", "ReadyMade",
           "RefusedError", "build_function", "load_store", "lookup", "read_store"]

STORE_PATH = Path(__file__).resolve().parent.parent / "resources" / "compiled_examples.json"
FORMAT = 1
BINARY_OPERATORS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "**": ast.Pow}
_MATH_NAMES = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
               "acosh", "atanh", "exp", "log", "log2", "log10", "sqrt", "fabs", "copysign")
_NUMPY_NAMES = ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
                "arcsinh", "arccosh", "arctanh", "exp", "log", "log2", "log10", "sqrt",
                "absolute", "sign", "power")
#: The functions a tree may call, by the name the generated code uses, per flavour.
CALLABLE: dict[str, dict[str, Callable[..., Any]]] = {
    "scalar": {**{name: getattr(math, name) for name in _MATH_NAMES},
               "_real_pow": math.pow, "abs": abs},
    "array": {f"numpy.{name}": getattr(numpy, name) for name in _NUMPY_NAMES},
}
#: The flavours of each entry: the function's attribute on ``CompiledExpression``.
FUNCTIONS = {"scalar": "_scalar", "array_value": "_array_value",
             "array_gradient": "_array_function", "hessian": "_hessian_function"}
_FLAVOUR = {"scalar": "scalar", "array_value": "array", "array_gradient": "array",
            "hessian": "array"}
_MAX_NODES = 2_000
_lock = threading.Lock()
_Key = tuple[str, tuple[str, ...]]
_built: dict[_Key, ReadyMade | None] = {}


class RefusedError(ValueError):
    """The stored data are not what this version of the app wrote, or not well formed."""


# ---------------------------------------------------------------- reading and checking
def lookup(text: str, variables: Sequence[str]) -> ReadyMade | None:
    """The ready-made compiled form of ``text`` in the order ``variables``, or ``None``.

    ``None`` when the text is not in the store or its data were refused; the caller then
    compiles as usual. An entry is checked and built the first time it is asked for.
    """
    key = _key(text, variables)
    with _lock:
        if key not in _built:
            raw = _raw_entries().get(key)
            try:
                _built[key] = None if raw is None else ReadyMade(raw)
            except (RefusedError, RecursionError):
                _built[key] = None
        return _built[key]


class ReadyMade:
    """One checked, built entry of the store.

    Attributes
    ----------
    text : str
        The expression as typed.
    variables : tuple of str
        The order of the parameter vector.
    names : tuple of str
        The names that occur in the text.
    texts : dict
        ``expression`` (str), ``derivatives`` and ``gradient`` (tuples of str).
    functions : dict
        The built functions, by the keys of :data:`FUNCTIONS` (``hessian`` may be None).
    """

    def __init__(self, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise RefusedError("an entry is not a mapping")
        self.text = _string(raw.get("text"))
        self.variables = tuple(_string(name) for name in _list(raw.get("variables")))
        self.names = tuple(_string(name) for name in _list(raw.get("names")))
        texts = raw.get("texts")
        if not isinstance(texts, dict):
            raise RefusedError("an entry has no texts")
        self.texts = {"expression": _string(texts.get("expression")),
                      "derivatives": tuple(_string(t) for t in _list(texts.get("derivatives"))),
                      "gradient": tuple(_string(t) for t in _list(texts.get("gradient")))}
        if not set(self.names) <= set(self.variables) or len(self.texts["gradient"]) != len(
                self.variables) or len(self.texts["derivatives"]) != len(self.variables):
            raise RefusedError(f"the entry of {self.text!r} does not fit its variables")
        functions = raw.get("functions")
        if not isinstance(functions, dict) or set(functions) != set(FUNCTIONS):
            raise RefusedError(f"the entry of {self.text!r} lacks functions")
        outputs = {"scalar": 1 + len(self.variables), "array_value": 1,
                   "array_gradient": 1 + len(self.variables),
                   "hessian": len(self.variables) * (len(self.variables) + 1) // 2}
        self.functions: dict[str, Callable[..., Any] | None] = {}
        for kind, tree in functions.items():
            if tree is None and kind == "hessian":
                self.functions[kind] = None
                continue
            self.functions[kind] = build_function(tree, len(self.variables), _FLAVOUR[kind],
                                                  outputs[kind])


def read_store(path: Path = STORE_PATH, digest: str = DIGEST) -> dict[_Key, Any]:
    """The entries of the store at ``path`` as read, by (text, variables), not yet built.

    Raises
    ------
    RefusedError
        When the file's SHA-256 is not ``digest`` (pinned in the code), or it is not a
        store of this format.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RefusedError(f"cannot read {path.name}: {error.strerror}") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise RefusedError(f"{path.name} is not the file this version of the app wrote")
    try:
        store = json.loads(data)
    except ValueError:
        raise RefusedError(f"{path.name} is not JSON") from None
    if not isinstance(store, dict) or store.get("format") != FORMAT:
        raise RefusedError(f"{path.name} has an unknown format")
    entries = {}
    for raw in _list(store.get("entries")):
        if not isinstance(raw, dict):
            raise RefusedError("an entry is not a mapping")
        names = [_string(name) for name in _list(raw.get("variables"))]
        entries[_key(_string(raw.get("text")), names)] = raw
    return entries


def load_store(path: Path = STORE_PATH, digest: str = DIGEST) -> dict[_Key, ReadyMade]:
    """Read, check and build every entry of the store at ``path`` (see :func:`read_store`).

    Raises
    ------
    RefusedError
        When the file is refused, or any entry breaks the rules.
    """
    return {key: ReadyMade(raw) for key, raw in read_store(path, digest).items()}


@cache
def _raw_entries() -> dict[_Key, Any]:
    """The store, read once; empty when it is refused (every text compiles as usual)."""
    try:
        return read_store(STORE_PATH, DIGEST)
    except RefusedError:
        return {}


def _key(text: str, variables: Sequence[str]) -> _Key:
    return text, tuple(variables)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise RefusedError("a text is not a string")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise RefusedError("a list is missing")
    return value


# ---------------------------------------------------------------- the builder
def build_function(tree: Any, arguments: int, flavour: str, outputs: int) -> Callable[..., Any]:
    """A Python function of ``arguments`` positional numbers from a checked tree.

    ``tree`` is ``{"assign": [[name, expression], ...], "return": [expression, ...]}``.
    Only the nodes described in the module's docstring are accepted; the function sees
    nothing but the whitelisted callables of ``flavour`` ("scalar" or "array").

    Raises
    ------
    RefusedError
        For any other node, an unknown name, a non-finite number or a wrong output count.
    """
    if not isinstance(tree, dict) or set(tree) != {"assign", "return"}:
        raise RefusedError("a function is not {assign, return}")
    names = {f"_a{index}" for index in range(arguments)}
    callables = CALLABLE[flavour]
    aliases: dict[str, str] = {}
    counter = [0]
    body: list[ast.stmt] = []
    for pair in _list(tree["assign"]):
        if not isinstance(pair, list) or len(pair) != 2:
            raise RefusedError("an assignment is not [name, expression]")
        target = _string(pair[0])
        if not _is_temporary(target) or target in names:
            raise RefusedError(f"cannot assign to {target!r}")
        value = _expression(pair[1], names, callables, aliases, counter)
        body.append(ast.Assign(targets=[ast.Name(target, ast.Store())], value=value))
        names.add(target)
    results = _list(tree["return"])
    if len(results) != outputs:
        raise RefusedError(f"a function returns {len(results)} values, not {outputs}")
    elements = [_expression(item, names, callables, aliases, counter) for item in results]
    body.append(ast.Return(ast.Tuple(elements, ast.Load())))
    parameters = [ast.arg(f"_a{index}") for index in range(arguments)]
    function = ast.FunctionDef(
        name="_compiled_example",
        args=ast.arguments(posonlyargs=[], args=parameters, kwonlyargs=[], kw_defaults=[],
                           defaults=[]),
        body=body, decorator_list=[], returns=None)
    function.type_params = []  # a field since Python 3.12
    module = ast.fix_missing_locations(ast.Module(body=[function], type_ignores=[]))
    scope: dict[str, Any] = {"__builtins__": {}}
    scope.update({alias: callables[name] for name, alias in aliases.items()})
    # A syntax tree built above from checked nodes only, not text: see the docstring.
    exec(compile(module, "<compiled example>", "exec"), scope)  # safe: checked ast nodes, no text
    return scope["_compiled_example"]


def _expression(node: Any, names: set[str], callables: dict[str, Callable[..., Any]],
                aliases: dict[str, str], counter: list[int]) -> ast.expr:
    counter[0] += 1
    if counter[0] > _MAX_NODES:
        raise RefusedError("a function is too large")
    if isinstance(node, bool):
        raise RefusedError("a truth value is not a number")
    if isinstance(node, int | float):
        if not math.isfinite(node):
            raise RefusedError("a number is not finite")
        return ast.Constant(node)
    if isinstance(node, str):
        if node not in names:
            raise RefusedError(f"unknown name {node!r}")
        return ast.Name(node, ast.Load())
    items = _list(node)
    if not items or not isinstance(items[0], str):
        raise RefusedError("a node has no operator")
    operator, operands = items[0], items[1:]

    def sub(item: Any) -> ast.expr:
        return _expression(item, names, callables, aliases, counter)

    if operator in BINARY_OPERATORS and len(operands) == 2:
        return ast.BinOp(sub(operands[0]), BINARY_OPERATORS[operator](), sub(operands[1]))
    if operator == "neg" and len(operands) == 1:
        return ast.UnaryOp(ast.USub(), sub(operands[0]))
    if operator == "call" and operands and operands[0] in callables:
        alias = aliases.setdefault(operands[0], f"_f{len(aliases)}")
        return ast.Call(ast.Name(alias, ast.Load()), [sub(item) for item in operands[1:]], [])
    raise RefusedError(f"the node {operator!r} is not allowed")


def _is_temporary(name: str) -> bool:
    return name.startswith("x") and name[1:].isdigit()
