"""Shared pieces of the window tests: a window fixture and dialogs answered in code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from gdstudio.app import create_application
from gdstudio.qt.window import MainWindow

WAIT = 20_000  # ms: compiling starts a helper process the first time


class FakeDialogs:
    """Answers the project and export questions from queues, recording every message."""

    def __init__(self) -> None:
        self.open_paths: list[Path | None] = []
        self.save_paths: list[Path | None] = []
        self.unsaved_answers: list[str] = []
        self.messages: list[tuple[str, str, str]] = []
        self.asked_unsaved = 0

    def open_path(self, parent: QWidget, folder: str) -> Path | None:
        return self.open_paths.pop(0) if self.open_paths else None

    def save_path(self, parent: QWidget, title: str, suggested: str, filters: str) -> Path | None:
        return self.save_paths.pop(0) if self.save_paths else None

    def ask_unsaved(self, parent: QWidget, name: str) -> str:
        self.asked_unsaved += 1
        return self.unsaved_answers.pop(0) if self.unsaved_answers else "discard"

    def error(self, parent: QWidget, title: str, message: str) -> None:
        self.messages.append(("error", title, message))

    def info(self, parent: QWidget, title: str, message: str) -> None:
        self.messages.append(("info", title, message))


def make_window(qtbot, settings_path: Path) -> MainWindow:
    """A shown main window with its own settings file and fake dialogs, ready to run."""
    create_application([])
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.projects.dialogs = FakeDialogs()
    window.show()
    qtbot.waitUntil(lambda: window.session.active and window.model.objective is not None,
                    timeout=WAIT)
    return window


def shown_window(qtbot, tmp_path: Path, size: tuple[int, int] | None = None,
                 ) -> Iterator[MainWindow]:
    """A shown main window with its own settings file, once its first run is ready (the
    tools made after the first paint install themselves); closed afterwards."""
    create_application([])
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    studio = MainWindow(settings)
    qtbot.addWidget(studio)
    if size is not None:
        studio.resize(*size)
    studio.show()
    qtbot.waitUntil(lambda: studio.session.active, timeout=WAIT)
    yield studio
    studio.close()


def action(window: MainWindow, name: str) -> QAction:
    """The window's action ``name``, from its registry of actions by name."""
    found = window.registry.action(name)
    assert found is not None, name
    return found


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:
    studio = make_window(qtbot, tmp_path / "settings.ini")
    yield studio
    studio.close()


def wait_for_problem(qtbot, window: MainWindow, expression: str) -> None:
    """Wait until ``expression`` is compiled and its run is ready (and any replay done)."""
    qtbot.waitUntil(lambda: window.model.expression_text == expression
                    and window.session.active and not window.projects.restorer.busy,
                    timeout=WAIT)


def settle(qtbot, session, learning_rate: float) -> None:
    """Wait until ``session``'s worker has handled every control sent before this call.

    A round trip: setting the (unchanged) rate makes the worker report, and controls are
    handled in the order sent, so rows from any earlier step arrive first.
    """
    session.flush()
    before = session.report
    session.set_learning_rate(learning_rate)
    qtbot.waitUntil(lambda: session.report is not before, timeout=WAIT)
    session.flush()


def run_to_end(qtbot, window: MainWindow) -> None:
    """Press Run and wait until the run has ended and every row is in the window."""
    window.run()
    qtbot.waitUntil(lambda: window.session.report is not None
                    and window.session.report.status != "running"
                    and not window.session.playing, timeout=60_000)
    window.session.flush()
