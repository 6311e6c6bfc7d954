"""Run ▸ Branch: "what if" runs from any step, drawn, listed, selectable and saved.

The :class:`BranchesController` keeps a :class:`~gdstudio.state.branches.BranchState`
(Qt-free) in step with the window: the selected run's descent is the one the window's
worker steps (so Step, Run, Back, the step log and the explanation follow it); the
others are parked. Selecting a run hands the worker's descent back (the worker's thread
ends first) and gives it the chosen one, and puts that run's settings into the model,
so that the Problem panel shows them and a change applies to that run only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QToolBar

from gdstudio.engine import Descent, History, make_optimizer
from gdstudio.qt.branches.overlay import (
    RunOverlay,
    loss_points,
    path_points_1d,
    path_points_2d,
)
from gdstudio.qt.branches.panel import BranchPanel
from gdstudio.qt.branches.replay import ReplayThread
from gdstudio.qt.host import DocksHost, HasActions, PlotsHost, Runs, ShowsProblem, StatusSink
from gdstudio.state.branches import MAIN_RUN, Branch, BranchState

if TYPE_CHECKING:
    from gdstudio.io import Project, SavedBranch
    from gdstudio.qt.run.worker import WorkerReport

__all__ = ["BranchesController", "BranchesHost"]

#: Width of the Branches dock when it first appears, in average characters: its columns.
_PANEL_CHARACTERS = 80


@runtime_checkable
class BranchesHost(ShowsProblem, Runs, HasActions, PlotsHost, DocksHost, StatusSink,
                   Protocol):
    """What the branches use of the window: the problem and its settings (a run's are put
    back), the run (the selected branch is its descent), the registry (Run ▸ Branch, the
    toolbar), the plots (overlays on the path and the loss), the dock area (the Branches
    dock), the status bar; and its shortcuts and events (``QMainWindow``'s)."""

    def addAction(self, action: QAction, /) -> None:
        """Make ``action``'s shortcut work anywhere in the window."""

    def installEventFilter(self, watcher: QObject, /) -> None:
        """Let ``watcher`` see the window's events first."""


class BranchesController(QObject):
    """The window's branches: Run ▸ Branch and Remove Branch, the Branches dock, overlays.

    Parameters
    ----------
    window : BranchesHost
        The main window (its model, session, menus and plots).

    Signals
    -------
    edited
        A branch was made or removed, or the runs started again (the project changed).
    """

    edited = Signal()

    def __init__(self, window: BranchesHost) -> None:
        super().__init__(window)  # type: ignore[arg-type]
        self._window = window
        self.state = BranchState()
        self._applying = False  # the model is being given a run's settings
        self._replay: ReplayThread | None = None
        self._replay_done: Callable[[bool], object] = lambda _exact: None
        self._say_after_report = ""  # a sentence for the status bar, once the run reports
        self.panel = BranchPanel()
        self.dock = QDockWidget("Branches", window)  # type: ignore[arg-type]
        self.dock.setObjectName("branchesDock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()  # until the first branch
        self._overlays: dict[str, RunOverlay] = {}
        self._build_actions()
        self._connect()
        window.installEventFilter(self)

    # ================================================================ building
    def _build_actions(self) -> None:
        window = self._window
        self.action_branch = QAction("Branch", window)  # type: ignore[arg-type]
        self.action_branch.setObjectName("actionBranch")
        self.action_branch.setShortcut(QKeySequence("Ctrl+B"))
        tip = ("Keep this run and start a branch from this step: change the rate or the "
               "optimizer, then Run to see what would have happened")
        self.action_branch.setToolTip(f"{tip} (Ctrl+B)")
        self.action_branch.setStatusTip(tip)
        self.action_remove = QAction("Remove Branch", window)  # type: ignore[arg-type]
        self.action_remove.setObjectName("actionRemoveBranch")
        self.action_remove.setStatusTip("Remove the selected branch and its own branches")
        for item in (self.action_branch, self.action_remove):
            window.addAction(item)
            window.registry.add_action(item)
        run_menu = window.registry.menu("run")
        if run_menu is not None:
            run_menu.addSeparator()
            run_menu.addAction(self.action_branch)
            run_menu.addAction(self.action_remove)
        view_menu = window.registry.menu("view")
        if view_menu is not None:
            view_menu.addAction(self.dock.toggleViewAction())
        toolbar = window.registry.toolbar("controls")
        if toolbar is not None:
            toolbar.insertAction(_first_separator(toolbar), self.action_branch)
        self.panel.branch_button.clicked.connect(self.action_branch.trigger)
        self.panel.remove_button.clicked.connect(self.action_remove.trigger)

    def _connect(self) -> None:
        window, state = self._window, self.state
        self.action_branch.triggered.connect(self.branch_here)
        self.action_remove.triggered.connect(lambda: self.remove(state.selected_id))
        self.panel.runChosen.connect(self.select)
        window.session.started.connect(self._main_started)
        window.session.reportReceived.connect(self._report)
        window.session.historyChanged.connect(lambda _old: self._draw_selected())
        window.model.settingChanged.connect(self._setting_changed)
        window.model.problemChanged.connect(self._forget_overlays)
        state.reset.connect(lambda _none: self._reset_view())
        state.added.connect(self._added)
        state.changed.connect(self.panel.show_run)
        state.removed.connect(self._removed)
        state.selected.connect(self.panel.show_selected)
        self._update_actions()

    # ================================================================ actions
    def branch_here(self) -> Branch | None:
        """Keep the selected run and start a branch from its current step (selected)."""
        session = self._window.session
        if not session.active or session.report is None:
            return None
        parent = self.state.selected_id
        self._park(parent)
        descent = self.state.descent(parent)
        branch = self.state.fork(parent, descent.step_count, self.state.get(parent).settings)
        self._drive(branch.id)
        self._say(f"{branch.name} starts at step {branch.fork_step}: change the rate, optimizer "
                  "or schedule now, then Run or Step. The list of runs selects which one you "
                  "step.")
        return branch

    def select(self, run_id: int) -> None:
        """Make run ``run_id`` the one the controls act on and the panels show."""
        if run_id == self.state.selected_id or not self._window.session.active:
            self.panel.show_selected(self.state.selected_id)
            return
        self._park(self.state.selected_id)
        self._drive(run_id)

    def remove(self, run_id: int) -> None:
        """Remove branch ``run_id`` and its own branches (the main run stays)."""
        if run_id == MAIN_RUN or run_id not in {run.id for run in self.state.runs}:
            return
        selected = self.state.selected_id
        losing_selected = selected in (run_id, *self.state.descendants(run_id))
        if losing_selected:
            self._park(selected)
        name = self.state.get(run_id).name
        gone = self.state.remove(run_id)
        if losing_selected:
            self._drive(self.state.selected_id)
        extra = f" and {len(gone) - 1} branch(es) of it" if len(gone) > 1 else ""
        self._say(f"Removed {name}{extra}.", again=losing_selected)

    def restart_selected(self) -> bool:
        """Start the selected branch again from its fork with the model's settings.

        Returns False for the main run (the window resets it, and its branches go).
        """
        if self._applying:
            return True  # the model only shows the selected run's own settings
        run = self.state.selected_branch
        if run.parent is None or not self._window.session.active:
            return False
        self._window.session.detach()
        self.state.restart(run.id, self._window.model.run_settings())
        self._drive(run.id, apply_settings=False)
        return True

    # ================================================================ files
    def into_project(self, project: Project, with_history: bool) -> Project:
        """``project`` (made from the model: the selected run's settings) as the main run's
        project, with the branches."""
        state = self.state
        if not state.runs or state.branch_count == 0:
            return project
        main = state.get(MAIN_RUN)
        experiment = project.experiment.replace(settings=main.settings)
        if with_history:
            history = self._history_of(MAIN_RUN, flush=True)
            project = project.replace(experiment=experiment).with_history(
                history if len(history) else None)
        else:
            project = project.replace(experiment=experiment)
        names = project.param_names
        live = self._history_of(state.selected_id, flush=True)
        return project.replace(branches=state.saved(names, with_history,
                                                    {state.selected_id: live}))

    @property
    def replaying(self) -> bool:
        """True while saved branches are being replayed (off the UI thread)."""
        return self._replay is not None

    def restore(self, saved: Sequence[SavedBranch],
                done: Callable[[bool], object] = lambda _exact: None) -> None:
        """Make ``saved`` branches again from the main run in place, off the UI thread.

        ``done(exact)`` is called when they are in place (at once if there are none).
        """
        session = self._window.session
        self.cancel_replay()
        if not saved or not session.active or self.state.selected_id != MAIN_RUN:
            done(True)
            return
        self._park(MAIN_RUN)
        replay = ReplayThread(self.state.descent(MAIN_RUN), self.state.get(MAIN_RUN).settings,
                              saved, self)
        # Queued: the thread emits, the UI thread takes the runs.
        replay.replayed.connect(self._replayed, Qt.ConnectionType.QueuedConnection)
        self._replay, self._replay_done = replay, done
        self._window.statusBar().showMessage(f"Replaying {len(saved)} saved branch(es) …")
        replay.start()

    def cancel_replay(self) -> None:
        """Forget a replay under way (a new run, or the window closes)."""
        replay, self._replay = self._replay, None
        if replay is not None:
            replay.cancel()
            replay.deleteLater()

    def _replayed(self, result: tuple[ReplayThread, object, object]) -> None:
        replay, restored, checks = result
        if replay is not self._replay:
            return  # overtaken by a new run
        done = self._replay_done
        replay.wait()  # it has emitted its last signal: the thread ends at once
        self._replay = None
        replay.deleteLater()
        if not isinstance(restored, BranchState):
            self._drive(MAIN_RUN, apply_settings=False)
            self._window.statusBar().showMessage(f"The branches were not restored: {checks}")
            done(False)
            return
        self.state.take(restored)
        self._drive(MAIN_RUN, apply_settings=False)
        self.edited.emit()  # as saved: every branch in place, with its steps
        wrong = [check for check in checks if not check.exact]  # type: ignore[attr-defined]
        if wrong:
            text = (f"Replayed {len(checks)} branches, but {wrong[0].name} "  # type: ignore[arg-type]
                    f"{wrong[0].difference}: changes made during it are not in the file.")
        else:
            text = f"Restored {len(checks)} branch(es) exactly, the same numbers as saved."  # type: ignore[arg-type]
        self._say(text)
        done(not wrong)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Stop a replay when the window closes (no thread outlives it)."""
        if watched is self._window and event.type() == QEvent.Type.Close:
            self.cancel_replay()
        return False

    # ================================================================ internals
    def _say(self, text: str, again: bool = True) -> None:
        """Show ``text`` in the status bar now and, if ``again`` (a run was just handed to
        the worker), after its first report, which shows a sentence of its own."""
        self._window.statusBar().showMessage(text)
        self._say_after_report = text if again else ""

    def _history_of(self, run_id: int, flush: bool = False) -> History:
        """The run's history: the window's mirror for the selected run (the worker's
        descent must not be read), the descent's own for a parked one."""
        if run_id == self.state.selected_id:
            session = self._window.session
            if flush:
                session.flush()
            return session.history
        return self.state.descent(run_id).history

    def _park(self, run_id: int) -> Descent | None:
        descent = self._window.session.detach()
        if descent is not None:
            self.state.park(run_id)
        return descent

    def _drive(self, run_id: int, apply_settings: bool = True) -> None:
        state = self.state
        state.select(run_id)
        descent = state.descent(run_id)
        descent.rewind_limit = state.rewind_limit(run_id)
        self._window.session.adopt(descent)
        if apply_settings:
            self._apply_settings(state.get(run_id))
        self.panel.show_selected(run_id)
        self._draw_all()
        self._update_actions()

    def _apply_settings(self, run: Branch) -> None:
        """Show the run's settings in the model (and so in the Problem panel)."""
        model, settings = self._window.model, run.settings
        self._applying = True
        try:
            model.set_optimizer(settings.optimizer)
            every = make_optimizer(settings.optimizer, settings.hyperparameters)
            for key, value in every.hyperparameters.items():
                model.set_hyperparameter(key, value)
            model.set_learning_rate(settings.learning_rate)
            model.set_schedule(settings.schedule)
            model.set_stopping(settings.stopping)
        finally:
            self._applying = False
        self.state.set_settings(run.id, model.run_settings())

    def _main_started(self, descent: Descent) -> None:
        self.cancel_replay()
        had = self.state.branch_count
        self.state.start(descent, self._window.model.run_settings())
        self.panel.show_run(self.state.get(MAIN_RUN))
        self.panel.show_selected(MAIN_RUN)
        if had:
            self._window.statusBar().showMessage(
                f"A new run: its {had} branch(es) were removed.", 5000)

    def _setting_changed(self, _which: str) -> None:
        if not self._applying and self.state.runs:
            self.state.set_settings(self.state.selected_id, self._window.model.run_settings())

    def _report(self, report: WorkerReport) -> None:
        if not self.state.runs:
            return
        history = self._window.session.history
        loss = float(history.loss[report.step_count]) if report.step_count < len(history) \
            else float("nan")
        self.state.set_progress(self.state.selected_id, report.status, report.step_count, loss)
        self._update_actions(report)
        if self._say_after_report:
            self._window.statusBar().showMessage(self._say_after_report)
            self._say_after_report = ""

    def _update_actions(self, report: WorkerReport | None = None) -> None:
        active = self._window.session.active
        self.action_branch.setEnabled(active)
        self.action_remove.setEnabled(self.state.selected_id != MAIN_RUN)
        self.panel.branch_button.setEnabled(active)
        self.panel.remove_button.setEnabled(self.state.selected_id != MAIN_RUN)
        if report is not None and self.state.runs and report.step_count <= \
                self.state.rewind_limit(self.state.selected_id):
            back = self._window.registry.action("actionStepBack")
            if back is not None:
                back.setEnabled(False)  # a branch goes back no further than its fork

    def _added(self, branch: Branch) -> None:
        self.panel.show_run(branch)
        self.edited.emit()
        if not self.dock.isVisible():
            self.dock.show()
            window = self._window
            # Wide enough for every column (the step log and explanation give way).
            width = self.panel.fontMetrics().averageCharWidth() * _PANEL_CHARACTERS
            window.resizeDocks([self.dock], [width],
                               Qt.Orientation.Horizontal)

    def _removed(self, run_id: int) -> None:
        self.panel.remove_run(run_id)
        self.edited.emit()
        for overlay in self._overlays.values():
            overlay.remove(run_id)
        self._update_actions()

    def _reset_view(self) -> None:
        self.panel.clear()
        self.edited.emit()
        for overlay in self._overlays.values():
            overlay.clear()
        self._update_actions()

    def _forget_overlays(self) -> None:
        for overlay in self._overlays.values():
            overlay.clear()
        self._overlays = {}

    # ---------------------------------------------------------------- drawing
    def overlays(self) -> dict[str, RunOverlay]:
        """The overlays of the plots that show runs now (``"path"``, ``"loss"``)."""
        window = self._window
        if "loss" not in self._overlays:
            loss_plot = window.traces.loss_plot
            self._overlays["loss"] = RunOverlay(loss_plot.plotItem, loss_points,
                                                lambda: bool(loss_plot.positive_only))
        names = window.model.param_names
        if "path" not in self._overlays and window.model.mode == "function":
            if len(names) == 1:
                plot = window.function_plot
                self._overlays["path"] = RunOverlay(plot.plotItem, path_points_1d)
            elif len(names) == 2:
                plot = window.contour_plot
                self._overlays["path"] = RunOverlay(plot.plotItem, path_points_2d)
        return self._overlays

    def _draw_all(self) -> None:
        if self.state.branch_count == 0:
            for overlay in self._overlays.values():
                overlay.clear()
            return
        for run in self.state.runs:
            self._draw(run)

    def _draw_selected(self) -> None:
        if self.state.branch_count and self._window.session.active:
            self._draw(self.state.selected_branch)

    def _draw(self, run: Branch) -> None:
        history = self._history_of(run.id)
        selected = run.id == self.state.selected_id
        for overlay in self.overlays().values():
            overlay.draw(run.id, run.colour, history, run.fork_step, selected)


def _first_separator(toolbar: QToolBar) -> QAction | None:
    for action in toolbar.actions():
        if action.isSeparator():
            return action
    return None
