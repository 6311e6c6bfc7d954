"""What the window leaves until after its first paint, and that it comes out the same.

The window builds only what its first frame shows: the map (two variables), the centre
parameter traces (three or more) and each plot's context menu are made on first use; the
projects, exports and comparisons just after the first paint, or when first asked for.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QMenu

from gdstudio.app import create_application, open_project_argument
from gdstudio.io import Project, save_project
from gdstudio.io.autosave import data_dir
from gdstudio.qt.files.project_dialogs import RestoreBar
from gdstudio.qt.lessons.tools import UNTITLED_TITLE
from gdstudio.qt.plots import ContourPlot, FunctionPlot, ParameterTracesPlot
from gdstudio.qt.plots.common import LazyMenuViewBox
from gdstudio.qt.preferences import Preferences, apply_application_theme
from gdstudio.qt.window import MainWindow
from tests.qt.helpers import WAIT, wait_for_problem, window

__all__ = ["window"]

DARK_BACKGROUND = "#1B1C1F"
BOWL = Project(expression="x**2 + y**2", start={"x": 1.0, "y": 2.0}, title="A bowl")


@pytest.fixture(autouse=True)
def platform_look_restored():
    """Every test leaves the application as the platform made it."""
    yield
    apply_application_theme(Preferences())


def bare_window(qtbot, tmp_path: Path, show: bool = True) -> MainWindow:
    """A window nothing has asked for its projects yet (unlike ``make_window``)."""
    create_application([])
    studio = MainWindow(QSettings(str(tmp_path / "bare.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(studio)
    if show:
        studio.show()
    return studio


def menu_texts(menu: QMenu) -> list[str]:
    return [item.text() for item in menu.actions()]


def background(plot) -> str:
    return plot.backgroundBrush().color().name().upper()


# ------------------------------------------------------------------ centre pages
def test_only_the_first_problems_page_is_made_at_start(window):
    assert window.plot_stack.count() == 1
    assert window.plot_stack.currentWidget() is window.function_plot
    assert window.findChild(ContourPlot) is None
    centre_traces = [plot for plot in window.findChildren(ParameterTracesPlot)
                     if plot is not window.traces.parameter_plot]
    assert centre_traces == []


def test_the_map_is_made_when_a_two_variable_problem_arrives(qtbot, window):
    window.examples.open_example("convex_bowl")
    wait_for_problem(qtbot, window, "x**2 + y**2")
    assert window.plot_stack.currentWidget() is window.contour_page
    plot = window.contour_plot
    assert isinstance(plot, ContourPlot) and plot.parent() is not None
    assert window.findChildren(ContourPlot) == [plot]  # made once
    assert plot.grid_rect is not None  # the map was drawn for the problem
    assert background(plot) == "#FFFFFF"
    qtbot.waitUntil(lambda: plot.isVisible(), timeout=WAIT)
    point = plot.data_to_widget(1.0, -1.0).toPoint()
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), point)
    qtbot.waitUntil(lambda: abs(window.model.start["x"] - 1.0) < 0.1
                    and abs(window.model.start["y"] + 1.0) < 0.1, timeout=WAIT)


def test_a_map_made_late_follows_the_theme_and_presentation_mode(window):
    window.preferences.set_preferences(Preferences(theme="dark", presentation=True))
    assert window.findChild(ContourPlot) is None
    plot = window.contour_plot
    assert background(plot) == DARK_BACKGROUND
    axis = plot.plotItem.getAxis("bottom")
    assert axis.textPen().color().name().upper() == "#D9D9D9"
    function_font = window.function_plot.plotItem.getAxis("left").style["tickFont"]
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(function_font.pointSizeF())
    window.preferences.set_preferences(Preferences())
    assert background(plot) == "#FFFFFF"


def test_the_data_page_follows_the_theme_before_its_first_problem(window):
    window.preferences.set_preferences(Preferences(theme="dark"))
    window.model.set_mode("data")  # no data yet: no data problem is built
    plots = window.data_mode.view.findChildren(pg.PlotWidget)
    assert plots and all(background(plot) == DARK_BACKGROUND for plot in plots)


def test_the_map_and_data_pages_are_made_after_start_up_before_first_use(qtbot, window):
    qtbot.waitUntil(lambda: window.pages_made, timeout=WAIT)
    assert window.plot_stack.currentWidget() is window.function_plot  # still x²'s page
    assert window.plot_stack.count() == 3  # x², the map page, data mode's page
    maps = [plot for plot in window.findChildren(ContourPlot) if type(plot) is ContourPlot]
    assert len(maps) == 1 and maps[0].grid_rect is None  # made, not yet filled
    data_page = window.data_mode.view
    assert data_page is not None and data_page.loss_stack.count() == 2  # curve and map
    assert window.model.mode == "function" and not window.editor.data_editor.isVisible()
    window.examples.open_example("convex_bowl")
    wait_for_problem(qtbot, window, "x**2 + y**2")
    assert window.plot_stack.currentWidget() is window.contour_page
    assert window.contour_plot is maps[0] and maps[0].grid_rect is not None  # filled
    window.editor.mode_switch.buttons["data"].click()
    qtbot.waitUntil(lambda: window.data_mode.ready, timeout=WAIT)
    assert window.plot_stack.currentWidget() is data_page and window.plot_stack.count() == 3


def test_the_pages_are_made_only_once_the_first_run_is_ready(qtbot, tmp_path, monkeypatch):
    # Without its ready-made form the first example compiles in the helper process after
    # the first paint: the pages must wait for its run, not come between.
    monkeypatch.setattr("gdstudio.qt.window.ready_made", lambda _text: None)
    monkeypatch.setattr("gdstudio.qt.run.compiler.ready_made", lambda _text: None)
    studio = bare_window(qtbot, tmp_path, show=False)
    ready_when_added: list[bool] = []
    add = studio.idle_work.add
    studio.idle_work.add = lambda piece: (ready_when_added.append(
        studio.session.active and not studio.compiler.busy), add(piece))
    painted: list[bool] = []
    studio.after_first_paint(lambda: painted.append(studio.session.active))
    studio.show()
    qtbot.waitUntil(lambda: studio.idle_work.pending == 0 and bool(ready_when_added),
                    timeout=WAIT)
    assert painted == [False]  # the example was not ready at the first paint
    assert all(ready_when_added)  # and no page was queued before it was
    assert studio.plot_stack.count() == 3  # x²'s page, the map page, data mode's page
    studio.close()


def test_a_window_closed_before_its_pages_are_made_makes_none(qtbot, tmp_path):
    studio = bare_window(qtbot, tmp_path)
    assert not studio.pages_made  # not even queued before the first paint
    qtbot.waitUntil(lambda: studio.session.active and studio.idle_work.pending > 0,
                    timeout=WAIT)
    assert not studio.pages_made  # queued, not made
    studio.close()
    assert studio.idle_work.pending == 0
    assert studio.findChild(ContourPlot) is None and studio.data_mode.view is None


def test_the_traces_are_made_after_the_example_is_ready_and_show_its_run(qtbot, tmp_path):
    studio = bare_window(qtbot, tmp_path, show=False)
    made_when_logged: list[bool] = []
    studio.session.historyChanged.connect(
        lambda _old: made_when_logged.append(studio.traces.made))
    studio.show()
    qtbot.waitUntil(lambda: studio.traces.made, timeout=WAIT)
    assert made_when_logged[:1] == [False]  # step 0 was in the log before they were made
    xs, ys = studio.traces.loss_plot.series[0].item.getData()
    assert list(xs) == [0.0] and list(ys) == [9.0]  # x² at the start, 3
    assert [s.item.opts["name"] for s in studio.traces.parameter_plot.series] == ["x"]
    studio.action_step.trigger()
    qtbot.waitUntil(lambda: len(studio.traces.loss_plot.series[0].item.getData()[0]) == 2,
                    timeout=WAIT)
    studio.close()


def test_traces_made_late_follow_the_theme_and_presentation_mode(qtbot, tmp_path):
    studio = bare_window(qtbot, tmp_path, show=False)
    studio.preferences.set_preferences(Preferences(theme="dark", presentation=True))
    assert not studio.traces.made
    studio.show()
    qtbot.waitUntil(lambda: studio.traces.made, timeout=WAIT)
    for plot in studio.traces.plots():
        assert background(plot) == DARK_BACKGROUND
    axis = studio.traces.loss_plot.plotItem.getAxis("left")
    function_font = studio.function_plot.plotItem.getAxis("left").style["tickFont"]
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(function_font.pointSizeF())
    studio.preferences.set_preferences(Preferences())
    assert background(studio.traces.loss_plot) == "#FFFFFF"
    studio.close()


def test_centre_parameter_traces_are_made_for_three_variables(qtbot, window):
    late = window.parameter_plot  # asked for while the problem has one variable
    assert [s.item.opts["name"] for s in late.series] == ["x"]  # the problem's names
    window.editor.expressionSubmitted.emit("x**2 + y**2 + z**2")
    qtbot.waitUntil(lambda: window.model.param_names == ("x", "y", "z")
                    and window.session.active, timeout=WAIT)
    assert window.plot_stack.currentWidget() is late
    assert [s.item.opts["name"] for s in late.series] == ["x", "y", "z"]


# ------------------------------------------------------------------ context menus
def test_a_plots_context_menu_is_made_on_the_first_right_click(qtbot):
    plot = FunctionPlot()
    qtbot.addWidget(plot)
    plot.resize(500, 400)
    plot.show()
    qtbot.waitExposed(plot)
    view = plot.plotItem.vb
    assert isinstance(view, LazyMenuViewBox)
    assert view.menu is None and view.menuEnabled()
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier(0),
                     QPoint(250, 200))
    qtbot.waitUntil(lambda: view.menu is not None and view.menu.isVisible(), timeout=WAIT)
    texts = menu_texts(view.menu)
    assert texts[:4] == ["View All", "X axis", "Y axis", "Mouse Mode"]
    assert "Plot Options" in texts and "Export..." in texts
    view.menu.close()
    view.setMenuEnabled(False)  # switched off as in pyqtgraph, and it stays off
    assert view.menu is None and not view.menuEnabled()
    assert view.getContextMenus(None) == []


def test_context_menus_of_items_inside_the_view_include_the_views(qtbot):
    view = LazyMenuViewBox()
    actions = view.getContextMenus(None)
    assert view.menu is not None and actions == view.menu.actions() and actions


# ------------------------------------------------------------------ late tools
def test_menus_are_complete_after_the_first_event_loop_turn(qtbot, tmp_path):
    studio = bare_window(qtbot, tmp_path)
    assert studio.windowTitle() == UNTITLED_TITLE  # already as the projects will keep it
    qtbot.waitExposed(studio)
    qtbot.waitUntil(lambda: studio.registry.action("actionSave") is not None, timeout=WAIT)
    file_menu = studio.registry.menu("file")
    assert menu_texts(file_menu) == [
        "&New", "&Open…", "Open &Recent", "", "&Save", "Save &As…",
        "Include the Run &History When Saving", "", "New &Lesson…",
        "Add This State as a Lesson &Page", "Add a Lesson &Task From This Run", "", "&Export",
        "", "Quit"]
    titles = [item.text() for item in studio.menuBar().actions()]
    assert titles == ["&File", "E&xamples", "&Run", "&View", "&Help"]
    assert menu_texts(studio.registry.menu("run"))[-3:] == ["", "&Compare Optimizers…", "S&weep…"]
    assert menu_texts(studio.registry.menu("view"))[-1] == "&Preferences…"
    assert studio.windowTitle() == UNTITLED_TITLE
    studio.close()


def test_asking_for_the_projects_installs_them_at_once(qtbot, tmp_path):
    studio = bare_window(qtbot, tmp_path, show=False)
    assert studio.registry.action("actionSave") is None  # not before it is needed
    projects = studio.projects
    assert studio.registry.action("actionSave") is not None
    assert studio.projects is projects and studio.exports.menu.title() == "&Export"
    assert studio.comparisons.action.objectName() == "actionCompare"
    assert not studio.isWindowModified()
    studio.close()


def test_a_window_closed_at_once_installs_nothing_later(qtbot, tmp_path):
    studio = bare_window(qtbot, tmp_path)
    studio.close()
    qtbot.waitUntil(lambda: studio._after_paint.done, timeout=WAIT)  # its turn came and went
    assert studio.registry.action("actionSave") is None
    assert studio.model.objective is None and not studio.compiler.busy


def test_a_window_never_shown_still_gets_ready(qtbot, tmp_path):
    studio = bare_window(qtbot, tmp_path, show=False)
    qtbot.waitUntil(lambda: studio.session.active, timeout=WAIT)  # the example: at once
    qtbot.waitUntil(lambda: studio.registry.action("actionSave") is not None,
                    timeout=WAIT)  # the late tools: when the first paint does not come
    studio.close()


def test_a_project_opened_before_the_first_paint_is_not_replaced_by_the_example(
    qtbot, tmp_path
):
    path = tmp_path / "bowl.gdstudio"
    save_project(BOWL, path)
    studio = bare_window(qtbot, tmp_path)  # as gdstudio bowl.gdstudio does it
    assert open_project_argument(studio, path)
    painted: list[bool] = []
    studio.after_first_paint(lambda: painted.append(True))  # after the window's own compile
    qtbot.waitUntil(lambda: bool(painted) and not studio.compiler.busy, timeout=WAIT)
    wait_for_problem(qtbot, studio, BOWL.expression)
    assert studio.model.expression_text == BOWL.expression
    assert studio.model.param_names == ("x", "y")
    assert studio.plot_stack.currentWidget() is studio.contour_page
    assert studio.windowTitle().startswith("bowl.gdstudio")
    studio.close()


def test_the_autosave_is_offered_when_the_projects_arrive_after_the_first_paint(
    qtbot, tmp_path
):
    crashed = data_dir() / "autosave-1-crashed.gdstudio"  # no lock: its window is gone
    crashed.parent.mkdir(parents=True, exist_ok=True)
    save_project(BOWL, crashed)
    studio = bare_window(qtbot, tmp_path)
    qtbot.waitUntil(lambda: studio.findChild(RestoreBar) is not None, timeout=WAIT)
    assert studio.projects.restore_bar is studio.findChild(RestoreBar)
    studio.projects.restore_bar.discard_button.click()
    assert not crashed.exists()
    studio.close()



def test_after_its_pages_the_window_loads_the_compiler_off_the_ui_thread(
        qtbot, tmp_path, monkeypatch):
    calls: list[tuple[bool, bool]] = []  # (pages made by then, on the UI thread)
    ui_thread = threading.get_ident()
    studio: MainWindow | None = None

    def load() -> None:
        calls.append((studio.idle_work.pending == 0, threading.get_ident() == ui_thread))

    monkeypatch.setattr("gdstudio.problems.expression.load_compiler", load)
    studio = bare_window(qtbot, tmp_path)
    qtbot.waitUntil(lambda: studio.pages_made and bool(calls), timeout=WAIT)
    qtbot.waitUntil(lambda: not studio.compiler.loading, timeout=WAIT)
    assert calls == [(True, False)]
    assert studio.plot_stack.count() == 3  # the pages came first
    studio.compiler.load_here()  # asked again: loads again (the function knows it is done)
    qtbot.waitUntil(lambda: len(calls) == 2 and not studio.compiler.loading, timeout=WAIT)
    studio.close()


def test_a_compiler_that_fails_to_load_only_loses_its_head_start(qtbot, tmp_path, monkeypatch):
    def broken() -> None:
        raise ImportError("no sympy printers here")

    monkeypatch.setattr("gdstudio.problems.expression.load_compiler", broken)
    studio = bare_window(qtbot, tmp_path)
    qtbot.waitUntil(lambda: studio.pages_made, timeout=WAIT)
    qtbot.waitUntil(lambda: not studio.compiler.loading, timeout=WAIT)
    edit = studio.findChild(QLineEdit, "expressionEdit")
    edit.setText("x**2 + 7*x")  # a text that is not an example: it compiles all the same
    edit.editingFinished.emit()
    qtbot.waitUntil(lambda: studio.model.expression_text == "x**2 + 7*x", timeout=WAIT)
    studio.close()
