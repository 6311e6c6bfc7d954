"""Data mode inside the studio window: from the data settings to a running fit.

:class:`DataMode` is the window's part that knows about data. It listens to the studio
model: while the mode is ``"data"``, any change of ``model.data`` (a table edit, another
model text, loss, target …) rebuilds the
:class:`~gdstudio.problems.models.ModelObjective` in the background, and a successful
build becomes the window's problem (``StudioModel.set_problem``), which starts a fresh
run. Changes of the batch size or seed only start a fresh run. It also owns the centre
page (:class:`DataView`, made on first use) and turns the plot's point edits into table
commands, so they are undoable like any other edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction

from gdstudio.engine import BatchPlan, RunSettings
from gdstudio.problems.dataset import generate_dataset
from gdstudio.qt.data.builder import BackgroundRunner, build_objective, error_location
from gdstudio.qt.host import EditsProblem, PlotsHost, Runs, ShowsProblem, StatusSink

if TYPE_CHECKING:
    from gdstudio.qt.data.dialogs import GenerateSettings
    from gdstudio.qt.data.editor import DataEditor
    from gdstudio.qt.data.view import DataView

__all__ = ["DataMode", "DataModeHost"]

_RUN_ONLY = frozenset({"batch_size", "seed"})  # settings that need a new run, not a rebuild


@runtime_checkable
class DataModeHost(ShowsProblem, EditsProblem, Runs, PlotsHost, StatusSink, Protocol):
    """What data mode uses of the window: the problem and its editor (which holds the
    data editor), the run, the centre's plots, the status bar, and a place for the table's
    Undo and Redo shortcuts."""

    def addAction(self, action: QAction, /) -> None:
        """Make ``action``'s shortcut work anywhere in the window."""


class DataMode(QObject):
    """Builds, shows and starts data problems for the window.

    Parameters
    ----------
    window : DataModeHost
        The studio window; its editor holds the data editor (``editor.data_editor``).
    """

    def __init__(self, window: DataModeHost) -> None:
        super().__init__(window)
        self.window = window
        self.model = window.model
        self.view: DataView | None = None
        self._closed = False
        self._editor: DataEditor | None = None  # made on first use (see _wire_editor)
        self.builder = BackgroundRunner(self)
        self.generator = BackgroundRunner(self)
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.setInterval(0)  # settings set one after another build once
        self._build_timer.timeout.connect(self._build)
        self.model.modeChanged.connect(self._mode_changed)
        self.model.dataSettingChanged.connect(self._setting_changed)
        self.builder.succeeded.connect(self._built)
        self.builder.failed.connect(self._refused)
        self.generator.succeeded.connect(self._generated)
        self.generator.failed.connect(self._generation_refused)
        window.editor.dataEditorCreated.connect(self._wire_editor)

    def _report_received(self, report: Any) -> None:
        if self.view is not None and not self._closed:
            self.view.set_playing(report.playing)

    def _wire_editor(self, editor: DataEditor) -> None:
        self._editor = editor
        editor.generateRequested.connect(self.generate)
        self.window.addAction(editor.undo_action)  # Ctrl+Z anywhere in the window
        self.window.addAction(editor.redo_action)

    # ------------------------------------------------------------------ reading
    @property
    def editor(self) -> DataEditor:
        """The data editor of the Problem panel (made on first use)."""
        return self.window.editor.data_editor

    @property
    def active(self) -> bool:
        """True in data mode."""
        return self.model.mode == "data"

    @property
    def ready(self) -> bool:
        """True when the window's objective is the data objective of the current settings."""
        objective = self.model.objective
        return (self.active and not self._build_timer.isActive() and not self.builder.busy
                and getattr(objective, "n_samples", None) is not None)

    def page(self) -> DataView:
        """The centre page (created, and added to the window's plot stack, on first use)."""
        if self.view is None:
            # lazy: data mode's widgets load on its first use
            from gdstudio.qt.data.view import DataView

            self.view = DataView(self.model, style=self.window.style_page)
            self.window.add_page(self.view)  # styled at once, before its first problem
            plot = self.view.data_plot
            table = self.editor.table_model
            plot.pointAdded.connect(lambda x, y: self._add_point(x, y))
            plot.pointMoved.connect(self._move_point)
            plot.pointDeleted.connect(lambda row: table.remove_rows([row], "Delete point"))
            self.view.startPicked.connect(self._start_picked)
            self.window.session.reportReceived.connect(self._report_received)
        return self.view

    def heading(self) -> str:
        """The model, loss and derivatives, for the top of the explain panel."""
        # lazy: data mode's widgets load on its first use
        from gdstudio.problems.data_explain import describe_data_problem

        return describe_data_problem(self.model.objective)

    # ------------------------------------------------------------------ run
    def start_run(self, settings: RunSettings) -> bool:
        """Start a fresh run of the data objective (paused); False while it is not ready."""
        if not self.ready:
            return False
        objective, data = self.model.objective, self.model.data
        start = objective.start_point({n: self.model.start.get(n, 0.0)
                                       for n in objective.param_names})
        plan = BatchPlan(objective.n_samples, data.batch_size, data.seed)
        self.window.session.start(objective, start, settings, plan)
        return True

    def show_problem(self) -> None:
        """A new data objective is in place: show it on the page and in the editor."""
        page = self.page()
        page.set_objective(self.model.objective)
        self.window.plot_stack.setCurrentWidget(page)
        self.editor.show_problem(self.model.objective)

    def generate(self, settings: GenerateSettings) -> None:
        """Generate a dataset in the background; it replaces the table (undoably)."""

        self.window.statusBar().showMessage(f"Generating {settings.n_points:,} points …")
        self.generator.request(settings, lambda: generate_dataset(
            settings.function, settings.noise, settings.n_points, settings.x_range,
            settings.seed))

    def shutdown(self) -> None:
        """Drop pending work and wait for the background threads."""
        self._closed = True
        self._build_timer.stop()
        self.builder.shutdown()
        self.generator.shutdown()
        if self._editor is not None:
            self._editor.csv_loader.shutdown()

    # ------------------------------------------------------------------ building
    def _mode_changed(self, mode: str) -> None:
        if mode == "data":
            page = self.page()
            page.refresh_points()
            self.window.plot_stack.setCurrentWidget(page)
            self._request_build()
        else:
            self._build_timer.stop()
            self.builder.cancel()

    def _setting_changed(self, name: str) -> None:
        if not self.active:
            return
        if name in _RUN_ONLY:
            self.window.reset()
        else:
            self._request_build()

    def _request_build(self) -> None:
        self._build_timer.start()

    def _build(self) -> None:
        data = self.model.data
        if not self.active:
            return
        if data.dataset is None:
            self.editor.show_build_error("there is no data yet: import a CSV file or generate "
                                         "some", None)
            return
        self.window.statusBar().showMessage(
            f"Preparing the model {data.model_text} on {data.dataset.n_rows:,} rows …")
        self.builder.request(data, lambda: build_objective(data))

    def _built(self, settings: Any, objective: Any) -> None:
        if self.active and settings is self.model.data and not self._closed:
            self.model.set_problem(objective, self.model.expression_text)

    def _refused(self, settings: Any, error: BaseException) -> None:
        if not self.active or settings is not self.model.data:
            return
        message, column = error_location(error)
        self.editor.show_build_error(message, column)
        self.window.session.shutdown()
        self.window.statusBar().showMessage(f"Cannot fit {settings.model_text}: {message}")

    def _generated(self, _settings: Any, dataset: Any) -> None:
        self.editor.table_model.replace_dataset(dataset, "Generate data")
        self.window.statusBar().showMessage(f"Generated {dataset.n_rows:,} points", 5000)

    def _generation_refused(self, _settings: Any, error: BaseException) -> None:
        # lazy: data mode's widgets load on its first use
        from gdstudio.qt.data.dialogs import show_refusal

        message, _ = error_location(error)
        self.window.statusBar().showMessage(f"Cannot generate: {message}", 8000)
        show_refusal(self.editor, "Cannot generate this data", message)

    # ------------------------------------------------------------------ plot edits
    def _axis_columns(self) -> tuple[int, int] | None:
        dataset = self.model.data.dataset
        across = self.page().feature_combo.currentText()
        target = self.model.data.target
        if dataset is None or across not in dataset or target not in dataset:
            return None
        return dataset.names.index(across), dataset.names.index(target)

    def _add_point(self, x: float, y: float) -> None:
        columns = self._axis_columns()
        if columns is not None:
            names = self.model.data.dataset.names
            self.editor.table_model.add_point({names[columns[0]]: x, names[columns[1]]: y})

    def _move_point(self, row: int, x: float, y: float) -> None:
        columns = self._axis_columns()
        if columns is not None:
            self.editor.table_model.set_values([row], list(columns), [[x, y]], "Move point")

    def _start_picked(self, values: dict[str, float]) -> None:
        objective = self.model.objective
        if not self.ready:
            return
        names = objective.param_names
        vector = objective.start_point({n: self.model.start.get(n, 0.0) for n in names})
        for name, value in values.items():
            vector[names.index(name)] = value
        original = np.asarray(objective.to_original(vector), dtype=float)
        self.model.set_start(dict(zip(names, original.tolist(), strict=True)))
