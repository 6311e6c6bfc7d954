"""The real window, driven through its widgets and actions as a student would."""

import numpy as np
import pytest
from PySide6.QtCore import QRectF, QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QTableView,
)

from gdstudio.app import create_application
from gdstudio.qt.plots import contour
from gdstudio.qt.window import SPEEDS, MainWindow
from tests.qt.helpers import action, settle, shown_window

WAIT = 15_000  # ms: compiling starts a helper process the first time


@pytest.fixture
def window(qtbot, tmp_path):
    yield from shown_window(qtbot, tmp_path)


def rows(window: MainWindow) -> int:
    return window.findChild(QTableView, "historyTable").model().rowCount()


def set_spin(window: MainWindow, name: str, value: float) -> None:
    spin = window.findChild(QDoubleSpinBox, name) or window.findChild(QSpinBox, name)
    assert spin is not None, name
    spin.setValue(value)


def untick(window: MainWindow, name: str) -> None:
    window.findChild(QCheckBox, name).setChecked(False)


def type_expression(qtbot, window: MainWindow, text: str) -> None:
    edit = window.findChild(QLineEdit, "expressionEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_contract_names_accessible_names_and_tooltips(window) -> None:
    for name in ("actionRun", "actionPause", "actionStep", "actionStepBack", "actionReset"):
        assert action(window, name).toolTip()
    for kind, name in ((QLineEdit, "expressionEdit"), (QDoubleSpinBox, "learningRateSpin"),
                       (QComboBox, "optimizerCombo"), (QTableView, "historyTable")):
        widget = window.findChild(kind, name)
        assert widget is not None and widget.accessibleName() and widget.toolTip(), name
    assert window.findChild(QLineEdit, "expressionEdit").text() == "x**2"


def test_default_example_runs_to_convergence(qtbot, window) -> None:
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.session.report.status == "converged", timeout=WAIT)
    qtbot.waitUntil(lambda: rows(window) == 41, timeout=WAIT)
    assert window.session.history.params[-1, 0] == pytest.approx(3 * 0.8**40)
    message = window.statusBar().currentMessage()
    assert "Converged at step 40" in message and "precision 0.0001" in message
    qtbot.waitUntil(lambda: not window.side_panels_pending)  # the explanation
    assert "x₄₀ = x₃₉ − α·f′(x₃₉)" in window.explain_view.toPlainText()


def test_step_adds_one_row_and_step_back_removes_it(qtbot, window) -> None:
    assert rows(window) == 1
    for expected in (2, 3, 4, 5):
        action(window, "actionStep").trigger()
        qtbot.waitUntil(lambda n=expected: rows(window) == n, timeout=WAIT)
    # The explanation may come a pass of the event loop after the row (a full pass).
    qtbot.waitUntil(lambda: "x₄ = x₃ − α·f′(x₃) = 1.536 − 0.1 · 3.072 = 1.2288"
                    in window.explain_view.toPlainText(), timeout=WAIT)
    action(window, "actionStepBack").trigger()
    qtbot.waitUntil(lambda: rows(window) == 4, timeout=WAIT)
    assert window.session.history.params[-1, 0] == pytest.approx(1.536)
    action(window, "actionStep").trigger()
    qtbot.waitUntil(lambda: rows(window) == 5, timeout=WAIT)
    assert window.session.history.params[-1, 0] == pytest.approx(1.2288)


def make_long_run(window: MainWindow, lr: float = 0.001) -> None:
    set_spin(window, "learningRateSpin", lr)
    untick(window, "tol_stepCheck")
    set_spin(window, "maxIterSpin", 10_000_000)


def test_pause_stops_the_log_growing(qtbot, window) -> None:
    make_long_run(window, lr=1e-6)
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: rows(window) > 500, timeout=WAIT)
    assert action(window, "actionPause").isEnabled()
    action(window, "actionPause").trigger()
    # The window shows "Paused" in the same frame as it applies the worker's last rows;
    # the step log shows them in its own frames, which a busy machine may put off.
    qtbot.waitUntil(lambda: "Paused" in window.statusBar().currentMessage()
                    and not window.side_panels_pending, timeout=WAIT)
    paused = rows(window)
    settle(qtbot, window.session, window.model.learning_rate)  # the worker answered since
    assert rows(window) == paused and not window.session.playing
    assert "Paused at step" in window.statusBar().currentMessage()


def test_learning_rate_change_mid_run_is_recorded(qtbot, window) -> None:
    make_long_run(window, lr=0.001)
    window.speed_slider.setValue(SPEEDS.index(100))
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: rows(window) > 10, timeout=WAIT)
    set_spin(window, "learningRateSpin", 0.004)
    changed_at = len(window.session.history)
    qtbot.waitUntil(lambda: rows(window) > changed_at + 10, timeout=WAIT)
    action(window, "actionPause").trigger()
    qtbot.waitUntil(lambda: not window.session.playing, timeout=WAIT)
    rates = window.session.history.lr[:-1]
    assert rates[0] == 0.001 and rates[-1] == 0.004
    switch = int(np.argmax(rates == 0.004))
    assert np.all(rates[:switch] == 0.001) and np.all(rates[switch:] == 0.004)


def test_invalid_expression_is_refused_and_nothing_runs(qtbot, window) -> None:
    type_expression(qtbot, window, "x**2 +* 3")
    error = window.editor.expression_error
    assert error.isVisible() and "column" in error.text()
    assert not action(window, "actionRun").isEnabled()
    assert not action(window, "actionStep").isEnabled()
    assert window.model.expression_text == "x**2"  # the last valid problem is kept
    assert rows(window) == 1


@pytest.mark.parametrize("constant", ["5", "pi*2"])
def test_a_constant_function_says_it_has_no_variable(qtbot, window, constant: str) -> None:
    type_expression(qtbot, window, constant)
    error = window.editor.expression_error
    qtbot.waitUntil(lambda: "no variable to descend on" in error.text(), timeout=WAIT)
    assert error.isVisible() and error.text().count("the function has no variable") == 1
    assert not action(window, "actionRun").isEnabled()
    assert window.model.expression_text == "x**2"


def test_unknown_function_message_and_recovery(qtbot, window) -> None:
    type_expression(qtbot, window, "foo(x)")
    assert "unknown function" in window.editor.expression_error.text()
    type_expression(qtbot, window, "(x-3)**2 + 10*(y+1)**2")
    qtbot.waitUntil(lambda: window.model.param_names == ("x", "y"), timeout=WAIT)
    assert not window.editor.expression_error.isVisible()
    assert window.plot_stack.currentWidget() is window.contour_page
    assert action(window, "actionRun").isEnabled()


def test_a_new_function_of_two_variables_makes_one_map(qtbot, window, monkeypatch) -> None:
    type_expression(qtbot, window, "x**2 + y**2")  # the map page is made and shown
    qtbot.waitUntil(lambda: window.model.param_names == ("x", "y"), timeout=WAIT)
    plot = window.contour_plot
    qtbot.waitUntil(lambda: not plot.recompute_pending and not plot.map_pending)
    made = []
    make = contour.map_layers
    monkeypatch.setattr(contour, "map_layers",
                        lambda source, rect: (made.append(rect), make(source, rect))[1])
    type_expression(qtbot, window, "(x-3)**2 + 10*(y+1)**2")
    qtbot.waitUntil(lambda: window.model.expression_text == "(x-3)**2 + 10*(y+1)**2"
                    and window.session.active and bool(made), timeout=WAIT)
    QApplication.processEvents()  # whatever else the new problem asked for is due now
    assert not plot.recompute_pending and not plot.map_pending
    assert len(made) == 1  # for the new run's region, not also for the old path's
    assert plot.grid_rect.contains(visible_region(plot))
    action(window, "actionRun").trigger()  # (x-3)² fills in, y bounces between 0 and -2
    qtbot.waitUntil(lambda: window.session.report.status not in ("ready", "running")
                    and not window.session.playing, timeout=WAIT)
    qtbot.waitUntil(lambda: not plot.recompute_pending and not plot.map_pending)
    assert plot.grid_rect.contains(visible_region(plot))
    assert plot.grid_rect.contains(3.0, -2.0) and plot.grid_rect.contains(0.0, 0.0)


def visible_region(plot) -> QRectF:
    (left, right), (bottom, top) = plot.plotItem.vb.viewRange()
    return QRectF(left, bottom, right - left, top - bottom)


def test_diverging_run_ends_with_its_explanation(qtbot, window) -> None:
    set_spin(window, "learningRateSpin", 1.5)
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Diverged"),
                    timeout=WAIT)
    message = window.statusBar().currentMessage()
    assert message.startswith("Diverged at step")
    assert "α = 1.5 is above the stable limit 2/λmax = 1 here" in message
    assert window.session.report.step_count == 6  # caught early, not after a 1e10 growth
    assert not action(window, "actionRun").isEnabled()
    # The explain panel leads with the same verdict, whole (the status bar of a small
    # window cuts it).
    qtbot.waitUntil(lambda: window.explain_view.toPlainText().startswith(message),
                    timeout=WAIT)
    qtbot.waitUntil(lambda: not window.side_panels_pending)  # the explanation
    assert "x₆ = x₅ − α·f′(x₅)" in window.explain_view.toPlainText()


def test_clicking_the_plot_sets_the_start_and_resets(qtbot, window) -> None:
    action(window, "actionStep").trigger()
    qtbot.waitUntil(lambda: rows(window) == 2, timeout=WAIT)
    window.function_plot.pointPicked.emit(-2.0)
    qtbot.waitUntil(lambda: rows(window) == 1, timeout=WAIT)
    assert window.findChild(QDoubleSpinBox, "startSpin_x").value() == -2.0
    assert window.session.history.params[0, 0] == -2.0


def test_optimizer_change_starts_a_new_run(qtbot, window) -> None:
    combo = window.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("adam"))
    assert window.findChild(QDoubleSpinBox, "hyper_beta1Spin").value() == 0.9
    action(window, "actionStep").trigger()
    qtbot.waitUntil(lambda: rows(window) == 2, timeout=WAIT)
    assert window.session.history.params[1, 0] == pytest.approx(2.9, abs=1e-7)


def test_the_step_limit_is_what_memory_allows_for_the_problem(qtbot, window) -> None:
    from gdstudio.engine import make_optimizer
    from gdstudio.engine.limits import max_steps

    spin = window.findChild(QSpinBox, "maxIterSpin")
    spin.setValue(50_000_000)
    one_gd = max_steps(1, make_optimizer("gd"))
    assert spin.value() == window.model.stopping.max_iter == one_gd < 50_000_000
    combo = window.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("adam"))
    one_adam = max_steps(1, make_optimizer("adam"))
    assert spin.maximum() == spin.value() == window.model.stopping.max_iter == one_adam
    type_expression(qtbot, window, "x**2 + y**2 + z**2")
    three_adam = max_steps(3, make_optimizer("adam"))
    qtbot.waitUntil(lambda: window.model.stopping.max_iter == three_adam, timeout=WAIT)
    assert spin.value() == three_adam and f"at most {three_adam:,}" in spin.toolTip()
    action(window, "actionStep").trigger()
    qtbot.waitUntil(lambda: rows(window) == 2, timeout=WAIT)
    assert window.session.report.status == "running"


def test_close_during_a_run_is_clean(qtbot, window) -> None:
    make_long_run(window, lr=1e-9)
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: rows(window) > 200, timeout=WAIT)
    window.close()
    assert not window.session.active


def test_layout_is_remembered(qtbot, tmp_path) -> None:
    create_application([])
    path = str(tmp_path / "layout.ini")
    first = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.show()
    first.resize(720, 530)
    first.traces_dock.hide()
    first.close()
    second = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (720, 530)
    assert second.traces_dock.isHidden()
    second.close()
