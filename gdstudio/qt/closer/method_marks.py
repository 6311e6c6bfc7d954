"""Newton's parabola and Armijo's trials, drawn for the step just made.

In one variable, Newton's method jumps to the bottom of the parabola
q(x) = f + f′·(x − c) + ½(f″ + λ)(x − c)² at the point c it steps from: the plot draws
that parabola and marks its bottom. The line search tries x − α·f′ for α, βα, β²α …
until f is low enough: the plot marks each point tried (✗ rejected, ● accepted) and the
sufficient-decrease line f(c) − c·α·f′² they are compared with. Both follow the step the
Explain panel writes out: the last one made (before any step, the one about to be made).

When Newton's method falls back to a gradient step (the Hessian is not positive definite
there), a label in the status bar says so for as long as that step is the last one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from gdstudio.engine.explain import format_number, subscript
from gdstudio.engine.history import FALLBACK_NOT_POSITIVE, History
from gdstudio.problems.inspect import LocalQuadratic
from gdstudio.qt.closer.overlays import EMPTY, Z_VALUE, ParabolaOverlay, make_label, place_label
from gdstudio.qt.plots import FunctionPlot
from gdstudio.qt.plots.common import OKABE_ITO, PickingPlot

__all__ = ["ArmijoTrials", "MethodMarks"]


class ArmijoTrials:
    """The trial points of one line search, on the curve (with the decrease line) or the map
    (with the search's ray)."""

    def __init__(self, plot: PickingPlot) -> None:
        self.plot = plot
        view = plot.plotItem
        self.bar = pg.PlotDataItem(pen=pg.mkPen(OKABE_ITO["bluish_green"], width=2,
                                                style=Qt.PenStyle.DotLine))
        self.rejected = pg.PlotDataItem(pen=None, symbol="x", symbolSize=16,
                                        symbolPen=pg.mkPen(OKABE_ITO["vermillion"], width=3),
                                        symbolBrush=OKABE_ITO["vermillion"])
        self.accepted = pg.PlotDataItem(pen=None, symbol="star", symbolSize=22,
                                        symbolPen=pg.mkPen("k", width=1),
                                        symbolBrush=OKABE_ITO["bluish_green"])
        self.label = make_label(OKABE_ITO["bluish_green"])
        for name, item in (("armijoBar", self.bar), ("armijoRejected", self.rejected),
                           ("armijoAccepted", self.accepted), ("armijoLabel", self.label)):
            item.setObjectName(name)
            item.setZValue(Z_VALUE)
            view.addItem(item, ignoreBounds=True)
        self.clear()

    def show(self, x: float, loss: float, slope: float, rates: np.ndarray,
             losses: np.ndarray, accepted: int | None, c: float, step: int) -> None:
        """Mark the trials x − α·f′ (with f there) of the update from ``x``."""
        xs = x - rates * slope
        keep = np.ones(rates.shape[0], dtype=bool)
        if accepted is not None:
            keep[accepted] = False
            self.accepted.setData([xs[accepted]], [losses[accepted]])
        else:
            self.accepted.setData(EMPTY, EMPTY)
        finite = keep & np.isfinite(losses)
        self.rejected.setData(xs[finite], losses[finite])
        widest = float(rates.max()) if rates.size else 0.0
        self.bar.setData([x, x - widest * slope], [loss, loss - c * widest * slope * slope])
        tried = ", ".join(format_number(rate) + (" ✓" if index == accepted else " ✗")
                          for index, rate in enumerate(rates))
        self.label.setText(f"line search from x{subscript(step)}: α = {tried}\n"
                           f"enough decrease: below the dotted line f − c·α·f′²")
        place_label(self.label, self.plot, x, loss)
        self.label.show()

    def show_on_map(self, point: np.ndarray, grad: np.ndarray, rates: np.ndarray,
                    accepted: int | None, step: int) -> None:
        """Mark the trials θ − α·∇f of the update from ``point`` on a map of two variables."""
        tried = point[np.newaxis, :] - rates[:, np.newaxis] * grad[np.newaxis, :]
        keep = np.ones(rates.shape[0], dtype=bool)
        if accepted is not None:
            keep[accepted] = False
            self.accepted.setData(tried[accepted, :1], tried[accepted, 1:])
        else:
            self.accepted.setData(EMPTY, EMPTY)
        self.rejected.setData(tried[keep, 0], tried[keep, 1])
        far = tried[int(np.argmax(rates))]
        self.bar.setData([point[0], far[0]], [point[1], far[1]])  # the ray searched along
        listed = ", ".join(format_number(rate) + (" ✓" if index == accepted else " ✗")
                           for index, rate in enumerate(rates))
        self.label.setText(f"line search from θ{subscript(step)} along −∇f: α = {listed}")
        place_label(self.label, self.plot, float(far[0]), float(far[1]))  # room out there
        self.label.show()

    def clear(self) -> None:
        """Draw nothing."""
        for item in (self.bar, self.rejected, self.accepted):
            item.setData(EMPTY, EMPTY)
        self.label.hide()


class MethodMarks(QObject):
    """Draws, for Newton's method and the line search, what the last step was made of.

    Parameters
    ----------
    model : StudioModel
        The problem and the optimizer.
    history : callable
        The run's history as the window shows it.
    plot : FunctionPlot
        The plot of one variable.
    map_plot : callable
        The map of two variables, if it has been made.
    status_parent : QWidget
        The status bar, which gets the fallback label.
    parent : QObject
        Owner.
    """

    def __init__(self, model: Any, history: Callable[[], History], plot: FunctionPlot,
                 map_plot: Callable[[], PickingPlot | None], status_parent: QWidget,
                 parent: QObject) -> None:
        super().__init__(parent)
        self.map_plot = map_plot
        self.map_trials: ArmijoTrials | None = None
        self.model = model
        self.history = history
        self.plot = plot
        self.parabola: ParabolaOverlay | None = None
        #: Gives new plot items the plots' theme (set by the installer).
        self.restyle: Callable[[PickingPlot], None] = lambda plot: None
        self.trials: ArmijoTrials | None = None
        self.fallback_label = QLabel(status_parent)
        self.fallback_label.setObjectName("newtonFallbackLabel")
        self.fallback_label.setStyleSheet(
            f"QLabel {{ background: {OKABE_ITO['yellow']}; color: black; padding: 1px 6px;"
            " border-radius: 3px; }")
        self.fallback_label.hide()
        status_parent.addPermanentWidget(self.fallback_label)

    def refresh(self) -> None:
        """Redraw for the history as it is now (cheap: only its last two rows are read)."""
        history = self.history()
        optimizer = self.model.optimizer
        one_variable = self.model.mode == "function" and len(self.model.param_names) == 1
        n = len(history) if history is not None else 0
        row = max(n - 2, 0)  # the point the last update was made from (or the start)
        newton = optimizer == "newton" and n > 0 and history.n_params == len(
            self.model.param_names)
        self._show_fallback(history, n, newton)
        if newton and one_variable:
            self._draw_newton(history, row)
        elif self.parabola is not None:
            self.parabola.clear()
            self._drop.setData(EMPTY, EMPTY)
        if optimizer == "armijo" and one_variable and n > 1 and history.trial_width:
            self._draw_trials(history, row)
        elif self.trials is not None:
            self.trials.clear()
        two_variables = self.model.mode == "function" and len(self.model.param_names) == 2
        if optimizer == "armijo" and two_variables and n > 1 and history.trial_width:
            self._draw_map_trials(history, row)
        elif self.map_trials is not None:
            self.map_trials.clear()

    def _show_fallback(self, history: History | None, n: int, newton: bool) -> None:
        code = int(history.fallback[n - 2]) if newton and n > 1 else 0
        if code:
            why = ("H is not positive definite there" if code == FALLBACK_NOT_POSITIVE
                   else "the Hessian is not available there")
            self.fallback_label.setText(f"Newton fell back to a gradient step at step "
                                        f"{n - 2} → {n - 1}: {why}")
        self.fallback_label.setVisible(bool(code))

    def _draw_newton(self, history: History, row: int) -> None:
        objective = self.model.objective
        if objective is None or not getattr(objective, "hessian_ready", False):
            return  # never differentiate on the UI thread; the run has it soon
        centre = np.array(history.params[row], dtype=float)
        hessian = objective.hessian(centre)
        if hessian is None:
            if self.parabola is not None:
                self.parabola.clear()
                self._drop.setData(EMPTY, EMPTY)
            return
        damping = float(self.model.effective_hyperparameters().get("damping", 0.0))
        curvature = float(hessian[0, 0]) + damping
        model = LocalQuadratic(centre, float(history.loss[row]),
                               np.array(history.grad[row], dtype=float),
                               np.array([[curvature]]))
        if self.parabola is None:
            self.parabola = ParabolaOverlay(self.plot, OKABE_ITO["reddish_purple"],
                                            "newtonParabola")
            self._drop = pg.PlotDataItem(pen=pg.mkPen(OKABE_ITO["reddish_purple"], width=2,
                                                      style=Qt.PenStyle.DotLine))
            self._drop.setObjectName("newtonDrop")
            self._drop.setZValue(Z_VALUE)
            self.plot.plotItem.addItem(self._drop, ignoreBounds=True)
            self.restyle(self.plot)
        k, k1 = subscript(row), subscript(row + 1)
        name = self.model.param_names[0]
        bottom = model.stationary_point
        if curvature <= 0 or bottom is None:
            text = (f"Newton's parabola at {name}{k} opens downwards (f″ = "
                    f"{format_number(curvature)}): no bottom, so a gradient step")
        else:
            text = f"Newton's parabola at {name}{k}: its bottom {name}{k1} = " \
                   f"{format_number(bottom[0])}"
        self.parabola.show(model, text)
        landed = row + 1 < len(history) and bottom is not None and curvature > 0
        if landed:  # from the bottom of the parabola down (or up) to f at the new point
            self._drop.setData([bottom[0], bottom[0]],
                               [float(model(bottom[0])), float(history.loss[row + 1])])
        else:
            self._drop.setData(EMPTY, EMPTY)

    def _draw_trials(self, history: History, row: int) -> None:
        rates, losses, accepted = history.trials(row)
        if self.trials is None:
            self.trials = ArmijoTrials(self.plot)
            self.restyle(self.plot)
        if rates.size == 0:
            self.trials.clear()
            return
        c = float(self.model.effective_hyperparameters().get("armijo_c", 1e-4))
        slope = float(history.grad[row, 0])
        loss = float(history.loss[row])
        if not (math.isfinite(slope) and math.isfinite(loss)):
            self.trials.clear()
            return
        self.trials.show(float(history.params[row, 0]), loss, slope, rates, losses,
                         accepted, c, row)

    def _draw_map_trials(self, history: History, row: int) -> None:
        plot = self.map_plot()
        if plot is None:
            return
        if self.map_trials is None:
            self.map_trials = ArmijoTrials(plot)
            self.restyle(plot)
        rates, _losses, accepted = history.trials(row)
        point, grad = np.array(history.params[row]), np.array(history.grad[row])
        if rates.size == 0 or not (np.all(np.isfinite(point)) and np.all(np.isfinite(grad))):
            self.map_trials.clear()
            return
        self.map_trials.show_on_map(point, grad, rates, accepted, row)
