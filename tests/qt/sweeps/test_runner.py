"""The sweep runner: one job at a time off the UI thread, progress, Cancel, failures."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from gdstudio.qt.sweeps.runner import SweepRunner


@pytest.fixture
def runner(qtbot):
    made = SweepRunner()
    yield made
    made.shutdown()


def test_a_job_runs_off_the_ui_thread_and_reports_progress(qtbot, runner) -> None:
    seen: list[float] = []
    runner.progressed.connect(seen.append)
    ui_thread = QThread.currentThread()

    def job(progress):
        for step in range(1, 5):
            assert progress(step / 4)
        return QThread.currentThread() is not ui_thread

    with qtbot.waitSignal(runner.finished, timeout=10_000) as done:
        runner.start(job)
        assert runner.busy
    assert done.args == [True] and not runner.busy
    qtbot.waitUntil(lambda: seen == [0.25, 0.5, 0.75, 1.0], timeout=10_000)


def test_cancel_is_seen_by_the_job_and_reported(qtbot, runner) -> None:
    asked = threading.Event()

    def job(progress):
        progress(0.0)
        asked.wait(10)
        return progress(0.5)  # False once cancelled

    runner.progressed.connect(lambda _f: (runner.cancel(), asked.set()))
    finished: list[object] = []
    runner.finished.connect(finished.append)
    with qtbot.waitSignal(runner.cancelled, timeout=10_000):
        runner.start(job)
    assert finished == [] and not runner.busy


def test_a_failing_job_says_one_line(qtbot, runner) -> None:
    def bad_input(progress):
        raise ValueError("the step limit must be a whole number of at least 1, not 0")

    with qtbot.waitSignal(runner.failed, timeout=10_000) as failed:
        runner.start(bad_input)
    assert failed.args == ["the step limit must be a whole number of at least 1, not 0"]

    def bug(progress):
        return {}["missing"]

    with qtbot.waitSignal(runner.failed, timeout=10_000) as failed:
        runner.start(bug)
    assert failed.args == ["KeyError: 'missing'"]


def test_a_new_job_replaces_the_one_running(qtbot, runner) -> None:
    release = threading.Event()

    def slow(progress):
        release.wait(10)
        return "old"

    finished: list[object] = []
    runner.finished.connect(finished.append)
    runner.start(slow)
    with qtbot.waitSignal(runner.finished, timeout=10_000):
        runner.start(lambda progress: "new")
        release.set()
    assert finished == ["new"]
