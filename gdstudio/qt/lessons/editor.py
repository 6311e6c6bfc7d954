"""What a teacher writes a lesson with, from the window's current work.

* **File ▸ New Lesson…** starts a lesson file whose first page is the current experiment;
* **Add This State as a Page** appends the current experiment as a new page;
* **Add a Task From This Run** adds a reach task that the current run completes ("reach
  a loss at most this in at most these steps", see
  :func:`gdstudio.lessons.reach_task_from_state`) to the page shown.

Every change is saved at once (atomically, and only as a lesson that reads back valid)
and the file is shown in the dock, for a test drive.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from gdstudio.io import ProjectError
from gdstudio.io.lessons import (
    Lesson,
    LessonError,
    Page,
    lesson_from_text,
    lesson_to_text,
    save_lesson,
)
from gdstudio.lessons import reach_task_from_state
from gdstudio.qt.lessons.files import (
    LESSON_FILTER,
    answer_changes,
    lesson_id_for,
    page_keywords,
)
from gdstudio.qt.lessons.state import window_run_state

if TYPE_CHECKING:
    from collections.abc import Callable

    from gdstudio.io.project import Project
    from gdstudio.qt.lessons.dock import LessonPanel
    from gdstudio.qt.lessons.host import LessonWriterHost

__all__ = ["LessonEditor"]

_PAGE_TEXT = ("# Page {number}\nWrite here what the student should read and try on this page.\n\n"
              "- Press **Run** or **Step** to see it move.")


class OpenLesson(Protocol):
    """What the editor needs of the lessons controller: the lesson shown, and showing one."""

    lesson: Lesson | None
    path: Path | None
    page_number: int
    panel: LessonPanel

    @property
    def page(self) -> Page | None:
        """The page shown."""

    def open_lesson(self, lesson: Lesson, path: Path | None = None, *, ask: bool = True,
                    page: int | None = None) -> bool:
        """Show ``lesson`` at ``page``."""


class LessonEditor(QObject):
    """File ▸ New Lesson…, Add This State as a Page, Add a Task From This Run."""

    def __init__(self, window: LessonWriterHost, lessons: OpenLesson,
                 current_project: Callable[[], Project]) -> None:
        super().__init__(window)  # type: ignore[arg-type] - the host is a QMainWindow
        self._window = window
        self._current_project = current_project
        self._lessons = lessons
        self.action_new = self._action("actionNewLesson", "New &Lesson…",
                                       "Start a lesson file with this experiment as its "
                                       "first page", self.new_lesson)
        self.action_add_page = self._action("actionAddLessonPage",
                                            "Add This State as a Lesson &Page",
                                            "Add the current experiment as a new page of the "
                                            "lesson being written", self.add_page)
        self.action_add_task = self._action("actionAddLessonTask",
                                            "Add a Lesson &Task From This Run",
                                            "Add a task to this page: reach the current loss "
                                            "in at most the current steps", self.add_task)
        self.actions = (self.action_new, self.action_add_page, self.action_add_task)
        for action in (self.action_add_page, self.action_add_task):
            button = QPushButton(action.text().replace("&", "").replace(" Lesson", ""))
            button.setObjectName(f"{action.objectName()}Button")
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            lessons.panel.teacher_layout.addWidget(button)
        self.update_actions()

    def _action(self, name: str, text: str, tip: str, slot: object) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def update_actions(self) -> None:
        """Adding is possible to a lesson opened from a file."""
        editable = self._lessons.lesson is not None and self._lessons.path is not None
        self.action_add_page.setEnabled(editable)
        self.action_add_task.setEnabled(editable)

    # ---------------------------------------------------------------- actions
    def new_lesson(self, path: Path | None = None) -> bool:
        """Start a lesson file (asking where when ``path`` is ``None``). True when made."""
        window = self._window
        if path is None:
            suggested = str(Path.home() / "my-lesson.gdlesson.toml")
            path = window.projects.dialogs.save_path(window, "Start a new lesson", suggested,
                                                     f"{LESSON_FILTER};;All files (*)")
            if path is None:
                return False
        path = Path(path)
        if not path.name.lower().endswith((".gdlesson.toml", ".gdlesson")):
            path = path.with_name(path.name + ".gdlesson.toml")
        try:
            page = self._current_page(1)
            lesson = Lesson(id=lesson_id_for(path), title="A new lesson",
                            summary="Written with Gradient Descent Studio.", pages=(page,))
        except LessonError as error:
            self._refuse(str(error))
            return False
        return self._save_and_show(lesson, path, 1)

    def add_page(self) -> bool:
        """Append the current experiment as a page of the lesson open from a file."""
        lesson, path = self._lessons.lesson, self._lessons.path
        if lesson is None or path is None:
            self._refuse("open a lesson file (or start one with File ▸ New Lesson…) first")
            return False
        try:
            page = self._current_page(len(lesson.pages) + 1)
        except LessonError as error:
            self._refuse(str(error))
            return False
        lesson = dataclasses.replace(lesson, pages=(*lesson.pages, page))
        return self._save_and_show(lesson, path, len(lesson.pages))

    def add_task(self) -> bool:
        """Add a reach task that the current run completes to the page shown."""
        lessons = self._lessons
        lesson, path, page = lessons.lesson, lessons.path, lessons.page
        if lesson is None or path is None or page is None:
            self._refuse("open a lesson file (or start one with File ▸ New Lesson…) first")
            return False
        state = window_run_state(self._window)
        if page.experiment is None or state is None or not state.steps:
            self._refuse("make a run on this page's experiment first (Run or Step)")
            return False
        try:
            answer = answer_changes(page.experiment, self._current_keywords())
        except LessonError as error:
            self._refuse(str(error))
            return False
        loss = float(state.loss[-1])
        goal = f"a loss of at most {loss:.4g}" if math.isfinite(loss) else "the same end"
        prompt = f"Reach {goal} in at most {state.steps} steps."
        task = reach_task_from_state(state, prompt, answer)
        pages = list(lesson.pages)
        pages[lessons.page_number - 1] = dataclasses.replace(page, tasks=(*page.tasks, task))
        return self._save_and_show(dataclasses.replace(lesson, pages=tuple(pages)), path,
                                   lessons.page_number)

    # ---------------------------------------------------------------- helpers
    def _current_keywords(self) -> dict[str, object]:
        try:
            project = self._current_project()
        except (ProjectError, ValueError) as error:
            raise LessonError(f"the window's work cannot be a page: {error}") from None
        return page_keywords(project.experiment)

    def _current_page(self, number: int) -> Page:
        keywords = self._current_keywords()
        title = (f"Minimise {keywords['expression']}" if "expression" in keywords
                 else f"Fit {keywords.get('model')}")
        return Page(title=title, text=_PAGE_TEXT.format(number=number), experiment=keywords,
                    speed=float(self._window.model.speed))

    def _save_and_show(self, lesson: Lesson, path: Path, page: int) -> bool:
        try:
            save_lesson(lesson, path)
        except LessonError as error:
            self._refuse(str(error))
            return False
        self._window.statusBar().showMessage(f"Saved the lesson {path.name}.", 5000)
        lesson = lesson_from_text(lesson_to_text(lesson), path.name)  # as the file reads
        return self._lessons.open_lesson(lesson, path, ask=False, page=page)

    def _refuse(self, sentence: str) -> None:
        window = self._window
        window.statusBar().showMessage(f"Not done: {sentence}")
        window.projects.dialogs.error(window, "The lesson was not changed", sentence)
