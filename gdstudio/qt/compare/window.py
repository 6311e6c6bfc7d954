"""Compare mode: several runs of the same problem side by side, in lock step.

A :class:`CompareWindow` is one problem (objective and start point) and a list of
:class:`~gdstudio.engine.RunSettings`, one per run: each has its own optimizer and
learning rate, and the main window's schedule and stopping rules. It holds one
:class:`~gdstudio.qt.run.session.RunSession` (one worker thread) per run. Run, Pause, Step
and Reset act on every run together: Step makes exactly one update in each; Run drives
them from one timer with the worker's ``advance`` control, so they all reach step k
together (a run that ends early stays where it ended). Closing the window stops every worker thread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSlider, QSplitter, QWidget

from gdstudio.engine import OPTIMIZERS, RunSettings
from gdstudio.qt.compare.plots import CompareContourPlot, CompareFunctionPlot, CompareLossPlot
from gdstudio.qt.compare.table import RunsTable
from gdstudio.qt.host import ActionRegistry
from gdstudio.qt.icons import paint_control_icons
from gdstudio.qt.plots.common import SurfaceFunction
from gdstudio.qt.plots.theme import PlotTheme, apply_plot_theme
from gdstudio.qt.run.pace import speed_text
from gdstudio.qt.run.session import RunSession

__all__ = ["COMPARE_SPEEDS", "CompareWindow", "default_runs", "run_label"]

#: Speed positions in steps per second (all runs together); the last is as fast as it goes.
COMPARE_SPEEDS: tuple[float, ...] = (1, 5, 20, 100, 1000, 10_000, math.inf)
_TICK_MS = 33
_FASTEST_CHUNK = 2000  # updates per run per tick at the fastest speed


def run_label(settings: RunSettings) -> str:
    """E.g. ``"Adam, α = 0.1"`` (legend and table)."""
    return f"{OPTIMIZERS[settings.optimizer].title}, α = {settings.learning_rate:g}"


def default_runs(settings: RunSettings) -> list[RunSettings]:
    """Gradient descent, momentum (μ = 0.9) and Adam, at the window's rate.

    Adam's steps are about α long whatever the slope, so it gets at least 0.01 to move.
    """
    rate = settings.learning_rate
    return [run_with(settings, "gd", rate), run_with(settings, "momentum", rate),
            run_with(settings, "adam", max(rate, 0.01))]


def run_with(settings: RunSettings, optimizer: str, learning_rate: float) -> RunSettings:
    """``settings`` with another optimizer (at its default hyperparameters) and rate."""
    return replace(settings, optimizer=optimizer, hyperparameters={},
                   learning_rate=learning_rate)


class CompareWindow(QMainWindow):
    """Several runs of one problem at once, paused, stepped and reset together.

    Parameters
    ----------
    objective : Objective
        The problem (shared by every run).
    start : numpy.ndarray
        The start point (shared).
    settings : RunSettings
        The main window's: its schedule and stopping rules go to every run.
    runs : sequence of RunSettings, optional
        One per run. Default: :func:`default_runs` of ``settings``.
    parent : QWidget, optional
        The main window (the comparison is a window of its own).
    """

    def __init__(self, objective: Any, start: np.ndarray, settings: RunSettings,
                 runs: Sequence[RunSettings] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setObjectName("compareWindow")
        self.setWindowTitle(f"Compare optimizers — f = {getattr(objective, 'text', '')}")
        self._objective, self._start, self._settings = objective, np.array(start), settings
        self.runs: list[RunSettings] = list(runs or default_runs(settings))
        self.sessions: list[RunSession] = []
        self.playing = False
        self._awaiting: dict[int, int] = {}  # run → step count its advance reaches
        self._closed = False
        self._build()
        self._driver = QTimer(self)
        self._driver.timeout.connect(self._tick)
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(_TICK_MS)
        self._redraw.timeout.connect(self._draw)
        self._rebuild_runs()
        self.resize(1300, 820)

    # ================================================================ building
    def _build(self) -> None:
        names = tuple(self._objective.param_names)
        if len(names) == 2 and hasattr(self._objective, "compiled"):
            self.path_plot: CompareContourPlot | CompareFunctionPlot | None = CompareContourPlot()
        elif len(names) == 1 and hasattr(self._objective, "compiled"):
            self.path_plot = CompareFunctionPlot()
        else:
            self.path_plot = None
        self.loss_plot = CompareLossPlot()
        self.table = RunsTable(self)
        self.table.runsEdited.connect(self._runs_edited)
        self.table.addRequested.connect(lambda: self.add_run())
        self.table.removeRequested.connect(self.remove_run)
        plots = QSplitter(Qt.Orientation.Horizontal)
        if self.path_plot is not None:
            self.path_plot.set_source(SurfaceFunction.of(self._objective))
            plots.addWidget(self.path_plot)
        plots.addWidget(self.loss_plot)
        plots.setSizes([700, 520])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(plots)
        split.addWidget(self.table)
        split.setSizes([650, 175])
        self.setCentralWidget(split)
        self._build_toolbar()

    def _build_toolbar(self) -> None:
        toolbar = self.addToolBar("Comparison")
        toolbar.setObjectName("compareToolBar")
        self.registry = ActionRegistry()  # the toolbar's actions by name
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for name, icon, text, keys, tip, slot in (
            ("compareRun", "run", "Run all", "Space", "Run every comparison in lock step",
             self.play),
            ("comparePause", "pause", "Pause all", "Space", "Pause every run", self.pause),
            ("compareStep", "step", "Step all", "Right", "One update in every run", self.step),
            ("compareReset", "reset", "Reset all", "Ctrl+R", "Every run back to the start",
             self.reset),
        ):
            item = QAction(text, self)
            item.setProperty("controlIcon", icon)
            item.setObjectName(name)
            item.setShortcut(QKeySequence(keys))
            item.setToolTip(f"{tip} ({QKeySequence(keys).toString()})")
            item.triggered.connect(slot)
            toolbar.addAction(item)
            self.registry.add_action(item)
        paint_control_icons(self)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Speed "))
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setObjectName("compareSpeedSlider")
        self.speed_slider.setAccessibleName("Speed of the comparison")
        self.speed_slider.setToolTip("Steps per second of every run")
        self.speed_slider.setRange(0, len(COMPARE_SPEEDS) - 1)
        self.speed_slider.setValue(COMPARE_SPEEDS.index(1000))
        self.speed_slider.setFixedWidth(140)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(90)
        self.speed_slider.valueChanged.connect(self._speed_changed)
        toolbar.addWidget(self.speed_slider)
        toolbar.addWidget(self.speed_label)
        self._speed_changed()

    # ================================================================ runs
    def add_run(self, settings: RunSettings | None = None) -> None:
        """Add a run (default: the next optimizer not compared yet); all start again."""
        if settings is None:
            used = {run.optimizer for run in self.runs}
            free = [name for name in OPTIMIZERS if name not in used] or ["gd"]
            settings = run_with(self._settings, free[0], self._settings.learning_rate)
        self.runs.append(settings)
        self._rebuild_runs()

    def remove_run(self, index: int) -> None:
        """Remove run ``index`` (at least one stays); all start again."""
        if len(self.runs) > 1:
            del self.runs[index]
            self._rebuild_runs()

    def _runs_edited(self, runs: list[RunSettings]) -> None:
        if runs != self.runs:
            self.runs = list(runs)
            self._rebuild_runs()

    def _rebuild_runs(self) -> None:
        self.pause()
        while len(self.sessions) > len(self.runs):
            self.sessions.pop().shutdown()
        while len(self.sessions) < len(self.runs):
            session = RunSession(self)
            index = len(self.sessions)
            session.historyChanged.connect(lambda _old: self._schedule_draw())
            session.reportReceived.connect(lambda report, i=index: self._reported(i, report))
            session.failed.connect(lambda details: self.statusBar().showMessage(
                f"A run stopped: {details.splitlines()[0]}"))
            session.set_speed(math.inf)
            self.sessions.append(session)
        labels = [run_label(run) for run in self.runs]
        if self.path_plot is not None:
            self.path_plot.set_runs(labels)
        self.loss_plot.set_runs(labels)
        self.table.set_runs(self.runs)
        self.reset()

    # ================================================================ controls
    def play(self) -> None:
        """Run every run, in lock step, until each ends or Pause."""
        if self._closed:
            return
        self.playing = True
        self._driver.start(self._tick_interval())
        self._update_actions()
        self._tick()

    def pause(self) -> None:
        """Stop every run (after the update each is making)."""
        self.playing = False
        if hasattr(self, "_driver"):
            self._driver.stop()
        self._update_actions()

    def step(self) -> None:
        """Pause, then make exactly one update in every run that has not diverged."""
        self.pause()
        for session in self.sessions:
            if session.report is None or session.report.status != "diverged":
                session.step()

    def reset(self) -> None:
        """Every run back to the start point (paused)."""
        self.pause()
        self._awaiting.clear()
        for session, run in zip(self.sessions, self.runs, strict=True):
            session.start(self._objective, self._start, run)
        self._schedule_draw()

    def _tick(self) -> None:
        if not self.playing or self._awaiting:
            return
        chunk = self._chunk()
        running = [i for i, s in enumerate(self.sessions)
                   if s.report is not None and s.report.status == "running"]
        if not running:
            self.pause()
            return
        for index in running:
            session = self.sessions[index]
            self._awaiting[index] = session.report.step_count + chunk
            session.advance(chunk)

    def _reported(self, index: int, report: Any) -> None:
        target = self._awaiting.get(index)
        if target is not None and (report.step_count >= target or report.status != "running"):
            del self._awaiting[index]
        self._schedule_draw()

    # ================================================================ speed
    @property
    def speed(self) -> float:
        """Steps per second of every run."""
        return COMPARE_SPEEDS[self.speed_slider.value()]

    def _chunk(self) -> int:
        if math.isinf(self.speed):
            return _FASTEST_CHUNK
        return max(1, round(self.speed * _TICK_MS / 1000))

    def _tick_interval(self) -> int:
        return _TICK_MS if self.speed * _TICK_MS >= 1000 else round(1000 / self.speed)

    def _speed_changed(self) -> None:
        speed = self.speed
        self.speed_label.setText(speed_text(speed))
        if self.playing:
            self._driver.start(self._tick_interval())

    # ================================================================ showing
    def _update_actions(self) -> None:
        if not hasattr(self, "registry"):
            return
        self.registry.action("compareRun").setVisible(not self.playing)
        self.registry.action("comparePause").setVisible(self.playing)

    def _schedule_draw(self) -> None:
        if not self._redraw.isActive():
            self._redraw.start()

    def _draw(self) -> None:
        histories = [session.history for session in self.sessions]
        if self.path_plot is not None:
            self.path_plot.set_histories(histories)
        self.loss_plot.set_histories(histories)
        self.table.show_reports([session.report for session in self.sessions], histories)
        steps = sorted({len(history) - 1 for history in histories})
        where = (f"every run at step {steps[0]:,}" if len(steps) == 1
                 else f"runs at steps {', '.join(f'{n:,}' for n in steps)}")
        ended = all(s.report is not None and s.report.status != "running" for s in self.sessions)
        state = "Every run has ended" if ended else ("Running" if self.playing else "Paused")
        self.statusBar().showMessage(f"{state}: {where}.")

    def set_theme(self, theme: PlotTheme) -> None:
        """Restyle the plots (light or dark, presentation mode) and the control icons."""
        apply_plot_theme(self, theme)
        paint_control_icons(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop every run's worker thread before the window goes."""
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every worker thread and wait for it (safe to repeat)."""
        self._closed = True
        self.pause()
        self._redraw.stop()
        for session in self.sessions:
            session.shutdown()

