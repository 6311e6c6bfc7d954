"""The lexical checks: characters, numbers, names, operators and brackets, left to right.

They run before ``ast.parse``: they are cheap, they give messages a student understands
("write 2*x", "'(' is never closed") where Python's parser would only say "invalid
syntax", and they cap the bracket depth before Python's parser can choke on it.
"""

from __future__ import annotations

import keyword
import re
import string

from gdstudio.problems._rules import (
    FUNCTIONS,
    MAX_BRACKET_DEPTH,
    ExpressionError,
    short,
)
from gdstudio.problems._unicode import describe_character

_LETTERS = frozenset(string.ascii_letters)
_NAME_START = _LETTERS | {"_"}
_NAME_CHARS = _NAME_START | frozenset(string.digits)
_DIGITS = frozenset(string.digits)
_SPACES = frozenset(" \t\n\r")
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_LONG_OPERATORS = ("**", "//", "<<", ">>", "<=", ">=", "==", "!=", ":=", "->")
_SHORT_OPERATORS = frozenset("+-*/^%@&|~<>=:!")
_UNARY_OPERATORS = frozenset({"+", "-", "~"})
_REFUSED_ASCII = {
    ";": "';' is not allowed: type a single expression",
    "#": "'#' (a comment) is not allowed",
    "'": "quotes are not allowed: text (strings) is not supported",
    '"': "quotes are not allowed: text (strings) is not supported",
    "\\": "'\\' is not allowed",
    "$": "'$' is not allowed",
    "?": "'?' is not allowed",
    "`": "'`' is not allowed",
}
_KEYWORD_MESSAGES = {
    "lambda": "'lambda' is not supported: type the expression itself",
    "if": "conditional expressions ('if ... else') are not supported",
    "else": "conditional expressions ('if ... else') are not supported",
    "and": "'and' is not supported: only arithmetic is allowed",
    "or": "'or' is not supported: only arithmetic is allowed",
    "not": "'not' is not supported: only arithmetic is allowed",
    "True": "'True' is not a number: only numbers and variables are allowed",
    "False": "'False' is not a number: only numbers and variables are allowed",
    "None": "'None' is not a number: only numbers and variables are allowed",
}
_LEADING_ZEROS = re.compile(r"0+[1-9][0-9]*\Z")


def check_characters(text: str) -> None:
    """Refuse non-ASCII and control characters (tab and line breaks are spaces)."""
    if text.isascii() and text.isprintable():
        return
    for index, char in enumerate(text):
        if char in _SPACES or (char.isascii() and char.isprintable()):
            continue
        raise ExpressionError(describe_character(char), index + 1)


def _number_end(text: str, start: int) -> int:
    """Index just after the decimal literal starting at ``start``."""
    size = len(text)
    index = start
    while index < size and text[index] in _DIGITS:
        index += 1
    if index < size and text[index] == ".":
        index += 1
        while index < size and text[index] in _DIGITS:
            index += 1
    if index < size and text[index] in "eE":
        probe = index + 1
        if probe < size and text[probe] in "+-":
            probe += 1
        if probe < size and text[probe] in _DIGITS:
            index = probe
            while index < size and text[index] in _DIGITS:
                index += 1
    return index


def _name_end(text: str, start: int) -> int:
    index = start
    while index < len(text) and text[index] in _NAME_CHARS:
        index += 1
    return index


def _check_number_end(text: str, start: int, end: int) -> None:
    token = text[start:end]
    after = text[end] if end < len(text) else ""
    if token == "0" and after in ("x", "X", "o", "O", "b", "B"):
        raise ExpressionError("only decimal numbers are supported", start + 1)
    if after == "_":
        raise ExpressionError(f"'_' cannot be used in numbers ('{short(token)}_')", end + 1)
    if after in ("j", "J") and (end + 1 == len(text) or text[end + 1] not in _NAME_CHARS):
        raise ExpressionError("imaginary numbers are not supported", start + 1)
    if after in _LETTERS:
        name = text[end : _name_end(text, end)]
        raise ExpressionError(
            f"a number cannot be followed directly by a name: write {short(token)}*{short(name)}",
            start + 1,
        )
    if after == ".":
        raise ExpressionError("a number cannot have two decimal points", end + 1)
    if _LEADING_ZEROS.match(token):
        raise ExpressionError(
            f"whole numbers cannot start with 0: write {short(token.lstrip('0'))}", start + 1
        )


def _operator_at(text: str, index: int) -> str:
    pair = text[index : index + 2]
    return pair if pair in _LONG_OPERATORS else text[index]


def scan_tokens(text: str) -> None:
    """Check tokens, their order and the brackets, left to right; raise at the first fault."""
    openers: list[tuple[str, int]] = []
    previous = "start"  # start, operand, name, close, open, operator, comma, dot
    previous_text = ""
    previous_column = 0
    index, size = 0, len(text)
    while index < size:
        char, column = text[index], index + 1
        if char in _SPACES:
            index += 1
            continue
        if char in _NAME_START:
            end = _name_end(text, index)
            word = text[index:end]
            if keyword.iskeyword(word):
                generic = f"'{word}' is a Python keyword and is not allowed"
                raise ExpressionError(_KEYWORD_MESSAGES.get(word, generic), column)
            _check_adjacent(previous, previous_text, word, column)
            previous, previous_text, previous_column, index = "name", word, column, end
        elif char in _DIGITS or (char == "." and text[index + 1 : index + 2].isdigit()):
            end = _number_end(text, index)
            _check_number_end(text, index, end)
            _check_adjacent(previous, previous_text, text[index:end], column)
            previous, previous_text, previous_column = "operand", text[index:end], column
            index = end
        elif char in _OPENERS:
            if previous == "operand":
                raise ExpressionError(
                    f"a number cannot be followed directly by '{char}': "
                    f"write {short(previous_text)}*{char}...",
                    column,
                )
            if previous == "close":
                raise ExpressionError(
                    f"an operator is missing before '{char}': to multiply write "
                    f"'{previous_text}*{char}'",
                    column,
                )
            openers.append((char, column))
            if len(openers) > MAX_BRACKET_DEPTH:
                raise ExpressionError(
                    f"too many nested brackets (at most {MAX_BRACKET_DEPTH})", column
                )
            previous, previous_text, previous_column, index = "open", char, column, index + 1
        elif char in _CLOSERS:
            _check_closer(openers, previous, previous_text, previous_column, char, column)
            previous, previous_text, previous_column, index = "close", char, column, index + 1
        elif char in _REFUSED_ASCII:
            raise ExpressionError(_REFUSED_ASCII[char], column)
        elif char == ",":
            if previous in ("start", "open", "operator", "comma"):
                raise ExpressionError("',' needs something before it", column)
            previous, previous_text, previous_column, index = "comma", char, column, index + 1
        elif char == ".":
            previous, previous_text, previous_column, index = "dot", char, column, index + 1
        elif char in _SHORT_OPERATORS:
            operator = _operator_at(text, index)
            _check_operator(openers, previous, previous_text, operator, column)
            previous, previous_text, previous_column = "operator", operator, column
            index += len(operator)
        else:  # pragma: no cover - every printable ASCII character is handled above
            raise ExpressionError(f"'{char}' is not allowed", column)
    if openers:
        char, column = openers[-1]
        raise ExpressionError(f"'{char}' is never closed", column)
    if previous == "operator":
        raise ExpressionError(
            f"the expression ends with '{previous_text}': something is missing after it",
            previous_column,
        )


def _check_adjacent(previous: str, previous_text: str, token: str, column: int) -> None:
    if previous == "name" and previous_text in FUNCTIONS:
        raise ExpressionError(
            f"{previous_text} is a function; write {previous_text}({short(token)})", column
        )
    if previous in ("name", "operand", "close"):
        raise ExpressionError(
            f"an operator is missing between '{short(previous_text)}' and '{short(token)}' "
            f"(to multiply write {short(previous_text)}*{short(token)})",
            column,
        )


def _check_closer(
    openers: list[tuple[str, int]],
    previous: str,
    previous_text: str,
    previous_column: int,
    char: str,
    column: int,
) -> None:
    if not openers:
        raise ExpressionError(f"unmatched '{char}'", column)
    opener, opener_column = openers.pop()
    if opener != _CLOSERS[char]:
        raise ExpressionError(
            f"'{char}' does not match '{opener}' at column {opener_column}", column
        )
    if previous == "operator":
        raise ExpressionError(f"'{previous_text}' needs something after it", previous_column)
    if previous == "comma":
        raise ExpressionError("',' needs something after it", column)


def _check_operator(
    openers: list[tuple[str, int]], previous: str, previous_text: str, operator: str, column: int
) -> None:
    if operator == "=" and not openers:
        raise ExpressionError(
            "'=' is not allowed: type only the expression (x**2, not f = x**2)", column
        )
    if operator == "!":
        raise ExpressionError("'!' is not allowed", column)
    if operator in _UNARY_OPERATORS:
        return
    if previous in ("start", "open", "comma"):
        raise ExpressionError(f"'{operator}' needs something before it", column)
    if previous == "operator":
        raise ExpressionError(f"'{operator}' cannot follow '{previous_text}'", column)
