"""Switching the theme with every part of the window made prints nothing: no pyqtgraph
"ViewBox already deleted" traceback, no Qt warning, on stdout, stderr or Qt's log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QtMsgType
from shiboken6 import isValid

from gdstudio.qt.preferences import Preferences, apply_application_theme
from tests.qt.data.test_data_mode import wait_for_data
from tests.qt.helpers import WAIT, wait_for_problem, window
from tests.qt.lessons.test_lessons_dock import wait_for_page

__all__ = ["window"]

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
# The offscreen platform's note about window sizes: not a problem of the window.
PLATFORM_NOTES = ("This plugin does not support propagateSizeHints()",)


@pytest.fixture(autouse=True)
def platform_look_restored() -> Iterator[None]:
    yield
    apply_application_theme(Preferences())


def switch_themes(qtbot, window, themes: tuple[str, ...]) -> None:
    dialog = window.preferences.show_dialog()
    try:
        for theme in themes:
            dialog.theme_buttons[theme].click()
            assert window.preferences.preferences.theme == theme
            window.grab()  # paint every plot of the window in the new theme
            for compare in window.comparisons.windows:
                if isValid(compare):
                    compare.grab()
            qtbot.waitUntil(lambda: not window.traces.loss_plot._timer.isActive(),
                            timeout=WAIT)
    finally:
        dialog.close()


def assert_nothing_printed(capfd, qtlog) -> None:
    printed = capfd.readouterr()
    for text in (printed.out, printed.err):
        assert "Traceback" not in text and "already deleted" not in text, text
        assert "Error" not in text, text
    messages = [record.message for record in qtlog.records
                if record.type != QtMsgType.QtDebugMsg
                and not record.message.startswith(PLATFORM_NOTES)]
    assert messages == []


def test_theme_switches_with_every_part_made_print_nothing(qtbot, window, capfd, qtlog):
    # The two-variable page with its 3-D choice (the map stays where OpenGL cannot start).
    assert window.examples.open_example("rosenbrock")
    wait_for_problem(qtbot, window, ROSENBROCK)
    window.contour_page.set_layout("both")
    window.action_step.trigger()
    qtbot.waitUntil(lambda: len(window.session.history) == 2, timeout=WAIT)
    # A comparison window beside it.
    window.registry.action("actionCompare").trigger()
    compare = window.comparisons.windows[-1]
    qtbot.waitUntil(lambda: all(s.active and s.report is not None for s in compare.sessions),
                    timeout=WAIT)
    # The lessons dock, with a lesson's own problem.
    assert window.lessons.open_builtin("slope")
    wait_for_page(qtbot, window)
    assert window.lessons.dock.isVisible()
    capfd.readouterr()
    switch_themes(qtbot, window, ("dark", "light", "dark"))
    # Data mode: its page and plots are made, then themed.
    window.editor.mode_switch.buttons["data"].click()
    wait_for_data(qtbot, window, ("b",))
    switch_themes(qtbot, window, ("light", "dark", "light"))
    window.editor.mode_switch.buttons["function"].click()
    qtbot.waitUntil(lambda: window.session.active and window.model.mode == "function",
                    timeout=WAIT)
    switch_themes(qtbot, window, ("dark", "light"))
    compare.close()
    switch_themes(qtbot, window, ("dark", "light"))  # after the comparison is gone
    assert_nothing_printed(capfd, qtlog)
