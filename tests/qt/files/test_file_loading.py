"""Import CSV… and File ▸ Open read off the UI thread: busy box, Cancel, one sentence."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from gdstudio.qt.files import loader as file_loader
from gdstudio.qt.files.loader import FileLoader, failure_sentence
from gdstudio.qt.files.project_actions import project_from_window
from tests.qt.helpers import WAIT, window

__all__ = ["window"]


def editor_in_data_mode(qtbot, window):
    qtbot.mouseClick(window.editor.mode_switch.buttons["data"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.data_mode.ready and window.session.active
                    and window.model.data.dataset is not None, timeout=WAIT)
    return window.editor.data_editor


def refusal_text(editor) -> str:
    box = editor.findChild(QMessageBox, "refusalBox")
    assert box is not None and box.isVisible()
    text = box.text()
    box.accept()
    return text


def readers() -> list[str]:
    """Child processes reading a file that are still alive."""
    return [child.name for child in multiprocessing.active_children()
            if child.name == "gdstudio-file-reader"]


def write_rows(path: Path, rows: int) -> None:
    path.write_text("x,y\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(rows)),
                    encoding="utf-8")


def test_a_real_csv_is_imported_off_the_ui_thread(qtbot, window, tmp_path):
    editor = editor_in_data_mode(qtbot, window)
    path = tmp_path / "line.csv"
    write_rows(path, 6)
    with qtbot.waitSignal(editor.csvImported, timeout=WAIT):
        assert editor.import_csv(str(path))
        assert editor.csv_loader.busy  # not read yet: the UI thread went on
    assert window.model.data.dataset["y"].tolist() == [1, 3, 5, 7, 9, 11]
    assert not editor.csv_loader.busy
    qtbot.waitUntil(lambda: not editor.csv_loader.running, timeout=WAIT)


@pytest.mark.parametrize("kind", ["bad cell", "folder", "missing", "device"])
def test_a_bad_csv_leaves_the_table_and_says_one_sentence(qtbot, window, tmp_path, kind):
    editor = editor_in_data_mode(qtbot, window)
    before = window.model.data.dataset
    path = {"bad cell": tmp_path / "bad.csv", "folder": tmp_path,
            "missing": tmp_path / "gone.csv", "device": Path("/dev/zero")}[kind]
    if kind == "bad cell":
        path.write_text("x,y\n0,1\n1,two\n", encoding="utf-8")
    with qtbot.waitSignal(editor.csvImportFailed, timeout=WAIT) as failed:
        editor.import_csv(str(path))
    text = refusal_text(editor)
    assert text == failed.args[1]
    assert "\n" not in text and "Traceback" not in text and path.name in text
    assert window.model.data.dataset is before
    qtbot.waitUntil(lambda: not editor.csv_loader.running, timeout=WAIT)


def test_a_fifo_nobody_writes_to_is_refused_at_once(qtbot, window, tmp_path):
    editor = editor_in_data_mode(qtbot, window)
    before = window.model.data.dataset
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with qtbot.waitSignal(editor.csvImportFailed, timeout=WAIT) as failed:
        editor.import_csv(str(fifo))
    assert failed.args[1].endswith(  # the sentence of the one bounded reader
        "pipe.csv: this is not a regular file (it is a pipe); a CSV file must be a file on disk")
    assert refusal_text(editor) == failed.args[1]
    assert window.model.data.dataset is before
    qtbot.waitUntil(lambda: not editor.csv_loader.running, timeout=WAIT)  # no thread left


def test_cancel_keeps_the_table_and_the_thread_ends(qtbot, window, tmp_path):
    editor = editor_in_data_mode(qtbot, window)
    before = window.model.data.dataset
    path = tmp_path / "big.csv"
    write_rows(path, 200_000)
    imported: list[str] = []
    editor.csvImported.connect(imported.append)
    editor.import_csv(str(path))
    box = editor.csv_loader.busy_box
    assert box is not None and box.labelText() == "Reading big.csv …"
    with qtbot.waitSignal(editor.csv_loader.cancelled, timeout=WAIT):
        box.findChild(QPushButton).click()  # Cancel, before any answer was delivered
    assert not editor.csv_loader.busy and editor.csv_loader.busy_box is None
    window.model.set_learning_rate(0.02)  # the window still answers
    assert window.editor.rate_control.value() == 0.02
    qtbot.waitUntil(lambda: not editor.csv_loader.running, timeout=60_000)
    assert imported == [] and window.model.data.dataset is before
    assert readers() == []  # its reader process was stopped
    assert editor.findChild(QMessageBox, "refusalBox") is None


def test_large_files_are_parsed_in_a_child_process(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(file_loader, "IN_PROCESS_BYTES", 0)  # as if every file were large
    editor = editor_in_data_mode(qtbot, window)
    good, bad = tmp_path / "line.csv", tmp_path / "bad.csv"
    write_rows(good, 4)
    bad.write_text("x,y\n0,1\n1,two\n", encoding="utf-8")
    with qtbot.waitSignal(editor.csvImported, timeout=WAIT):
        editor.import_csv(str(good))
    assert window.model.data.dataset["y"].tolist() == [1, 3, 5, 7]
    with qtbot.waitSignal(editor.csvImportFailed, timeout=WAIT) as failed:
        editor.import_csv(str(bad))
    assert failed.args[1] == "bad.csv: row 2 (line 3), column 'y': 'two' is not a number"
    assert refusal_text(editor) == failed.args[1]
    editor.import_csv(str(good))
    editor.csv_loader.cancel()  # kills the child process: the thread ends soon after
    qtbot.waitUntil(lambda: not editor.csv_loader.running, timeout=WAIT)
    assert readers() == []


def test_a_newer_load_overtakes_an_older_one(qtbot, window, tmp_path):
    editor = editor_in_data_mode(qtbot, window)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    write_rows(first, 50_000)
    write_rows(second, 3)
    with qtbot.waitSignal(editor.csvImported, timeout=WAIT) as done:
        editor.import_csv(str(first))
        editor.import_csv(str(second))
    assert done.args == [str(second)]
    assert window.model.data.dataset["y"].tolist() == [1, 3, 5]
    qtbot.waitUntil(lambda: not editor.csv_loader.running, timeout=60_000)
    assert window.model.data.dataset["y"].tolist() == [1, 3, 5]


def test_any_failure_becomes_one_sentence(qtbot, window, tmp_path):
    path = tmp_path / "data.csv"
    assert failure_sentence(path, MemoryError()) == "data.csv is too large to read into memory."
    assert failure_sentence(path, PermissionError(13, "Permission denied")) == (
        "data.csv cannot be read: Permission denied.")
    loader = FileLoader(window)

    def exhausted(_path: Path) -> None:
        raise MemoryError

    with qtbot.waitSignal(loader.failed, timeout=WAIT) as failed:
        path.write_text("x,y\n1,2\n", encoding="utf-8")
        loader.load(path, exhausted, "Reading …")
    assert failed.args == [path, "data.csv is too large to read into memory."]
    loader.shutdown()
    assert not loader.running


def test_a_broken_project_says_it_was_not_opened(qtbot, window, tmp_path):
    path = tmp_path / "broken.gdstudio"
    path.write_text('{"format": "gdstudio-project", "version": 1, "problem": [', "utf-8")
    window.model.set_learning_rate(0.2)
    before = project_from_window(window, True)
    with qtbot.waitSignal(window.projects.openFinished, timeout=WAIT) as finished:
        assert window.projects.open_file(path)
    assert finished.args == [str(path), False]
    assert project_from_window(window, True) == before
    # the transient message may already be replaced by the rebuilt run's report: the
    # permanent label is what keeps saying it
    label = window.projects.not_opened_label
    assert label.isVisible() and label.text() == "broken.gdstudio was not opened."
    window.session.step()  # a run report replaces the status message, not the label
    qtbot.waitUntil(lambda: "step 1" in window.statusBar().currentMessage(), timeout=WAIT)
    assert label.isVisible() and label.text() == "broken.gdstudio was not opened."
    assert window.model.learning_rate == 0.2
    assert window.projects.path is None


def test_a_project_fifo_is_refused_and_cancel_of_an_open_changes_nothing(qtbot, window,
                                                                        tmp_path):
    fifo = tmp_path / "pipe.gdstudio"
    os.mkfifo(fifo)
    with qtbot.waitSignal(window.projects.openFinished, timeout=WAIT) as finished:
        window.projects.open_file(fifo)
    assert finished.args == [str(fifo), False]
    assert "not a regular file" in window.statusBar().currentMessage()
    good = tmp_path / "good.gdstudio"
    from gdstudio.io import Project, save_project

    save_project(Project(expression="x**2 + 1", start={"x": 2.0}), good)
    with qtbot.waitSignal(window.projects.openFinished, timeout=WAIT) as finished:
        window.projects.open_file(good)
        window.projects.loader.cancel()
    assert finished.args == [str(good), False]
    qtbot.waitUntil(lambda: not window.projects.loader.running, timeout=WAIT)
    assert window.model.expression_text == "x**2" and window.projects.path is None
