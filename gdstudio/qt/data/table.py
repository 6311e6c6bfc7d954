"""The dataset as an editable table: every edit is an undoable command on one QUndoStack.

:class:`DatasetTableModel` shows ``StudioModel.data.dataset`` and changes it only through
``QUndoCommand`` objects that store what they changed (a few cells, the rows removed, a
column's name), never a copy of the whole table, so a long undo history of edits to
100,000 rows costs little. Each command writes a new immutable ``Dataset`` into the
studio model, which tells every subscriber (plots, editor, the objective builder). A
dataset that arrives from elsewhere (an example, a project) replaces the table and clears
the undo history, whose commands would not apply to it.

The view (:class:`DataTableView`) adds spreadsheet keys: paste a tab-separated block
(Ctrl+V), copy (Ctrl+C), Delete removes the selected rows (or whole columns).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from gdstudio.problems.dataset import Dataset
from gdstudio.problems.numbers import number_problem
from gdstudio.problems.table_text import parse_block
from gdstudio.qt.data.commands import (
    InsertColumn,
    InsertRows,
    RemoveColumn,
    RemoveRows,
    RenameColumn,
    ReplaceDataset,
    SetValues,
)
from gdstudio.qt.model import StudioModel

if TYPE_CHECKING:
    from gdstudio.problems.dataset import Dataset

__all__ = ["DataTableView", "DatasetTableModel"]

#: Undo steps kept (each stores only what it changed).
UNDO_LIMIT = 500
_INDEX = QModelIndex()


def _finite(value: object) -> float | None:
    """``value`` (a number or text) as a finite float, else ``None``.

    Text follows the one number rule of :mod:`gdstudio.problems.numbers` (so '１' and
    '1_000', which ``float`` reads, are refused as in a CSV file).
    """
    if isinstance(value, str) and number_problem(value) is not None:
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class DatasetTableModel(QAbstractTableModel):
    """The studio model's dataset as a table whose every edit can be undone.

    Parameters
    ----------
    studio : StudioModel
        Holds the dataset (``studio.data.dataset``) and tells when it changes.

    Attributes
    ----------
    undo_stack : QUndoStack
        One command per edit (a paste or a multi-row delete is one command).

    Signals
    -------
    messageRaised(str)
        An edit was refused, and why (e.g. a cell that is not a number).
    """

    messageRaised = Signal(str)

    def __init__(self, studio: StudioModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._dataset = studio.data.dataset
        studio.dataSettingChanged.connect(self._setting_changed)

    @property
    def dataset(self) -> Dataset:
        """The dataset shown (``None`` before there is one)."""
        return self._dataset

    # ------------------------------------------------------------ Qt model
    def rowCount(self, parent: QModelIndex = _INDEX) -> int:
        """Number of data rows."""
        return 0 if self._dataset is None or parent.isValid() else self._dataset.n_rows

    def columnCount(self, parent: QModelIndex = _INDEX) -> int:
        """Number of columns."""
        return 0 if self._dataset is None or parent.isValid() else len(self._dataset.names)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Numbers with 8 significant digits; exact values for editing."""
        if not index.isValid() or self._dataset is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            value = float(self._dataset[self._dataset.names[index.column()]][index.row()])
            return repr(value) if role == Qt.ItemDataRole.EditRole else f"{value:.8g}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Column names across the top, row numbers (from 1) down the side."""
        if role != Qt.ItemDataRole.DisplayRole or self._dataset is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            names = self._dataset.names
            return names[section] if 0 <= section < len(names) else None
        return str(section + 1)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        """Every cell is editable."""
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: QModelIndex, value: object,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Change one cell (undoable); text that is not a finite number is refused."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        return self.set_values([index.row()], [index.column()], [[value]], "Edit cell")

    # ------------------------------------------------------------ edits
    def set_values(self, rows: Sequence[int], columns: Sequence[int],
                   values: Sequence[Sequence[object]] | np.ndarray, text: str) -> bool:
        """Set ``values[i][k]`` at row ``rows[i]``, column ``columns[k]`` (one command)."""
        numbers = np.empty((len(rows), len(columns)))
        for i, line in enumerate(values):
            for k, cell in enumerate(line):
                number = _finite(cell)
                if number is None:
                    name = self._dataset.names[columns[k]]
                    return self._refuse(f"row {rows[i] + 1}, column {name!r}: {cell!r} is not "
                                        "a finite number")
                numbers[i, k] = number
        row_array = np.asarray(rows, dtype=np.intp)
        names = self._dataset.names
        current = np.column_stack([self._dataset[names[c]][row_array] for c in columns])
        if np.array_equal(current, numbers):
            return True
        self.undo_stack.push(SetValues(self, row_array, columns, numbers, text))
        return True

    def insert_rows(self, position: int, count: int = 1,
                    values: dict[str, float] | None = None, text: str = "Add row") -> bool:
        """Insert ``count`` rows before ``position``: 0 in every cell, or ``values``."""
        names = self._dataset.names
        row = [float((values or {}).get(name, 0.0)) for name in names]
        if not all(math.isfinite(v) for v in row):
            return self._refuse("a new row needs finite numbers")
        block = np.tile(np.array(row), (count, 1))
        position = max(0, min(position, self._dataset.n_rows))
        self.undo_stack.push(InsertRows(self, position, block, text))
        return True

    def add_point(self, values: dict[str, float]) -> bool:
        """Append one row with ``values`` (other columns 0), e.g. a click on the plot."""
        return self.insert_rows(self._dataset.n_rows, 1, values, "Add point")

    def remove_rows(self, rows: Sequence[int], text: str = "Delete rows") -> bool:
        """Remove the rows ``rows`` (one command); at least one row must stay."""
        unique = np.unique(np.asarray(rows, dtype=np.intp))
        unique = unique[(unique >= 0) & (unique < self._dataset.n_rows)]
        if unique.size == 0:
            return False
        if unique.size >= self._dataset.n_rows:
            return self._refuse("the data needs at least one row: keep one")
        self.undo_stack.push(RemoveRows(self, unique, text))
        return True

    def insert_column(self, position: int, name: str | None = None) -> bool:
        """Insert a column of zeros named ``name`` (default: the first free ``x1``, ``x2`` …)."""
        name = self._free_name() if name is None else name.strip()
        problem = self._name_problem(name)
        if problem:
            return self._refuse(problem)
        position = max(0, min(position, len(self._dataset.names)))
        values = np.zeros(self._dataset.n_rows)
        self.undo_stack.push(InsertColumn(self, position, name, values, f"Add column {name}"))
        return True

    def remove_column(self, position: int) -> bool:
        """Remove column ``position``; at least one column must stay."""
        if len(self._dataset.names) <= 1:
            return self._refuse("the data needs at least one column: keep one")
        name = self._dataset.names[position]
        self.undo_stack.push(RemoveColumn(self, position, f"Delete column {name}"))
        return True

    def rename_column(self, position: int, name: str) -> bool:
        """Rename column ``position``; names must be unique and not blank."""
        name = name.strip()
        if name == self._dataset.names[position]:
            return True
        problem = self._name_problem(name)
        if problem:
            return self._refuse(problem)
        old = self._dataset.names[position]
        self.undo_stack.push(RenameColumn(self, position, name, f"Rename {old} to {name}"))
        return True

    def replace_dataset(self, dataset: Dataset, text: str) -> None:
        """Put a whole new table in place (import, generate), undoably."""
        if self._dataset is None:
            self.studio.set_data_setting("dataset", dataset)
            return
        self.undo_stack.push(ReplaceDataset(self, dataset, text))

    def paste_text(self, top: int, left: int, text: str) -> bool:
        """Paste a block copied from a spreadsheet (tab-separated) with its top-left at
        (``top``, ``left``), adding rows and columns where it reaches beyond the table."""
        try:
            header, block = parse_block(text)
        except ValueError as error:
            return self._refuse(f"cannot paste: {error}")
        n_rows, n_cols = block.shape
        stack = self.undo_stack
        stack.beginMacro(f"Paste {n_rows} × {n_cols}")
        try:
            extra_rows = top + n_rows - self._dataset.n_rows
            if extra_rows > 0:
                self.insert_rows(self._dataset.n_rows, extra_rows)
            for k in range(len(self._dataset.names), left + n_cols):
                wanted = header[k - left] if header else None
                self.insert_column(k, wanted if wanted and not self._name_problem(wanted)
                                   else None)
            self.set_values(range(top, top + n_rows), range(left, left + n_cols), block, "Paste")
        finally:
            stack.endMacro()
        return True

    # ------------------------------------------------------------ internals
    def commit_change(self, columns: dict[str, np.ndarray], change: tuple) -> None:
        """Put the new table in place, telling views exactly what changed (for commands).

        ``change`` is ``("cells", top, left, bottom, right)``, ``("insert_rows", first,
        last)`` (likewise ``remove_rows``, ``insert_columns``, ``remove_columns``,
        ``header``) or ``("reset",)``.
        """

        dataset = Dataset(columns)
        kind, *span = change
        structural = {
            "insert_rows": (self.beginInsertRows, self.endInsertRows),
            "remove_rows": (self.beginRemoveRows, self.endRemoveRows),
            "insert_columns": (self.beginInsertColumns, self.endInsertColumns),
            "remove_columns": (self.beginRemoveColumns, self.endRemoveColumns),
            "reset": (self.beginResetModel, self.endResetModel),
        }
        if kind in structural:
            begin, end = structural[kind]
            begin(_INDEX, *span) if span else begin()
            self._dataset = dataset
            end()
        else:
            self._dataset = dataset
            if kind == "cells":
                top, left, bottom, right = span
                self.dataChanged.emit(self.index(top, left), self.index(bottom, right))
            else:
                self.headerDataChanged.emit(Qt.Orientation.Horizontal, *span)
        self.studio.set_data_setting("dataset", dataset)

    def _setting_changed(self, name: str) -> None:
        if name != "dataset" or self.studio.data.dataset is self._dataset:
            return
        self.beginResetModel()  # a table from elsewhere: the old commands would not fit it
        self._dataset = self.studio.data.dataset
        self.endResetModel()
        self.undo_stack.clear()

    def _refuse(self, message: str) -> bool:
        self.messageRaised.emit(message)
        return False

    def _free_name(self) -> str:
        number = 1
        while f"x{number}" in self._dataset:
            number += 1
        return f"x{number}"

    def _name_problem(self, name: str) -> str:
        if not name:
            return "a column needs a name"
        if not name.isidentifier():
            return (f"{name!r} cannot be used in a model: use letters, digits and _ "
                    "(not starting with a digit)")
        if name in self._dataset:
            return f"there is a column {name!r} already"
        return ""


class DataTableView(QTableView):
    """The table with spreadsheet keys: Ctrl+V pastes a block, Ctrl+C copies, Delete
    removes the selected rows (or the selected whole columns).

    Navigation keys stay with the table while it has focus (the window's own shortcuts,
    such as → for Step, do not take them).
    """

    _OWN_KEYS = frozenset({Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                           Qt.Key.Key_Space, Qt.Key.Key_Delete, Qt.Key.Key_Backspace,
                           Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp,
                           Qt.Key.Key_PageDown})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataTable")
        self.setAccessibleName("Data table")
        self.setToolTip("The data: double-click a cell to edit it. Ctrl+V pastes a block from "
                        "a spreadsheet, Delete removes the selected rows, Ctrl+Z undoes.")
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setAlternatingRowColors(True)

    def table(self) -> DatasetTableModel:
        """The model shown."""
        return self.model()  # type: ignore[return-value]

    def event(self, event: QEvent) -> bool:
        """Keep navigation, editing and clipboard keys from window-wide shortcuts."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                          Qt.KeyboardModifier.ShiftModifier)
            if (plain and event.key() in self._OWN_KEYS) or event.matches(
                    QKeySequence.StandardKey.Paste) or event.matches(
                    QKeySequence.StandardKey.Copy):
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Paste, copy and delete; other keys as usual."""
        if self.state() == QAbstractItemView.State.EditingState:
            super().keyPressEvent(event)
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        else:
            super().keyPressEvent(event)

    def paste(self) -> None:
        """Paste the clipboard's text at the current cell (the top-left one if none)."""
        current = self.currentIndex()
        top, left = (current.row(), current.column()) if current.isValid() else (0, 0)
        self.table().paste_text(top, left, QGuiApplication.clipboard().text())

    def copy(self) -> None:
        """Copy the selected cells' bounding block as tab-separated text."""
        indexes = self.selectedIndexes()
        if not indexes:
            return
        rows = range(min(i.row() for i in indexes), max(i.row() for i in indexes) + 1)
        columns = range(min(i.column() for i in indexes), max(i.column() for i in indexes) + 1)
        model = self.table()
        lines = ["\t".join(model.data(model.index(r, c), Qt.ItemDataRole.EditRole)
                           for c in columns) for r in rows]
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")

    def delete_selection(self) -> None:
        """Remove the selected whole columns, else every row that has a selected cell."""
        selection = self.selectionModel()
        table = self.table()
        columns = sorted({i.column() for i in selection.selectedColumns()}, reverse=True)
        if columns:
            table.undo_stack.beginMacro("Delete columns")
            for column in columns:
                table.remove_column(column)
            table.undo_stack.endMacro()
            return
        rows = sorted({i.row() for i in selection.selectedIndexes()})
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        if rows:
            table.remove_rows(rows, "Delete row" if len(rows) == 1 else f"Delete {len(rows)} rows")
