"""The window when the expression helper process is killed or cannot start."""

from __future__ import annotations

import multiprocessing
import os
import signal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from gdstudio.problems import _compile_service
from gdstudio.problems.expression import shutdown_compile_service
from tests.qt.helpers import WAIT, window

__all__ = ["window"]


def submit(qtbot, window, text: str) -> None:
    edit = window.findChild(QLineEdit, "expressionEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_a_killed_helper_is_restarted_and_the_next_expression_compiles(qtbot, window):
    submit(qtbot, window, "x**2 + 300")  # new text: analysed by the helper, not the cache
    qtbot.waitUntil(lambda: window.model.expression_text == "x**2 + 300", timeout=WAIT)
    helper = _compile_service.SERVICE.pid
    assert helper is not None
    os.kill(helper, signal.SIGKILL)
    submit(qtbot, window, "(x - 1)**2 + 301")
    qtbot.waitUntil(lambda: window.model.expression_text == "(x - 1)**2 + 301", timeout=WAIT)
    assert not window.editor.expression_error.isVisible()
    assert _compile_service.SERVICE.pid not in (None, helper)


def test_a_helper_that_cannot_start_is_said_and_the_window_recovers(qtbot, window, tmp_path):
    shutdown_compile_service()
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\nexit 3\n", encoding="ascii")
    broken.chmod(0o755)
    original = multiprocessing.spawn.get_executable()
    multiprocessing.set_executable(str(broken))
    try:
        submit(qtbot, window, "x**4 + 302")
        qtbot.waitUntil(lambda: window.editor.expression_error.isVisible(), timeout=WAIT)
    finally:
        multiprocessing.set_executable(original)
    sentence = "could not start the helper process that analyses expressions"
    assert window.editor.expression_error.text() == sentence
    assert window.statusBar().currentMessage() == f"Cannot use 'x**4 + 302': {sentence}"
    assert window.model.expression_text == "x**2"  # the last good problem is kept
    submit(qtbot, window, "x**4 + 303")  # the helper starts again
    qtbot.waitUntil(lambda: window.model.expression_text == "x**4 + 303", timeout=WAIT)
    assert not window.editor.expression_error.isVisible()
