"""The phase map: learning rate × momentum (or β₁), coloured by steps to converge."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox

from gdstudio.engine.optimizers import OPTIMIZERS
from gdstudio.engine.sweep_pictures import grid_csv
from gdstudio.qt.plots.common import FOREGROUND, OKABE_ITO
from gdstudio.qt.sweeps.jobs import PhaseResult, phase_job
from gdstudio.qt.sweeps.panel import SweepPanel, SweepPlot, SweepSource, decade_ticks
from gdstudio.qt.sweeps.runner import Job

__all__ = ["DIVERGED_COLOUR", "PHASE_COLOUR_MAP", "UNSETTLED_COLOUR", "PhasePanel"]

#: Steps to converge: cividis, made to read the same with every kind of colour vision.
PHASE_COLOUR_MAP = "cividis"
DIVERGED_COLOUR = OKABE_ITO["vermillion"]
UNSETTLED_COLOUR = "#BBBBBB"
_SYMBOLS = {"momentum": "μ", "beta1": "β₁"}
_AXIS_TITLES = {"momentum": "momentum μ", "beta1": "β₁ (Adam's momentum)"}
_OPTIMIZERS = ("momentum", "nesterov", "adam")


class PhasePanel(SweepPanel):
    """A grid of runs over learning rate × momentum (or β₁ for Adam); click a cell to use it."""

    title = "Phase map"

    def __init__(self, source: SweepSource, optimizer: str = "momentum") -> None:
        plot = SweepPlot("phasePlot", "Phase map of learning rate and momentum")
        plot.setToolTip("Each cell is one run: its colour says how many steps it took to "
                        "converge; crossed vermillion cells diverged. Click a cell to use it.")
        super().__init__(source, plot)
        self.optimizer = QComboBox()
        self.optimizer.setObjectName("phaseOptimizer")
        for name in _OPTIMIZERS:
            self.optimizer.addItem(OPTIMIZERS[name].title, name)
        if optimizer in _OPTIMIZERS:
            self.optimizer.setCurrentIndex(_OPTIMIZERS.index(optimizer))
        self.rate_count = QSpinBox()
        self.rate_count.setObjectName("phaseRates")
        self.rate_count.setRange(2, 200)
        self.rate_count.setValue(30)
        self.value_count = QSpinBox()
        self.value_count.setObjectName("phaseValues")
        self.value_count.setRange(2, 200)
        self.value_count.setValue(20)
        for widget in (QLabel("Optimizer"), self.optimizer, QLabel("Rates"), self.rate_count,
                       QLabel("Momentum values"), self.value_count):
            self.controls.addWidget(widget)
        self.controls.addStretch(1)
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "learning rate α")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.clicked.connect(self._clicked)
        self._image = pg.ImageItem(axisOrder="row-major")
        colours = pg.colormap.get(PHASE_COLOUR_MAP)
        self._image.setColorMap(colours)
        self.plot.addItem(self._image)
        self._bar = pg.ColorBarItem(colorMap=colours, interactive=False, width=14)
        self._bar.setImageItem(self._image, insert_in=self.plot.plotItem)
        self._bar.axis.setLabel("steps to converge")
        self._bar.axis.setPen(FOREGROUND)  # as the other axes, not pyqtgraph's grey
        self._bar.axis.setTextPen(FOREGROUND)
        # The bar's top tick is the most steps taken, level with the top of the plot:
        # room above it for the label's upper half.
        self.plot.plotItem.setContentsMargins(0, 10, 0, 0)
        self._overlay = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self._overlay)
        self._crosses = pg.ScatterPlotItem(symbol="x", size=9, pen=None,
                                           brush=pg.mkBrush("#000000"))
        self.plot.addItem(self._crosses)
        self._boundary = pg.PlotDataItem(pen=pg.mkPen("k", width=2.5,
                                                      style=Qt.PenStyle.DashLine))
        self.plot.addItem(self._boundary)
        legend = self.plot.addLegend(offset=(10, 10), brush=pg.mkBrush(255, 255, 255, 220))
        legend.addItem(pg.ScatterPlotItem(symbol="s", size=12, brush=DIVERGED_COLOUR,
                                          pen=pg.mkPen("k")), "diverged")
        legend.addItem(pg.ScatterPlotItem(symbol="s", size=12, brush=UNSETTLED_COLOUR,
                                          pen=pg.mkPen("k")), "not converged in the step limit")
        self._legend = legend

    # ---------------------------------------------------------------- computing
    def job(self, max_iter: int, tol_step: float) -> Job:
        return phase_job(self.source.experiment(), self.optimizer.currentData(),
                         self.rate_count.value(), self.value_count.value(), max_iter, tol_step)

    def show_result(self, result: PhaseResult) -> None:
        self.result = result
        rates, values = np.log10(result.rates), result.values
        rect = _cells_rect(rates, values)
        # row-major image: rows are momentum values (y), columns rates (x)
        steps = result.steps.T
        shown = np.log10(np.where(np.isfinite(steps), np.maximum(steps, 1.0), np.nan))
        low, high = _levels(shown)
        self._image.setImage(shown, levels=(low, high))
        self._image.setRect(rect)
        self._bar.setLevels((low, high))
        self._bar.axis.setTicks([_step_ticks(low, high), []])
        self._overlay.setImage(_overlay_rgba(result.status.T), levels=(0, 255))
        self._overlay.setRect(rect)
        diverged_rate, diverged_value = np.nonzero(result.status == "diverged")
        self._crosses.setData(rates[diverged_rate], values[diverged_value])
        self._draw_boundary(result)
        self.plot.getAxis("bottom").setTicks(decade_ticks(result.rates[0], result.rates[-1]))
        self.plot.setLabel("left", _AXIS_TITLES[result.hyperparameter])
        self.plot.setRange(rect, padding=0.02)
        self._write_note(result)

    def _draw_boundary(self, result: PhaseResult) -> None:
        limit = result.limit
        usable = limit is not None and math.isfinite(limit) and limit > 0
        if not usable or result.optimizer == "adam":
            self._boundary.setData([], [])
            self._boundary.hide()
            return
        mu = np.linspace(0.0, result.values[-1], 100)
        factor = (1 + mu) if result.optimizer == "momentum" else (1 + mu) / (1 + 2 * mu)
        self._boundary.setData(limit * factor, mu)  # the plot takes the log
        self._boundary.show()

    def _write_note(self, result: PhaseResult) -> None:
        status = result.status
        counts = {kind: int((status == kind).sum()) for kind in ("converged", "diverged")}
        steps = result.steps
        fastest = ""
        if np.isfinite(steps).any():
            i, j = np.unravel_index(np.nanargmin(steps), steps.shape)
            symbol = _SYMBOLS[result.hyperparameter]
            fastest = (f" Fastest: {int(steps[i, j])} steps at α = {result.rates[i]:.3g}, "
                       f"{symbol} = {result.values[j]:.2f}.")
        line = (" Dashed: the stable limit at the start." if self._boundary.isVisible()
                else "")
        self.note.setText(f"{status.size} runs of {OPTIMIZERS[result.optimizer].title}: "
                          f"{counts['converged']} converged, {counts['diverged']} diverged."
                          f"{fastest}{line} Click a cell to use its rate and "
                          f"{_SYMBOLS[result.hyperparameter]} in the main window.")

    # ---------------------------------------------------------------- picking
    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The (rate, value) indices of the cell at view point (log10 rate, value)."""
        result: PhaseResult | None = self.result
        if result is None:
            return None
        rates, values = np.log10(result.rates), result.values
        rect = _cells_rect(rates, values)
        if not rect.contains(x, y):
            return None
        i = int(np.argmin(np.abs(rates - x)))
        j = int(np.argmin(np.abs(values - y)))
        return i, j

    def _clicked(self, x: float, y: float) -> None:
        cell = self.cell_at(x, y)
        if cell is not None:
            self.pick(*cell)

    def pick(self, i: int, j: int) -> None:
        """Use the rate ``i`` and hyperparameter value ``j`` in the main window."""
        result: PhaseResult = self.result
        rate, value = float(result.rates[i]), float(result.values[j])
        self.source.use_rate(result.optimizer, rate, {result.hyperparameter: value})
        self.note.setText(f"Using {OPTIMIZERS[result.optimizer].title} with α = {rate:.4g} "
                          f"and {_SYMBOLS[result.hyperparameter]} = {value:.3g} in the main "
                          f"window (this run {result.status[i, j]}).")

    def csv_text(self) -> str | None:
        result: PhaseResult | None = self.result
        if result is None:
            return None
        rate, value = np.meshgrid(result.rates, result.values, indexing="ij")
        return grid_csv({"learning_rate": rate, result.hyperparameter: value,
                         "status": result.status, "steps": result.iterations,
                         "final_loss": result.loss})


def _cells_rect(xs: np.ndarray, ys: np.ndarray) -> QRectF:
    """The rectangle covered by cells centred on the evenly spaced ``xs`` × ``ys``."""
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    return QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))


def _levels(shown: np.ndarray) -> tuple[float, float]:
    finite = shown[np.isfinite(shown)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    return low, max(high, low + 1e-9)


def _step_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Colour-bar ticks in steps (the colours follow log10 of the steps)."""
    ticks = [(low, f"{10 ** low:.0f}"), (high, f"{10 ** high:.0f}")]
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        position = math.log10(step)
        if low + 0.08 * (high - low) < position < high - 0.08 * (high - low):
            ticks.append((position, str(step)))
    return ticks


def _overlay_rgba(status: np.ndarray) -> np.ndarray:
    """Opaque cells for runs that diverged or did not converge, transparent elsewhere."""
    rgba = np.zeros((*status.shape, 4), dtype=np.uint8)
    for kind, colour in (("diverged", DIVERGED_COLOUR), ("max_iter", UNSETTLED_COLOUR),
                         ("stopped", UNSETTLED_COLOUR)):
        hexa = colour.lstrip("#")
        rgba[status == kind] = [int(hexa[k:k + 2], 16) for k in (0, 2, 4)] + [255]
    return rgba
