"""The examples gallery: a menu with one entry per example, and a dialog that explains them.

Opening an example goes through the window's project controller (``window.projects``),
so unsaved changes are asked about first and the example arrives as a project would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gdstudio.engine import OPTIMIZERS
from gdstudio.qt.host import HasActions, HasProjects, PacesRuns
from gdstudio.qt.run.pace import example_speed

if TYPE_CHECKING:
    from collections.abc import Sequence

    from gdstudio.problems.gallery import Example
    from gdstudio.qt.lessons.dock import LessonEntry

__all__ = ["ExamplesHost", "ExamplesMenu", "GalleryDialog", "describe_example"]


@runtime_checkable
class ExamplesHost(HasProjects, PacesRuns, HasActions, Protocol):
    """What the Examples menu uses of the window: the projects (an example opens as one,
    after the question about unsaved work), the speed an example suggests, and the
    registry (each example's entry is registered by name). The lessons
    (``window.lessons``), when the window has them, fill the gallery's list of lessons."""


def describe_example(item: Example) -> str:
    """The dialog's text for ``item`` (HTML): the lesson, the problem, the settings."""
    import html  # here, not at start-up: it loads every HTML entity name

    rows: list[tuple[str, str]] = []
    experiment, settings = item.experiment, item.experiment.settings
    if experiment.mode == "function":
        rows.append(("Function", f"f = {experiment.expression}"))
    else:
        assert experiment.dataset is not None
        columns = ", ".join(experiment.dataset.names)
        rows.append(("Data", f"{experiment.dataset.n_rows} rows of {columns}"))
        rows.append(("Model", f"{experiment.target} ≈ {experiment.model}  "
                              f"(loss: {experiment.loss})"))
        if experiment.fixed:
            rows.append(("Fixed", ", ".join(f"{k} = {v:g}"
                                            for k, v in experiment.fixed.items())))
    rows.append(("Start", ", ".join(f"{k} = {v:g}" for k, v in experiment.start.items())))
    rows.append(("Method", f"{OPTIMIZERS[settings.optimizer].title}, learning rate "
                           f"{settings.learning_rate:g}"))
    rules = settings.stopping
    stop = f"after {rules.max_iter:,} steps at most"
    if rules.tol_step is not None:
        stop += f", or when a step is shorter than {rules.tol_step:g}"
    rows.append(("Stops", stop))
    table = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td>"
                    f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
    return (f"<h2>{html.escape(item.title)}</h2>"
            f"<p style='font-size: large'>{html.escape(item.explanation)}</p>"
            f"<p><b>How it ends:</b> {html.escape(_ending(item))}.</p>"
            f"<table cellspacing='4'>{table}</table>"
            "<p><i>Open it, then press Run (Space) or Step (→).</i></p>")


def _ending(item: Example) -> str:
    """E.g. "it converges, near x = 0 (within 0.001)" from the example's expected ending."""
    expected = item.expected
    words = {"converged": "it converges", "max_iter": "it stops at its step limit",
             "diverged": "it diverges"}
    rest = expected.describe().removeprefix(f"ends {expected.status}")
    return words.get(expected.status, expected.status) + rest


#: Where a row of the list keeps the id of a guided lesson ("" for the Lessons heading).
_LESSON_ROLE = Qt.ItemDataRole.UserRole + 1

_GROUPS = (("From the tutorials", "tutorial"), ("One variable", "1d"),
           ("Two variables", "2d"))


def _group_of(item: Example) -> str:
    if item.key.startswith("tutorial"):
        return "tutorial"
    return "1d" if len(item.experiment.start) == 1 else "2d"


class GalleryDialog(QDialog):
    """A list of the examples and, beside it, the explanation of the selected one.

    Signals
    -------
    exampleChosen(str)
        The key of the example to open (Open, double-click or Enter).
    lessonChosen(str)
        The id of the guided lesson to open (the Lessons section).
    """

    exampleChosen = Signal(str)
    lessonChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryDialog")
        self.setWindowTitle("Examples")
        self.list = QListWidget(self)
        self.list.setObjectName("galleryList")
        self.list.setAccessibleName("Examples")
        self.list.setToolTip("Pick an example to read what it shows; double-click to open it")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        for heading, group in _GROUPS:
            header = QListWidgetItem(heading, self.list)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            for item in _examples():
                if _group_of(item) == group:
                    entry = QListWidgetItem(f"   {item.title}", self.list)
                    entry.setData(Qt.ItemDataRole.UserRole, item.key)
                    entry.setToolTip(item.explanation)
        self.text = QTextBrowser(self)
        self.text.setObjectName("galleryText")
        self.text.setAccessibleName("What the example shows")
        self.text.setOpenExternalLinks(False)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.list)
        splitter.addWidget(self.text)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([330, 530])
        buttons = QDialogButtonBox(self)
        self.open_button = QPushButton("Open", self)
        self.open_button.setObjectName("openExampleButton")
        self.open_button.setToolTip("Open the selected example in the window, ready to run")
        self.open_button.setDefault(True)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        row = QHBoxLayout()
        row.addWidget(buttons)
        layout.addLayout(row)
        self._lessons: dict[str, LessonEntry] = {}
        self.list.currentItemChanged.connect(self._show_current)
        self.list.itemActivated.connect(lambda _item: self._choose())
        buttons.accepted.connect(self._choose)
        buttons.rejected.connect(self.reject)
        self.list.setCurrentRow(1)  # row 0 is the first heading
        self.resize(880, 500)

    @property
    def current_key(self) -> str:
        """The key of the selected example."""
        item = self.list.currentItem()
        key = item.data(Qt.ItemDataRole.UserRole) if item else None
        return str(key) if key else _examples()[0].key

    def select(self, key: str) -> None:
        """Select the example called ``key``."""
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.list.setCurrentRow(row)
                return
        raise KeyError(key)

    def set_lessons(self, entries: Sequence[LessonEntry]) -> None:
        """Show the guided lessons, with the student's progress, in a Lessons section."""
        import html  # here, not at start-up: it loads every HTML entity name

        for row in reversed(range(self.list.count())):
            if self.list.item(row).data(_LESSON_ROLE) is not None:
                self.list.takeItem(row)
        self._lessons = {entry.id: entry for entry in entries}
        if not entries:
            return
        header = QListWidgetItem("Lessons", self.list)
        header.setFlags(Qt.ItemFlag.NoItemFlags)
        header.setData(_LESSON_ROLE, "")
        font = header.font()
        font.setBold(True)
        header.setFont(font)
        for entry in entries:
            row = QListWidgetItem(f"   {entry.title} ({entry.progress_text})", self.list)
            row.setData(_LESSON_ROLE, entry.id)
            row.setToolTip(html.escape(entry.summary))

    @property
    def current_lesson(self) -> str | None:
        """The id of the selected guided lesson, or ``None`` (an example is selected)."""
        item = self.list.currentItem()
        lesson_id = item.data(_LESSON_ROLE) if item else None
        return str(lesson_id) if lesson_id else None

    def _show_current(self) -> None:
        lesson_id = self.current_lesson
        if lesson_id is None:
            self.text.setHtml(describe_example(_example(self.current_key)))
            return

        import html  # here, not at start-up: it loads every HTML entity name

        entry = self._lessons[lesson_id]
        self.text.setHtml(f"<h2>{html.escape(entry.title)}</h2>"
                          f"<p style='font-size: large'>{html.escape(entry.summary)}</p>"
                          f"<p><b>Your progress:</b> {entry.progress_text}.</p>"
                          "<p><i>A guided lesson: it opens beside the plots, page by page, "
                          "with tasks the app checks as you work.</i></p>")

    def _choose(self) -> None:
        lesson_id = self.current_lesson
        if lesson_id is not None:
            self.lessonChosen.emit(lesson_id)
        else:
            self.exampleChosen.emit(self.current_key)
        self.accept()


class ExamplesMenu(QObject):
    """The Examples menu and its gallery dialog, for one main window.

    Parameters
    ----------
    window : ExamplesHost
        The window.
    """

    def __init__(self, window: ExamplesHost) -> None:
        super().__init__(window)
        self._window = window
        self.dialog: GalleryDialog | None = None
        self.menu = QMenu("E&xamples", window)
        self.menu.setObjectName("examplesMenu")
        self.action_gallery = QAction("&Browse the Examples…", window)
        self.action_gallery.setObjectName("actionGallery")
        self.action_gallery.setShortcut(QKeySequence("Ctrl+E"))
        self.action_gallery.setToolTip("Each example with a few words on what it teaches")
        self.action_gallery.triggered.connect(self.show_gallery)
        self.menu.addAction(self.action_gallery)
        self.menu.addSeparator()
        self._filled = False
        self.menu.aboutToShow.connect(self.fill)

    def fill(self) -> None:
        """Add an entry per example (once): the window asks just after its first paint,
        since the gallery's import is a tenth of its start-up; the menu, if sooner."""
        if self._filled:
            return
        self._filled = True
        for item in _examples():
            entry = self.menu.addAction(item.title)
            entry.setObjectName(f"actionExample_{item.key}")
            entry.setToolTip(item.explanation)
            entry.setStatusTip(item.expected.describe())
            entry.triggered.connect(lambda _checked=False, key=item.key: self.open_example(key))
            self._window.registry.add_action(entry)

    def show_gallery(self) -> GalleryDialog:
        """Show the gallery dialog (window-modal, without blocking) and return it."""
        lessons = getattr(self._window, "lessons", None)
        if self.dialog is None:
            self.dialog = GalleryDialog(self._window)
            self.dialog.exampleChosen.connect(self.open_example)
            if lessons is not None:
                self.dialog.lessonChosen.connect(lessons.open_builtin)
        if lessons is not None:
            self.dialog.set_lessons(lessons.entries())
        self.dialog.open()
        return self.dialog

    def open_example(self, key: str) -> bool:
        """Open example ``key`` (after asking about unsaved changes); True when opened."""
        projects = self._window.projects
        if not projects.may_discard_changes():
            return False
        self._window.suggest_speed(example_speed(key))  # unless the student chose one
        from gdstudio.io.project import Project  # the io layer loads after the first paint

        item = _example(key)
        projects.open_project(Project.from_example(item), None, item.title)
        return True


def _examples() -> tuple[Example, ...]:
    from gdstudio.problems.gallery import EXAMPLES  # loaded when first needed

    return tuple(EXAMPLES)


def _example(key: str) -> Example:
    from gdstudio.problems.gallery import example

    return example(key)
