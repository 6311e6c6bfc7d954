"""Small strict checks shared by experiments, the project reader and the scripting API.

Each raises :class:`ExperimentError` with a sentence that starts with where the value is
in a project file (``settings.learning_rate``, ``problem.start.x`` …); the API names the
same place by its keyword (:meth:`ExperimentError.renamed`). Booleans are not numbers,
strings are not numbers, and numbers must be finite.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, NoReturn

__all__ = [
    "ExperimentError",
    "fail",
    "finite_number",
    "is_number",
    "json_object",
    "known_keys",
    "name_to_number",
    "shown",
    "text",
    "whole_number",
]


class ExperimentError(ValueError):
    """A value of an experiment that is not valid: ``str(error)`` is one sentence.

    Parameters
    ----------
    where : str
        The value's place, as a project file names it (``settings.learning_rate``), or
        ``""`` when the sentence names it itself.
    problem : str
        What is wrong with it (``must be a positive number, not true``).
    """

    __module__ = "gdstudio"  # where users import it from

    def __init__(self, where: str, problem: str = "") -> None:
        self.where, self.problem = where, problem
        super().__init__(" ".join(f"{where} {problem}".split()))

    def renamed(self, names: Mapping[str, str]) -> ExperimentError:
        """The same sentence with its place renamed by the longest matching prefix.

        ``names`` maps a place or the start of one (``"settings.stopping."``) to the
        name to use instead (``""`` drops the prefix).
        """
        for prefix in sorted(names, key=len, reverse=True):
            if self.where == prefix or (prefix.endswith(".") and self.where.startswith(prefix)):
                where = names[prefix] + self.where[len(prefix):] if prefix.endswith(".") \
                    else names[prefix]
                return ExperimentError(where, self.problem)
        return ExperimentError(self.where, self.problem)

    def __reduce__(self) -> tuple[type[ExperimentError], tuple[str, str]]:
        return (type(self), (self.where, self.problem))


def fail(where: str, problem: str) -> NoReturn:
    """Raise ``ExperimentError(where, problem)``."""
    raise ExperimentError(where, problem)


def shown(value: Any) -> str:
    """A value as the file would spell it, shortened: ``true``, ``"abc"``, ``-1``."""
    if isinstance(value, dict | Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    try:
        spelled = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        spelled = repr(value)
    return spelled if len(spelled) <= 40 else spelled[:37] + "..."


def is_number(value: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite_number(value: Any, where: str, *, positive: bool = False) -> float:
    """``value`` as a float; it must be a finite number (and above 0 when ``positive``)."""
    wanted = "a positive number" if positive else "a finite number"
    if not is_number(value):
        fail(where, f"must be {wanted}, not {shown(value)}")
    try:
        number = float(value)
    except OverflowError:
        fail(where, f"must be {wanted}, not a number with {len(str(value))} digits")
    if not math.isfinite(number) or (positive and number <= 0):
        fail(where, f"must be {wanted}, not {shown(value)}")
    return number


def whole_number(value: Any, where: str, minimum: int, maximum: int) -> int:
    """``value`` as an int between ``minimum`` and ``maximum``; integral floats allowed."""
    if is_number(value) and isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        fail(where, f"must be a whole number, not {shown(value)}")
    if not minimum <= value <= maximum:
        fail(where, f"must be from {minimum:,} to {maximum:,}, not {shown(value)}")
    return value


def text(value: Any, where: str, max_length: int, *, blank: bool = True) -> str:
    """``value`` as a str of at most ``max_length`` characters that UTF-8 can encode."""
    if not isinstance(value, str):
        fail(where, f"must be text, not {shown(value)}")
    if len(value) > max_length:
        fail(where, f"is too long ({len(value):,} characters; at most {max_length:,})")
    if not blank and not value.strip():
        fail(where, "must not be blank")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fail(where, "holds a broken character (an unpaired surrogate)")
    return value


def json_object(value: Any, where: str) -> Mapping[str, Any]:
    """``value`` if it is a mapping with str keys (a JSON object)."""
    if not isinstance(value, Mapping):
        fail(where, f"must be an object, not {shown(value)}")
    for key in value:
        if not isinstance(key, str):
            fail(where, f"must have text keys, not {shown(key)}")
    return value


def name_to_number(value: Any, where: str) -> dict[str, float]:
    """A mapping of names to finite numbers, as a new dict of floats."""
    mapping = json_object(value, where)
    return {key: finite_number(item, f"{where}.{key}") for key, item in mapping.items()}


def known_keys(
    mapping: Mapping[str, Any], where: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    """Refuse unknown keys and missing required keys of a JSON object."""
    allowed = (*required, *optional)
    for key in mapping:
        if key not in allowed:
            fail(where, f"has an unknown key {shown(key)} (known: {', '.join(allowed)})")
    for key in required:
        if key not in mapping:
            fail(where, f"is missing the key {shown(key)}")
