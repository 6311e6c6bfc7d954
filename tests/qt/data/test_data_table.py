"""The data table: cell edits, rows, columns, paste, undo and redo, through real widgets."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QMainWindow, QToolButton

from gdstudio.problems.dataset import Dataset
from gdstudio.problems.table_text import parse_block
from gdstudio.qt.data.editor import DataEditor
from gdstudio.qt.model import StudioModel

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def editor(qtbot):
    """A data editor in a window of its own, with the tutorial's five points."""
    model = StudioModel()
    model.set_data_setting("dataset", Dataset({"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]}))
    model.set_mode("data")
    host = QMainWindow()
    panel = DataEditor(model)
    host.setCentralWidget(panel)
    host.addAction(panel.undo_action)
    host.addAction(panel.redo_action)
    qtbot.addWidget(host)
    host.resize(420, 700)
    host.show()
    host.activateWindow()
    qtbot.waitExposed(host)
    panel.host = host  # keep the window alive with the panel
    return panel


def column(editor: DataEditor, name: str) -> list[float]:
    return editor.model.data.dataset[name].tolist()


def type_into_cell(qtbot, editor: DataEditor, row: int, col: int, text: str) -> None:
    """Select a cell, open its editor with F2, type and press Enter, as a student does
    (the view commits the text and closes the editor on its next event-loop turn)."""
    view = editor.table_view
    view.setFocus()
    view.setCurrentIndex(editor.table_model.index(row, col))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    line = view.findChild(QLineEdit)
    assert line is not None and line.isVisible()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != view.State.EditingState)


def test_edit_a_cell_then_undo_and_redo_with_the_shortcuts(qtbot, editor) -> None:
    type_into_cell(qtbot, editor, 2, 1, "7.5")
    assert column(editor, "y") == [1, 3, 7.5, 7, 9]
    assert editor.table_model.data(editor.table_model.index(2, 1)) == "7.5"
    view = editor.table_view
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert column(editor, "y") == [1, 3, 5, 7, 9]
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert column(editor, "y") == [1, 3, 7.5, 7, 9]
    editor.undo_action.trigger()
    qtbot.keyClick(view, Qt.Key.Key_Y, CTRL)
    assert column(editor, "y") == [1, 3, 7.5, 7, 9]
    assert editor.undo_action.text() == "Undo Edit cell"


def test_text_that_is_not_a_number_is_refused(qtbot, editor) -> None:
    type_into_cell(qtbot, editor, 0, 0, "abc")
    assert column(editor, "x") == [0, 1, 2, 3, 4]
    assert "row 1, column 'x'" in editor.message_label.text()
    assert editor.message_label.isVisible()
    assert not editor.undo_stack.canUndo()


def test_paste_a_block_from_a_spreadsheet_grows_the_table_and_undoes_at_once(
        qtbot, editor) -> None:
    view = editor.table_view
    view.setFocus()
    view.setCurrentIndex(editor.table_model.index(3, 0))
    QGuiApplication.clipboard().setText("10\t20\n30\t40\n50\t60\n")
    qtbot.keyClick(view, Qt.Key.Key_V, CTRL)
    assert column(editor, "x") == [0, 1, 2, 10, 30, 50]
    assert column(editor, "y") == [1, 3, 5, 20, 40, 60]
    assert editor.table_model.rowCount() == 6
    editor.undo_action.trigger()  # the whole paste is one step
    assert column(editor, "x") == [0, 1, 2, 3, 4] and column(editor, "y") == [1, 3, 5, 7, 9]


def test_paste_with_a_header_adds_named_columns(editor) -> None:
    editor.table_model.paste_text(0, 1, "y\tz\n1\t2\n3\t4\n")
    assert editor.model.data.dataset.names == ("x", "y", "z")
    assert column(editor, "z") == [2, 4, 0, 0, 0]
    assert column(editor, "y") == [1, 3, 5, 7, 9]


def test_a_bad_paste_changes_nothing_and_says_where(editor) -> None:
    before = editor.model.data.dataset
    assert not editor.table_model.paste_text(0, 0, "1\t2\n3\tabc\n")
    assert editor.model.data.dataset is before
    assert "line 2, value 2: 'abc' is not a number" in editor.message_label.text()


def test_delete_key_removes_the_selected_rows_and_undo_puts_them_back(qtbot, editor) -> None:
    view = editor.table_view
    view.setFocus()
    model = editor.table_model
    selection = view.selectionModel()
    for row in (1, 3):
        selection.select(model.index(row, 0), selection.SelectionFlag.Select)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert column(editor, "x") == [0, 2, 4]
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert column(editor, "x") == [0, 1, 2, 3, 4] and column(editor, "y") == [1, 3, 5, 7, 9]


def test_rows_and_columns_added_removed_and_renamed(qtbot, editor) -> None:
    view = editor.table_view
    view.setCurrentIndex(editor.table_model.index(0, 1))
    qtbot.mouseClick(editor.findChild(QToolButton, "addRowButton"), Qt.MouseButton.LeftButton)
    assert column(editor, "x") == [0, 0, 1, 2, 3, 4]
    qtbot.mouseClick(editor.findChild(QToolButton, "addColumnButton"), Qt.MouseButton.LeftButton)
    assert editor.model.data.dataset.names == ("x", "y", "x1")
    table = editor.table_model
    assert table.rename_column(2, "w")
    assert not table.rename_column(2, "y")  # taken
    assert not table.rename_column(2, "two words")
    assert editor.model.data.dataset.names == ("x", "y", "w")
    assert table.remove_column(2)
    assert editor.model.data.dataset.names == ("x", "y")
    for _ in range(4):
        editor.undo_action.trigger()
    assert editor.model.data.dataset.names == ("x", "y")
    assert column(editor, "x") == [0, 1, 2, 3, 4]


def test_the_last_row_cannot_be_removed(editor) -> None:
    assert not editor.table_model.remove_rows(range(5))
    assert "at least one row" in editor.message_label.text()
    assert editor.model.data.dataset.n_rows == 5


def test_a_table_from_elsewhere_replaces_the_view_and_clears_the_undo_history(editor) -> None:
    editor.table_model.set_values([0], [1], [[2.0]], "Edit cell")
    assert editor.undo_stack.canUndo()
    editor.model.set_data_setting("dataset", Dataset({"t": [1.0, 2.0], "y": [3.0, 4.0]}))
    assert editor.table_model.columnCount() == 2 and editor.table_model.rowCount() == 2
    assert editor.table_model.headerData(0, Qt.Orientation.Horizontal) == "t"
    assert not editor.undo_stack.canUndo()
    assert editor.summary_label.text() == "2 rows × 2 columns"


def test_parse_block_reads_spreadsheet_text() -> None:
    header, block = parse_block("a;b\r\n1;2\r\n")
    assert header == ["a", "b"] and block.tolist() == [[1.0, 2.0]]
    assert parse_block("1 2\n3 4")[1].tolist() == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="line 2 has 1 values but line 1 has 2"):
        parse_block("1\t2\n3\n")
    with pytest.raises(ValueError, match="no text"):
        parse_block("\n\n")


def test_a_hundred_thousand_rows_edit_and_scroll_quickly(qtbot, editor) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 4, 100_000)
    editor.model.set_data_setting("dataset", Dataset({"x": x, "y": 2 * x + 1}))
    view = editor.table_view
    for row in (0, 50_000, 99_999):
        editor.table_model.set_values([row], [1], [[float(row)]], "Edit cell")
    view.scrollToBottom()
    view.viewport().repaint()
    assert view.rowAt(view.viewport().height() - 1) in (99_999, -1)
    assert view.rowAt(0) > 99_000  # the end is shown
    view.scrollToTop()
    view.viewport().repaint()
    assert view.rowAt(0) == 0
    assert editor.model.data.dataset["y"][50_000] == 50_000.0
    editor.undo_action.trigger()
    assert editor.model.data.dataset["y"][99_999] == pytest.approx(2 * x[99_999] + 1)
    # How fast (edit, scroll): benchmarks/bench_data_mode.py
