"""Data mode in the real window: switch, fit, files, generate, edit on the plot, undo."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QSpinBox,
)

from gdstudio.engine import StoppingRules
from gdstudio.problems.dataset import Dataset
from gdstudio.qt.data import view as view_module
from gdstudio.qt.data.dialogs import GenerateDialog
from gdstudio.qt.data.mode_switch import apply_data_example
from gdstudio.qt.data.plots import MAX_SHOWN_POINTS
from gdstudio.qt.plots import contour
from gdstudio.qt.window import MainWindow
from tests.qt.helpers import action, settle, shown_window

WAIT = 15_000  # ms: the first analysis starts a helper process


@pytest.fixture
def window(qtbot, tmp_path):
    yield from shown_window(qtbot, tmp_path, (1400, 900))


def wait_for_data(qtbot, window: MainWindow, names: tuple[str, ...]) -> None:
    """Until the data problem learning ``names`` is built and its run is in place."""
    qtbot.waitUntil(lambda: window.data_mode.ready and window.session.active
                    and window.session.param_names == names, timeout=WAIT)


def to_data_mode(qtbot, window: MainWindow) -> None:
    """Click Data, as a student does: the first time, the intercept tutorial opens."""
    qtbot.mouseClick(window.editor.mode_switch.buttons["data"], Qt.MouseButton.LeftButton)
    wait_for_data(qtbot, window, ("b",))


def rows(window: MainWindow) -> int:
    return window.model.data.dataset.n_rows


def test_switching_modes_swaps_the_editor_and_keeps_each_modes_settings(qtbot, window) -> None:
    editor = window.editor
    assert editor.function_group.isVisible() and not editor.data_editor.isVisible()
    to_data_mode(qtbot, window)
    assert editor.data_editor.isVisible() and not editor.function_group.isVisible()
    assert not editor.start_group.isVisible()
    assert window.plot_stack.currentWidget() is window.data_mode.view
    assert window.findChild(QLineEdit, "modelEdit").text() == "m*x + b"
    assert window.findChild(QCheckBox, "fixedCheck_m").isChecked()
    assert window.model.learning_rate == 0.01 and window.model.stopping.max_iter == 30
    assert window.findChild(QComboBox, "lossCombo").currentData() == "sse"
    qtbot.mouseClick(editor.mode_switch.buttons["function"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.param_names == ("x",), timeout=WAIT)
    assert editor.function_group.isVisible() and not editor.data_editor.isVisible()
    assert window.model.learning_rate == 0.1 and window.model.start["x"] == 3.0
    assert window.plot_stack.currentWidget() is window.function_plot
    qtbot.mouseClick(editor.mode_switch.buttons["data"], Qt.MouseButton.LeftButton)
    wait_for_data(qtbot, window, ("b",))
    assert window.model.learning_rate == 0.01 and window.model.start["b"] == 10.0


def test_a_mode_switch_starts_only_runs_of_the_mode_switched_to(qtbot, window,
                                                                  monkeypatch) -> None:
    started: list[tuple[str, bool]] = []  # (mode then, is the objective a data one)
    original = window.session.start

    def recorded(objective, *arguments, **keywords):
        started.append((window.model.mode, getattr(objective, "n_samples", None) is not None))
        return original(objective, *arguments, **keywords)

    monkeypatch.setattr(window.session, "start", recorded)
    to_data_mode(qtbot, window)
    qtbot.mouseClick(window.editor.mode_switch.buttons["function"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.param_names == ("x",), timeout=WAIT)
    qtbot.mouseClick(window.editor.mode_switch.buttons["data"], Qt.MouseButton.LeftButton)
    wait_for_data(qtbot, window, ("b",))
    assert started and all(mode == ("data" if data else "function") for mode, data in started)
    assert [mode for mode, _ in started].count("function") == 1  # one run per arrival
    assert window.session.history.params[0].tolist() == [10.0]  # the data mode's own start


def test_the_intercept_tutorial_ends_at_b_1_3815(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.session.report.status == "max_iter", timeout=WAIT)
    qtbot.waitUntil(lambda: len(window.session.history) == 31, timeout=WAIT)
    history = window.session.history
    assert history.params[0, 0] == 10.0 and history.params[1, 0] == pytest.approx(9.1)
    assert history.params[-1, 0] == pytest.approx(1.3815, abs=5e-5)
    assert np.all(history.lr[:-1] == 0.01)
    # The last explanation may come a pass of the event loop after the last row.
    qtbot.waitUntil(lambda: "b₃₀ = b₂₉" in window.explain_view.toPlainText(), timeout=WAIT)
    text = window.explain_view.toPlainText()
    assert "b₃₀ = b₂₉ − α·∂L/∂b = 1.4239 − 0.01 · 4.2391 = 1.3815" in text
    assert "∂L/∂b = 2·Σ rᵢ = 2 · (0.38152 + 0.38152" in text
    assert "on all 5 rows" in text
    assert window.history_model.headerData(3, Qt.Orientation.Horizontal) == "∂L/∂b"


def test_the_first_step_explains_the_gradient_as_a_sum_over_rows(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    qtbot.waitUntil(lambda: "Model: f(x) = m·x + b, predicting y; m fixed at 2, learning b"
                    in window.explain_view.toPlainText(), timeout=WAIT)
    action(window, "actionStep").trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: "b₁ = b₀" in window.explain_view.toPlainText(), timeout=WAIT)
    text = window.explain_view.toPlainText()
    assert "b₁ = b₀ − α·∂L/∂b = 10 − 0.01 · 90 = 9.1" in text
    assert "∂L/∂b = 2·Σ rᵢ = 2 · (8.1 + 8.1 + 8.1 + 8.1 + 8.1) = 2 · 40.5 = 81" in text


def test_import_a_good_csv_and_refuse_a_bad_one(qtbot, window, tmp_path, monkeypatch) -> None:
    to_data_mode(qtbot, window)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("x,y\n0,1\n1,2\n2,2.5\n3,4\n", encoding="utf-8")
    bad.write_text("x,y\n0,1\n1,two\n", encoding="utf-8")
    chosen = [str(good)]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (chosen[0], "CSV files (*.csv *.txt)"))
    button = window.editor.data_editor.findChild(type(window.editor.mode_switch.buttons["data"]),
                                                  "importCsvButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.data_mode.ready and window.model.objective.n_samples == 4,
                    timeout=WAIT)
    assert window.model.data.dataset["y"].tolist() == [1, 2, 2.5, 4]
    loaded = window.model.data.dataset
    chosen[0] = str(bad)
    with qtbot.waitSignal(window.editor.data_editor.csvImportFailed, timeout=WAIT):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    box = window.editor.data_editor.findChild(QMessageBox, "refusalBox")
    assert box is not None and box.isVisible()
    assert "row 2 (line 3), column 'y': 'two' is not a number" in box.text()
    assert window.model.data.dataset is loaded  # untouched
    box.accept()
    window.editor.data_editor.undo_action.trigger()  # the import itself can be undone
    assert window.model.data.dataset["y"].tolist() == [1, 3, 5, 7, 9]


def test_export_writes_a_csv_the_loader_reads_back(qtbot, window, tmp_path) -> None:
    from gdstudio.io.csv_files import load_csv

    to_data_mode(qtbot, window)
    path = tmp_path / "out.csv"
    assert window.editor.data_editor.export_csv(str(path))
    assert load_csv(path)["y"].tolist() == [1, 3, 5, 7, 9]


def test_export_through_a_link_writes_its_target_and_keeps_the_link(qtbot, window,
                                                                   tmp_path) -> None:
    from gdstudio.io.csv_files import load_csv

    to_data_mode(qtbot, window)
    real = tmp_path / "shared.csv"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "out.csv"
    link.symlink_to(real)
    assert window.editor.data_editor.export_csv(str(link))
    assert link.is_symlink() and load_csv(real)["y"].tolist() == [1, 3, 5, 7, 9]


def test_generate_dialog_makes_noisy_data(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    editor = window.editor.data_editor
    qtbot.mouseClick(editor.findChild(type(window.editor.mode_switch.buttons["data"]),
                                      "generateButton"), Qt.MouseButton.LeftButton)
    dialog = editor.findChild(GenerateDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.function_edit.text() == "2*x + 1"
    dialog.points_spin.setValue(50)
    dialog.noise_spin.setValue(0.5)
    dialog.high_spin.setValue(10.0)
    dialog.seed_spin.setValue(3)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: rows(window) == 50, timeout=WAIT)
    data = window.model.data.dataset
    assert data["x"][0] == 0 and data["x"][-1] == 10
    noise = data["y"] - (2 * data["x"] + 1)
    assert 0.2 < noise.std() < 0.8
    qtbot.waitUntil(lambda: window.data_mode.ready and window.model.objective.n_samples == 50,
                    timeout=WAIT)


def test_a_function_with_a_typo_is_refused_in_the_dialog(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    dialog = GenerateDialog(window.editor.data_editor.generate_settings, window)
    qtbot.addWidget(dialog)
    dialog.function_edit.setText("2*x +* 1")
    assert "column" in dialog.function_error.text()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()


def click(plot, x: float, y: float) -> None:
    """A real left click on the plot's viewport at the data point (x, y)."""
    position = plot.data_to_widget(x, y).toPoint()
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), position)


def test_click_adds_a_point_and_undo_removes_it(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    plot = window.data_mode.view.data_plot
    click(plot, 2.0, 8.0)
    qtbot.waitUntil(lambda: rows(window) == 6, timeout=WAIT)
    last = window.model.data.dataset
    assert last["x"][-1] == pytest.approx(2.0, abs=0.05)
    assert last["y"][-1] == pytest.approx(8.0, abs=0.1)
    qtbot.waitUntil(lambda: window.data_mode.ready and window.model.objective.n_samples == 6,
                    timeout=WAIT)
    assert plot.shown_rows.size == 6
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(plot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(window) == 5


def test_drag_a_point_then_delete_one(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    plot = window.data_mode.view.data_plot
    start = plot.data_to_widget(1.0, 3.0).toPoint()
    end = plot.data_to_widget(1.0, 6.0).toPoint()
    viewport = plot.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), start)
    for step in range(1, 11):
        where = QPointF(start) + (QPointF(end) - QPointF(start)) * (step / 10)
        QTest.mouseMove(viewport, where.toPoint())
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), end)
    qtbot.waitUntil(lambda: abs(window.model.data.dataset["y"][1] - 6.0) < 0.1, timeout=WAIT)
    assert window.model.data.dataset["x"][1] == pytest.approx(1.0, abs=0.05)
    assert rows(window) == 5
    click(plot, 3.0, 7.0)  # on a point: selects it
    assert plot.selected_row == 3
    qtbot.keyClick(plot, Qt.Key.Key_Delete)
    assert rows(window) == 4 and 7.0 not in window.model.data.dataset["y"].tolist()
    editor = window.editor.data_editor
    editor.undo_action.trigger()
    editor.undo_action.trigger()
    assert window.model.data.dataset["y"].tolist() == [1, 3, 5, 7, 9]


def test_the_model_field_checks_as_you_type_and_runs_are_refused(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    edit = window.findChild(QLineEdit, "modelEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, "m*x +* b")
    error = window.findChild(type(window.editor.data_editor.model_error), "modelError")
    assert error.isVisible() and "column 6" in error.text()
    assert not action(window, "actionRun").isEnabled()
    edit.selectAll()
    qtbot.keyClicks(edit, "m*x + b + q*x**2")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    wait_for_data(qtbot, window, ("b", "q"))
    assert set(window.editor.data_editor.parameters.names) == {"m", "b", "q"}
    assert action(window, "actionRun").isEnabled()


def test_unticking_fixed_learns_the_parameter_too(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    window.findChild(QCheckBox, "fixedCheck_m").setChecked(False)
    wait_for_data(qtbot, window, ("b", "m"))
    assert window.model.start["m"] == 2.0 and window.model.data.fixed == {}
    assert window.data_mode.view.loss_stack.currentWidget() is window.data_mode.view.loss_page


def test_a_two_parameter_problem_makes_one_loss_map(qtbot, window, monkeypatch) -> None:
    to_data_mode(qtbot, window)
    made = []
    make = contour.map_layers
    monkeypatch.setattr(contour, "map_layers",
                        lambda source, rect: (made.append(rect), make(source, rect))[1])
    apply_data_example(window.model, "tutorial_slope_intercept")
    wait_for_data(qtbot, window, ("b", "m"))
    plot = window.data_mode.view.loss_map
    qtbot.waitUntil(lambda: bool(made) and not plot.map_pending, timeout=WAIT)
    QApplication.processEvents()  # whatever else the new problem asked for is due now
    assert not plot.recompute_pending and not plot.map_pending
    # One map, for the new run's region with the legend's room above it: not also one
    # for the old problem's path, nor one more for the room.
    assert len(made) == 1
    (left, right), (bottom, top) = plot.plotItem.vb.viewRange()
    assert plot.grid_rect.contains(QRectF(left, bottom, right - left, top - bottom))
    assert plot.grid_rect.contains(0.0, 2.0)  # the least-squares star (b, m) = (0, 2)


def test_mini_batches_use_the_seeded_plan(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    combo = window.findChild(QComboBox, "batchCombo")
    combo.setCurrentIndex(combo.findData("mini"))
    combo.activated.emit(combo.currentIndex())
    window.findChild(QSpinBox, "batchSizeSpin").setValue(2)
    qtbot.waitUntil(lambda: window.model.data.batch_size == 2, timeout=WAIT)
    for expected in (2, 3, 4, 5):
        action(window, "actionStep").trigger()
        qtbot.waitUntil(lambda n=expected: len(window.session.history) == n, timeout=WAIT)
    assert window.session.history.epoch.tolist() == [0, 0, 0, 1, 1]
    qtbot.waitUntil(lambda: not window.side_panels_pending)  # the explanation
    assert "on the batch of 2 rows" in window.explain_view.toPlainText()


def test_two_parameter_loss_surface_with_the_least_squares_star(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    apply_data_example(window.model, "tutorial_slope_intercept")
    wait_for_data(qtbot, window, ("b", "m"))
    view = window.data_mode.view
    assert view.loss_stack.currentWidget() is view.loss_page
    assert view.surface.param_names == ("b", "m")
    star = view.loss_map._best.data
    assert (star["x"][0], star["y"][0]) == pytest.approx((0.0, 2.0), abs=1e-9)
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 1001, timeout=WAIT)
    final = window.session.history.params[-1]
    assert final == pytest.approx([0.0174, 1.9952], abs=1e-3)  # the tutorial's numbers


def test_fields_set_in_code_show_in_the_editor(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    model = window.model
    model.set_data_setting("dataset", Dataset({"t": [0.0, 1.0, 2.0], "v": [1.0, 2.0, 4.0]}))
    model.set_data_setting("target", "v")
    model.set_data_setting("fixed", {})
    model.set_data_setting("model_text", "a*exp(k*t)")
    model.set_data_setting("loss", "mae")
    model.set_start({"a": 1.0, "k": 0.5})
    wait_for_data(qtbot, window, ("a", "k"))
    editor = window.editor.data_editor
    assert editor.model_edit.text() == "a*exp(k*t)"
    assert editor.target_combo.currentText() == "v"
    assert editor.fit.loss_combo.currentData() == "mae"
    assert editor.parameters.spins["k"].value() == 0.5
    assert "no closed form" in editor.answer_label.text()
    assert window.data_mode.view.data_plot.plotItem.getAxis("bottom").labelText == "t"


def test_a_hundred_thousand_points_stay_responsive(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, 100_000)
    data = Dataset({"x": x, "y": 0.5 * x**2 - x + 2 + rng.standard_normal(x.size)})
    window.model.set_data_setting("fixed", {})
    window.model.set_data_setting("loss", "mse")  # SSE over 100,000 rows needs a tiny rate
    window.model.set_data_setting("dataset", data)
    window.model.set_data_setting("model_text", "a*x**2 + b*x + c")
    wait_for_data(qtbot, window, ("a", "b", "c"))
    view = window.data_mode.view
    assert view.data_plot.shown_rows.size == MAX_SHOWN_POINTS
    # The plot says that it shows a sample, in a title short enough for a narrow plot.
    assert view.data_plot.plotItem.titleLabel.text == f"{MAX_SHOWN_POINTS:,} of 100,000 shown"
    table = window.editor.data_editor.table_model
    table.set_values([99_999], [1], [[5.0]], "Edit cell")
    assert window.model.data.dataset["y"][99_999] == 5.0
    for plot in view.plots():
        plot.viewport().repaint()
    assert view.data_plot.shown_rows.size == MAX_SHOWN_POINTS
    window.model.set_learning_rate(0.02)
    window.model.set_stopping(StoppingRules(max_iter=1_000_000))
    wait_for_data(qtbot, window, ("a", "b", "c"))
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.session.report.step_count > 50
                    and action(window, "actionPause").isEnabled(), timeout=WAIT)
    action(window, "actionPause").trigger()
    qtbot.waitUntil(lambda: not window.session.playing, timeout=WAIT)
    assert window.session.report.step_count > 50 and len(window.session.history) > 50
    # How fast (replace, edit, paint, run): benchmarks/bench_data_mode.py
    QApplication.processEvents()


def test_a_streaming_run_redraws_the_model_and_the_map_once_per_frame(qtbot, window,
                                                                      monkeypatch) -> None:
    to_data_mode(qtbot, window)
    rng = np.random.default_rng(2)
    x = rng.uniform(-3, 3, 300)
    data = Dataset({"x": x, "y": 0.5 * x**2 - x + 2 + rng.standard_normal(x.size)})
    window.model.set_data_setting("loss", "mse")
    window.model.set_data_setting("dataset", data)
    window.model.set_data_setting("model_text", "a*x**2 + b*x + c")
    window.model.set_learning_rate(0.02)
    wait_for_data(qtbot, window, ("a", "b", "c"))
    view, session = window.data_mode.view, window.session
    session.advance(30)
    qtbot.waitUntil(lambda: len(session.history) == 31, timeout=WAIT)
    qtbot.waitUntil(lambda: not view.catching_up, timeout=WAIT)
    least_squares = []
    real = view.data_plot.set_least_squares
    monkeypatch.setattr(view.data_plot, "set_least_squares",
                        lambda curve: (least_squares.append(curve), real(curve)))
    maps = []
    view.loss_map.mapDrawn.connect(lambda: maps.append(len(view.surface.held)))
    monkeypatch.setattr(view_module, "LOSS_FRAME_MS", 0)  # the loss path at every frame
    # A map quick enough to follow the run, and every frame in a pass of the event loop
    # with time to spare: on a slow machine the map of 300 rows can take longer than
    # LIVE_MAP_SECONDS (then, rightly, it waits until the run stops) and the test's own
    # drawing can fill the pass (then the frame waits for the next).
    for module in (view_module, contour):
        monkeypatch.setattr(module, "LIVE_MAP_SECONDS", float("inf"))
        monkeypatch.setattr(module, "pass_is_full", lambda extra=0.0: False)
    view.set_playing(True)  # frames of a run streaming in, as the window draws them
    try:
        view.set_history(session.history)
        # The model's curve follows; the least-squares curve has not changed.
        model = view.data_plot._model_line.yData
        assert model is not None and np.isfinite(model).all()
        assert least_squares == []
        qtbot.waitUntil(lambda: not view.loss_map.recompute_pending, timeout=WAIT)
        # The map shown holds c where the run was some steps ago.
        view.surface.set_held(session.history.params[-8])
        view.loss_map._draw_map()
        maps.clear()
        # Time for the others' values to be held: the map waits for the path's frame.
        view._held_timer.timeout.emit()
        assert not view.loss_map.recompute_pending and maps == []
        view.set_history(session.history)  # one frame: the path and the map together
        assert maps == [3]
        assert view.surface.held[2] == session.history.params[-1, 2]  # c, held
        path = view.loss_map._path
        assert (path.xData[-1], path.yData[-1]) == tuple(session.history.params[-1, :2])
        image = view.loss_map._image.image.copy()
        # Held again where it is: the same picture, not made again (not even looked at)
        # at the next frame.
        reliefs = []
        relief = contour.map_relief
        monkeypatch.setattr(contour, "map_relief",
                            lambda *args: (reliefs.append(1), relief(*args))[1])
        view._held_timer.timeout.emit()
        view.set_history(session.history)
        assert maps == [3] and reliefs == []
        # Held a hair away (far less than a colour step): still the same picture.
        nudged = session.history.params[-1].copy()
        nudged[2] += 1e-9
        view.surface.set_held(nudged)
        view.loss_map._draw_map()
        assert maps == [3]
        np.testing.assert_array_equal(view.loss_map._image.image, image)
    finally:
        view.set_playing(False)
    # Stopped: the map is made exactly for where the run is.
    qtbot.waitUntil(lambda: not view.catching_up and len(maps) == 2, timeout=WAIT)
    assert view.surface.held[2] == session.history.params[-1, 2]
    shown = view.data_plot._least_squares_line.yData  # drawn when the problem was shown
    assert shown is not None and np.isfinite(shown).all()


@pytest.mark.parametrize(("key", "names", "final"), [
    ("tutorial_intercept", ("b",), [1.3815]),
    ("tutorial_feature_matrix", ("t0", "t1"), [0.1137, 0.9500]),
])
def test_the_examples_menu_opens_data_tutorials(qtbot, window, key, names, final) -> None:
    examples = getattr(window, "examples", None)
    if examples is not None:
        examples.fill()  # (after the first paint, otherwise)
    entry = window.registry.action(f"actionExample_{key}")
    if entry is None:
        pytest.skip("the Examples menu is not installed")
    entry.trigger()
    wait_for_data(qtbot, window, names)
    assert window.editor.data_editor.isVisible()
    assert window.editor.mode_switch.buttons["data"].isChecked()
    action(window, "actionRun").trigger()
    steps = window.model.stopping.max_iter
    qtbot.waitUntil(lambda: len(window.session.history) == steps + 1, timeout=WAIT)
    assert window.session.history.params[-1] == pytest.approx(final, abs=1e-4)


def test_keys_in_the_table_stay_in_the_table(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    view = window.editor.data_editor.table_view
    window.activateWindow()
    qtbot.waitActive(window)
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    stepped: list[bool] = []
    action(window, "actionStep").triggered.connect(stepped.append)
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the window's Step shortcut elsewhere
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, 1)
    assert stepped == []
    settle(qtbot, window.session, window.model.learning_rate)  # no step was on its way
    assert len(window.session.history) == 1


def test_a_model_without_features_draws_a_flat_line(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    window.model.set_data_setting("fixed", {})
    window.model.set_data_setting("model_text", "c")
    wait_for_data(qtbot, window, ("c",))
    plot = window.data_mode.view.data_plot
    ys = plot._model_line.yData
    assert ys is not None and np.all(ys == ys[0])
    assert "Least squares (exact): c = 5" in window.editor.data_editor.answer_label.text()


def test_a_mistyped_column_is_named_under_the_model_field(qtbot, window) -> None:
    to_data_mode(qtbot, window)
    hint = window.findChild(type(window.editor.data_editor.model_hint), "modelHint")
    assert not hint.isVisible()
    edit = window.findChild(QLineEdit, "modelEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, "m*z + b")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: hint.isVisible(), timeout=WAIT)
    assert hint.text() == ("Note: z is not a column of the table (columns: x, y); it is "
                           "fitted as a parameter. Did you mean x?")
    edit.selectAll()
    qtbot.keyClicks(edit, "m*x + b")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not hint.isVisible(), timeout=WAIT)


def test_the_loss_plots_made_after_the_switch_show_the_problem(qtbot, window) -> None:
    """The loss plots are made in passes after the page: each problem still gets its own,
    drawn, clickable and styled like the rest."""
    from gdstudio.qt.preferences import Preferences

    window.preferences.set_preferences(Preferences(theme="dark"))
    to_data_mode(qtbot, window)  # one learnt parameter (b): the loss curve
    view = window.data_mode.view
    qtbot.waitUntil(lambda: view.loss_stack.currentWidget() is view.loss_curve, timeout=WAIT)
    curve = view.loss_curve
    qtbot.waitUntil(lambda: curve._curve.xData is not None and len(curve._curve.xData) > 0,
                    timeout=WAIT)
    window.model.set_data_setting("fixed", {})  # m learnt too: the map of L over (m, b)
    qtbot.waitUntil(lambda: window.data_mode.ready and window.session.active
                    and len(window.session.param_names) == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: view.loss_stack.currentWidget() is view.loss_page, timeout=WAIT)
    qtbot.waitUntil(lambda: view.loss_map.grid_rect is not None, timeout=WAIT)  # drawn
    assert view.loss_stack.count() == 2  # each made once
    for plot in (curve, view.loss_map):
        assert plot.backgroundBrush().color().name().upper() != "#FFFFFF"  # dark theme
    across, up = window.session.param_names
    start = {name: window.model.start.get(name, 0.0) for name in (across, up)}
    qtbot.waitUntil(lambda: view.loss_map.isVisible(), timeout=WAIT)
    point = view.loss_map.data_to_widget(start[across] + 1.0, start[up]).toPoint()
    QTest.mouseClick(view.loss_map.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier(0), point)
    qtbot.waitUntil(lambda: abs(window.model.start[across] - (start[across] + 1.0)) < 0.2,
                    timeout=WAIT)
    window.preferences.set_preferences(Preferences())
