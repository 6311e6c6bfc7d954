"""The stable learning-rate limit beside the rate slider, and the end-of-run sentences."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

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
