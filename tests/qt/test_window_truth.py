"""What the window shows is what is happening (issue 11, section 4).

The real window, driven as a student drives it: the main plot follows every step at a
slow pace, a typed learning rate is the one used, the side plots fit the current run and
changing the theme prints nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QTableView

from gdstudio.qt.window import SPEEDS, MainWindow
from tests.qt.helpers import WAIT, window

__all__ = ["window"]


def rows(studio: MainWindow) -> int:
    return studio.findChild(QTableView, "historyTable").model().rowCount()


def point_x(studio: MainWindow) -> float | None:
    xs = studio.function_plot._point.xData
    return None if xs is None or len(xs) == 0 else float(xs[0])


# ------------------------------------------------------------------ the main plot
@pytest.mark.parametrize("speed", [2, 5])
def test_main_plot_shows_every_step_at_a_slow_pace(qtbot, window, speed) -> None:
    seen: list[tuple[int, float, float | None]] = []

    def after_the_window(_old_length: int) -> None:
        # Connected after the window's own slot: what the plot shows once it has drawn.
        history = window.session.history
        seen.append((len(history), float(history.params[-1, 0]), point_x(window)))

    window.session.historyChanged.connect(after_the_window)
    window.speed_slider.setValue(SPEEDS.index(speed))
    window.run()
    for step in range(1, 5):
        qtbot.waitUntil(lambda s=step: len(window.session.history) > s, timeout=WAIT)
        qtbot.waitUntil(
            lambda s=step: (
                point_x(window) is not None
                and point_x(window) <= window.session.history.params[s, 0]
            ),
            timeout=WAIT,
        )
    window.session.historyChanged.disconnect(after_the_window)
    window.session.pause()
    running = [entry for entry in seen if entry[0] > 1]
    assert len(running) >= 4
    for length, newest, shown in running:
        assert shown == pytest.approx(newest), f"step {length - 1}: plot shows {shown}"
    assert np.isclose(window.session.history.params[1, 0], 2.4)
