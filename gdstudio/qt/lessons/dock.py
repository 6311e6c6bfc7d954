"""The lesson dock's contents, and the list of lessons (Help ▸ Lessons).

:class:`LessonPanel` shows one page: the title and place in the lesson, the text
(:func:`gdstudio.lessons.page_html`), the tasks (:mod:`gdstudio.qt.lessons.tasks`), and
Previous / Next / Reset this page / Restart. It only shows and asks: the controller
loads pages, checks tasks and keeps the progress.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gdstudio.io.lessons import Lesson
from gdstudio.lessons import page_html
from gdstudio.qt.lessons.tasks import TaskCard, card_for
from gdstudio.qt.panels.marks import HatFont

__all__ = ["LessonEntry", "LessonPanel", "LessonsDialog"]


@dataclass(frozen=True)
class LessonEntry:
    """A lesson in a list: its id, title, summary and tasks done of all."""

    id: str
    title: str
    summary: str
    done: int
    tasks: int

    @property
    def progress_text(self) -> str:
        """E.g. ``"3 of 12 tasks done"``."""
        if self.tasks and self.done >= self.tasks:
            return f"all {self.tasks} tasks done"
        return f"{self.done} of {self.tasks} tasks done"


class LessonPanel(QWidget):
    """One page of a lesson, with its tasks and the page buttons.

    Signals
    -------
    pageRequested(int)
        Previous or Next: the page to show, from 1.
    resetRequested
        Reset this page.
    restartRequested
        Restart the lesson (forget its progress).
    """

    pageRequested = Signal(int)
    resetRequested = Signal()
    restartRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonPanel")
        self.lesson: Lesson | None = None
        self.page_number = 1
        self.cards: list[TaskCard] = []
        self.heading = QLabel()
        self.heading.setObjectName("lessonHeading")
        self.heading.setWordWrap(True)
        self.place = QLabel()
        self.place.setObjectName("lessonPlace")
        self.text = QTextBrowser()
        self.text.setObjectName("lessonText")
        self.text.setAccessibleName("The lesson's page")
        self.text.setOpenExternalLinks(False)
        font = self.text.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.text.setFont(font)
        self._hats = HatFont(self.text.document())
        self._tasks_box = QWidget()
        self._tasks_layout = QVBoxLayout(self._tasks_box)
        self._tasks_layout.setContentsMargins(0, 0, 0, 0)
        tasks_scroll = QScrollArea()
        tasks_scroll.setObjectName("lessonTasks")
        tasks_scroll.setWidget(self._tasks_box)
        tasks_scroll.setWidgetResizable(True)
        tasks_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.text)
        splitter.addWidget(tasks_scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([280, 420])
        self.previous_button = self._button("previousPageButton", "◀ Previous",
                                            "The previous page of the lesson")
        self.next_button = self._button("nextPageButton", "Next ▶",
                                        "The next page of the lesson")
        self.reset_button = self._button("resetPageButton", "Reset this page",
                                         "Load the page's experiment again and clear its "
                                         "tasks")
        self.restart_button = self._button("restartLessonButton", "Restart lesson",
                                           "Forget the progress in this lesson and start at "
                                           "page 1")
        self.previous_button.clicked.connect(lambda: self.pageRequested.emit(
            self.page_number - 1))
        self.next_button.clicked.connect(lambda: self.pageRequested.emit(self.page_number + 1))
        self.reset_button.clicked.connect(self.resetRequested)
        self.restart_button.clicked.connect(self.restartRequested)
        self.teacher_bar = QWidget()
        self.teacher_bar.setObjectName("teacherBar")
        self.teacher_layout = QHBoxLayout(self.teacher_bar)
        self.teacher_layout.setContentsMargins(0, 0, 0, 0)
        self.teacher_bar.hide()
        pages = QHBoxLayout()
        pages.addWidget(self.previous_button)
        pages.addWidget(self.place, 1, Qt.AlignmentFlag.AlignCenter)
        pages.addWidget(self.next_button)
        resets = QHBoxLayout()
        resets.addWidget(self.reset_button)
        resets.addStretch(1)
        resets.addWidget(self.restart_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)
        layout.addLayout(pages)
        layout.addLayout(resets)
        layout.addWidget(self.teacher_bar)

    def _button(self, name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        return button

    def show_page(self, lesson: Lesson, number: int, done: set[int]) -> list[TaskCard]:
        """Show page ``number`` (from 1) of ``lesson``; ``done``: its tasks done (from 1).

        Returns the new task cards, for the controller to connect.
        """
        self.lesson, self.page_number = lesson, number
        page = lesson.pages[number - 1]
        self.heading.setText(f"<b style='font-size: large'>{_escaped(lesson.title)}</b>")
        self.place.setText(f"Page {number} of {len(lesson.pages)}: {page.title}")
        self.text.setHtml(page_html(page.text))
        while self._tasks_layout.count():
            widget = self._tasks_layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.cards = []
        for index, task in enumerate(page.tasks, start=1):
            card = card_for(task, index)
            card.set_done(index in done)
            self._tasks_layout.addWidget(card)
            self.cards.append(card)
        self._tasks_layout.addStretch(1)
        self.previous_button.setEnabled(number > 1)
        self.next_button.setEnabled(number < len(lesson.pages))
        self.reset_button.setEnabled(page.experiment is not None or bool(page.tasks))
        return self.cards


def _escaped(text: str) -> str:
    return html.escape(text)


class LessonsDialog(QDialog):
    """The built-in lessons with their progress; Open, Restart, Open a lesson file.

    Signals
    -------
    lessonChosen(str)
        The id of the lesson to open.
    restartChosen(str)
        The id of the lesson whose progress to forget.
    openFileChosen
        Open a lesson file instead.
    """

    lessonChosen = Signal(str)
    restartChosen = Signal(str)
    openFileChosen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonsDialog")
        self.setWindowTitle("Lessons")
        intro = QLabel("Guided lessons: each page sets up an experiment and gives you tasks "
                       "that the app checks as you work. Pick up where you left off.")
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("lessonsList")
        self.list.setAccessibleName("Lessons")
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.itemActivated.connect(lambda _item: self._choose())
        buttons = QDialogButtonBox()
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("openLessonButton")
        self.open_button.setDefault(True)
        self.restart_button = QPushButton("Restart")
        self.restart_button.setObjectName("restartLessonButton")
        self.restart_button.setToolTip("Forget your progress in the selected lesson")
        self.file_button = QPushButton("Open a Lesson File…")
        self.file_button.setObjectName("openLessonFileButton")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.restart_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.file_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._choose)
        buttons.rejected.connect(self.reject)
        self.restart_button.clicked.connect(self._restart)
        self.file_button.clicked.connect(self._open_file)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(620, 520)

    def set_entries(self, entries: Sequence[LessonEntry]) -> None:
        """List ``entries`` (keeping the selection)."""
        current = self.current_id
        self.list.clear()
        for number, entry in enumerate(entries, start=1):
            item = QListWidgetItem(f"{number}. {entry.title}\n      {entry.progress_text}"
                                   f" — {entry.summary}")
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            item.setToolTip(entry.summary)
            self.list.addItem(item)
            if entry.id == current or (current is None and number == 1):
                self.list.setCurrentItem(item)

    @property
    def current_id(self) -> str | None:
        """The id of the selected lesson."""
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _choose(self) -> None:
        if self.current_id is not None:
            self.lessonChosen.emit(self.current_id)
            self.accept()

    def _restart(self) -> None:
        if self.current_id is not None:
            self.restartChosen.emit(self.current_id)

    def _open_file(self) -> None:
        self.accept()
        self.openFileChosen.emit()
