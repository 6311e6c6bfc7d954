"""``window.lessons``: Help ▸ Lessons, the lesson dock, live checks and progress.

Opening a page loads its experiment through the window's project controller, as the
examples gallery does (:meth:`ProjectController.open_project`). The tasks are checked
against the window's run (:func:`gdstudio.lessons.check`) whenever it pauses, steps or
ends, and at most :data:`CHECK_INTERVAL_MS` apart while it runs, so a full-speed run is
never slowed. Lesson files are read off the UI thread (``FileLoader``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from gdstudio.io.lessons import (
    Lesson,
    LessonError,
    Page,
    PredictTask,
    ReachTask,
    builtin_lessons,
)
from gdstudio.io.project import Project
from gdstudio.lessons import TaskResult, check, predicted_value, prediction_open
from gdstudio.qt.files.loader import FileLoader
from gdstudio.qt.lessons.dock import LessonEntry, LessonPanel, LessonsDialog
from gdstudio.qt.lessons.editor import LessonEditor
from gdstudio.qt.lessons.files import experiment_of_page, read_lesson_file
from gdstudio.qt.lessons.host import LessonHost
from gdstudio.qt.lessons.progress import LessonProgress, ProgressStore
from gdstudio.qt.lessons.state import page_is_shown, window_run_state
from gdstudio.qt.lessons.tasks import ChooseCard, PredictCard, TaskCard

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["CHECK_INTERVAL_MS", "SHORT_WINDOW", "LessonsController"]

#: Shortest time between two checks of the tasks while a run streams in.
CHECK_INTERVAL_MS = 250
#: Below this window height (pixels) the lesson and the traces share a column as tabs.
SHORT_WINDOW = 860


class LessonsController(QObject):
    """The lessons of one main window.

    Attributes
    ----------
    lesson : Lesson or None
        The lesson open in the dock.
    path : Path or None
        Its file, when it was opened from one (a teacher can add to it).
    page_number : int
        The page shown, from 1.
    progress : ProgressStore
        What the student has done, per lesson (and where it comes from).
    record : LessonProgress or None
        The progress of the lesson open in the dock.
    panel : LessonPanel
        The dock's contents.
    editor : LessonEditor
        File ▸ New Lesson… and the teacher's other actions.

    Signals
    -------
    lessonOpened(object)
        A lesson is shown (the :class:`Lesson`).
    fileRefused(str)
        A lesson file could not be opened: the sentence saying why.
    """

    lessonOpened = Signal(object)
    fileRefused = Signal(str)

    def __init__(self, window: LessonHost, settings: QSettings, speeds: Sequence[float],
                 current_project: Callable[[], Project]) -> None:
        super().__init__(window)  # type: ignore[arg-type] - the host is a QMainWindow
        self._window = window
        self._speeds = tuple(speeds)
        self.progress = ProgressStore(settings)
        self.lesson: Lesson | None = None
        self.path: Path | None = None
        self.record: LessonProgress | None = None
        self.page_number = 1
        self._builtin: tuple[Lesson, ...] | None = None
        self._pending: dict[int, float] = {}  # predict card → the student's number
        self.dialog: LessonsDialog | None = None
        self.panel = LessonPanel()
        self.dock = QDockWidget("Lesson", window)
        self.dock.setObjectName("lessonDock")
        self.dock.setWidget(self.panel)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        window.addDockWidget(right, self.dock)
        traces = window.traces_dock
        if window.dockWidgetArea(traces) == right and not traces.isFloating():
            # Above the traces in the wide arrangement. In the compact one (a small or
            # presentation window) the traces are a tab of the problem on the left:
            # splitting would pull them back to the right and undo it.
            window.splitDockWidget(self.dock, traces, Qt.Orientation.Vertical)
        self.dock.hide()
        self.action_lessons = QAction("&Lessons…", window)
        self.action_lessons.setObjectName("actionLessons")
        self.action_lessons.setShortcut(QKeySequence("Ctrl+L"))
        self.action_lessons.setToolTip("Guided lessons with tasks the app checks as you work")
        self.action_lessons.setStatusTip(self.action_lessons.toolTip())
        self.action_lessons.triggered.connect(self.show_lessons)
        self.editor = LessonEditor(window, self, current_project)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check_now)
        self.loader = FileLoader(window)  # type: ignore[arg-type] - the host is a QWidget
        self.loader.loaded.connect(self._file_read)
        self.loader.failed.connect(lambda _path, sentence: self.refuse(sentence))
        window.projects.closing.connect(self.loader.shutdown)
        self.panel.pageRequested.connect(self.show_page)
        self.panel.resetRequested.connect(self.reset_page)
        self.panel.restartRequested.connect(self.restart_open_lesson)
        window.session.historyChanged.connect(self._run_moved)
        window.session.reportReceived.connect(self._run_moved)
        self._fill_menus()

    # ================================================================ menus
    def _fill_menus(self) -> None:
        window = self._window
        for action in (self.action_lessons, *self.editor.actions):
            window.registry.add_action(action)
        help_menu = window.registry.menu("help")
        if help_menu is not None:
            first = help_menu.actions()[0] if help_menu.actions() else None
            help_menu.insertAction(first, self.action_lessons)
            help_menu.insertSeparator(first)
        view_menu = window.registry.menu("view")
        if view_menu is not None:
            view_menu.insertAction(window.explain_dock.toggleViewAction(),
                                   self.dock.toggleViewAction())
        window.after_first_paint(self._fill_file_menu)

    def _fill_file_menu(self) -> None:
        window = self._window
        file_menu = window.registry.menu("file")
        if file_menu is None or not window.isVisible():
            return
        export = window.registry.menu("export")
        before = export.menuAction() if export is not None else None
        for action in self.editor.actions:
            file_menu.insertAction(before, action)
        file_menu.insertSeparator(before)

    # ================================================================ the list
    def builtin(self) -> tuple[Lesson, ...]:
        """The built-in lessons (read once)."""
        if self._builtin is None:
            self._builtin = builtin_lessons()
        return self._builtin

    def entries(self) -> list[LessonEntry]:
        """The built-in lessons with the student's progress."""
        return [LessonEntry(lesson.id, lesson.title, lesson.summary,
                            *self.progress.of(lesson, builtin=True).counts())
                for lesson in self.builtin()]

    def builtin_progress(self, lesson_id: str) -> LessonProgress:
        """The progress of the built-in lesson ``lesson_id``.

        Raises
        ------
        LessonError
            For an id that is not a built-in lesson.
        """
        for lesson in self.builtin():
            if lesson.id == lesson_id:
                return self.progress.of(lesson, builtin=True)
        raise LessonError(f"there is no built-in lesson {lesson_id!r}")

    def show_lessons(self) -> LessonsDialog:
        """Show Help ▸ Lessons (window-modal, without blocking) and return the dialog."""
        if self.dialog is None:
            self.dialog = LessonsDialog(self._window)
            self.dialog.lessonChosen.connect(self.open_builtin)
            self.dialog.restartChosen.connect(self._restart_from_list)
            self.dialog.openFileChosen.connect(self._ask_file)
        self.dialog.set_entries(self.entries())
        self.dialog.open()
        return self.dialog

    def _restart_from_list(self, lesson_id: str) -> None:
        self.builtin_progress(lesson_id).restart()
        if self.lesson is not None and self.path is None and self.lesson.id == lesson_id:
            self.show_page(1)
        if self.dialog is not None:
            self.dialog.set_entries(self.entries())

    # ================================================================ opening
    def open_builtin(self, lesson_id: str) -> bool:
        """Open the built-in lesson ``lesson_id`` where the student left it."""
        for lesson in self.builtin():
            if lesson.id == lesson_id:
                return self.open_lesson(lesson)
        return False

    def open_lesson(self, lesson: Lesson, path: Path | None = None, *, ask: bool = True,
                    page: int | None = None) -> bool:
        """Show ``lesson`` in the dock at ``page`` (default: where the student left it).

        ``path`` is the file it was read from (``None``: a built-in lesson); progress is
        kept apart for the two. Unsaved work is asked about first (unless ``ask`` is
        off). True when opened.
        """
        if ask and not self._window.projects.may_discard_changes():
            return False
        self.lesson, self.path = lesson, path
        self.record = self.progress.of(lesson, builtin=path is None)
        self.editor.update_actions()
        self.panel.teacher_bar.setVisible(path is not None)
        if not self.dock.isVisible():
            self.dock.show()
            self._arrange_docks()
        self.dock.raise_()
        number = page if page is not None else self.record.last_page()
        self.show_page(min(max(number, 1), len(lesson.pages)))
        self.lessonOpened.emit(lesson)
        return True

    def _arrange_docks(self) -> None:
        """The lesson takes most of the right-hand column, the traces below it; on a short
        window (a projector's 720 lines) the two share the column as tabs, the lesson in
        front, so that a page and its tasks can be read without scrolling."""
        window = self._window
        window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        window.resizeDocks([self.dock], [460], Qt.Orientation.Horizontal)
        traces = window.traces_dock
        if window.height() < SHORT_WINDOW:
            if traces.isVisible() and not window.tabifiedDockWidgets(self.dock):
                window.tabifyDockWidget(traces, self.dock)
            return
        if not window.tabifiedDockWidgets(self.dock):
            window.resizeDocks([self.dock, traces], [max(window.height() * 2 // 3, 400), 220],
                               Qt.Orientation.Vertical)

    def open_file(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open a lesson file: read off the UI thread (:class:`FileLoader`), then shown
        or refused with one sentence. False when the student kept the unsaved work."""
        if ask and not self._window.projects.may_discard_changes():
            return False
        path = Path(path)
        self.loader.load(path, read_lesson_file, f"Opening the lesson {path.name} …")
        return True

    def _file_read(self, path: Path, lesson: Lesson) -> None:
        self.open_lesson(lesson, path, ask=False)
        self._window.statusBar().showMessage(f"Opened the lesson {path.name}.", 5000)

    def refuse(self, sentence: str) -> None:
        """Say why a lesson cannot be opened (status bar and a message)."""
        window = self._window
        window.statusBar().showMessage(f"Not opened: {sentence}")
        window.projects.dialogs.error(window, "This lesson cannot be opened", sentence)
        self.fileRefused.emit(sentence)

    def _ask_file(self) -> None:
        projects = self._window.projects
        folder = str(self.path.parent) if self.path else str(Path.home())
        path = projects.dialogs.open_path(self._window, folder)
        if path is not None:
            self.open_file(path)

    # ================================================================ pages
    def show_page(self, number: int) -> None:
        """Show page ``number`` (from 1) and load its experiment into the window."""
        lesson, record = self.lesson, self.record
        if lesson is None or record is None or not 1 <= number <= len(lesson.pages):
            return
        self.page_number = number
        self._pending.clear()
        record.set_last_page(number)
        done = {task for page, task in record.done() if page == number}
        for card in self.panel.show_page(lesson, number, done):
            if isinstance(card, PredictCard):
                card.predicted.connect(lambda value, c=card: self._predicted(c, value))
            elif isinstance(card, ChooseCard):
                card.chosen.connect(lambda index, c=card: self._chosen(c, index))
        self._load_experiment()

    def reset_page(self) -> None:
        """Forget the page's tasks and load its experiment again."""
        if self.record is not None:
            self.record.forget_page(self.page_number)
            self.show_page(self.page_number)

    def restart_open_lesson(self) -> None:
        """Forget the progress in the lesson shown and go back to its page 1."""
        if self.record is not None:
            self.record.restart()
            self.show_page(1)

    def _load_experiment(self) -> None:
        assert self.lesson is not None
        page = self.lesson.pages[self.page_number - 1]
        if page.experiment is None:
            return
        try:
            experiment = experiment_of_page(page)
        except LessonError as error:
            self._window.statusBar().showMessage(str(error))
            return
        project = Project(experiment, title=self.lesson.title, notes=page.title)
        self._window.projects.open_project(
            project, None, f"{self.lesson.title}, page {self.page_number}")
        if page.speed is not None:
            self._window.speed_slider.setValue(_speed_position(self._speeds, page.speed))

    @property
    def page(self) -> Page | None:
        """The page shown, or ``None``."""
        return None if self.lesson is None else self.lesson.pages[self.page_number - 1]

    # ================================================================ checking
    def _run_moved(self, *_args: object) -> None:
        if self.lesson is None or not self.panel.cards:
            return
        if self._window.session.playing:
            if not self._timer.isActive():
                self._timer.start()
            return
        self._timer.stop()
        self.check_now()

    def check_now(self) -> None:
        """Check the page's tasks against the window's run now."""
        page = self.page
        if page is None or not page_is_shown(self._window, page):
            return
        state = window_run_state(self._window)
        if state is None:
            return
        for card in self.panel.cards:
            task = card.task
            if isinstance(task, ReachTask):
                result = check(task, state)
                if result.done and not card.done:
                    self._mark_done(card)
                if result.done or (state.steps and not self._window.session.playing):
                    card.show_result(result)
            elif isinstance(task, PredictTask):
                response = self._pending.get(card.number)
                if response is not None and predicted_value(task, state) is not None:
                    del self._pending[card.number]
                    self._show_prediction(card, check(task, state, response))

    def _show_prediction(self, card: TaskCard, result: TaskResult) -> None:
        if result.done:
            self._mark_done(card)
            card.show_result(result)
        else:
            card.show_result(TaskResult(False, f"{result.feedback} Press ◁ Back and "
                                        "predict again."))
        self._window.explain_dock.raise_()

    def _predicted(self, card: PredictCard, value: float) -> None:
        window, page = self._window, self.page
        task = card.task
        if page is None or not page_is_shown(window, page):
            card.show_result(TaskResult(False, "The page's experiment is not in the window "
                                        "yet: wait a moment, or press Reset this page."))
            return
        window.session.pause()
        window.session.flush()
        state = window_run_state(window)
        if state is None:
            return
        rows = len(state.loss)
        if prediction_open(task, state):
            self._pending[card.number] = value
            if task.step == 0:
                self.check_now()
            else:
                card.show_result(TaskResult(False, f"You said {value:g}: taking step "
                                            f"{task.step} …"))
                window.session.step()
        elif rows < task.step:
            more = task.step - rows
            card.show_result(TaskResult(False, f"This asks about step {task.step}: first "
                                        f"make {more} step{'s' if more > 1 else ''} with "
                                        "Step ▷, then predict."))
        else:
            card.show_result(TaskResult(False, "That value is on screen already: press "
                                        "◁ Back (or Reset this page) and predict again."))

    def _chosen(self, card: ChooseCard, index: int) -> None:
        result = check(card.task, None, index)
        if result.done:
            self._mark_done(card)
        card.show_result(result)

    def _mark_done(self, card: TaskCard) -> None:
        card.set_done(True)
        if self.record is not None:
            self.record.mark_done((self.page_number, card.number))


def _speed_position(speeds: Sequence[float], speed: float) -> int:
    """The speed control's position nearest ``speed`` steps per second."""
    if math.isinf(speed):
        return len(speeds) - 1
    finite = [i for i, value in enumerate(speeds) if math.isfinite(value)]
    return min(finite, key=lambda i: abs(math.log(speeds[i]) - math.log(speed)))
