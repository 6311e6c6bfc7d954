"""The rules shared by the checks: the error type, the caps, and which names are allowed."""

from __future__ import annotations

import keyword
import re

# Caps on the text and its syntax tree (checked in this order, cheapest first).
MAX_TEXT_LENGTH = 1_000
MAX_BRACKET_DEPTH = 50
MAX_AST_NODES = 500
MAX_AST_DEPTH = 60
MAX_NAME_LENGTH = 32
MAX_INTEGER_DIGITS = 15
MAX_FLOAT_LITERAL = 1e15
MAX_NUMERIC_EXPONENT = 100
MAX_POWER_TOWER = 3
#: What a function to minimise that has no variable (``5``, ``pi*2``) is told.
NO_VARIABLE = "the function has no variable to descend on"

#: Function names a student may call (one argument each) -> name of the sympy function.
FUNCTIONS: dict[str, str] = {
    "sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot",
    "asin": "asin", "acos": "acos", "atan": "atan",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "asinh": "asinh", "acosh": "acosh", "atanh": "atanh",
    "exp": "exp", "log": "log", "ln": "log", "sqrt": "sqrt", "abs": "Abs",
}  # fmt: skip
#: Names that stand for numbers.
CONSTANTS: frozenset[str] = frozenset({"pi", "e"})

# Names refused as variables: Python builtins (harmless here, but confusing and a sign of
# someone probing) and words for numbers we do not support.
# fmt: off
_RESERVED_NAMES: frozenset[str] = frozenset(
    {
        "eval", "exec", "compile", "open", "input", "print", "getattr", "setattr", "delattr",
        "hasattr", "globals", "locals", "vars", "dir", "help", "breakpoint", "exit", "quit", "type",
        "object", "super", "memoryview", "bytes", "bytearray", "str", "int", "float", "complex",
        "bool", "list", "dict", "set", "frozenset", "tuple", "range", "iter", "next", "len", "min",
        "max", "sum", "pow", "round", "map", "filter", "zip", "sorted", "reversed", "enumerate",
        "all", "any", "id", "hash", "repr", "format", "chr", "ord", "isinstance", "issubclass",
        "callable", "classmethod", "staticmethod", "property", "slice", "divmod", "bin", "hex",
        "oct", "ascii", "aiter", "anext",
    }
)
# fmt: on
_NUMBER_WORDS: frozenset[str] = frozenset({"inf", "infinity", "nan", "oo", "zoo"})

_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_DIGIT_RUNS = re.compile(r"(\d+)")


class ExpressionError(ValueError):
    """Bad expression text.

    ``str(err)`` is one sentence for a student saying what is wrong and, when known, where:
    ``"unknown function 'foo' (column 1)"``.

    Parameters
    ----------
    message : str
        The sentence, without the location.
    column : int or None
        1-based column (character position, line breaks count as one) of the problem.
    """

    __module__ = "gdstudio.problems.expression"  # where users import it from

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message: str = " ".join(message.split())
        self.column: int | None = column
        super().__init__(self.message)

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        return f"{self.message} (column {self.column})"

    def __reduce__(self) -> tuple[type[ExpressionError], tuple[str, int | None]]:
        return (type(self), (self.message, self.column))


def natural_key(name: str) -> tuple[tuple[str | int, ...], str]:
    """Sort key: alphabetical, ignoring case, with digit runs compared as numbers."""
    parts = _DIGIT_RUNS.split(name)
    key = tuple(int(part) if index % 2 else part.lower() for index, part in enumerate(parts))
    return key, name


def name_problem(name: str) -> str | None:
    """Return why ``name`` cannot be a variable name, or None when it can."""
    if name.startswith("_"):
        return f"names must start with a letter, not '_' ('{short(name)}')"
    if not _NAME_PATTERN.match(name):
        return f"'{short(name)}' is not a valid name: use letters, digits and '_'"
    if len(name) > MAX_NAME_LENGTH:
        return f"the name '{short(name)}' is too long (at most {MAX_NAME_LENGTH} characters)"
    if keyword.iskeyword(name):
        return f"'{name}' is a Python keyword and cannot be a name"
    if name in FUNCTIONS:
        return f"{name} is a function; write {name}(x)"
    if name in CONSTANTS:
        return f"{name} is a constant, not a variable"
    if name in _NUMBER_WORDS:
        return f"'{name}' is not supported: infinity and NaN cannot be used in expressions"
    if name in _RESERVED_NAMES:
        return f"'{name}' is a reserved name in Python; choose another variable name"
    return None


def short(token: str, limit: int = 20) -> str:
    return token if len(token) <= limit else token[: limit - 3] + "..."
