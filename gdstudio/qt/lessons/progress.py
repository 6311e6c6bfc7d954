"""What each student has done in each lesson, remembered in the window's QSettings.

Progress is kept per *lesson and where it comes from*: a built-in lesson and a teacher's
file with the same id (say a copy of "slope" being edited) never share it. Within a
lesson, a task is remembered by a fingerprint of what it asks and of its page's
experiment, not by its place: when a teacher inserts a page, reorders tasks or fixes a
hint, the tasks that did not change stay done and no other task is marked done in their
place; a task whose question or check changed starts open again. A file that is only
moved or copied keeps its progress (same id, same tasks).

Keys: ``lessons/<builtin|file>/<id>/done`` (fingerprints) and ``…/page`` (the page
last shown, as its number and fingerprint).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from PySide6.QtCore import QSettings

from gdstudio.io.lessons import Lesson, Page, Task

__all__ = ["LessonProgress", "ProgressStore", "TaskKey", "page_fingerprint",
           "task_fingerprint"]

#: A task by page and place on it, both counted from 1 as a lesson file's messages do.
TaskKey = tuple[int, int]
# Wording that can change without making a task another task.
_WORDING = ("hints", "explanation", "locked", "feedback")


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _without_wording(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_wording(item) for key, item in value.items()
                if key not in _WORDING}
    if isinstance(value, list | tuple):
        return [_without_wording(item) for item in value]
    return value


def page_fingerprint(page: Page) -> str:
    """What identifies a page: its title and its experiment."""
    experiment = None if page.experiment is None else dict(page.experiment)
    return _digest({"title": page.title, "experiment": experiment})


def task_fingerprint(page: Page, task: Task) -> str:
    """What identifies a task: what it asks and checks, and the experiment it is checked
    on (hints, explanation and feedback are wording, left out)."""
    experiment = None if page.experiment is None else dict(page.experiment)
    return _digest({"experiment": experiment,
                    "task": _without_wording(dataclasses.asdict(task))})


class LessonProgress:
    """The progress of one lesson from one place (built in, or a file).

    Parameters
    ----------
    settings : QSettings
        Where it is kept.
    lesson : Lesson
        The lesson as it reads now (tasks are matched by fingerprint).
    builtin : bool
        True for a lesson that comes with the program, False for a lesson file.
    """

    def __init__(self, settings: QSettings, lesson: Lesson, *, builtin: bool) -> None:
        self._settings = settings
        self.lesson = lesson
        self.group = f"lessons/{'builtin' if builtin else 'file'}/{lesson.id}"
        self._prints: dict[TaskKey, str] = {}
        seen: dict[str, int] = {}
        for p, page in enumerate(lesson.pages, start=1):
            for t, task in enumerate(page.tasks, start=1):
                mark = task_fingerprint(page, task)
                seen[mark] = seen.get(mark, 0) + 1  # the same task twice: two marks
                self._prints[(p, t)] = mark if seen[mark] == 1 else f"{mark}.{seen[mark]}"

    def done(self) -> set[TaskKey]:
        """The tasks done (page and place, from 1)."""
        stored = self._stored()
        return {key for key, mark in self._prints.items() if mark in stored}

    def mark_done(self, key: TaskKey) -> None:
        """Remember that task ``key`` is done."""
        if key in self._prints:
            self._write(self._stored() | {self._prints[key]})

    def forget_page(self, page: int) -> None:
        """Forget the tasks done on ``page`` (Reset this page)."""
        marks = {mark for key, mark in self._prints.items() if key[0] == page}
        self._write(self._stored() - marks)

    def restart(self) -> None:
        """Forget everything done in the lesson, and the page reached."""
        self._settings.remove(self.group)
        self._settings.sync()

    def last_page(self) -> int:
        """The page last shown (from 1; 1 for a lesson never opened). Found by its
        fingerprint when pages were added or moved since."""
        raw = str(self._settings.value(f"{self.group}/page", "", str) or "")
        number_text, _, mark = raw.partition(" ")
        pages = [page_fingerprint(page) for page in self.lesson.pages]
        number = int(number_text) if number_text.isdigit() else 0
        if 1 <= number <= len(pages) and pages[number - 1] == mark:
            return number
        return pages.index(mark) + 1 if mark in pages else 1

    def set_last_page(self, page: int) -> None:
        """Remember that ``page`` (from 1) is shown."""
        if 1 <= page <= len(self.lesson.pages):
            mark = page_fingerprint(self.lesson.pages[page - 1])
            self._settings.setValue(f"{self.group}/page", f"{page} {mark}")
            self._settings.sync()

    def counts(self) -> tuple[int, int]:
        """``(tasks done, tasks)``."""
        return len(self.done()), len(self._prints)

    def _stored(self) -> set[str]:
        raw = self._settings.value(f"{self.group}/done", "", str)
        return set(str(raw or "").split())

    def _write(self, marks: set[str]) -> None:
        self._settings.setValue(f"{self.group}/done", " ".join(sorted(marks)))
        self._settings.sync()


class ProgressStore:
    """The progress of every lesson, in the window's settings.

    Parameters
    ----------
    settings : QSettings
        The window's settings (a file in ``tmp_path`` in tests).
    """

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def of(self, lesson: Lesson, *, builtin: bool) -> LessonProgress:
        """The progress of ``lesson``: built in, or read from a file."""
        return LessonProgress(self._settings, lesson, builtin=builtin)
