"""The step-log model: checked by Qt's own model tester, exact rows, a million rows fast."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, Qt, qInstallMessageHandler
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QTableView

from gdstudio.engine.history import History
from gdstudio.qt.panels.step_log import (
    VALUE_ROLE,
    HistoryTableModel,
    configure_history_view,
    format_cell,
)

Mode = QAbstractItemModelTester.FailureReportingMode


def x_squared_history(steps: int) -> History:
    """x_k = 3·0.8^k from gradient descent on x² with rate 0.1."""
    history = History(1, capacity=4)
    x = 3.0
    history.append(np.array([x]), x * x, np.array([2 * x]))
    for _ in range(steps):
        new = x - 0.1 * 2 * x
        history.push(0.1, abs(new - x), np.array([new]), new * new, np.array([2 * new]), 0)
        x = new
    return history


@pytest.fixture
def tested(qapp):
    """A model under Qt's model tester, which checks it after every signal it emits.

    The tester reports through Qt's message handler; the test fails on any complaint.
    """
    messages: list[str] = []
    previous = qInstallMessageHandler(lambda mode, context, message: messages.append(message))
    try:
        model = HistoryTableModel(x_squared_history(3), ["x"])
        tester = QAbstractItemModelTester(model, Mode.Warning)
        yield model
    finally:
        qInstallMessageHandler(previous)
    failures = [message for message in messages if "FAIL" in message]
    assert not failures, failures
    del tester


def text(model: HistoryTableModel, row: int, column: int) -> str:
    return model.data(model.index(row, column))


def test_columns_and_headers(tested: HistoryTableModel) -> None:
    titles = [tested.headerData(c, Qt.Orientation.Horizontal) for c in range(6)]
    assert titles == ["Step", "x", "Loss", "f′", "Learning rate", "Step size"]
    for column in range(6):
        tip = tested.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        assert tip
    two = HistoryTableModel(History(2), ["x", "y"])
    assert [two.headerData(c, Qt.Orientation.Horizontal) for c in range(8)] == [
        "Step",
        "x",
        "y",
        "Loss",
        "∂f/∂x",
        "∂f/∂y",
        "Learning rate",
        "Step size",
    ]


def test_cells_are_formatted_and_right_aligned(tested: HistoryTableModel) -> None:
    assert tested.rowCount() == 4 and tested.columnCount() == 6
    assert [text(tested, 1, c) for c in range(6)] == ["1", "2.4", "5.76", "4.8", "0.1", "0.48"]
    assert text(tested, 3, 4) == "—" and text(tested, 3, 5) == "—"  # newest: no update yet
    alignment = tested.data(tested.index(0, 1), Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & Qt.AlignmentFlag.AlignRight
    assert tested.data(tested.index(2, 1), VALUE_ROLE) == pytest.approx(1.92)
    assert tested.data(tested.index(2, 1), Qt.ItemDataRole.DecorationRole) is None


def test_refresh_after_growth_inserts_only_new_rows(tested: HistoryTableModel, qtbot) -> None:
    history = tested.history
    inserted: list[tuple[int, int]] = []
    changed: list[tuple[int, int]] = []
    tested.rowsInserted.connect(lambda _, first, last: inserted.append((first, last)))
    tested.dataChanged.connect(lambda a, b, _: changed.append((a.row(), b.row())))
    x = history.params[-1, 0]
    history.push(0.2, 0.4 * x, np.array([0.6 * x]), 0.36 * x * x, np.array([1.2 * x]), 0)
    tested.refresh(4)
    assert inserted == [(4, 4)]
    assert changed == [(3, 3)]  # the previous newest row got its rate and step size
    assert text(tested, 3, 4) == "0.2"
    tested.refresh()  # nothing changed: only the shared last row is re-read
    assert inserted == [(4, 4)]


def test_refresh_after_step_back_removes_rows(tested: HistoryTableModel) -> None:
    removed: list[tuple[int, int]] = []
    tested.rowsRemoved.connect(lambda _, first, last: removed.append((first, last)))
    tested.history.truncate(2)
    tested.refresh(4)
    assert removed == [(2, 3)]
    assert tested.rowCount() == 2
    assert text(tested, 1, 4) == "—"


def test_step_back_then_new_steps_in_one_frame(tested: HistoryTableModel) -> None:
    history = tested.history
    history.truncate(2)
    for _ in range(3):
        x = history.params[-1, 0]
        history.push(0.5, x, np.array([0.0]), 0.0, np.array([0.0]), 0)
    changed: list[tuple[int, int]] = []
    tested.dataChanged.connect(lambda a, b, _: changed.append((a.row(), b.row())))
    tested.refresh(changed_from=1)
    assert tested.rowCount() == 5
    assert changed == [(1, 3)]
    assert text(tested, 2, 1) == "0"


def test_set_history_resets(tested: HistoryTableModel) -> None:
    resets: list[bool] = []
    tested.modelReset.connect(lambda: resets.append(True))
    tested.set_history(History(3), ["a", "b", "c"])
    assert resets == [True]
    assert tested.rowCount() == 0 and tested.columnCount() == 10


def test_non_finite_values() -> None:
    history = History(1)
    history.append(np.array([np.inf]), np.nan, np.array([-np.inf]))
    model = HistoryTableModel(history, ["x"])
    assert [text(model, 0, c) for c in range(6)] == ["0", "∞", "—", "-∞", "—", "—"]
    assert format_cell(1234567.0) == "1.23457e+06"


def test_rows_beyond_the_history_show_nothing(tested: HistoryTableModel) -> None:
    tested.history.truncate(1)  # not refreshed yet: the view may still ask for row 3
    assert tested.data(tested.index(3, 1)) is None


def test_a_million_rows_cost_nothing(qtbot) -> None:
    n = 1_000_000
    history = History(2, capacity=n + 1)
    history.write_block(_block(n))
    model = HistoryTableModel(history, ["x", "y"])
    view = QTableView()
    qtbot.addWidget(view)
    configure_history_view(view)
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    view.scrollToBottom()
    qtbot.waitExposed(view)
    assert view.rowAt(0) > n - 100  # the end is shown
    assert model.rowCount() == n
    assert text(model, n - 1, 0) == str(n - 1)
    assert text(model, n - 1, 1) == format_cell(history.params[n - 1, 0])
    history.push(0.1, 1.0, np.ones(2), 1.0, np.ones(2), 0)
    for _ in range(100):
        model.refresh()  # no new row after the first: nothing to insert
    assert model.rowCount() == n + 1
    assert not math.isnan(model.data(model.index(n - 1, 6), VALUE_ROLE))


def _block(n: int):
    from gdstudio.engine.history import HistoryBlock

    steps = np.arange(n, dtype=float)
    params = np.column_stack([np.cos(steps / 1000), np.sin(steps / 1000)])
    return HistoryBlock(
        0, params, steps, params * 2, np.full(n, 0.1), np.full(n, 0.01), np.zeros(n, np.int64)
    )


def test_invalid_parent_has_no_children(tested: HistoryTableModel) -> None:
    child_parent = tested.index(0, 0)
    assert tested.rowCount(child_parent) == 0 and tested.columnCount(child_parent) == 0
    assert tested.rowCount(QModelIndex()) == 4
