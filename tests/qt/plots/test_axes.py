"""The value axis keeps its tick labels apart in short plots."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFontMetricsF

from gdstudio.qt.plots.axes import (
    ROOM_PER_LABEL,
    DecadeAxis,
    ValueAxis,
    decade_labels,
    spacing_with_room,
)
from gdstudio.qt.plots.traces import TracesPanel


@pytest.mark.parametrize(("span", "pixels", "least", "expected"), [
    (1.0, 40.0, 20.0, 0.5),     # at least 0.5 apart
    (1.0, 40.0, 21.0, 1.0),     # 0.525 → 1
    (3.0, 40.0, 18.0, 2.0),     # 1.35 → 2
    (100.0, 1000.0, 20.0, 2.0),
    (1e-9, 30.0, 15.0, 5e-10),
])
def test_the_finest_nice_spacing_with_room(span: float, pixels: float, least: float,
                                           expected: float) -> None:
    assert spacing_with_room(span, pixels, least) == pytest.approx(expected)


def major_gap(axis: pg.AxisItem, low: float, high: float, pixels: float) -> float:
    """Pixel gap between neighbouring major ticks, the level pyqtgraph always labels."""
    spacing, _ = axis.tickValues(low, high, pixels)[0]
    return spacing * pixels / (high - low)


def test_a_short_axis_keeps_its_labels_apart(qtbot) -> None:
    axis = ValueAxis("left")
    height = QFontMetricsF(axis.font()).height()
    plain = pg.AxisItem("left")
    # About the traces' x plot at 1600×1000: 2.0 to 3.0 over 22 pixels.
    assert major_gap(plain, 1.9, 3.05, 22.0) < height  # pyqtgraph's labels overlap
    assert major_gap(axis, 1.9, 3.05, 22.0) >= ROOM_PER_LABEL * height
    major = axis.tickValues(1.9, 3.05, 22.0)[0][1]
    assert list(major) == [2.0]  # still a label to read
    # The learning rate's axis, 0 to 1 over 45 pixels, and a long-run loss.
    assert major_gap(axis, 0.0, 1.0, 45.0) >= ROOM_PER_LABEL * height
    assert major_gap(axis, -2e13, 9e13, 38.0) >= ROOM_PER_LABEL * height


def test_a_tall_axis_is_pyqtgraphs_own(qtbot) -> None:
    axis, plain = ValueAxis("left"), pg.AxisItem("left")
    assert axis.tickSpacing(0.0, 10.0, 600.0) == plain.tickSpacing(0.0, 10.0, 600.0)
    assert axis.tickSpacing(0.0, 0.0, 600.0) == plain.tickSpacing(0.0, 0.0, 600.0)


def test_the_traces_use_it(qtbot) -> None:
    panel = TracesPanel()
    qtbot.addWidget(panel)
    plots = panel.findChildren(pg.PlotWidget)
    assert plots
    assert all(isinstance(plot.plotItem.getAxis("left"), ValueAxis) for plot in plots)


@pytest.mark.parametrize(("exponents", "labels"), [
    ([-3.0, -2.0, -1.0, 0.0, 1.0], ["0.001", "0.01", "0.1", "1", "10"]),
    ([2.0, 3.0, 4.0], ["100", "1000", "10000"]),
    # the finder's loss axis: pyqtgraph wrote 0.0001 beside 10⁻⁵
    ([-8.0, -6.0, -4.0, -2.0, 0.0], ["10⁻⁸", "10⁻⁶", "10⁻⁴", "10⁻²", "10⁰"]),
    ([4.0, 5.0], ["10⁴", "10⁵"]),
    ([-1.0, np.log10(2.0)], None),  # not every tick is a whole power
])
def test_decades_are_written_in_one_style(exponents: list[float],
                                          labels: list[str] | None) -> None:
    assert decade_labels(exponents) == labels


def test_a_decade_axis_labels_its_log_scale_alike(qtbot) -> None:
    axis, plain = DecadeAxis("left"), pg.AxisItem("left")
    axis.setLogMode(True), plain.setLogMode(True)
    values = [-6.0, -5.0, -4.0, -3.0]
    assert plain.tickStrings(values, 1.0, 1.0) == ["10⁻⁶", "10⁻⁵", "0.0001", "0.001"]
    assert axis.tickStrings(values, 1.0, 1.0) == ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³"]
    halves = [np.log10(2.0), np.log10(5.0)]
    assert axis.tickStrings(halves, 1.0, 0.1) == plain.tickStrings(halves, 1.0, 0.1)


def test_a_bottom_value_axis_is_pyqtgraphs_own(qtbot) -> None:
    axis, plain = ValueAxis("bottom"), pg.AxisItem("bottom")
    assert axis.tickSpacing(0.0, 1.0, 20.0) == plain.tickSpacing(0.0, 1.0, 20.0)


def test_the_sweep_pictures_use_it(qtbot) -> None:
    from gdstudio.qt.sweeps.panel import SweepPlot

    plot = SweepPlot("finderPlot", "Learning-rate finder")
    qtbot.addWidget(plot)
    assert all(isinstance(plot.plotItem.getAxis(side), DecadeAxis)
               for side in ("left", "bottom"))


def test_the_sweeps_learning_rate_ticks_are_decades_in_one_style() -> None:
    from gdstudio.qt.sweeps.panel import decade_ticks

    major, minor = decade_ticks(1e-6, 0.01)
    assert [label for _, label in major] == ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²"]
    assert [position for position, _ in major] == [-6.0, -5.0, -4.0, -3.0, -2.0]
    assert len(minor) == 4 * 8 and all(label == "" for _, label in minor)
    assert [label for _, label in decade_ticks(0.001, 1.0)[0]] == ["0.001", "0.01", "0.1", "1"]
