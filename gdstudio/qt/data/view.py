"""Data mode's centre page: the data with the model, side by side with the loss surface.

:class:`DataView` reads the studio model (the dataset, the objective) and the window's
mirror of the run; it never computes numbers itself — the curve, the fitted values, the
loss grid and the least-squares answer all come from the problems layer
(:class:`~gdstudio.problems.models.ModelObjective`,
:class:`~gdstudio.problems.loss_surface.LossSurface`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gdstudio.qt.data.plots import DataPlot, LossContourPlot, LossCurvePlot, PairHistory
from gdstudio.qt.model import StudioModel
from gdstudio.qt.plots.common import last_plottable_row
from gdstudio.qt.plots.contour import LIVE_MAP_SECONDS
from gdstudio.qt.plots3d import LandscapeView
from gdstudio.qt.run.ui_gate import pass_is_full

__all__ = ["DataView"]

#: While a run streams in, the other parameters of a 3+-parameter loss map are updated
#: at most this often (ms): each update recomputes the whole map.
HELD_UPDATE_MS = 300
#: ... and, while a run streams in, at most this share of the time (a map that sums over
#: every row of a large table for each grid point takes a while).
HELD_SHARE = 0.1
#: While a run streams in, the loss plot is redrawn at most this often (ms).
LOSS_FRAME_MS = 100
#: Residual lines are on by default for tables of at most this many rows.
RESIDUALS_UP_TO = 200


def _combo(name: str, tip: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(tip.split(":")[0])
    combo.setToolTip(tip)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class DataView(QSplitter):
    """The data plot (left) and the loss over the parameters (right).

    The loss plots (a curve for one parameter, a map for more) cost more to make than
    the rest of the page together: they are made in passes of the event loop after the
    page, one per pass, or at once when a problem needs one first. ``style`` styles
    each as the preferences say.

    Signals
    -------
    startPicked(object)
        A click on the loss plot: a dict of parameter → value in descent units.
    """

    startPicked = Signal(object)

    def __init__(self, model: StudioModel, parent: QWidget | None = None,
                 style: Callable[[QWidget], None] | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("dataView")
        self.model = model
        self._style = style
        self._loss_curve: LossCurvePlot | None = None
        self._loss_map: LossContourPlot | None = None
        self._loss_page: LandscapeView | None = None
        self.objective: Any | None = None
        self.surface: Any | None = None
        self._best: np.ndarray | None = None
        self._history: Any | None = None
        self._pair_history: PairHistory | None = None
        self._params: np.ndarray | None = None
        # (objective, least-squares point, column across) of the least-squares curve drawn
        self._least_squares_shown: tuple[Any, ...] | None = None
        self._held_timer = QTimer(self)
        self._held_timer.setSingleShot(True)
        self._held_timer.setInterval(HELD_UPDATE_MS)
        self._held_timer.timeout.connect(self._held_timed_out)
        self._held_due = False  # the held parameters' map waits for the next path frame
        self._playing = False
        self._loss_due = True
        self._loss_drawn = 0.0
        self._loss_timer = QTimer(self)
        self._loss_timer.setSingleShot(True)
        self._loss_timer.setInterval(LOSS_FRAME_MS)
        self._loss_timer.timeout.connect(self._loss_path_due)
        self.addWidget(self._build_data_side())
        self.addWidget(self._build_loss_side())
        self.setChildrenCollapsible(False)
        self.setSizes([1, 1])
        model.dataSettingChanged.connect(self._data_setting_changed)
        # A timer, not a posted call: that would run in this same pass of the loop.
        QTimer.singleShot(1, self, self._make_loss_plots_later)

    # ------------------------------------------------------------------ building
    def _build_data_side(self) -> QWidget:
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.feature_combo = _combo("featureCombo", "Across: the column drawn along the "
                                    "horizontal axis")
        self.feature_combo.currentTextChanged.connect(lambda _text: self.refresh_points())
        self.residuals_check = QCheckBox("Residuals")
        self.residuals_check.setObjectName("residualsCheck")
        self.residuals_check.setToolTip("Draw each point's residual: the gap between the data "
                                        "and the model")
        self.residuals_check.setChecked(True)
        bar.addWidget(QLabel("Across"))
        bar.addWidget(self.feature_combo)
        bar.addWidget(self.residuals_check)
        bar.addStretch(1)
        self.data_plot = DataPlot()
        self.residuals_check.toggled.connect(self.data_plot.set_residuals_visible)
        layout.addLayout(bar)
        layout.addWidget(self.data_plot, 1)
        return side

    def _build_loss_side(self) -> QWidget:
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.pair_label = QLabel("Loss over")
        self.axis_combos = (
            _combo("lossAxisXCombo", "Loss map, across: the parameter along the horizontal axis"),
            _combo("lossAxisYCombo", "Loss map, up: the parameter along the vertical axis"),
        )
        bar.addWidget(self.pair_label)
        for combo in self.axis_combos:
            bar.addWidget(combo)
            combo.currentIndexChanged.connect(self._pair_changed)
        self.held_label = QLabel()
        bar.addWidget(self.held_label, 1)
        self.loss_stack = QStackedWidget()  # the loss plots, made later (see loss_curve)
        layout.addLayout(bar)
        layout.addWidget(self.loss_stack, 1)
        return side

    @property
    def loss_curve(self) -> LossCurvePlot:
        """The loss over one parameter (made on first use)."""
        if self._loss_curve is None:
            plot = LossCurvePlot()
            plot.pointPicked.connect(lambda x: self._picked((x,)))
            self._add_loss_plot(plot)
            self._loss_curve = plot
        return self._loss_curve

    @property
    def loss_map(self) -> LossContourPlot:
        """The loss map over two parameters (made on first use, with :attr:`loss_page`)."""
        if self._loss_map is None:
            plot = LossContourPlot()
            plot.pointPicked.connect(lambda x, y: self._picked((x, y)))
            plot.set_live(self._playing)
            self._loss_map = plot
            self._loss_page = LandscapeView(plot)  # the map, 3-D or both
            self._add_loss_plot(self._loss_page)
        return self._loss_map

    @property
    def loss_page(self) -> LandscapeView:
        """The loss map's page: the map, the 3-D surface or both."""
        self.loss_map  # noqa: B018 (makes the page)
        return self._loss_page

    def _add_loss_plot(self, page: QWidget) -> None:
        self.loss_stack.addWidget(page)
        if self._style is not None:
            self._style(page)

    def _make_loss_plots_later(self) -> None:
        """Make the next loss plot not made yet; the one after in a later pass."""
        if pass_is_full():
            pass
        elif self._loss_curve is None:  # first: the first data example has one parameter
            self.loss_curve  # noqa: B018 (makes it)
        elif self._loss_map is None:
            self.loss_map  # noqa: B018 (makes it)
        if self._loss_map is None or self._loss_curve is None:
            QTimer.singleShot(1, self, self._make_loss_plots_later)

    # ------------------------------------------------------------------ public
    def plots(self) -> list[Any]:
        """The plots changed by the last :meth:`set_history` (the window repaints them)."""
        if self._loss_due:
            loss = self.loss_stack.currentWidget()
            if loss is None:  # no loss plot made yet
                return [self.data_plot]
            return [self.data_plot, self._loss_map if loss is self._loss_page else loss]
        return [self.data_plot]

    @property
    def catching_up(self) -> bool:
        """True while the loss plot has an update still to come (after a run stops, the
        map of the other parameters' new values may take a while over a large table)."""
        loss_map = self._loss_map
        return (self._held_timer.isActive() or self._loss_timer.isActive() or (
            loss_map is not None and (loss_map.map_pending or loss_map.recompute_pending)))

    def set_objective(self, objective: Any) -> None:
        """Show a newly built objective: its data, its loss over parameters, its answer."""
        previous, self.objective = self.objective, objective
        names = objective.param_names
        self._params = None
        self._best = self._best_point()
        if previous is None or abs(previous.n_samples - objective.n_samples) > 1:
            # A new table: residual lines help on a few points, clutter thousands.
            self.residuals_check.setChecked(objective.n_samples <= RESIDUALS_UP_TO)
        self._fill_features(objective)
        self._fill_axes(names)
        self._make_surface()
        self.refresh_points()

    def set_history(self, history: Any) -> None:
        """Follow the run: the model's curve now, the path on the loss surface."""
        if self.objective is None or history.params.shape[1] != len(self.objective.param_names):
            return
        row = last_plottable_row(history.params, history.loss)
        self._params = None if row is None else np.array(history.params[row])
        new_run = history is not self._history or len(history) <= 1
        self._history = history
        self._show_model()
        self.data_plot.paint_cost.owe()
        # While a run streams in, the loss plot (whose iso-lines cost as much to paint as
        # everything else) follows at most every LOSS_FRAME_MS; a last update always comes.
        now = time.monotonic()
        due = new_run or now - self._loss_drawn >= LOSS_FRAME_MS / 1000
        # ... and not in a pass of the event loop that has worked long enough already
        # (its paint included).
        self._loss_due = due and (new_run or not self._playing
                                  or not pass_is_full(self._loss_paint_due()))
        if self._loss_due:
            self._draw_loss_path()
        elif not self._loss_timer.isActive():
            self._loss_timer.start()
        if len(self.objective.param_names) > 2 and not self._held_timer.isActive():
            self._schedule_held()

    def set_playing(self, playing: bool) -> None:
        """Whether a run streams in; when it stops, the loss map catches up with it."""
        stopped = self._playing and not playing
        self._playing = playing
        if stopped:
            self._held_due = False  # the map catches up below, whatever was due
        if self._loss_map is not None:
            self._loss_map.set_live(playing)
        if stopped and self.objective is not None and len(self.objective.param_names) > 2:
            self._schedule_held()

    def _schedule_held(self) -> None:
        cost = self.loss_map.map_seconds if self._loss_map is not None else 0.0
        if self._playing and cost > LIVE_MAP_SECONDS:
            return
        # A run streaming in shares the time with the map; once it stops, a slow map is
        # made off the UI thread (ContourPlot), so it need not wait its share.
        share = round(1000 * cost / HELD_SHARE) if self._playing else 0
        self._held_timer.setInterval(max(HELD_UPDATE_MS, share))
        self._held_timer.start()

    def draw_now(self) -> None:
        """Draw the loss path now rather than at its next frame (an exported frame)."""
        self._draw_loss_path()

    def _loss_paint_due(self) -> float:
        """Seconds the loss plot's next paint is expected to take."""
        plot = self.loss_stack.currentWidget()
        if plot is not None and plot is self._loss_page:
            plot = self._loss_map
        cost = getattr(plot, "paint_cost", None)
        return cost.seconds if cost is not None else 0.0

    def _loss_path_due(self) -> None:
        if self._playing and pass_is_full(self._loss_paint_due()):
            self._loss_timer.start()  # this pass of the event loop has worked enough
        else:
            self._draw_loss_path()

    def _draw_loss_path(self) -> None:
        self._loss_timer.stop()
        self._loss_drawn = time.monotonic()
        if self._held_due:  # in this frame: the map and the path are painted together
            self._held_due = False
            self._update_held(now=True)
        if self._history is not None and self.objective is not None:
            plot = self.loss_stack.currentWidget()
            if plot is not None:
                plot.set_history(self._loss_history(self._history))

    def refresh_points(self) -> None:
        """Draw the dataset's rows (after an edit, or another column across)."""
        dataset = self.model.data.dataset
        target = self.model.data.target
        across = self.feature_combo.currentText()
        if dataset is None or target not in dataset or across not in dataset:
            self.data_plot.set_points(np.empty(0), np.empty(0), ("x", target))
            return
        self.data_plot.set_points(dataset[across], dataset[target], (across, target))
        self._show_model()

    # ------------------------------------------------------------------ internals
    def _fill_features(self, objective: Any) -> None:
        dataset = objective.data
        columns = [name for name in dataset.names if name != objective.target]
        current = self.feature_combo.currentText()
        preferred = current if current in objective.features else (
            objective.features[0] if objective.features else (columns or [""])[0])
        blocked = self.feature_combo.blockSignals(True)
        self.feature_combo.clear()
        self.feature_combo.addItems(columns)
        self.feature_combo.setCurrentText(preferred)
        self.feature_combo.blockSignals(blocked)

    def _fill_axes(self, names: tuple[str, ...]) -> None:
        several = len(names) > 2
        same = tuple(self.axis_combos[0].itemText(i)
                     for i in range(self.axis_combos[0].count())) == names
        for position, combo in enumerate(self.axis_combos):
            wanted = combo.currentText() if same else names[min(position, len(names) - 1)]
            blocked = combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentText(wanted)
            combo.blockSignals(blocked)
            combo.setVisible(several)
        self.pair_label.setVisible(several)
        self.held_label.setVisible(several)

    def _pair(self) -> tuple[str, ...]:
        names = self.objective.param_names
        if len(names) <= 2:
            return tuple(names)
        first, second = (combo.currentText() for combo in self.axis_combos)
        if first == second:
            second = next(name for name in names if name != first)
        return first, second

    def _pair_changed(self) -> None:
        if self.objective is not None:
            self._make_surface()
            if self._history is not None:
                self.set_history(self._history)

    def _make_surface(self) -> None:
        # lazy: loss surfaces load when first drawn
        from gdstudio.problems.loss_surface import LossSurface

        objective, pair = self.objective, self._pair()
        held = self._current_params()
        self.surface = LossSurface(objective, pair, held)
        self._pair_history = None
        best = self._best
        columns = [objective.param_names.index(name) for name in pair]
        if len(pair) == 1:
            self.loss_stack.setCurrentWidget(self.loss_curve)
            self.loss_curve.set_source(self.surface)
            self.loss_curve.set_best(None if best is None else float(best[columns[0]]))
        else:
            self.loss_stack.setCurrentWidget(self.loss_page)
            self.loss_map.set_source(self.surface)
            self.loss_map.set_best(None if best is None else
                                   (float(best[columns[0]]), float(best[columns[1]])))
        self._describe_held()

    def _current_params(self) -> np.ndarray:
        if self._params is not None:
            return self._params
        objective = self.objective
        start = {n: self.model.start.get(n, 0.0) for n in objective.param_names}
        try:
            return objective.start_point(start)
        except ValueError:
            return np.zeros(len(objective.param_names))

    def _best_point(self) -> np.ndarray | None:
        """The least-squares answer in descent units, or ``None``."""
        objective = self.objective
        solution = objective.least_squares_solution()
        if solution is None:
            return None
        return objective.from_original([solution[n] for n in objective.param_names])

    def _loss_history(self, history: Any) -> Any:
        names = self.objective.param_names
        columns = tuple(names.index(name) for name in self._pair())
        if columns == tuple(range(len(names))):
            return history
        if self._pair_history is None or self._pair_history.history is not history or (
                tuple(self._pair_history.columns) != columns):
            self._pair_history = PairHistory(history, columns)
        return self._pair_history

    def _held_timed_out(self) -> None:
        if self._playing:
            # While a run streams in the map follows with the next loss-path frame: a
            # recompute of its own would paint the map once more in between.
            self._held_due = True
        else:
            self._update_held()

    def _update_held(self, now: bool = False) -> None:
        """Hold the other parameters at the run's current values and remap (``now``, or
        at the map's next recompute)."""
        if self.surface is None or self._params is None:
            return
        if self._playing and now and self._holds_already() and not (
                self.loss_map.recompute_pending):
            return  # the map of these values is up (or one that looks the same)
        self.surface.set_held(self._params)
        self._describe_held()
        if now:
            self.loss_map.recompute_now()
        else:
            self.loss_map.schedule_recompute()

    def _holds_already(self) -> bool:
        """True when the map holds the parameters off its axes at the run's values."""
        pair = self._pair()
        others = [i for i, name in enumerate(self.objective.param_names) if name not in pair]
        return bool(np.array_equal(self.surface.held[others], self._params[others]))

    def _describe_held(self) -> None:
        if self.objective is None or self.surface is None:
            return
        pair = self._pair()
        others = [f"{name} = {value:.4g}" for name, value in
                  zip(self.objective.param_names, self.surface.held, strict=True)
                  if name not in pair]
        self.held_label.setText(("  others at " + ", ".join(others)) if others else "")

    def _show_model(self) -> None:
        objective, params = self.objective, self._params
        if params is None and objective is not None:
            params = self._current_params()
        dataset, across = self.model.data.dataset, self.feature_combo.currentText()
        if objective is None or dataset is None or params is None:
            self.data_plot.set_model(None, None)
            self.data_plot.set_least_squares(None)
            self._least_squares_shown = None
            return
        features = objective.features

        def curve_of(values: np.ndarray) -> Any:
            if features not in ((across,), ()):
                return None  # several features: the fitted values are shown as points
            return lambda xs: np.broadcast_to(objective.predict_at(
                values, {across: xs} if features else {}), xs.shape)

        def fitted(rows: np.ndarray) -> np.ndarray:
            try:
                columns = {name: dataset[name][rows] for name in features}
                shape = rows.shape
                return np.broadcast_to(objective.predict_at(params, columns), shape)
            except (KeyError, ValueError, IndexError):
                return np.full(rows.shape, np.nan)

        self.data_plot.set_model(curve_of(params), fitted)
        # The least-squares curve changes with the problem and the column across, not
        # with the run: set again, it would be sampled again at every frame.
        shown = self._least_squares_shown
        if shown is None or shown[0] is not objective or shown[1] is not self._best or (
                shown[2] != across):
            self._least_squares_shown = (objective, self._best, across)
            best = self._best
            self.data_plot.set_least_squares(None if best is None else curve_of(best))

    def _picked(self, point: tuple[float, ...]) -> None:
        if self.objective is not None:
            self.startPicked.emit(dict(zip(self._pair(), point, strict=True)))

    def _data_setting_changed(self, name: str) -> None:
        if name in ("dataset", "target"):
            self.refresh_points()
