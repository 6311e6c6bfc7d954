"""The list of runs: name, fork step, optimizer, rate, status and loss; one is selected."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gdstudio.qt.branches.palette import run_icon, run_style
from gdstudio.state.branches import Branch

__all__ = ["COLUMNS", "BranchPanel"]

COLUMNS = ("Run", "From step", "Optimizer", "Rate", "Status", "Loss")
_STATUS = {"running": "ready", "converged": "converged", "max_iter": "step limit",
           "diverged": "diverged", "stopped": "stopped"}


def _cells(run: Branch) -> tuple[str, ...]:
    loss = "—" if math.isnan(run.loss) else f"{run.loss:.6g}"
    return (run.name, "—" if run.parent is None else str(run.fork_step),
            run.settings.optimizer, f"{run.settings.learning_rate:g}",
            f"{_STATUS.get(run.status, run.status)} at {run.step_count}", loss)


class BranchPanel(QWidget):
    """The runs as a list, with Branch and Remove buttons.

    Signals
    -------
    runChosen(int)
        The student selected the run with this id.
    """

    runChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("branchPanel")
        self.tree = QTreeWidget()
        self.tree.setObjectName("branchList")
        self.tree.setAccessibleName("Runs and branches")
        self.tree.setToolTip("The main run and its branches. Select one: Step and Run act on "
                             "it, and the step log and explanation show it.")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.branch_button = QPushButton("Branch here")
        self.branch_button.setObjectName("branchButton")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeBranchButton")
        buttons = QHBoxLayout()
        buttons.addWidget(self.branch_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self._items: dict[int, QTreeWidgetItem] = {}
        self._quiet = False

    # ------------------------------------------------------------------ showing
    def clear(self) -> None:
        """Show no runs."""
        self._quiet = True
        try:
            self.tree.clear()
            self._items.clear()
        finally:
            self._quiet = False

    def show_run(self, run: Branch) -> None:
        """Add run ``run`` to the list, or show its new numbers."""
        item = self._items.get(run.id)
        if item is None:
            item = QTreeWidgetItem(self.tree)
            item.setData(0, Qt.ItemDataRole.UserRole, run.id)
            item.setIcon(0, run_icon(run.colour))
            self._items[run.id] = item
        for column, text in enumerate(_cells(run)):
            item.setText(column, text)
        style = run_style(run.colour)
        item.setToolTip(0, f"{run.name}: drawn in {style.marker_name}")

    def remove_run(self, run_id: int) -> None:
        """Take run ``run_id`` off the list."""
        item = self._items.pop(run_id, None)
        if item is not None:
            self._quiet = True
            try:
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
            finally:
                self._quiet = False

    def show_selected(self, run_id: int) -> None:
        """Mark run ``run_id`` as the selected one (without telling :attr:`runChosen`)."""
        item = self._items.get(run_id)
        if item is not None and self.tree.currentItem() is not item:
            self._quiet = True
            try:
                self.tree.setCurrentItem(item)
            finally:
                self._quiet = False

    def row_texts(self, run_id: int) -> tuple[str, ...]:
        """The texts shown for run ``run_id`` (tests and the status bar read them)."""
        item = self._items[run_id]
        return tuple(item.text(column) for column in range(len(COLUMNS)))

    def _current_changed(self, current: QTreeWidgetItem | None, *_: object) -> None:
        if current is not None and not self._quiet:
            self.runChosen.emit(int(current.data(0, Qt.ItemDataRole.UserRole)))
