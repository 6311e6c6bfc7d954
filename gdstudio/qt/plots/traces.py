"""Traces against the step: loss, learning rate and each parameter.

Each curve is decimated with :class:`PeakDecimator` before it reaches pyqtgraph, so a
redraw costs about the same for a million steps as for a thousand. While the plots follow
the run the whole run is drawn; after a pan or zoom of the steps only the visible steps
are, at full detail once few enough.

The plots fit their ranges to the current run themselves, at every redraw: pyqtgraph's
auto-range keeps the previous scale when the data have no extent (one step, a constant
value), which showed a new run at step 0 on the scale of the last run's blow-up. The step
axis has whole-number ticks and no SI prefix.

While a run grows (streams in), the ranges move in jumps rather than every frame: the
steps' right end goes to a quarter past the newest step when the run reaches it, and the
values' range stays while it holds every value drawn and they fill most of it. An axis
lays out and draws its ticks again only when its range changes, which every frame was
most of the cost of a streaming frame. Every value drawn is always in view; a paused run
is fitted exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from gdstudio.engine.history import History
from gdstudio.qt.plots.axes import ValueAxis
from gdstudio.qt.plots.common import (
    OKABE_ITO,
    PARAMETER_COLOURS,
    RECOMPUTE_DELAY_MS,
    LazyMenuViewBox,
    PeakDecimator,
    padded_range,
    plottable,
    set_accessible,
    set_data,
    style_light,
)
from gdstudio.qt.run.paint_cost import PaintTimed

__all__ = ["ParameterTracesPlot", "StepAxis", "TracesPanel"]

MAX_LEGEND_ENTRIES = 12
#: Fewest chunks a curve is decimated to (also before the plot has its size).
MIN_BUDGET = 256
_DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)
Reader = Callable[[History], np.ndarray]


class _Series:
    """One curve of a series against the step, decimated chunk by chunk."""

    def __init__(self, item: pg.PlotDataItem, read: Reader, hold_last: bool = False) -> None:
        self.item = item
        self.read = read
        self.hold_last = hold_last  # draw the last value until the next step (a rate)
        self.decimator = PeakDecimator()

    def draw(self, history: History, window: tuple[int, int] | None, positive: bool) -> None:
        values = self.read(history)
        n = values.shape[0]
        start, stop = window if window is not None else (0, n)
        rows = self.decimator.indices(values, start, stop + 1)
        xs, ys = rows.astype(float), values[rows]
        keep = plottable(ys) & (ys > 0) if positive else plottable(ys)
        xs, ys = xs[keep], ys[keep]
        if self.hold_last and xs.size:
            xs, ys = np.append(xs, xs[-1] + 1.0), np.append(ys, ys[-1])
        self._mark_a_lone_point(xs.size == 1)
        set_data(self.item, xs, ys)

    def _mark_a_lone_point(self, lone: bool) -> None:
        """A line through one point draws nothing: step 0 alone is drawn as a dot."""
        if lone == (self.item.opts.get("symbol") is not None):
            return
        if lone:
            colour = pg.mkPen(self.item.opts["pen"]).color()
            self.item.setSymbol("o")
            self.item.setSymbolSize(7)
            self.item.setSymbolPen(None)
            self.item.setSymbolBrush(colour)
        else:
            self.item.setSymbol(None)


class StepAxis(pg.AxisItem):
    """An axis of step numbers: whole-number ticks, written out, with no SI prefix."""

    def __init__(self, orientation: str = "bottom", **options: object) -> None:
        super().__init__(orientation, **options)
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N803
        """pyqtgraph's tick levels, without those finer than one step."""
        levels = [
            (spacing, offset)
            for spacing, offset in super().tickSpacing(minVal, maxVal, size)
            if spacing >= 1.0
        ]
        return levels or [(1.0, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """Whole numbers, e.g. ``250000`` rather than ``2.5e+05``."""
        return [f"{round(value * scale):d}" for value in values]


#: Empty margin either side of the steps and above and below the values, as a fraction.
_MARGIN = 0.03
#: Pixels around a plot's axes (left, top, right, bottom); the top is room for the top
#: tick's label.
_CONTENTS_MARGINS = (2, 10, 10, 2)
#: Pixels from a plot's top edge to a legend above its plot area, and from the legend
#: to the area.
_LEGEND_TOP, _LEGEND_GAP = 1, 2
#: While a run grows, the steps' right end jumps to this many times the newest step.
_GROWTH = 1.25
#: ... and a range is kept while the data fill at least this fraction of it.
_FILL = 0.8
#: A growing run's values, once they leave their range, get this fraction of their span
#: as room on each side.
_HEADROOM = 0.1


class _StepPlot(PaintTimed, pg.PlotWidget):
    """A plot of series against the step that follows the run or redraws after a zoom.

    Attributes
    ----------
    paint_cost : PaintCost
        What its paints cost (the window plans its passes with it).
    following : bool
        The steps shown are the whole run (true from each new run until the student pans
        or zooms the steps; the "A" button follows again). A plot whose steps are linked
        to another's (:meth:`link_steps`) follows that one.
    """

    def __init__(self, y_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, viewBox=LazyMenuViewBox(),
                         axisItems={"bottom": StepAxis(), "left": ValueAxis("left")})
        style_light(self)
        self.plotItem.setLabel("left", y_label)
        # Ticks such as 8e+13, not a scale in the axis title ("loss (x1e+12)"), which a
        # short plot cuts.
        self.plotItem.getAxis("left").enableAutoSIPrefix(False)
        self.plotItem.setMouseEnabled(x=True, y=False)
        self.plotItem.setContentsMargins(*_CONTENTS_MARGINS)
        self.plotItem.disableAutoRange()  # the ranges follow the run (see redraw)
        self.series: list[_Series] = []
        self.positive_only = False
        self.from_zero = False  # y axis from 0 to a little above the largest value
        self.following = True
        self._fitting = False  # the steps' range is being set by _fit_steps
        self._leader: _StepPlot | None = None
        self._followers: list[_StepPlot] = []
        self._history: History | None = None
        self._length = 0
        self._growing = False  # the run streams in: ranges move in jumps
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RECOMPUTE_DELAY_MS)
        self._timer.timeout.connect(self.redraw)
        view = self.plotItem.vb
        view.sigXRangeChanged.connect(self._on_x_range)
        self.plotItem.autoBtn.clicked.connect(self.follow)  # after pyqtgraph's own slot

    def link_steps(self, leader: _StepPlot) -> None:
        """Show the same steps as ``leader`` (its pans and zooms, and it follows ours)."""
        self._leader = leader
        leader._followers.append(self)
        self.setXLink(leader)

    def follow(self) -> None:
        """Show the whole run again, and keep showing it as it grows."""
        leader = self._steps_leader()
        leader._fitting = True  # pyqtgraph fits the view once on the way: not a zoom
        try:
            self.plotItem.disableAutoRange()  # the "A" button turned pyqtgraph's on
        finally:
            leader._fitting = False
        leader.following = True
        for plot in (leader, *leader._followers):
            plot.redraw()

    def add_series(self, read: Reader, pen: object, name: str | None = None, **options) -> None:
        """Add a curve of ``read(history)`` against the step."""
        # No clipping to the view or downsampling by pyqtgraph: the decimator already
        # draws only the visible steps, about two points a pixel column, and with them
        # every change of the steps' range set each curve's data a second time.
        item = self.plotItem.plot(pen=pen, name=name, **options)
        self.series.append(_Series(item, read, hold_last=bool(options.get("stepMode"))))

    def clear_series(self) -> None:
        """Remove every curve (and its legend entry)."""
        for series in self.series:
            self.plotItem.removeItem(series.item)
        self.series.clear()

    def set_history(self, history: History, growing: bool = False) -> None:
        """Draw ``history`` (the window's mirror); ``growing`` while the run streams in."""
        n = len(history)
        if history is not self._history or n < self._length or n <= 1:
            for series in self.series:
                series.decimator.reset()
            self._steps_leader().following = True  # a new run (or a step back)
        self._history, self._length, self._growing = history, n, growing
        self.redraw()

    def redraw(self) -> None:
        """Redraw every curve for the visible steps."""
        if self._history is None:
            return
        window = self._window()
        # About one chunk per pixel column: its lowest and highest value are all a
        # column can show, and fewer line segments paint faster.
        budget = max(MIN_BUDGET, int(self.plotItem.vb.width()))
        for series in self.series:
            series.decimator.budget = budget
            series.draw(self._history, window, self.positive_only)
        if window is None and self._leader is None:
            self._fit_steps()
        elif window is None:
            self.plotItem.vb.linkedXChanged()  # line up with the leader's new steps
        self._fit_values()
        # The view's new transform now, not when it is painted: pyqtgraph applies a
        # deferred one in the paint and then paints once more (linked steps: each plot).
        self.plotItem.vb.updateMatrix()

    def _steps_leader(self) -> _StepPlot:
        return self._leader or self

    def _fit_steps(self) -> None:
        """Steps 0 to the newest (at least 0 to 1), with a small margin either side; while
        the run grows, 0 to a quarter past the newest, kept until the run reaches it."""
        last = max(self._length - 1, 1)
        if self._growing:
            right = self.plotItem.vb.viewRange()[0][1] / (1 + _MARGIN)
            if not _FILL * right <= last <= right:
                right = _GROWTH * last
            last = right
        margin = _MARGIN * last
        self._fitting = True
        # The followers line up when they are redrawn themselves (see redraw), each in a
        # pass of its own: followed now, each would paint twice (with its old data, then
        # its new), all in one pass that the window cannot split.
        followers = [plot.plotItem.vb for plot in self._followers]
        for view in followers:
            view.blockLink(True)
        try:
            _set_range(self.plotItem.vb, 0, -margin, last + margin)
        finally:
            self._fitting = False
            for view in followers:
                view.blockLink(False)

    def _fit_values(self) -> None:
        """The values drawn (those of the visible steps), or 0 up to them (``from_zero``)."""
        drawn = [s.item.yData for s in self.series if s.item.yData is not None]
        values = np.concatenate(drawn) if drawn else np.empty(0)
        if self.positive_only:  # the axis shows log10 of the values
            values = np.log10(values[values > 0])
        values = values[np.isfinite(values)]
        if self.from_zero:
            top = float(values.max()) if values.size and values.max() > 0 else 1 / 1.15
            low, high = 0.0, 1.15 * top
        elif values.size == 0:
            low, high = 0.0, 1.0
        else:
            low, high = float(values.min()), float(values.max())
            # A constant (or a single step) gets a range of its own size, not the last
            # run's: 3 shows from about 2.4 to 3.6, 0 from -0.5 to 0.5, on a log axis a
            # decade.
            size = max(abs(low), abs(high))
            if high > low:
                smallest = 1e-12
            elif self.positive_only or size == 0:
                smallest = 1.0
            else:
                smallest = 0.4 * size
            low, high = padded_range(low, high, _MARGIN, smallest)
            if self._growing:
                low, high = self._kept_values(low, high)
        _set_range(self.plotItem.vb, 1, low, high)

    def _kept_values(self, low: float, high: float) -> tuple[float, float]:
        """The values' range of a growing run: the current one while it holds ``low`` to
        ``high`` and they fill most of it, else theirs with room on each side."""
        bottom, top = self.plotItem.vb.viewRange()[1]
        if bottom <= low and high <= top and high - low >= _FILL * (top - bottom):
            return bottom, top
        room = _HEADROOM * (high - low)
        return low - room, high + room

    def _window(self) -> tuple[int, int] | None:
        if self._steps_leader().following:
            return None
        left, right = self.plotItem.vb.viewRange()[0]
        start = int(np.clip(np.floor(left), 0, self._length))
        return start, int(np.clip(np.ceil(right) + 1, start, self._length))

    def _on_x_range(self, *args: object) -> None:
        leader = self._steps_leader()
        if leader._fitting:
            return
        # pyqtgraph blocks the view a linked change comes from: a change that only
        # follows the leader's says nothing new; any other is a pan or zoom.
        if leader is self or not leader.plotItem.vb.linksBlocked:
            leader.following = False
        if not leader.following and not self._timer.isActive():
            self._timer.start()


class ParameterTracesPlot(_StepPlot):
    """Each parameter against the step, one colour-blind-safe colour per parameter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("parameters", parent)
        set_accessible(
            self,
            "parameterTracesPlot",
            "Parameter traces",
            "Each parameter's value at every step. Drag to pan the steps, scroll to zoom, "
            "right-click for options.",
        )
        self.plotItem.setLabel("bottom", "step")
        # The legend sits above the plot area, right-aligned with it, never on a curve:
        # parameters that fill the plot (a bouncing run) pass through every corner, and
        # headroom inside the plot would take as much height from the curves.
        right = _CONTENTS_MARGINS[2]
        self._legend = self.plotItem.addLegend(offset=(-right, _LEGEND_TOP),
                                               labelTextColor="#333333", colCount=4)
        self._legend.setParentItem(self.plotItem)  # the view box clips its children
        self._legend.layout.setContentsMargins(4, 0, 0, 0)  # no padding: nothing under it
        self._legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        self._legend.setZValue(1000)  # above the axes
        self._legend.geometryChanged.connect(self._make_room_for_legend)
        self._legend.visibleChanged.connect(self._make_room_for_legend)
        self._names: tuple[str, ...] = ()

    def set_param_names(self, names: Sequence[str]) -> None:
        """One curve per name (the colours follow the order of the names)."""
        names = tuple(names)
        if names == self._names:
            return
        self._names = names
        # The curves of the first parameters stay (renamed): making a curve and its
        # legend entry costs several times more than renaming one.
        for series in self.series[len(names):]:
            self.plotItem.removeItem(series.item)
        del self.series[len(names):]
        for j, series in enumerate(self.series):
            self._rename(series, names[j] if j < MAX_LEGEND_ENTRIES else None)
        # One parameter: its name labels the axis and no legend is needed.
        self.plotItem.setLabel("left", names[0] if len(names) == 1 else "parameters")
        self._legend.setVisible(len(names) > 1)
        for j, name in enumerate(names[len(self.series):], start=len(self.series)):
            colour = PARAMETER_COLOURS[j % len(PARAMETER_COLOURS)]
            style = _DASHES[(j // len(PARAMETER_COLOURS)) % len(_DASHES)]
            self.add_series(
                _column_reader(j),
                pg.mkPen(colour, width=2, style=style),
                name=name if j < MAX_LEGEND_ENTRIES else None,
            )

    def _make_room_for_legend(self) -> None:
        """Widen the top margin to the legend's height while it is shown (it may wrap
        onto more rows in a narrow plot, or grow with presentation mode's text)."""
        left, top, right, bottom = _CONTENTS_MARGINS
        if self._legend.isVisible() and self._legend.items:
            top = max(top, _LEGEND_TOP + math.ceil(self._legend.height()) + _LEGEND_GAP)
        if self.plotItem.getContentsMargins()[1] != top:
            self.plotItem.setContentsMargins(left, top, right, bottom)

    def _rename(self, series: _Series, name: str | None) -> None:
        """Give a kept curve a new name (and a fresh run: no rows drawn yet)."""
        series.decimator.reset()
        series.item.setData(np.empty(0), np.empty(0))
        series.item.opts["name"] = name
        label = self._legend.getLabel(series.item) if name is not None else None
        if label is not None and label.text != name:
            label.setText(name)


def _set_range(view: pg.ViewBox, axis: int, low: float, high: float) -> None:
    """Set one axis's range unless it already is that (a change costs a repaint)."""
    old_low, old_high = view.viewRange()[axis]
    if math.isclose(old_low, low, rel_tol=1e-9) and math.isclose(old_high, high, rel_tol=1e-9):
        return
    if axis == 0:
        view.setXRange(low, high, padding=0)
    else:
        view.setYRange(low, high, padding=0)


def _column_reader(j: int) -> Reader:
    return lambda history: history.params[:, j]


def _loss(history: History) -> np.ndarray:
    return history.loss


def _learning_rate(history: History) -> np.ndarray:
    """Rates of the updates made so far (the newest row has none yet)."""
    return history.lr[: max(len(history) - 1, 0)]


class TracesPanel(QWidget):
    """Loss, learning rate and parameters against the step, with linked step axes.

    Parameters
    ----------
    parent : QWidget, optional
        The owner.
    later : bool, optional
        Make the three plots only when :meth:`make_plots` is called or one of them is
        first used, not now. The window opens sooner so (the plots cost more to make
        than the rest of the window's side panels together); until then the panel keeps
        the newest names and history it was given and draws them once made.

    Signals
    -------
    logScaleChanged(bool)
        The loss axis switched to or from a logarithmic scale.
    plotsMade()
        The plots have just been made (a window styles them).
    """

    logScaleChanged = Signal(bool)
    plotsMade = Signal()

    def __init__(self, parent: QWidget | None = None, *, later: bool = False) -> None:
        super().__init__(parent)
        set_accessible(
            self,
            "tracesPanel",
            "Traces",
            "The loss, the learning rate and the parameters at every step.",
        )
        self._log_check = QCheckBox("Log scale")
        set_accessible(
            self._log_check,
            "logScaleCheck",
            "Log scale for the loss",
            "Show the loss on a logarithmic axis (losses of zero or below are left out).",
        )
        self._plots: tuple[_StepPlot, _StepPlot, ParameterTracesPlot] | None = None
        self._names: tuple[str, ...] = ()  # for plots not made yet
        self._history: History | None = None  # likewise
        self._log_check.toggled.connect(self._apply_log_scale)
        self._layout = self._lay_out()
        if not later:
            self.make_plots()

    @property
    def made(self) -> bool:
        """Whether the plots have been made."""
        return self._plots is not None

    def make_plots(self) -> None:
        """Make the plots (once) and draw the names and history given so far."""
        if self._plots is not None:
            return
        loss_plot = _StepPlot("loss")
        set_accessible(
            loss_plot,
            "lossPlot",
            "Loss trace",
            "The loss f(θₖ) at every step k. Drag to pan the steps, scroll to zoom.",
        )
        loss_plot.add_series(_loss, pg.mkPen(OKABE_ITO["blue"], width=2))
        learning_rate_plot = _StepPlot("learning rate")
        learning_rate_plot.from_zero = True
        set_accessible(
            learning_rate_plot,
            "learningRatePlot",
            "Learning rate trace",
            "The learning rate of the update made at each step; a change mid-run shows as a "
            "step in the line.",
        )
        learning_rate_plot.add_series(
            _learning_rate, pg.mkPen(OKABE_ITO["vermillion"], width=2), stepMode="right"
        )
        parameter_plot = ParameterTracesPlot()
        for plot in (learning_rate_plot, parameter_plot):
            plot.link_steps(loss_plot)
        self._plots = (loss_plot, learning_rate_plot, parameter_plot)
        self._layout.takeAt(self._layout.count() - 1)  # the room kept for them
        for plot in self._plots:
            plot.plotItem.getAxis("left").setWidth(60)  # aligned plot areas
            self._layout.addWidget(plot, 1)
        if self._names:
            parameter_plot.set_param_names(self._names)
        if self.log_scale:
            self._show_log_scale(True)
        history, self._history = self._history, None
        if history is not None:
            self.set_history(history)
        self.plotsMade.emit()

    @property
    def loss_plot(self) -> _StepPlot:
        """The loss against the step (made now if it was not)."""
        return self.plots()[0]

    @property
    def learning_rate_plot(self) -> _StepPlot:
        """The learning rate of each update against the step (made now if it was not)."""
        return self.plots()[1]

    @property
    def parameter_plot(self) -> ParameterTracesPlot:
        """Each parameter against the step (made now if it was not)."""
        return self.plots()[2]

    @property
    def log_scale(self) -> bool:
        """Whether the loss axis is logarithmic."""
        return self._log_check.isChecked()

    def set_param_names(self, names: Sequence[str]) -> None:
        """Name the parameters (one coloured curve each)."""
        self._names = tuple(names)
        if self._plots is not None:
            self._plots[2].set_param_names(self._names)

    def set_history(self, history: History, growing: bool = False) -> None:
        """Draw ``history`` (the window's mirror; called at up to 60 Hz); ``growing``
        while the run streams in (the ranges then move in jumps)."""
        if self._plots is None:
            self._history = history  # drawn when the plots are made
        for plot in self.made_plots():
            plot.set_history(history, growing)

    def set_log_scale(self, on: bool) -> None:
        """Show the loss on a logarithmic (True) or linear axis."""
        self._log_check.setChecked(on)

    def plots(self) -> tuple[_StepPlot, ...]:
        """The loss, learning-rate and parameter plots, top to bottom (made if need be)."""
        self.make_plots()
        return self.made_plots()

    def made_plots(self) -> tuple[_StepPlot, ...]:
        """The plots if they have been made, else none."""
        return self._plots or ()

    def _apply_log_scale(self, on: bool) -> None:
        if self._plots is not None:
            self._show_log_scale(on)
        self.logScaleChanged.emit(on)

    def _show_log_scale(self, on: bool) -> None:
        loss_plot = self._plots[0]
        loss_plot.positive_only = on
        loss_plot.plotItem.setLogMode(y=on)
        loss_plot.redraw()

    def _lay_out(self) -> QVBoxLayout:
        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        header.addStretch(1)
        header.addWidget(self._log_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addStretch(1)  # where the plots go
        return layout
