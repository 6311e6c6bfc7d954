"""Data mode's problem editor: the table, the model, its parameters and how to fit them.

Every widget writes through :class:`StudioModel` (``set_data_setting``, ``set_start``) and
redraws from its signals, so setting the model's fields from code (an example, a project)
updates the panel as typing does. The table's edits go through its undo stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gdstudio.engine.explain import format_number
from gdstudio.io.csv_files import load_csv, save_csv
from gdstudio.problems.expression import ExpressionError, check_syntax
from gdstudio.qt.data.dialogs import GenerateDialog, GenerateSettings, show_refusal
from gdstudio.qt.data.fit import FitSettings
from gdstudio.qt.data.params import ParameterRows, model_parameters
from gdstudio.qt.data.table import DatasetTableModel, DataTableView
from gdstudio.qt.files.loader import FileLoader
from gdstudio.qt.model import StudioModel

if TYPE_CHECKING:
    from gdstudio.problems.dataset import Dataset

__all__ = ["DataEditor"]

_ERROR_STYLE = "color: #b00020;"


def _named(widget: QWidget, name: str, tip: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(tip.split(":")[0])
    widget.setToolTip(tip)
    return widget


class DataEditor(QWidget):
    """The data-mode part of the Problem panel.

    Signals
    -------
    generateRequested(object)
        The student asked for generated data (:class:`GenerateSettings`).
    validityChanged(bool)
        Whether the model can be fitted (valid text, and the last build succeeded).
    csvImported(str)
        A CSV file was read into the table (its path).
    csvImportFailed(str, str)
        A CSV file was refused: its path and the sentence shown.
    """

    generateRequested = Signal(object)
    validityChanged = Signal(bool)
    csvImported = Signal(str)
    csvImportFailed = Signal(str, str)

    def __init__(self, model: StudioModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataEditor")
        self.model = model
        self.table_model = DatasetTableModel(model, self)
        self.undo_stack = self.table_model.undo_stack
        self.generate_settings = GenerateSettings()
        self.csv_loader = FileLoader(self)
        self.csv_loader.loaded.connect(self._csv_loaded)
        self.csv_loader.failed.connect(self._csv_failed)
        self._valid = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_data_group())
        layout.addWidget(self._build_model_group())
        self.fit = FitSettings(model, self)
        layout.addWidget(self.fit)
        self._build_undo_actions()
        model.dataSettingChanged.connect(self._show_setting)
        model.modeChanged.connect(lambda _mode: self._update_undo_actions())
        self.table_model.messageRaised.connect(self._show_message)
        for name in ("dataset", "model_text", "target"):
            self._show_setting(name)

    # ------------------------------------------------------------ building
    def _build_data_group(self) -> QGroupBox:
        group = QGroupBox("Data", self)
        layout = QVBoxLayout(group)
        files = QHBoxLayout()
        for text, name, tip, slot in (
            ("Import CSV…", "importCsvButton", "Import CSV: read a table with a header row",
             lambda: self.import_csv()),
            ("Export CSV…", "exportCsvButton", "Export CSV: save the table",
             lambda: self.export_csv()),
            ("Generate…", "generateButton", "Generate: y = f(x) + noise on evenly spaced x",
             self._ask_generate),
        ):
            button = _named(_compact_button(text), name, tip)
            button.clicked.connect(slot)
            files.addWidget(button)
        layout.addLayout(files)
        self.table_view = DataTableView(group)
        self.table_view.setModel(self.table_model)
        self.table_view.setMinimumHeight(170)
        self.table_view.horizontalHeader().sectionDoubleClicked.connect(self.rename_column)
        layout.addWidget(self.table_view)
        edits = QHBoxLayout()
        for text, name, tip, slot in (
            ("+ Row", "addRowButton", "Add a row below the current one (0 in every cell)",
             self._add_row),
            ("− Rows", "removeRowsButton", "Delete the selected rows (Delete key)",
             self.table_view.delete_selection),
            ("+ Col", "addColumnButton", "Add a column of zeros", self._add_column),
            ("− Col", "removeColumnButton", "Delete the current column", self._remove_column),
            ("Rename…", "renameColumnButton", "Rename the current column (or double-click "
             "its header)", lambda: self.rename_column(self.table_view.currentIndex().column())),
        ):
            button = _named(_compact_button(text), name, tip)
            button.clicked.connect(slot)
            edits.addWidget(button)
        layout.addLayout(edits)
        self.summary_label = QLabel(group)
        self.message_label = QLabel(group)
        self.message_label.setObjectName("dataMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(_ERROR_STYLE)
        self.message_label.hide()
        layout.addWidget(self.summary_label)
        layout.addWidget(self.message_label)
        return group

    def _build_model_group(self) -> QGroupBox:
        group = QGroupBox("Model", self)
        form = QFormLayout(group)
        self.model_edit = _named(QLineEdit(self.model.data.model_text), "modelEdit",
                                 "Model: the prediction, e.g. m*x + b; column names are data, "
                                 "other names are parameters to learn")
        self.model_edit.textEdited.connect(self._check_model)
        self.model_edit.editingFinished.connect(self._submit_model)
        self.model_error = QLabel(group)
        self.model_error.setObjectName("modelError")
        self.model_error.setWordWrap(True)
        self.model_error.setStyleSheet(_ERROR_STYLE)
        self.model_error.hide()
        self.model_hint = QLabel(group)  # a name fitted as a parameter that looks like a slip
        self.model_hint.setObjectName("modelHint")
        self.model_hint.setWordWrap(True)
        self.model_hint.setStyleSheet("font-style: italic;")
        self.model_hint.hide()
        self.target_combo = _named(QComboBox(group), "targetCombo",
                                   "Predicts: the column the model should match")
        self.target_combo.activated.connect(
            lambda _i: self.model.set_data_setting("target", self.target_combo.currentText()))
        self.derivative_label = QLabel(group)
        self.derivative_label.setWordWrap(True)
        self.derivative_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.parameters = ParameterRows(self.model, group)
        self.answer_label = _named(QLabel(group), "leastSquaresLabel",
                                   "Least squares: the exact answer of a squared loss")
        self.answer_label.setWordWrap(True)
        form.addRow("f =", self.model_edit)
        form.addRow(self.model_error)
        form.addRow(self.model_hint)
        form.addRow("Predicts", self.target_combo)
        form.addRow(self.derivative_label)
        form.addRow(self.parameters)
        form.addRow(self.answer_label)
        return group

    def _build_undo_actions(self) -> None:
        self.undo_action = QAction("Undo", self)
        self.undo_action.setObjectName("actionUndoData")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = QAction("Redo", self)
        self.redo_action.setObjectName("actionRedoData")
        keys = [*QKeySequence.keyBindings(QKeySequence.StandardKey.Redo),
                QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
        self.redo_action.setShortcuts(list(dict.fromkeys(keys)))
        self.undo_action.triggered.connect(self.undo_stack.undo)
        self.redo_action.triggered.connect(self.undo_stack.redo)
        # The signals carry the new state: nothing asks the stack (it may be going away).
        self._undo_state = {"can_undo": False, "can_redo": False, "undo": "", "redo": ""}
        stack = self.undo_stack
        for signal, key in ((stack.canUndoChanged, "can_undo"), (stack.canRedoChanged, "can_redo"),
                            (stack.undoTextChanged, "undo"), (stack.redoTextChanged, "redo")):
            signal.connect(lambda value, k=key: self._update_undo_actions(k, value))
        self._update_undo_actions()

    # ------------------------------------------------------------ public
    @property
    def valid(self) -> bool:
        """Whether the model text is valid and the last build of it succeeded."""
        return self._valid

    def show_problem(self, objective: object) -> None:
        """A build succeeded: show its derivatives and closed-form answer, clear errors."""

        self.model_error.hide()
        self._set_valid(True)
        self._show_hints(objective)
        texts = zip(objective.param_names, objective.derivative_texts, strict=True)
        self.derivative_label.setText("\n".join(f"∂f/∂{n} = {t}" for n, t in texts))
        solution = objective.least_squares_solution()
        if solution is None:
            self.answer_label.setText("Least squares: no closed form for this model and loss")
        else:
            largest = max((abs(v) for v in solution.values()), default=0.0)
            tiny = 1e-10 * max(largest, 1.0)  # round-off, not a value: show 0
            values = ", ".join(f"{n} = {format_number(0.0 if abs(v) < tiny else v)}"
                               for n, v in solution.items())
            self.answer_label.setText(f"Least squares (exact): {values}")

    def _show_hints(self, objective: object) -> None:
        # lazy: the expression modules load with data mode's first build, not at start-up
        from gdstudio.problems.expression import check_syntax
        from gdstudio.problems.model_hints import parameter_hints

        names = check_syntax(objective.model_text)
        hints = parameter_hints(names, objective.data.names, objective.target, "the table")
        self.model_hint.setText("\n".join(f"Note: {hint}" for hint in hints))
        self.model_hint.setVisible(bool(hints))

    def show_build_error(self, message: str, column: int | None) -> None:
        """A build failed: say why (with the column in the model text, if it is there)."""
        self.model_hint.hide()
        where = f" (column {column})" if column else ""
        self.model_error.setText(message + where)
        self.model_error.show()
        self.answer_label.setText("")
        self._set_valid(False)

    def import_csv(self, path: str | None = None) -> bool:
        """Start reading a CSV file (asking which, if ``path`` is not given) into the table.

        The file is read and parsed off the UI thread (:class:`FileLoader`, with a busy
        box and Cancel); the table changes when it is done. A bad file changes nothing: a
        box shows one sentence (the loader's, with row and column). Returns True when
        reading started.
        """

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import CSV", "",
                                                  "CSV files (*.csv *.txt);;All files (*)")
            if not path:
                return False
        self.csv_loader.load(path, load_csv, f"Reading {Path(path).name} …")
        return True

    def _csv_loaded(self, path: Path, dataset: Dataset) -> None:
        self.table_model.replace_dataset(dataset, f"Import {path.name}")
        self.csvImported.emit(str(path))

    def _csv_failed(self, path: Path, message: str) -> None:
        show_refusal(self, "Cannot import this file", message)
        self.csvImportFailed.emit(str(path), message)

    def export_csv(self, path: str | None = None) -> bool:
        """Save the table as CSV (asking where, if ``path`` is not given)."""

        dataset = self.model.data.dataset
        if dataset is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export CSV", "data.csv",
                                                  "CSV files (*.csv)")
            if not path:
                return False
        try:
            save_csv(dataset, path)
        except OSError as error:
            show_refusal(self, "Cannot save the data", f"{path}: {error.strerror or error}")
            return False
        return True

    def rename_column(self, position: int) -> None:
        """Ask for a new name of column ``position``."""
        dataset = self.model.data.dataset
        if dataset is None or not 0 <= position < len(dataset.names):
            return
        old = dataset.names[position]
        name, accepted = QInputDialog.getText(self, "Rename column", f"New name of {old}:",
                                              text=old)
        if accepted:
            self.table_model.rename_column(position, name)

    # ------------------------------------------------------------ model → widgets
    def _show_setting(self, name: str) -> None:
        data = self.model.data
        if name == "dataset":
            self._show_dataset()
        elif name == "model_text" and self.model_edit.text() != data.model_text:
            self.model_edit.setText(data.model_text)
            self._check_model(data.model_text)
        elif name == "target":
            self._fill_targets()
        if name in ("dataset", "model_text", "target"):
            self._show_parameters()

    def _show_dataset(self) -> None:
        dataset = self.model.data.dataset
        self.message_label.hide()
        if dataset is None:
            self.summary_label.setText("No data yet: import a CSV file or generate some.")
        else:
            self.summary_label.setText(f"{dataset.n_rows:,} rows × {len(dataset.names)} columns")
        self._fill_targets()

    def _fill_targets(self) -> None:
        dataset, target = self.model.data.dataset, self.model.data.target
        names = list(dataset.names) if dataset is not None else []
        blocked = self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItems(names)
        self.target_combo.setCurrentText(target)
        self.target_combo.blockSignals(blocked)

    def _show_parameters(self) -> None:
        dataset = self.model.data.dataset
        columns = dataset.names if dataset is not None else (self.model.data.target,)
        self.parameters.set_names(model_parameters(self.model_edit.text(), columns))

    # ------------------------------------------------------------ widgets → model
    def _check_model(self, text: str) -> bool:
        try:
            check_syntax(text)
        except ExpressionError as error:
            self.show_build_error(error.message, error.column)
            return False
        self.model_error.hide()
        self._set_valid(True)
        self._show_parameters()
        return True

    def _submit_model(self) -> None:
        text = self.model_edit.text()
        if text == self.model.data.model_text or not self._check_model(text):
            return
        dataset = self.model.data.dataset
        kept = model_parameters(text, dataset.names if dataset is not None else ())
        fixed = {k: v for k, v in self.model.data.fixed.items() if k in kept}
        self.model.set_data_setting("fixed", fixed)
        self.model.set_data_setting("model_text", text)

    def _add_row(self) -> None:
        current = self.table_view.currentIndex()
        if self.model.data.dataset is not None:
            below = current.row() + 1 if current.isValid() else self.model.data.dataset.n_rows
            self.table_model.insert_rows(below)

    def _add_column(self) -> None:
        if self.model.data.dataset is not None:
            self.table_model.insert_column(len(self.model.data.dataset.names))

    def _remove_column(self) -> None:
        current = self.table_view.currentIndex()
        if current.isValid():
            self.table_model.remove_column(current.column())

    def _ask_generate(self) -> None:
        dialog = GenerateDialog(self.generate_settings, self)
        dialog.finished.connect(lambda result: self._generate_answered(dialog, result))
        dialog.open()

    def _generate_answered(self, dialog: GenerateDialog, result: int) -> None:
        if result == GenerateDialog.DialogCode.Accepted:
            self.generate_settings = dialog.settings()
            self.generateRequested.emit(self.generate_settings)
        dialog.deleteLater()

    def _show_message(self, message: str) -> None:
        self.message_label.setText(message)
        self.message_label.show()
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(message, 8000)

    def _set_valid(self, valid: bool) -> None:
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)

    def _update_undo_actions(self, key: str | None = None, value: object = None) -> None:
        state = self._undo_state
        if key is not None:
            state[key] = value
        in_data = self.model.mode == "data"
        self.undo_action.setEnabled(in_data and bool(state["can_undo"]))
        self.redo_action.setEnabled(in_data and bool(state["can_redo"]))
        self.undo_action.setText(f"Undo {state['undo']}".strip())
        self.redo_action.setText(f"Redo {state['redo']}".strip())


def _compact_button(text: str) -> QToolButton:
    """A text button no wider than its text needs, sharing a row's width with others."""
    button = QToolButton()
    button.setText(text)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setMinimumWidth(10)
    return button
