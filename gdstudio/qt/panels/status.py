"""The run's verdict in the status bar, shortened to fit and whole in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStatusBar

__all__ = ["StatusLine"]

#: Said after a shortened sentence: where the whole of it is.
MORE = " — the whole sentence is in Explain"
#: Pixels the status bar keeps for its frame and size grip.
_PADDING = 32


class StatusLine(QObject):
    """Shows a sentence in a status bar, cut at a word with a pointer to Explain if too long.

    A long verdict ("Diverged at step 6 — the loss grew …") used to run off the right edge
    of a small window. The sentence is cut to the bar's width, the tooltip holds it whole,
    and it is cut again when the window is resized.

    Parameters
    ----------
    bar : QStatusBar
        The status bar to write in.
    """

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self._bar = bar
        self._text = ""  # the whole sentence last shown
        self._shown = ""  # what the bar shows for it
        bar.installEventFilter(self)

    @property
    def text(self) -> str:
        """The whole sentence last shown (the bar may show it shortened)."""
        return self._text

    def show(self, text: str) -> None:
        """Show ``text``, shortened to fit the bar's width if it is too long."""
        self._text = text
        self._shown = fitted(text, QFontMetrics(self._bar.font()), self._room())
        self._bar.setToolTip(text if self._shown != text else "")
        self._bar.showMessage(self._shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Cut the sentence again when the bar changes width (if it is still shown)."""
        if (
            event.type() == QEvent.Type.Resize
            and self._text
            and self._bar.currentMessage() == self._shown
        ):
            self.show(self._text)
        return False

    def _room(self) -> int:
        permanent = sum(  # the size grip and the widgets kept at the right
            child.width()
            for child in self._bar.children()
            if child.isWidgetType() and child.isVisible()  # type: ignore[attr-defined]
        )
        return max(self._bar.width() - permanent - _PADDING, 0)


def fitted(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` if it fits ``width`` pixels, otherwise cut at a word and followed by :data:`MORE`.

    Parameters
    ----------
    text : str
        The sentence.
    metrics : QFontMetrics
        The font it is drawn in.
    width : int
        The room, in pixels.

    Returns
    -------
    str
        The sentence, or its longest start that ends at a word and fits with the pointer.
    """
    if metrics.horizontalAdvance(text) <= width:
        return text
    room = width - metrics.horizontalAdvance(" …" + MORE)
    cut = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(room, 0))
    cut = cut.removesuffix("…")
    if " " in cut and not text.startswith(cut + " "):
        cut = cut.rsplit(" ", 1)[0]  # end at a whole word
    cut = cut.rstrip(" ,;:—(")
    if not cut:  # too narrow for any word: the bar cuts the sentence itself
        return text
    return f"{cut} …{MORE}"
