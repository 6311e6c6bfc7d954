"""Help ▸ Quick Start and Help ▸ Keyboard Shortcuts, opened from the real window."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from gdstudio.qt.panels.help import shortcuts_of
from tests.qt.helpers import window

__all__ = ["window"]


def test_help_menu_has_quick_start_shortcuts_and_about(window):
    help_menu = window.registry.menu("help")
    texts = [item.text() for item in help_menu.actions() if not item.isSeparator()]
    assert texts[-3:] == ["&Quick Start", "&Keyboard Shortcuts", "About Gradient Descent Studio"]
    assert "&Lessons…" in texts


def test_quick_start_opens_and_names_the_real_keys(qtbot, window):
    window.registry.action("actionQuickStart").trigger()
    dialog = window.show_quick_start()  # the same dialog, shown again
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.text.toPlainText()
    for words in ("Press Run", "Step", "Back", "learning rate", "Type your own function",
                  "Examples", "Data"):
        assert words in text, words
    native = QKeySequence.SequenceFormat.NativeText
    assert f"({window.action_run.shortcut().toString(native)})" in text
    assert f"({window.action_step_back.shortcut().toString(native)})" in text
    assert f"({window.examples.action_gallery.shortcut().toString(native)})" in text
    dialog.close()


def test_shortcuts_table_lists_every_action_with_a_shortcut(qtbot, window):
    window.registry.action("actionShortcuts").trigger()
    dialog = window.show_shortcuts()
    qtbot.waitUntil(dialog.isVisible)
    expected = {id(a) for a in window.findChildren(QAction) if not a.shortcut().isEmpty()}
    assert {id(row.action) for row in dialog.rows} == expected
    assert len(expected) >= 10  # run controls, help, files, examples, comparisons …
    table = dialog.table
    keys = [table.item(row, 0).text() for row in range(table.rowCount())]
    commands = [table.item(row, 1).text() for row in range(table.rowCount())]
    native = QKeySequence.SequenceFormat.NativeText
    for action in (window.action_run, window.action_step, window.action_reset,
                   window.projects.action_save):
        assert action.shortcut().toString(native) in keys
    assert "Run ▸ Step" in commands and "Run ▸ Compare Optimizers" in commands
    assert "File ▸ Save" in commands
    assert "Help ▸ Keyboard Shortcuts" in commands


def test_a_new_shortcut_shows_up_without_editing_the_table(qtbot, window):
    extra = QAction("Zoom to fit", window)
    extra.setShortcut(QKeySequence("Ctrl+Shift+F"))
    window.addAction(extra)
    dialog = window.show_shortcuts()
    row = next(row for row in shortcuts_of(window) if row.action is extra)
    assert row.command == "Zoom to fit" and row.keys == QKeySequence("Ctrl+Shift+F").toString(
        QKeySequence.SequenceFormat.NativeText)
    assert any(dialog.table.item(r, 1).text() == "Zoom to fit"
               for r in range(dialog.table.rowCount()))
