"""Preferences: themes, presentation mode and colour-blind-safe plot colours."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication

from gdstudio.qt import preferences as preferences_module
from gdstudio.qt.plots.theme import PlotTheme, relative_lightness, role_colour
from gdstudio.qt.preferences import Preferences, apply_application_theme
from tests.qt.helpers import WAIT, make_window, wait_for_problem, window

__all__ = ["window"]


@pytest.fixture(autouse=True)
def platform_look_restored() -> Iterator[None]:
    """Every test leaves the application as the platform made it."""
    yield
    apply_application_theme(Preferences())


def background(plot) -> str:
    return plot.backgroundBrush().color().name().upper()


def test_defaults_follow_the_system_and_are_colour_safe(window):
    prefs = window.preferences.preferences
    assert prefs == Preferences(theme="system", presentation=False, colour_safe=True)
    assert background(window.function_plot) == "#FFFFFF"  # offscreen has no dark scheme
    shortcut = window.preferences.action.shortcut()  # Linux has no standard key for it
    assert shortcut == QKeySequence("Ctrl+,") and not shortcut.isEmpty()
    assert window.preferences.action in window.registry.menu("view").actions()
    assert window.registry.action("actionPreferences") is window.preferences.action


def test_dark_theme_from_the_dialog_is_applied_stored_and_restored(qtbot, window, tmp_path):
    dialog = window.preferences.show_dialog()
    dialog.theme_buttons["dark"].click()
    app = QApplication.instance()
    assert app.style().name().lower() == "fusion"
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 60
    assert app.palette().color(QPalette.ColorRole.WindowText).lightness() > 200
    for plot in (window.function_plot, window.contour_plot, window.traces.loss_plot):
        assert background(plot) == "#1B1C1F"
    axis = window.function_plot.plotItem.getAxis("bottom")
    assert axis.textPen().color().name().upper() == "#D9D9D9"
    dialog.close()
    window.close()

    again = make_window(qtbot, tmp_path / "settings.ini")  # the same settings file
    assert again.preferences.preferences.theme == "dark"
    assert background(again.function_plot) == "#1B1C1F"
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 60
    again.close()


def test_presentation_mode_scales_fonts_lines_and_points_and_undoes_exactly(window):
    app = QApplication.instance()
    base_size = app.font().pointSizeF()
    curve = window.function_plot._curve
    point = window.function_plot._point
    width, size = curve.opts["pen"].widthF(), point.opts["symbolSize"]
    controller = window.preferences
    for _ in range(2):  # applying twice must not compound
        controller.set_preferences(Preferences(presentation=True))
    assert app.font().pointSizeF() == pytest.approx(1.5 * base_size)
    assert window.explain_view.font().pointSizeF() == pytest.approx(1.5 * 1.15 * base_size,
                                                                    rel=0.02)
    assert curve.opts["pen"].widthF() == pytest.approx(2 * width)
    assert point.opts["symbolSize"] == pytest.approx(1.6 * size)
    tick_font = window.function_plot.plotItem.getAxis("left").style["tickFont"]
    assert tick_font.pointSizeF() == pytest.approx(1.5 * base_size)
    controller.set_preferences(Preferences(presentation=False))
    assert app.font().pointSizeF() == pytest.approx(base_size)
    assert curve.opts["pen"].widthF() == pytest.approx(width)
    assert point.opts["symbolSize"] == pytest.approx(size)


@pytest.mark.parametrize("dark", [False, True])
def test_path_point_and_tangent_differ_in_lightness_as_well(window, dark):
    theme = PlotTheme(dark=dark, colour_safe=True)
    roles = ("path", "point", "tangent")
    lightness = {role: relative_lightness(role_colour(theme, role)) for role in roles}
    for first, second in itertools.combinations(roles, 2):
        assert abs(lightness[first] - lightness[second]) >= 15, (first, second, lightness)
    backdrop = relative_lightness(theme.background)
    for role in ("curve", *roles):  # every role stands out from the background too
        assert abs(relative_lightness(role_colour(theme, role)) - backdrop) >= 25, role
    window.preferences.set_preferences(Preferences(theme="dark" if dark else "light"))
    plot = window.function_plot
    assert plot._tangent.opts["pen"].color().name().upper() == role_colour(theme, "tangent")
    assert plot._tangent.opts["pen"].style() == Qt.PenStyle.DashLine  # dashed as well
    point_brush = pg.mkBrush(plot._point.opts["symbolBrush"])
    assert point_brush.color().name().upper() == role_colour(theme, "point")


def test_following_the_system_tracks_its_colour_scheme(window, monkeypatch):
    app = QApplication.instance()
    style = app.style().name()
    monkeypatch.setattr(preferences_module, "system_is_dark", lambda: True)
    window.preferences._system_changed()
    assert background(window.function_plot) == "#1B1C1F"
    assert app.style().name() == style  # the platform's own style is kept
    monkeypatch.setattr(preferences_module, "system_is_dark", lambda: False)
    window.preferences._system_changed()
    assert background(window.function_plot) == "#FFFFFF"


def test_comparisons_follow_the_theme(qtbot, window):
    window.examples.open_example("convex_bowl")
    wait_for_problem(qtbot, window, "x**2 + y**2")
    compare = window.comparisons.open()
    qtbot.waitUntil(lambda: all(s.active for s in compare.sessions), timeout=WAIT)
    window.preferences.set_preferences(Preferences(theme="dark", presentation=True))
    assert background(compare.loss_plot) == "#1B1C1F"
    assert background(compare.path_plot) == "#1B1C1F"
    compare.close()


def test_stored_values_that_make_no_sense_fall_back_to_defaults(tmp_path):
    settings = QSettings(str(tmp_path / "odd.ini"), QSettings.Format.IniFormat)
    settings.setValue("preferences/theme", "purple")
    assert Preferences.load(settings).theme == "system"


def test_a_new_problem_restyles_only_plots_with_new_curves(qtbot, monkeypatch):
    from gdstudio.qt.plots import theme as theme_module

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.addLegend()
    plot.plot([0, 1], [0, 1], pen=pg.mkPen("#ff0000", width=1), name="old")
    presentation = PlotTheme(dark=False, presentation=True)
    theme_module.apply_plot_theme(plot, presentation)
    styled: list[object] = []
    original = theme_module._style_axis
    monkeypatch.setattr(theme_module, "_style_axis",
                        lambda axis, *rest: (styled.append(axis), original(axis, *rest)))
    theme_module.apply_plot_theme(plot, presentation, changed_only=True)
    assert styled == []  # nothing new: left alone
    new = plot.plot([0, 1], [1, 0], pen=pg.mkPen("#0000ff", width=1), name="new")
    theme_module.apply_plot_theme(plot, presentation, changed_only=True)
    assert styled and new.opts["pen"].widthF() == 2.0  # presentation's doubled line
    styled.clear()
    plot.setLabel("left", "m")  # a new parameter's title is fitted to the plot
    theme_module.apply_plot_theme(plot, presentation, changed_only=True)
    assert styled
    styled.clear()
    theme_module.apply_plot_theme(plot, PlotTheme(dark=True, presentation=True),
                                  changed_only=True)
    assert styled  # another theme restyles everything
