"""The questions the project and export commands ask, in one replaceable object.

Every file dialog and message box of :mod:`gdstudio.qt.files.projects` and
:mod:`gdstudio.qt.files.exports_menu` goes through a :class:`Dialogs` instance, so that tests
(and scripts) can answer them without a modal dialog ever waiting for a click. The
autosave offer is a :class:`RestoreBar`, a non-modal bar above the plots.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolBar,
    QWidget,
)

from gdstudio.qt.lessons.files import LESSON_FILTER

__all__ = ["PROJECT_FILTER", "Dialogs", "RecentMenu", "RestoreBar"]

#: File dialog filter of project files.
PROJECT_FILTER = "Gradient Descent Studio projects (*.gdstudio)"
_RECENT_KEY = "projects/recent"


class Dialogs:
    """Standard file dialogs and message boxes; replace methods to answer them in tests."""

    def open_path(self, parent: QWidget, folder: str) -> Path | None:
        """Ask for a project to open; ``None`` when cancelled."""
        name, _ = QFileDialog.getOpenFileName(
            parent, "Open a project or a lesson", folder,
            f"{PROJECT_FILTER};;{LESSON_FILTER};;All files (*)")
        return Path(name) if name else None

    def save_path(self, parent: QWidget, title: str, suggested: str, filters: str) -> Path | None:
        """Ask where to save; ``None`` when cancelled."""
        name, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
        return Path(name) if name else None

    def ask_unsaved(self, parent: QWidget, name: str) -> str:
        """``"save"``, ``"discard"`` or ``"cancel"`` for unsaved changes to ``name``."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"{name} has changes that are not saved.", parent=parent)
        box.setInformativeText("Save them before going on?")
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.setDefaultButton(buttons.Save)
        answer = box.exec()
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(
            buttons(answer), "cancel")

    def error(self, parent: QWidget, title: str, message: str) -> None:
        """Tell that something could not be done, and why."""
        QMessageBox.warning(parent, title, message)

    def info(self, parent: QWidget, title: str, message: str) -> None:
        """Tell something worth knowing (e.g. a project saved without its history)."""
        QMessageBox.information(parent, title, message)


class RestoreBar(QToolBar):
    """A non-modal bar offering to restore the work autosaved before a crash.

    Signals
    -------
    answered(bool)
        True for Restore, False for Discard; the bar then hides itself.
    """

    answered = Signal(bool)

    def __init__(self, when: str, parent: QWidget | None = None) -> None:
        super().__init__("Restore unsaved work", parent)
        self.setObjectName("restoreBar")
        self.setMovable(False)
        self.setFloatable(False)
        box = QWidget(self)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(8, 2, 8, 2)
        self.label = QLabel(f"<b>Unsaved work was found</b> (autosaved {when}). "
                            "Gradient Descent Studio may not have closed normally.", box)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.restore_button = QPushButton("Restore it", box)
        self.restore_button.setObjectName("restoreAutosaveButton")
        self.restore_button.setToolTip("Open the autosaved work (its run is replayed)")
        self.discard_button = QPushButton("Discard", box)
        self.discard_button.setObjectName("discardAutosaveButton")
        self.discard_button.setToolTip("Delete the autosaved work and keep this window as it is")
        layout.addWidget(self.label, 1)
        layout.addWidget(self.restore_button)
        layout.addWidget(self.discard_button)
        self.addWidget(box)
        self.restore_button.clicked.connect(lambda: self._answer(True))
        self.discard_button.clicked.connect(lambda: self._answer(False))

    def _answer(self, restore: bool) -> None:
        self.hide()
        self.answered.emit(restore)


class RecentMenu(QMenu):
    """File ▸ Open Recent: the newest projects first, kept in ``QSettings``.

    Signals
    -------
    openRequested(str)
        The path of the entry chosen.
    """

    openRequested = Signal(str)

    def __init__(self, settings: QSettings, size: int, parent: QWidget | None = None) -> None:
        super().__init__("Open &Recent", parent)
        self.setObjectName("recentMenu")
        self._settings, self._size = settings, size
        self.aboutToShow.connect(self._fill)

    def files(self) -> list[str]:
        """The paths in the list, newest first."""
        value = self._settings.value(_RECENT_KEY, [], list)
        return [str(item) for item in value if item][: self._size]

    def add(self, path: Path) -> None:
        """Put ``path`` first (once)."""
        entry = str(path.resolve())
        files = [entry] + [item for item in self.files() if item != entry]
        self._settings.setValue(_RECENT_KEY, files[: self._size])

    def remove(self, entry: str) -> None:
        """Leave ``entry`` out of the list."""
        self._settings.setValue(_RECENT_KEY, [item for item in self.files() if item != entry])

    def _fill(self) -> None:
        self.clear()
        files = self.files()
        for number, entry in enumerate(files, start=1):
            path = Path(entry)
            item = self.addAction(f"&{number} {path.name}  —  {path.parent}")
            item.setToolTip(entry)
            item.triggered.connect(lambda _checked=False, p=entry: self.openRequested.emit(p))
        if not files:
            self.addAction("No recent projects").setEnabled(False)
        self.addSeparator()
        clear = self.addAction("Clear the List")
        clear.setEnabled(bool(files))
        clear.triggered.connect(lambda: self._settings.setValue(_RECENT_KEY, []))
