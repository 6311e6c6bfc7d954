"""Inspect on the real window: click a point, read its curvature, see the quadratic model."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget, QLineEdit

from gdstudio.qt.closer.overlays import ConicOverlay, ParabolaOverlay
from gdstudio.qt.closer.panel import CurvaturePanel
from tests.qt.helpers import WAIT, wait_for_problem, window

__all__ = ["window"]


def use_function(qtbot, studio, text: str, start: dict[str, float]) -> None:
    """Type ``text`` as a student does, wait for its Hessian and set the start point."""
    edit = studio.findChild(QLineEdit, "expressionEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    wait_for_problem(qtbot, studio, text)
    qtbot.waitUntil(lambda: studio.model.objective.hessian_ready, timeout=WAIT)
    studio.model.set_start(start)
    qtbot.waitUntil(lambda: len(studio.session.history) == 1
                    and np.allclose(studio.session.history.params[0], list(start.values())),
                    timeout=WAIT)


def click(plot, x: float, y: float) -> None:
    """A real left click (press and release) on the plot at the data point (x, y)."""
    position = plot.data_to_widget(x, y).toPoint()
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0),
                     position)


def panel_text(studio) -> str:
    """The Curvature panel's text, with every run of white space (table cells) one space."""
    return " ".join(studio.findChild(CurvaturePanel, "curvaturePanel").toPlainText().split())


def inspect_by_click(qtbot, studio, plot, x: float, y: float) -> None:
    tool = studio.closer.inspect
    studio.registry.action("actionInspect").setChecked(True)
    start = studio.model.start_vector().copy()
    click(plot, x, y)
    qtbot.waitUntil(lambda: tool.inspection is not None, timeout=WAIT)
    assert np.array_equal(studio.model.start_vector(), start)  # the click did not move it


def test_a_click_on_the_curve_inspects_a_minimum_and_draws_its_parabola(qtbot, window) -> None:
    use_function(qtbot, window, "x**2 - 2*x", {"x": 3.0})
    plot = window.function_plot
    x = 1.0
    inspect_by_click(qtbot, window, plot, x, 0.0)
    inspection = window.closer.inspect.inspection
    clicked = float(inspection.point[0])
    assert clicked == pytest.approx(x, abs=0.02 * np.ptp(plot.plotItem.vb.viewRange()[0]))
    assert inspection.hessian[0, 0] == 2.0 and inspection.kind == "minimum"
    # The parabola of x² − 2x is the function itself: its vertex is the minimum (1, −1).
    overlay = window.closer.inspect.overlay_of(plot)
    assert isinstance(overlay, ParabolaOverlay)
    assert overlay.vertex_point == pytest.approx((1.0, -1.0))
    xs, ys = overlay.curve.xData, overlay.curve.yData
    assert len(xs) > 100 and np.allclose(ys, xs**2 - 2 * xs)
    assert overlay.label.isVisible() and "f″ = 2" in overlay.label.toPlainText()
    window.closer.inspect.inspect_at(np.array([1.0]))  # exactly the minimum
    text = panel_text(window)
    assert text.startswith("At x = 1: a minimum: the curve bends up (f″ = 2).")
    assert "f −1 f′ 0 f″ 2" in text
    assert "its bottom is at 1" in text and "stable here while α < 2/λmax = 1" in text
    dock = window.findChild(QDockWidget, "curvatureDock")
    assert dock.isVisible()

    window.closer.inspect.inspect_at(np.array([3.0]))  # not stationary: said so, with f′
    text = panel_text(window)
    assert "not a stationary point (the slope is 4)" in text
    assert overlay.vertex_point == pytest.approx((1.0, -1.0))  # c − f′/f″ = 3 − 4/2

    QTest.keyClick(window, Qt.Key.Key_Escape)  # Esc clears the drawing and the tool
    assert window.closer.inspect.inspection is None
    assert overlay.vertex_point is None and overlay.curve.xData is None
    assert not overlay.label.isVisible()
    assert not window.registry.action("actionInspect").isChecked()
    assert plot.pick_handler is None and not dock.isVisible()


def test_a_maximum_in_one_variable(qtbot, window) -> None:
    use_function(qtbot, window, "-(x - 1)**2 + 4", {"x": 0.0})
    inspection = window.closer.inspect.inspect_at(np.array([1.0]))
    assert inspection.kind == "maximum" and inspection.eigenvalues.tolist() == [-2.0]
    overlay = window.closer.inspect.overlay_of(window.function_plot)
    assert overlay.vertex_point == pytest.approx((1.0, 4.0))
    assert "top at 1" in overlay.label.toPlainText()
    text = panel_text(window)
    assert "a maximum: the curve bends down (f″ = -2)" in text
    assert "no learning rate overshoots here (λmax ≤ 0)" in text


def test_a_saddle_on_the_map_with_its_hyperbolas_and_eigen_directions(qtbot, window) -> None:
    use_function(qtbot, window, "x**2 - y**2", {"x": 0.6, "y": 0.4})
    plot = window.contour_plot
    plot.plotItem.vb.setRange(xRange=(-2, 2), yRange=(-2, 2), padding=0)
    inspect_by_click(qtbot, window, plot, 0.0, 0.0)
    window.closer.inspect.inspect_at(np.array([0.0, 0.0]))  # exactly the saddle point
    inspection = window.closer.inspect.inspection
    assert inspection.kind == "saddle" and inspection.eigenvalues.tolist() == [-2.0, 2.0]
    text = panel_text(window)
    assert "At x = 0, y = 0: a saddle: downhill along (0, 1), uphill along (1, 0)." in text
    assert "∇f (0, 0) H [2 0; 0 −2] λ₁ −2 along (0, 1) λ₂ 2 along (1, 0)" in text

    overlay = window.closer.inspect.overlay_of(plot)
    assert isinstance(overlay, ConicOverlay)
    words = []
    for direction in overlay.directions:
        start, end = direction.ends
        along = (end - start) / np.linalg.norm(end - start)
        assert np.allclose(0.5 * (start + end), [0.0, 0.0])  # through the point
        words.append((direction.eigenvalue, tuple(np.round(np.abs(along), 12))))
        assert direction.label.isVisible()
    assert words == [(-2.0, (0.0, 1.0)), (2.0, (1.0, 0.0))]
    assert "(downhill)" in overlay.directions[0].label.toPlainText()
    assert "(uphill)" in overlay.directions[1].label.toPlainText()
    # The level set through the saddle is the pair of lines y = ±x; the others are
    # hyperbolas x² − y² = k on which the model is constant.
    xs, ys = overlay.through.xData, overlay.through.yData
    assert len(xs) > 20 and np.allclose(np.abs(xs), np.abs(ys), atol=0.05)
    xs, ys = overlay.levels.xData, overlay.levels.yData
    levels = np.unique(np.round(xs**2 - ys**2, 1))
    assert len(xs) > 100 and 4 <= len(levels) <= 12 and 0.0 not in levels


def test_a_degenerate_point_and_the_current_point_of_a_run(qtbot, window) -> None:
    use_function(qtbot, window, "x**2 + y**4", {"x": 1.0, "y": 1.0})
    inspection = window.closer.inspect.inspect_at(np.array([0.0, 0.0]))
    assert inspection.kind == "degenerate"
    assert inspection.eigenvalues.tolist() == [0.0, 2.0]
    assert ("degenerate: flat along (0, 1), uphill along (1, 0), so the second derivatives "
            "cannot tell what it is") in panel_text(window)

    window.registry.action("actionInspectCurrent").trigger()  # the run's start (1, 1)
    inspection = window.closer.inspect.inspection
    assert inspection.point.tolist() == [1.0, 1.0]
    assert inspection.hessian.tolist() == [[2.0, 0.0], [0.0, 12.0]]
    assert "stable here while α < 2/λmax = 0.16667" in panel_text(window)


def test_inspect_without_a_valid_function_says_so_in_one_sentence(qtbot, window) -> None:
    edit = window.findChild(QLineEdit, "expressionEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, "x**2 +")
    qtbot.waitUntil(lambda: not window.editor.valid, timeout=WAIT)
    assert window.closer.inspect.inspect_at(np.array([1.0])) is None
    sentence = "Nothing to inspect: type a valid function in the Problem panel first."
    assert panel_text(window) == sentence
    assert window.statusBar().currentMessage() == sentence


def test_a_point_where_the_function_is_undefined(qtbot, window) -> None:
    use_function(qtbot, window, "log(x)", {"x": 2.0})
    assert window.closer.inspect.inspect_at(np.array([-1.0])) is None
    text = panel_text(window)
    assert text.startswith("Cannot inspect: ") and "x = -1" in text
    assert text.count(".") == 1 and "\n" not in text
    assert window.closer.inspect.overlay_of(window.function_plot) is None


def test_the_current_point_of_a_data_fit_is_inspected_as_numbers(qtbot, window) -> None:
    from tests.qt.data.test_data_mode import to_data_mode

    to_data_mode(qtbot, window)  # five points on y = 2x + 1; m*x + b, m fixed, b from 10
    qtbot.waitUntil(lambda: window.model.objective.hessian_ready, timeout=WAIT)
    window.registry.action("actionInspectCurrent").trigger()
    inspection = window.closer.inspect.inspection
    assert inspection is not None and inspection.param_names == ("b",)
    # SSE = Σ (yᵢ − 2xᵢ − b)²: its second derivative in b is 2 · 5 rows = 10.
    assert inspection.point.tolist() == [10.0] and inspection.hessian.tolist() == [[10.0]]
    assert "stable here while α < 2/λmax = 0.2" in panel_text(window)
    assert window.closer.inspect.overlay_of(window.function_plot) is None  # numbers only


def test_a_point_asked_for_as_the_function_arrives_is_inspected_once_it_can_be(
        qtbot, window) -> None:
    """Asked for the moment the new function is in (its Hessian may still be worked out
    in the background): the point is inspected as soon as the second derivatives exist."""
    tool = window.closer.inspect
    asked: list[object] = []

    def ask() -> None:
        if window.model.expression_text == "x**3*y - 3*x*y**2" and not asked:
            asked.append(tool.inspect_at(np.array([1.0, 1.0])))

    window.model.problemChanged.connect(ask)
    edit = window.findChild(QLineEdit, "expressionEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, "x**3*y - 3*x*y**2")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tool.inspection is not None, timeout=WAIT)
    window.model.problemChanged.disconnect(ask)
    # H = [[6xy, 3x² − 6y], [3x² − 6y, −6x]] = [[6, −3], [−3, −6]] at (1, 1).
    assert tool.inspection.hessian.tolist() == [[6.0, -3.0], [-3.0, -6.0]]
    assert tool.inspection.kind == "saddle"
