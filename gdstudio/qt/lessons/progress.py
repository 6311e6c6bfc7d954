"""What each student has done in each lesson, remembered in the window's QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from gdstudio.io.lessons import Lesson

__all__ = ["ProgressStore", "TaskKey"]

#: A task by page and place on it, both counted from 1 as a lesson file's messages do.
TaskKey = tuple[int, int]


class ProgressStore:
    """Tasks done and the last page read, per lesson id (``lessons/<id>/…`` keys).

    Parameters
    ----------
    settings : QSettings
        The window's settings (a file in ``tmp_path`` in tests).
    """

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def done(self, lesson_id: str) -> set[TaskKey]:
        """The tasks done in lesson ``lesson_id``."""
        raw = self._settings.value(self._key(lesson_id, "done"), "", str)
        keys: set[TaskKey] = set()
        for item in str(raw or "").split():
            page, _, task = item.partition(".")
            if page.isdigit() and task.isdigit():
                keys.add((int(page), int(task)))
        return keys

    def mark_done(self, lesson_id: str, key: TaskKey) -> None:
        """Remember that task ``key`` of ``lesson_id`` is done."""
        self._write(lesson_id, self.done(lesson_id) | {key})

    def forget_page(self, lesson_id: str, page: int) -> None:
        """Forget the tasks done on ``page`` (Reset this page)."""
        self._write(lesson_id, {key for key in self.done(lesson_id) if key[0] != page})

    def restart(self, lesson_id: str) -> None:
        """Forget everything done in ``lesson_id``, and the page reached."""
        self._settings.remove(f"lessons/{lesson_id}")
        self._settings.sync()

    def last_page(self, lesson_id: str) -> int:
        """The page last shown (from 1; 1 for a lesson never opened)."""
        return max(1, int(self._settings.value(self._key(lesson_id, "page"), 1, int) or 1))

    def set_last_page(self, lesson_id: str, page: int) -> None:
        """Remember that ``page`` is shown."""
        self._settings.setValue(self._key(lesson_id, "page"), page)
        self._settings.sync()

    def counts(self, lesson: Lesson) -> tuple[int, int]:
        """``(tasks done, tasks)`` of ``lesson``."""
        every = {(p, t) for p, page in enumerate(lesson.pages, start=1)
                 for t in range(1, len(page.tasks) + 1)}
        return len(self.done(lesson.id) & every), len(every)

    def _write(self, lesson_id: str, keys: set[TaskKey]) -> None:
        text = " ".join(f"{page}.{task}" for page, task in sorted(keys))
        self._settings.setValue(self._key(lesson_id, "done"), text)
        self._settings.sync()

    @staticmethod
    def _key(lesson_id: str, name: str) -> str:
        return f"lessons/{lesson_id}/{name}"
