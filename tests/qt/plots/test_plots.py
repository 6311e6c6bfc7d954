"""The plots: what they draw, NaN/inf tolerance, a million rows, redraw on zoom, clicks.

Warnings are errors here: a plot must never print a numpy warning for a diverged run.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gdstudio.engine.history import History, HistoryBlock
from gdstudio.qt.plots import (
    ContourPlot,
    FunctionPlot,
    ParameterTracesPlot,
    SurfaceFunction,
    TracesPanel,
    contour,
)
from gdstudio.qt.plots import common as common_module
from gdstudio.qt.plots.common import PathPen, PeakDecimator, evaluate_surface
from gdstudio.qt.plots.contour import isoline_segments, log_relief
from gdstudio.qt.plots.theme import PlotTheme, apply_plot_theme

pytestmark = pytest.mark.filterwarnings("error")

PARABOLA = SurfaceFunction(("x",), lambda x: x**2)
ROSENBROCK = SurfaceFunction(("x", "y"), lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2)
BOWL = SurfaceFunction(("x", "y"), lambda x, y: x**2 + 3 * y**2)
MOVED_BOWL = SurfaceFunction(("x", "y"), lambda x, y: (x - 0.5) ** 2 + 3 * y**2)


def history_of(params: np.ndarray, loss: np.ndarray, grad: np.ndarray, lr=0.1) -> History:
    n = len(loss)
    history = History(params.shape[1], capacity=max(n + 64, 1))  # room to push a few rows
    rates = np.broadcast_to(np.asarray(lr, dtype=float), (n,)).copy()
    rates[-1:] = np.nan
    block = HistoryBlock(0, params, loss, grad, rates, np.full(n, 0.1), np.zeros(n, np.int64))
    history.write_block(block)
    return history


def x_squared(steps: int = 10) -> History:
    """Gradient descent on x² from 3 with rate 0.1: x_k = 3·0.8^k."""
    x = 3.0 * 0.8 ** np.arange(steps + 1)
    return history_of(x[:, None], x**2, 2 * x[:, None])


def bowl_path(steps: int = 30) -> History:
    k = np.arange(steps + 1)
    params = np.column_stack([2.0 * 0.8**k, 1.5 * 0.4**k])
    return history_of(params, params[:, 0] ** 2 + 3 * params[:, 1] ** 2, params * [2.0, 6.0])


def diverged(history: History) -> History:
    """The history followed by a huge row and a non-finite one, as a blow-up ends."""
    p = history.n_params
    rows = [np.full(p, 1e200), np.full(p, np.inf)]
    for params, loss in zip(rows, [1e300, np.nan], strict=True):
        history.push(0.1, np.inf, params, loss, params, 0)
    return history


def million(p: int) -> History:
    n = 1_000_000
    k = np.arange(n, dtype=float)
    decay = np.exp(-k / 3e5)
    params = np.column_stack([3 * np.cos(k / 5e4) * decay, 2 * np.sin(k / 5e4) * decay])[:, :p]
    return history_of(params, (params**2).sum(axis=1), 2 * params)


def click(qtbot, plot, x: float, y: float) -> None:
    """A real left click (press and release) on the viewport at the data point (x, y)."""
    position = plot.data_to_widget(x, y).toPoint()
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), position)


def shown(qtbot, widget, size=(700, 500)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def data(item) -> tuple[np.ndarray, np.ndarray]:
    """The points given to a plot item (before pyqtgraph's own clipping and log mapping)."""
    xs, ys = item.xData, item.yData
    return (np.empty(0), np.empty(0)) if xs is None else (xs, ys)


# ------------------------------------------------------------------ FunctionPlot
def test_function_plot_draws_curve_path_point_and_tangent(qtbot) -> None:
    plot = shown(qtbot, FunctionPlot())
    history = x_squared(10)
    plot.set_source(PARABOLA)
    plot.set_history(history)
    xs, ys = data(plot._path)
    np.testing.assert_allclose(xs, history.params[:, 0])
    np.testing.assert_allclose(ys, history.loss)
    point_x, point_y = data(plot._point)
    assert point_x[0] == pytest.approx(3 * 0.8**10) and point_y[0] == pytest.approx(9 * 0.64**10)
    tangent_x, tangent_y = data(plot._tangent)
    slope = (tangent_y[1] - tangent_y[0]) / (tangent_x[1] - tangent_x[0])
    assert slope == pytest.approx(2 * 3 * 0.8**10)
    curve_x, curve_y = data(plot._curve)
    np.testing.assert_allclose(curve_y, curve_x**2)
    (left, right), (bottom, top) = plot.plotItem.vb.viewRange()
    assert left < 0 < 3 < right and bottom < 0 and top > 9  # the start and the bottom show
    assert curve_x.min() <= left and curve_x.max() >= right
    assert plot.plotItem.getAxis("bottom").labelText == "x"
    assert plot.plotItem.getAxis("left").labelText == "f(x)"


def test_function_plot_recomputes_the_curve_after_a_pan(qtbot) -> None:
    plot = shown(qtbot, FunctionPlot())
    plot.set_source(PARABOLA)
    plot.set_history(x_squared(5))
    plot.plotItem.vb.setXRange(40, 60, padding=0)
    qtbot.waitUntil(lambda: data(plot._curve)[0].min() <= 40 and data(plot._curve)[0].max() >= 60)
    xs, ys = data(plot._curve)
    np.testing.assert_allclose(ys, xs**2)


@pytest.mark.parametrize("rows", [0, 1])
def test_function_plot_short_histories(qtbot, rows: int) -> None:
    plot = shown(qtbot, FunctionPlot())
    plot.set_source(PARABOLA)
    history = x_squared(0) if rows else History(1)
    plot.set_history(history)
    assert len(data(plot._path)[0]) == rows
    assert len(data(plot._point)[0]) == rows
    plot.grab()


def test_function_plot_survives_a_diverged_run(qtbot) -> None:
    plot = shown(qtbot, FunctionPlot())
    plot.set_source(PARABOLA)
    history = diverged(x_squared(5))
    plot.set_history(history)
    for item in (plot._path, plot._visits, plot._point, plot._tangent):
        xs, ys = data(item)
        assert np.isfinite(xs).all() and np.isfinite(ys).all()
    assert data(plot._point)[0][0] == pytest.approx(3 * 0.8**5)  # the last finite point
    plot.grab()


def test_function_plot_tolerates_failing_and_partial_functions(qtbot) -> None:
    def broken(x):
        raise ZeroDivisionError("no")

    plot = shown(qtbot, FunctionPlot())
    plot.set_source(SurfaceFunction(("x",), broken))
    plot.set_history(x_squared(3))
    plot.set_source(SurfaceFunction(("x",), lambda x: np.log(x)))  # NaN for x ≤ 0
    plot.grab()
    plot.set_source(SurfaceFunction(("x",), lambda x: 5.0))  # a constant broadcasts
    assert len(data(plot._curve)[0]) > 0
    plot.set_source(None)
    assert len(data(plot._curve)[0]) == 0


def test_function_plot_click_picks_x(qtbot) -> None:
    plot = shown(qtbot, FunctionPlot())
    plot.set_source(PARABOLA)
    plot.set_history(x_squared(5))
    with qtbot.waitSignal(plot.pointPicked, timeout=2000) as picked:
        click(qtbot, plot, 1.5, 4.0)
    (left, right), _ = plot.plotItem.vb.viewRange()
    pixel = (right - left) / plot.plotItem.vb.width()
    assert picked.args[0] == pytest.approx(1.5, abs=2 * pixel)


def test_function_plot_a_million_rows(qtbot) -> None:
    plot = shown(qtbot, FunctionPlot())
    plot.set_source(PARABOLA)
    history = million(1)
    plot.set_history(history)
    for _ in range(10):
        history.push(0.1, 0.0, history.params[-1] * 0.5, 0.0, history.grad[-1], 0)
        plot.set_history(history)
    xs, _ = data(plot._path)
    assert len(xs) < 10_000
    assert xs[-1] == history.params[-1, 0]
    assert xs.min() == history.params[:, 0].min() and xs.max() == history.params[:, 0].max()


# ------------------------------------------------------------------- ContourPlot
def rosenbrock_path() -> History:
    t = np.linspace(0, 1, 200)[:, None]
    params = (1 - t) * np.array([-1.5, 2.0]) + t * np.array([1.0, 1.0])
    params[:, 1] = np.where(t[:, 0] < 0.1, params[:, 1], params[:, 0] ** 2)
    loss = ROSENBROCK.evaluate_grid(params[:, 0], params[:, 1])
    x, y = params.T
    grad = np.column_stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
    return history_of(params, loss, grad)


def test_contour_initial_view_shows_start_and_minimum(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(ROSENBROCK)
    plot.set_history(_first_rows(rosenbrock_path(), 1))
    (left, right), (bottom, top) = plot.plotItem.vb.viewRange()
    assert left < -1.5 < 1.0 < right and bottom < 1.0 < 2.0 < top
    image = plot._image.image
    assert image.shape == (200, 200) and np.isfinite(image).all()
    rect = plot.grid_rect
    assert rect.left() <= left and rect.right() >= right
    assert plot.plotItem.getAxis("bottom").labelText == "x"
    assert plot.plotItem.getAxis("left").labelText == "y"


def _first_rows(history: History, n: int) -> History:
    history.truncate(n)
    return history


def test_contour_recomputes_for_the_visible_region(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(ROSENBROCK)
    plot.set_history(rosenbrock_path())
    before = plot._image.image.copy()
    plot.plotItem.vb.setRange(xRange=(5, 7), yRange=(20, 22), padding=0)
    qtbot.waitUntil(lambda: plot.grid_rect.contains(6.0, 21.0))
    rect = plot.grid_rect
    assert rect.left() <= 5 and rect.right() >= 7 and rect.top() <= 20 and rect.bottom() >= 22
    assert not np.array_equal(before, plot._image.image)
    xs, _ = data(plot._isolines)
    assert len(xs) > 0 and len(xs) % 2 == 0


def test_contour_recomputes_once_for_a_burst_of_changes(qtbot, monkeypatch) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    plot.set_history(bowl_path())
    qtbot.waitUntil(lambda: not plot.recompute_pending)  # the first layout's recompute
    calls = []
    original = plot._draw_map
    monkeypatch.setattr(plot, "_draw_map", lambda: (calls.append(1), original()))
    # A long wait, so that a busy machine cannot split the burst in two; then a short one.
    plot._timer.setInterval(60_000)
    for shift in range(20):
        plot.plotItem.vb.setRange(xRange=(shift, shift + 2), yRange=(0, 2), padding=0)
        QApplication.processEvents()  # pyqtgraph's deferred range signals arrive here
    assert plot.recompute_pending and not calls  # coalesced: nothing drawn yet
    plot._timer.setInterval(0)  # restarts the one pending recompute
    qtbot.waitUntil(lambda: len(calls) == 1)
    QApplication.processEvents()
    assert not plot.recompute_pending  # none left to come: one recompute for the burst
    assert len(calls) == 1
    assert plot.grid_rect.contains(20.0, 1.0)


def test_a_new_function_and_its_run_make_one_map(qtbot, monkeypatch) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    plot.set_history(bowl_path())
    qtbot.waitUntil(lambda: not plot.recompute_pending)
    made = []
    make = contour.map_layers
    monkeypatch.setattr(contour, "map_layers",
                        lambda source, rect: (made.append(rect), make(source, rect))[1])
    plot.set_source(ROSENBROCK)  # a new function and its new run, in one pass as the
    plot.set_history(rosenbrock_path())  # window gives them
    QApplication.processEvents()
    assert len(made) == 1 and not plot.recompute_pending
    (left, right), (bottom, top) = plot.plotItem.vb.viewRange()
    assert plot.grid_rect.contains(QRectF(left, bottom, right - left, top - bottom))
    assert plot.grid_rect.contains(1.0, 1.0)  # Rosenbrock's minimum, on its own map
    plot.set_source(BOWL)  # a function alone: its map follows by the recompute timer
    qtbot.waitUntil(lambda: len(made) == 2)
    assert not plot.recompute_pending


def test_contour_arrow_points_downhill(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    history = bowl_path(3)
    plot.set_history(history)
    xs, ys = data(plot._arrow_line)
    direction = np.array([xs[1] - xs[0], ys[1] - ys[0]])
    gradient = history.grad[-1]
    cosine = direction @ gradient / np.linalg.norm(direction) / np.linalg.norm(gradient)
    assert cosine == pytest.approx(-1.0, abs=1e-6)
    assert (xs[0], ys[0]) == tuple(history.params[-1])
    assert plot._arrow_head.isVisible()
    assert plot._arrow_head.pos().x() == pytest.approx(xs[1])


def test_contour_arrow_vanishes_at_a_minimum(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    plot.set_history(bowl_path(60))  # |∇f| a hundred-millionth of the start's
    assert len(data(plot._arrow_line)[0]) == 0 and not plot._arrow_head.isVisible()


def test_contour_survives_diverged_runs_and_partial_functions(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(SurfaceFunction(("x", "y"), lambda x, y: np.log(x) + y**2))
    plot.set_history(diverged(bowl_path(5)))
    for item in (plot._path, plot._visits, plot._point, plot._arrow_line):
        xs, ys = data(item)
        assert np.isfinite(xs).all() and np.isfinite(ys).all()
    assert np.isnan(plot._image.image).any()  # log of x ≤ 0 is left blank
    plot.grab()
    plot.set_history(History(2))
    assert len(data(plot._path)[0]) == 0
    plot.set_source(None)
    plot.grab()


def test_contour_draws_one_recent_visit_per_pixel_while_live(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    plot.set_history(bowl_path(400))  # the last 300 steps crept into the minimum
    assert len(data(plot._visits)[0]) == contour.RECENT_POINTS
    plot.set_live(True)  # a run streams in
    plot.set_history(bowl_path(400))
    xs, ys = data(plot._visits)
    width, height = plot.plotItem.vb.viewPixelSize()
    recent = bowl_path(400).params[-contour.RECENT_POINTS:]

    def pixels_of(points) -> set[tuple[int, int]]:
        return {(math.floor(x / width), math.floor(y / height)) for x, y in points}

    pixels = pixels_of(recent)
    assert len(xs) == len(pixels) < contour.RECENT_POINTS  # each pixel with a dot has one
    assert pixels_of(zip(xs, ys, strict=True)) == pixels
    plot.set_live(False)  # stopped: every visit again (the student may zoom in)
    assert len(data(plot._visits)[0]) == contour.RECENT_POINTS


def test_contour_click_picks_a_point(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    plot.set_history(bowl_path())
    with qtbot.waitSignal(plot.pointPicked, timeout=2000) as picked:
        click(qtbot, plot, 1.0, 0.5)
    (left, right), (bottom, top) = plot.plotItem.vb.viewRange()
    pixel = max(
        (right - left) / plot.plotItem.vb.width(), (top - bottom) / plot.plotItem.vb.height()
    )
    assert picked.args[0] == pytest.approx(1.0, abs=2 * pixel)
    assert picked.args[1] == pytest.approx(0.5, abs=2 * pixel)


def test_contour_right_click_does_not_pick(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    plot.set_history(bowl_path())
    picks = []
    plot.pointPicked.connect(lambda x, y: picks.append((x, y)))
    QTest.mouseClick(
        plot.viewport(), Qt.MouseButton.MiddleButton, Qt.KeyboardModifier(0), QPoint(300, 250)
    )
    QApplication.processEvents()  # a pick would be emitted by the click's own events
    assert picks == []


def test_contour_a_million_rows(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    history = million(2)
    plot.set_history(history)
    for _ in range(10):
        history.push(0.1, 0.0, history.params[-1] * 0.5, 0.0, history.grad[-1], 0)
        plot.set_history(history)
    xs, ys = data(plot._path)  # drawn downsampled (speed: benchmarks/bench_window.py)
    assert len(xs) < 10_000 and (xs[-1], ys[-1]) == tuple(history.params[-1])


def test_isolines_of_a_bowl_are_circles() -> None:
    xs = np.linspace(-2, 2, 101)
    z = xs[:, None] ** 2 + xs[None, :] ** 2
    lx, ly = isoline_segments(z, xs, xs, np.array([1.0, 2.0]))
    radius = np.hypot(lx, ly)
    assert len(lx) % 2 == 0 and len(lx) > 100
    assert np.all((np.abs(radius - 1) < 0.01) | (np.abs(radius - np.sqrt(2)) < 0.01))


def test_log_relief_handles_flat_and_empty_grids() -> None:
    relief, low, _ = log_relief(np.full((3, 3), 2.0))
    assert np.isfinite(relief).all() and low == 2.0
    relief, _, _ = log_relief(np.full((3, 3), np.nan))
    assert np.isnan(relief).all()


def test_evaluate_surface_hides_failures() -> None:
    assert np.isnan(evaluate_surface(SurfaceFunction(("x",), lambda x: 1 / 0), np.ones(3))).all()
    values = evaluate_surface(SurfaceFunction(("x",), lambda x: x / 0), np.array([1.0, 0.0]))
    assert np.isnan(values).all()  # inf and nan both become "not drawn"


# ---------------------------------------------------------------------- traces
def test_traces_panel_draws_loss_rate_and_parameters(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    history = bowl_path(20)
    history._lr[10:20] = 0.05  # a mid-run change
    panel.set_param_names(("x", "y"))
    panel.set_history(history)
    xs, ys = data(panel.loss_plot.series[0].item)
    np.testing.assert_allclose(xs, np.arange(21))
    np.testing.assert_allclose(ys, history.loss)
    xs, ys = data(panel.learning_rate_plot.series[0].item)
    assert set(np.round(ys, 6)) == {0.1, 0.05}
    assert xs[-1] == 20  # the last update's rate is held until the newest point
    names = [label.text for _, label in panel.parameter_plot._legend.items]
    assert names == ["x", "y"]
    for j, series in enumerate(panel.parameter_plot.series):
        np.testing.assert_allclose(data(series.item)[1], history.params[:, j])
    assert panel.learning_rate_plot.plotItem.vb.viewRange()[1][0] == 0.0


def test_traces_made_later_keep_what_they_were_given_until_then(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(later=True), (600, 700))
    made: list[bool] = []
    panel.plotsMade.connect(lambda: made.append(True))
    history = bowl_path(20)
    panel.set_param_names(("x", "y"))
    panel.set_history(history)
    panel.set_log_scale(True)
    assert not panel.made and panel.made_plots() == ()
    assert panel.findChildren(pg.PlotWidget) == []  # nothing made yet
    panel.make_plots()
    panel.make_plots()  # once only
    assert panel.made and made == [True] and len(panel.findChildren(pg.PlotWidget)) == 3
    xs, ys = data(panel.loss_plot.series[0].item)
    np.testing.assert_allclose(xs, np.arange(21))
    np.testing.assert_allclose(ys, history.loss)  # all positive: the log scale keeps them
    assert panel.loss_plot.plotItem.getAxis("left").logMode
    assert [series.item.opts["name"] for series in panel.parameter_plot.series] == ["x", "y"]
    np.testing.assert_allclose(data(panel.parameter_plot.series[1].item)[1],
                               history.params[:, 1])


def test_traces_made_later_are_made_on_first_use(qtbot) -> None:
    panel = TracesPanel(later=True)
    qtbot.addWidget(panel)
    assert not panel.made
    assert panel.plots() == (panel.loss_plot, panel.learning_rate_plot, panel.parameter_plot)
    assert panel.made


def test_long_traces_are_decimated_to_about_two_points_per_pixel(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    rng = np.random.default_rng(5)
    loss = rng.normal(size=200_001)
    history = history_of(loss[:, None], loss, loss[:, None])
    panel.set_param_names(("x",))
    panel.set_history(history)
    budget = max(256, int(panel.loss_plot.plotItem.vb.width()))
    size = 2 ** int(np.ceil(np.log2(len(loss) / budget)))  # rows per chunk
    xs, ys = data(panel.loss_plot.series[0].item)
    # Lowest and highest of each chunk (about one per pixel column), then the rows of
    # the newest chunk, which is not complete yet.
    assert len(xs) <= 2 * (len(loss) // size) + size
    assert loss.min() in ys and loss.max() in ys


def test_parameter_traces_follow_a_new_problems_names(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    plot = panel.parameter_plot
    panel.set_param_names(("x", "y"))
    panel.set_history(bowl_path(20))
    panel.set_param_names(("w",))  # fewer: the first curve stays, renamed and emptied
    assert [series.item.opts["name"] for series in plot.series] == ["w"]
    assert plot.plotItem.getAxis("left").labelText == "w" and not plot._legend.isVisible()
    assert len(data(plot.series[0].item)[0]) == 0
    panel.set_param_names(("a", "b", "c"))  # more: curves added after it
    assert [label.text for _, label in plot._legend.items] == ["a", "b", "c"]
    assert [series.item.opts["name"] for series in plot.series] == ["a", "b", "c"]
    params = np.column_stack([np.arange(5.0), 10 + np.arange(5.0), 20 + np.arange(5.0)])
    panel.set_history(history_of(params, params.sum(axis=1), params))
    for j, series in enumerate(plot.series):
        np.testing.assert_allclose(data(series.item)[1], params[:, j])
    colours = [series.item.opts["pen"].color().name() for series in plot.series]
    assert len(set(colours)) == 3  # each parameter its own colour, as when made anew


def test_the_parameter_legend_never_covers_a_curve(qtbot) -> None:
    plot = shown(qtbot, ParameterTracesPlot(), (360, 170))
    plot.set_param_names(("x", "y"))
    k = np.arange(101)
    # (x-3)² + 10(y+1)² from (0, 0) at rate 0.1: x settles at 3, y bounces 0, -2, 0 …
    params = np.column_stack([3 - 3 * 0.8**k, np.where(k % 2, -2.0, 0.0)])
    plot.set_history(history_of(params, (params[:, 0] - 3) ** 2, params))
    view, legend = plot.plotItem.vb, plot._legend

    def clear_of_the_curves() -> bool:
        box = legend.sceneBoundingRect()
        points = [view.mapViewToScene(QPointF(x, y)) for series in plot.series
                  for x, y in zip(*data(series.item), strict=True)]
        return (legend.isVisible() and not box.intersects(view.sceneBoundingRect())
                and not any(box.contains(point) for point in points))

    qtbot.waitUntil(clear_of_the_curves)
    assert view.sceneBoundingRect().contains(view.mapViewToScene(QPointF(100, 3)))
    apply_plot_theme(plot, PlotTheme(presentation=True))  # larger text: a taller legend
    qtbot.waitUntil(clear_of_the_curves)
    plot.set_param_names(("w",))  # one parameter: no legend, and no room kept for one
    qtbot.waitUntil(lambda: plot.plotItem.getContentsMargins()[1] < legend.height())
    assert not legend.isVisible()


def test_linked_traces_all_follow_the_run_at_once(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    panel.set_param_names(("x",))
    full, growing = x_squared(40), History(1)
    growing.write_block(full.tail(0, 3))
    panel.set_history(growing)
    for plot in panel.plots():
        plot.viewport().repaint()  # the loss plot's range reaches the linked plots
    growing.write_block(full.tail(2))  # the run goes on
    panel.set_history(growing)  # before any paint has widened the linked ranges
    for plot in panel.plots():  # every plot still follows the whole run
        assert data(plot.series[0].item)[0].max() >= 39


class PaintCounter(QObject):
    """Counts the paint events of the viewports it watches."""

    def __init__(self, viewports) -> None:
        super().__init__()
        self.paints = {viewport: 0 for viewport in viewports}
        for viewport in viewports:
            viewport.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint and watched in self.paints:
            self.paints[watched] += 1
        return False


def test_linked_traces_paint_once_per_frame_of_a_growing_run(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    panel.set_param_names(("x",))
    full, growing = x_squared(400), History(1)
    growing.write_block(full.tail(0, 3))
    panel.set_history(growing)
    QApplication.processEvents()
    counter = PaintCounter([plot.viewport() for plot in panel.plots()])
    for stop in (50, 120, 400):  # frames of a run: the steps' range grows each time
        growing.write_block(full.tail(len(growing) - 1, stop + 1))
        for plot in panel.plots():  # drawn one by one, as the window's side panels are
            plot.set_history(growing)
        QApplication.processEvents()
        # Each plot painted once: its new view (linked steps too) applied before the paint.
        assert set(counter.paints.values()) == {1}
        counter.paints = dict.fromkeys(counter.paints, 0)
        for plot in panel.plots():
            assert data(plot.series[0].item)[0].max() >= stop - 1


def test_a_growing_runs_new_steps_repaint_only_the_trace_drawn(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    panel.set_param_names(("x",))
    full, growing = x_squared(400), History(1)
    growing.write_block(full.tail(0, 3))
    panel.set_history(growing, growing=True)
    QApplication.processEvents()
    leader, *followers = panel.plots()
    counter = PaintCounter([plot.viewport() for plot in panel.plots()])
    growing.write_block(full.tail(len(growing) - 1, 201))
    leader.set_history(growing, growing=True)  # its steps' range jumps ahead
    QApplication.processEvents()
    # The window draws each trace in a pass of its own: a follower is not painted with
    # its old data on the way (it would paint again with its new, in the same pass).
    assert counter.paints[leader.viewport()] >= 1
    assert [counter.paints[plot.viewport()] for plot in followers] == [0, 0]
    for plot in followers:
        plot.set_history(growing, growing=True)
    QApplication.processEvents()
    assert [counter.paints[plot.viewport()] for plot in followers] == [1, 1]

    def screen_x(plot, step: float) -> int:
        scene = plot.plotItem.vb.mapViewToScene(QPointF(step, 0))
        return plot.viewport().mapToGlobal(plot.mapFromScene(scene)).x()

    for step in (0, 100, 200):  # lined up: a step is at the same column in every plot
        columns = [screen_x(plot, step) for plot in panel.plots()]
        assert max(columns) - min(columns) <= 1


def test_a_frame_that_changes_nothing_paints_nothing(qtbot, monkeypatch) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    history = bowl_path()
    plot.set_live(True)  # a run streams in (its recent visits drawn one per pixel)
    plot.set_history(history)
    qtbot.waitUntil(lambda: not plot.recompute_pending)
    QApplication.processEvents()
    plot.set_history(history)  # (in the view as laid out)
    QApplication.processEvents()
    sets, axis_paints = [], []
    set_data = pg.PlotDataItem.setData
    monkeypatch.setattr(pg.PlotDataItem, "setData",
                        lambda item, *a, **k: (sets.append(item), set_data(item, *a, **k))[1])
    paint_axis = pg.AxisItem.paint
    monkeypatch.setattr(pg.AxisItem, "paint",
                        lambda axis, *a: (axis_paints.append(axis), paint_axis(axis, *a))[1])
    counter = PaintCounter([plot.viewport()])
    plot.set_history(history)  # a frame of a run settled in its minimum: the same rows
    QApplication.processEvents()
    assert sets == [] and axis_paints == [] and counter.paints[plot.viewport()] == 0
    moved = history_of(history.params * 0.5, history.loss, history.grad)
    plot.set_history(moved)  # rows that differ: drawn, and painted
    QApplication.processEvents()
    assert plot._path in sets and counter.paints[plot.viewport()] >= 1
    assert data(plot._path)[0][0] == pytest.approx(1.0)


def test_a_settled_run_s_path_is_not_set_again_as_it_grows(qtbot, monkeypatch) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    path = bowl_path(30).params
    settled = np.vstack([path, np.repeat(path[-1:], 1000, axis=0)])  # then it stays put
    grad = settled * [2.0, 6.0]
    history = History(2, capacity=settled.shape[0] + 1)
    history.write_block(HistoryBlock(0, settled[:40], (settled[:40] ** 2).sum(1), grad[:40],
                                     np.full(40, 0.1), np.full(40, 0.1), np.zeros(40, np.int64)))
    plot.set_history(history)
    drawn = data(plot._path)
    # The repeats of the last point are not drawn: the same line, one point for them all.
    np.testing.assert_array_equal(drawn[0], path[:, 0])
    sets = []
    set_data = pg.PlotDataItem.setData
    monkeypatch.setattr(pg.PlotDataItem, "setData",
                        lambda item, *a, **k: (sets.append(item), set_data(item, *a, **k))[1])
    rest = settled.shape[0] - 40
    history.write_block(HistoryBlock(40, settled[40:], (settled[40:] ** 2).sum(1), grad[40:],
                                     np.full(rest, 0.1), np.full(rest, 0.1),
                                     np.zeros(rest, np.int64)))
    plot.set_history(history)  # thousands more steps, all at the same point
    assert plot._path not in sets
    np.testing.assert_array_equal(data(plot._path)[0], path[:, 0])


def test_traces_of_the_same_rows_are_not_set_again(qtbot, monkeypatch) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    panel.set_param_names(("x",))
    history = x_squared(400)
    panel.set_history(history)
    QApplication.processEvents()
    counter = PaintCounter([plot.viewport() for plot in panel.plots()])
    panel.set_history(history)
    QApplication.processEvents()
    assert set(counter.paints.values()) == {0}
    for plot in panel.plots():
        assert data(plot.series[0].item)[0].max() >= 399


def _view_and_data(plot) -> tuple[tuple[float, float], tuple[float, float], np.ndarray]:
    (left, right), (bottom, top) = plot.plotItem.vb.viewRange()
    values = np.concatenate([s.item.yData for s in plot.series if s.item.yData is not None])
    return (left, right), (bottom, top), values


def test_traces_of_a_growing_run_move_their_ranges_in_jumps(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    panel.set_param_names(("x",))
    full, growing = x_squared(2000), History(1)
    growing.write_block(full.tail(0, 101))
    views = []
    for stop in (100, 110, 120, 125, 200, 2000):  # frames while the run streams in
        growing.write_block(full.tail(len(growing) - 1, stop + 1))
        panel.set_history(growing, growing=True)
        for plot in panel.plots():
            (left, right), (bottom, top), values = _view_and_data(plot)
            # Every drawn point in view, and the view at most a third larger than the data.
            assert left <= 0 and stop <= right and right - left <= 4 / 3 * stop, (stop, right)
            assert bottom <= values.min() and values.max() <= top
            if not plot.from_zero:
                assert top - bottom <= 4 / 3 * (values.max() - values.min())
        views.append(panel.loss_plot.plotItem.vb.viewRange())
    # Up to step 125 (a quarter past 100) neither range moved; step 200 is past it.
    assert views[0] == views[1] == views[2] == views[3] != views[4]
    assert views[4][0][1] == pytest.approx(1.25 * 200 * 1.03)
    panel.set_history(growing)  # paused: fitted exactly
    for plot in panel.plots():
        (left, right), _, _ = _view_and_data(plot)
        assert -0.1 * 2000 < left <= 0 and 2000 <= right < 2000 * 1.1
    growing = History(1)  # a new run, still streaming in: not on the old run's scale
    growing.write_block(x_squared(30).tail(0))
    panel.set_history(growing, growing=True)
    assert 30 <= panel.loss_plot.plotItem.vb.viewRange()[0][1] <= 4 / 3 * 30


def test_traces_panel_log_toggle(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    panel.set_param_names(("x",))
    history = x_squared(10)
    history._loss[3] = 0.0
    history._loss[4] = -1.0
    panel.set_history(history)
    check = panel.findChild(type(panel._log_check), "logScaleCheck")
    with qtbot.waitSignal(panel.logScaleChanged) as changed:
        qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert changed.args == [True] and panel.log_scale
    assert panel.loss_plot.plotItem.getAxis("left").logMode
    xs, ys = data(panel.loss_plot.series[0].item)
    assert (ys > 0).all() and 3 not in xs and 4 not in xs and len(xs) == 9
    panel.grab()
    panel.set_log_scale(False)
    assert not check.isChecked() and not panel.loss_plot.plotItem.getAxis("left").logMode
    assert len(data(panel.loss_plot.series[0].item)[0]) == 11


def test_traces_zoom_draws_the_visible_steps_in_full(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    panel.set_param_names(("x", "y"))
    history = million(2)
    panel.set_history(history)
    assert len(data(panel.loss_plot.series[0].item)[0]) < 10_000
    panel.loss_plot.plotItem.vb.setXRange(500_000, 500_400, padding=0)

    def detailed() -> bool:
        xs = data(panel.parameter_plot.series[0].item)[0]
        visible = (xs >= 500_000) & (xs <= 500_400)
        return visible.sum() > 100 and len(xs) < 1000

    qtbot.waitUntil(detailed)
    xs, _ = data(panel.parameter_plot.series[0].item)
    inside = (xs >= 500_000) & (xs <= 500_400)
    np.testing.assert_array_equal(xs[inside], np.arange(500_000, 500_401))


def test_traces_a_million_rows_and_a_diverged_end(qtbot) -> None:
    panel = shown(qtbot, TracesPanel(), (600, 700))
    panel.set_param_names(("x", "y"))
    history = million(2)
    panel.set_history(history)
    for _ in range(10):
        history.push(0.1, 0.0, history.params[-1] * 0.5, 0.0, history.grad[-1], 0)
        panel.set_history(history)
    xs, ys = data(panel.loss_plot.series[0].item)
    assert xs[-1] == len(history) - 1 and ys.max() == history.loss.max()
    diverged(history)
    panel.set_log_scale(True)
    panel.set_history(history)
    for plot in (panel.loss_plot, panel.learning_rate_plot, panel.parameter_plot):
        for series in plot.series:
            assert np.isfinite(data(series.item)[1]).all()
    panel.grab()
    panel.set_history(History(2))
    assert len(data(panel.loss_plot.series[0].item)[0]) == 0


def test_parameter_traces_many_parameters(qtbot) -> None:
    plot = shown(qtbot, ParameterTracesPlot())
    names = tuple(f"w{i}" for i in range(15))
    plot.set_param_names(names)
    rng = np.random.default_rng(0)
    params = rng.normal(size=(50, 15))
    plot.set_history(history_of(params, np.ones(50), params))
    assert len(plot.series) == 15 and len(plot._legend.items) == 12
    plot.set_param_names(names[:3])
    assert len(plot.series) == 3


def test_every_plot_is_named_and_described(qtbot) -> None:
    panel = TracesPanel()
    qtbot.addWidget(panel)
    widgets = [FunctionPlot(), ContourPlot(), ParameterTracesPlot(), panel]
    widgets += [panel.loss_plot, panel.learning_rate_plot, panel._log_check]
    for widget in widgets[:3]:
        qtbot.addWidget(widget)
    for widget in widgets:
        assert widget.objectName() and widget.accessibleName() and widget.toolTip()


def test_a_long_path_is_drawn_one_pixel_wide_and_gets_its_own_pen_back(qtbot) -> None:
    item = pg.PlotDataItem(pen=pg.mkPen("r", width=2.5))
    pen = PathPen(item)
    pen.fit(PathPen.THIN_ABOVE + 1)
    assert item.opts["pen"].widthF() == 1.0 and item.opts["pen"].color() == pg.mkColor("r")
    item.setPen(pg.mkPen("b", width=4))  # a theme restyles the plot meanwhile
    pen.fit(PathPen.THIN_ABOVE + 5)
    assert item.opts["pen"].widthF() == 1.0 and item.opts["pen"].color() == pg.mkColor("b")
    pen.fit(10)
    assert item.opts["pen"].widthF() == 4.0 and item.opts["pen"].color() == pg.mkColor("b")
    pen.fit(20)
    assert item.opts["pen"].widthF() == 4.0


def test_the_function_plot_thins_its_path_for_a_long_run(qtbot) -> None:
    plot = shown(qtbot, FunctionPlot(), (500, 400))
    plot.set_source(PARABOLA)
    wide = plot._path.opts["pen"].widthF()
    plot.set_history(x_squared(20_000))
    assert wide > 1.0 and plot._path.opts["pen"].widthF() == 1.0
    plot.set_history(x_squared(20))
    assert plot._path.opts["pen"].widthF() == wide


# --------------------------------------------------------------- decimation
def test_decimator_keeps_extremes_and_the_tail() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=100_000)
    rows = PeakDecimator(budget=1000).indices(values)
    assert len(rows) <= 4 * 1000 + 256
    assert values.argmin() in rows and values.argmax() in rows
    assert rows[-1] == len(values) - 1 and np.all(np.diff(rows) > 0)


def test_decimator_merges_chunks_when_the_series_doubles_exactly_as_fresh() -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(0, 5, size=(70_000, 3)).astype(float)  # many ties
    values[1_000:3_000, 0] = np.nan  # whole chunks with nothing to draw in a column
    values[5_000:5_100, 1] = np.inf
    values[9_000, 2] = 1e300  # too large to draw
    growing = PeakDecimator(budget=300)
    for n in range(1_000, 70_001, 1_000):  # the chunk size doubles several times
        np.testing.assert_array_equal(growing.indices(values[:n]),
                                      PeakDecimator(300).indices(values[:n]))


def test_decimator_draws_only_the_extremes_and_the_end_of_the_newest_chunk() -> None:
    rng = np.random.default_rng(6)
    size = 256  # rows per chunk for about 100,000 rows and a budget of 500
    values = rng.normal(size=(400 * size + 200, 2))  # the newest chunk holds 200 rows
    values[-100, 0] = 50.0
    rows = PeakDecimator(budget=500).indices(values)
    tail = rows[rows >= 400 * size]
    assert len(tail) <= 5 and tail[-1] == len(values) - 1
    assert len(values) - 100 in tail  # the newest chunk's extremes are drawn


def test_decimator_incremental_equals_fresh_and_forgets_on_shrink() -> None:
    rng = np.random.default_rng(2)
    values = rng.normal(size=(50_000, 2))
    growing = PeakDecimator(budget=500)
    for n in range(20_000, 50_001, 7_500):
        growing.indices(values[:n])
    np.testing.assert_array_equal(growing.indices(values), PeakDecimator(500).indices(values))
    changed = values.copy()
    changed[30_000:, 0] = 100.0  # step back to 30 000 rows, then a different continuation
    growing.indices(values[:30_000])
    rows = growing.indices(changed)
    np.testing.assert_array_equal(rows, PeakDecimator(500).indices(changed))


def test_a_slow_map_waits_for_the_run_to_stop(qtbot, monkeypatch) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    plot.set_history(bowl_path())
    drawn = []
    original = plot._show_map
    monkeypatch.setattr(plot, "_show_map", lambda layers: (drawn.append(1), original(layers)))
    plot.set_live(True)
    plot.map_seconds = 1.0  # as long as a map over a large table of MAE takes
    plot._recompute()
    assert drawn == []  # the path moves over the last map meanwhile
    plot.set_live(False)
    qtbot.waitUntil(lambda: len(drawn) == 1)  # the run stopped: the map catches up
    qtbot.waitUntil(lambda: not plot.map_pending)
    plot.set_live(True)
    plot.map_seconds = 0.001  # a quick map follows a live run (in the next pass of the
    plot._source = MOVED_BOWL  # event loop, if this one has worked long enough already)
    plot._recompute()
    qtbot.waitUntil(lambda: len(drawn) == 2)
    qtbot.waitUntil(lambda: not plot.map_pending)


def test_a_live_map_that_would_look_the_same_is_not_drawn_again(qtbot, monkeypatch) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    plot.set_history(bowl_path())
    qtbot.waitUntil(lambda: not plot.recompute_pending)
    drawn, sets = [], []
    original = plot._show_map
    monkeypatch.setattr(plot, "_show_map", lambda layers: (drawn.append(layers), original(layers)))
    monkeypatch.setattr(plot._image, "setImage", lambda *a, **k: sets.append(1))
    shown_relief = plot._image.image.copy()
    plot.set_live(True)
    scale = float(np.nanmax(shown_relief) - np.nanmin(shown_relief))
    # f shifted by a constant far below a colour step: the same picture, not redrawn
    plot._source = SurfaceFunction(("x", "y"), lambda x, y: x**2 + 3 * y**2 + 1e-9)
    plot._draw_map()  # (as a recompute does once the event loop has slept)
    assert drawn == [] and sets == []
    plot._source = MOVED_BOWL  # a held value that moved the bowl: a new picture
    plot._draw_map()
    assert len(drawn) == 1 and sets != []
    moved = np.nanmax(np.abs(drawn[0].relief - shown_relief))
    assert moved > scale / contour.COLOUR_STEPS
    plot._source = SurfaceFunction(("x", "y"), lambda x, y: (x - 0.5) ** 2 + 3 * y**2 + 1e-9)
    plot.set_live(False)  # not live: every map is drawn, exactly
    plot._draw_map()
    assert len(drawn) == 2


def test_maps_that_look_alike_differ_by_less_than_a_colour_step() -> None:
    rect = QRectF(-2.0, -2.0, 4.0, 4.0)
    shown_map = contour.map_layers(BOWL, rect)
    assert contour.looks_alike(shown_map, contour.map_relief(BOWL, rect))
    assert not contour.looks_alike(shown_map, contour.map_relief(MOVED_BOWL, rect))
    assert not contour.looks_alike(shown_map, contour.map_relief(BOWL, QRectF(-2, -2, 4, 4.1)))
    # the colour bar's title would change: L − 10 rather than L
    raised = SurfaceFunction(("x", "y"), lambda x, y: x**2 + 3 * y**2 + 10.0)
    assert not contour.looks_alike(shown_map, contour.map_relief(raised, rect))
    step = (shown_map.high - shown_map.low) / contour.COLOUR_STEPS
    nudged = shown_map._replace(relief=shown_map.relief + 0.9 * step,
                                low=shown_map.low + 0.9 * step, high=shown_map.high + 0.9 * step)
    assert contour.looks_alike(shown_map, nudged)
    pushed = shown_map._replace(relief=shown_map.relief + 1.1 * step)
    assert not contour.looks_alike(shown_map, pushed)



class GatedBowl:
    """The bowl, whose evaluation waits until the test lets it go (a slow map)."""

    param_names = ("x", "y")

    def __init__(self) -> None:
        self.go = threading.Event()
        self.threads: list[str] = []

    def evaluate_grid(self, x, y):
        self.threads.append(threading.current_thread().name)
        assert self.go.wait(10), "the test never let the map go"
        return x**2 + 3 * y**2


def test_a_slow_map_is_made_off_the_ui_thread_and_shown_when_ready(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    gated = GatedBowl()
    plot.map_seconds = 1.0  # the last map took a second (a loss over a large table)
    plot.set_source(gated)  # the map is made by the recompute timer, on the map thread
    qtbot.waitUntil(lambda: plot.map_pending)
    qtbot.waitUntil(lambda: bool(gated.threads))  # it is evaluated, and not on the UI thread
    assert gated.threads == [gated.threads[0]] and gated.threads[0] != "MainThread"
    drawn = []
    plot.mapDrawn.connect(lambda: drawn.append(plot.grid_rect))
    gated.go.set()
    qtbot.waitUntil(lambda: bool(drawn) and not plot.map_pending)
    rect = drawn[-1]
    xs = rect.left() + rect.width() / 200 * (np.arange(200) + 0.5)
    ys = rect.top() + rect.height() / 200 * (np.arange(200) + 0.5)
    expected, _, _ = log_relief(xs[:, None] ** 2 + 3 * ys[None, :] ** 2)
    np.testing.assert_allclose(plot._image.image, expected)  # the gated function's map
    assert 0.0 < plot.map_seconds != 1.0  # the time this map took replaced the last one

def _isolines_level_by_level(z, xs, ys, levels):
    """Marching squares one level at a time (the former implementation): the reference."""
    start = np.array([[0, 0], [1, 0], [0, 1], [0, 0]])
    end = np.array([[1, 0], [1, 1], [1, 1], [0, 1]])
    valid = np.isfinite(z[:-1, :-1]) & np.isfinite(z[1:, :-1])
    valid &= np.isfinite(z[1:, 1:]) & np.isfinite(z[:-1, 1:])
    out_x, out_y = [np.empty(0)], [np.empty(0)]
    with np.errstate(invalid="ignore"):
        for level in levels:
            above = z >= level
            crossings = np.stack([above[:-1, :-1] != above[1:, :-1],
                                  above[1:, :-1] != above[1:, 1:],
                                  above[:-1, 1:] != above[1:, 1:],
                                  above[:-1, :-1] != above[:-1, 1:]], axis=-1)
            i, j, edge = np.nonzero(crossings & valid[..., np.newaxis])
            i0, j0 = i + start[edge, 0], j + start[edge, 1]
            i1, j1 = i + end[edge, 0], j + end[edge, 1]
            t = (level - z[i0, j0]) / (z[i1, j1] - z[i0, j0])
            out_x.append(xs[i0] + t * (xs[i1] - xs[i0]))
            out_y.append(ys[j0] + t * (ys[j1] - ys[j0]))
    return np.concatenate(out_x), np.concatenate(out_y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_isolines_in_one_pass_equal_the_level_by_level_ones(seed) -> None:
    rng = np.random.default_rng(seed)
    xs, ys = np.linspace(-3.0, 3.0, 41), np.linspace(-1.0, 4.0, 37)
    z = np.log10((xs[:, None] - 0.5) ** 2 + 3 * (ys[None, :] - 1) ** 2 + 1.0)
    z += 0.05 * rng.standard_normal(z.shape)
    z[5:9, 10:14] = np.nan  # a hole
    z[0, 0] = np.inf
    rounded = np.round(z, 1)  # values exactly on a level
    levels = np.linspace(np.nanmin(z[np.isfinite(z)]), 1.2, 8)[1:-1]
    for grid, asked in ((z, levels), (z, levels[::-1]), (rounded, np.array([0.5, 0.5, 0.3]))):
        got, expected = isoline_segments(grid, xs, ys, asked), _isolines_level_by_level(
            grid, xs, ys, asked)
        assert got[0].size > 0
        assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])
    assert isoline_segments(z, xs, ys, np.array([99.0]))[0].size == 0


def test_the_tail_of_a_decimated_series_is_sorted_and_without_repeats() -> None:
    from gdstudio.qt.plots.common import _tail

    values = np.random.default_rng(4).standard_normal((5000, 2))
    values[4000:4100] = 7.0  # ties: extremes repeat
    rows = _tail(values, 1000, 5000)
    expected = np.unique(np.append(
        np.concatenate([np.argmin(values[1000:4999], axis=0),
                        np.argmax(values[1000:4999], axis=0)]) + 1000, 4999))
    assert np.array_equal(rows, expected)


def test_a_closed_map_drops_its_pending_recompute(qtbot) -> None:
    plot = shown(qtbot, ContourPlot())
    plot.set_source(BOWL)
    plot.schedule_recompute()
    plot.close()
    assert not plot.recompute_pending


def test_decimator_extremes_skip_values_that_cannot_be_drawn() -> None:
    rng = np.random.default_rng(5)
    for trial in range(60):
        values = np.round(rng.normal(size=(8 * int(rng.integers(1, 30)), 3)))  # ties too
        for _ in range(trial % 4):
            row, column = rng.integers(0, values.shape[0]), rng.integers(0, 3)
            values[row, column] = rng.choice([np.nan, np.inf, -np.inf, 1e300, -1e300])
        block = values.reshape(-1, 8, 3)
        drawable = np.abs(block) < common_module.PLOTTABLE_LIMIT
        expected = np.concatenate([np.argmin(np.where(drawable, block, np.inf), axis=1),
                                   np.argmax(np.where(drawable, block, -np.inf), axis=1)],
                                  axis=1) + 8 * np.arange(block.shape[0])[:, np.newaxis]
        np.testing.assert_array_equal(common_module._extremes(values, 8), expected)


def test_contour_looks_for_the_minimum_once_per_function_and_start(qtbot, monkeypatch) -> None:
    # In data mode the search sums over every row; a run's view is fitted again and again.
    searches: list[tuple[float, ...]] = []
    real = contour.locate_minimum

    def counted(source, centre, half_widths, samples):
        searches.append(tuple(centre))
        return real(source, centre, half_widths, samples)

    monkeypatch.setattr(contour, "locate_minimum", counted)
    plot = shown(qtbot, ContourPlot())
    plot.set_source(MOVED_BOWL)
    path = bowl_path()
    plot.set_history(path)
    (left, right), _ = plot.plotItem.vb.viewRange()
    assert left < 0.5 < right and searches == [(2.0, 1.5)]
    plot.reset_view()
    plot.set_history(history_of(path.params[::-1].copy(), path.loss[::-1].copy(),
                                path.grad[::-1].copy()))  # another run, from elsewhere
    plot.reset_view()
    assert searches == [(2.0, 1.5), (path.params[-1, 0], path.params[-1, 1])]
    plot.set_source(BOWL)  # another function: its own minimum
    plot.reset_view()
    assert len(searches) == 3
