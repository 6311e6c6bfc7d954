"""File ▸ New, Open, Open Recent, Save, Save As; the modified marker; autosave; closing.

A :class:`ProjectController` is attached to the main window as ``window.projects``. The
window counts as modified when its problem or settings differ from the project last
opened or saved (running, stepping and the speed do not count). Every question goes
through ``self.dialogs`` (:class:`~gdstudio.qt.files.project_dialogs.Dialogs`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu

from gdstudio.io import (
    SUFFIX,
    AutosaveSlot,
    Project,
    ProjectError,
    ProjectTooLargeError,
    claim_crashed_slots,
    load_project,
    save_project,
)
from gdstudio.qt.files.loader import FileLoader
from gdstudio.qt.files.project_actions import (
    HistoryRestorer,
    ProjectHost,
    apply_project,
    comparable,
    project_from_window,
)
from gdstudio.qt.files.project_dialogs import PROJECT_FILTER, Dialogs, RecentMenu, RestoreBar
from gdstudio.qt.host import HasLessons, PaintsFirst, TitledWindow
from gdstudio.qt.lessons.files import is_lesson_path
from gdstudio.qt.model import DEFAULT_EXAMPLE

__all__ = [
    "AUTOSAVE_HISTORY_ROWS",
    "AUTOSAVE_INTERVAL_MS",
    "MAX_RECENT",
    "ProjectController",
    "ProjectsHost",
]

#: How often the open work is autosaved while it has unsaved changes.
AUTOSAVE_INTERVAL_MS = 30_000
#: Longest run history kept in the autosave (longer ones are left out: it is written often).
AUTOSAVE_HISTORY_ROWS = 20_000
#: Entries of File ▸ Open Recent.
MAX_RECENT = 8
_HISTORY_KEY = "projects/includeHistory"
_APP = "Gradient Descent Studio"


@runtime_checkable
class ProjectsHost(ProjectHost, PaintsFirst, HasLessons, TitledWindow, Protocol):
    """What the project files use of the window: the problem, its editor and run (to read
    and write projects), the work after the first paint, the lessons (File ▸ Open takes
    lesson files), and the window's title, its modified marker, its close event and a
    place for the Restore bar."""


def default_project() -> Project:
    """The project File ▸ New opens: the first tutorial (x² from 3, rate 0.1)."""
    return Project(expression=DEFAULT_EXAMPLE["expression"], start=DEFAULT_EXAMPLE["start"],
                   learning_rate=DEFAULT_EXAMPLE["learning_rate"],
                   stopping=DEFAULT_EXAMPLE["stopping"])


class ProjectController(QObject):
    """Project files for one :class:`~gdstudio.qt.window.MainWindow`.

    Attributes
    ----------
    path : Path or None
        The open project's file (``None`` until saved).
    title, notes : str
        The open project's title and notes (kept when it is saved again).
    dialogs : Dialogs
        Asks the questions (replace it to answer them in code).
    restorer : HistoryRestorer
        Replays a saved run after opening.

    Signals
    -------
    closing
        The window is about to close (after any question about unsaved changes).
    openFinished(str, bool)
        A file given to :meth:`open_file` was opened (True) or not (refused, cancelled).
    """

    closing = Signal()
    openFinished = Signal(str, bool)

    def __init__(self, window: ProjectsHost, settings: QSettings) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        self.dialogs = Dialogs()
        self.path: Path | None = None
        self.title = ""
        self.notes = ""
        self.restorer = HistoryRestorer(window)
        self.loader = FileLoader(window)
        self.loader.loaded.connect(self._file_loaded)
        self.loader.failed.connect(self._file_refused)
        self.loader.cancelled.connect(self._open_cancelled)
        self.not_opened_label = QLabel(window)
        self.not_opened_label.setObjectName("notOpenedLabel")
        self.not_opened_label.hide()
        window.statusBar().addPermanentWidget(self.not_opened_label)
        self.restore_bar: RestoreBar | None = None
        self.autosave: AutosaveSlot | None = None  # this window's, claimed when first written
        self._crashed: AutosaveSlot | None = None  # a crashed window's, while it is offered
        self._baseline: Project | None = comparable(project_from_window(window, False))
        self._started = False
        self._close_confirmed = False
        self._build_actions()
        for signal in (window.model.problemChanged, window.model.startChanged,
                       window.model.settingChanged, window.model.modeChanged,
                       window.model.dataSettingChanged):
            signal.connect(self._update_modified)
        branches = getattr(window, "branches", None)
        if branches is not None:  # a branch made or removed is a change to save
            branches.edited.connect(self._update_modified)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self._autosave_timer.timeout.connect(self.autosave_now)
        self._autosave_timer.start()
        window.installEventFilter(self)
        self._update_title()
        # After the window's own first compile (which it asks for after its first paint,
        # before this): see open_project.
        self._window.after_first_paint(self._start)

    # ================================================================ actions
    def _build_actions(self) -> None:
        window = self._window

        def action(name: str, text: str, keys: QKeySequence.StandardKey | str | None,
                   tip: str) -> QAction:
            item = QAction(text, window)
            item.setObjectName(name)
            if keys is not None:
                item.setShortcut(QKeySequence(keys))
            item.setToolTip(tip)
            item.setStatusTip(tip)
            return item

        keys = QKeySequence.StandardKey
        self.action_new = action("actionNew", "&New", keys.New,
                                 "Start again from the first tutorial, x² from 3")
        self.action_open = action("actionOpen", "&Open…", keys.Open, "Open a project file")
        self.action_save = action("actionSave", "&Save", keys.Save,
                                  "Save the problem, its settings and the run")
        self.action_save_as = action("actionSaveAs", "Save &As…", "Ctrl+Shift+S",
                                     "Save the project in a new file")
        self.action_include_history = action(
            "actionIncludeHistory", "Include the Run &History When Saving", None,
            "Save the steps of the run in the project too (left out if too large)")
        self.action_include_history.setCheckable(True)
        self.action_include_history.setChecked(
            self._settings.value(_HISTORY_KEY, True, bool))
        self.action_include_history.toggled.connect(
            lambda on: self._settings.setValue(_HISTORY_KEY, on))
        self.recent_menu = RecentMenu(self._settings, MAX_RECENT, window)
        self.recent_menu.openRequested.connect(self.open_recent)
        self.action_new.triggered.connect(self.new_project)
        self.action_open.triggered.connect(lambda: self.open_file())
        self.action_save.triggered.connect(self.save)
        self.action_save_as.triggered.connect(self.save_as)

    def actions(self) -> tuple[QAction, ...]:
        """New, Open, Save, Save As and Include the Run History, in the menu's order."""
        return (self.action_new, self.action_open, self.action_save, self.action_save_as,
                self.action_include_history)

    def fill_file_menu(self, menu: QMenu, before: QAction | None) -> None:
        """Put the project commands into ``menu`` (before ``before``, e.g. Quit)."""
        for item in (self.action_new, self.action_open):
            menu.insertAction(before, item)
        menu.insertMenu(before, self.recent_menu)
        menu.insertSeparator(before)
        for item in (self.action_save, self.action_save_as, self.action_include_history):
            menu.insertAction(before, item)
        menu.insertSeparator(before)

    # ================================================================ opening
    def new_project(self) -> bool:
        """Open the default example (after asking about unsaved changes)."""
        if not self.may_discard_changes():
            return False
        self.open_project(default_project(), None)
        return True

    def open_file(self, path: str | Path | None = None, *, ask: bool = True) -> bool:
        """Start opening a project file (asking which when ``path`` is ``None``).

        The file is read and checked off the UI thread (:class:`FileLoader`, with a busy
        box and Cancel); :attr:`openFinished` tells how it ended. A file that cannot be
        opened is reported with its reason and changes nothing. Returns True when reading
        started.
        """
        if ask and not self.may_discard_changes():
            return False
        if path is None:
            folder = str(self.path.parent) if self.path else str(Path.home())
            path = self.dialogs.open_path(self._window, folder)
            if path is None:
                return False
        if is_lesson_path(path):  # File ▸ Open takes lessons too: they open in their dock
            return self._window.lessons.open_file(path, ask=False)
        self.loader.load(path, load_project, f"Opening {Path(path).name} …")
        return True

    def _file_loaded(self, path: Path, project: Project) -> None:
        self.open_project(project, path)
        self._add_recent(path)
        self.openFinished.emit(str(path), True)

    def _file_refused(self, path: Path, message: str) -> None:
        self._window.statusBar().showMessage(f"Not opened: {message}")
        self._show_not_opened(path.name)
        self.dialogs.error(self._window, "This project cannot be opened", message)
        self.openFinished.emit(str(path), False)

    def _open_cancelled(self, path: Path) -> None:
        self._window.statusBar().showMessage(f"Not opened: {path.name} (cancelled).", 8000)
        self.openFinished.emit(str(path), False)

    def _show_not_opened(self, name: str) -> None:
        """Keep "… was not opened" in the status bar (run reports replace its message)."""
        self.not_opened_label.setText(f"{name} was not opened." if name else "")
        self.not_opened_label.setVisible(bool(name))

    def open_project(self, project: Project, path: Path | None, label: str = "") -> None:
        """Show ``project`` (from ``path``, or none for an example or a new project)."""
        if not self._started:  # the window has not asked for its first function yet
            self._window.after_first_paint(lambda: self.open_project(project, path, label))
            return
        self._show_not_opened("")
        self.path = path
        self.title, self.notes = project.title, project.notes
        self._baseline = comparable(project)
        self.restorer.cancel()
        rebuilds = self._apply_counting_rebuilds(project)
        self.restorer.restore(project, problem_ready=project.mode == "data" and not rebuilds)
        self._update_title()
        self._update_modified()
        name = path.name if path else (label or project.title or "the new project")
        if project.history is None:
            self._window.statusBar().showMessage(f"Opened {name}.", 5000)

    def _apply_counting_rebuilds(self, project: Project) -> int:
        """Apply ``project``; returns how many changes will rebuild a data problem.

        A function is always compiled again (a new problem will arrive); a data problem
        only when its mode or data settings changed, else its run is already in place.
        """
        model = self._window.model
        changes: list[object] = []

        def count(which: str) -> None:
            changes.append(which)

        for signal in (model.modeChanged, model.dataSettingChanged):
            signal.connect(count)
        try:
            apply_project(self._window, project)
        finally:
            for signal in (model.modeChanged, model.dataSettingChanged):
                signal.disconnect(count)
        return len(changes)

    # ================================================================ saving
    def save(self) -> bool:
        """Save to the open file (asking where if there is none). True when saved."""
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        """Ask where, and save there. True when saved."""
        suggested = str(self.path) if self.path else str(Path.home() / _file_name(self.title))
        path = self.dialogs.save_path(self._window, "Save the project", suggested,
                                      PROJECT_FILTER)
        if path is None:
            return False
        if path.suffix != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        window = self._window
        include = self.action_include_history.isChecked()
        try:
            project = project_from_window(window, include)
            note = ""
            if include and project.history is None and len(window.session.history) > 1:
                note = "The run was left out: it has more steps than a project keeps."
            try:
                save_project(project, path)
            except ProjectTooLargeError as error:
                project = project.with_history(None)
                save_project(project, path)
                note = f"The run history was left out: {str(error).split(': ', 1)[-1]}."
        except (ProjectError, ValueError) as error:
            window.statusBar().showMessage(f"Not saved: {error}")
            self.dialogs.error(window, "The project was not saved", str(error))
            return False
        self.path = path
        self._baseline = comparable(project)
        self._show_not_opened("")
        self._add_recent(path)
        if self.autosave is not None:
            self.autosave.clear()
        self._update_title()
        self._update_modified()
        window.statusBar().showMessage(f"Saved {path.name}. {note}".strip(), 8000)
        if note:
            self.dialogs.info(window, "Saved without the run", f"{path.name} was saved. {note}")
        return True

    @property
    def started(self) -> bool:
        """True once the window is ready for projects (and any crashed work was offered)."""
        return self._started

    # ================================================================ modified
    @property
    def modified(self) -> bool:
        """Whether the problem or settings differ from the file (or example) opened."""
        return self._window.isWindowModified()

    def _update_modified(self, *_args: object) -> None:
        try:
            current = comparable(project_from_window(self._window, False))
        except (ProjectError, ValueError):
            current = None
        self._window.setWindowModified(current is None or current != self._baseline)

    def _update_title(self) -> None:
        name = self.path.name if self.path else (self.title or "Untitled")
        self._window.setWindowTitle(f"{name}[*] — {_APP}")

    def may_discard_changes(self) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes; True to go on."""
        if not self.modified:
            return True
        name = self.path.name if self.path else (self.title or "This project")
        answer = self.dialogs.ask_unsaved(self._window, name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ask before the window closes with unsaved changes; Cancel keeps it open."""
        closing = watched is self._window and event.type() == QEvent.Type.Close
        if closing and not self._close_confirmed:
            if not self.may_discard_changes():
                event.ignore()
                return True
            self._close_confirmed = True
            self._autosave_timer.stop()
            self.loader.shutdown()
            self._release_autosaves()
            self.closing.emit()
        return False

    # ================================================================ recent files
    def recent_files(self) -> list[str]:
        """Paths of recently opened or saved projects, newest first."""
        return self.recent_menu.files()

    def _add_recent(self, path: Path) -> None:
        self.recent_menu.add(path)

    def open_recent(self, entry: str) -> bool:
        """Open a recent project; one that no longer exists is removed from the list."""
        if not Path(entry).is_file():
            self.recent_menu.remove(entry)
            message = (f"{Path(entry).name} is no longer in {Path(entry).parent}; it was "
                       "removed from the recent projects.")
            self._window.statusBar().showMessage(message, 8000)
            self.dialogs.info(self._window, "Project not found", message)
            return False
        return self.open_file(entry)

    # ================================================================ autosave
    def autosave_now(self) -> Path | None:
        """Write this window's autosave if there are unsaved changes; returns its path."""
        if not self.modified or self._close_confirmed:
            return None
        window = self._window
        try:
            project = project_from_window(window, False)
            if len(window.session.history) <= AUTOSAVE_HISTORY_ROWS:
                project = project.with_history(
                    project_from_window(window, True).history)
            if self.autosave is None:
                self.autosave = AutosaveSlot.claim()
            return self.autosave.write(project, self.path)
        except (ProjectError, ValueError, OSError) as error:
            window.statusBar().showMessage(f"Could not autosave: {error}", 8000)
            return None

    def _release_autosaves(self) -> None:
        """A normal close: this window's autosave goes, and so does an unanswered offer."""
        for slot in (self.autosave, self._crashed):
            if slot is not None:
                slot.release()
        self.autosave = self._crashed = None
        if self.restore_bar is not None:
            self._restore_answered(False)

    def _start(self) -> None:
        self._started = True
        if self._close_confirmed:
            return
        try:
            crashed = claim_crashed_slots()
        except OSError:
            crashed = []
        for slot in crashed:
            if self._crashed is not None:
                slot.unlock()  # one offer at a time: the next start offers this one
                continue
            project = slot.read(self._report_damaged)
            if project is None:
                slot.release()  # damaged: said once and set aside
                continue
            self._crashed = slot
            self._offer_restore(project)

    def _report_damaged(self, message: str) -> None:
        self._window.statusBar().showMessage(message[:1].upper() + message[1:], 10_000)

    def _offer_restore(self, project: Project) -> None:
        try:
            when = time.strftime("%d %b %H:%M",
                                 time.localtime(self._crashed.path.stat().st_mtime))
        except (OSError, AttributeError):
            when = "earlier"
        bar = RestoreBar(when, self._window)
        self._window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self._window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.answered.connect(lambda restore: self._restore_answered(restore, project))
        self.restore_bar = bar

    def _restore_answered(self, restore: bool, project: Project | None = None) -> None:
        bar, self.restore_bar = self.restore_bar, None
        if bar is not None:
            self._window.removeToolBar(bar)
            bar.deleteLater()
        crashed, self._crashed = self._crashed, None
        source = crashed.source if crashed is not None else ""
        if crashed is not None:
            crashed.release()  # offered once: restored work is autosaved as this window's
        if not restore or project is None:
            return
        self.open_project(project, Path(source) if source else None, "the autosaved work")
        self._baseline = None  # not saved anywhere yet: modified until saved
        self._update_modified()
        self.autosave_now()


def _file_name(title: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in title)
    words = "-".join(cleaned.lower().split())[:60]
    return (words or "lesson") + SUFFIX
