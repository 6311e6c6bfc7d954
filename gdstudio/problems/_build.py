"""Building the sympy tree from a checked syntax tree, differentiating it, printing it.

This runs inside the compile service process (see ``_compile_service``), under a hard
time limit. The tree is built node by node from the whitelisted AST: nothing here turns
text into sympy objects by parsing it as code. Numeric powers are checked before they
are built, because sympy evaluates them eagerly, and every finished tree is checked
again, because sympy merges powers (``((x+y)**99)**99`` is ``(x+y)**9801``).
"""

from __future__ import annotations

import ast
import math

import sympy
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from gdstudio.problems._parse import ParsedText, parse_text
from gdstudio.problems._rules import (
    FUNCTIONS,
    MAX_NUMERIC_EXPONENT,
    ExpressionError,
    name_problem,
)

# Caps on built trees (the finished expression and each derivative).
MAX_TREE_NODES = 5_000
MAX_TREE_INTEGER_DIGITS = 100
MAX_TREE_EXPONENT = 10_000
MAX_NUMERIC_POWER_LOG10 = 300.0
MAX_TREE_FLOAT = 1e300

_LARGEST_INTEGER = 10**MAX_TREE_INTEGER_DIGITS
_SYMPY_FUNCTIONS = {name: getattr(sympy, target) for name, target in FUNCTIONS.items()}
_UNDEFINED = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)
_NOT_DIFFERENTIABLE = (sympy.Derivative, sympy.Subs, sympy.DiracDelta)
_ALLOWED_FUNCTIONS = frozenset(
    {value for value in _SYMPY_FUNCTIONS.values() if isinstance(value, type)} | {sympy.sign}
)
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

AnalysisTuple = tuple[
    tuple[str, ...], sympy.Expr, tuple[str, ...], tuple[sympy.Expr, ...], str, tuple[str, ...]
]


def analyse(text: str, wrt: tuple[str, ...] | None) -> AnalysisTuple:
    """Build, check, differentiate and print the expression ``text``.

    Parameters
    ----------
    text : str
        The expression text.
    wrt : tuple of str or None
        Names to differentiate with respect to; None means every variable of the text.

    Returns
    -------
    tuple
        ``(variables, expression, wrt, derivatives, expression_text, derivative_texts)``.

    Raises
    ------
    ExpressionError
        If the text or the built tree breaks a rule or a cap.
    """
    parsed = parse_text(text)
    names = parsed.variables if wrt is None else tuple(wrt)
    for name in names:
        problem = name_problem(name)
        if problem is not None:
            raise ExpressionError(f"cannot differentiate with respect to '{name}': {problem}")
    symbols = {name: sympy.Symbol(name, real=True) for name in (*parsed.variables, *names)}
    expression = _Builder(parsed, symbols).build(parsed.tree.body)
    check_tree(expression, "the expression")
    unknown = expression.free_symbols - set(symbols.values())
    if unknown:  # cannot happen: every symbol comes from the table above
        raise ExpressionError("the expression contains an unexpected symbol")
    derivatives = tuple(differentiate(expression, symbols[name]) for name in names)
    for name, derivative in zip(names, derivatives, strict=True):
        check_tree(derivative, f"the derivative with respect to {name}", derivative=True)
    return (
        parsed.variables,
        expression,
        names,
        derivatives,
        one_line(expression),
        tuple(one_line(derivative) for derivative in derivatives),
    )


def second_derivatives(
    text: str, wrt: tuple[str, ...]
) -> tuple[tuple[sympy.Expr, ...], ...] | None:
    """The Hessian of ``text`` with respect to ``wrt``: rows of second derivatives.

    Returns ``None`` where it does not exist as a function (``abs`` and ``sign`` give
    Dirac deltas, ``x**1.5`` is fine): the caller then shows no curvature rather than
    something wrong. Only the upper triangle is differentiated; the rest is mirrored.

    Raises
    ------
    ExpressionError
        If the text itself breaks a rule (it was checked before, so this is rare).
    """
    parsed = parse_text(text)
    symbols = {name: sympy.Symbol(name, real=True) for name in (*parsed.variables, *wrt)}
    expression = _Builder(parsed, symbols).build(parsed.tree.body)
    first = [differentiate(expression, symbols[name]) for name in wrt]
    rows: list[list[sympy.Expr]] = [[sympy.Integer(0)] * len(wrt) for _ in wrt]
    for i, derivative in enumerate(first):
        for j in range(i, len(wrt)):
            second = differentiate(derivative, symbols[wrt[j]])
            try:
                check_tree(second, "a second derivative", derivative=True)
            except ExpressionError:
                return None
            if second.has(sympy.sign):  # d|u|/du is sign(u): its derivative is a delta
                return None
            rows[i][j] = rows[j][i] = second
    return tuple(tuple(row) for row in rows)


class _RealAbs(sympy.Function):
    """``Abs`` for differentiation on the real line: d|u| = sign(u)·du.

    sympy differentiates ``Abs(u)`` for an argument it cannot prove real (``x**1.5``,
    ``log(x)``) through ``re``, ``im`` and ``atan2``. The app evaluates only real values
    (a complex value is nan), so the real rule is the right one.
    """

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.sign(self.args[0])


def differentiate(expr: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    """The derivative of ``expr`` with respect to ``symbol``, using the real rule for Abs."""
    if not expr.has(sympy.Abs):
        return sympy.diff(expr, symbol)
    derivative = sympy.diff(expr.replace(sympy.Abs, _RealAbs), symbol)
    return derivative.replace(_RealAbs, sympy.Abs)


class _Builder:
    """Turns a checked AST into a sympy tree, checking numbers as it goes."""

    def __init__(self, parsed: ParsedText, symbols: dict[str, sympy.Symbol]) -> None:
        self._parsed = parsed
        self._symbols = symbols

    def build(self, node: ast.AST) -> sympy.Expr:
        column = self._parsed.column(node)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, (ast.Add, ast.Sub)):
                terms = [term if sign > 0 else -term for term, sign in self._chain(node, True)]
                result = sympy.Add(*terms)
            elif isinstance(node.op, (ast.Mult, ast.Div)):
                factors = [
                    factor if sign > 0 else sympy.Pow(factor, -1)
                    for factor, sign in self._chain(node, False)
                ]
                result = sympy.Mul(*factors)
            else:  # **, the only other operator the walk lets through (^ is read as **)
                base, exponent = self.build(node.left), self.build(node.right)
                _check_power(base, exponent, self._parsed.column(node.right))
                result = sympy.Pow(base, exponent)
        elif isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            result = -operand if isinstance(node.op, ast.USub) else operand
        elif isinstance(node, ast.Call):
            result = _SYMPY_FUNCTIONS[node.func.id](self.build(node.args[0]))  # type: ignore[attr-defined]
        elif isinstance(node, ast.Name):
            result = self._name(node.id)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = node.value
            result = sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)
        else:  # the walk in _parse refuses everything else first
            raise ExpressionError("this part of the expression is not supported", column)
        _check_new_numbers(result, column)
        return result

    def _name(self, name: str) -> sympy.Expr:
        if name == "pi":
            return sympy.pi
        if name == "e":
            return sympy.E
        return self._symbols[name]

    def _chain(self, node: ast.BinOp, additive: bool) -> list[tuple[sympy.Expr, int]]:
        """Operands of a flat ``a + b - c`` (or ``a * b / c``) chain, with their signs."""
        kinds = (ast.Add, ast.Sub) if additive else (ast.Mult, ast.Div)
        inverse = ast.Sub if additive else ast.Div
        operands: list[tuple[sympy.Expr, int]] = []
        stack: list[tuple[ast.AST, int]] = [(node, 1)]
        while stack:
            current, sign = stack.pop()
            if isinstance(current, ast.BinOp) and isinstance(current.op, kinds):
                right_sign = -sign if isinstance(current.op, inverse) else sign
                stack.append((current.right, right_sign))
                stack.append((current.left, sign))
            else:
                operands.append((self.build(current), sign))
        return operands


def _log10_magnitude(number: sympy.Number) -> float:
    if isinstance(number, sympy.Rational):  # Integer too
        return math.log10(abs(number.p)) - math.log10(number.q)
    return math.log10(abs(float(number)))


def _check_power(base: sympy.Expr, exponent: sympy.Expr, column: int) -> None:
    """Refuse a power whose size is out of bounds before sympy computes it."""
    if not (exponent.is_Number and exponent.is_finite):
        return
    if abs(exponent) > MAX_NUMERIC_EXPONENT:
        raise ExpressionError(
            f"exponent {_short(exponent)} is too large (at most {MAX_NUMERIC_EXPONENT})", column
        )
    if base.is_Number and base.is_finite and base not in (0, 1, -1):
        size = float(exponent) * _log10_magnitude(base)
        if not abs(size) <= MAX_NUMERIC_POWER_LOG10:
            raise ExpressionError(
                f"the number {_short(base)}**{_short(exponent)} is too large", column
            )


def _check_number(number: sympy.Expr, column: int | None) -> None:
    if isinstance(number, sympy.Rational):
        if abs(number.p) >= _LARGEST_INTEGER or number.q >= _LARGEST_INTEGER:
            raise ExpressionError(
                f"a number in the expression is too large "
                f"(more than {MAX_TREE_INTEGER_DIGITS} digits)",
                column,
            )
    elif isinstance(number, sympy.Float) and not abs(float(number)) <= MAX_TREE_FLOAT:
        raise ExpressionError("a number in the expression is too large (above 1e300)", column)


def _check_exponent(power: sympy.Pow, column: int | None) -> None:
    exponent = power.exp
    if exponent.is_Number and exponent.is_finite and abs(exponent) > MAX_TREE_EXPONENT:
        raise ExpressionError(
            f"exponent {_short(exponent)} is too large after combining powers "
            f"(at most {MAX_TREE_EXPONENT})",
            column,
        )


def _check_new_numbers(expr: sympy.Expr, column: int) -> None:
    """Check the numbers sympy may just have computed: in ``expr`` and two levels below."""
    level = [expr]
    for _ in range(3):
        below = []
        for item in level:
            if item.is_Number:
                _check_number(item, column)
            elif item.is_Pow:
                _check_exponent(item, column)
            below.extend(item.args)
        level = below


def check_tree(expr: sympy.Expr, what: str, *, derivative: bool = False) -> None:
    """Check a finished tree: its size, its numbers, and that it is defined and real.

    Parameters
    ----------
    expr : sympy.Expr
        The expression or one of its derivatives.
    what : str
        How to name it in messages, e.g. ``"the derivative with respect to x"``.
    derivative : bool
        True for a derivative (changes the message for undefined parts).

    Raises
    ------
    ExpressionError
        If a cap is exceeded or the tree is undefined, complex or not differentiable.
    """
    if derivative and expr.has(*_NOT_DIFFERENTIABLE):
        raise ExpressionError(f"the expression is not differentiable: {what} is undefined")
    for count, node in enumerate(sympy.preorder_traversal(expr), start=1):
        if count > MAX_TREE_NODES:
            raise ExpressionError(f"{what} is too big (more than {MAX_TREE_NODES} parts)")
        if node in _UNDEFINED:
            if derivative:
                raise ExpressionError(f"the expression is not differentiable: {what} is undefined")
            raise ExpressionError("the expression is undefined (for example a division by zero)")
        if node is sympy.I:
            raise ExpressionError(
                f"{what} has complex values (for example a root of a negative number)"
            )
        if isinstance(node, sympy.Function) and type(node) not in _ALLOWED_FUNCTIONS:
            if derivative:
                raise ExpressionError(
                    f"the expression is not differentiable: {what} needs {node.func}"
                )
            raise ExpressionError(f"the expression cannot be evaluated (it needs {node.func})")
        if node.is_Number:
            _check_number(node, None)
        elif node.is_Pow:
            _check_exponent(node, None)
            base, exponent = node.args
            negative_base = base.is_Number and base.is_negative
            if negative_base and exponent.is_Number and not exponent.is_Integer:
                raise ExpressionError(
                    f"{what} has complex values (for example a root of a negative number)"
                )


def _short(expr: sympy.Expr, limit: int = 24) -> str:
    text = str(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _OneLinePrinter(StrPrinter):
    """sympy's str printer with superscript integer powers, '·' for products, π and |x|."""

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:  # noqa: N802
        base, exponent = expr.args
        power = PRECEDENCE["Pow"]
        if exponent.is_Integer and exponent not in (1, -1):
            return self.parenthesize(base, power, strict=False) + str(exponent).translate(
                _SUPERSCRIPTS
            )
        if exponent in (sympy.S.Half, -sympy.S.Half, -1):
            return super()._print_Pow(expr, rational)
        left = self.parenthesize(base, power, strict=False)
        return f"{left}^{self.parenthesize(exponent, power, strict=False)}"

    def _print_Float(self, expr: sympy.Float) -> str:  # noqa: N802
        return repr(float(expr))

    def _print_Abs(self, expr: sympy.Abs) -> str:  # noqa: N802
        return f"|{self._print(expr.args[0])}|"

    def _print_Exp1(self, expr: sympy.Expr) -> str:  # noqa: N802
        return "e"

    def _print_Pi(self, expr: sympy.Expr) -> str:  # noqa: N802
        return "π"


def one_line(expr: sympy.Expr) -> str:
    """Print ``expr`` as readable one-line unicode, e.g. ``"(x - 3)² + 10·(y + 1)²"``."""
    return _OneLinePrinter().doprint(expr).replace("**", "^").replace("*", "·")
