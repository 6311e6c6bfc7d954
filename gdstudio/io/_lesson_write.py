"""Writing a lesson back as the TOML a teacher would write (for the lesson editor).

The text reads back to an equal lesson (:func:`gdstudio.io.lessons.lesson_from_text`):
pages' texts become multi-line strings, experiments and tasks their tables, a tolerance
that is off ``false`` and a speed without limit ``"max"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from gdstudio.io._lesson_model import Lesson, Page
from gdstudio.io._lesson_tasks import ChooseTask, PredictTask, ReachTask, Task

__all__ = ["lesson_text"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b",
            "\f": "\\f"}
_REACH_ORDER = ("status", "loss_below", "near", "tolerance", "max_steps", "min_steps",
                "optimizer", "schedule", "lr_min", "lr_max", "batch_size")


def lesson_text(lesson: Lesson, *, format_name: str, version: int) -> str:
    """The lesson as the text of a ``.gdlesson.toml`` file."""
    lines = [
        "# Gradient Descent Studio lesson: the format is described in docs/lessons.md.",
        f"format = {_value(format_name)}",
        f"version = {version}",
        f"id = {_value(lesson.id)}",
        f"title = {_value(lesson.title)}",
    ]
    if lesson.summary:
        lines.append(f"summary = {_value(lesson.summary)}")
    for page in lesson.pages:
        lines += ["", *_page(page)]
    return "\n".join(lines) + "\n"


def _page(page: Page) -> list[str]:
    lines = ["[[page]]", f"title = {_value(page.title)}", f"text = {_multiline(page.text)}"]
    if page.experiment is not None:
        experiment = dict(page.experiment)
        data = experiment.pop("data", None)
        lines += ["", "[page.experiment]"]
        lines += [f"{_key(key)} = {_value(value)}" for key, value in experiment.items()]
        if page.speed is not None:
            lines.append(f"speed = {_value('max' if math.isinf(page.speed) else page.speed)}")
        if data is not None:
            lines += ["", "[page.experiment.data]"]
            lines += [f"{_key(name)} = {_value(column)}" for name, column in data.items()]
    for task in page.tasks:
        lines += ["", *_task(task)]
    return lines


def _task(task: Task) -> list[str]:
    lines = ["[[page.task]]", f"kind = {_value(task.kind)}", f"prompt = {_value(task.prompt)}"]
    options: list[str] = []
    if isinstance(task, ReachTask):
        for name in _REACH_ORDER:
            value = getattr(task, name)
            if name == "tolerance" and value == 1e-3:
                continue
            if value is not None and value != {}:
                lines.append(f"{name} = {_value(value)}")
        lines.append(f"answer = {_value(task.answer)}")
    elif isinstance(task, PredictTask):
        lines += [f"quantity = {_value(task.quantity)}", f"step = {task.step}",
                  f"tolerance = {_value(task.tolerance)}", f"answer = {_value(task.answer)}"]
    elif isinstance(task, ChooseTask):
        lines.append(f"answer = {task.correct + 1}")
        for option in task.options:
            options += ["", "[[page.task.option]]", f"text = {_value(option.text)}",
                        f"feedback = {_value(option.feedback)}"]
    if task.hints:
        lines.append(f"hints = {_value(list(task.hints))}")
    if task.explanation:
        lines.append(f"explanation = {_value(task.explanation)}")
    if task.locked:
        lines.append("locked = true")
    return lines + options


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else _value(name)


def _value(value: Any) -> str:
    if value is None:
        return "false"  # a stopping rule that is off
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return '"' + "".join(_ESCAPES.get(c, c if c.isprintable() or c == " "
                                          else f"\\u{ord(c):04x}") for c in value) + '"'
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(str(key))} = {_value(item)}" for key, item in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"a lesson holds no {type(value).__name__}")


def _multiline(text: str) -> str:
    body = text.replace("\\", "\\\\").replace("\r", "\\r")
    body = "".join(c if c.isprintable() or c in "\n\t " else f"\\u{ord(c):04x}" for c in body)
    while '"""' in body:
        body = body.replace('"""', '""\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return '"""\n' + body + '"""'
