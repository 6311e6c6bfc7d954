"""The table of a comparison: one row per run (optimizer, learning rate, progress)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gdstudio.engine import OPTIMIZERS
from gdstudio.qt.compare.plots import MAX_RUNS, RUN_COLOURS, RUN_SYMBOLS
from gdstudio.qt.panels.numbers import NumberSpinBox

if TYPE_CHECKING:
    from gdstudio.engine import RunSettings

__all__ = ["RunsTable"]

_COLUMNS = ("Run", "Optimizer", "Learning rate", "Steps", "Loss", "Status")
_SYMBOL_NAMES = {"o": "●", "s": "■", "t": "▼", "d": "◆", "star": "★", "h": "⬢", "p": "⬟"}


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(QColor("black"))
    painter.drawRoundedRect(1, 1, 14, 14, 3, 3)
    painter.end()
    return QIcon(pixmap)


class RunsTable(QWidget):
    """Rows of runs with editable optimizer and rate, and Add / Remove buttons.

    Signals
    -------
    runsEdited(list)
        The runs after an edit (a list of :class:`~gdstudio.engine.RunSettings`).
    addRequested
        Add a run.
    removeRequested(int)
        Remove the run in this row.
    """

    runsEdited = Signal(list)
    addRequested = Signal()
    removeRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runs: list[RunSettings] = []
        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setObjectName("compareRunsTable")
        self.table.setAccessibleName("Runs compared")
        self.table.setToolTip("Each run's optimizer and learning rate; change them here")
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("Add a run", self)
        self.add_button.setObjectName("addRunButton")
        self.add_button.setToolTip("Compare one more optimizer (all runs start again)")
        self.remove_button = QPushButton("Remove the selected run", self)
        self.remove_button.setObjectName("removeRunButton")
        self.remove_button.setToolTip("Leave the selected run out (all runs start again)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.addRequested)
        self.remove_button.clicked.connect(self._remove)

    def set_runs(self, runs: Sequence[RunSettings]) -> None:
        """Show ``runs`` (one row each) without emitting ``runsEdited``."""
        self._runs = list(runs)
        self.table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            colour = RUN_COLOURS[row % MAX_RUNS]
            mark = _SYMBOL_NAMES[RUN_SYMBOLS[row % MAX_RUNS]]
            label = QTableWidgetItem(_swatch(colour), f"{mark} run {row + 1}")
            label.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.table.setItem(row, 0, label)
            combo = QComboBox(self.table)
            combo.setObjectName(f"compareOptimizer_{row}")
            combo.setAccessibleName(f"Optimizer of run {row + 1}")
            for name, cls in OPTIMIZERS.items():
                combo.addItem(cls.title, name)
            combo.setCurrentIndex(combo.findData(run.optimizer))
            combo.currentIndexChanged.connect(lambda _i, r=row: self._edited(r))
            self.table.setCellWidget(row, 1, combo)
            spin = NumberSpinBox(1e-6, 10.0, self.table)
            spin.setObjectName(f"compareRate_{row}")
            spin.setAccessibleName(f"Learning rate of run {row + 1}")
            spin.setValue(run.learning_rate)
            spin.valueChanged.connect(lambda _v, r=row: self._edited(r))
            self.table.setCellWidget(row, 2, spin)
            for column in (3, 4, 5):
                item = QTableWidgetItem("")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.add_button.setEnabled(len(runs) < MAX_RUNS)
        self.remove_button.setEnabled(len(runs) > 1)

    def show_reports(self, reports: Sequence[Any], histories: Sequence[Any]) -> None:
        """Fill in each run's step count, loss and status."""
        for row, (report, history) in enumerate(zip(reports, histories, strict=False)):
            if row >= self.table.rowCount() or report is None:
                continue
            loss = f"{history.loss[-1]:.6g}" if len(history) else ""
            status = ("not finished" if report.status == "running"
                      else report.status.replace("_", " "))
            for column, text in ((3, f"{len(history) - 1:,}"), (4, loss), (5, status)):
                self.table.item(row, column).setText(text)

    def _edited(self, row: int) -> None:
        combo = self.table.cellWidget(row, 1)
        spin = self.table.cellWidget(row, 2)
        runs = list(self._runs)
        name, rate = combo.currentData(), spin.value()
        default_rate = OPTIMIZERS[name].default_learning_rate
        if name != runs[row].optimizer and default_rate is not None:
            rate = default_rate  # Newton: α = 1, its full step
        runs[row] = replace(runs[row], optimizer=name, hyperparameters={}, learning_rate=rate)
        self.runsEdited.emit(runs)

    def _remove(self) -> None:
        row = self.table.currentRow()
        self.removeRequested.emit(row if row >= 0 else len(self._runs) - 1)
