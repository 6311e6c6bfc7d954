"""Hats that sit on their letter: m̂ and v̂ drawn in a font that places the accent right.

The explanation of Adam's step writes the bias-corrected moments m̂ and v̂ with the
combining circumflex (U+0302). DejaVu Sans — the usual sans-serif font on Linux, where
most students run the packaged app — has that accent's anchor wrong under Qt: each hat
was drawn a line or two above its letter, over other words ("v₃ = …" gained a hat, the
hats of "m̂/(√v̂ + ε)" vanished). Other combining accents, and the fixed-width system
font, place it right. :class:`HatFont` gives every letter that carries a circumflex the
fixed-width font, in any text view (plain or rich), without changing the text.
"""

from __future__ import annotations

import re

from PySide6.QtGui import (
    QFontDatabase,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)

__all__ = ["HAT", "HatFont"]

#: A letter (or digit) followed by one or more combining circumflexes.
HAT = re.compile(r"\w\u0302+")


class HatFont(QSyntaxHighlighter):
    """Draws each letter with a combining circumflex in the fixed-width system font.

    Parameters
    ----------
    document : QTextDocument
        The document of a ``QPlainTextEdit``, ``QTextEdit`` or ``QTextBrowser``; the
        highlighter lives as long as the document.
    """

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._format = QTextCharFormat()
        self._format.setFontFamilies([fixed.family()])

    def highlightBlock(self, text: str) -> None:
        """Give the letters with a hat in ``text`` (one paragraph) the fixed-width font."""
        for match in HAT.finditer(text):
            self.setFormat(match.start(), match.end() - match.start(), self._format)
