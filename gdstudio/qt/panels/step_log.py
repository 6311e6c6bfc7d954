"""The step log: a table model that reads a :class:`History`'s arrays directly.

No Python object is made per row: :meth:`HistoryTableModel.data` indexes the numpy
columns when the view asks for a visible cell, so a million rows cost nothing more than
ten. The window calls :meth:`HistoryTableModel.refresh` once per frame; it announces only
the rows that appeared, disappeared or changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from gdstudio.engine.history import History
from gdstudio.qt.panels.table_columns import ColumnFitter
from gdstudio.qt.run.paint_cost import PaintTimed

__all__ = ["HistoryTableModel", "StepLogView", "configure_history_view", "format_cell"]

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
#: Role under which :meth:`HistoryTableModel.data` gives the raw number of a cell.
VALUE_ROLE = Qt.ItemDataRole.UserRole


#: The widest texts of the step column and of the number columns (``.6g``).
_STEP_SAMPLES = ("0000000",)
_NUMBER_SAMPLES = ("-0.000888888", "-8.88888e-08", "-8.88888e+88")


def format_cell(value: float) -> str:
    """A table number: 6 significant digits, ``—`` for NaN (no update yet), ``∞`` for inf."""
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.6g}"


class _Column:
    """One column: its header, its tooltip and how to read a row's value."""

    __slots__ = ("read", "title", "tooltip")

    def __init__(self, title: str, tooltip: str, read: Callable[[History, int], float]) -> None:
        self.title = title
        self.tooltip = tooltip
        self.read = read


def _param_reader(j: int) -> Callable[[History, int], float]:
    return lambda history, row: float(history.params[row, j])


def _grad_reader(j: int) -> Callable[[History, int], float]:
    return lambda history, row: float(history.grad[row, j])


def _columns(names: Sequence[str], symbol: str = "f") -> list[_Column]:
    gradient = "f′" if len(names) == 1 and symbol == "f" else f"∂{symbol}/∂{{}}"
    columns = [_Column("Step", "Step k: the index of the point θₖ (0 is the start)", _step)]
    columns += [
        _Column(name, f"{name}ₖ: the value of the parameter {name} at step k", _param_reader(j))
        for j, name in enumerate(names)
    ]
    what = "the loss of the model on the data" if symbol == "L" else "the value of the function"
    columns.append(_Column("Loss", f"{symbol}(θₖ): {what} at step k", _loss))
    columns += [
        _Column(
            gradient.format(name),
            f"∂{symbol}/∂{name} at θₖ: the slope along {name} where the point is",
            _grad_reader(j),
        )
        for j, name in enumerate(names)
    ]
    columns.append(
        _Column(
            "Learning rate",
            "α: the learning rate of the update made from step k (— for the newest point)",
            _lr,
        )
    )
    columns.append(
        _Column(
            "Step size",
            "‖θₖ₊₁ − θₖ‖: the length of the update made from step k (— for the newest point)",
            _step_size,
        )
    )
    return columns


def _step(history: History, row: int) -> float:
    return float(row)


def _loss(history: History, row: int) -> float:
    return float(history.loss[row])


def _lr(history: History, row: int) -> float:
    return float(history.lr[row])


def _step_size(history: History, row: int) -> float:
    return float(history.step_size[row])


class HistoryTableModel(QAbstractTableModel):
    """Columns step, parameters, loss, gradient, learning rate, step size over a history.

    Parameters
    ----------
    history : History, optional
        The history to show (the window's mirror; the model only reads it).
    param_names : Sequence[str], optional
        Names of the parameters, for the headers.
    parent : QObject, optional
        Qt parent.

    Notes
    -----
    The model remembers how many rows it has announced to its views. After the history
    changes, call :meth:`refresh`; until then the views see the announced rows (reading
    the current arrays), and rows beyond the history's length show nothing.
    """

    def __init__(
        self,
        history: History | None = None,
        param_names: Sequence[str] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._history = history if history is not None else History(len(param_names), 1)
        self._columns = _columns(tuple(param_names))
        self._rows = len(self._history)

    # ------------------------------------------------------------------ reading
    @property
    def history(self) -> History:
        """The history shown."""
        return self._history

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Rows announced to the views (one per recorded point)."""
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Step, parameters, loss, gradient components, learning rate, step size."""
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """The formatted number (display), its raw value (:data:`VALUE_ROLE`), alignment."""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT
        if role not in (Qt.ItemDataRole.DisplayRole, VALUE_ROLE) or not index.isValid():
            return None
        row = index.row()
        if row >= len(self._history) or row >= self._rows:
            return None
        value = self._columns[index.column()].read(self._history, row)
        if role == VALUE_ROLE:
            return value
        return str(row) if index.column() == 0 else format_cell(value)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        """Column titles and their explanations (tooltips); no vertical header text."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._columns[section].tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT
        return None

    # ---------------------------------------------------------------- changing
    def set_history(self, history: History, param_names: Sequence[str],
                    loss_symbol: str = "f") -> None:
        """Show another history (a new problem or run): resets the model.

        ``loss_symbol`` names the minimised function in the headers: ``f`` (f′, ∂f/∂x) or,
        for data, ``L`` (∂L/∂b).
        """
        self.beginResetModel()
        self._history = history
        self._columns = _columns(tuple(param_names), loss_symbol)
        self._rows = len(history)
        self.endResetModel()

    def refresh(self, old_length: int | None = None, changed_from: int | None = None) -> None:
        """Tell the views how the history changed since the last refresh.

        Parameters
        ----------
        old_length : int, optional
            The history's length at the last refresh, if the caller knows it better
            than the model (the model remembers the rows it announced).
        changed_from : int, optional
            First row whose values may have changed in place. By default the last row
            the old and new tables share: its learning rate and step size are filled in
            when the next step is made. Pass the start of a block written after a step
            back that was followed by new steps in the same frame.
        """
        announced = self._rows
        length = len(self._history)
        first = min(announced, length, old_length if old_length is not None else announced) - 1
        if changed_from is not None:
            first = min(first, changed_from)
        if length < announced:
            self.beginRemoveRows(QModelIndex(), length, announced - 1)
            self._rows = length
            self.endRemoveRows()
        elif length > announced:
            self.beginInsertRows(QModelIndex(), announced, length - 1)
            self._rows = length
            self.endInsertRows()
        last = min(announced, length) - 1
        first = max(first, 0)
        if last >= first:
            right = len(self._columns) - 1
            self.dataChanged.emit(self.index(first, 0), self.index(last, right), [])


def configure_history_view(view: QTableView) -> None:
    """Settings that keep a table of a million rows fast and readable.

    Fixed row heights (no per-row size hints), no vertical header (the step is a column),
    whole-row selection, no word wrap, columns that share the width but never cut a title
    or a number (:class:`~gdstudio.qt.panels.table_columns.ColumnFitter`).
    """
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
    view.horizontalHeader().setDefaultAlignment(_RIGHT)
    ColumnFitter(view, lambda column: _STEP_SAMPLES if column == 0 else _NUMBER_SAMPLES)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)


class StepLogView(PaintTimed, QTableView):
    """The step log's table, its paints timed (each visible cell asks the Python model
    for seven roles: a tall log takes tens of milliseconds to paint on a slow machine).

    Attributes
    ----------
    paint_cost : PaintCost
        What its paints cost (the window plans its passes with it).
    """
