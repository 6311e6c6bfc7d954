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

**Squares are ``x*x``.** Python's ``x**2`` on floats and numpy's on a float64 scalar call
the C library's ``pow``, which is not always correctly rounded (glibc's errs by one unit
in the last place about once in a thousand squares); numpy's ``x**2`` on an array is
``x*x``, correctly rounded. So that every flavour — one-point, numpy and the sweeps'
batch functions — computes the same numbers to the last bit with no check, every printer
here writes a square as ``(x*x)``: correctly rounded, and the fastest form in all of
them. The base of a square that is not a name or a number gets its own temporary first
(:func:`_cse_with_square_bases`), so it is computed once. Other powers call ``pow`` in
every flavour (``**`` and ``math.pow`` on floats, ``numpy.float_power`` on arrays).
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
#: Whole numbers up to this size are exact as doubles.
_EXACT_INTEGERS = 2**53


def _is_square(expr: sympy.Pow) -> bool:
    """Whether ``expr`` is ``base**2`` with the whole number 2 (not the float 2.0)."""
    return bool(expr.exp.is_Integer and expr.exp == 2)


def _square(printer: PythonCodePrinter, expr: sympy.Pow) -> str:
    """``(b*b)``: the parentheses keep ``100*(b*b)`` from being read as ``(100*b)*b``."""
    base = printer.parenthesize(expr.base, 50)  # tighter than a product: (a + b)
    return f"({base}*{base})"


class _ScalarPrinter(PythonCodePrinter):
    """Python code printer: squares as ``(x*x)``, non-integer powers through ``math.pow``,
    whole numbers as floats.

    ``100*x`` with a float ``x`` converts 100 to a float at every call, on CPython's slow
    path for mixed types; ``100.0*x`` takes its float-only path (about a third faster for
    Rosenbrock's gradient) and gives the same bits, since Python converts the int exactly
    as the literal is read. Numbers a double cannot hold exactly stay whole numbers.
    """

    def _print_Integer(self, expr: sympy.Integer) -> str:  # noqa: N802
        return repr(float(expr.p)) if abs(expr.p) <= _EXACT_INTEGERS else str(expr.p)

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:  # noqa: N802
        exponent = expr.exp
        if _is_square(expr):
            return _square(self, expr)
        if exponent.is_Integer or exponent in (sympy.S.Half, -sympy.S.Half):
            return super()._print_Pow(expr, rational)
        return f"{_POW}({self._print(expr.base)}, {self._print(exponent)})"


class _ArrayPrinter(NumPyPrinter):
    """numpy code printer whose squares are ``(x*x)`` (numpy's float64 scalars would call
    ``pow`` for ``x**2``), as :class:`_ScalarPrinter`'s."""

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:  # noqa: N802
        if _is_square(expr):
            return _square(self, expr)
        return super()._print_Pow(expr, rational)


class _BatchPrinter(NumPyPrinter):
    """numpy code printer whose powers are those of :class:`_ScalarPrinter`, bit for bit.

    Squares are ``(x*x)`` in both. numpy's ``x**-1`` and square roots are exact, as
    ``pow``'s are; every other power goes through ``numpy.float_power``, which calls the
    C library's ``pow`` (as Python's ``**`` and ``math.pow`` do) where ``numpy.power``
    uses its own vectorised one.
    """

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:  # noqa: N802
        exponent = expr.exp
        if _is_square(expr):
            return _square(self, expr)
        if exponent in (-1, sympy.S.Half, -sympy.S.Half):
            return super()._print_Pow(expr, rational)
        return (f"numpy.float_power({self._print(expr.base)}, "
                f"{self._print(sympy.Float(exponent) if exponent.is_Rational else exponent)})")


def _cse_with_square_bases(
    exprs: Sequence[sympy.Expr],
) -> tuple[list[tuple[sympy.Symbol, sympy.Expr]], tuple[sympy.Expr, ...]]:
    """sympy's common subexpressions, then a temporary for every square's compound base.

    A square prints as ``(b*b)``; with ``b`` a name or a number that costs one product.
    A compound base (``(1 - x)**2``) is given a temporary ``x<n>`` first, assigned just
    before its first use, so that it is computed once.
    """
    replacements, reduced = sympy.cse(list(exprs))
    used = [int(str(symbol)[1:]) for symbol, _ in replacements]
    names = sympy.numbered_symbols("x", start=max(used, default=-1) + 1, real=True)
    bases: dict[sympy.Expr, sympy.Symbol] = {}
    result: list[tuple[sympy.Symbol, sympy.Expr]] = []

    def hoist(expr: sympy.Expr) -> sympy.Expr:
        if expr.is_Atom:
            return expr
        args = tuple(hoist(arg) for arg in expr.args)
        if expr.is_Pow and _is_square(expr) and not args[0].is_Atom:
            if args[0] not in bases:
                bases[args[0]] = next(names)
                result.append((bases[args[0]], args[0]))
            return sympy.Pow(bases[args[0]], 2, evaluate=False)
        if args == expr.args:
            return expr
        try:
            return expr.func(*args, evaluate=False)
        except TypeError:  # a class without the keyword evaluates as it is built
            return expr.func(*args)

    for symbol, value in replacements:
        value = hoist(value)
        result.append((symbol, value))
    return result, tuple(hoist(expr) for expr in reduced)


def numpy_source(expr: sympy.Expr) -> str:
    """numpy code for ``expr`` whose squares are ``(x*x)``, as every compiled function's, so
    that code printed for a student (the exported script) computes the app's numbers."""
    printer = _ArrayPrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})
    return str(printer.doprint(expr))


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
        cse=_cse_with_square_bases,
        docstring_limit=0,
    )


def array_function(
    arguments: Sequence[sympy.Symbol], exprs: Sequence[sympy.Expr]
) -> Callable[..., tuple[Any, ...]]:
    """A numpy function returning one value (or array) per expression (squares as
    :func:`scalar_function`'s)."""
    printer = _ArrayPrinter(
        {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False}
    )
    return sympy.lambdify(
        list(arguments), tuple(exprs), modules=[{"numpy": numpy}], printer=printer,
        cse=_cse_with_square_bases, docstring_limit=0,
    )


def batch_function(
    arguments: Sequence[sympy.Symbol], exprs: Sequence[sympy.Expr]
) -> Callable[..., tuple[Any, ...]]:
    """A numpy function of arrays whose every element equals :func:`scalar_function`'s.

    For sweeps: arithmetic, squares, square roots and powers agree to the last bit; numpy's
    vectorised ``exp``, ``log``, ``tanh`` … may differ from :mod:`math`'s in the last bit.
    """
    printer = _BatchPrinter(
        {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False}
    )
    return sympy.lambdify(
        list(arguments), tuple(exprs), modules=[{"numpy": numpy}],
        printer=printer, cse=_cse_with_square_bases, docstring_limit=0,
    )


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
