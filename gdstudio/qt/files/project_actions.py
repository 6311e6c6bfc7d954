"""The window's state as a project file, and a project put back into the window.

* :func:`project_from_window` reads the :class:`~gdstudio.qt.model.StudioModel` (and, if
  asked, the run's history) into a :class:`~gdstudio.io.Project`, in either mode.
* :func:`apply_project` writes a project into the model through its setters, so every
  widget that subscribes to the model follows; a function is compiled in the background
  by the window, a data problem is rebuilt by the data-mode widgets.
* :class:`HistoryRestorer` replays a saved history once the loaded problem is ready: the
  worker makes one update per recorded learning rate, and the result is compared with the
  saved numbers, because changes made during the saved run are not recorded in it.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
from PySide6.QtCore import QObject, Signal

from gdstudio.engine import make_optimizer
from gdstudio.io import Project, ProjectError, SavedBranch, SavedHistory
from gdstudio.io._history import MAX_HISTORY_ROWS
from gdstudio.problems.checks import ExperimentError
from gdstudio.qt.host import EditsProblem, Runs, ShowsProblem, StatusSink

__all__ = [
    "HistoryRestorer",
    "ProjectHost",
    "WorkHost",
    "apply_project",
    "comparable",
    "project_from_window",
    "saved_history",
]


@runtime_checkable
class WorkHost(ShowsProblem, Runs, Protocol):
    """What a project is read from: the problem on screen and its run.

    (The title and notes of the project opened last come from ``window.projects`` when
    the window has them.)
    """


@runtime_checkable
class ProjectHost(ShowsProblem, EditsProblem, Runs, StatusSink, Protocol):
    """What a project is written into: the problem, its editor and compiler, the run, and
    the status bar that says how the replay of a saved run went."""


def project_from_window(
    window: WorkHost, with_history: bool, *, title: str | None = None,
    notes: str | None = None,
) -> Project:
    """The open work as a :class:`~gdstudio.io.Project`.

    Parameters
    ----------
    window : WorkHost
        The studio window.
    with_history : bool
        Keep the current run's history too (left out when the run belongs to another
        problem, e.g. while a new function is being compiled, or has more rows than a
        project keeps).
    title, notes : str, optional
        Default: those of the project that was opened last (see ``window.projects``).

    Raises
    ------
    ProjectError
        When the work cannot be a project (data mode without a table, say).
    """
    projects = getattr(window, "projects", None)
    try:
        experiment = window.model.valid_experiment()
    except ProjectError:
        raise
    except ExperimentError as error:
        raise ProjectError(str(error)) from None
    project = Project(experiment,
                      title=title if title is not None else getattr(projects, "title", ""),
                      notes=notes if notes is not None else getattr(projects, "notes", ""))
    if with_history:
        project = project.with_history(saved_history(window, project))
    branches = getattr(window, "branches", None)
    return project if branches is None else branches.into_project(project, with_history)


def saved_history(window: WorkHost, project: Project) -> SavedHistory | None:
    """The window's run history for ``project``, or ``None`` when it does not belong to it."""
    session = window.session
    session.flush()
    history = session.history
    if tuple(session.param_names) != project.param_names or len(history) == 0:
        return None
    if len(history) > MAX_HISTORY_ROWS:
        return None
    return SavedHistory.from_history(history, session.param_names)


def apply_project(window: ProjectHost, project: Project) -> None:
    """Put ``project``'s problem and settings into the window's model.

    The settings apply at once. A function is handed to the window's background
    compiler (the model changes when it is ready, as when a student types it); a data
    problem is set field by field and rebuilt by the data-mode widgets. The history, if
    any, is not applied here: see :class:`HistoryRestorer`.
    """
    model = window.model
    model.set_mode(project.mode)
    model.set_optimizer(project.optimizer)
    defaults_and_saved = make_optimizer(project.optimizer, project.hyperparameters)
    for key, value in defaults_and_saved.hyperparameters.items():
        model.set_hyperparameter(key, value)
    model.set_learning_rate(project.learning_rate)
    model.set_schedule(project.schedule)
    model.set_stopping(project.stopping)
    model.set_start(_full_start(project))
    if project.mode == "function":
        assert project.expression is not None
        window.editor.show_expression(project.expression)
        window.statusBar().showMessage(f"Working out the derivative of {project.expression} …")
        window.compiler.request(project.expression)
        return
    for name, value in (
        ("dataset", project.data), ("model_text", project.model), ("target", project.target),
        ("fixed", dict(project.fixed)), ("loss", project.loss),
        ("batch_size", project.batch_size), ("seed", project.seed),
        ("standardize", project.standardize),
    ):
        model.set_data_setting(name, value)


def comparable(project: Project) -> Project:
    """``project`` without what does not make it a different lesson: its history (and its
    branches' rows), title and notes; hyperparameters and start values are spelled out in
    full (defaults included)."""
    every = make_optimizer(project.optimizer, project.hyperparameters).hyperparameters
    return project.replace(history=None, title="", notes="", hyperparameters=every,
                           start=_full_start(project),
                           branches=tuple(b.without_history() for b in project.branches))


def _full_start(project: Project) -> dict[str, float]:
    """Every learnt parameter's start: a data project's unnamed ones start at 0."""
    return {name: float(project.start.get(name, 0.0)) for name in project.param_names}


def describe_difference(replayed: Any, saved: SavedHistory) -> str | None:
    """``None`` when ``replayed`` matches ``saved`` (``np.allclose``), else where it differs."""
    rows = min(len(replayed), len(saved))
    if len(replayed) != len(saved):
        return f"it has {len(replayed) - 1} steps instead of {len(saved) - 1}"
    for name in ("params", "loss", "grad"):
        mine, theirs = getattr(replayed, name)[:rows], getattr(saved, name)[:rows]
        close = np.isclose(mine, theirs, equal_nan=True)
        if close.ndim > 1:
            close = close.all(axis=1)
        if not close.all():
            step = int(np.argmin(close))
            return f"it differs from step {step} on"
    return None


class HistoryRestorer(QObject):
    """Replays a saved run into the window's live run once its problem is ready.

    Signals
    -------
    ready
        The opened project's problem and run are in place (replayed, if it had a run).
    finished(bool, str)
        Whether the replay matched the saved history, and the sentence shown.
    """

    ready = Signal()
    finished = Signal(bool, str)

    def __init__(self, window: ProjectHost) -> None:
        super().__init__(window)
        self._window = window
        self._waiting: Project | None = None  # loaded, its problem not ready yet
        self._replaying: SavedHistory | None = None
        self._branches: tuple[SavedBranch, ...] = ()  # the opened project's, until restored
        # Connected after the window's own slots: the new run exists when these run.
        window.model.problemChanged.connect(self._problem_ready)
        window.session.reportReceived.connect(self._report)

    @property
    def busy(self) -> bool:
        """True while an opened project waits for its problem or its run is replayed."""
        branches = getattr(self._window, "branches", None)
        return (self._waiting is not None or self._replaying is not None
                or bool(branches is not None and branches.replaying))

    def restore(self, project: Project, problem_ready: bool = False) -> None:
        """Replay ``project.history`` (if any) when the window's problem is ``project``'s.

        ``problem_ready`` says the problem is already in place (nothing to wait for).
        """
        self._replaying = None
        self._waiting = project
        if problem_ready:
            self._problem_ready()

    def cancel(self) -> None:
        """Forget any history waiting to be replayed (and any branches being replayed)."""
        self._waiting = self._replaying = None
        self._branches = ()
        branches = getattr(self._window, "branches", None)
        if branches is not None:
            branches.cancel_replay()

    def _problem_ready(self) -> None:
        project, self._waiting = self._waiting, None
        if project is None:
            return
        window = self._window
        if project.mode == "function" and window.model.expression_text != project.expression:
            return  # another function arrived first: the saved run does not apply
        if tuple(window.session.param_names) != project.param_names:
            return
        saved = project.history
        self._branches = project.branches
        if saved is None:
            self._restore_branches()
            return
        self._replaying = saved
        window.statusBar().showMessage(f"Replaying the saved run ({len(saved) - 1} steps) …")
        window.session.replay(saved.lr[: len(saved) - 1].tolist())

    def _report(self, report: Any) -> None:
        saved = self._replaying
        if saved is None or report.playing:
            return
        if report.step_count < len(saved) - 1 and report.status != "diverged":
            return
        self._replaying = None
        steps = len(saved) - 1
        difference = describe_difference(self._window.session.history, saved)
        if difference is None:
            text = (f"Restored the saved run exactly: {steps} steps, the same numbers as in "
                    "the file.")
        else:
            text = (f"Replayed the saved run, but {difference}: changes made during that "
                    "run (to the rate or the settings) are not recorded in the file.")
        self._window.statusBar().showMessage(text)
        self.finished.emit(difference is None, text)
        self._restore_branches()

    def _restore_branches(self) -> None:
        """Make the project's branches again from the run in place, then say it is ready."""
        branches, self._branches = self._branches, ()
        controller = getattr(self._window, "branches", None)
        if branches and controller is not None:  # replayed off the UI thread
            controller.restore(branches, lambda _exact: self.ready.emit())
        else:
            self.ready.emit()
