"""Turning checked sympy trees into fast Python functions with ``sympy.lambdify``.

Only trees built by ``_build`` (whitelisted nodes, checked caps) reach this module. The
variables are renamed to positional symbols ``_a0, _a1, ...`` first, so no student name
can collide with a name in the generated code (``x0`` from common subexpressions,
``numpy``, ``sin``...).

Two flavours are made:

* a *scalar* function on Python floats using :mod:`math` (several times faster than numpy
  on scalars). It returns only floats (an output that is a whole number, such as the
  derivative ``2`` of ``2*x``, is handed out as that number converted to float, so that
  the engine's scalar fast path can use the results as they are). It raises instead of
  returning inf/nan (``ZeroDivisionError``, ``OverflowError``, ``ValueError`` for a
  domain error) and non-integer powers use
  ``math.pow`` so a negative base raises instead of giving a complex number; the caller
  then falls back to
* an *array* function using numpy, which gives inf/nan like numpy does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy
import sympy
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

_POW = "_real_pow"


class _ScalarPrinter(PythonCodePrinter):
    """Python code printer whose non-integer powers go through ``math.pow``."""

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:  # noqa: N802
        exponent = expr.exp
        if exponent.is_Integer or exponent in (sympy.S.Half, -sympy.S.Half):
            return super()._print_Pow(expr, rational)
        return f"{_POW}({self._print(expr.base)}, {self._print(exponent)})"


def positional_symbols(count: int) -> tuple[sympy.Symbol, ...]:
    """The argument symbols ``_a0 ... _a{count-1}`` used in generated code."""
    return tuple(sympy.Symbol(f"_a{index}", real=True) for index in range(count))


def rename(
    exprs: Sequence[sympy.Expr], names: Sequence[str]
) -> tuple[tuple[sympy.Symbol, ...], tuple[sympy.Expr, ...]]:
    """Replace the variables ``names`` in ``exprs`` by positional symbols."""
    arguments = positional_symbols(len(names))
    mapping = {
        sympy.Symbol(name, real=True): argument
        for name, argument in zip(names, arguments, strict=True)
    }
    return arguments, tuple(expr.xreplace(mapping) for expr in exprs)


def scalar_function(
    arguments: Sequence[sympy.Symbol], exprs: Sequence[sympy.Expr]
) -> Callable[..., tuple[Any, ...]]:
    """A function of Python floats returning one float per expression, using :mod:`math`."""
    # An output that is a whole number would be printed as a Python int: name it instead
    # and bind the name to the float the numpy path would give for it.
    constants: dict[str, float] = {}
    outputs = []
    for index, expr in enumerate(exprs):
        if isinstance(expr, sympy.Integer):
            name = f"_c{index}"
            constants[name] = float(int(expr))
            outputs.append(sympy.Symbol(name))
        else:
            outputs.append(expr)
    printer = _ScalarPrinter(
        {
            "fully_qualified_modules": False,
            "inline": True,
            "allow_unknown_functions": False,
            "user_functions": {_POW: _POW},
        }
    )
    return sympy.lambdify(
        list(arguments),
        tuple(outputs),
        modules=[{_POW: math.pow, **constants}, "math"],
        printer=printer,
        cse=True,
        docstring_limit=0,
    )


def array_function(
    arguments: Sequence[sympy.Symbol], exprs: Sequence[sympy.Expr]
) -> Callable[..., tuple[Any, ...]]:
    """A numpy function returning one value (or array) per expression."""
    return numpy_function(arguments, tuple(exprs), cse=True)


def numpy_function(
    arguments: Sequence[sympy.Symbol], expr: Any, cse: bool = False
) -> Callable[..., Any]:
    """A function of numpy arrays computing ``expr`` (an expression, tuple or matrix).

    The generated code calls ``numpy.<name>`` through a namespace holding only numpy:
    sympy's own numpy namespace is made by ``from numpy import *``, which imports every
    numpy submodule and fails where some are left out (the installers leave out
    ``numpy.testing``).
    """
    printer = NumPyPrinter(
        {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False}
    )
    return sympy.lambdify(
        list(arguments),
        expr,
        modules=[{"numpy": numpy}],
        printer=printer,
        cse=cse,
        docstring_limit=0,
    )
