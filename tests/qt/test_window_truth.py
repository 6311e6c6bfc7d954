"""What the window shows is what is happening (issue 11, section 4).

The real window, driven as a student drives it: the main plot follows every step at a
slow pace, a typed learning rate is the one used, the side plots fit the current run and
changing the theme prints nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDoubleSpinBox, QLineEdit, QSpinBox, QTableView, QWidget

from gdstudio.qt.preferences import Preferences, apply_application_theme
from gdstudio.qt.window import SPEEDS, MainWindow
from tests.qt.helpers import WAIT, window

__all__ = ["window"]


def rows(studio: MainWindow) -> int:
    return studio.findChild(QTableView, "historyTable").model().rowCount()


def point_x(studio: MainWindow) -> float | None:
    xs = studio.function_plot._point.xData
    return None if xs is None or len(xs) == 0 else float(xs[0])


# ------------------------------------------------------------------ the main plot
@pytest.mark.parametrize("speed", [2, 5])
def test_main_plot_shows_every_step_at_a_slow_pace(qtbot, window, speed) -> None:
    seen: list[tuple[int, float, float | None]] = []

    def after_the_window(_old_length: int) -> None:
        # Connected after the window's own slot: what the plot shows once it has drawn.
        history = window.session.history
        seen.append((len(history), float(history.params[-1, 0]), point_x(window)))

    window.session.historyChanged.connect(after_the_window)
    window.speed_slider.setValue(SPEEDS.index(speed))
    window.run()
    for step in range(1, 5):
        qtbot.waitUntil(lambda s=step: len(window.session.history) > s, timeout=WAIT)
        qtbot.waitUntil(
            lambda s=step: (
                point_x(window) is not None
                and point_x(window) <= window.session.history.params[s, 0]
            ),
            timeout=WAIT,
        )
    window.session.historyChanged.disconnect(after_the_window)
    window.session.pause()
    running = [entry for entry in seen if entry[0] > 1]
    assert len(running) >= 4
    for length, newest, shown in running:
        assert shown == pytest.approx(newest), f"step {length - 1}: plot shows {shown}"
    assert np.isclose(window.session.history.params[1, 0], 2.4)


# ------------------------------------------------------------------ the typed rate
def focus(qtbot, studio: MainWindow, widget: QWidget) -> None:
    studio.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is studio, timeout=WAIT)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=WAIT)


def type_rate(qtbot, spin: QDoubleSpinBox, text: str) -> None:
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, text)


def test_typed_rate_then_enter_then_space_runs_with_that_rate(qtbot, window) -> None:
    spin = window.findChild(QDoubleSpinBox, "learningRateSpin")
    focus(qtbot, window, spin)
    type_rate(qtbot, spin, "0.05")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    qtbot.keyClick(spin, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(window.session.history) > 3, timeout=WAIT)
    window.session.pause()
    assert window.session.history.lr[0] == 0.05
    assert window.session.history.params[1, 0] == pytest.approx(3 - 0.05 * 6)
    assert spin.text() == "0.05" and spin.value() == 0.05
    assert window.model.learning_rate == 0.05


def test_typed_rate_then_space_commits_it_first(qtbot, window) -> None:
    spin = window.findChild(QDoubleSpinBox, "learningRateSpin")
    focus(qtbot, window, spin)
    type_rate(qtbot, spin, "0.02")
    qtbot.keyClick(spin, Qt.Key.Key_Space)  # no Enter: Space alone commits and runs
    qtbot.waitUntil(lambda: len(window.session.history) > 3, timeout=WAIT)
    window.session.pause()
    assert window.session.history.lr[0] == 0.02
    assert spin.text() == "0.02"


def test_typed_rate_is_committed_when_the_field_loses_focus(qtbot, window) -> None:
    spin = window.findChild(QDoubleSpinBox, "learningRateSpin")
    focus(qtbot, window, spin)
    type_rate(qtbot, spin, "0.03")
    focus(qtbot, window, window.history_table)
    assert window.model.learning_rate == 0.03 and spin.text() == "0.03"
    window.action_step.trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 2, timeout=WAIT)
    assert window.session.history.lr[0] == 0.03


def test_space_in_the_expression_is_text(qtbot, window) -> None:
    edit = window.findChild(QLineEdit, "expressionEdit")
    focus(qtbot, window, edit)
    edit.setText("x**2")
    edit.end(False)
    qtbot.keyClick(edit, Qt.Key.Key_Space)
    assert edit.text() == "x**2 " and not window.session.playing


def test_space_from_the_step_limit_field_runs_with_the_typed_limit(qtbot, window) -> None:
    spin = window.findChild(QSpinBox, "maxIterSpin")
    focus(qtbot, window, spin)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "5")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    qtbot.keyClick(spin, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.session.report.status == "max_iter", timeout=WAIT)
    assert len(window.session.history) == 6 and spin.value() == 5


def test_space_after_an_unfinished_number_shows_the_rate_it_runs_with(qtbot, window) -> None:
    spin = window.findChild(QDoubleSpinBox, "learningRateSpin")
    focus(qtbot, window, spin)
    type_rate(qtbot, spin, "1e")
    qtbot.keyClick(spin, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(window.session.history) > 2, timeout=WAIT)
    window.session.pause()
    assert window.session.history.lr[0] == 0.1 and spin.text() == "0.1"


# ------------------------------------------------------------------ the side plots
def assert_fits_its_data(plot, steps: int) -> None:
    """Every drawn point is in view, the view is not much larger, the steps are whole."""
    (left, right), (bottom, top) = plot.plotItem.vb.viewRange()
    assert -1 < left <= 0 and steps <= right < max(steps, 1) * 1.1 + 0.5, (left, right)
    ys = np.concatenate(
        [np.empty(0)] + [s.item.yData for s in plot.series if s.item.yData is not None]
    )
    if ys.size:
        low, high = float(ys.min()), float(ys.max())
        assert bottom <= low and high <= top, (plot.objectName(), bottom, top, low, high)
        if plot.from_zero:  # the learning rate: from 0 to a little above it
            assert bottom == 0 and top <= 1.2 * high, (bottom, top, high)
        else:
            span = max(high - low, 0.5 * max(abs(low), abs(high)), 1e-9)
            assert top - bottom <= 1.5 * span, (plot.objectName(), bottom, top, low, high)
    axis = plot.plotItem.getAxis("bottom")
    assert "(x" not in axis.labelString() and "×" not in axis.labelString()
    for _spacing, values in axis.tickValues(left, right, plot.plotItem.vb.width()):
        assert all(float(v).is_integer() for v in values), values


def test_side_plots_fit_a_new_run_after_a_diverging_one(qtbot, window) -> None:
    window.findChild(QDoubleSpinBox, "learningRateSpin").setValue(3.0)
    window.run()
    qtbot.waitUntil(lambda: window.session.report.status == "diverged", timeout=WAIT)
    window.session.flush()
    qtbot.waitUntil(lambda: not window.side_panels_pending, timeout=WAIT)
    assert window.traces.parameter_plot.plotItem.vb.viewRange()[1][1] > 1e4  # the blow-up
    window.findChild(QDoubleSpinBox, "learningRateSpin").setValue(0.1)
    edit = window.findChild(QLineEdit, "expressionEdit")
    edit.setText("(x-1)**2")
    edit.editingFinished.emit()
    qtbot.waitUntil(
        lambda: (
            window.model.expression_text == "(x-1)**2"
            and len(window.session.history) == 1
            and window.session.history.loss[0] == 4.0
        ),
        timeout=WAIT,
    )
    qtbot.waitUntil(lambda: not window.side_panels_pending, timeout=WAIT)
    plots = (
        window.traces.loss_plot,
        window.traces.learning_rate_plot,
        window.traces.parameter_plot,
    )
    for plot in plots:  # step 0: the start point alone, on its own scale
        assert_fits_its_data(plot, 0)
    assert window.traces.loss_plot.series[0].item.opts["symbol"] is not None  # a dot
    for _ in range(12):
        window.action_step.trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 13, timeout=WAIT)
    window.session.flush()
    qtbot.waitUntil(lambda: not window.side_panels_pending, timeout=WAIT)
    for plot in plots:
        assert_fits_its_data(plot, 12)
        assert len(plot.series[0].item.xData) >= 12  # the whole run is drawn
    assert window.traces.loss_plot.series[0].item.opts["symbol"] is None


def test_side_plots_catch_up_when_shown_again(qtbot, window) -> None:
    window.traces_dock.hide()
    for _ in range(5):
        window.action_step.trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 6, timeout=WAIT)
    window.traces_dock.show()
    qtbot.waitUntil(lambda: len(window.traces.loss_plot.series[0].item.xData) == 6, timeout=WAIT)
    assert_fits_its_data(window.traces.loss_plot, 5)


def test_side_plots_follow_again_after_a_zoom(qtbot, window) -> None:
    for _ in range(20):
        window.action_step.trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 21, timeout=WAIT)
    window.session.flush()
    qtbot.waitUntil(lambda: not window.side_panels_pending, timeout=WAIT)
    loss_plot = window.traces.loss_plot
    window.traces.parameter_plot.plotItem.vb.setXRange(2, 6, padding=0)  # a zoom
    assert not loss_plot.following
    assert loss_plot.plotItem.vb.viewRange()[0] == pytest.approx([2, 6], abs=0.5)
    window.action_step.trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 22, timeout=WAIT)
    qtbot.waitUntil(lambda: not window.side_panels_pending, timeout=WAIT)
    assert loss_plot.plotItem.vb.viewRange()[0] == pytest.approx([2, 6], abs=0.5)
    button = window.traces.parameter_plot.plotItem.autoBtn
    button.clicked.emit(button)  # the "A" button
    assert loss_plot.following
    for plot in (loss_plot, window.traces.parameter_plot):
        assert_fits_its_data(plot, 21)


# ------------------------------------------------------------------ the theme
def test_switching_the_theme_prints_nothing(qtbot, window, capfd) -> None:
    window.action_step.trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 2, timeout=WAIT)
    capfd.readouterr()
    dialog = window.preferences.show_dialog()
    try:
        for theme in ("light", "dark", "light"):
            dialog.theme_buttons[theme].click()
            assert window.preferences.preferences.theme == theme
            window.grab()  # paint every plot in the new theme
            qtbot.waitUntil(lambda: not window.traces.loss_plot._timer.isActive())
    finally:
        dialog.close()
        apply_application_theme(Preferences())
    printed = capfd.readouterr()
    for text in (printed.out, printed.err):
        assert "Traceback" not in text and "already deleted" not in text, text
