"""The run's verdict in the status bar: cut at a word to fit, whole in the tooltip and Explain."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QDoubleSpinBox, QStatusBar

from gdstudio.qt.panels.status import MORE, StatusLine, fitted
from tests.qt.helpers import WAIT, window  # noqa: F401  (a fixture)

SENTENCE = (
    "Diverged at step 6 — the loss grew from 9 to 4.1e+03 by step 6 — each step overshoots "
    "the minimum by more than the last, so the learning rate is too large for this function"
)


def metrics() -> QFontMetrics:
    return QFontMetrics(QFont())


def test_a_sentence_that_fits_is_shown_whole(qtbot) -> None:
    assert fitted("Converged at step 40", metrics(), 2000) == "Converged at step 40"


def test_a_long_sentence_ends_at_a_whole_word_and_points_to_explain(qtbot) -> None:
    width = metrics().horizontalAdvance(SENTENCE) // 2
    cut = fitted(SENTENCE, metrics(), width)
    assert cut.endswith(" …" + MORE)
    start = cut.removesuffix(" …" + MORE)
    assert SENTENCE.startswith(start + " ")  # a whole word, not "overs…"
    assert metrics().horizontalAdvance(cut) <= width
    assert len(start) > 20


def test_a_bar_too_narrow_for_any_word_gets_the_sentence_to_cut_itself(qtbot) -> None:
    assert fitted(SENTENCE, metrics(), 10) == SENTENCE


def bar_showing_the_sentence(qtbot) -> tuple[QStatusBar, StatusLine]:
    """A 400-pixel status bar on screen whose line shows :data:`SENTENCE`."""
    bar = QStatusBar()
    qtbot.addWidget(bar)
    bar.resize(400, 30)
    bar.show()
    line = StatusLine(bar)
    line.show(SENTENCE)
    return bar, line


def test_the_status_line_keeps_the_whole_sentence_in_the_tooltip(qtbot) -> None:
    bar, line = bar_showing_the_sentence(qtbot)
    assert line.text == SENTENCE
    assert bar.currentMessage().endswith(MORE) and bar.toolTip() == SENTENCE
    bar.resize(metrics().horizontalAdvance(SENTENCE) + 200, 30)  # wide enough again
    qtbot.waitUntil(lambda: bar.currentMessage() == SENTENCE)
    assert bar.toolTip() == ""


def test_another_message_is_not_replaced_on_resize(qtbot) -> None:
    bar, _line = bar_showing_the_sentence(qtbot)  # the line stays alive, listening
    bar.showMessage("Saved tutorial.gdstudio.")
    bar.resize(300, 30)
    qtbot.waitUntil(lambda: bar.width() == 300)
    assert bar.currentMessage() == "Saved tutorial.gdstudio."


def test_a_small_window_cuts_the_verdict_and_explain_has_it_whole(qtbot, window) -> None:  # noqa: F811
    window.resize(1024, 700)
    window.findChild(QDoubleSpinBox, "learningRateSpin").setValue(1.5)
    window.registry.action("actionRun").trigger()
    qtbot.waitUntil(lambda: window.session.report.status == "diverged", timeout=WAIT)
    qtbot.waitUntil(lambda: window.status_line.text.startswith("Diverged"), timeout=WAIT)
    whole = window.status_line.text
    shown = window.statusBar().currentMessage()
    assert "α = 1.5 is above the stable limit" in whole
    assert QFontMetrics(window.statusBar().font()).horizontalAdvance(whole) > (
        window.statusBar().width())  # too long for this window
    assert shown.endswith(MORE) and whole.startswith(shown.removesuffix(" …" + MORE))
    assert window.statusBar().toolTip() == whole
    qtbot.waitUntil(lambda: window.explain_view.toPlainText().startswith(whole), timeout=WAIT)


def test_huge_losses_are_written_on_the_ticks_not_in_the_axis_title(qtbot, window) -> None:  # noqa: F811
    window.findChild(QDoubleSpinBox, "learningRateSpin").setValue(1.5)
    window.registry.action("actionRun").trigger()
    qtbot.waitUntil(lambda: window.session.report.status == "diverged", timeout=WAIT)
    axis = window.traces.loss_plot.plotItem.getAxis("left")
    qtbot.waitUntil(lambda: axis.range[1] > 1e3, timeout=WAIT)
    assert "1e" not in axis.labelString()  # no "(x1e+03)" for a short plot to cut
