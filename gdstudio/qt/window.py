"""The studio window: editor on the left, plots in the centre, log and explanation below."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSlider,
    QStackedWidget,
    QWidget,
)

from gdstudio._version import __version__
from gdstudio.engine.explain import explain_derivative
from gdstudio.qt.branches import BranchesController
from gdstudio.qt.data.mode import DataMode
from gdstudio.qt.host import ActionRegistry
from gdstudio.qt.icons import ControlIcons
from gdstudio.qt.lessons import install_lessons
from gdstudio.qt.lessons.tools import install_lesson_tools
from gdstudio.qt.model import StudioModel
from gdstudio.qt.panels.editor import ProblemEditor
from gdstudio.qt.panels.layout import PanelLayout
from gdstudio.qt.panels.marks import HatFont
from gdstudio.qt.panels.status import StatusLine
from gdstudio.qt.panels.step_log import HistoryTableModel, StepLogView, configure_history_view
from gdstudio.qt.plots import (
    FunctionPlot,
    ParameterTracesPlot,
    SurfaceFunction,
    TracesPanel,
)
from gdstudio.qt.run.compiler import ExpressionCompiler, ready_made
from gdstudio.qt.run.first_paint import AfterFirstPaint
from gdstudio.qt.run.idle_work import IdleWork
from gdstudio.qt.run.pace import TUTORIAL_SPEED, speed_text
from gdstudio.qt.run.session import FRAME_INTERVAL_MS, RunSession
from gdstudio.qt.run.ui_gate import pass_is_full
from gdstudio.qt.run.worker import FULL_SPEED, WorkerReport

if TYPE_CHECKING:
    from gdstudio.io.project import Project
    from gdstudio.qt.closer import CloserTools
    from gdstudio.qt.compare.launcher import CompareLauncher
    from gdstudio.qt.files.exports_menu import ExportsMenu
    from gdstudio.qt.files.projects import ProjectController
    from gdstudio.qt.lessons.controller import LessonsController
    from gdstudio.qt.plots import ContourPlot
    from gdstudio.qt.plots3d import LandscapeView
    from gdstudio.qt.sweeps.launcher import SweepsLauncher

__all__ = ["SPEEDS", "SPEED_KEY", "MainWindow", "speed_position"]

#: Speed control positions, in steps per second; the last is as fast as possible.
SPEEDS: tuple[float, ...] = (1, 2, 5, 10, 20, 50, 100, 1000, 10_000, FULL_SPEED)


def speed_position(steps_per_second: float) -> int:
    """The speed slider's position nearest to ``steps_per_second`` (on a log scale)."""
    if math.isinf(steps_per_second):
        return len(SPEEDS) - 1
    wanted = math.log(max(steps_per_second, 1e-3))
    return min((i for i, s in enumerate(SPEEDS) if not math.isinf(s)),
               key=lambda i: abs(math.log(SPEEDS[i]) - wanted))


_STATUS_WORDS = {
    "running": "Ready",
    "converged": "Converged",
    "max_iter": "Stopped",
    "diverged": "Diverged",
    "stopped": "Stopped",
}
_SETTINGS_VERSION = 1
#: Where the speed the student chose with the slider is kept (absent until they do).
SPEED_KEY = "run/speed"
#: Seconds between updates of the side panels (traces, step log, explanation) while a
#: run streams in.
SIDE_PANELS_INTERVAL = 0.25
#: ... but the step log, while a run streams in as fast as possible: its rows then fly by
#: too fast to read, and each update held the UI thread (and so the run) for 20-30 ms.
FAST_STEP_LOG_INTERVAL = 1.0


class MainWindow(QMainWindow):
    """Gradient Descent Studio's main window; opens with the first tutorial ready to run.

    Parameters
    ----------
    settings : QSettings, optional
        Where layout and sizes are remembered (default: the application's settings).
    """

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Gradient Descent Studio")
        self._settings = settings if settings is not None else QSettings()
        self.model = StudioModel(self)
        self.session = RunSession(self)
        self.compiler = ExpressionCompiler(parent=self)
        self._play_when_ready = False
        self._closing = False
        self._side_drawn = self._explained = 0.0
        self._step_log_drawn = -math.inf  # when a fast run's step log was last refreshed
        # The side panels draw in frames of their own, half a frame after the main plot.
        self._side_timer = QTimer(self)
        self._side_timer.setSingleShot(True)
        self._side_timer.setInterval(FRAME_INTERVAL_MS // 2)
        self._side_timer.timeout.connect(self._draw_side_panels)
        self._side_old_length: int | None = None  # the log's old length, while pending
        self._side_pieces: list[Callable[[], None]] = []  # side panels still to draw
        self.registry = ActionRegistry()  # menus and actions by name, for the controllers
        self.status_line = StatusLine(self.statusBar())  # the run's verdict, cut to fit
        self._explanation: str | None = None  # an explanation waiting for the side panels
        self._build_actions()
        self._build_central()
        self._build_docks()
        self.data_mode = DataMode(self)  # builds, shows and starts data problems
        self._build_menus_and_toolbar()
        self._connect()
        self.branches = BranchesController(self)  # Run ▸ Branch, the Branches dock
        self.statusBar().showMessage("Preparing the example x² …")
        self._default_dock_sizes()
        self._restore_layout()
        self._update_actions()
        # Examples and preferences now (after the slots above); projects, exports and
        # compare later. After the first paint, so that the window appears at once: the
        # first compile (its thread would slow the paint down), then those tools.
        self.examples, self.preferences, self._late_tools = install_lesson_tools(
            self, self._settings)
        self._after_paint = AfterFirstPaint(self)
        # The traces' plots first: they are in view (the first frame shows their room).
        self.after_first_paint(self._make_traces)
        self._closer: CloserTools | None = None
        self.after_first_paint(self._install_closer)  # before the late tools' Run items
        if ready_made(self.model.expression_text) is not None:
            self._compile_first_problem()  # ready-made: no thread, no helper, no sympy
        else:
            self.after_first_paint(self._compile_first_problem)
        # Then the helper process for the student's own functions: it loads sympy in
        # the background while the student reads the first example.
        self.after_first_paint(self.compiler.warm_up)
        self.after_first_paint(self.examples.fill)  # the Examples menu's entries
        self.after_first_paint(self._install_late_tools)
        self._lessons: LessonsController | None = None  # Help ▸ Lessons, after the paint
        self.after_first_paint(self._install_lessons)
        # Last, the pages other problems need, each in a quiet pass of its own: made in
        # the pass that needs one, a page came on top of that pass's own work.
        self.idle_work = IdleWork(self)
        self._pages_queued = False
        self.after_first_paint(self._prepare_pages)

    def after_first_paint(self, function: Callable[[], object]) -> None:
        """Call ``function`` just after the window's first paint (at once if it is past).

        Functions run in the order given; work that can wait belongs here, so that the
        window appears sooner (see :mod:`gdstudio.qt.run.first_paint`).
        """
        self._after_paint.call(function)

    # ================================================================ lesson tools
    @property
    def projects(self) -> ProjectController:
        """File ▸ New, Open, Save …, autosave and the question on closing."""
        return self._late_tools.install().projects

    @property
    def exports(self) -> ExportsMenu:
        """File ▸ Export."""
        return self._late_tools.install().exports

    @property
    def comparisons(self) -> CompareLauncher:
        """Run ▸ Compare Optimizers…."""
        return self._late_tools.install().comparisons

    @property
    def sweeps(self) -> SweepsLauncher:
        """Run ▸ Sweep…: the learning-rate finder, phase map and basins."""
        return self._late_tools.install().sweeps

    @property
    def lessons(self) -> LessonsController:
        """Help ▸ Lessons, the lesson dock and the teacher's lesson actions."""
        if self._lessons is None:
            self._lessons = install_lessons(self, self._settings, SPEEDS, self._work_as_project)
        return self._lessons

    def _work_as_project(self) -> Project:
        # lazy: the io layer loads after the first paint
        from gdstudio.qt.files.project_actions import project_from_window

        return project_from_window(self, False)

    @property
    def closer(self) -> CloserTools:
        """Inspect, Newton's parabola and Armijo's trials (installed just after the first
        paint, or when first asked for)."""
        if self._closer is None:
            # lazy: its tool, panel and overlays load after the first paint
            from gdstudio.qt.closer import install_closer

            self._closer = install_closer(self)
            self._closer.marks.refresh()  # the run so far
        return self._closer

    def _install_closer(self) -> None:
        if not self._closing:
            self.closer  # noqa: B018 - installs them

    def _make_traces(self) -> None:
        if self._closing:
            return
        if self.traces_dock.isVisible():  # the run so far, drawn as the plots are made
            self.traces.set_history(self.session.history)
        self.traces.make_plots()

    def _install_lessons(self) -> None:
        if not self._closing:
            self.lessons  # noqa: B018 - installs them

    def _install_late_tools(self) -> None:
        if not self._closing:
            self._late_tools.install()

    def _prepare_pages(self) -> None:
        """Make the map page and data mode's page in quiet passes, before first use.

        Only once the first problem is ready to run: one that is not an example (a
        project's own function) is still compiling after the first paint, and the pages
        must not come between the student and it.
        """
        if not self.session.active or self.compiler.busy:  # wait for its run
            self.session.started.connect(lambda _descent: self._prepare_pages(),
                                         Qt.ConnectionType.SingleShotConnection)
            return
        for piece in (lambda: self.contour_page, lambda: self.editor.data_editor,
                      self.data_mode.page, lambda: self.data_mode.page().loss_curve,
                      lambda: self.data_mode.page().loss_page):
            self.idle_work.add(lambda piece=piece: None if self._closing else piece())
        # Then sympy for the student's own functions, in the background: loaded when the
        # first one is typed, it shared the interpreter with the window for a second.
        self.idle_work.add(lambda: None if self._closing else self.compiler.load_here())
        self._pages_queued = True

    @property
    def pages_made(self) -> bool:
        """True once the pages other problems need (the map, data mode's) are made ahead,
        in the quiet passes after start-up; a first click before then makes its page."""
        return self._pages_queued and self.idle_work.pending == 0

    # ================================================================ building
    def _build_actions(self) -> None:
        def action(name: str, text: str, keys: str | QKeySequence, tip: str,
                   icon: str = "") -> QAction:
            item = QAction(text, self)
            item.setObjectName(name)
            item.setShortcut(QKeySequence(keys))
            item.setToolTip(f"{tip} ({QKeySequence(keys).toString()})")
            item.setStatusTip(tip)
            if icon:
                item.setProperty("controlIcon", icon)  # drawn by ControlIcons
            self.addAction(item)
            return self.registry.add_action(item)

        self.action_run = action("actionRun", "Run", "Space", "Run the descent", "run")
        self.action_pause = action("actionPause", "Pause", "Space", "Pause the descent",
                                   "pause")
        self.action_step = action("actionStep", "Step", "Right", "Make one update", "step")
        self.action_step_back = action("actionStepBack", "Back", "Left",
                                       "Go back one step, exactly as it was", "back")
        self.action_reset = action("actionReset", "Reset", "Ctrl+R",
                                   "Start again from the start point", "reset")
        self.action_quit = action("actionQuit", "Quit", QKeySequence.StandardKey.Quit,
                                  "Close Gradient Descent Studio")
        self.action_quick_start = action("actionQuickStart", "&Quick Start",
                                         QKeySequence.StandardKey.HelpContents,
                                         "What to try first, on one page")
        self.action_shortcuts = action("actionShortcuts", "&Keyboard Shortcuts", "Ctrl+/",
                                       "Every keyboard shortcut of the window")

    def _build_central(self) -> None:
        # Only the page of the first problem (x²) is made now; the others on first use.
        self.function_plot = FunctionPlot()
        self._contour_plot: ContourPlot | None = None
        self._contour_page: LandscapeView | None = None
        self._parameter_plot: ParameterTracesPlot | None = None
        self.plot_stack = QStackedWidget(self)
        self.plot_stack.setObjectName("plotStack")
        self.plot_stack.addWidget(self.function_plot)
        self.setCentralWidget(self.plot_stack)

    @property
    def contour_plot(self) -> ContourPlot:
        """The centre page for two variables (made, and styled, on first use)."""
        if self._contour_plot is None:
            # lazy: the map's module loads with the first problem of two variables
            from gdstudio.qt.plots.contour import ContourPlot

            plot = ContourPlot()
            plot.pointPicked.connect(lambda x, y: self._start_picked((x, y)))
            self._contour_plot = plot
            # lazy: the 3-D view's module loads with the first map, after start-up
            from gdstudio.qt.plots3d import LandscapeView

            self._contour_page = LandscapeView(plot, self._settings)
            self.add_page(self._contour_page)
        return self._contour_plot

    @property
    def contour_page(self) -> LandscapeView:
        """The centre page for two variables: the map, the 3-D surface or both."""
        self.contour_plot  # noqa: B018 (makes the page)
        return self._contour_page

    @property
    def settings(self) -> QSettings:
        """Where this window remembers layout and choices."""
        return self._settings

    @property
    def parameter_plot(self) -> ParameterTracesPlot:
        """The centre page for three or more variables (made, and styled, on first use)."""
        if self._parameter_plot is None:
            plot = ParameterTracesPlot()
            if self.model.objective is not None:
                plot.set_param_names(self.model.objective.param_names)
            self._parameter_plot = plot
            self.add_page(plot)
        return self._parameter_plot

    def _page_for(self, variables: int) -> QWidget:
        """The centre page of a function of ``variables`` variables (made if need be)."""
        if variables == 1:
            return self.function_plot
        return self.contour_page if variables == 2 else self.parameter_plot

    def add_page(self, page: QWidget) -> None:
        """Add a centre page made after start-up, styled as the preferences say."""
        self.plot_stack.addWidget(page)
        self.style_page(page)

    def style_page(self, page: QWidget) -> None:
        """Style a part of the window made after start-up as the preferences say."""
        preferences = getattr(self, "preferences", None)
        if preferences is not None:
            preferences.style_page(page)

    def _build_docks(self) -> None:
        self.editor = ProblemEditor(self.model)
        scroll = QScrollArea()
        scroll.setWidget(self.editor)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.editor_dock = self._dock("problemDock", "Problem", scroll,
                                      Qt.DockWidgetArea.LeftDockWidgetArea)
        # Its three plots are made after the first paint (see _make_traces).
        self.traces = TracesPanel(later=True)
        self.traces.plotsMade.connect(lambda: self.style_page(self.traces))
        self.traces_dock = self._dock("tracesDock", "Loss, rate and parameters", self.traces,
                                      Qt.DockWidgetArea.RightDockWidgetArea)
        self.history_model = HistoryTableModel(parent=self)
        self.history_table = StepLogView()
        self.history_table.setObjectName("historyTable")
        self.history_table.setAccessibleName("Step log")
        self.history_table.setToolTip("Every step: where it was, the loss and slope there, "
                                      "the rate used and how far it moved")
        self.history_table.setModel(self.history_model)
        configure_history_view(self.history_table)
        self.history_table.setAlternatingRowColors(True)
        self.log_dock = self._dock("logDock", "Step log", self.history_table,
                                   Qt.DockWidgetArea.BottomDockWidgetArea)
        self.explain_view = QPlainTextEdit()
        self.explain_view.setObjectName("explainView")
        self.explain_view.setReadOnly(True)
        self.explain_view.setAccessibleName("Explanation of the current step")
        self.explain_view.setToolTip("The arithmetic of the latest update, with its numbers")
        font = self.explain_view.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.explain_view.setFont(font)
        self._explain_hats = HatFont(self.explain_view.document())
        self.explain_dock = self._dock("explainDock", "Explain", self.explain_view,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.panels = PanelLayout(self, self.editor_dock, self.traces_dock, self.log_dock,
                                  self.explain_dock)

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus_and_toolbar(self) -> None:
        menus, add = self.menuBar(), self.registry.add_menu
        file_menu = add("file", menus.addMenu("&File"))
        file_menu.addAction(self.action_quit)
        run_menu = add("run", menus.addMenu("&Run"))
        for item in (self.action_run, self.action_pause, self.action_step,
                     self.action_step_back, self.action_reset):
            run_menu.addAction(item)
        view_menu = add("view", menus.addMenu("&View"))
        for dock in (self.editor_dock, self.traces_dock, self.log_dock, self.explain_dock):
            view_menu.addAction(dock.toggleViewAction())
        help_menu = add("help", menus.addMenu("&Help"))
        help_menu.addAction(self.action_quick_start)
        help_menu.addAction(self.action_shortcuts)
        help_menu.addSeparator()
        about = help_menu.addAction("About Gradient Descent Studio")
        about.triggered.connect(self._show_about)

        toolbar = self.registry.add_toolbar("controls", self.addToolBar("Controls"))
        toolbar.setObjectName("controlsToolBar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.control_icons = ControlIcons(self, toolbar)  # themed and sized with the text
        for item in (self.action_run, self.action_pause, self.action_step,
                     self.action_step_back, self.action_reset):
            toolbar.addAction(item)
        toolbar.addSeparator()
        speed_label = QLabel(" Speed ")
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setObjectName("speedSlider")
        self.speed_slider.setAccessibleName("Speed")
        self.speed_slider.setToolTip("Steps per second while running: from 1 to as fast as "
                                     "possible")
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(len(SPEEDS) - 1)
        self._pacing = False  # True while the window, not the student, moves the slider
        self.speed_slider.setFixedWidth(160)
        self.speed_value = QLabel()
        self.speed_value.setMinimumWidth(90)
        self.speed_value.setIndent(8)  # not against the slider's handle at "fastest"
        toolbar.addWidget(speed_label)
        toolbar.addWidget(self.speed_slider)
        toolbar.addWidget(self.speed_value)
        self._show_speed()

    def _connect(self) -> None:
        self.action_run.triggered.connect(self.run)
        self.action_pause.triggered.connect(self.session.pause)
        self.action_step.triggered.connect(self.session.step)
        self.action_step_back.triggered.connect(self.session.step_back)
        self.action_reset.triggered.connect(self._reset_selected)
        self.action_quit.triggered.connect(self.close)
        self.action_quick_start.triggered.connect(self.show_quick_start)
        self.action_shortcuts.triggered.connect(self.show_shortcuts)
        self.speed_slider.valueChanged.connect(self._speed_moved)
        self.editor.expressionSubmitted.connect(self._compile)
        self.editor.validityChanged.connect(lambda _valid: self._update_actions())
        self.compiler.compiled.connect(self._problem_compiled)
        self.compiler.hessianReady.connect(self.editor.show_stable_limit)
        self.compiler.failed.connect(self._problem_refused)
        self.model.problemChanged.connect(self._problem_changed)
        self.model.modeChanged.connect(self._mode_changed)
        self.model.startChanged.connect(self.reset)
        self.model.settingChanged.connect(self._setting_changed)
        self.model.speedChanged.connect(self.session.set_speed)
        self.model.speedChanged.connect(self._show_speed)
        self.session.historyChanged.connect(self._history_changed)
        self.traces_dock.visibilityChanged.connect(self._traces_shown)
        self.session.reportReceived.connect(self._report_received)
        self.session.failed.connect(self._worker_failed)
        self.function_plot.pointPicked.connect(
            lambda x: self._start_picked((x,)))
        self._restore_speed()  # once the session listens to the model's speed

    # ================================================================ controls
    def run(self) -> None:
        """Run the descent (from where it is), or as soon as the problem is ready."""
        if not self.session.active:
            self._play_when_ready = True
            self.statusBar().showMessage("Starting as soon as the function is ready …")
            return
        self.session.play()

    def reset(self) -> None:
        """Start a fresh run from the start point (paused)."""
        if self.model.objective is None or self._closing:
            return
        if self.model.mode == "data":  # with its batches, once its objective is built
            if self.data_mode.start_run(self.model.run_settings()):
                self._show_explanation(self._derivative_text())
            return
        if getattr(self.model.objective, "n_samples", None) is not None:  # data mode's,
            return  # until the function is compiled again (then set_problem resets)
        self.session.start(self.model.objective, self.model.start_vector(),
                           self.model.run_settings())
        self._show_explanation(self._derivative_text())

    @property
    def speed_chosen(self) -> bool:
        """Whether the student has set a speed with the slider (it is then kept)."""
        return self._settings.contains(SPEED_KEY)

    def suggest_speed(self, steps_per_second: float) -> None:
        """Show runs at ``steps_per_second``, unless the student chose a speed.

        The first tutorial opens at a pace that can be watched step by step; an example
        brings its own pace (:func:`~gdstudio.qt.run.pace.example_speed`).
        Once the student moves the speed slider, their speed is remembered and wins.
        """
        if not self.speed_chosen:
            self._pacing = True
            try:
                self.speed_slider.setValue(speed_position(steps_per_second))
            finally:
                self._pacing = False

    def _restore_speed(self) -> None:
        stored = self._settings.value(SPEED_KEY)
        try:
            chosen = float(stored) if stored is not None else None
        except (TypeError, ValueError):  # a hand-edited settings file
            chosen = None
        if chosen is None or not chosen > 0:
            self._settings.remove(SPEED_KEY)
            self.suggest_speed(TUTORIAL_SPEED)  # the first tutorial is ready to run
        else:
            self._pacing = True
            try:
                self.speed_slider.setValue(speed_position(chosen))
            finally:
                self._pacing = False
        self.model.set_speed(SPEEDS[self.speed_slider.value()])
        self._show_speed()

    def _speed_moved(self, position: int) -> None:
        self.model.set_speed(SPEEDS[position])
        if not self._pacing:
            self._settings.setValue(SPEED_KEY, str(SPEEDS[position]))

    def _show_speed(self, *_: object) -> None:
        """Show the speed runs go at, whatever set it: the slider, a script or a test."""
        speed = self.model.speed
        with QSignalBlocker(self.speed_slider):  # moving it would set a slider speed
            self.speed_slider.setValue(speed_position(speed))
        self.speed_value.setText(speed_text(speed))

    def _start_picked(self, point: tuple[float, ...]) -> None:
        names = self.model.param_names
        if len(names) == len(point):
            self.model.set_start(dict(zip(names, point, strict=True)))

    # ================================================================ problem
    def _compile_first_problem(self) -> None:
        if not self._closing and self.model.mode == "function":
            self.compiler.request(self.model.expression_text)

    def _compile(self, text: str) -> None:
        self.statusBar().showMessage(f"Working out the derivative of {text} …")
        self.compiler.request(text)

    def _problem_compiled(self, text: str, objective: object) -> None:
        if not self._closing and self.model.mode == "function":
            self.model.set_problem(objective, text)

    def _mode_changed(self, mode: str) -> None:
        self.session.shutdown()  # the other mode's run; the new problem starts its own
        if mode == "function":
            self._compile(self.model.expression_text)
        self._update_actions()

    def _problem_refused(self, text: str, message: str, column: object) -> None:
        self._play_when_ready = False
        self.editor.show_expression_error(message, column if isinstance(column, int) else None)
        self.statusBar().showMessage(f"Cannot use {text!r}: {message}")

    def _problem_changed(self) -> None:
        objective = self.model.objective
        names = objective.param_names
        if self.model.mode == "data":
            self.data_mode.show_problem()
        else:
            self.plot_stack.setCurrentWidget(self._page_for(len(names)))
            surface = SurfaceFunction.of(objective)
            self.function_plot.set_source(surface if len(names) == 1 else None)
            if self._contour_plot is not None:
                self._contour_plot.set_source(surface if len(names) == 2 else None)
        if self._parameter_plot is not None:
            self._parameter_plot.set_param_names(names)
        self.traces.set_param_names(names)
        self.editor.show_problem()
        self.reset()
        if self._play_when_ready:
            self._play_when_ready = False
            self.session.play()

    def _setting_changed(self, which: str) -> None:
        if which == "learning_rate":
            self.session.set_learning_rate(self.model.learning_rate)
        elif which == "hyperparameters":
            self.session.set_hyperparameters(self.model.effective_hyperparameters())
        elif which == "schedule":
            self.session.set_schedule(self.model.schedule)
        elif which == "stopping":
            self.session.set_stopping(self.model.stopping)
        else:  # a different optimizer: a different run
            self._reset_selected()

    def _reset_selected(self) -> None:
        """Start the selected run again: a branch from its fork, the main run from its start."""
        if not self.branches.restart_selected():
            self.reset()

    def _derivative_text(self) -> str:
        objective = self.model.objective
        if self.model.mode == "data":
            return self.data_mode.heading()
        return explain_derivative(objective.expression_text, objective.param_names,
                                  objective.gradient_texts)

    # ================================================================ run updates
    def _history_changed(self, old_length: int) -> None:
        history = self.session.history
        if old_length > len(history) or self.history_model.history is not history:
            self.history_model.set_history(history, self.session.param_names,
                                           getattr(self.model.objective, "loss_symbol", "f"))
        # The main plot shows every frame: it is what the eye follows.
        self.plot_stack.currentWidget().set_history(history)
        pending = self._side_old_length
        self._side_old_length = old_length if pending is None else min(pending, old_length)
        # While a run streams in, the side panels (traces and step log) update a few
        # times a second, in frames of their own: together they cost more to paint than
        # the main plot does.
        if not self.session.playing:
            self._redraw_side_panels()
        elif (time.perf_counter() - self._side_drawn >= SIDE_PANELS_INTERVAL
              and not self._side_timer.isActive()):
            self._side_timer.start()

    def _draw_side_panels(self) -> None:
        """Draw the explanation, the step log and each trace, one piece at a time.

        Once a pass of the event loop is full the pieces left wait for the next pass:
        each costs from a few to tens of milliseconds to lay out and paint, and together
        they held the UI thread for hundreds after a Pause or a Reset under load.
        """
        self._side_timer.stop()
        if self._closing:
            self._side_pieces = []
            return
        if not self._side_pieces:  # a new round (else: the rest of the last one)
            self._side_drawn = time.perf_counter()
            self._side_pieces = [self._draw_explanation, self._draw_step_log,
                                 *(partial(self._draw_trace, plot)
                                   for plot in self.traces.made_plots())]
        drawn = False
        while self._side_pieces:
            # The first piece of a pass comes unless the pass is full already; each next
            # one only with room for its paint too (on a slow machine a piece's paint
            # costs more than setting it, and Qt paints them all at the end of the pass).
            piece = self._side_pieces[0]
            if pass_is_full(self._paint_due(piece) if drawn else 0.0):
                # A paced run's next round waits its frame; the rest of a round, or
                # a paused window's, comes in the very next pass.
                self._side_timer.start(
                    FRAME_INTERVAL_MS // 2 if self.session.playing else 0)
                return
            self._side_pieces.pop(0)()
            drawn = True

    def _paint_due(self, piece: Callable[[], None]) -> float:
        """Seconds the paint a side panel's piece makes due is expected to take."""
        if piece == self._draw_step_log:
            return self.history_table.paint_cost.seconds
        plot = piece.args[0] if isinstance(piece, partial) else None
        return plot.paint_cost.seconds if plot is not None else 0.0

    @property
    def side_panels_pending(self) -> bool:
        """True while the step log, traces or explanation wait for a later pass."""
        return bool(self._side_pieces) or self._side_timer.isActive()

    def _redraw_side_panels(self) -> None:
        """Draw every side panel again from the start (the history just changed)."""
        self._side_pieces = []
        self._draw_side_panels()

    def _draw_explanation(self) -> None:
        explanation, self._explanation = self._explanation, None
        if explanation is not None:
            self.explain_view.setPlainText(explanation)

    def _draw_step_log(self) -> None:
        if self.history_model.history is not self.session.history:
            return
        now = time.perf_counter()
        fast = self.session.playing and math.isinf(self.model.state.speed)
        if fast and now - self._step_log_drawn < FAST_STEP_LOG_INTERVAL:
            return  # a later round shows these rows too (_side_old_length is kept)
        self._step_log_drawn = now if fast else -math.inf
        old_length, self._side_old_length = self._side_old_length, None
        self.history_model.refresh(old_length)
        self.history_table.scrollToBottom()
        self.history_table.paint_cost.owe()

    def _draw_step_log_soon(self) -> None:
        """Refresh the step log in the next pass (with any side panels still to draw)."""
        if self._draw_step_log not in self._side_pieces:
            self._side_pieces.append(self._draw_step_log)
        if not self._side_timer.isActive():
            self._side_timer.start(0)

    def _draw_trace(self, plot: QWidget) -> None:
        history = self.session.history
        if self.traces_dock.isVisible() and self.history_model.history is history:
            plot.set_history(history, growing=self.session.playing)
            plot.paint_cost.owe()

    def _show_explanation(self, text: str) -> None:
        """Show ``text`` in the explain panel now, or in the next pass if this one is full
        (laying out the text takes a while)."""
        if pass_is_full():
            self._explanation = text
            if self._explanation_piece_missing():
                self._side_pieces.insert(0, self._draw_explanation)
            if not self._side_timer.isActive():
                self._side_timer.start(FRAME_INTERVAL_MS // 2 if self.session.playing else 0)
        else:
            self._explanation = None
            self.explain_view.setPlainText(text)

    def _explanation_piece_missing(self) -> bool:
        return bool(self._side_pieces) and self._draw_explanation not in self._side_pieces

    def _traces_shown(self, visible: bool) -> None:
        if visible and not self._closing:  # hidden, they were not drawn: catch up
            self.traces.set_history(self.session.history)

    def _report_received(self, report: WorkerReport) -> None:
        self._update_actions()
        now = time.perf_counter()
        explain_due = not report.playing or now - self._explained >= SIDE_PANELS_INTERVAL
        if report.explanation and explain_due:
            self._explained = now
            text = f"{self._derivative_text()}\n\n{report.explanation}"
            if not report.playing and report.status != "running":  # the verdict on top: the
                text = f"{self._status_text(report)}\n\n{text}"  # status bar may cut it
            self._show_explanation(text)
        if not report.playing and self._side_old_length is not None:
            self._draw_step_log_soon()  # rows a fast run's step log left for later
        self.status_line.show(self._status_text(report))

    def _status_text(self, report: WorkerReport) -> str:
        step = f"step {report.step_count}"
        if report.playing:
            return f"Running … {step}, learning rate {report.next_learning_rate:.6g}"
        if report.status == "running":
            return f"Paused at {step}. Press Run (Space) or Step (→)."
        return f"{_STATUS_WORDS[report.status]} at {step} — {report.message}"

    def _worker_failed(self, details: str) -> None:
        self.statusBar().showMessage(f"Something went wrong: {details.splitlines()[0]}")
        QMessageBox.warning(self, "The descent stopped", details.splitlines()[0])
        self._update_actions()

    def _update_actions(self) -> None:
        valid = self.editor.valid
        playing = self.session.playing
        report = self.session.report
        diverged = report is not None and report.status == "diverged"
        self.action_run.setEnabled(valid and not playing and not diverged)
        self.action_pause.setEnabled(playing)
        self.action_run.setVisible(not playing)
        self.action_pause.setVisible(playing)
        self.action_step.setEnabled(valid and self.session.active and not diverged)
        has_steps = report is not None and report.step_count > 0
        self.action_step_back.setEnabled(self.session.active and has_steps)
        self.action_reset.setEnabled(self.session.active)

    # ================================================================ help
    def show_quick_start(self) -> QDialog:
        """Show Help ▸ Quick Start (without blocking) and return the dialog."""
        from gdstudio.qt.panels.help import QuickStartDialog  # loaded when first asked for

        native = QKeySequence.SequenceFormat.NativeText
        keys = {name: action.shortcut().toString(native) for name, action in (
            ("run", self.action_run), ("step", self.action_step),
            ("back", self.action_step_back), ("reset", self.action_reset))}
        gallery = getattr(getattr(self, "examples", None), "action_gallery", None)
        if gallery is not None:
            keys["examples"] = gallery.shortcut().toString(native)
        dialog = self.findChild(QDialog, "quickStartDialog")
        if dialog is None:
            dialog = QuickStartDialog(keys, self)
        dialog.show()
        dialog.raise_()
        return dialog

    def show_shortcuts(self) -> QDialog:
        """Show Help ▸ Keyboard Shortcuts, read from the actions now, and return it."""
        from gdstudio.qt.panels.help import ShortcutsDialog  # loaded when first asked for

        self.closer  # noqa: B018 - Run menu items that come after start-up, as
        self._late_tools.install()  # are File's
        dialog = self.findChild(ShortcutsDialog, "shortcutsDialog")
        if dialog is None:
            dialog = ShortcutsDialog(self)
        else:
            dialog.refresh()
        dialog.show()
        dialog.raise_()
        return dialog

    # ================================================================ lifetime
    def _show_about(self) -> None:
        QMessageBox.about(self, "About Gradient Descent Studio",
                          f"<b>Gradient Descent Studio</b> {__version__}<br>"
                          "Learn gradient descent by doing it.")

    def _default_dock_sizes(self) -> None:
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        self.resizeDocks([self.editor_dock, self.traces_dock], [340, 380], horizontal)
        self.resizeDocks([self.log_dock], [230], vertical)

    def _restore_layout(self) -> None:
        settings = self._settings
        if settings.value("window/version", 0, int) != _SETTINGS_VERSION:
            self.resize(1400, 900)
            return
        geometry = settings.value("window/geometry")
        state = settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state, _SETTINGS_VERSION)

    def _save_layout(self) -> None:
        settings = self._settings
        settings.setValue("window/version", _SETTINGS_VERSION)
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState(_SETTINGS_VERSION))
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the worker and the compiler cleanly, and remember the layout."""
        if not self._closing:
            self._closing = True
            self.idle_work.stop()
            self.session.shutdown()
            self.compiler.shutdown()
            self.data_mode.shutdown()
            self._save_layout()
        super().closeEvent(event)
