"""Table columns that share the width but never cut a title or a number.

Qt's stretching columns squeeze every column alike, so a narrow step log shows
"earning rate" and "0.00237…". :class:`ColumnFitter` gives each column at least the width
of its title and of the widest number it can show (measured with the table's font, so
presentation mode's larger text is measured too), shares what is left, and lets the
table scroll sideways when even that does not fit.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView

__all__ = ["ColumnFitter", "needed_width"]


def needed_width(view: QTableView, column: int, samples: tuple[str, ...]) -> int:
    """Pixels column ``column`` of ``view`` needs to show its title and ``samples`` whole.

    Parameters
    ----------
    view : QTableView
        The table (its model gives the title, its fonts measure the text).
    column : int
        The column.
    samples : tuple of str
        The widest texts its cells can hold.
    """
    header = view.horizontalHeader()
    title = str(view.model().headerData(column, Qt.Orientation.Horizontal) or "")
    style = view.style()
    header_margin = 2 * style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    cell_margin = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
    title_width = header.fontMetrics().horizontalAdvance(title) + header_margin + 6
    cell_width = max((view.fontMetrics().horizontalAdvance(text) for text in samples), default=0)
    return max(title_width, cell_width + cell_margin + 6)


class ColumnFitter(QObject):
    """Keeps the columns of ``view`` wide enough for their titles and numbers.

    Parameters
    ----------
    view : QTableView
        The table; its horizontal header is switched to fixed sections that this object
        sizes whenever the table, its font or its columns change.
    samples : callable
        ``samples(column)`` → the widest texts that column can show.

    Signals
    -------
    neededChanged(int)
        The total width the columns need changed (a new font or other columns).
    """

    neededChanged = Signal(int)

    def __init__(self, view: QTableView, samples: Callable[[int], tuple[str, ...]]) -> None:
        super().__init__(view)
        self._view = view
        self._samples = samples
        self._model = None
        self.needed = 0
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.horizontalHeader().setStretchLastSection(False)
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)
        self._watch_model()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Refit on resizes and font or style changes (presentation mode)."""
        kind = event.type()
        if kind in (QEvent.Type.Resize, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()
        elif kind == QEvent.Type.Polish and watched is self._view:
            self._watch_model()
        return False

    def _watch_model(self) -> None:
        model = self._view.model()
        if model is None or model is self._model:
            return
        self._model = model
        for signal in (model.modelReset, model.headerDataChanged, model.columnsInserted,
                       model.columnsRemoved):
            signal.connect(self.fit)
        self.fit()

    def minimum_widths(self) -> list[int]:
        """The width each column needs now."""
        model = self._view.model()
        count = model.columnCount() if model is not None else 0
        return [needed_width(self._view, c, self._samples(c)) for c in range(count)]

    def fit(self, *_args: object) -> None:
        """Size the columns: their needs, and the spare width shared out evenly."""
        self._watch_model()
        widths = self.minimum_widths()
        if sum(widths) != self.needed:
            self.needed = sum(widths)
            self.neededChanged.emit(self.needed)
        if not widths:
            return
        spare = max(0, self._view.viewport().width() - sum(widths))
        header = self._view.horizontalHeader()
        share, extra = divmod(spare, len(widths))
        for column, width in enumerate(widths):
            header.resizeSection(column, width + share + (1 if column < extra else 0))
