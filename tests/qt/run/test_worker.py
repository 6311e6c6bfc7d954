"""The worker on its thread: controls applied once, in order, and every row delivered."""

import random

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication

from gdstudio.engine import Descent, History, StoppingRules
from gdstudio.qt.run import worker as worker_module
from gdstudio.qt.run.worker import FULL_SPEED, RunController, WorkerReport
from tests.engine.quadratics import Quadratic


class Mirror:
    """What a window does with reports: replay blocks into its own history."""

    def __init__(self, controller: RunController) -> None:
        self.history = History(len(controller.param_names))
        self.reports: list[WorkerReport] = []
        self.errors: list[str] = []
        controller.reported.connect(self.receive)
        controller.failed.connect(self.errors.append)

    def receive(self, report: WorkerReport) -> None:
        if report.block is not None:
            assert report.block.start <= len(self.history), "a block skipped rows"
            self.history.write_block(report.block)
            assert len(self.history) == report.step_count + 1
        self.reports.append(report)

    @property
    def last(self) -> WorkerReport:
        return self.reports[-1]


@pytest.fixture
def make_run(qtbot):
    controllers: list[RunController] = []

    def make(lr: float = 0.1, max_iter: int = 100, names=("x",), start=(3.0,), **rules):
        descent = Descent(Quadratic(names), list(start), lr=lr,
                          stopping=StoppingRules(max_iter=max_iter, **rules))
        controller = RunController(descent)
        controllers.append(controller)
        mirror = Mirror(controller)
        mirror.history.write_block(descent.history.tail(0))
        qtbot.waitUntil(lambda: len(mirror.reports) >= 1)  # the worker has started
        return controller, mirror, descent

    yield make
    for controller in controllers:
        assert controller.shutdown()


def test_play_runs_the_tutorial_to_convergence(qtbot, make_run) -> None:
    controller, mirror, _ = make_run(max_iter=100, tol_step=1e-4)
    controller.play()
    qtbot.waitUntil(lambda: mirror.last.status == "converged", timeout=5000)
    assert len(mirror.history) == 41 and not mirror.last.playing
    np.testing.assert_allclose(mirror.history.params[:, 0], 3 * 0.8 ** np.arange(41))
    assert not mirror.errors


def test_step_adds_exactly_one_row_and_step_back_removes_it(qtbot, make_run) -> None:
    controller, mirror, _ = make_run()
    for expected in (2, 3, 4):
        with qtbot.waitSignal(controller.reported):
            controller.step()
        assert len(mirror.history) == expected
    with qtbot.waitSignal(controller.reported):
        controller.step_back()
    assert len(mirror.history) == 3 and np.isnan(mirror.history.lr[-1])
    np.testing.assert_allclose(mirror.history.params[:, 0], [3, 2.4, 1.92])
    with qtbot.waitSignal(controller.reported):
        controller.step()
    np.testing.assert_allclose(mirror.history.params[:, 0], [3, 2.4, 1.92, 1.536])


def test_pause_stops_the_log_growing(qtbot, make_run) -> None:
    controller, mirror, _ = make_run(lr=1e-6, max_iter=10**7)
    controller.play()
    qtbot.waitUntil(lambda: len(mirror.history) > 1000, timeout=5000)
    with qtbot.waitSignal(controller.reported, check_params_cb=lambda r: not r.playing):
        controller.pause()
    paused_at = len(mirror.history)
    # A step proves the worker is alive and has processed everything queued before it.
    with qtbot.waitSignal(controller.reported):
        controller.step()
    assert len(mirror.history) == paused_at + 1


def test_learning_rate_change_mid_run_is_recorded(qtbot, make_run) -> None:
    controller, mirror, _ = make_run(lr=0.001, max_iter=10**7)
    controller.set_speed(200)
    controller.play()
    qtbot.waitUntil(lambda: len(mirror.history) > 5, timeout=5000)
    controller.set_learning_rate(0.002)
    qtbot.waitUntil(lambda: mirror.last.next_learning_rate == 0.002, timeout=5000)
    changed_at = mirror.last.step_count
    qtbot.waitUntil(lambda: len(mirror.history) > changed_at + 5, timeout=5000)
    controller.pause()
    qtbot.waitUntil(lambda: not mirror.last.playing)
    rates = mirror.history.lr[:-1]
    assert set(np.unique(rates)) == {0.001, 0.002}
    switch = int(np.argmax(rates == 0.002))
    assert np.all(rates[:switch] == 0.001) and np.all(rates[switch:] == 0.002)


def test_slow_speed_makes_one_step_per_report(qtbot, make_run) -> None:
    controller, mirror, _ = make_run(max_iter=1000)
    controller.set_speed(50)
    controller.play()
    qtbot.waitUntil(lambda: len(mirror.history) >= 6, timeout=5000)
    controller.pause()
    blocks = [r.block for r in mirror.reports if r.block is not None]
    assert all(len(block) == 2 for block in blocks)  # completed row + the new one


def test_rapid_random_controls_never_lose_or_repeat_a_step(qtbot, make_run) -> None:
    controller, mirror, descent = make_run(lr=0.01, max_iter=3000, names=("x", "y"),
                                           start=(2.0, -1.0))
    generator = random.Random(4)
    actions = [controller.play, controller.pause, controller.step, controller.step_back,
               lambda: controller.set_learning_rate(generator.choice([0.005, 0.01, 0.02])),
               lambda: controller.set_speed(generator.choice([FULL_SPEED, 500, 30]))]
    for _ in range(400):
        generator.choice(actions)()
        if generator.random() < 0.1:  # let the worker tick between some of the calls
            with qtbot.waitSignal(controller.reported, timeout=5000):
                controller.set_learning_rate(generator.choice([0.005, 0.01, 0.02]))
    controller.pause()
    qtbot.waitUntil(lambda: not mirror.last.playing, timeout=5000)
    with qtbot.waitSignal(controller.reported):
        controller.step()  # every earlier call has been processed once this one is
    assert controller.shutdown()
    QCoreApplication.processEvents()  # reports posted before the thread ended
    assert not mirror.errors
    engine = descent.history
    assert len(mirror.history) == len(engine)
    for name in ("params", "loss", "grad", "lr", "step_size"):
        np.testing.assert_array_equal(getattr(mirror.history, name), getattr(engine, name))


def test_an_exception_in_the_objective_is_reported_not_lost(qtbot) -> None:
    class Broken(Quadratic):
        def value_and_grad(self, params, batch=None):
            if params[0] < 2:
                raise RuntimeError("boom")
            return super().value_and_grad(params, batch)

    controller = RunController(Descent(Broken(("x",)), [3.0], lr=0.1))
    try:
        with qtbot.waitSignal(controller.failed, timeout=5000) as blocker:
            controller.play()
        assert "boom" in blocker.args[0]
    finally:
        assert controller.shutdown()


def test_shutdown_during_a_full_speed_run_is_clean(qtbot, make_run) -> None:
    controller, mirror, _ = make_run(lr=1e-9, max_iter=10**7)
    controller.play()
    qtbot.waitUntil(lambda: len(mirror.history) > 100, timeout=5000)
    assert controller.shutdown(timeout_ms=2000)
    assert controller.closed and controller.shutdown()
    controller.play()  # ignored after shutdown, no error


def test_a_playing_run_explains_now_and_then_and_every_stop(qtbot, make_run,
                                                            monkeypatch) -> None:
    monkeypatch.setattr(worker_module, "EXPLAIN_INTERVAL", 1e9)  # not again while playing
    controller, mirror, _ = make_run(max_iter=10_000_000)
    assert mirror.reports[0].explanation  # the start, paused
    controller.set_speed(FULL_SPEED)
    controller.play()
    qtbot.waitUntil(lambda: sum(r.playing for r in mirror.reports) >= 3, timeout=20000)
    controller.pause()
    qtbot.waitUntil(lambda: not mirror.last.playing and mirror.last.step_count > 0)
    assert all(not report.explanation for report in mirror.reports if report.playing)
    step = mirror.last.step_count
    assert f"x{_subscript(step)}" in mirror.last.explanation  # the pause: the final point
    with qtbot.waitSignal(controller.reported):
        controller.step()
    assert f"x{_subscript(step + 1)}" in mirror.last.explanation


def _subscript(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def test_the_report_interval_a_window_asks_for_is_kept_within_bounds() -> None:
    worker = worker_module.RunWorker(Descent(Quadratic(("x",)), [3.0], lr=0.1))
    for asked, kept in ((10.0, worker_module.LONGEST_REPORT_INTERVAL),
                        (0.0, worker_module.REPORT_INTERVAL), (0.1, 0.1)):
        worker.set_report_interval(asked)
        assert worker._report_interval == kept
    worker.play()  # no timer yet: each Run starts at the shortest interval again
    assert worker._report_interval == worker_module.REPORT_INTERVAL


def test_a_long_report_interval_still_delivers_every_row_and_the_pause(qtbot,
                                                                          make_run) -> None:
    controller, mirror, _ = make_run(lr=1e-6, max_iter=10**7)
    controller.set_report_interval(worker_module.LONGEST_REPORT_INTERVAL)
    controller.play()
    qtbot.waitUntil(lambda: len(mirror.history) > 1000, timeout=5000)
    with qtbot.waitSignal(controller.reported, check_params_cb=lambda r: not r.playing):
        controller.pause()  # reported at once, with every row made since the last report
    assert len(mirror.history) == mirror.last.step_count + 1
    with qtbot.waitSignal(controller.reported):
        controller.step()
    assert len(mirror.history) == mirror.last.step_count + 1
