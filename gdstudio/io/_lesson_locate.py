"""Find the line of a key in a lesson file's text, for error messages.

``tomllib`` reports lines only for syntax errors; a value that parses but is not valid
(a negative rate, an unknown key) is found again by a small scan of the text that
follows the table headers (``[[page]]``, ``[page.experiment]``, ``[[page.task]]`` …).
"""

from __future__ import annotations

import re

__all__ = ["Path", "describe", "locate"]

#: Where a value sits: ``(("page", 2), ("task", 1), "answer", "lr")``; arrays of tables
#: carry their 1-based index.
Path = tuple["str | tuple[str, int]", ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\s\"'-]+?)\s*\]\]?\s*(#.*)?$")


def describe(path: Path) -> str:
    """``"page 2, task 1, answer.lr"`` for ``(("page", 2), ("task", 1), "answer", "lr")``."""
    tables = [f"{name} {index}" for name, index in (p for p in path if isinstance(p, tuple))]
    keys = ".".join(p for p in path if isinstance(p, str))
    return ", ".join([*tables, *([keys] if keys else [])])


def locate(text: str, path: Path) -> int:
    """The 1-based line where ``path`` is written (or its table starts); 1 if not found."""
    contexts = _contexts(text.splitlines())
    lines = text.splitlines()
    for depth in range(len(path), -1, -1):
        table = tuple(path[:depth])
        rows = [number for number, context in enumerate(contexts) if context == table]
        if not rows and depth:
            continue
        remaining = path[depth:]
        key = next((part for part in remaining if isinstance(part, str)), None)
        if key is not None:
            pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=.]")
            for number in rows:
                if pattern.match(lines[number]):
                    return number + 1
        if rows:
            return rows[0] + 1
    return 1


def _contexts(lines: list[str]) -> list[tuple]:
    """For every line, the table it belongs to, as a path of table names and indices."""
    counters: dict[tuple, int] = {}
    context: tuple = ()
    found = []
    for line in lines:
        match = _HEADER.match(line)
        if match and not line.lstrip().startswith("#"):
            is_array = match.group(1) == "[["
            parts = [part.strip().strip("\"'") for part in match.group(2).split(".")]
            new: list = []
            for depth, part in enumerate(parts):
                if depth == len(parts) - 1 and is_array:
                    key = (tuple(new), part)
                    counters[key] = counters.get(key, 0) + 1
                    new.append((part, counters[key]))
                elif (depth < len(context) and isinstance(context[depth], tuple)
                      and context[depth][0] == part):
                    new.append(context[depth])
                else:
                    new.append(part)
            context = tuple(new)
        found.append(context)
    return found
