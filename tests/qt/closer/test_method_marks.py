"""Newton's method and the line search in the window: chosen, explained and drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel

from gdstudio.qt.closer.method_marks import MethodMarks
from tests.qt.closer.test_inspect import use_function
from tests.qt.helpers import WAIT, window

__all__ = ["window"]

QUARTIC = "x**4 - 3*x**2 + x"


def choose(studio, optimizer: str) -> None:
    combo = studio.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData(optimizer))
    assert studio.model.optimizer == optimizer


def step_once(qtbot, studio) -> None:
    studio.session.step()
    qtbot.waitUntil(lambda: len(studio.session.history) == 2
                    and studio.session.report is not None
                    and studio.session.report.step_count == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: "step 0 → 1" in studio.explain_view.toPlainText(), timeout=WAIT)


def marks(studio) -> MethodMarks:
    return studio.closer.marks


def test_both_methods_are_in_the_optimizer_choices(qtbot, window) -> None:
    combo = window.findChild(QComboBox, "optimizerCombo")
    names = [combo.itemData(i) for i in range(combo.count())]
    assert names[-2:] == ["newton", "armijo"]
    assert combo.itemText(combo.findData("newton")) == "Newton's method"
    choose(window, "newton")  # Newton's own rate: the full step
    assert window.model.learning_rate == 1.0
    assert window.findChild(QDoubleSpinBox, "hyper_dampingSpin").value() == 0.0
    choose(window, "armijo")
    backtracks = window.findChild(QDoubleSpinBox, "hyper_max_backtracksSpin")
    assert backtracks.value() == 30 and backtracks.decimals() == 0
    backtracks.setValue(12)
    assert window.model.effective_hyperparameters()["max_backtracks"] == 12.0


def test_newton_first_step_on_the_quartic_is_drawn_as_its_parabolas_bottom(qtbot, window) -> None:
    use_function(qtbot, window, QUARTIC, {"x": 2.0})
    choose(window, "newton")
    # Before the step: the parabola at x₀ = 2 (f = 6, f′ = 21, f″ = 42) and its bottom.
    qtbot.waitUntil(lambda: marks(window).parabola is not None
                    and marks(window).parabola.vertex_point is not None, timeout=WAIT)
    assert marks(window).parabola.vertex_point == pytest.approx((1.5, 0.75))
    step_once(qtbot, window)
    assert window.session.history.params[1, 0] == 1.5
    qtbot.waitUntil(lambda: not window.side_panels_pending)  # the explanation
    explanation = window.explain_view.toPlainText()
    assert "d₀ = g₀/(h₀ + λ) = 21 / (42 + 0) = 0.5" in explanation
    assert "x₁ = x₀ − α·d₀ = 2 − 1 · 0.5 = 1.5" in explanation
    parabola = marks(window).parabola
    assert parabola.vertex_point == pytest.approx((1.5, 0.75))  # q(1.5) = 6 − 10.5 + 5.25
    xs, ys = parabola.curve.xData, parabola.curve.yData
    assert np.allclose(ys, 6 + 21 * (xs - 2) + 21 * (xs - 2) ** 2)
    assert parabola.label.toPlainText() == "Newton's parabola at x₀: its bottom x₁ = 1.5"
    drop = marks(window)._drop  # from the bottom down to f(1.5) = −0.1875, the new point
    assert list(drop.xData) == [1.5, 1.5] and list(drop.yData) == pytest.approx([0.75, -0.1875])
    assert not window.findChild(QLabel, "newtonFallbackLabel").isVisible()


def test_newton_says_when_it_falls_back_to_a_gradient_step(qtbot, window) -> None:
    use_function(qtbot, window, QUARTIC, {"x": 0.0})  # f″(0) = −6: no bottom to jump to
    choose(window, "newton")
    step_once(qtbot, window)
    assert window.session.history.params[1, 0] == -1.0  # 0 − 1 · f′(0)
    label = window.findChild(QLabel, "newtonFallbackLabel")
    assert label.isVisible()
    assert label.text() == ("Newton fell back to a gradient step at step 0 → 1: H is not "
                            "positive definite there")
    qtbot.waitUntil(lambda: not window.side_panels_pending)  # the explanation
    assert "Fallback" in window.explain_view.toPlainText()
    assert "opens downwards (f″ = −6)" in marks(window).parabola.label.toPlainText()
    window.session.step_back()  # back at the start: no update made, nothing to say
    qtbot.waitUntil(lambda: len(window.session.history) == 1, timeout=WAIT)
    assert not label.isVisible()


def test_armijo_trials_are_listed_and_marked(qtbot, window) -> None:
    use_function(qtbot, window, QUARTIC, {"x": 2.0})
    choose(window, "armijo")
    window.model.set_learning_rate(0.2)
    qtbot.waitUntil(lambda: window.session.report is not None
                    and window.session.report.next_learning_rate == 0.2, timeout=WAIT)
    step_once(qtbot, window)
    # α = 0.2 lands at −2.2, where f = 6.7056 is above 6 − 1e-4·0.2·441: halved to 0.1.
    assert window.session.history.params[1, 0] == pytest.approx(-0.1)
    qtbot.waitUntil(lambda: not window.side_panels_pending)  # the explanation
    explanation = window.explain_view.toPlainText()
    assert "Try α = 0.2: f = 6.7056 > 5.9912 ✗" in explanation
    assert "Try α = 0.1: f = −0.1299 ≤ 5.9956 ✓ accepted" in explanation
    trials = marks(window).trials
    assert list(trials.rejected.xData) == pytest.approx([-2.2])
    assert list(trials.rejected.yData) == pytest.approx([6.7056])
    assert list(trials.accepted.xData) == pytest.approx([-0.1])
    assert list(trials.accepted.yData) == pytest.approx([-0.1299])
    assert trials.label.toPlainText().startswith("line search from x₀: α = 0.2 ✗, 0.1 ✓")
    bar_x, bar_y = trials.bar.xData, trials.bar.yData  # f(x₀) − c·α·f′² over the trials
    assert list(bar_x) == pytest.approx([2.0, -2.2])
    assert list(bar_y) == pytest.approx([6.0, 6.0 - 1e-4 * 0.2 * 441])

    choose(window, "gd")  # another method: the marks go
    qtbot.waitUntil(lambda: trials.accepted.xData is None, timeout=WAIT)


def test_compare_mode_runs_newton_and_armijo_beside_gradient_descent(qtbot, window) -> None:
    use_function(qtbot, window, "(x - 3)**2 + 10*(y + 1)**2", {"x": 0.0, "y": 0.0})
    window.registry.action("actionCompare").trigger()
    compare = window.comparisons.windows[-1]
    qtbot.waitUntil(lambda: all(s.active and s.report is not None for s in compare.sessions),
                    timeout=WAIT)
    combo = compare.table.table.cellWidget(1, 1)
    combo.setCurrentIndex(combo.findData("newton"))
    qtbot.waitUntil(lambda: compare.runs[1].optimizer == "newton", timeout=WAIT)
    assert compare.runs[1].learning_rate == 1.0  # Newton's full step
    combo = compare.table.table.cellWidget(2, 1)  # the rows were made again
    combo.setCurrentIndex(combo.findData("armijo"))
    qtbot.waitUntil(lambda: compare.runs[2].optimizer == "armijo", timeout=WAIT)
    qtbot.waitUntil(lambda: all(s.active for s in compare.sessions), timeout=WAIT)
    compare.registry.action("compareStep").trigger()
    newton = compare.sessions[1]
    qtbot.waitUntil(lambda: len(newton.history) == 2, timeout=WAIT)
    newton.flush()
    # A quadratic: Newton lands on its minimum (3, −1) in one step.
    np.testing.assert_allclose(newton.history.params[1], [3.0, -1.0])
    compare.close()


def test_armijo_trials_on_the_map_lie_on_the_downhill_ray(qtbot, window) -> None:
    use_function(qtbot, window, "(x - 3)**2 + 10*(y + 1)**2", {"x": 0.0, "y": 0.0})
    choose(window, "armijo")
    window.model.set_learning_rate(0.2)
    qtbot.waitUntil(lambda: window.session.report is not None
                    and window.session.report.next_learning_rate == 0.2, timeout=WAIT)
    step_once(qtbot, window)
    # ∇f(0, 0) = (−6, 20); α = 0.2 reaches (1.2, −4), f = 93.24 > 19 − 1e-4·0.2·436 ✗;
    # α = 0.1 reaches (0.6, −2), f = 15.76 ✓.
    np.testing.assert_allclose(window.session.history.params[1], [0.6, -2.0])
    trials = marks(window).map_trials
    assert trials.plot is window.contour_plot
    assert list(trials.rejected.xData) == pytest.approx([1.2])
    assert list(trials.rejected.yData) == pytest.approx([-4.0])
    assert list(trials.accepted.xData) == pytest.approx([0.6])
    assert list(trials.accepted.yData) == pytest.approx([-2.0])
    assert list(trials.bar.xData) == pytest.approx([0.0, 1.2])
    assert trials.label.toPlainText() == "line search from θ₀ along −∇f: α = 0.2 ✗, 0.1 ✓"
