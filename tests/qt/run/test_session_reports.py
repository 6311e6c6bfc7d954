"""While a run streams in, the window asks the worker for about two reports per frame."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.problems.experiment import Experiment
from gdstudio.qt.run.session import RunSession
from gdstudio.qt.run.worker import FULL_SPEED, LONGEST_REPORT_INTERVAL, REPORT_INTERVAL


@pytest.fixture
def session(qtbot):
    experiment = Experiment.function("x**2", start={"x": 3.0}, lr=1e-7, max_iter=10**7)
    session = RunSession()
    session.set_speed(FULL_SPEED)
    session.start(experiment.objective(), np.array([3.0]), experiment.settings)
    asked: list[float] = []
    controller = session._controller
    real = controller.set_report_interval
    controller.set_report_interval = lambda seconds: (asked.append(seconds), real(seconds))
    session.asked = asked
    yield session
    session.shutdown()


def frame_at(session: RunSession, now: float) -> None:
    """What drawing a frame at ``now`` (perf_counter) tells the worker."""
    session._pace_reports(now)
    session._frame_began = (now, 0.0)


def test_frames_far_apart_ask_for_fewer_reports_and_run_starts_afresh(qtbot, session) -> None:
    session.play()
    qtbot.waitUntil(lambda: session.playing and len(session.history) > 100, timeout=5000)
    began = session._streaming_since
    # The window's own frames drew meanwhile, at real times; start from a known frame.
    session._frame_began = (began + 0.999, 0.0)
    frame_at(session, began + 1.0)
    frame_at(session, began + 1.3)  # 0.3 s between frames: a report every 0.15 s
    assert session.asked[-1] == pytest.approx(0.15)
    asked = len(session.asked)
    frame_at(session, began + 1.61)  # about the same: not asked again
    assert len(session.asked) == asked
    frame_at(session, began + 3.61)  # 2 s: capped, what is shown is at most 0.25 s old
    assert session.asked[-1] == LONGEST_REPORT_INTERVAL
    frame_at(session, began + 3.63)  # frames as fast as they come: the shortest interval
    assert session.asked[-1] == REPORT_INTERVAL
    session.pause()
    qtbot.waitUntil(lambda: not session.playing, timeout=5000)
    assert len(session.history) == session.report.step_count + 1  # every row, at once
    assert session._report_interval == REPORT_INTERVAL  # as the worker's next Run starts
    asked = len(session.asked)
    frame_at(session, began + 10.0)  # a paused window's frames ask for nothing
    assert len(session.asked) == asked
