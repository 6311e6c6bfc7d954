"""The learning-rate finder: final loss (or steps to converge) against the rate, log axis."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSpinBox

from gdstudio.engine.optimizers import OPTIMIZERS
from gdstudio.engine.sweep_pictures import grid_csv
from gdstudio.qt.compare.plots import RUN_COLOURS, RUN_SYMBOLS
from gdstudio.qt.sweeps.jobs import FinderResult, finder_job
from gdstudio.qt.sweeps.panel import SweepPanel, SweepPlot, SweepSource, decade_ticks
from gdstudio.qt.sweeps.runner import Job

__all__ = ["FinderPanel", "diverged_spans"]

METRICS = ("final loss", "steps to converge")
#: A click picks the nearest point within this many pixels.
PICK_PIXELS = 30.0


def diverged_spans(rates: np.ndarray, diverged: np.ndarray) -> list[tuple[float, float]]:
    """The rate intervals where runs diverged, each ending halfway (on the log axis)
    between a diverged rate and its neighbour that did not diverge."""
    edges = np.sqrt(rates[:-1] * rates[1:])
    low = np.concatenate([[rates[0]], edges])
    high = np.concatenate([edges, [rates[-1]]])
    spans: list[tuple[float, float]] = []
    for index in np.flatnonzero(diverged):
        if spans and math.isclose(spans[-1][1], low[index]):
            spans[-1] = (spans[-1][0], float(high[index]))
        else:
            spans.append((float(low[index]), float(high[index])))
    return spans


class FinderPanel(SweepPanel):
    """Runs at many learning rates, one curve per optimizer; click a point to use it."""

    title = "Learning-rate finder"

    def __init__(self, source: SweepSource, optimizer: str = "gd") -> None:
        plot = SweepPlot("finderPlot", "Learning-rate finder")
        plot.setToolTip("Each point is one run at that learning rate. Shaded: rates at which "
                        "the runs diverged. Newton's method is tried around 1 (its full "
                        "step), the line search around the main window's rate. Click a point "
                        "to use its rate in the main window.")
        super().__init__(source, plot)
        self.checks: dict[str, QCheckBox] = {}
        for name in OPTIMIZERS:
            check = QCheckBox(OPTIMIZERS[name].title)
            check.setObjectName(f"finder_{name}")
            check.setChecked(name in ("gd", optimizer))
            self.checks[name] = check
            self.controls.addWidget(check)
        self.controls.addSpacing(12)
        self.metric = QComboBox()
        self.metric.setObjectName("finderMetric")
        self.metric.addItems(METRICS)
        self.metric.setToolTip("What the vertical axis shows")
        self.metric.currentIndexChanged.connect(self._redraw)
        self.rate_count = QSpinBox()
        self.rate_count.setObjectName("finderRates")
        self.rate_count.setRange(5, 400)
        self.rate_count.setValue(40)
        self.rate_count.setToolTip("How many learning rates to try")
        for widget in (QLabel("Show"), self.metric, QLabel("Rates"), self.rate_count):
            self.controls.addWidget(widget)
        self.controls.addStretch(1)
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "learning rate α")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.clicked.connect(self._clicked)
        self._legend = self.plot.addLegend(offset=(-10, 10))
        self._chosen = pg.PlotDataItem(pen=None, symbol="o", symbolSize=18, symbolBrush=None,
                                       symbolPen=pg.mkPen("k", width=2.5))
        self._log_y = False
        self.chosen: tuple[str, float] | None = None

    # ---------------------------------------------------------------- computing
    def job(self, max_iter: int, tol_step: float) -> Job:
        chosen = [name for name, check in self.checks.items() if check.isChecked()]
        return finder_job(self.source.experiment(), chosen, self.rate_count.value(),
                          max_iter, tol_step)

    def show_result(self, result: FinderResult) -> None:
        self.result = result
        self.chosen = None
        self._redraw()

    @property
    def showing_steps(self) -> bool:
        """True when the curves show steps to converge rather than the final loss."""
        return self.metric.currentIndex() == 1

    def values(self, row: int) -> np.ndarray:
        """The plotted values of optimizer ``row`` (NaN where nothing is drawn)."""
        result = self.result
        if self.showing_steps:
            return result.steps[row]
        loss = result.loss[row].astype(float)
        return np.where(np.isfinite(loss) & (result.status[row] != "diverged"), loss, np.nan)

    # ---------------------------------------------------------------- drawing
    def _redraw(self) -> None:
        result: FinderResult | None = self.result
        self.plot.clear()
        self._legend.clear()
        if result is None:
            return
        rows = range(len(result.optimizers))
        values = [self.values(row) for row in rows]
        drawn = np.concatenate(values)
        drawn = drawn[np.isfinite(drawn)]
        log_y = not self.showing_steps and drawn.size > 0 and bool((drawn > 0).all())
        self._log_y = log_y
        self.plot.setLogMode(x=True, y=log_y)
        self.plot.setLabel("left", "steps to converge" if self.showing_steps else "final loss")
        for row in rows:
            self._draw_spans(result, row)
        for row, name in enumerate(result.optimizers):
            colour = RUN_COLOURS[row % len(RUN_COLOURS)]
            keep = np.isfinite(values[row])
            self.plot.plot(result.rates[row][keep], values[row][keep],
                           pen=pg.mkPen(colour, width=2),
                           symbol=RUN_SYMBOLS[row % len(RUN_SYMBOLS)], symbolSize=7,
                           symbolBrush=colour, symbolPen=pg.mkPen("k", width=0.5),
                           name=OPTIMIZERS[name].title)
        self._draw_limit(result.limit)
        self.plot.getAxis("bottom").setTicks(decade_ticks(float(result.rates.min()),
                                                          float(result.rates.max())))
        self.plot.addItem(self._chosen)
        self._chosen.setData([], [])
        self._write_note(result)

    def _draw_spans(self, result: FinderResult, row: int) -> None:
        colour = QColor(RUN_COLOURS[row % len(RUN_COLOURS)])
        colour.setAlpha(55)
        for low, high in diverged_spans(result.rates[row], result.status[row] == "diverged"):
            region = pg.LinearRegionItem((math.log10(low), math.log10(high)), movable=False,
                                         brush=pg.mkBrush(colour), pen=pg.mkPen(None))
            region.setZValue(-10)
            pg.InfLineLabel(region.lines[0], f"{OPTIMIZERS[result.optimizers[row]].title} "
                            "diverges", position=0.04 + 0.06 * row, anchors=[(0, 1), (0, 1)],
                            color="#333333")
            self.plot.addItem(region)

    def _draw_limit(self, limit: float | None) -> None:
        if limit is None or not (math.isfinite(limit) and limit > 0):
            return
        line = pg.InfiniteLine(math.log10(limit), angle=90,
                               pen=pg.mkPen("#333333", width=2, style=Qt.PenStyle.DashLine),
                               label=f"2/λmax = {limit:.3g}",
                               labelOpts={"position": 0.92, "color": "#333333",
                                          "fill": (255, 255, 255, 200)})
        self.plot.addItem(line)

    def _write_note(self, result: FinderResult) -> None:
        parts = []
        for row, name in enumerate(result.optimizers):
            diverged = result.rates[row][result.status[row] == "diverged"]
            title = OPTIMIZERS[name].title
            parts.append(f"{title} diverges from α = {diverged.min():.3g}" if diverged.size
                         else f"{title} never diverges here")
        limit = result.limit
        stable = (f" The stable limit of gradient descent at the start is 2/λmax = {limit:.4g}."
                  if limit is not None and math.isfinite(limit) else "")
        self.note.setText("; ".join(parts) + "." + stable
                          + " Click a point to use its rate in the main window.")

    # ---------------------------------------------------------------- picking
    def _clicked(self, x: float, y: float) -> None:
        result: FinderResult | None = self.result
        if result is None:
            return
        click = self.plot.data_to_widget(x, y)
        log_y = self._log_y
        best: tuple[float, int, int] | None = None
        for row in range(len(result.optimizers)):
            values = self.values(row)
            for index in np.flatnonzero(np.isfinite(values)):
                value = float(values[index])
                if log_y and value <= 0:
                    continue
                where = self.plot.data_to_widget(math.log10(result.rates[row, index]),
                                                 math.log10(value) if log_y else value)
                distance = math.hypot(where.x() - click.x(), where.y() - click.y())
                if best is None or distance < best[0]:
                    best = (distance, row, index)
        if best is not None and best[0] <= PICK_PIXELS:
            self.pick(best[1], best[2])

    def pick(self, row: int, index: int) -> None:
        """Use the rate of point ``index`` of optimizer ``row`` in the main window."""
        result: FinderResult = self.result
        name, rate = result.optimizers[row], float(result.rates[row, index])
        self.chosen = (name, rate)
        value = float(self.values(row)[index])
        self._chosen.setData([rate], [value])
        self.source.use_rate(name, rate, {})
        self.note.setText(f"Using α = {rate:.4g} with {OPTIMIZERS[name].title} in the main "
                          "window.")

    def csv_text(self) -> str | None:
        result: FinderResult | None = self.result
        if result is None:
            return None
        shared = bool((result.rates == result.rates[0]).all())
        columns: dict[str, np.ndarray] = {"learning_rate": result.rates[0]} if shared else {}
        for row, name in enumerate(result.optimizers):
            if not shared:
                columns[f"{name}_learning_rate"] = result.rates[row]
            columns[f"{name}_status"] = result.status[row]
            columns[f"{name}_final_loss"] = result.loss[row]
            columns[f"{name}_steps"] = result.iterations[row]
        return grid_csv(columns)
