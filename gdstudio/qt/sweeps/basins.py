"""Basins of attraction: every start of a grid coloured by the minimum it reaches."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QLabel, QSpinBox

from gdstudio.engine.sweep_pictures import DIVERGED, grid_csv
from gdstudio.qt.plots.common import OKABE_ITO
from gdstudio.qt.plots.contour import isoline_segments, log_relief
from gdstudio.qt.sweeps.jobs import BasinsResult, basins_job
from gdstudio.qt.sweeps.panel import SweepPanel, SweepPlot, SweepSource
from gdstudio.qt.sweeps.runner import Job

__all__ = ["BASIN_COLOURS", "BasinsPanel", "basin_letter", "basin_rgba"]

#: One colour per minimum (Okabe–Ito, then greys); the lowest minimum first.
BASIN_COLOURS = (OKABE_ITO["sky_blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"],
                 OKABE_ITO["reddish_purple"], OKABE_ITO["yellow"], OKABE_ITO["blue"],
                 OKABE_ITO["vermillion"], "#8C6D31", "#7F7F7F", "#BCBD22", "#17BECF",
                 "#9467BD")
DIVERGED_RGB = (50, 50, 50)
UNSETTLED_RGB = (200, 200, 200)
#: How pale the slowest start is (0: as saturated as the fastest, 1: white).
SLOWEST_PALENESS = 0.65
ISO_LEVELS = 12


def basin_letter(label: int) -> str:
    """``A``, ``B``, … for minima 0, 1, …"""
    return chr(ord("A") + label) if label < 26 else str(label)


def _rgb(colour: str) -> np.ndarray:
    hexa = colour.lstrip("#")
    return np.array([int(hexa[k:k + 2], 16) for k in (0, 2, 4)], dtype=float)


def basin_rgba(labels: np.ndarray, iterations: np.ndarray) -> np.ndarray:
    """Colours of the cells: the basin's hue, paler the more steps the run took.

    Diverged runs are dark grey, paler the longer they took to blow up (near a saddle's
    stable line, say); runs that did not settle are light grey.
    """
    rgba = np.full((*labels.shape, 4), 255, dtype=np.uint8)
    rgba[..., :3] = UNSETTLED_RGB
    for cells, base in ((labels >= 0, None), (labels == DIVERGED, DIVERGED_RGB)):
        if not cells.any():
            continue
        steps = np.log1p(iterations[cells].astype(float))
        low, high = steps.min(), steps.max()
        slowness = (steps - low) / (high - low) if high > low else np.zeros_like(steps)
        colours = (np.array([_rgb(BASIN_COLOURS[k % len(BASIN_COLOURS)]) for k in labels[cells]])
                   if base is None else np.tile(np.array(base, dtype=float), (steps.size, 1)))
        paleness = (SLOWEST_PALENESS * slowness)[:, np.newaxis]
        rgba[cells, :3] = np.round(colours * (1 - paleness) + 255 * paleness).astype(np.uint8)
    return rgba


class BasinsPanel(SweepPanel):
    """Starts over the visible region, coloured by the minimum reached; click to run from one."""

    title = "Basins of attraction"

    def __init__(self, source: SweepSource) -> None:
        plot = SweepPlot("basinsPlot", "Basins of attraction")
        plot.setToolTip("Each cell is a start point, coloured by the minimum its run reaches "
                        "(paler: more steps). Click a cell to start the main window's run there.")
        super().__init__(source, plot)
        self.grid = QSpinBox()
        self.grid.setObjectName("basinsGrid")
        self.grid.setRange(4, 1000)
        self.grid.setValue(60)
        self.grid.setToolTip("Start points along each variable (two variables: the square)")
        self.controls.addWidget(QLabel("Starts per axis"))
        self.controls.addWidget(self.grid)
        self.controls.addWidget(QLabel("over the region shown in the main window"))
        self.controls.addStretch(1)
        self.plot.clicked.connect(self._clicked)
        self._image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self._image)
        self._lines = pg.PlotDataItem(pen=pg.mkPen(0, 0, 0, 120, width=1))
        self.plot.addItem(self._lines, ignoreBounds=True)
        self._minima = pg.ScatterPlotItem(symbol="star", size=18, pen=pg.mkPen("k", width=1),
                                          brush=pg.mkBrush("w"))
        self.plot.addItem(self._minima, ignoreBounds=True)  # a minimum outside stays out
        self._labels: list[pg.TextItem] = []
        self._legend = self.plot.addLegend(offset=(10, 10), brush=pg.mkBrush(255, 255, 255, 220))

    # ---------------------------------------------------------------- computing
    def job(self, max_iter: int, tol_step: float) -> Job:
        experiment = self.source.experiment()
        region = self.source.region()
        names = experiment.param_names
        if region is None or len(region) != len(names):
            if experiment.mode == "function" and len(names) in (1, 2):
                raise ValueError("the main window shows no region to take start points from")
            region = [(0.0, 1.0)] * len(names)  # basins_job says what is wrong
        return basins_job(experiment, region, self.grid.value(), max_iter, tol_step)

    def show_result(self, result: BasinsResult) -> None:
        self.result = result
        rgba = basin_rgba(result.labels, result.iterations)
        self._legend.clear()
        for label in self._labels:
            self.plot.removeItem(label)
        self._labels = []
        if len(result.names) == 2:
            self._show_map(result, rgba)
        else:
            self._show_strip(result, rgba)
        self._show_minima(result)
        self.plot.setRange(self._image.mapRectToParent(self._image.boundingRect()),
                           padding=0.02)
        self._write_note(result)

    def _show_map(self, result: BasinsResult, rgba: np.ndarray) -> None:
        self._image.setImage(np.transpose(rgba, (1, 0, 2)), levels=(0, 255))
        self._image.setRect(_cells_rect(result.axes))
        xs, ys, values = result.surface
        self._lines.setPen(pg.mkPen(0, 0, 0, 120, width=1))
        relief = log_relief(values)[0]
        finite = relief[np.isfinite(relief)]
        if finite.size:
            levels = np.linspace(finite.min(), finite.max(), ISO_LEVELS + 2)[1:-1]
            self._lines.setData(*isoline_segments(relief, xs, ys, levels), connect="pairs")
        else:
            self._lines.setData([], [])
        self.plot.setLabel("bottom", result.names[0])
        self.plot.setLabel("left", result.names[1])

    def _show_strip(self, result: BasinsResult, rgba: np.ndarray) -> None:
        xs, values = result.surface
        finite = values[np.isfinite(values)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        pad = 0.08 * max(high - low, 1e-9)
        axis = result.axes[0]
        width = axis[1] - axis[0]
        self._image.setImage(rgba[np.newaxis, :, :], levels=(0, 255))
        self._image.setRect(QRectF(axis[0] - width / 2, low - pad, width * len(axis),
                                   high - low + 2 * pad))
        self._lines.setData(xs, values, connect="finite")
        self._lines.setPen(pg.mkPen("k", width=2))
        self.plot.setLabel("bottom", f"start {result.names[0]}")
        self.plot.setLabel("left", f"f({result.names[0]})")

    def _show_minima(self, result: BasinsResult) -> None:
        basins = result.basins
        # On the map the minima themselves; under a curve, the points (x, f(x)).
        points = (basins.minima if len(result.names) == 2
                  else np.column_stack([basins.minima[:, 0], basins.losses]))
        self._minima.setData(points[:, 0], points[:, 1])
        for label, point in enumerate(points):
            text = pg.TextItem(basin_letter(label), color="k", anchor=(-0.3, 1.1),
                               fill=pg.mkBrush(255, 255, 255, 200))
            text.setPos(float(point[0]), float(point[1]))
            self.plot.addItem(text, ignoreBounds=True)
            self._labels.append(text)
        for label, (minimum, loss, count) in enumerate(
                zip(basins.minima, basins.losses, basins.counts, strict=True)):
            where = ", ".join(f"{value:.3g}" for value in minimum)
            swatch = pg.ScatterPlotItem(symbol="s", size=12,
                                        brush=BASIN_COLOURS[label % len(BASIN_COLOURS)],
                                        pen=pg.mkPen("k"))
            kind = result.kinds[label] if label < len(result.kinds) else "minimum"
            what = "" if kind == "minimum" else f" — a {kind} point, not a minimum:"
            self._legend.addItem(swatch, f"{basin_letter(label)}: ({where}), f = {loss:.3g}"
                                         f"{what} — {count} starts")
        for count, rgb, text in ((int((basins.labels == DIVERGED).sum()), DIVERGED_RGB,
                                  "diverged"),
                                 (int((basins.labels < DIVERGED).sum()), UNSETTLED_RGB,
                                  "did not settle")):
            if count:
                swatch = pg.ScatterPlotItem(symbol="s", size=12, brush=pg.mkBrush(*rgb),
                                            pen=pg.mkPen("k"))
                self._legend.addItem(swatch, f"{text} — {count} starts")

    def _write_note(self, result: BasinsResult) -> None:
        kinds = result.kinds or ("minimum",) * len(result.basins.minima)
        found = kinds.count("minimum")
        diverged = int((result.labels == DIVERGED).sum())
        reach = (f"{result.labels.size} start points reach {found} minim"
                 f"{'um' if found == 1 else 'a'} (stars, lowest first)" if found
                 else f"None of the {result.labels.size} start points reaches a minimum")
        others = len(kinds) - found
        if others:
            reach += (f"; some stop at {others} point{'s' if others > 1 else ''} that "
                      f"{'are' if others > 1 else 'is'} not a minimum (a saddle's slope is zero "
                      "too: see the legend)")
        blown = f"; {diverged} diverge (dark grey)" if diverged else ""
        self.note.setText(f"{reach}{blown}. Paler cells took more steps. Click a cell to "
                          "start the main window's run there.")

    # ---------------------------------------------------------------- picking
    def cell_at(self, x: float, y: float) -> tuple[int, ...] | None:
        """The grid index of the start cell at view point (x, y), if inside the grid."""
        result: BasinsResult | None = self.result
        if result is None:
            return None
        coordinates = (x, y)[:len(result.axes)]
        index = []
        for axis, value in zip(result.axes, coordinates, strict=True):
            width = axis[1] - axis[0]
            if not axis[0] - width / 2 <= value <= axis[-1] + width / 2:
                return None
            index.append(int(np.argmin(np.abs(axis - value))))
        return tuple(index)

    def _clicked(self, x: float, y: float) -> None:
        cell = self.cell_at(x, y)
        if cell is not None:
            self.pick(cell)

    def pick(self, cell: tuple[int, ...]) -> None:
        """Start the main window's run at the centre of ``cell``."""
        result: BasinsResult = self.result
        point = {name: float(axis[i])
                 for name, axis, i in zip(result.names, result.axes, cell, strict=True)}
        self.source.use_start(point)
        label = int(result.labels[cell])
        ends = (f"reaches minimum {basin_letter(label)}" if label >= 0
                else "diverges" if label == DIVERGED else "does not settle")
        where = ", ".join(f"{name} = {value:.4g}" for name, value in point.items())
        self.note.setText(f"Starting the main window's run at {where}: this start {ends} "
                          f"in {int(result.iterations[cell])} steps.")

    def csv_text(self) -> str | None:
        result: BasinsResult | None = self.result
        if result is None:
            return None
        mesh = np.meshgrid(*result.axes, indexing="ij")
        columns: dict[str, np.ndarray] = {
            f"start_{name}": m for name, m in zip(result.names, mesh, strict=True)}
        labels = result.basins.labels
        columns["minimum"] = np.array([basin_letter(k) if k >= 0 else
                                       "diverged" if k == DIVERGED else "" for k in labels])
        columns["status"] = result.status
        columns["steps"] = result.iterations
        for k, name in enumerate(result.names):
            columns[f"final_{name}"] = result.finals[:, k]
        columns["final_loss"] = result.loss
        return grid_csv(columns)


def _cells_rect(axes: list[np.ndarray]) -> QRectF:
    xs, ys = axes
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    return QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))
