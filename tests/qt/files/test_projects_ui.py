"""Projects in the real window: save, open, bad files, interrupted saves, the modified
marker, closing with unsaved changes, recent files and the autosave."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

import gdstudio
from gdstudio.app import open_project_argument
from gdstudio.engine import StoppingRules
from gdstudio.io import (
    Project,
    ProjectError,
    SavedHistory,
    load_project,
    project_to_json_text,
    save_project,
)
from gdstudio.io.autosave import data_dir
from gdstudio.qt.files.project_actions import apply_project, comparable, project_from_window
from gdstudio.qt.files.project_dialogs import Dialogs, RestoreBar
from gdstudio.qt.files.projects import MAX_RECENT
from tests.qt.conftest import real_ask_unsaved
from tests.qt.helpers import WAIT, make_window, run_to_end, wait_for_problem, window

__all__ = ["window"]

ADAM_BOWL = Project(
    expression="(x - 3)**2 + 10*(y + 1)**2", start={"x": 0.5, "y": -2.25}, optimizer="adam",
    hyperparameters={"beta1": 0.8, "eps": 1e-7}, learning_rate=0.05,
    schedule={"kind": "cosine", "period": 40, "min_factor": 0.1},
    stopping=StoppingRules(max_iter=60, tol_step=1e-9, tol_grad=1e-10, tol_loss=1e-14),
    title="Adam on a bowl", notes="Watch the rate fall.",
)


def open_and_wait(qtbot, window, path: Path, expression: str) -> None:
    assert window.projects.open_file(path)
    wait_for_problem(qtbot, window, expression)


# ------------------------------------------------------------------------ round trip
def test_save_then_open_round_trips_every_setting_and_the_history(qtbot, window, tmp_path):
    window.projects.open_project(ADAM_BOWL, None)
    wait_for_problem(qtbot, window, ADAM_BOWL.expression)
    assert comparable(project_from_window(window, False)) == comparable(ADAM_BOWL)
    assert not window.isWindowModified()
    run_to_end(qtbot, window)
    path = tmp_path / "lesson.gdstudio"
    window.projects.dialogs.save_paths.append(tmp_path / "lesson")  # the suffix is added
    assert window.projects.save_as()
    saved = load_project(path)
    assert saved.history is not None and len(saved.history) == len(window.session.history)
    assert saved == project_from_window(window, True)  # every field, history bit for bit
    assert window.windowTitle().startswith("lesson.gdstudio")

    other = make_window(qtbot, tmp_path / "other.ini")
    open_and_wait(qtbot, other, path, ADAM_BOWL.expression)
    reopened = project_from_window(other, True)
    assert reopened == saved
    history = other.session.history
    for column in ("params", "loss", "grad", "lr", "step_size", "epoch"):
        np.testing.assert_array_equal(getattr(history, column), getattr(saved.history, column))
    assert "Restored the saved run exactly: 60 steps" in other.statusBar().currentMessage()
    assert other.editor.expression_edit.text() == ADAM_BOWL.expression
    assert other.editor.optimizer_combo.currentData() == "adam"
    assert other.editor.rate_control.value() == 0.05
    assert not other.isWindowModified() and other.windowTitle().startswith("lesson.gdstudio")
    other.close()


def test_a_replay_that_differs_is_reported(qtbot, window, tmp_path):
    run = gdstudio.run(Project(expression="x**2", start={"x": 3.0}, learning_rate=0.1,
                               stopping=StoppingRules(max_iter=10)).experiment)
    history = SavedHistory.from_history(run.history, ("x",))
    params = history.params.copy()
    params[6:] *= 1.5  # as if the momentum had been changed during the saved run
    tampered = SavedHistory(("x",), params, history.loss, history.grad, history.lr,
                            history.step_size, history.epoch)
    path = tmp_path / "changed.gdstudio"
    save_project(Project(expression="x**2", start={"x": 3.0}, learning_rate=0.1,
                         stopping=StoppingRules(max_iter=10), history=tampered), path)
    with qtbot.waitSignal(window.projects.restorer.finished, timeout=WAIT) as signal:
        assert window.projects.open_file(path)
    exact, text = signal.args
    assert not exact and "it differs from step 6 on" in text
    assert "not recorded" in window.statusBar().currentMessage()


def test_data_projects_map_onto_the_model_both_ways(window):
    project = Project(mode="data", data={"x": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 3.0, 5.0, 7.0]},
                      model="m*x + b", start={"b": 10.0}, fixed={"m": 2.0}, loss="sse",
                      batch_size=2, seed=7, optimizer="momentum", learning_rate=0.01,
                      stopping=StoppingRules(max_iter=30))
    apply_project(window, project)
    model = window.model
    assert model.mode == "data" and model.data.model_text == "m*x + b"
    assert model.data.fixed == {"m": 2.0} and model.data.batch_size == 2 and model.data.seed == 7
    assert model.data.loss == "sse" and model.optimizer == "momentum"
    assert comparable(project_from_window(window, False)) == comparable(project)


def test_a_data_project_with_mini_batches_round_trips_through_the_window(qtbot, window,
                                                                         tmp_path):
    project = Project(mode="data", data={"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                                         "y": [1.1, 2.8, 5.0, 7.3, 8.9, 11.2, 13.05]},
                      model="m*x + b", start={"b": 0.5}, loss="half_mse", batch_size=3,
                      seed=42, optimizer="momentum", hyperparameters={"momentum": 0.5},
                      learning_rate=0.02, stopping=StoppingRules(max_iter=25))
    window.projects.open_project(project, None)
    qtbot.waitUntil(lambda: not window.projects.restorer.busy
                    and window.data_mode.ready and len(window.session.history) == 1,
                    timeout=WAIT)
    run_to_end(qtbot, window)
    assert len(window.session.history) == 26
    path = tmp_path / "fit.gdstudio"
    window.projects.dialogs.save_paths.append(path)
    assert window.projects.save_as()
    saved = load_project(path)
    rerun = gdstudio.run(project.experiment)
    np.testing.assert_array_equal(saved.history.params, rerun.history.params)

    other = make_window(qtbot, tmp_path / "other.ini")
    with qtbot.waitSignal(other.projects.restorer.finished, timeout=WAIT) as signal:
        assert other.projects.open_file(path)
    assert signal.args[0] is True
    assert project_from_window(other, True) == saved
    other.close()


# ------------------------------------------------------------------------ bad files
VALID = json.loads(project_to_json_text(ADAM_BOWL))


def hostile() -> str:
    data = json.loads(json.dumps(VALID))
    data["problem"]["expression"] = "__import__('os').system('touch HACKED')"
    return json.dumps(data)


BAD_FILES = {
    "truncated": lambda: project_to_json_text(ADAM_BOWL)[:200],
    "corrupt": lambda: b"\x89PNG\r\n\x1a\n\x00\x00garbage",
    "foreign": lambda: '{"name": "a spreadsheet", "rows": [1, 2, 3]}',
    "newer": lambda: '{"format": "gdstudio-project", "version": 9}',
    "deeply nested": lambda: "[" * 100_000,
    "hostile expression": hostile,
    "huge": None,
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_files_are_refused_and_change_nothing(qtbot, window, tmp_path, kind):
    path = tmp_path / f"{kind.replace(' ', '_')}.gdstudio"
    if BAD_FILES[kind] is None:
        with open(path, "wb") as stream:  # sparse: 60 MB that take no room
            stream.truncate(60 * 2**20)
    else:
        content = BAD_FILES[kind]()
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    window.model.set_learning_rate(0.2)  # unsaved work that must survive
    before = project_from_window(window, True)
    with pytest.raises(ProjectError) as expected:
        load_project(path)
    with qtbot.waitSignal(window.projects.openFinished, timeout=WAIT) as finished:
        assert window.projects.open_file(path)  # reading starts; the refusal follows
    assert finished.args == [str(path), False]
    dialogs = window.projects.dialogs
    assert dialogs.messages == [("error", "This project cannot be opened", str(expected.value))]
    assert project_from_window(window, True) == before
    assert window.projects.path is None and window.isWindowModified()
    assert window.projects.not_opened_label.text() == f"{path.name} was not opened."
    assert window.projects.recent_files() == []
    assert not (tmp_path / "HACKED").exists() and not Path("HACKED").exists()


# ------------------------------------------------------------------------ saving
def test_an_interrupted_save_leaves_the_old_file(qtbot, window, tmp_path, monkeypatch):
    path = tmp_path / "lesson.gdstudio"
    window.projects.dialogs.save_paths.append(path)
    assert window.projects.save_as()
    old = path.read_bytes()
    window.model.set_learning_rate(0.3)
    assert window.isWindowModified()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    assert not window.projects.save()
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("lesson")] == [path.name]
    kind, _title, text = window.projects.dialogs.messages[-1]
    assert kind == "error" and "No space left on device" in text
    assert "the previous file is unchanged" in text
    assert window.statusBar().currentMessage().startswith("Not saved: lesson.gdstudio")
    assert window.isWindowModified()


def test_a_history_too_large_is_left_out_and_said(qtbot, window, tmp_path, monkeypatch):
    run_to_end(qtbot, window)
    monkeypatch.setattr("gdstudio.io.project.MAX_FILE_BYTES", 2500)
    path = tmp_path / "big.gdstudio"
    window.projects.dialogs.save_paths.append(path)
    assert window.projects.save_as()
    assert load_project(path).history is None
    kind, _title, text = window.projects.dialogs.messages[-1]
    assert kind == "info" and "run history was left out" in text
    assert "left out" in window.statusBar().currentMessage()


# ------------------------------------------------------------------------ modified, closing
def test_title_and_modified_marker_follow_the_settings(window):
    assert window.windowTitle() == "Untitled[*] — Gradient Descent Studio"
    assert not window.isWindowModified()
    window.editor.rate_control.spin.setValue(0.25)
    assert window.isWindowModified()
    window.editor.rate_control.spin.setValue(0.1)
    assert not window.isWindowModified()
    window.session.step()  # running is not an edit
    assert not window.isWindowModified()


def test_closing_with_unsaved_changes_asks(qtbot, window, tmp_path):
    dialogs = window.projects.dialogs
    window.model.set_learning_rate(0.2)
    dialogs.unsaved_answers.append("cancel")
    assert not window.close()
    assert window.isVisible() and dialogs.asked_unsaved == 1 and window.session.active
    path = tmp_path / "kept.gdstudio"
    dialogs.unsaved_answers.append("save")
    dialogs.save_paths.append(path)
    assert window.close()
    assert load_project(path).learning_rate == 0.2
    assert not window.session.active


@pytest.mark.parametrize(("button", "answer"), [
    (QMessageBox.StandardButton.Discard, "discard"),
    (QMessageBox.StandardButton.Cancel, "cancel"),
    (QMessageBox.StandardButton.Save, "save"),
])
def test_the_real_question_box_gives_each_answer(qtbot, window, button, answer):
    def press() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and "Lesson has changes" in box.text()
        box.button(button).click()

    QTimer.singleShot(0, press)  # answers the modal box as soon as it is shown
    assert real_ask_unsaved()(Dialogs(), window, "Lesson") == answer


def test_new_asks_and_opens_the_default_example(qtbot, window):
    window.projects.open_project(ADAM_BOWL, None)
    wait_for_problem(qtbot, window, ADAM_BOWL.expression)
    window.model.set_learning_rate(0.07)
    window.projects.dialogs.unsaved_answers.append("cancel")
    assert not window.projects.new_project()
    assert window.model.expression_text == ADAM_BOWL.expression
    assert window.projects.new_project()  # discard
    wait_for_problem(qtbot, window, "x**2")
    assert window.model.start == {"x": 3.0} and window.model.learning_rate == 0.1
    assert window.model.optimizer == "gd" and not window.isWindowModified()


# ------------------------------------------------------------------------ recent files
def test_recent_files_keep_eight_and_drop_missing_ones(qtbot, window, tmp_path):
    paths = []
    for index in range(MAX_RECENT + 2):
        path = tmp_path / f"p{index}.gdstudio"
        save_project(Project(expression="x**2", start={"x": float(index + 1)}), path)
        paths.append(path)
        with qtbot.waitSignal(window.projects.openFinished, timeout=WAIT):
            assert window.projects.open_file(path)
    recent = window.projects.recent_files()
    assert recent == [str(p.resolve()) for p in reversed(paths)][:MAX_RECENT]
    window.projects.recent_menu.aboutToShow.emit()
    titles = [item.text() for item in window.projects.recent_menu.actions()]
    assert titles[0].startswith("&1 p9.gdstudio")
    paths[8].unlink()
    assert not window.projects.open_recent(recent[1])
    assert str(paths[8].resolve()) not in window.projects.recent_files()
    kind, _title, text = window.projects.dialogs.messages[-1]
    assert kind == "info" and "p8.gdstudio is no longer in" in text
    assert window.projects.open_recent(recent[2])
    qtbot.waitUntil(lambda: window.model.start.get("x") == 8.0, timeout=WAIT)


# ------------------------------------------------------------------------ autosave
def plant_crashed_autosave(project: Project) -> Path:
    """An autosave without its lock, as a window that crashed leaves it."""
    path = data_dir() / "autosave-99999-crashed.gdstudio"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_project(project, path)
    return path


def test_autosave_is_offered_after_a_crash_and_restores_the_run(qtbot, tmp_path):
    first = make_window(qtbot, tmp_path / "first.ini")
    first.projects.open_project(ADAM_BOWL, None)
    wait_for_problem(qtbot, first, ADAM_BOWL.expression)
    first.model.set_learning_rate(0.04)
    run_to_end(qtbot, first)
    written = first.projects.autosave_now()
    assert written == first.projects.autosave.path and written.is_file()
    crashed = tmp_path / "crash-copy.gdstudio"
    shutil.copy(written, crashed)
    first.close()  # a normal close removes the window's autosave and its lock …
    assert list(data_dir().iterdir()) == []
    planted = plant_crashed_autosave(load_project(crashed))  # … a crash would have left it

    second = make_window(qtbot, tmp_path / "second.ini")
    qtbot.waitUntil(lambda: second.projects.restore_bar is not None, timeout=WAIT)
    bar = second.projects.restore_bar
    assert "Unsaved work was found" in bar.label.text()
    with qtbot.waitSignal(second.projects.restorer.finished, timeout=WAIT) as signal:
        bar.restore_button.click()
    assert signal.args[0] is True
    assert second.model.learning_rate == 0.04 and second.model.optimizer == "adam"
    assert len(second.session.history) == len(load_project(crashed).history)
    assert second.isWindowModified()  # not saved anywhere yet
    assert not planted.exists()  # offered once; the work is now the second window's
    assert second.projects.autosave is not None and second.projects.autosave.path.exists()
    second.close()
    assert list(data_dir().iterdir()) == []


def test_windows_side_by_side_keep_separate_autosaves(qtbot, tmp_path):
    first = make_window(qtbot, tmp_path / "first.ini")
    second = make_window(qtbot, tmp_path / "second.ini")
    first.model.set_learning_rate(0.2)
    second.model.set_learning_rate(0.3)
    one, two = first.projects.autosave_now(), second.projects.autosave_now()
    assert one is not None and two is not None and one != two
    assert load_project(one).learning_rate == 0.2 and load_project(two).learning_rate == 0.3
    third = make_window(qtbot, tmp_path / "third.ini")  # no false "did not close" offer
    qtbot.waitUntil(lambda: third.projects.started, timeout=WAIT)
    assert third.projects.restore_bar is None and third.findChild(RestoreBar) is None
    assert first.projects.restore_bar is None and second.projects.restore_bar is None
    first.close()  # a normal close of one leaves the other's protection in place
    assert not one.exists() and load_project(two).learning_rate == 0.3
    third.close()
    second.close()
    assert list(data_dir().iterdir()) == []


def test_a_crashed_autosave_is_offered_to_one_window_once(qtbot, tmp_path):
    planted = plant_crashed_autosave(ADAM_BOWL)
    first = make_window(qtbot, tmp_path / "first.ini")
    qtbot.waitUntil(lambda: first.projects.restore_bar is not None, timeout=WAIT)
    beside = make_window(qtbot, tmp_path / "beside.ini")  # starts while the offer is open
    qtbot.waitUntil(lambda: beside.projects.started, timeout=WAIT)
    assert beside.projects.restore_bar is None
    first.projects.restore_bar.discard_button.click()
    assert not planted.exists() and first.projects.restore_bar is None
    assert first.model.expression_text == "x**2"
    later = make_window(qtbot, tmp_path / "later.ini")
    qtbot.waitUntil(lambda: later.projects.started, timeout=WAIT)
    assert later.projects.restore_bar is None
    for studio in (first, beside, later):
        studio.close()


# ------------------------------------------------------------------------ command line
def test_a_project_on_the_command_line_opens(qtbot, window, tmp_path):
    path = tmp_path / "given.gdstudio"
    save_project(ADAM_BOWL, path)
    open_project_argument(window, path)
    wait_for_problem(qtbot, window, ADAM_BOWL.expression)
    assert window.projects.path == path


def test_a_bad_project_on_the_command_line_leaves_the_default_example(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.projects.openFinished, timeout=WAIT):
        open_project_argument(window, tmp_path / "missing.gdstudio")
    kind, _title, text = window.projects.dialogs.messages[-1]
    assert kind == "error" and "missing.gdstudio: there is no such file" in text
    assert window.model.expression_text == "x**2" and window.projects.path is None
    assert window.projects.not_opened_label.text() == "missing.gdstudio was not opened."
