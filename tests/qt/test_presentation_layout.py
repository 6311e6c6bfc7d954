"""Presentation mode on a 1280 × 720 projector: a big main plot and nothing cut."""

from __future__ import annotations

from collections.abc import Iterator

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableView

from gdstudio.qt.preferences import Preferences, apply_application_theme
from tests.qt.helpers import make_window, run_to_end, wait_for_problem, window

__all__ = ["window"]


@pytest.fixture(autouse=True)
def platform_look_restored() -> Iterator[None]:
    yield
    apply_application_theme(Preferences())


def show_at(qtbot, window, width: int, height: int, presentation: bool, dark: bool = False):
    window.preferences.set_preferences(Preferences(theme="dark" if dark else "light",
                                                   presentation=presentation))
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height)
    QApplication.processEvents()  # pending layout requests of the docks and plots


def legend_is_whole(plot: pg.PlotWidget) -> None:
    legend = plot.plotItem.legend
    box = plot.plotItem.vb.sceneBoundingRect()
    assert legend is not None and legend.items
    for sample, label in legend.items:
        text = label.item.mapRectToScene(label.item.boundingRect())
        assert box.contains(text), (label.text, text, box)
        assert box.contains(sample.sceneBoundingRect()), label.text


def log_is_whole(table: QTableView) -> None:
    header = table.horizontalHeader()
    model = table.model()
    total = 0
    for column in range(model.columnCount()):
        title = model.headerData(column, Qt.Orientation.Horizontal)
        size = header.sectionSize(column)
        assert size >= header.fontMetrics().horizontalAdvance(title) + 8, title
        for row in range(max(0, model.rowCount() - 12), model.rowCount()):
            text = model.index(row, column).data()
            assert size >= table.fontMetrics().horizontalAdvance(text) + 4, (title, text)
        total += size
    assert total <= table.viewport().width(), "the log scrolls sideways"


def axis_titles_are_whole(plot: pg.PlotWidget) -> None:
    axis = plot.plotItem.getAxis("left")
    if axis.isVisible() and axis.labelText:
        width = axis.label.mapRectToScene(axis.label.boundingRect()).height()
        assert width <= axis.sceneBoundingRect().height() + 1, axis.labelText


@pytest.mark.parametrize("dark", [False, True])
def test_projector_1280x720_gives_the_plot_half_the_width_and_cuts_nothing(qtbot, window,
                                                                           dark):
    show_at(qtbot, window, 1280, 720, presentation=True, dark=dark)
    run_to_end(qtbot, window)
    QApplication.processEvents()
    assert window.plot_stack.width() >= window.width() / 2
    assert window.panels.compact
    assert window.traces_dock in window.tabifiedDockWidgets(window.editor_dock)
    assert window.editor_dock.isVisible() and window.log_dock.isVisible()
    assert window.explain_dock.isVisible()  # beside the log: x² has few columns
    legend_is_whole(window.function_plot)
    log_is_whole(window.history_table)
    window.traces_dock.raise_()
    QApplication.processEvents()
    for plot in window.traces.findChildren(pg.PlotWidget):
        axis_titles_are_whole(plot)


def test_two_variables_at_1280x720_put_the_explanation_behind_a_whole_log(qtbot, window):
    show_at(qtbot, window, 1280, 720, presentation=True)
    assert window.examples.open_example("elongated_bowl")
    wait_for_problem(qtbot, window, "x**2 + 10*y**2")
    run_to_end(qtbot, window)
    QApplication.processEvents()
    assert window.plot_stack.width() >= window.width() / 2
    assert window.explain_dock in window.tabifiedDockWidgets(window.log_dock)
    log_is_whole(window.history_table)
    legend_is_whole(window.contour_plot)


@pytest.mark.parametrize("size", [(1280, 720), (1600, 1000)])
def test_normal_mode_keeps_the_wide_arrangement(qtbot, window, size):
    show_at(qtbot, window, *size, presentation=False)
    run_to_end(qtbot, window)
    QApplication.processEvents()
    assert not window.panels.compact
    area = window.dockWidgetArea(window.traces_dock)
    assert area == Qt.DockWidgetArea.RightDockWidgetArea and window.traces_dock.isVisible()
    assert window.plot_stack.width() >= 0.4 * window.width()
    legend_is_whole(window.function_plot)
    log_is_whole(window.history_table)


def test_leaving_presentation_mode_brings_the_traces_back_to_the_right(qtbot, window):
    show_at(qtbot, window, 1280, 720, presentation=True)
    assert window.panels.compact
    show_at(qtbot, window, 1280, 720, presentation=False)
    assert not window.panels.compact
    assert window.dockWidgetArea(window.traces_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    show_at(qtbot, window, 1920, 1080, presentation=True)  # a full-HD projector
    assert window.plot_stack.width() >= window.width() / 2
    show_at(qtbot, window, 1600, 1000, presentation=False)
    assert not window.panels.compact


def test_a_small_window_is_remembered_and_reopens_compact(qtbot, tmp_path):
    first = make_window(qtbot, tmp_path / "settings.ini")
    show_at(qtbot, first, 1280, 720, presentation=True)
    first.close()
    second = make_window(qtbot, tmp_path / "settings.ini")  # (offscreen: an 800-pixel screen)
    assert second.lessons.dock.isHidden()  # the lessons dock, made after the first paint,
    QApplication.processEvents()  # must not pull the traces back to the right (it did)
    assert second.preferences.preferences.presentation and second.panels.compact
    show_at(qtbot, second, 1280, 720, presentation=True)
    assert second.plot_stack.width() >= second.width() / 2
    second.close()


@pytest.mark.parametrize(("width", "height", "presentation"),
                         [(1280, 720, True), (1600, 1000, False), (1280, 720, False)])
def test_the_problem_panel_is_never_narrower_than_its_fields(qtbot, window, width, height,
                                                               presentation):
    """With every method chosen (the longest title is Armijo's line search, and Newton and
    Armijo add fields): nothing in the panel is cut or scrolled sideways."""
    show_at(qtbot, window, width, height, presentation=presentation)
    editor = window.editor
    combo = editor.optimizer_combo
    for index in range(combo.count()):
        combo.setCurrentIndex(index)
        QApplication.processEvents()
        assert editor.width() >= editor.minimumSizeHint().width(), combo.currentText()
        assert combo.view().minimumWidth() >= combo.view().sizeHintForColumn(0)
