"""Look closer: the curvature at any point, and Newton's method and the line search drawn.

:func:`install_closer` adds to a main window

* Run ▸ Inspect Point (Ctrl+I, also on the toolbar) and Run ▸ Inspect Current Point
  (Ctrl+Shift+I), with the Curvature panel beside Explain and the local quadratic model
  drawn on the plot (:mod:`gdstudio.qt.closer.inspect_tool`);
* Newton's parabola and the line search's trials on the plot of one variable, and a label
  when Newton's method falls back to a gradient step (:mod:`gdstudio.qt.closer.method_marks`).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget

from gdstudio.qt.closer.inspect_tool import InspectHost, InspectTool
from gdstudio.qt.closer.method_marks import MethodMarks
from gdstudio.qt.closer.panel import CurvaturePanel
from gdstudio.qt.host import (
    DocksHost,
    EditsProblem,
    HasActions,
    PlotsHost,
    Runs,
    ShowsProblem,
    StatusSink,
)
from gdstudio.qt.plots import ContourPlot
from gdstudio.qt.plots.common import PickingPlot
from gdstudio.qt.plots.theme import apply_plot_theme

__all__ = ["CloserHost", "CloserTools", "install_closer"]


@runtime_checkable
class CloserHost(ShowsProblem, EditsProblem, Runs, PlotsHost, DocksHost, HasActions,
                 StatusSink, Protocol):
    """What look closer uses of the window: the problem, the editor's validity and the
    compiler's Hessians, the run's history, the plots (drawn on), the dock area (the
    Curvature panel goes beside Explain), the registry (Run and View menus, the controls
    toolbar) and the status bar. Its ``preferences``, once made, theme the overlays."""


class CloserTools(QObject):
    """The Inspect tool, its panel and dock, and the method marks of one window."""

    def __init__(self, inspect: InspectTool, marks: MethodMarks, dock: QDockWidget,
                 parent: QObject) -> None:
        super().__init__(parent)
        self.inspect = inspect
        self.marks = marks
        self.dock = dock


def install_closer(window: CloserHost) -> CloserTools:
    """Add Inspect and the method marks to ``window`` (after its menus and toolbar).

    ``window`` is the main window (not imported here: it imports this room).
    """
    panel = CurvaturePanel()
    dock = QDockWidget("Curvature", window)
    dock.setObjectName("curvatureDock")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window.tabifyDockWidget(window.explain_dock, dock)
    dock.hide()  # until something is inspected: no room taken from Explain before

    def show_panel() -> None:
        dock.show()
        dock.raise_()

    def leave_panel() -> None:
        dock.hide()
        window.explain_dock.raise_()

    def restyle(plot: PickingPlot) -> None:
        """New overlay items take the plots' theme (presentation: thicker, bigger)."""
        preferences = getattr(window, "preferences", None)
        if preferences is not None:
            apply_plot_theme(plot, preferences.plot_theme)

    host = InspectHost(
        model=window.model,
        history=lambda: window.session.history,
        plots=lambda: window.plot_stack.findChildren(PickingPlot),
        editor_valid=lambda: window.editor.valid,
        hessian_ready=window.compiler.hessianReady,
        show_status=window.statusBar().showMessage,
        show_panel=show_panel,
        leave_panel=leave_panel,
        restyle=restyle,
    )
    inspect = InspectTool(host, panel, window)
    for action in (inspect.action_inspect, inspect.action_current):
        window.registry.add_action(action)
    run_menu = window.registry.menu("run")
    if run_menu is not None:
        run_menu.addSeparator()
        run_menu.addAction(inspect.action_inspect)
        run_menu.addAction(inspect.action_current)
    view_menu = window.registry.menu("view")
    if view_menu is not None:  # beside the other panels, before Preferences
        actions = view_menu.actions()
        explain = window.explain_dock.toggleViewAction()
        after = actions.index(explain) + 1 if explain in actions else len(actions)
        if after < len(actions):
            view_menu.insertAction(actions[after], dock.toggleViewAction())
        else:
            view_menu.addAction(dock.toggleViewAction())
    toolbar = window.registry.toolbar("controls")
    if toolbar is not None:
        toolbar.addSeparator()
        toolbar.addAction(inspect.action_inspect)

    def map_plot() -> PickingPlot | None:
        maps = [plot for plot in window.plot_stack.findChildren(ContourPlot)
                if type(plot) is ContourPlot]
        return maps[0] if maps else None

    marks = MethodMarks(window.model, lambda: window.session.history, window.function_plot,
                        map_plot, window.statusBar(), window)
    marks.restyle = restyle
    window.session.historyChanged.connect(lambda _old: marks.refresh())
    window.model.problemChanged.connect(marks.refresh)
    window.model.settingChanged.connect(lambda _which: marks.refresh())
    return CloserTools(inspect, marks, dock, window)
