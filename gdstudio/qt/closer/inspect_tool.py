"""Inspect: click a point of the curve or the map (or take the run's current point) and
see its curvature — the numbers, the kind of point in words, the local quadratic model.

The Hessian is the exact one the compiler differentiated in the background; a click that
comes before it is ready is inspected as soon as it is (nothing is differentiated on the
UI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, SignalInstance
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from gdstudio.engine.curvature import LIMIT_FORMULAS
from gdstudio.engine.explain import format_number
from gdstudio.engine.optimizers import OPTIMIZERS
from gdstudio.problems.curvature import stable_learning_rate
from gdstudio.problems.inspect import PointInspection, inspect_objective
from gdstudio.qt.closer.overlays import ConicOverlay, ParabolaOverlay
from gdstudio.qt.closer.panel import CurvaturePanel, inspection_html
from gdstudio.qt.plots import ContourPlot, FunctionPlot
from gdstudio.qt.plots.common import OKABE_ITO, PickingPlot

__all__ = ["InspectHost", "InspectTool"]


@dataclass(frozen=True)
class InspectHost:
    """What the Inspect tool needs of the window.

    Attributes
    ----------
    model : StudioModel
        The problem (its objective, names, mode, optimizer).
    history : callable
        The run's history as the window shows it.
    plots : callable
        The function plots made so far (one and two variables).
    editor_valid : callable
        Whether the problem as typed is valid.
    hessian_ready : SignalInstance
        Emitted when the compiler has the Hessian of the newest function.
    show_status : callable
        Shows one sentence in the status bar.
    show_panel : callable
        Brings the Curvature panel to the front.
    leave_panel : callable
        Puts the Curvature panel away and brings Explain back (the inspection is cleared).
    restyle : callable
        Gives a plot's new items the plots' theme.
    """

    model: Any
    history: Callable[[], Any]
    plots: Callable[[], list[PickingPlot]]
    editor_valid: Callable[[], bool]
    hessian_ready: SignalInstance
    show_status: Callable[[str], None]
    show_panel: Callable[[], None]
    leave_panel: Callable[[], None]
    restyle: Callable[[PickingPlot], None]


class InspectTool(QObject):
    """Run ▸ Inspect Point (a plot tool) and Run ▸ Inspect Current Point.

    Attributes
    ----------
    action_inspect : QAction
        Checkable: while on, a click on the plot inspects that point (Ctrl+I).
    action_current : QAction
        Inspects the run's current point (Ctrl+Shift+I).
    panel : CurvaturePanel
        Where the numbers and words are shown.
    inspection : PointInspection or None
        The point shown now.
    """

    def __init__(self, host: InspectHost, panel: CurvaturePanel, parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self.panel = panel
        self.inspection: PointInspection | None = None
        self._pending: np.ndarray | None = None
        self._overlays: dict[int, ParabolaOverlay | ConicOverlay] = {}
        self.action_inspect = QAction("&Inspect Point", parent)
        self.action_inspect.setObjectName("actionInspect")
        self.action_inspect.setCheckable(True)
        self.action_inspect.setShortcut(QKeySequence("Ctrl+I"))
        tip = "Click the plot to see the curvature there (Esc clears)"
        self.action_inspect.setToolTip(f"{tip} (Ctrl+I)")
        self.action_inspect.setStatusTip(tip)
        self.action_inspect.toggled.connect(self._toggled)
        self.action_current = QAction("Inspect &Current Point", parent)
        self.action_current.setObjectName("actionInspectCurrent")
        self.action_current.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.action_current.setStatusTip("The curvature where the run is now")
        self.action_current.triggered.connect(self.inspect_current)
        for action in (self.action_inspect, self.action_current):
            parent.addAction(action)
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), parent)
        self._escape.setObjectName("inspectEscape")
        self._escape.activated.connect(self.clear)
        self._escape.setEnabled(False)
        host.hessian_ready.connect(self._hessian_ready)
        host.model.problemChanged.connect(self._problem_changed)

    # ---------------------------------------------------------------- public
    def inspect_at(self, point: np.ndarray) -> PointInspection | None:
        """Inspect the point ``point`` of the current problem and show what it is."""
        self._pending = None
        objective = self.host.model.objective
        if objective is None or not self.host.editor_valid():
            return self._refuse("Nothing to inspect: type a valid function in the Problem "
                                "panel first.")
        point = np.asarray(point, dtype=float).reshape(-1)
        if point.shape[0] != len(objective.param_names):
            return self._refuse(f"Cannot inspect: the point has {point.shape[0]} coordinates "
                                f"but the function has {len(objective.param_names)} variables.")
        if not getattr(objective, "hessian_ready", True):
            self._pending = point
            self.host.show_status("Working out the second derivatives; the point is "
                                  "inspected as soon as they are ready …")
            return None
        try:
            inspection = inspect_objective(objective, point)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
            message = str(error)
            return self._refuse(f"Cannot inspect: {message[:1].lower()}{message[1:]}.")
        self.inspection = inspection
        self.panel.show_inspection(self._html(objective, inspection))
        self._draw(inspection)
        self._escape.setEnabled(True)
        self.host.show_panel()
        self.host.show_status(f"Inspected: {inspection.description}.")
        return inspection

    def inspect_current(self) -> PointInspection | None:
        """Inspect the newest point of the run."""
        history = self.host.history()
        if history is None or len(history) == 0:
            return self._refuse("Nothing to inspect: there is no run yet.")
        return self.inspect_at(np.array(history.params[len(history) - 1]))

    def clear(self) -> None:
        """Take the inspection off the plot and turn the tool off (Esc)."""
        self._pending = None
        self.inspection = None
        for overlay in self._overlays.values():
            overlay.clear()
        self.panel.show_hint()
        self.host.leave_panel()
        self._escape.setEnabled(False)
        self.action_inspect.setChecked(False)

    def overlay_of(self, plot: PickingPlot) -> ParabolaOverlay | ConicOverlay | None:
        """The overlay drawn on ``plot`` (None until something was inspected there)."""
        return self._overlays.get(id(plot))

    # ---------------------------------------------------------------- internals
    def _refuse(self, sentence: str) -> None:
        self.panel.show_problem(sentence)
        self.host.show_panel()
        self.host.show_status(sentence)
        return None

    def _html(self, objective: Any, inspection: PointInspection) -> str:
        model = self.host.model
        name = model.optimizer if model.optimizer in LIMIT_FORMULAS else "gd"
        momentum = model.effective_hyperparameters().get("momentum", 0.0) if name != "gd" else 0.0
        try:
            limit = stable_learning_rate(objective, inspection.point, name, momentum)
        except (ValueError, ArithmeticError):
            limit = None
        method = OPTIMIZERS[name].title
        return inspection_html(inspection, limit, LIMIT_FORMULAS[name], method)

    def _plot_for(self, variables: int) -> PickingPlot | None:
        wanted = FunctionPlot if variables == 1 else ContourPlot if variables == 2 else None
        for plot in self.host.plots():
            if type(plot) is wanted:
                return plot
        return None

    def _draw(self, inspection: PointInspection) -> None:
        for overlay in self._overlays.values():
            overlay.clear()
        if self.host.model.mode != "function":
            return  # the data plots show other slices: the numbers say it all
        plot = self._plot_for(len(inspection.param_names))
        if plot is None:
            return
        overlay = self._overlays.get(id(plot))
        model = inspection.quadratic_model()
        if isinstance(plot, ContourPlot):
            if overlay is None:
                overlay = self._overlays[id(plot)] = ConicOverlay(plot)
                self.host.restyle(plot)
            overlay.show(model, inspection.eigenvalues, inspection.eigenvectors)
            return
        if overlay is None:
            overlay = self._overlays[id(plot)] = ParabolaOverlay(
                plot, OKABE_ITO["reddish_purple"], "inspectParabola")
            self.host.restyle(plot)
        curvature = float(inspection.hessian[0, 0])
        vertex = model.stationary_point
        where = ("" if vertex is None else
                 f": {'bottom' if curvature > 0 else 'top'} at {format_number(vertex[0])}")
        overlay.show(model, f"quadratic model, f″ = {format_number(curvature)}{where}")

    def _toggled(self, on: bool) -> None:
        self._install_handlers(on)
        if on:
            self.host.show_status("Inspect: click a point of the plot (Esc to stop).")
            self._escape.setEnabled(True)
        elif self.inspection is None:
            self._escape.setEnabled(False)

    def _install_handlers(self, on: bool) -> None:
        for plot in self.host.plots():
            if type(plot) in (FunctionPlot, ContourPlot):
                plot.pick_handler = self._clicked if on else None
                cursor = Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor
                plot.viewport().setCursor(cursor)

    def _clicked(self, point: QPointF) -> None:
        names = self.host.model.param_names
        coordinates = [point.x(), point.y()][: len(names)]
        self.inspect_at(np.array(coordinates))

    def _hessian_ready(self) -> None:
        if self._pending is not None:
            self.inspect_at(self._pending)

    def _problem_changed(self) -> None:
        was_on = self.action_inspect.isChecked()
        self.clear()
        if was_on:  # the new problem's page may be new: it takes the clicks too
            self.action_inspect.setChecked(True)
