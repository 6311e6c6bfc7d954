"""The examples gallery: its menu and dialog, and every example run in the real window to
the ending its explanation promises."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import Qt

import gdstudio
from gdstudio.io import Project
from gdstudio.problems.gallery import EXAMPLES, example
from gdstudio.qt.files.project_actions import comparable, project_from_window
from gdstudio.qt.gallery_dialog import GalleryDialog
from tests.qt.helpers import WAIT, run_to_end, window

__all__ = ["window"]


@dataclass
class WindowRun:
    """What ``Expected.problems`` reads of a run, taken from the window's own history."""

    status: str
    message: str
    iterations: int
    params: dict[str, float]
    loss: float


def window_run(window) -> WindowRun:
    history, report = window.session.history, window.session.report
    objective = window.model.objective
    final = history.params[-1]
    if getattr(objective, "n_samples", None) is not None:  # data: report in the data's units
        final = objective.to_original(final)
    names = window.session.param_names
    return WindowRun(str(report.status), report.message, report.step_count,
                     dict(zip(names, map(float, final), strict=True)), float(history.loss[-1]))


def problem_ready(window, item) -> bool:
    model = window.model
    if window.projects.restorer.busy:
        return False
    if item.experiment.mode == "function":
        ready = model.expression_text == item.experiment.expression and model.mode == "function"
    else:
        ready = model.mode == "data" and getattr(model.objective, "n_samples", None) is not None
        ready = ready and window.data_mode.ready
    return ready and window.session.active and len(window.session.history) == 1


def test_menu_has_one_entry_per_example(window):
    menu = window.examples.menu
    keys = [item.objectName().removeprefix("actionExample_") for item in menu.actions()
            if item.objectName().startswith("actionExample_")]
    assert keys == [item.key for item in EXAMPLES]
    assert window.registry.action("actionGallery").shortcut().toString() == "Ctrl+E"


def test_dialog_lists_every_example_with_its_explanation(qtbot, window):
    dialog = window.examples.show_gallery()
    assert isinstance(dialog, GalleryDialog) and dialog.isVisible()
    entries = [dialog.list.item(row) for row in range(dialog.list.count())]
    keys = [entry.data(Qt.ItemDataRole.UserRole) for entry in entries]
    assert sorted(key for key in keys if key) == sorted(item.key for item in EXAMPLES)
    assert [entry.text() for entry in entries if entry.flags() == Qt.ItemFlag.NoItemFlags] == [
        "From the tutorials", "One variable", "Two variables", "Lessons"]
    assert dialog.current_key == "tutorial_x_squared"
    for item in EXAMPLES:
        dialog.select(item.key)
        text = dialog.text.toPlainText()
        assert item.title in text and item.explanation[:60] in text
        assert "How it ends:" in text
    dialog.select("saddle")
    text = dialog.text.toPlainText()
    assert "diverged" in text and "f = x**2 - y**2" in text
    dialog.close()


def test_open_button_opens_the_selected_example(qtbot, window):
    dialog = window.examples.show_gallery()
    dialog.select("himmelblau")
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    item = example("himmelblau")
    qtbot.waitUntil(lambda: problem_ready(window, item), timeout=WAIT)
    assert window.windowTitle().startswith("Himmelblau's four minima")
    assert window.projects.notes == item.explanation and not window.isWindowModified()


def test_opening_an_example_asks_about_unsaved_changes(qtbot, window):
    window.model.set_learning_rate(0.3)
    window.projects.dialogs.unsaved_answers.append("cancel")
    assert not window.examples.open_example("bumpy")
    assert window.model.expression_text == "x**2" and window.model.learning_rate == 0.3


@pytest.mark.parametrize("key", [item.key for item in EXAMPLES])
def test_every_example_runs_in_the_window_to_its_promised_end(qtbot, window, key):
    item = example(key)
    if item.experiment.mode == "data" and not hasattr(window, "data_mode"):
        pytest.skip("data mode is not in the window yet")
    assert window.examples.open_example(key)
    qtbot.waitUntil(lambda: problem_ready(window, item), timeout=WAIT)
    assert comparable(project_from_window(window, False)) == comparable(Project.from_example(item))
    run_to_end(qtbot, window)
    found = window_run(window)
    assert item.expected.problems(found) == [], item.expected.describe()
    headless = gdstudio.run(item.experiment)  # the same numbers as the scripting API
    assert found.iterations == headless.iterations and found.status == str(headless.status)
    np.testing.assert_allclose(window.session.history.params, headless.history.params,
                               rtol=1e-12, atol=1e-12)
    assert math.isclose(found.loss, float(headless.history.loss[-1]), rel_tol=1e-12,
                        abs_tol=1e-12) or not math.isfinite(found.loss)
