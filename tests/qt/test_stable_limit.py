"""The stable learning-rate limit beside the rate slider, and the end-of-run sentences."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QSpinBox

from gdstudio.qt.panels.numbers import LogSlider
from tests.qt.data.test_data_mode import to_data_mode
from tests.qt.helpers import WAIT, window
from tests.qt.test_window import action

__all__ = ["window"]


def slider(studio) -> LogSlider:
    return studio.findChild(LogSlider, "learningRateSlider")


def type_expression(qtbot, studio, text: str) -> None:
    edit = studio.findChild(QLineEdit, "expressionEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def wait_for_mark(qtbot, studio, value: float | None) -> None:
    def marked() -> bool:
        mark = slider(studio).mark
        return mark is None if value is None else mark == pytest.approx(value)

    qtbot.waitUntil(marked, timeout=WAIT)


def test_the_mark_follows_function_start_and_optimizer(qtbot, window) -> None:
    wait_for_mark(qtbot, window, 1.0)  # x² from 3: 2/λmax = 2/2
    assert "Stable while α < 1 here (2/λmax)" in slider(window).toolTip()
    assert "Stable while α < 1 here" in window.findChild(
        QDoubleSpinBox, "learningRateSpin").toolTip()
    assert slider(window).mark_position() == 600  # 10⁰ on a slider from 10⁻⁶, 100 a decade

    type_expression(qtbot, window, "5*x**2")
    wait_for_mark(qtbot, window, 0.2)

    combo = window.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("momentum"))  # μ = 0.9 by default
    wait_for_mark(qtbot, window, 0.38)
    assert "Stable while α < 0.38 here (2(1+μ)/λmax)" in slider(window).toolTip()
    window.findChild(QDoubleSpinBox, "hyper_momentumSpin").setValue(0.5)
    wait_for_mark(qtbot, window, 0.3)
    combo.setCurrentIndex(combo.findData("adam"))
    wait_for_mark(qtbot, window, None)
    assert "Stable" not in slider(window).toolTip()
    combo.setCurrentIndex(combo.findData("gd"))
    wait_for_mark(qtbot, window, 0.2)

    type_expression(qtbot, window, "x**4")  # f'' = 12x²: the limit depends on the start
    wait_for_mark(qtbot, window, 2 / 108)
    window.findChild(QDoubleSpinBox, "startSpin_x").setValue(1.0)
    wait_for_mark(qtbot, window, 2 / 12)


def warning_text(studio) -> str:
    label = studio.findChild(QLabel, "rateWarning")
    return label.text() if label.isVisible() else ""


def type_rate(qtbot, studio, text: str) -> None:
    spin = studio.findChild(QDoubleSpinBox, "learningRateSpin")
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def test_a_rate_above_the_limit_is_called_out_before_the_run(qtbot, window) -> None:
    wait_for_mark(qtbot, window, 1.0)
    assert warning_text(window) == ""
    type_rate(qtbot, window, "1.05")
    sentence = "α = 1.05 is above the stable limit 1 at the start: this run will diverge"
    qtbot.waitUntil(lambda: warning_text(window) == sentence, timeout=WAIT)
    spin = window.findChild(QDoubleSpinBox, "learningRateSpin")
    assert sentence in spin.toolTip() and sentence in slider(window).toolTip()
    assert "Stable while α < 1 here (2/λmax)" in spin.toolTip()

    type_rate(qtbot, window, "1")  # the limit itself: x → −x for ever
    qtbot.waitUntil(lambda: "bounce back and forth" in warning_text(window), timeout=WAIT)
    type_rate(qtbot, window, "0.95")  # oscillates but converges: no alarm
    qtbot.waitUntil(lambda: warning_text(window) == "", timeout=WAIT)
    assert "above the stable limit" not in spin.toolTip()

    type_expression(qtbot, window, "5*x**2")  # the function moves the limit under the rate
    wait_for_mark(qtbot, window, 0.2)
    assert warning_text(window) == ("α = 0.95 is above the stable limit 0.2 at the start: "
                                    "this run will diverge")
    combo = window.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("adam"))  # no simple limit: nothing is claimed
    wait_for_mark(qtbot, window, None)
    assert warning_text(window) == ""


def test_a_changing_curvature_only_says_the_first_steps_overshoot(qtbot, window) -> None:
    wait_for_mark(qtbot, window, 1.0)
    type_expression(qtbot, window, "x**4")  # 2/f''(3) = 2/108; the curvature changes
    wait_for_mark(qtbot, window, 2 / 108)
    type_rate(qtbot, window, "0.05")
    qtbot.waitUntil(lambda: warning_text(window) != "", timeout=WAIT)
    assert warning_text(window) == (
        "α = 0.05 is above the stable limit 0.0185 at the start: the first steps overshoot "
        "by more each time, so the run may diverge")
    window.findChild(QDoubleSpinBox, "startSpin_x").setValue(1.0)  # limit 2/12 there
    qtbot.waitUntil(lambda: warning_text(window) == "", timeout=WAIT)


@pytest.mark.parametrize("text", ["abs(x)", "-x**2"])
def test_no_mark_without_a_positive_curvature(qtbot, window, text: str) -> None:
    wait_for_mark(qtbot, window, 1.0)
    type_expression(qtbot, window, text)
    wait_for_mark(qtbot, window, None)
    assert slider(window).mark_position() is None
    assert "Stable" not in slider(window).toolTip()


def test_status_bar_says_not_converged(qtbot, window) -> None:
    window.findChild(QDoubleSpinBox, "learningRateSpin").setValue(0.001)
    window.findChild(QSpinBox, "maxIterSpin").setValue(10)
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.session.report.status == "max_iter", timeout=WAIT)
    qtbot.waitUntil(lambda: "not converged" in window.statusBar().currentMessage(),
                    timeout=WAIT)
    assert window.statusBar().currentMessage() == (
        "Stopped at step 10 — not converged: the slope is still 5.9 after 10 steps")


def test_data_mode_marks_the_limit_of_a_squared_loss(qtbot, window) -> None:
    to_data_mode(qtbot, window)  # the intercept tutorial: sse on 5 rows, m fixed
    wait_for_mark(qtbot, window, 0.2)  # ∂²L/∂b² = 2·5 = 10
    window.model.set_data_setting("loss", "mse")
    wait_for_mark(qtbot, window, 1.0)  # (2/5)·5 = 2
    window.model.set_data_setting("loss", "mae")
    wait_for_mark(qtbot, window, None)
    assert "Stable" not in slider(window).toolTip()
