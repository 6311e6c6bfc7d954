"""The 3-D room: mesh and path numbers without a GL context; the fallback without OpenGL.

These tests run on the offscreen platform, where there is no OpenGL: the 3-D view must
say so in one line and leave the map in place.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from gdstudio.engine.history import History
from gdstudio.qt.plots import ContourPlot, SurfaceFunction
from gdstudio.qt.plots.theme import PlotTheme
from gdstudio.qt.plots3d import LandscapeView, opengl_problem
from gdstudio.qt.plots3d.landscape import SETTINGS_KEY, height_name
from gdstudio.qt.plots3d.mesh import (
    HEIGHT,
    PATH_LIFT,
    UNDEFINED_COLOUR,
    PathHeights,
    SceneBox,
    axis_labels,
    build_surface,
    grid_axes,
    height_colours,
    nice_ticks,
)

GREYS = np.column_stack([np.linspace(0, 255, 256)] * 3)  # a lookup table: black → white
BOWL = SurfaceFunction(("x", "y"), lambda x, y: x**2 + 3 * y**2)


def bowl_mesh(log_height: bool = False):
    xs, ys = grid_axes(-2.0, -1.0, 4.0, 2.0, samples=41)
    values = xs[:, None] ** 2 + 3 * ys[None, :] ** 2
    return xs, ys, build_surface(xs, ys, values, GREYS, log_height)


def test_grid_axes_span_the_region_edge_to_edge():
    xs, ys = grid_axes(-2.0, -1.0, 4.0, 2.0, samples=5)
    assert xs.tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert ys.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]


def test_the_bowl_maps_into_the_scene_box_lowest_at_the_floor():
    xs, ys, mesh = bowl_mesh()
    assert mesh.x[0] == -1.0 and mesh.x[-1] == 1.0 and mesh.y[0] == -1.0 and mesh.y[-1] == 1.0
    assert mesh.z.shape == (41, 41) and mesh.colours.shape == (41, 41, 4)
    centre = (20, 20)  # x = 0, y = 0: the minimum, f = 0
    assert mesh.z[centre] == 0.0 and mesh.z.min() == 0.0
    assert np.isclose(mesh.z.max(), HEIGHT)  # the corners (capped at the 99th percentile)
    # Linear heights: f(1, 0) = 1 against the 99th percentile of f.
    top = np.quantile(xs[:, None] ** 2 + 3 * ys[None, :] ** 2, 0.99)
    assert np.isclose(mesh.z[30, 20], 1.0 / top * HEIGHT)
    # Colours follow the map's log relief: black at the minimum, white at the maximum.
    assert np.allclose(mesh.colours[centre], (0.0, 0.0, 0.0, 1.0))
    assert np.allclose(mesh.colours[0, 0], (1.0, 1.0, 1.0, 1.0))


def test_log_height_raises_the_valley_floor():
    _xs, _ys, linear = bowl_mesh(False)
    _xs, _ys, logged = bowl_mesh(True)
    # Near the minimum the log height has climbed much further than the linear one.
    assert logged.z[22, 20] > 3 * linear.z[22, 20]
    assert logged.z[20, 20] == 0.0 and np.isclose(logged.z.max(), HEIGHT)


def test_undefined_points_lie_on_the_floor_in_grey():
    xs, ys = grid_axes(-1.0, -1.0, 2.0, 2.0, samples=11)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.log(xs[:, None] + 0 * ys[None, :])  # undefined for x < 0
    mesh = build_surface(xs, ys, values, GREYS)
    assert (mesh.z[:5] == 0.0).all()
    assert np.allclose(mesh.colours[0, 0], UNDEFINED_COLOUR)
    assert np.isfinite(mesh.z).all()
    assert np.allclose(height_colours(np.full((2, 2), np.nan), GREYS), UNDEFINED_COLOUR)


def test_scene_box_maps_and_caps_points():
    box = SceneBox((0.0, 10.0), (-1.0, 1.0), (0.0, 4.0))
    points = box.to_scene(np.array([0.0, 5.0, 10.0]), np.array([-1.0, 0.0, 1.0]),
                          np.array([0.0, 2.0, 400.0]))
    assert points.tolist() == [[-1.0, -1.0, 0.0], [0.0, 0.0, 0.5], [1.0, 1.0, HEIGHT]]


def test_path_heights_evaluate_only_new_rows():
    calls: list[int] = []

    def evaluate(xs, ys):
        calls.append(len(xs))
        return xs**2 + ys**2

    heights = PathHeights(evaluate)
    path = np.array([[3.0, 4.0], [1.0, 1.0], [0.5, 0.0], [0.0, 0.0]])
    assert heights.heights(path[:2]).tolist() == [25.0, 2.0]
    assert heights.heights(path).tolist() == [25.0, 2.0, 0.25, 0.0]
    assert calls == [2, 2]  # the first two rows were not evaluated again
    other = path[::-1].copy()  # another run (not a continuation): all of it again
    assert heights.heights(other).tolist() == [0.0, 0.25, 2.0, 25.0]
    assert calls == [2, 2, 4]
    heights.reset()
    heights.heights(other)
    assert calls[-1] == 4
    assert PATH_LIFT > 0


@pytest.mark.parametrize(("low", "high", "ticks"), [
    (-2.0, 2.0, [-2.0, -1.0, 0.0, 1.0, 2.0]),
    (-1.5, 2.0, [-1.0, 0.0, 1.0, 2.0]),
    (0.9, 1.1, [0.9, 1.0, 1.1]),
    (405.0, 700.0, [500.0, 600.0, 700.0]),
    (3.0, 3.0, [3.0]),
])
def test_nice_ticks_are_round_and_inside(low, high, ticks):
    assert np.allclose(nice_ticks(low, high), ticks)


def test_the_axes_are_labelled_in_data_units_where_the_first_view_sees_them():
    _xs, _ys, mesh = bowl_mesh()  # x in [−2, 2], y in [−1, 1], f from 0 to about 6.6
    labels = axis_labels(mesh.box, ("x", "y"), "f(x, y)")
    names = {label.text: label.position for label in labels if label.name}
    assert set(names) == {"x", "y", "f(x, y)"}
    assert names["x"][1] < -1 and names["y"][0] > 1 and names["f(x, y)"][2] > HEIGHT
    ticks = [label for label in labels if not label.name]
    x_ticks = {t.text: t.position for t in ticks if t.position[1] < -1 and t.position[0] >= -1}
    assert list(x_ticks) == ["−2", "−1", "0", "1", "2"]
    assert x_ticks["0"][0] == 0.0 and x_ticks["2"][0] == 1.0  # at x's place in the scene
    y_ticks = {t.text: t.position for t in ticks if t.position[0] > 1}
    assert list(y_ticks) == ["−1", "−0.5", "0", "0.5", "1"] and y_ticks["0.5"][1] == 0.5
    heights = [t for t in ticks if t.position[0] < -1]  # beside the vertical axis
    assert heights[0].text == "0" and heights[0].position[2] == 0.0
    for tick in heights:  # each value at its own height on the surface's scale
        value = float(tick.text.replace("−", "-"))
        assert np.isclose(tick.position[2], value / mesh.box.z_range[1] * HEIGHT)


def test_log_height_marks_powers_of_ten_above_the_minimum():
    xs, ys = grid_axes(-2.0, -1.0, 4.0, 3.0, samples=41)
    values = (1 - xs[:, None]) ** 2 + 100 * (ys[None, :] - xs[:, None] ** 2) ** 2
    mesh = build_surface(xs, ys, values, GREYS, log_height=True)
    heights = [label for label in axis_labels(mesh.box, ("x", "y"), "f") if not label.name
               and label.position[0] < -1]
    assert [label.text for label in heights] == ["0.02", "10", "100", "1000"]
    assert all(np.diff([label.position[2] for label in heights]) > 0)


def test_the_height_is_f_or_the_loss_as_the_map_says():
    plot = ContourPlot()
    assert height_name(plot, BOWL) == "f(x, y)"
    plot.setObjectName("lossSurfacePlot")
    assert height_name(plot, SurfaceFunction(("b", "m"), lambda b, m: b + m)) == "L(b, m)"


def history_of(points: list[tuple[float, float]]) -> History:
    history = History(2)
    for x, y in points:
        history.append(np.array([x, y]), x**2 + 3 * y**2, np.array([2 * x, 6 * y]))
    return history


def test_without_opengl_the_3d_button_says_so_in_one_line_and_the_map_stays(qtbot, tmp_path):
    if opengl_problem() is None:
        pytest.skip("OpenGL works on this display (the suite runs offscreen, where it does not)")
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    plot = ContourPlot()
    page = LandscapeView(plot, settings)
    qtbot.addWidget(page)
    plot.set_source(BOWL)
    page.resize(700, 500)
    page.show()
    page.set_history(history_of([(1.5, 1.0), (1.2, 0.4)]))
    button = page.findChild(type(page.buttons.buttons()[1]), "landscape_3d")
    button.click()
    assert page.surface is None and page.layout_key == "map"
    assert plot.isVisible() and plot.grid_rect is not None
    text = page.message.text()
    assert page.message.isVisible() and "\n" not in text and text.startswith("No 3-D view")
    assert "offscreen" in text and "map stays" in text
    assert page.buttons.checkedButton().objectName() == "landscape_map"
    assert not page.options.isVisible()
    assert settings.value(SETTINGS_KEY) == "3d"  # the wish is remembered for a GL display
    page.set_history(history_of([(1.5, 1.0), (1.2, 0.4), (0.9, 0.1)]))  # still following


def test_a_remembered_3d_choice_falls_back_quietly_on_show(qtbot, tmp_path, monkeypatch):
    from gdstudio.qt.plots3d import landscape

    broken = "No 3-D view: OpenGL does not start on this display; the map stays."
    monkeypatch.setattr(landscape, "opengl_problem", lambda: broken)  # a broken driver
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue(SETTINGS_KEY, "both")
    plot = ContourPlot()
    page = LandscapeView(plot, settings)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(page.message.isVisible)
    assert page.layout_key == "map" and plot.isVisible() and page.message.text() == broken
    assert settings.value(SETTINGS_KEY) == "both"  # not overwritten by the fallback


def test_the_switch_can_be_forced_off(monkeypatch):
    from gdstudio.qt.plots3d import gl_check

    monkeypatch.setenv("GDSTUDIO_NO_OPENGL", "1")
    assert "GDSTUDIO_NO_OPENGL" in gl_check._problem()


@pytest.mark.parametrize("key", ["map", "nonsense"])
def test_the_map_layout_needs_no_opengl(qtbot, tmp_path, key):
    page = LandscapeView(ContourPlot(), QSettings(str(tmp_path / "s.ini"),
                                                  QSettings.Format.IniFormat))
    qtbot.addWidget(page)
    assert page.set_layout(key) and page.layout_key == "map" and page.message.isHidden()


def test_with_opengl_the_surface_follows_the_map_and_the_run(qtbot, tmp_path):
    if opengl_problem() is not None:
        pytest.skip("needs OpenGL: run under Xvfb with Mesa and QT_QPA_PLATFORM=xcb")
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    plot = ContourPlot()
    page = LandscapeView(plot, settings)
    qtbot.addWidget(page)
    plot.set_source(BOWL)
    page.resize(900, 500)
    page.show()
    history = history_of([(1.5, 1.0)])
    page.set_history(history)
    assert page.set_layout("both", remember=True)
    surface = page.surface
    assert surface is not None and surface.isVisible() and plot.isVisible()
    mesh = surface.mesh
    for x, y in ((1.2, 0.4), (0.9, 0.1)):  # the run goes on
        history.append(np.array([x, y]), x**2 + 3 * y**2, np.array([2 * x, 6 * y]))
        page.set_history(history)
    assert surface.mesh is mesh  # the same region: the mesh was not recomputed
    points = surface.path_points()
    assert points.shape == (3, 3) and (np.diff(points[:, 2]) < 0).all()  # downhill
    assert settings.value(SETTINGS_KEY) == "both"
    image = surface.grabFramebuffer()
    assert len({image.pixel(x, y) for x in range(0, image.width(), 9)
                for y in range(0, image.height(), 9)}) > 20
    assert {label.text for label in surface.labels if label.name} == {"x", "y", "f(x, y)"}
    # One GL view per test run: pyqtgraph's shaders belong to the first GL context.
    check_theme_and_labels(surface)


def check_theme_and_labels(view) -> None:
    """The view follows the theme, and its labels are painted in the foreground colour."""
    from PySide6.QtGui import QColor

    view.set_theme(PlotTheme(dark=False))
    assert QColor(view.grabFramebuffer().pixel(2, 2)).name() == "#ffffff"
    view.set_theme(PlotTheme(dark=True))
    dark = view.grabFramebuffer()
    assert QColor(dark.pixel(2, 2)).name() == PlotTheme(dark=True).background.lower()
    ink = QColor(PlotTheme(dark=True).foreground).getRgb()[:3]

    def inked(image) -> int:
        return sum(1 for x in range(image.width()) for y in range(image.height())
                   if all(abs(a - b) < 40 for a, b in
                          zip(QColor(image.pixel(x, y)).getRgb()[:3], ink, strict=True)))

    for text in view._texts:  # the same picture without the labels
        text.setData(text="")
    assert inked(dark) > inked(view.grabFramebuffer()) + 100  # the labels were painted
    view.set_region(None, None)
    assert view.labels == []
