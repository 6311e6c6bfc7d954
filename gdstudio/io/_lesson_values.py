"""Strict checks of single values in a lesson file; each failure names where it is.

A failure raises :class:`LessonValueError` carrying the value's :data:`Path`; the reader
turns it into one sentence with the file's name, the line and the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NoReturn

from gdstudio.io._lesson_locate import Path

__all__ = [
    "LessonValueError",
    "choice",
    "fail",
    "flag",
    "known_keys",
    "number",
    "shown",
    "table",
    "text",
    "text_list",
    "whole_number",
]


class LessonValueError(ValueError):
    """A value of a lesson file that is not valid, with where it is."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(problem)


def fail(path: Path, problem: str) -> NoReturn:
    """Raise :class:`LessonValueError`."""
    raise LessonValueError(path, problem)


def shown(value: Any) -> str:
    """A value as TOML spells it, shortened: ``true``, ``"abc"``, ``-1``, ``a table``."""
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        spelled = '"' + value + '"'
    elif isinstance(value, int | float):
        spelled = repr(value)
    else:
        spelled = f"a {type(value).__name__}"
    return spelled if len(spelled) <= 40 else spelled[:37] + "..."


def table(value: Any, path: Path) -> Mapping[str, Any]:
    """``value`` if it is a TOML table."""
    if not isinstance(value, Mapping):
        fail(path, f"must be a table, not {shown(value)}")
    return value


def known_keys(mapping: Mapping[str, Any], path: Path, required: tuple[str, ...],
               optional: tuple[str, ...]) -> None:
    """Refuse unknown keys and missing required keys."""
    allowed = (*required, *optional)
    for key in mapping:
        if key not in allowed:
            fail((*path, key), f"is not a key this table knows (it knows: {', '.join(allowed)})")
    for key in required:
        if key not in mapping:
            fail((*path, key), "is missing")


def text(value: Any, path: Path, max_length: int, *, blank: bool = False) -> str:
    """``value`` as text of at most ``max_length`` characters (not blank unless allowed)."""
    if not isinstance(value, str):
        fail(path, f"must be text in quotes, not {shown(value)}")
    if len(value) > max_length:
        fail(path, f"is too long ({len(value):,} characters; at most {max_length:,})")
    if not blank and not value.strip():
        fail(path, "must not be blank")
    return value


def text_list(value: Any, path: Path, max_items: int, max_length: int) -> tuple[str, ...]:
    """A list of at most ``max_items`` texts."""
    if not isinstance(value, list):
        fail(path, f"must be a list of texts, not {shown(value)}")
    if len(value) > max_items:
        fail(path, f"has {len(value)} items; at most {max_items}")
    return tuple(text(item, path, max_length) for item in value)


def number(value: Any, path: Path, *, positive: bool = False, minimum: float | None = None,
           maximum: float | None = None) -> float:
    """``value`` as a finite float (above 0 when ``positive``), within the bounds given."""
    wanted = "a positive number" if positive else "a number"
    if not isinstance(value, int | float) or isinstance(value, bool):
        fail(path, f"must be {wanted}, not {shown(value)}")
    try:
        result = float(value)
    except OverflowError:
        fail(path, f"must be {wanted}, not a number with {len(str(value))} digits")
    if not math.isfinite(result) or (positive and result <= 0):
        fail(path, f"must be {wanted}, not {shown(value)}")
    if minimum is not None and result < minimum:
        fail(path, f"must be at least {minimum:g}, not {shown(value)}")
    if maximum is not None and result > maximum:
        fail(path, f"must be at most {maximum:g}, not {shown(value)}")
    return result


def whole_number(value: Any, path: Path, minimum: int, maximum: int) -> int:
    """``value`` as an int from ``minimum`` to ``maximum``."""
    if not isinstance(value, int) or isinstance(value, bool):
        fail(path, f"must be a whole number, not {shown(value)}")
    if not minimum <= value <= maximum:
        fail(path, f"must be from {minimum:,} to {maximum:,}, not {shown(value)}")
    return value


def flag(value: Any, path: Path) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        fail(path, f"must be true or false, not {shown(value)}")
    return value


def choice(value: Any, path: Path, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (compared without case)."""
    if not isinstance(value, str) or value.strip().lower() not in choices:
        fail(path, f"must be one of {', '.join(choices)}, not {shown(value)}")
    return value.strip().lower()
