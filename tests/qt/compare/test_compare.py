"""Compare mode: several optimizers on one problem, paused, stepped and reset together."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QThread
from shiboken6 import isValid

from gdstudio.api import descend
from gdstudio.qt.compare.plots import RUN_COLOURS
from gdstudio.qt.compare.window import CompareWindow, default_runs, run_label
from tests.qt.helpers import WAIT, settle, wait_for_problem, window

__all__ = ["window"]

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"


@pytest.fixture
def compare(qtbot, window):
    assert window.examples.open_example("rosenbrock")
    wait_for_problem(qtbot, window, ROSENBROCK)
    window.registry.action("actionCompare").trigger()
    opened = window.comparisons.windows[-1]
    qtbot.waitUntil(lambda: all(s.active and s.report is not None for s in opened.sessions),
                    timeout=WAIT)
    yield opened
    if isValid(opened):  # the test may have closed it (it deletes itself on close)
        opened.close()


def rows(compare: CompareWindow) -> list[int]:
    for session in compare.sessions:
        session.flush()
    return [len(session.history) for session in compare.sessions]


def test_opens_with_gd_momentum_and_adam_from_the_windows_problem(compare):
    assert [run.optimizer for run in compare.runs] == ["gd", "momentum", "adam"]
    assert compare.runs == default_runs(compare.parent().model.run_settings())
    assert [run.learning_rate for run in compare.runs] == [0.001, 0.001, 0.01]
    assert rows(compare) == [1, 1, 1]
    for session in compare.sessions:
        np.testing.assert_array_equal(session.history.params[0], [-1.5, 2.0])
    assert compare.table.table.rowCount() == 3
    labels = [compare.loss_plot.plotItem.legend.items[i][1].text for i in range(3)]
    assert labels == [run_label(run) for run in compare.runs]
    pens = [curve.opts["pen"].color().name().upper() for curve in compare.loss_plot._curves]
    assert pens == [colour.upper() for colour in RUN_COLOURS[:3]] and len(set(pens)) == 3


def test_step_advances_every_run_by_exactly_one_update(qtbot, compare):
    for expected in (2, 3, 4):
        compare.registry.action("compareStep").trigger()
        qtbot.waitUntil(lambda n=expected: rows(compare) == [n, n, n], timeout=WAIT)
    for run, session in zip(compare.runs, compare.sessions, strict=True):
        settle(qtbot, session, run.learning_rate)  # nothing more was on its way
    assert rows(compare) == [4, 4, 4]
    for run, session in zip(compare.runs, compare.sessions, strict=True):  # the real numbers
        headless = descend(ROSENBROCK, {"x": -1.5, "y": 2.0}, optimizer=run.optimizer,
                           lr=run.learning_rate, max_iter=3)
        np.testing.assert_array_equal(session.history.params, headless.history.params)


def test_run_keeps_lock_step_and_pause_stops_all_at_the_same_step(qtbot, compare):
    compare.speed_slider.setValue(compare.speed_slider.maximum())
    compare.registry.action("compareRun").trigger()
    qtbot.waitUntil(lambda: min(rows(compare)) > 4000, timeout=WAIT)
    compare.registry.action("comparePause").trigger()
    qtbot.waitUntil(lambda: not compare._awaiting, timeout=WAIT)
    counts = rows(compare)
    assert len(set(counts)) == 1, counts  # all at step k together
    assert all(not session.playing for session in compare.sessions)


def test_runs_to_the_end_together_and_reset_brings_all_back(qtbot, compare):
    compare.speed_slider.setValue(compare.speed_slider.maximum())
    compare.play()
    qtbot.waitUntil(lambda: not compare.playing, timeout=60_000)
    assert rows(compare) == [20_001] * 3
    losses = [float(session.history.loss[-1]) for session in compare.sessions]
    assert losses[1] < 1e-20 and losses[2] < losses[0]  # momentum and Adam beat plain GD
    compare.registry.action("compareReset").trigger()
    qtbot.waitUntil(lambda: rows(compare) == [1, 1, 1], timeout=WAIT)
    assert [s.report.step_count for s in compare.sessions] == [0, 0, 0]


def test_runs_can_be_added_changed_and_removed(qtbot, compare):
    compare.table.add_button.click()
    qtbot.waitUntil(lambda: len(compare.sessions) == 4 and rows(compare) == [1] * 4,
                    timeout=WAIT)
    assert compare.runs[3].optimizer == "nesterov"
    compare.table.table.cellWidget(3, 2).setValue(0.0005)
    assert (compare.runs[3].optimizer, compare.runs[3].learning_rate) == ("nesterov", 0.0005)
    compare.table.table.setCurrentCell(0, 0)
    compare.table.remove_button.click()
    assert [run.optimizer for run in compare.runs] == ["momentum", "adam", "nesterov"]
    qtbot.waitUntil(lambda: len(compare.sessions) == 3 and all(s.active for s in compare.sessions),
                    timeout=WAIT)
    compare.step()
    qtbot.waitUntil(lambda: rows(compare) == [2, 2, 2], timeout=WAIT)


def test_closing_stops_every_worker_thread(qtbot, window, compare):
    compare.speed_slider.setValue(compare.speed_slider.maximum())
    compare.play()
    qtbot.waitUntil(lambda: min(rows(compare)) > 100, timeout=WAIT)
    threads = [session._controller._thread for session in compare.sessions]
    compare.close()
    assert all(isinstance(t, QThread) and t.isFinished() for t in threads)
    assert all(not session.active for session in compare.sessions)


def test_closing_the_main_window_closes_its_comparisons(qtbot, window, compare):
    compare.play()
    threads = [session._controller._thread for session in compare.sessions]
    window.close()
    assert all(thread.isFinished() for thread in threads)
