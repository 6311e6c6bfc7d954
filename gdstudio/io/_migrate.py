"""Versions of the project file and the migrations between them.

A file of an older version is brought up to :data:`VERSION` one step at a time by the
functions in :data:`MIGRATIONS` (version n → n + 1), each working on plain JSON data
before any other check, in the way Orange3 versions its widget settings.

Version 0 is the flat layout of the first prototype: a function, its start, a rate and
the tutorial's "precision", e.g.::

    {"format": "gdstudio-project", "version": 0, "expression": "x**2",
     "start": 3, "lr": 0.1, "max_iter": 100, "precision": 0.0001}

where ``start`` is a mapping of variables to numbers, or one number for a function of
one variable.

Version 1 has the sections ``problem``, ``settings`` and an optional ``history``; version 2
adds the optional ``branches`` section, so a file of version 1 is one of version 2 as it
is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gdstudio.io._errors import ProjectError
from gdstudio.problems.checks import (
    ExperimentError,
    fail,
    is_number,
    json_object,
    known_keys,
    shown,
)
from gdstudio.problems.expression import ExpressionError, check_syntax

__all__ = ["FORMAT", "MIGRATIONS", "VERSION", "migrate"]

#: The value of the ``format`` key of every project file.
FORMAT = "gdstudio-project"
#: The version this program writes, and the newest it reads.
VERSION = 2

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v0_to_v1(old: dict[str, Any]) -> dict[str, Any]:
    """The flat prototype layout → sections ``problem`` and ``settings``."""
    known_keys(old, "the file", ("format", "version", "expression", "start", "lr"),
               ("max_iter", "precision"))
    start = old["start"]
    if is_number(start):
        start = {_only_variable(old["expression"]): start}
    else:
        json_object(start, "start")
    return {
        "format": FORMAT,
        "version": 1,
        "title": "",
        "notes": "",
        "problem": {"mode": "function", "expression": old["expression"], "start": start},
        "settings": {
            "optimizer": "gd",
            "hyperparameters": {},
            "learning_rate": old["lr"],
            "schedule": {"kind": "constant"},
            "stopping": {"max_iter": old.get("max_iter", 1000),
                         "tol_step": old.get("precision")},
        },
    }


def _v1_to_v2(old: dict[str, Any]) -> dict[str, Any]:
    """Nothing to change: version 2 only adds the optional ``branches`` section."""
    return {**old, "version": 2}


#: Version n → the function that turns a file of version n into one of version n + 1.
MIGRATIONS: dict[int, Migration] = {0: _v0_to_v1, 1: _v1_to_v2}


def migrate(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Bring ``data`` of ``version`` up to :data:`VERSION`.

    Raises
    ------
    ProjectError
        For a version no migration starts from, or old data that cannot be migrated.
    """
    while version < VERSION:
        if version not in MIGRATIONS:
            raise ProjectError(f"format {version} of project files is not known")
        try:
            data = MIGRATIONS[version](data)
        except ExperimentError as error:
            raise ProjectError(f"in a file of format {version}, {error}") from None
        version += 1
    return data


def _only_variable(expression: Any) -> str:
    if not isinstance(expression, str):
        fail("expression", f"must be text, not {shown(expression)}")
    try:
        names = check_syntax(expression)
    except ExpressionError as error:
        fail("expression", f"is refused: {error}")
    if len(names) != 1:
        fail("start", f"is one number, but the expression has {len(names)} variables "
                      f"({', '.join(names) or 'none'}); give one value per variable")
    return names[0]
