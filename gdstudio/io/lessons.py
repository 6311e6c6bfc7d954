"""Lesson files (``.gdlesson.toml``): pages of text, experiments and checked tasks.

A lesson is TOML a teacher writes by hand (see ``docs/lessons.md``)::

    format = "gdstudio-lesson"
    version = 1
    id = "slope"
    title = "The slope tells the way"

    [[page]]
    title = "One step"
    text = "Gradient descent moves **against** the slope: x ← x − α·f′(x)."

    [page.experiment]
    expression = "x^2"
    start = { x = 3 }
    lr = 0.1

    [[page.task]]
    kind = "predict"
    prompt = "What will x be after the first step?"
    quantity = "x"
    answer = 2.4

:func:`load_lesson` reads a file with the bounds of project files (a regular file, at most
:data:`MAX_FILE_BYTES`, UTF-8 text) and checks every value; anything wrong is refused with
one sentence naming the file, the line and the key. Nothing in the file is run:
expressions only pass the safe compiler's syntax check here.

>>> lesson = builtin_lesson("slope")
>>> lesson.title, len(lesson.pages) > 1
('The slope tells the way', True)
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path as FilePath
from typing import Any

from gdstudio.io._lesson_experiment import experiment_keywords
from gdstudio.io._lesson_locate import Path, describe, locate
from gdstudio.io._lesson_model import Lesson, Page
from gdstudio.io._lesson_tasks import (
    ChooseTask,
    Option,
    PredictTask,
    ReachTask,
    Task,
    parse_task,
)
from gdstudio.io._lesson_values import (
    LessonValueError,
    fail,
    known_keys,
    number,
    shown,
    table,
    text,
)
from gdstudio.io._lesson_write import lesson_text
from gdstudio.io.files import FileRefusedError, atomic_write_bytes, read_limited, too_large
from gdstudio.io.lesson_markup import markup_problem

__all__ = [
    "FORMAT",
    "MAX_FILE_BYTES",
    "SUFFIXES",
    "VERSION",
    "ChooseTask",
    "Lesson",
    "LessonError",
    "Option",
    "Page",
    "PredictTask",
    "ReachTask",
    "Task",
    "builtin_lesson",
    "builtin_lessons",
    "lesson_from_text",
    "lesson_to_text",
    "load_lesson",
    "page_location",
    "save_lesson",
]

FORMAT = "gdstudio-lesson"
VERSION = 1
#: File name endings of lesson files.
SUFFIXES = (".gdlesson.toml", ".gdlesson")
MAX_FILE_BYTES = 1024 * 1024
MAX_PAGES = 100
MAX_TASKS = 20
MAX_PAGE_TEXT = 20_000
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_TOML_ERROR = re.compile(r"^(.*?)\s*\(at line (\d+), column (\d+)\)$")


class LessonError(ValueError):
    """A lesson file that cannot be read or is not valid.

    ``str(error)`` is one sentence: the file, the line and the key, and what is wrong,
    e.g. ``"slope.gdlesson.toml, line 12: page 1, experiment.lr must be a positive
    number, not -1"``.
    """

    __module__ = "gdstudio.io"

    def __init__(self, message: str) -> None:
        self.message = " ".join(str(message).split())
        super().__init__(self.message)


def load_lesson(path: str | os.PathLike[str]) -> Lesson:
    """Read and check a lesson file.

    Raises
    ------
    LessonError
        For a missing, unreadable, oversized, empty, binary, foreign or invalid file.
    """
    source = FilePath(path)
    return lesson_from_text(_read_bounded(source), source.name)


def lesson_from_text(raw: str | bytes, origin: str = "<text>") -> Lesson:
    """Check the text of a lesson file (``origin`` names it in messages).

    Raises
    ------
    LessonError
        For text that is empty, binary, not TOML or not a valid lesson.
    """
    source = _decoded(raw, origin)
    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise LessonError(_syntax_sentence(origin, error)) from None
    except RecursionError:
        raise LessonError(f"{origin}: the file nests tables or lists too deeply") from None
    try:
        return _lesson(document, source, origin)
    except LessonValueError as error:
        line = locate(source, error.path)
        where = describe(error.path)
        raise LessonError(f"{origin}, line {line}: {where} {error.problem}".replace(
            ":  ", ": ")) from None


def page_location(lesson: Lesson, page_number: int, task_number: int | None = None) -> str:
    """``"slope.gdlesson.toml, line 31: page 2, task 1"``: where a page or task is written."""
    path: Path = (("page", page_number),)
    if task_number is not None:
        path = (*path, ("task", task_number))
    return f"{lesson.origin}, line {locate(lesson.source, path)}: {describe(path)}"


def lesson_to_text(lesson: Lesson) -> str:
    """The lesson as a teacher would write it; it reads back to an equal lesson."""
    return lesson_text(lesson, format_name=FORMAT, version=VERSION)


def save_lesson(lesson: Lesson, path: str | os.PathLike[str]) -> None:
    """Write ``lesson`` to ``path`` atomically (a crash never leaves half a file).

    Raises
    ------
    LessonError
        When the file cannot be written, or the lesson does not read back as valid.
    """
    text = lesson_to_text(lesson)
    lesson_from_text(text, FilePath(path).name)  # never write a file that would be refused
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as error:
        raise LessonError(f"{FilePath(path).name}: the file cannot be written "
                          f"({error.strerror})") from None


def builtin_lessons() -> tuple[Lesson, ...]:
    """The lessons that come with the program, in teaching order."""
    folder = resources.files("gdstudio") / "resources" / "lessons"
    names = sorted(item.name for item in folder.iterdir() if item.name.endswith(SUFFIXES[0]))
    return tuple(lesson_from_text((folder / name).read_bytes(), name) for name in names)


def builtin_lesson(lesson_id: str) -> Lesson:
    """The built-in lesson ``lesson_id`` (e.g. ``"slope"``).

    Raises
    ------
    LessonError
        Listing the known ids, for an id that is not a built-in lesson.
    """
    lessons = builtin_lessons()
    for lesson in lessons:
        if lesson.id == lesson_id:
            return lesson
    known = ", ".join(lesson.id for lesson in lessons)
    raise LessonError(f"there is no built-in lesson {lesson_id!r} (there are: {known})")


def _lesson(document: Mapping[str, Any], source: str, origin: str) -> Lesson:
    if document.get("format") != FORMAT:
        fail(("format",), f'must be "{FORMAT}": this is not a lesson file'
             if "format" in document else f'is missing: a lesson file starts with '
             f'format = "{FORMAT}"')
    version = document.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        fail(("version",), f"is {version}: the lesson was written for a newer Gradient "
             f"Descent Studio (this one reads version {VERSION})")
    if version != VERSION or isinstance(version, bool):
        fail(("version",), f"must be {VERSION}, not {shown(version)}" if version is not None
             else "is missing")
    known_keys(document, (), ("format", "version", "id", "title", "page"), ("summary",))
    lesson_id = text(document["id"], ("id",), 40)
    if not _ID.match(lesson_id):
        fail(("id",), "must be lower-case letters, digits and dashes, e.g. \"learning-rate\", "
             f"not {shown(lesson_id)}")
    pages = document["page"]
    if not isinstance(pages, list) or not pages:
        fail(("page",), "must be one or more [[page]] tables")
    if len(pages) > MAX_PAGES:
        fail(("page",), f"has {len(pages)} pages; at most {MAX_PAGES}")
    return Lesson(
        id=lesson_id,
        title=text(document["title"], ("title",), 200),
        summary=text(document.get("summary", ""), ("summary",), 1000, blank=True),
        pages=tuple(_page(page, (("page", index),))
                    for index, page in enumerate(pages, start=1)),
        source=source,
        origin=origin,
    )


def _page(raw: Any, path: Path) -> Page:
    raw = table(raw, path)
    known_keys(raw, path, ("title", "text"), ("experiment", "task"))
    body = text(raw["text"], (*path, "text"), MAX_PAGE_TEXT)
    problem = markup_problem(body)
    if problem:
        fail((*path, "text"), problem)
    experiment = speed = raw_experiment = None
    experiment_path = (*path, "experiment")
    if "experiment" in raw:
        raw_experiment = dict(table(raw["experiment"], experiment_path))
        if "speed" in raw_experiment:
            speed = _speed(raw_experiment.pop("speed"), (*experiment_path, "speed"))
        experiment = experiment_keywords(raw_experiment,
                                         lambda key: (*experiment_path, key))
    tasks = raw.get("task", [])
    if not isinstance(tasks, list):
        fail((*path, "task"), "must be [[page.task]] tables")
    if len(tasks) > MAX_TASKS:
        fail((*path, "task"), f"has {len(tasks)} tasks; at most {MAX_TASKS}")
    return Page(
        title=text(raw["title"], (*path, "title"), 200),
        text=body,
        experiment=experiment,
        speed=speed,
        tasks=tuple(
            parse_task(task, (*path, ("task", index)), experiment, raw_experiment,
                       experiment_path)
            for index, task in enumerate(tasks, start=1)
        ),
    )


def _speed(value: Any, path: Path) -> float:
    if value == "max":
        return float("inf")
    if isinstance(value, str):
        fail(path, f'must be a number of steps per second or "max", not {shown(value)}')
    return number(value, path, positive=True)


def _read_bounded(path: FilePath) -> bytes:
    """The file's bytes, read by the one bounded reader (regular files only, at most
    :data:`MAX_FILE_BYTES`; a pipe or a device is refused without blocking)."""
    try:
        return read_limited(path, MAX_FILE_BYTES, "lesson file")
    except FileRefusedError as error:
        raise LessonError(f"{path.name}: {error}") from None


def _decoded(raw: str | bytes, origin: str) -> str:
    if isinstance(raw, bytes):
        if len(raw) > MAX_FILE_BYTES:
            raise LessonError(f"{origin}: {too_large(len(raw), MAX_FILE_BYTES, 'lesson file')}")
        if b"\x00" in raw:
            raise LessonError(f"{origin}: this is a binary file, not a lesson")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise LessonError(f"{origin}: the file is not UTF-8 text (byte {error.start + 1} "
                              "cannot be read)") from None
    elif len(raw) > MAX_FILE_BYTES:
        size = len(raw.encode("utf-8", "replace"))
        raise LessonError(f"{origin}: {too_large(size, MAX_FILE_BYTES, 'lesson file')}")
    text = raw.removeprefix("\ufeff")
    if "\x00" in text:
        raise LessonError(f"{origin}: this is a binary file, not a lesson")
    if not text.strip():
        raise LessonError(f"{origin}: the file is empty")
    return text


def _syntax_sentence(origin: str, error: tomllib.TOMLDecodeError) -> str:
    message = str(error)
    match = _TOML_ERROR.match(message)
    if match:
        what, line, column = match.groups()
        return f"{origin}, line {line}, column {column}: {what[:1].lower()}{what[1:]} (TOML)"
    message = message.replace(" (at end of document)", " at the end of the file")
    return f"{origin}: {message[:1].lower()}{message[1:]} (TOML)"
