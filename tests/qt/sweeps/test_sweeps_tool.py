"""Run ▸ Sweep…: the finder, the phase map and the basins on the real window and engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication, QLineEdit
from shiboken6 import isValid

from gdstudio.api import descend
from gdstudio.api_sweep import sweep
from gdstudio.qt.sweeps.finder import FinderPanel
from gdstudio.qt.sweeps.jobs import settled_kinds
from gdstudio.qt.sweeps.phase import DIVERGED_COLOUR
from gdstudio.qt.sweeps.window import SweepsWindow
from tests.qt.helpers import WAIT, wait_for_problem, window

__all__ = ["window"]

HIMMELBLAU_MINIMA = np.array([[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186],
                              [3.584428, -1.848126]])
SWEEP_WAIT = 120_000


@pytest.fixture
def tool(qtbot, window) -> SweepsWindow:
    window.registry.action("actionSweep").trigger()
    opened = window.sweeps.tool
    qtbot.waitExposed(opened)
    yield opened
    if isValid(opened):
        opened.close()


def compute(qtbot, tool: SweepsWindow, tab: int) -> object:
    tool.tabs.setCurrentIndex(tab)
    before = tool.panel.result
    assert tool.compute(), tool.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not tool.busy, timeout=SWEEP_WAIT)
    assert tool.panel.result is not before, tool.statusBar().currentMessage()
    return tool.panel.result


def click(qtbot, plot, x: float, y: float) -> None:
    """Click the view point (x, y), once the plot's range and layout have settled (pyqtgraph
    fits a new range when it next paints: a position read before would miss the point)."""
    def settled() -> bool:
        before = plot.data_to_widget(x, y)
        plot.repaint()
        QApplication.processEvents()
        return plot.data_to_widget(x, y) == before

    qtbot.waitUntil(settled, timeout=WAIT)
    position = plot.data_to_widget(x, y).toPoint()
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=position)


def open_example(qtbot, window, name: str, expression: str) -> None:
    assert window.examples.open_example(name)
    wait_for_problem(qtbot, window, expression)


# ---------------------------------------------------------------- finder
def test_run_menu_opens_one_sweeps_tool_with_three_pictures(qtbot, window, tool) -> None:
    assert [tool.tabs.tabText(i) for i in range(3)] == [
        "Learning-rate finder", "Phase map", "Basins of attraction"]
    assert tool.isVisible() and tool.parent() is window
    assert window.sweeps.open() is tool  # one tool at a time
    assert tool.steps.value() == window.model.stopping.max_iter == 100  # the x² tutorial's
    assert float(tool.tolerance.text()) == window.model.stopping.tol_step == 1e-4


def test_finder_on_x_squared_shades_the_rates_above_two_over_lambda_max(qtbot, tool) -> None:
    tool.finder.rate_count.setValue(21)
    result = compute(qtbot, tool, 0)
    assert result.limit == 1.0  # 2/λmax with λmax = 2
    rates, status = result.rates[0], result.status[0]
    assert result.optimizers == ("gd",) and len(rates) == 21
    assert rates[0] == pytest.approx(1e-3) and rates[-1] == pytest.approx(10.0)
    # |1 − 2α| > 1 exactly when α > 1: those runs diverge, the others do not.
    assert (status == "diverged").tolist() == (rates > 1.0).tolist()
    regions = [item for item in tool.finder.plot.plotItem.items
               if type(item).__name__ == "LinearRegionItem"]
    assert len(regions) == 1
    low, high = (10 ** v for v in regions[0].getRegion())
    assert rates[rates < 1].max() < low < 1.0 * 1.6 and low > 1.0 and high == pytest.approx(10.0)
    assert "2/λmax = 1" in tool.finder.note.text()
    # Each point is the number a single run gives.
    for index in (3, 12):
        single = descend("x**2", {"x": 3.0}, lr=float(rates[index]), max_iter=100,
                         tol_step=1e-4)
        assert str(single.status) == status[index]
        assert single.iterations == result.iterations[0, index]
        assert single.loss == pytest.approx(result.loss[0, index], rel=1e-12, abs=1e-300)


def test_steps_toggle_and_one_curve_per_optimizer(qtbot, tool) -> None:
    finder: FinderPanel = tool.finder
    finder.rate_count.setValue(12)
    finder.checks["adam"].setChecked(True)
    result = compute(qtbot, tool, 0)
    assert result.optimizers == ("gd", "adam")
    curves = finder.plot.plotItem.listDataItems()
    assert [c.name() for c in curves if c.name()] == ["Gradient descent", "Adam"]
    finder.metric.setCurrentIndex(1)  # steps to converge
    assert finder.plot.plotItem.getAxis("left").labelText == "steps to converge"
    gd = finder.plot.plotItem.listDataItems()[0]
    converged = result.status[0] == "converged"
    assert np.array_equal(gd.yData, result.iterations[0][converged].astype(float))


def test_click_a_point_to_use_its_rate_in_the_main_window(qtbot, window, tool) -> None:
    finder = tool.finder
    finder.rate_count.setValue(15)
    result = compute(qtbot, tool, 0)
    index = 8  # a converging rate
    assert result.status[0, index] == "converged"
    rate = float(result.rates[0, index])
    value = math.log10(finder.values(0)[index]) if finder._log_y else finder.values(0)[index]
    click(qtbot, finder.plot, math.log10(rate), value)
    assert window.model.learning_rate == rate
    assert window.model.optimizer == "gd"
    assert finder.chosen == ("gd", rate)


def test_finder_tries_newton_around_one_and_armijo_around_the_windows_rate(
        qtbot, window, tool) -> None:
    finder: FinderPanel = tool.finder
    finder.rate_count.setValue(16)
    finder.checks["newton"].setChecked(True)
    finder.checks["armijo"].setChecked(True)
    result = compute(qtbot, tool, 0)
    assert result.optimizers == ("gd", "newton", "armijo")
    assert [c.name() for c in finder.plot.plotItem.listDataItems() if c.name()] == [
        "Gradient descent", "Newton's method", "Gradient descent with line search (Armijo)"]
    newton, armijo = result.rates[1], result.rates[2]
    assert newton[0] == pytest.approx(0.01) and newton[-1] == pytest.approx(10.0)
    centre = window.model.learning_rate  # the x² tutorial's 0.1
    assert armijo[0] == pytest.approx(centre / 100) and armijo[-1] == pytest.approx(centre * 100)
    # On x² Newton's step is α·x: |1 − α| > 1, a divergence, exactly when α > 2.
    assert (result.status[1] == "diverged").tolist() == (newton > 2.0).tolist()
    assert f"Newton's method diverges from α = {newton[newton > 2].min():.3g};" in (
        finder.note.text())
    for row, index in ((1, 7), (1, 12), (2, 3), (2, 15)):
        name = result.optimizers[row]
        single = descend("x**2", {"x": 3.0}, optimizer=name, lr=float(result.rates[row, index]),
                         max_iter=100, tol_step=1e-4)
        assert str(single.status) == result.status[row, index]
        assert single.iterations == result.iterations[row, index]
        assert single.loss == result.loss[row, index]
    one = int(np.argmin(np.abs(np.log(newton))))  # the rate nearest 1: the fewest steps
    finder.metric.setCurrentIndex(1)
    assert finder.values(1)[one] == np.nanmin(finder.values(1))
    finder.pick(1, one)
    assert window.model.optimizer == "newton"
    assert window.model.learning_rate == float(newton[one])


def test_cancel_stops_the_sweep_and_keeps_the_picture(qtbot, tool) -> None:
    first = compute(qtbot, tool, 0)
    tool.finder.rate_count.setValue(400)
    tool.steps.setValue(100_000)
    tool.tolerance.setText("1e-300")  # the smallest rates would take ~10⁵ steps
    tool.runner.progressed.connect(lambda _fraction: tool.cancel())
    with qtbot.waitSignal(tool.runner.cancelled, timeout=SWEEP_WAIT):
        assert tool.compute()
        assert tool.busy and tool.cancel_button.isEnabled()
    assert not tool.busy and tool.compute_button.isEnabled()
    assert tool.finder.result is first
    assert tool.statusBar().currentMessage().startswith("Cancelled")


# ---------------------------------------------------------------- phase map
def test_phase_map_on_x_squared_marks_the_diverged_cells(qtbot, window, tool) -> None:
    phase = tool.phase
    phase.rate_count.setValue(9)
    phase.value_count.setValue(5)
    result = compute(qtbot, tool, 1)
    assert result.status.shape == (9, 5) and result.hyperparameter == "momentum"
    assert np.allclose(result.values, np.linspace(0, 0.99, 5))
    rate, mu = np.meshgrid(result.rates, result.values, indexing="ij")
    diverged = result.status == "diverged"
    # Heavy ball on x² (λ = 2) is stable exactly for α < 1 + μ.
    assert (rate[diverged] > 1 + mu[diverged]).all()
    assert diverged[rate > 1.2 * (1 + mu)].all() and diverged.any()
    overlay = phase._overlay.image  # row-major: [value, rate]
    red = [int(DIVERGED_COLOUR[k:k + 2], 16) for k in (1, 3, 5)]
    assert (overlay[diverged.T][:, :3] == red).all() and (overlay[diverged.T][:, 3] == 255).all()
    assert (overlay[(result.status == "converged").T][:, 3] == 0).all()
    assert len(phase._crosses.data) == diverged.sum()
    # The colour bar's top label (the most steps) is level with the plot's top: room above.
    label_height = QFontMetricsF(phase._bar.axis.style["tickFont"] or phase.font()).height()
    assert phase.plot.plotItem.getContentsMargins()[1] >= label_height / 2
    # A click on a cell sets optimizer, rate and momentum in the main window.
    i, j = 2, 3
    click(qtbot, phase.plot, math.log10(result.rates[i]), result.values[j])
    assert window.model.optimizer == "momentum"
    assert window.model.learning_rate == float(result.rates[i])
    assert window.model.effective_hyperparameters()["momentum"] == float(result.values[j])


def test_adam_phase_map_sweeps_beta1(qtbot, window, tool) -> None:
    phase = tool.phase
    phase.optimizer.setCurrentIndex(phase.optimizer.findData("adam"))
    phase.rate_count.setValue(4)
    phase.value_count.setValue(3)
    result = compute(qtbot, tool, 1)
    assert result.optimizer == "adam" and result.hyperparameter == "beta1"
    assert phase.plot.plotItem.getAxis("left").labelText == "β₁ (Adam's momentum)"
    single = descend("x**2", {"x": 3.0}, optimizer="adam", lr=float(result.rates[2]),
                     beta1=float(result.values[1]), max_iter=100, tol_step=1e-4)
    assert str(single.status) == result.status[2, 1]
    assert single.iterations == result.iterations[2, 1]
    phase.pick(2, 1)
    assert window.model.optimizer == "adam"
    assert window.model.effective_hyperparameters()["beta1"] == float(result.values[1])


# ---------------------------------------------------------------- basins
def test_basins_of_the_two_minima_example(qtbot, window, tool) -> None:
    open_example(qtbot, window, "two_minima_right", "x**4 - 3*x**2 + x")
    window.function_plot.setXRange(-2.0, 2.0, padding=0)
    tool.basins.grid.setValue(40)
    result = compute(qtbot, tool, 2)
    basins = result.basins
    assert np.allclose(basins.minima[:, 0], [-1.3008, 1.1309], atol=1e-3)
    assert result.kinds == ("minimum", "minimum")
    starts = result.axes[0]
    labels = result.labels
    assert (labels[starts < 0] == 0).all() and (labels[starts > 0.3] == 1).all()
    for index in (5, 33):  # each cell is the run descend makes from there
        single = descend("x**4 - 3*x**2 + x", {"x": float(starts[index])}, lr=0.01,
                         max_iter=1000, tol_step=1e-6)
        assert single.iterations == result.iterations[index]
        assert single.params["x"] == pytest.approx(result.finals[index, 0], abs=1e-12)
    # A click on a cell starts the main window's run there.
    click(qtbot, tool.basins.plot, float(starts[7]), 0.0)
    assert window.model.start == {"x": float(starts[7])}


def test_himmelblau_has_four_basins(qtbot, window, tool) -> None:
    open_example(qtbot, window, "himmelblau", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2")
    window.contour_plot.setRange(xRange=(-5, 5), yRange=(-5, 5), padding=0)
    tool.basins.grid.setValue(30)
    (left, right), (bottom, top) = tool.basins.source.region()  # the view, read by compute
    result = compute(qtbot, tool, 2)
    basins = result.basins
    assert len(basins.minima) == 4 and (basins.counts > 0).all()
    nearest = np.linalg.norm(basins.minima[:, None] - HIMMELBLAU_MINIMA[None], axis=2)
    assert np.allclose(nearest.min(axis=0), 0, atol=1e-2)  # each known minimum found once
    assert left <= -4.5 and right >= 4.5  # about the region set (its aspect may widen it)
    assert result.axes[0][0] == pytest.approx(left + (right - left) / 60)
    assert result.axes[1][-1] == pytest.approx(top - (top - bottom) / 60)
    assert "reach 4 minima" in tool.basins.note.text()
    assert result.kinds == ("minimum",) * 4 and "not a minimum" not in tool.basins.note.text()
    # The start in the cell around (3, 2) reaches that minimum.
    i = int(np.argmin(np.abs(result.axes[0] - 3.0)))
    j = int(np.argmin(np.abs(result.axes[1] - 2.0)))
    assert np.allclose(basins.minima[result.labels[i, j]], [3, 2], atol=1e-2)
    click(qtbot, tool.basins.plot, float(result.axes[0][i]), float(result.axes[1][j]))
    assert window.model.start == {"x": float(result.axes[0][i]), "y": float(result.axes[1][j])}


def test_newtons_basins_of_himmelblau_are_not_gradient_descents(qtbot, window, tool) -> None:
    expression = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
    open_example(qtbot, window, "himmelblau", expression)
    window.contour_plot.setRange(xRange=(-5, 5), yRange=(-5, 5), padding=0)
    tool.basins.grid.setValue(20)
    gd = compute(qtbot, tool, 2)
    window.model.set_optimizer("newton")
    window.model.set_learning_rate(1.0)
    newton = compute(qtbot, tool, 2)
    assert newton.kinds == ("minimum",) * len(newton.basins.minima)  # no saddle, no maximum
    nearest = np.linalg.norm(newton.basins.minima[:, None] - HIMMELBLAU_MINIMA[None], axis=2)
    assert np.allclose(nearest.min(axis=1), 0, atol=1e-2)
    reached = newton.basins.minima[newton.labels]  # the minimum of each cell, as points
    reached_gd = gd.basins.minima[gd.labels]
    settled = (newton.status == "converged") & (gd.status == "converged")
    apart = np.linalg.norm(reached - reached_gd, axis=-1) > 0.1
    assert (settled & apart).any()  # the classic picture: Newton's basins are not GD's
    i, j = 4, 15  # each cell is the run descend makes from there
    single = descend(expression, {"x": float(newton.axes[0][i]), "y": float(newton.axes[1][j])},
                     optimizer="newton", max_iter=window.model.stopping.max_iter,
                     tol_step=float(tool.tolerance.text()))
    assert str(single.status) == newton.status[i, j]
    assert single.iterations == newton.iterations[i, j]


def test_basins_refuse_three_variables_in_one_sentence(qtbot, window, tool) -> None:
    window.editor.expressionSubmitted.emit("x**2 + y**2 + z**2")
    wait_for_problem(qtbot, window, "x**2 + y**2 + z**2")
    tool.tabs.setCurrentIndex(2)
    assert not tool.compute()
    sentence = tool.basins.note.text()
    assert sentence == ("Cannot compute: basins of attraction need a function of one or two "
                        "variables, and this is a function of 3 variables.")
    assert tool.statusBar().currentMessage() == sentence and not tool.busy


def test_a_bad_tolerance_or_no_optimizer_is_one_sentence(qtbot, tool) -> None:
    tool.tolerance.setText("small")
    assert not tool.compute()
    assert tool.finder.note.text() == ("Cannot compute: the step tolerance must be a number "
                                       "such as 1e-6, not 'small'.")
    tool.tolerance.setText("1e-6")
    for check in tool.finder.checks.values():
        check.setChecked(False)
    assert not tool.compute() and not tool.busy
    assert tool.finder.note.text() == ("Cannot compute: choose at least one optimizer for the "
                                       "learning-rate finder.")


def test_newton_on_a_function_without_second_derivatives_is_one_sentence(
        qtbot, window, tool) -> None:
    edit = window.findChild(QLineEdit, "expressionEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, "abs(x) + x**2")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    wait_for_problem(qtbot, window, "abs(x) + x**2")
    tool.finder.checks["newton"].setChecked(True)
    with qtbot.waitSignal(tool.runner.failed, timeout=SWEEP_WAIT):
        assert tool.compute()
    qtbot.waitUntil(lambda: not tool.busy, timeout=SWEEP_WAIT)
    assert tool.finder.note.text() == ("Cannot compute: newton needs second derivatives, and "
                                       "this function has none: choose another optimizer.")


# ---------------------------------------------------------------- export and closing
def test_exports_png_svg_and_csv_of_the_picture(qtbot, window, tool, tmp_path) -> None:
    assert not tool.export_csv(tmp_path / "none.csv")  # nothing computed yet
    tool.phase.rate_count.setValue(4)
    tool.phase.value_count.setValue(3)
    result = compute(qtbot, tool, 1)
    paths = [tmp_path / "phase.png", tmp_path / "phase.svg", tmp_path / "phase"]
    window.projects.dialogs.save_paths.extend(paths)
    assert tool.ask_png() and tool.ask_svg() and tool.ask_csv()
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths[1].read_text(encoding="utf-8")
    rows = (tmp_path / "phase.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "learning_rate,momentum,status,steps,final_loss"
    assert len(rows) == 1 + 12
    first = rows[1].split(",")
    assert float(first[0]) == result.rates[0] and first[2] == result.status[0, 0]
    assert int(first[3]) == result.iterations[0, 0]


def test_closing_the_main_window_stops_a_running_sweep(qtbot, window, tool) -> None:
    runner = tool.runner
    thread = runner._thread
    tool.finder.rate_count.setValue(400)
    tool.steps.setValue(100_000)
    tool.tolerance.setText("1e-300")
    with qtbot.waitSignal(runner.progressed, timeout=SWEEP_WAIT):
        assert tool.compute()
    window.close()
    assert thread.isFinished()
    assert window.sweeps.tool is None or not window.sweeps.tool.isVisible()


# ---------------------------------------------------------------- data mode
def test_finder_and_phase_map_sweep_a_data_problem(qtbot, window, tool) -> None:
    from gdstudio.api import fit
    from gdstudio.problems.gallery import example

    assert window.examples.open_example("tutorial_intercept")
    qtbot.waitUntil(lambda: window.data_mode.ready and window.session.active
                    and window.session.param_names == ("b",), timeout=WAIT)
    tool.finder.rate_count.setValue(12)
    result = compute(qtbot, tool, 0)
    assert result.limit == pytest.approx(0.2)  # 2/λmax, λmax = 10 (the SSE in b)
    assert (result.status[0] == "diverged").tolist() == (result.rates[0] > 0.2).tolist()
    tutorial = example("tutorial_intercept").experiment
    index = 6
    single = fit(tutorial.model, tutorial.dataset, target=tutorial.target, start=tutorial.start,
                 fixed=dict(tutorial.fixed), loss=tutorial.loss, lr=float(result.rates[0, index]),
                 max_iter=30, tol_step=float(tool.tolerance.text()))
    assert str(single.status) == result.status[0, index]
    assert single.loss == pytest.approx(result.loss[0, index], rel=1e-12)
    phase = compute(qtbot, tool, 1)
    assert phase.status.shape == (30, 20)
    tool.tabs.setCurrentIndex(2)
    assert not tool.compute()
    assert tool.basins.note.text().endswith("and this is a data problem.")


def test_settled_points_are_classified_by_their_hessian() -> None:
    """A run also stops near a saddle (its slope is zero too): the tool must not call that a
    minimum. Himmelblau's saddle and maximum are known to 6 digits."""
    run = sweep("(x**2 + y - 11)**2 + (x + y**2 - 7)**2", {"x": [3.0], "y": [2.0]}, max_iter=1)
    points = np.array([[3.0, 2.0], [0.0866775, 2.88425], [-0.270845, -0.923039]])
    assert settled_kinds(run.objective, points) == ("minimum", "saddle", "maximum")
    assert settled_kinds(run.objective, np.array([[np.inf, 0.0]])) == ("unknown",)
