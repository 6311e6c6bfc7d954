"""A corpus of bad expression texts: each is refused quickly, clearly, and at the right place.

``stage`` says where it must be caught: ``"syntax"`` by :func:`check_syntax` in this
process (cheap, as you type), ``"build"`` only when the sympy tree is built in the helper
process (the text is fine, the mathematics is not).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gdstudio.problems.expression import (
    ExpressionError,
    analyse_expression,
    check_syntax,
    shutdown_compile_service,
)

SYNTAX, BUILD = "syntax", "build"

# (text, stage, fragments the message must contain, column or None when not meaningful)
BAD: list[tuple[str, str, tuple[str, ...], int | None]] = [
    # --- attempts to run code ---
    ("__import__('os')", SYNTAX, ("quotes",), 12),
    ("__import__(x)", SYNTAX, ("unknown function '__import__'",), 1),
    ("x.__class__", SYNTAX, ("attribute",), 2),
    ("().__class__.__bases__", SYNTAX, ("attribute",), 3),
    ("x.real", SYNTAX, ("attribute",), 2),
    ("lambda: 1", SYNTAX, ("'lambda' is not supported",), 1),
    ("[x for x in y]", SYNTAX, ("'for'",), 4),
    ("(x := 1)", SYNTAX, ("':='",), 4),
    ('f"{x}"', SYNTAX, ("quotes",), 2),
    ("sin(x=1)", SYNTAX, ("one argument without a name", "sin(x)"), 1),
    ("x[0]", SYNTAX, ("indexing",), 2),
    ("open('f')", SYNTAX, ("quotes",), 6),
    ("open(x)", SYNTAX, ("unknown function 'open'",), 1),
    ("getattr(x, y)", SYNTAX, ("unknown function 'getattr'",), 1),
    ("exec", SYNTAX, ("'exec'", "reserved"), 1),
    ("eval('1')", SYNTAX, ("quotes",), 6),
    ("eval(x)", SYNTAX, ("unknown function 'eval'",), 1),
    ("print(x)", SYNTAX, ("unknown function 'print'",), 1),
    ("'abc'", SYNTAX, ("quotes",), 1),
    ("x if y else z", SYNTAX, ("if ... else",), 3),
    ("x < y", SYNTAX, ("comparisons",), 3),
    ("x == 1", SYNTAX, ("comparisons",), 3),
    ("x and y", SYNTAX, ("'and'",), 3),
    ("not x", SYNTAX, ("'not'",), 1),
    ("await x", SYNTAX, ("'await'", "keyword"), 1),
    ("*x", SYNTAX, ("'*' needs something before it",), 1),
    ("{1:2}", SYNTAX, ("dictionaries",), 1),
    ("[x]", SYNTAX, ("lists",), 1),
    ("x @ y", SYNTAX, ("'@'",), 3),
    ("x // y", SYNTAX, ("'//'", "use '/'"), 3),
    ("x % y", SYNTAX, ("'%'",), 3),
    ("x | y", SYNTAX, ("'|'",), 3),
    ("x & y", SYNTAX, ("'&'",), 3),
    ("x << 2", SYNTAX, ("'<<'",), 3),
    ("~x", SYNTAX, ("'~'",), 1),
    ("x; y", SYNTAX, ("';'",), 2),
    ("x, y", SYNTAX, ("','", "single expression"), 2),
    ("x = 1", SYNTAX, ("'='", "only the expression"), 3),
    ("x#comment", SYNTAX, ("'#'",), 2),
    ("sleep(1)", SYNTAX, ("unknown function 'sleep'",), 1),
    # --- denial of service ---
    ("9**9**9**9", BUILD, ("exponent 387420489 is too large", "at most 100"), 7),
    ("9**9**9", BUILD, ("exponent 387420489 is too large",), 4),
    ("x**x**x**x**x", SYNTAX, ("nested too deeply",), 11),
    ("((x+y)**999)**999", SYNTAX, ("exponent 999 is too large",), 15),
    ("x**1000000", SYNTAX, ("exponent 1000000 is too large (at most 100)",), 4),
    ("x**-101", SYNTAX, ("exponent -101 is too large",), 4),
    ("x**1e3", SYNTAX, ("exponent 1e3 is too large",), 4),
    ("10**100000", SYNTAX, ("exponent 100000 is too large",), 5),
    ("1" * 400, SYNTAX, ("too large", "15 digits"), 1),
    ("1234567890123456", SYNTAX, ("too large",), 1),
    ("1e999", SYNTAX, ("too large",), 1),
    ("1e16*x", SYNTAX, ("too large",), 1),
    ("(" * 300 + "x" + ")" * 300, SYNTAX, ("too many nested brackets",), 51),
    ("x" * 100_000, SYNTAX, ("too long", "100000 characters"), None),
    ("x+" * 3000, SYNTAX, ("too long",), None),
    ("-" * 900 + "x", SYNTAX, ("nested too deeply",), 61),
    ("+".join(["x"] * 400), SYNTAX, ("too big",), None),
    ("((x**100)**100)**2", BUILD, ("exponent 20000 is too large",), None),
    ("(2**50)**50", BUILD, ("too large",), 10),
    ("x**(50*50)", BUILD, ("exponent 2500 is too large",), 5),
    ("10**99*10**99", BUILD, ("too large", "100 digits"), None),
    # --- look-alike and other unicode ---
    ("х**2", SYNTAX, ("U+0445", "CYRILLIC", "Latin letter x"), 1),
    ("у + 1", SYNTAX, ("U+0443", "Latin letter y"), 1),
    ("ο*2", SYNTAX, ("U+03BF", "Latin letter o"), 1),
    ("x²", SYNTAX, ("U+00B2", "**2"), 2),
    ("x³ + 1", SYNTAX, ("U+00B3", "**3"), 2),
    ("x − 1", SYNTAX, ("U+2212", "MINUS SIGN", "-"), 3),
    ("x – 1", SYNTAX, ("U+2013", "-"), 3),
    ("2×x", SYNTAX, ("U+00D7", "*"), 2),
    ("2·x", SYNTAX, ("U+00B7", "*"), 2),
    ("x÷2", SYNTAX, ("U+00F7", "/"), 2),
    ("θ*x", SYNTAX, ("U+03B8", "theta"), 1),
    ("π*x", SYNTAX, ("U+03C0", "pi"), 1),
    ("ｘ", SYNTAX, ("U+FF58", "FULLWIDTH", "x"), 1),
    ("𝑥+1", SYNTAX, ("U+1D465", "x"), 1),
    ("√x", SYNTAX, ("U+221A", "sqrt"), 1),
    ("x\u200b+1", SYNTAX, ("U+200B", "ZERO WIDTH SPACE", "remove"), 2),
    ("x\u00a0+ 1", SYNTAX, ("U+00A0", "space"), 2),
    ("x\x00", SYNTAX, ("U+0000", "control character"), 2),
    ("x\x07 + 1", SYNTAX, ("U+0007",), 2),
    ("x\x0b", SYNTAX, ("U+000B",), 2),
    # --- empty ---
    ("", SYNTAX, ("the expression is empty",), None),
    ("   ", SYNTAX, ("the expression is empty",), None),
    ("\n\t \r\n", SYNTAX, ("the expression is empty",), None),
    # --- mathematics that does not work ---
    ("1/0", BUILD, ("undefined", "division by zero"), None),
    ("x/(1-1)", BUILD, ("undefined",), None),
    ("log(0)", BUILD, ("undefined",), None),
    ("sqrt(-1)", BUILD, ("complex",), None),
    ("(-8)**(1/3)*x", BUILD, ("complex",), None),
    # --- typing mistakes ---
    ("2x", SYNTAX, ("write 2*x",), 1),
    ("3xy + 1", SYNTAX, ("write 3*xy",), 1),
    ("2.5e3x", SYNTAX, ("write 2.5e3*x",), 1),
    ("2 x", SYNTAX, ("operator is missing", "2*x"), 3),
    ("x y", SYNTAX, ("operator is missing",), 3),
    ("2(x+1)", SYNTAX, ("write 2*(",), 2),
    ("(x+1)(x-1)", SYNTAX, (")*(",), 6),
    ("sin", SYNTAX, ("sin is a function; write sin(x)",), 1),
    ("sin + 1", SYNTAX, ("sin is a function; write sin(x)",), 1),
    ("sin x", SYNTAX, ("write sin(x)",), 5),
    ("sin(x, y)", SYNTAX, ("exactly one argument",), 1),
    ("sin()", SYNTAX, ("exactly one argument",), 1),
    ("pi(x)", SYNTAX, ("pi is a number, not a function",), 1),
    ("e(2)", SYNTAX, ("e is a number, not a function",), 1),
    ("foo(x)", SYNTAX, ("unknown function 'foo'",), 1),
    ("f(x)", SYNTAX, ("unknown function 'f'", "f*("), 1),
    ("(x", SYNTAX, ("'(' is never closed",), 1),
    ("x)", SYNTAX, ("unmatched ')'",), 2),
    ("(x]", SYNTAX, ("does not match",), 3),
    ("x+", SYNTAX, ("ends with '+'",), 2),
    ("x**", SYNTAX, ("ends with '**'",), 2),
    ("x*/y", SYNTAX, ("cannot follow",), 3),
    ("(x+)", SYNTAX, ("'+' needs something after it",), 3),
    ("1j", SYNTAX, ("imaginary numbers are not supported",), 1),
    ("2 + 3J*x", SYNTAX, ("imaginary numbers",), 5),
    ("0x1F", SYNTAX, ("decimal",), 1),
    ("1_000", SYNTAX, ("'_'",), 2),
    ("007", SYNTAX, ("cannot start with 0",), 1),
    ("1.2.3", SYNTAX, ("two decimal points",), 4),
    ("True", SYNTAX, ("not a number",), 1),
    ("_x + 1", SYNTAX, ("start with a letter",), 1),
    ("a" * 33, SYNTAX, ("too long", "32"), 1),
    ("inf", SYNTAX, ("infinity",), 1),
    ("x!", SYNTAX, ("'!'",), 2),
    ("$x", SYNTAX, ("'$'",), 1),
    ("x\\", SYNTAX, ("'\\'",), 2),
    ("x.", SYNTAX, ("not a valid expression",), None),
]


@pytest.fixture(scope="module", autouse=True)
def _service() -> Iterator[None]:
    analyse_expression("x + 0.125")  # start the helper once, outside the timed cases
    yield
    shutdown_compile_service()


def test_the_corpus_is_large() -> None:
    assert len(BAD) >= 60
    assert len({text for text, *_ in BAD}) == len(BAD)


@pytest.mark.parametrize(("text", "stage", "fragments", "column"), BAD, ids=range(len(BAD)))
def test_bad_input_is_refused(
    text: str, stage: str, fragments: tuple[str, ...], column: int | None
) -> None:
    with pytest.raises(ExpressionError) as info:
        analyse_expression(text)
    error = info.value
    assert isinstance(error, ValueError)
    message = str(error)
    for fragment in fragments:
        assert fragment in message, message
    if column is not None:
        assert error.column == column, message
        assert message.endswith(f"(column {column})")
    assert "\n" not in message and "\r" not in message
    assert error.message[0].islower() or error.message[0] in "'("


@pytest.mark.parametrize(("text", "stage", "fragments", "column"), BAD, ids=range(len(BAD)))
def test_check_syntax_catches_the_syntax_stage(
    text: str, stage: str, fragments: tuple[str, ...], column: int | None
) -> None:
    if stage == SYNTAX:
        with pytest.raises(ExpressionError) as info:
            check_syntax(text)
        for fragment in fragments:
            assert fragment in str(info.value)
    else:
        check_syntax(text)  # fine as text; refused once built


def test_messages_never_echo_invisible_characters() -> None:
    for text in ("x\u200b", "x\u2028", "x\x00", "x\u00a0"):
        with pytest.raises(ExpressionError) as info:
            check_syntax(text)
        assert text[1] not in str(info.value)
