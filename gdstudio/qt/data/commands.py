"""The undoable edits of the data table: each stores only what it changed.

Every command writes a new dataset through :meth:`EditedTable.commit_change`, which tells
the views what changed (cells, inserted or removed rows or columns, a header, or all).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from gdstudio.problems.dataset import Dataset


class EditedTable(Protocol):
    """What a command needs of the table it edits (``table.DatasetTableModel`` is one)."""

    @property
    def dataset(self) -> Dataset:
        """The table as it is now."""

    def commit_change(self, columns: dict[str, np.ndarray], change: tuple) -> None:
        """Put a new table in place, telling views what ``change`` made."""

__all__ = ["InsertColumn", "InsertRows", "RemoveColumn", "RemoveRows", "RenameColumn",
           "ReplaceDataset", "SetValues", "TableCommand"]


class TableCommand(QUndoCommand):
    """A table edit: ``redo`` and ``undo`` each write one new dataset through the table."""

    def __init__(self, table: EditedTable, text: str) -> None:
        super().__init__(text)
        self.table = table

    def columns(self) -> dict[str, np.ndarray]:
        """A writable copy of every column of the current table."""
        return {name: np.array(values) for name, values in self.table.dataset.columns().items()}


class SetValues(TableCommand):
    """Set a block of cells (rows × columns): an edited cell, a paste, a moved point."""

    def __init__(self, table: EditedTable, rows: np.ndarray, columns: Sequence[int],
                 values: np.ndarray, text: str) -> None:
        super().__init__(table, text)
        self.rows, self.positions, self.new = rows, list(columns), values
        names = table.dataset.names
        self.old = np.column_stack([table.dataset[names[c]][rows] for c in self.positions])

    def _write(self, values: np.ndarray) -> None:
        columns, names = self.columns(), self.table.dataset.names
        for k, position in enumerate(self.positions):
            columns[names[position]][self.rows] = values[:, k]
        box = (int(self.rows.min()), min(self.positions), int(self.rows.max()), max(self.positions))
        self.table.commit_change(columns, ("cells", *box))

    def redo(self) -> None:
        self._write(self.new)

    def undo(self) -> None:
        self._write(self.old)


class InsertRows(TableCommand):
    """Insert rows of values before a position."""

    def __init__(self, table: EditedTable, position: int, block: np.ndarray,
                 text: str) -> None:
        super().__init__(table, text)
        self.position, self.block = position, block

    def redo(self) -> None:
        columns = self.columns()
        for k, name in enumerate(columns):
            columns[name] = np.insert(columns[name], self.position, self.block[:, k])
        last = self.position + self.block.shape[0] - 1
        self.table.commit_change(columns, ("insert_rows", self.position, last))

    def undo(self) -> None:
        stop = self.position + self.block.shape[0]
        columns = {name: np.delete(values, np.s_[self.position:stop])
                   for name, values in self.columns().items()}
        self.table.commit_change(columns, ("remove_rows", self.position, stop - 1))


class RemoveRows(TableCommand):
    """Remove rows (any set); undo puts them back where they were."""

    def __init__(self, table: EditedTable, rows: np.ndarray, text: str) -> None:
        super().__init__(table, text)
        self.rows = rows
        self.removed = np.column_stack([table.dataset[name][rows] for name in table.dataset])

    def _change(self, kind: str) -> tuple:
        first, last = int(self.rows[0]), int(self.rows[-1])
        contiguous = last - first + 1 == self.rows.shape[0]
        return (kind, first, last) if contiguous else ("reset",)

    def redo(self) -> None:
        columns = {name: np.delete(values, self.rows) for name, values in self.columns().items()}
        self.table.commit_change(columns, self._change("remove_rows"))

    def undo(self) -> None:
        where = self.rows - np.arange(self.rows.shape[0])
        columns = {name: np.insert(values, where, self.removed[:, k])
                   for k, (name, values) in enumerate(self.columns().items())}
        self.table.commit_change(columns, self._change("insert_rows"))


class InsertColumn(TableCommand):
    """Insert a named column of values at a position."""

    def __init__(self, table: EditedTable, position: int, name: str, values: np.ndarray,
                 text: str) -> None:
        super().__init__(table, text)
        self.position, self.name, self.values = position, name, values

    def redo(self) -> None:
        items = list(self.columns().items())
        items.insert(self.position, (self.name, self.values))
        self.table.commit_change(dict(items), ("insert_columns", self.position, self.position))

    def undo(self) -> None:
        items = list(self.columns().items())
        del items[self.position]
        self.table.commit_change(dict(items), ("remove_columns", self.position, self.position))


class RemoveColumn(InsertColumn):
    """Remove a column; undo puts it back with its values."""

    def __init__(self, table: EditedTable, position: int, text: str) -> None:
        name = table.dataset.names[position]
        super().__init__(table, position, name, np.array(table.dataset[name]), text)

    def redo(self) -> None:
        super().undo()

    def undo(self) -> None:
        super().redo()


class RenameColumn(TableCommand):
    """Rename a column."""

    def __init__(self, table: EditedTable, position: int, name: str, text: str) -> None:
        super().__init__(table, text)
        self.position, self.new, self.old = position, name, table.dataset.names[position]

    def _write(self, name: str) -> None:
        items = list(self.columns().items())
        items[self.position] = (name, items[self.position][1])
        self.table.commit_change(dict(items), ("header", self.position, self.position))

    def redo(self) -> None:
        self._write(self.new)

    def undo(self) -> None:
        self._write(self.old)


class ReplaceDataset(TableCommand):
    """Replace the whole table (import, generate); undo brings the old one back."""

    def __init__(self, table: EditedTable, dataset: Dataset, text: str) -> None:
        super().__init__(table, text)
        self.new, self.old = dataset, table.dataset

    def redo(self) -> None:
        self.table.commit_change(self.new.columns(), ("reset",))

    def undo(self) -> None:
        self.table.commit_change(self.old.columns(), ("reset",))
