"""Checking expression text without running it: characters, tokens, brackets and the AST.

Nothing here imports sympy, so :func:`check_syntax` is cheap enough to run on every key
press. The text is never run as code: it is read with ``ast.parse(..., mode="eval")`` and
the tree is walked against a whitelist. The builder in ``_build`` walks the same tree.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gdstudio.problems._lex import check_characters, scan_tokens
from gdstudio.problems._rules import (
    CONSTANTS,
    FUNCTIONS,
    MAX_AST_DEPTH,
    MAX_AST_NODES,
    MAX_FLOAT_LITERAL,
    MAX_INTEGER_DIGITS,
    MAX_NUMERIC_EXPONENT,
    MAX_POWER_TOWER,
    MAX_TEXT_LENGTH,
    ExpressionError,
    name_problem,
    natural_key,
    short,
)

_ADDITIVE = (ast.Add, ast.Sub)
_MULTIPLICATIVE = (ast.Mult, ast.Div)
_POWER = (ast.Pow,)
_OPERATOR_SYMBOLS = {
    ast.FloorDiv: "'//' (floor division) is not supported: use '/'",
    ast.Mod: "'%' (remainder) is not supported",
    ast.MatMult: "'@' (matrix product) is not supported: use '*'",
    ast.BitOr: "'|' is not supported",
    ast.BitAnd: "'&' is not supported",
    ast.LShift: "'<<' is not supported",
    ast.RShift: "'>>' is not supported",
}


@dataclass(frozen=True)
class ParsedText:
    """A checked syntax tree, the free variable names, and where its nodes were typed.

    The tree is parsed from the text with every ``^`` written as ``**`` (see
    :func:`power_text`), so ``offset`` and the nodes' columns count in that text;
    :meth:`column` maps them back to the student's own characters.
    """

    tree: ast.Expression
    offset: int
    variables: tuple[str, ...]
    source_index: tuple[int, ...] = ()

    def column(self, node: ast.AST) -> int:
        """1-based column, in the text as typed, where ``node`` starts."""
        return source_column(column_of(node, self.offset), self.source_index)


def check_syntax(text: str) -> tuple[str, ...]:
    """Check expression text quickly, without sympy, and return its variable names.

    Runs the lexical checks (length, characters, numbers, brackets, operators), then
    ``ast.parse(text, mode="eval")`` and a whitelist walk with node-count, depth and
    literal caps. Takes well under 5 ms for any input.

    Parameters
    ----------
    text : str
        The expression as typed, e.g. ``"(x - 3)**2 + 10*(y + 1)**2"``.

    Returns
    -------
    tuple of str
        The free variable names in natural order (``w2`` before ``w10``, ``x`` before ``y``).

    Raises
    ------
    ExpressionError
        If the text is not an expression this program accepts.
    """
    return parse_text(text).variables


def parse_text(text: str) -> ParsedText:
    """Run every check of :func:`check_syntax` and return the checked tree too."""
    if not isinstance(text, str):
        raise TypeError(f"the expression must be a str, not {type(text).__name__}")
    if len(text) > MAX_TEXT_LENGTH:
        raise ExpressionError(
            f"the expression is too long ({len(text)} characters; at most {MAX_TEXT_LENGTH})"
        )
    if not text.strip():
        raise ExpressionError("the expression is empty")
    check_characters(text)
    scan_tokens(text)
    flat, source_index = power_text(text.translate({9: 32, 10: 32, 13: 32}))
    offset = len(flat) - len(flat.lstrip(" "))
    try:
        tree = ast.parse(flat[offset:], mode="eval")
        names = _walk(tree, flat, offset)
    except SyntaxError as err:
        raise _remapped(_syntax_error(flat, offset, err), text, source_index) from None
    except ExpressionError as err:
        raise _remapped(err, text, source_index) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is too deeply nested") from None
    return ParsedText(tree, offset, tuple(sorted(names, key=natural_key)), source_index)


def power_text(text: str) -> tuple[str, tuple[int, ...]]:
    """Write every ``^`` as ``**`` and say where each character of the result was typed.

    ``^`` is the power of mathematics: it binds tighter than ``*`` and unary minus and
    groups from the right (``x^2^3`` is x^(2^3), ``-x^2`` is −(x²)), exactly as Python's
    ``**`` does. Python's own ``^`` is XOR, with a precedence below ``+``, so the text is
    rewritten before parsing rather than the operator renamed after it.

    Returns
    -------
    tuple
        The rewritten text, and for each of its characters the index of the character
        it came from in ``text`` (both ``*`` of a rewritten ``^`` point at the ``^``).
    """
    if "^" not in text:
        return text, ()
    pieces: list[str] = []
    source: list[int] = []
    for index, char in enumerate(text):
        if char == "^":
            pieces.append("**")
            source.extend((index, index))
        else:
            pieces.append(char)
            source.append(index)
    return "".join(pieces), tuple(source)


def source_column(column: int, source_index: tuple[int, ...]) -> int:
    """Map a 1-based column of the rewritten text back to the text as typed."""
    if not source_index:
        return column
    if column - 1 < len(source_index):
        return source_index[column - 1] + 1
    return source_index[-1] + 2 + (column - 1 - len(source_index))


def _remapped(err: ExpressionError, text: str, source_index: tuple[int, ...]) -> ExpressionError:
    if err.column is None or not source_index:
        return err
    column = source_column(err.column, source_index)
    message = err.message
    if "near '" in message:  # quote the student's characters, not the rewritten ones
        near = short(text[column - 1 :].split(" ", 1)[0], 10)
        message = message.split("near '", 1)[0] + f"near '{near}'"
    return ExpressionError(message, column)


def column_of(node: ast.AST, offset: int) -> int:
    """1-based column in the original text of an AST node parsed with ``offset``."""
    return offset + getattr(node, "col_offset", 0) + 1


def _syntax_error(flat: str, offset: int, err: SyntaxError) -> ExpressionError:
    position = offset + (err.offset or 1) - 1
    column = min(position, len(flat)) + 1
    if position >= len(flat.rstrip()):
        return ExpressionError("the expression is incomplete: something is missing at the end")
    near = short(flat[position:].split(" ", 1)[0], 10)
    return ExpressionError(f"this is not a valid expression near '{near}'", column)


def _text_column(flat: str, start: int, wanted: str) -> int:
    """1-based column of the first ``wanted`` character at or after index ``start``."""
    found = flat.find(wanted, start)
    return (found if found >= 0 else start) + 1


def _walk(tree: ast.Expression, flat: str, offset: int) -> set[str]:
    """Check every node against the whitelist and the caps; return the variable names."""
    names: set[str] = set()
    count = 0
    # (node, depth, kind of parent chain, length of the power chain above)
    stack: list[tuple[ast.AST, int, str, int]] = [(tree.body, 1, "", 0)]
    while stack:
        node, depth, chain, tower = stack.pop()
        count += 1
        column = column_of(node, offset)
        if count > MAX_AST_NODES:
            raise ExpressionError(
                f"the expression is too big (more than {MAX_AST_NODES} parts)", column
            )
        if depth > MAX_AST_DEPTH:
            raise ExpressionError(
                f"the expression is nested too deeply (more than {MAX_AST_DEPTH} levels)", column
            )
        children: list[tuple[ast.AST, str, int]] = []
        if isinstance(node, ast.BinOp):
            children = _binop_children(node, flat, offset, tower)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.UAdd, ast.USub)):
                raise ExpressionError("'~' is not supported", column)
            children = [(node.operand, "unary", tower)]
        elif isinstance(node, ast.Call):
            children = [(_check_call(node, offset), "call", 0)]
        elif isinstance(node, ast.Name):
            _check_name(node.id, column)
            if node.id not in CONSTANTS:
                names.add(node.id)
        elif isinstance(node, ast.Constant):
            _check_literal(node, flat, offset)
        else:
            raise ExpressionError(*_refusal(node, flat, offset))
        for child, kind, child_tower in reversed(children):
            same_chain = kind in ("add", "mul") and kind == chain
            stack.append((child, depth if same_chain else depth + 1, kind, child_tower))
    return names


def _binop_children(
    node: ast.BinOp, flat: str, offset: int, tower: int
) -> list[tuple[ast.AST, str, int]]:
    op = node.op
    if isinstance(op, _ADDITIVE):
        return [(node.left, "add", 0), (node.right, "add", 0)]
    if isinstance(op, _MULTIPLICATIVE):
        return [(node.left, "mul", 0), (node.right, "mul", 0)]
    position = offset + node.left.end_col_offset  # type: ignore[operator]
    if isinstance(op, _POWER):
        height = tower + 1
        if height > MAX_POWER_TOWER:
            raise ExpressionError(
                f"powers are nested too deeply (at most {MAX_POWER_TOWER} levels)",
                _text_column(flat, position, "*"),
            )
        _check_literal_exponent(node.right, flat, offset)
        return [(node.left, "pow", height), (node.right, "pow", height)]
    message = _OPERATOR_SYMBOLS.get(type(op), "this operator is not supported")
    symbol = message.split("'")[1] if "'" in message else " "
    raise ExpressionError(message, _text_column(flat, position, symbol))


def _check_literal_exponent(node: ast.AST, flat: str, offset: int) -> None:
    literal = node.operand if isinstance(node, ast.UnaryOp) else node
    if not isinstance(literal, ast.Constant) or not isinstance(literal.value, (int, float)):
        return
    if isinstance(literal.value, bool):
        return
    if abs(literal.value) > MAX_NUMERIC_EXPONENT:
        start = node.col_offset  # include a sign
        token = short(flat[offset + start : offset + node.end_col_offset])  # type: ignore[operator]
        raise ExpressionError(
            f"exponent {token} is too large (at most {MAX_NUMERIC_EXPONENT})",
            column_of(node, offset),
        )


def _check_call(node: ast.Call, offset: int) -> ast.AST:
    column = column_of(node, offset)
    func = node.func
    if not isinstance(func, ast.Name):
        raise ExpressionError("only functions such as sin or exp can be called", column)
    name = func.id
    if name in CONSTANTS:
        raise ExpressionError(
            f"{name} is a number, not a function: to multiply write {name}*(...)", column
        )
    if name not in FUNCTIONS:
        hint = f": to multiply write {name}*(...)" if len(name) <= 2 else ""
        raise ExpressionError(f"unknown function '{short(name)}'{hint}", column)
    if node.keywords:
        raise ExpressionError(f"{name} takes one argument without a name: write {name}(x)", column)
    if len(node.args) != 1:
        raise ExpressionError(f"{name} takes exactly one argument, not {len(node.args)}", column)
    if isinstance(node.args[0], ast.Starred):
        raise ExpressionError("'*' unpacking is not supported", column)
    return node.args[0]


def _check_name(name: str, column: int) -> None:
    if name in CONSTANTS:
        return
    problem = name_problem(name)
    if problem is not None:
        raise ExpressionError(problem, column)


def _check_literal(node: ast.Constant, flat: str, offset: int) -> None:
    value = node.value
    column = column_of(node, offset)
    token = short(flat[offset + node.col_offset : offset + node.end_col_offset])  # type: ignore[operator]
    if isinstance(value, complex):
        raise ExpressionError("imaginary numbers are not supported", column)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"'{token}' is not supported: only numbers are allowed", column)
    if isinstance(value, int) and abs(value) >= 10**MAX_INTEGER_DIGITS:
        raise ExpressionError(
            f"the number {token} is too large (at most {MAX_INTEGER_DIGITS} digits)", column
        )
    if isinstance(value, float) and not abs(value) <= MAX_FLOAT_LITERAL:
        raise ExpressionError(f"the number {token} is too large (at most 1e15)", column)


def _refusal(node: ast.AST, flat: str, offset: int) -> tuple[str, int]:
    column = column_of(node, offset)
    if isinstance(node, ast.Attribute):
        while isinstance(node.value, ast.Attribute):  # point at the first '.'
            node = node.value
        end = offset + node.value.end_col_offset  # type: ignore[operator]
        return "attribute access with '.' is not supported", _text_column(flat, end, ".")
    if isinstance(node, ast.Subscript):
        end = offset + node.value.end_col_offset  # type: ignore[operator]
        return "indexing with [...] is not supported", _text_column(flat, end, "[")
    if isinstance(node, ast.Compare):
        end = offset + node.left.end_col_offset  # type: ignore[operator]
        column = _text_column(flat, end, flat[end:].lstrip()[:1] or " ")
        return "comparisons (<, >, ==) are not supported", column
    if isinstance(node, ast.NamedExpr):
        end = offset + node.target.end_col_offset  # type: ignore[operator]
        return "':=' is not supported", _text_column(flat, end, ":")
    if isinstance(node, ast.Starred):
        return "'*' unpacking is not supported", column
    if isinstance(node, ast.Tuple):
        if not node.elts:
            return "empty brackets '()' are not allowed", column
        end = offset + node.elts[0].end_col_offset  # type: ignore[operator]
        return "',' is not allowed: type a single expression", _text_column(flat, end, ",")
    if isinstance(node, (ast.List, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)):
        return "lists, sets and dictionaries are not supported", column
    return f"this kind of expression ({type(node).__name__}) is not supported", column
