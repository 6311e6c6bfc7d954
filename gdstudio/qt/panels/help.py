"""Help ▸ Quick Start and Help ▸ Keyboard Shortcuts.

The shortcuts table is read from the window's own actions when it opens, so it lists
exactly the keys that work, and the quick start names the keys of the real actions too:
neither can drift from the app.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

__all__ = ["QuickStartDialog", "Shortcut", "ShortcutsDialog", "quick_start_html",
           "shortcuts_of"]


@dataclass(frozen=True)
class Shortcut:
    """One row of the shortcuts table.

    Attributes
    ----------
    keys : str
        The keys, as the platform writes them (several separated by ", ").
    command : str
        What the action is called, with the menu it is in (``"Run ▸ Step"``).
    description : str
        What it does (the action's status tip or tooltip, without the keys).
    action : QAction
        The action itself.
    """

    keys: str
    command: str
    description: str
    action: QAction


def _plain(text: str) -> str:
    """Menu text without its mnemonic ampersands and trailing dots."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…")


def _menu_path(action: QAction) -> str:
    for owner in action.associatedObjects():
        if isinstance(owner, QMenu) and owner.title():
            parents = [_plain(owner.title())]
            outer = owner.menuAction()
            while outer is not None:
                menus = [m for m in outer.associatedObjects()
                         if isinstance(m, QMenu) and m.title()]
                if not menus:
                    break
                parents.insert(0, _plain(menus[0].title()))
                outer = menus[0].menuAction()
            return " ▸ ".join(parents)
    return ""


def _keys(action: QAction) -> str:
    native = QKeySequence.SequenceFormat.NativeText
    return ", ".join(k.toString(native) for k in action.shortcuts() if not k.isEmpty())


def shortcuts_of(window: QWidget) -> list[Shortcut]:
    """Every action of ``window`` that has a keyboard shortcut, sorted by menu.

    Parameters
    ----------
    window : QWidget
        The window whose actions (its children, menus and toolbars included) are read.

    Returns
    -------
    list of Shortcut
        One per action with at least one shortcut, each action once.
    """
    rows: list[Shortcut] = []
    seen: set[int] = set()
    for action in window.findChildren(QAction):
        keys = _keys(action)
        if not keys or id(action) in seen or action.isSeparator():
            continue
        seen.add(id(action))
        menu = _menu_path(action)
        name = _plain(action.text())
        command = f"{menu} ▸ {name}" if menu else name
        tip = action.statusTip() or action.toolTip()
        tip = tip.removesuffix(f" ({action.shortcut().toString()})")
        rows.append(Shortcut(keys, command, "" if _plain(tip) == name else tip, action))
    order = _menu_order(window)
    rows.sort(key=lambda row: order.get(id(row.action), len(order)))
    return rows


def _menu_order(window: QWidget) -> dict[int, int]:
    """Each action's place in the menus, from the menu bar's left, top to bottom."""
    order: dict[int, int] = {}

    def walk(actions: list[QAction]) -> None:
        for action in actions:
            order.setdefault(id(action), len(order))
            if action.menu() is not None:
                walk(action.menu().actions())

    bar = window.menuBar() if hasattr(window, "menuBar") else None
    if bar is not None:
        walk(bar.actions())
    return order


class ShortcutsDialog(QDialog):
    """Help ▸ Keyboard Shortcuts: a table of the window's actions and their keys.

    Parameters
    ----------
    window : QWidget
        The window whose actions are listed (read each time :meth:`refresh` is called).
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        self._window = window
        self.rows: list[Shortcut] = []
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Keys", "Command", "What it does"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        note = QLabel("Space, ← and → act on the run when the focus is not in a text field.",
                      self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Read the window's shortcuts again (menus installed later show up too)."""
        self.rows = shortcuts_of(self._window)
        self.table.setRowCount(len(self.rows))
        for row, shortcut in enumerate(self.rows):
            for column, text in enumerate((shortcut.keys, shortcut.command,
                                           shortcut.description)):
                item = QTableWidgetItem(text)
                if column == 0:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        table = self.table
        width = sum(table.sizeHintForColumn(c) for c in range(table.columnCount()))
        height = sum(table.rowHeight(r) for r in range(table.rowCount()))
        extra = self.sizeHint().height() - table.sizeHint().height()
        self.resize(width + 60, min(900, height + table.horizontalHeader().height() + extra + 30))

    def changeEvent(self, event: QEvent) -> None:
        """Measure the rows again in a new font (presentation mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.refresh()


def quick_start_html(keys: dict[str, str]) -> str:
    """The quick start page (HTML), naming the keys in ``keys``.

    Parameters
    ----------
    keys : dict
        ``"run"``, ``"step"``, ``"back"``, ``"reset"`` and ``"examples"`` → the keys of
        those actions as the platform writes them (missing ones are left out).
    """
    def key(name: str) -> str:
        text = keys.get(name, "")
        return f" (<b>{html.escape(text)}</b>)" if text else ""

    return f"""
<h2>Quick Start</h2>
<p>The window opens with the first tutorial ready: f(x) = x², starting at x = 3.</p>
<ol>
<li><b>Press Run</b>{key("run")} and watch the point roll down the curve. The step log
below lists every step; <i>Explain</i> shows the arithmetic of the latest one.
Press it again to pause.</li>
<li><b>Step through it</b>: <b>Step</b>{key("step")} makes one update,
<b>Back</b>{key("back")} undoes one, exactly. <b>Reset</b>{key("reset")} starts again.
The <b>Speed</b> slider in the toolbar sets how many steps per second a run makes.</li>
<li><b>Change the learning rate</b> under <i>Optimizer</i> and run again: 0.01 crawls,
0.5 jumps straight to the minimum, 0.9 zig-zags, 1.05 diverges. You can change it while
a run is going.</li>
<li><b>Type your own function</b> in <i>Cost function</i>, e.g. <code>x**4 - 3*x**2 + x</code>
or <code>x**2 + 10*y**2</code> for two variables, and press Enter. Click on the plot to
start from another point.</li>
<li><b>Open an example</b> from the <i>Examples</i> menu{key("examples")}: each one says
what to look at — two minima, a saddle, the zig-zag in a narrow valley, Rosenbrock's
banana valley.</li>
<li><b>Fit data</b>: switch the <i>Problem</i> panel from <i>Function</i> to <i>Data</i>,
type or load a table, give a model such as <code>m*x + b</code> and run it: the line
moves towards the points while the loss falls.</li>
</ol>
<p>Help ▸ Keyboard Shortcuts lists every key. View ▸ Preferences has a dark theme and a
presentation mode for projectors.</p>
"""


class QuickStartDialog(QDialog):
    """Help ▸ Quick Start: one page on what to try first.

    Parameters
    ----------
    keys : dict
        The keys of the run controls and the examples (see :func:`quick_start_html`).
    parent : QWidget, optional
        The main window.
    """

    def __init__(self, keys: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickStartDialog")
        self.setWindowTitle("Quick Start")
        self.text = QTextBrowser(self)
        self.text.setObjectName("quickStartText")
        self.text.setAccessibleName("Quick start")
        self.text.setHtml(quick_start_html(keys))
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(640, 470)
