"""Letters with a hat (m̂, v̂) are drawn in the fixed-width font, the rest as before."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QTextBrowser

from gdstudio.qt.panels.marks import HatFont
from tests.qt.helpers import window  # noqa: F401 - the fixture


def hat_ranges(document) -> list[tuple[int, str]]:
    """``(block number, text)`` of each range the highlighter formats."""
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
    found = []
    block = document.firstBlock()
    while block.isValid():
        for item in block.layout().formats():
            assert item.format.fontFamilies() == [fixed]
            found.append((block.blockNumber(),
                          block.text()[item.start:item.start + item.length]))
        block = block.next()
    return found


def test_only_letters_with_a_hat_get_the_fixed_font(qtbot) -> None:
    view = QPlainTextEdit()
    qtbot.addWidget(view)
    HatFont(view.document())
    view.setPlainText("v₃ = β₂·v₂ + (1 − β₂)·g₂²\n"
                      "v̂₃ = v₃/(1 − β₂³) = 4\n"
                      "x₃ = x₂ − α·m̂₃/(√v̂₃ + ε)")
    assert hat_ranges(view.document()) == [(1, "v̂"), (2, "m̂"), (2, "v̂")]


def test_rich_text_keeps_its_formats(qtbot) -> None:
    view = QTextBrowser()
    qtbot.addWidget(view)
    HatFont(view.document())
    view.setMarkdown("Adam steps by **α·m̂/(√v̂ + ε)**.")
    assert hat_ranges(view.document()) == [(0, "m̂"), (0, "v̂")]
    block = view.document().firstBlock()
    start = block.text().index("m̂")
    bold = block.begin()
    while not bold.atEnd() and not bold.fragment().contains(block.position() + start):
        bold += 1
    assert bold.fragment().charFormat().fontWeight() > 500  # still bold underneath


def test_the_explanation_and_the_lessons_use_it(window) -> None:  # noqa: F811
    assert window.explain_view.document().findChildren(HatFont)
    assert window.lessons.panel.text.document().findChildren(HatFont)
