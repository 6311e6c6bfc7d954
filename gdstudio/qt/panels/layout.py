"""The side panels reflow so that the main plot keeps at least half of a small window.

Wide (the usual desktop): the problem on the left, the loss, rate and parameter traces on
the right, the step log and the explanation below. In a window narrower than
:data:`COMPACT_BELOW` pixels, or in presentation mode (text 1.5× as large) on a screen
where the wide arrangement would leave the main plot less than half the width (below
2160 pixels: a 1280 × 720 or 1920 × 1080 projector), the traces move behind the problem as a
second tab on the left, the left side takes at most a third of the width, and the step
log below gets the width its columns need (:mod:`gdstudio.qt.panels.table_columns`), the
explanation the rest (or, when the log needs more than two thirds, all of it, with the
explanation as a second tab). Crossing the threshold back restores the wide arrangement.

The arrangement only changes when the window crosses the threshold (or the font scale
changes), so a student's own rearranging within one arrangement is left alone.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QTableView

from gdstudio.qt.panels.table_columns import ColumnFitter

__all__ = ["COMPACT_BELOW", "PanelLayout"]

#: Below this window width (pixels, at the normal font size) the panels take the compact
#: arrangement.
COMPACT_BELOW = 1250
_LEFT, _RIGHT = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
_BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
_WIDE_LEFT, _WIDE_RIGHT = 340, 380  # the wide arrangement's panel widths at scale 1


class PanelLayout(QObject):
    """Arranges a main window's four docks for its width and font scale.

    Parameters
    ----------
    window : QMainWindow
        The window; its resizes are watched.
    problem, traces, log, explain : QDockWidget
        The problem editor, the traces, the step log (a dock holding a ``QTableView``)
        and the explanation.
    """

    def __init__(self, window: QMainWindow, problem: QDockWidget, traces: QDockWidget,
                 log: QDockWidget, explain: QDockWidget) -> None:
        super().__init__(window)
        self._window = window
        self._problem, self._traces, self._log, self._explain = problem, traces, log, explain
        self.scale = 1.0
        self._wanted: bool | None = None  # the arrangement last made (None: none yet)
        self._bottom_tabbed = False  # the log and the explanation made tabs by this object
        self._sizing_pending = False
        window.installEventFilter(self)
        fitter = log.widget().findChild(ColumnFitter) if log.widget() is not None else None
        if fitter is not None:  # other columns (a new problem) or a larger font
            fitter.neededChanged.connect(self._widen_log)

    @property
    def compact(self) -> bool:
        """Whether the traces sit behind the problem (the compact arrangement)."""
        return self._traces in self._window.tabifiedDockWidgets(self._problem)

    def wants_compact(self) -> bool:
        """Whether the window is too narrow for the wide arrangement at this font scale.

        In presentation mode (scale above 1) the wide arrangement must leave the main plot
        at least half the width; otherwise below :data:`COMPACT_BELOW` pixels.
        """
        width = self._window.width()
        if self.scale > 1:
            return width < 2 * (_WIDE_LEFT + _WIDE_RIGHT) * self.scale
        return width < COMPACT_BELOW

    def set_scale(self, scale: float) -> None:
        """Font scale of the window (1.5 in presentation mode); rearranges to suit it."""
        changed = scale != self.scale
        self.scale = scale
        self.update(force=changed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Rearrange when the window's width crosses the threshold."""
        if watched is self._window and event.type() == QEvent.Type.Resize:
            self.update()
        return False

    def update(self, force: bool = False) -> None:
        """Make the arrangement the width asks for, if it changed (or ``force``)."""
        wanted = self.wants_compact()
        if wanted == self._wanted and not force:
            return
        self._wanted = wanted
        if wanted:
            self._arrange_compact()
        elif self.compact or force:
            self._arrange_wide()

    # ------------------------------------------------------------------ arrangements
    def _arrange_compact(self) -> None:
        window = self._window
        if not self._problem.isFloating() and window.dockWidgetArea(self._problem) != _LEFT:
            window.addDockWidget(_LEFT, self._problem)
        if not (self._traces.isFloating() or self.compact):
            window.tabifyDockWidget(self._problem, self._traces)
        self._problem.raise_()
        self._size_later()

    def _arrange_wide(self) -> None:
        if self.compact:
            self._window.addDockWidget(_RIGHT, self._traces)
        self._size_later()

    def _size_later(self) -> None:
        # Once the pending font and layout changes are in (the new sizes are measured
        # with the new font, and the docks' new places are laid out).
        if not self._sizing_pending:
            self._sizing_pending = True
            QTimer.singleShot(0, self._size_now)

    def _size_now(self) -> None:
        self._sizing_pending = False
        window = self._window
        needed = self.problem_width()
        if self.compact:
            left = max(needed, min(int(window.width() * 0.34), int(_WIDE_LEFT * self.scale)))
        else:
            left = max(needed, min(int(_WIDE_LEFT * self.scale), window.width() // 3))
            if window.dockWidgetArea(self._traces) == _RIGHT and self._traces.isVisible():
                window.resizeDocks([self._traces], [int(_WIDE_RIGHT * self.scale)],
                                   Qt.Orientation.Horizontal)
        self._size_docks(left)

    def problem_width(self) -> int:
        """The problem panel's width that shows its fields whole (it scrolls up and down)."""
        panel = self._problem.widget()
        content = panel.widget() if isinstance(panel, QScrollArea) else panel
        if content is None:
            return 0
        scroll = panel.verticalScrollBar().sizeHint().width() if content is not panel else 0
        return content.minimumSizeHint().width() + scroll + 2 * panel.frameWidth() + 2

    def _size_docks(self, left: int) -> None:
        window = self._window
        if not self._problem.isFloating():
            window.resizeDocks([self._problem], [left], Qt.Orientation.Horizontal)
        log, explain = self._log, self._explain
        bottom = [d for d in (log, explain)
                  if not d.isFloating() and window.dockWidgetArea(d) == _BOTTOM]
        if len(bottom) < 2:
            return
        room = int(window.width() * 0.68)
        # A log too wide to share the bottom (many variables, large text) gets the whole
        # width, with the explanation as a second tab; back side by side when it fits.
        tab = self.compact and self.log_width() > room
        if tab and not self._bottom_tabbed:
            window.tabifyDockWidget(log, explain)
            log.raise_()
            self._bottom_tabbed = True
        elif not tab and self._bottom_tabbed:
            window.splitDockWidget(log, explain, Qt.Orientation.Horizontal)
            self._bottom_tabbed = False
        if not window.tabifiedDockWidgets(log) and log.isVisible() and explain.isVisible():
            width = min(self.log_width(), room)
            window.resizeDocks(bottom, [width, window.width() - width], Qt.Orientation.Horizontal)

    def _widen_log(self, *_args: object) -> None:
        needed = min(self.log_width(), int(self._window.width() * 0.68))
        if self._log.width() < needed or self._bottom_tabbed:
            self._size_docks(left=self._problem.width())

    def log_width(self) -> int:
        """The step log's width that shows every column whole (no sideways scrolling)."""
        table = self._log.widget()
        if not isinstance(table, QTableView):
            return 0
        fitter = table.findChild(ColumnFitter)
        columns = sum(fitter.minimum_widths()) if fitter is not None else 0
        scroll = table.verticalScrollBar().sizeHint().width()
        return columns + scroll + 2 * table.frameWidth() + 4
