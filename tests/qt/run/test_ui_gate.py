"""Keeping the UI thread free: the gate, short worker chunks, compilation in the background."""

import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from PySide6.QtCore import QEventLoop, QMetaObject, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QApplication

from gdstudio.engine import Descent, RunSettings, StoppingRules
from gdstudio.qt.run.ui_gate import install_ui_gate, ui_busy, ui_idle
from gdstudio.qt.run.worker import RunController
from tests.engine.quadratics import Quadratic


def test_the_first_run_installs_the_gate_once(qtbot) -> None:
    from gdstudio.qt.run.session import RunSession

    session = RunSession()
    session.start(Quadratic(("x",)), np.array([3.0]), RunSettings(learning_rate=0.1))
    try:
        assert install_ui_gate()  # already installed: nothing more to do
        assert sys.getswitchinterval() <= 0.001
    finally:
        session.shutdown()


def test_the_gate_is_closed_while_the_ui_thread_handles_an_event(qtbot) -> None:
    install_ui_gate()
    seen: list[bool] = []
    QTimer.singleShot(0, lambda: seen.append(ui_idle().is_set()))
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [False]
    # An event loop with nothing to do sleeps: the gate opens.
    assert sleep_until_the_gate_opens() == [True]


def sleep_until_the_gate_opens() -> list[bool]:
    """Run an idle event loop until a thread has seen the gate open (or 5 s passed)."""
    loop = QEventLoop()
    seen: list[bool] = []

    def watch() -> None:
        seen.append(ui_idle().wait(5.0))
        QMetaObject.invokeMethod(loop, "quit", Qt.ConnectionType.QueuedConnection)

    watcher = threading.Thread(target=watch)
    watcher.start()
    loop.exec()
    watcher.join()
    return seen


def test_ui_busy_blocks_nest() -> None:
    with ui_busy():
        with ui_busy():
            assert not ui_idle().is_set()
        assert not ui_idle().is_set()
    assert ui_idle().is_set()


class _Probe(QObject):
    """Lives on a worker thread; says whether the gate opened while it ran (in 2 s)."""

    ask = Signal()
    answered = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.ask.connect(self._answer)

    def _answer(self) -> None:
        self.answered.emit(ui_idle().wait(2.0))


def test_events_of_a_worker_thread_do_not_close_the_gate(qtbot) -> None:
    thread = QThread()
    probe = _Probe()
    probe.moveToThread(thread)
    thread.start()
    try:
        answers: list[bool] = []
        probe.answered.connect(answers.append)  # queued to this thread
        with qtbot.waitSignal(probe.answered, timeout=5000):  # this thread's loop sleeps
            probe.ask.emit()  # handled on the worker thread, as a worker's ticks are
        assert answers == [True]
    finally:
        thread.quit()
        assert thread.wait(5000)


def test_a_nested_event_loop_opens_the_gate_while_it_sleeps(qtbot) -> None:
    install_ui_gate()
    opened = threading.Event()
    results: list[bool] = []

    def handler() -> None:  # inside an event, as a modal dialog's exec() would be
        results.extend(sleep_until_the_gate_opens())
        opened.set()

    QTimer.singleShot(0, handler)
    qtbot.waitUntil(opened.is_set, timeout=5000)
    assert results == [True]


@contextmanager
def playing(objective: Quadratic, max_iter: int) -> Iterator[tuple[Descent, RunController]]:
    """A full-speed run of ``objective`` from x = 3, paused and shut down afterwards."""
    descent = Descent(objective, [3.0], lr=1e-9, stopping=StoppingRules(max_iter=max_iter))
    controller = RunController(descent)
    try:
        controller.play()
        yield descent, controller
    finally:
        controller.pause()
        assert controller.shutdown()
        QApplication.processEvents()


class _CountingGate:
    """The worker's view of the gate, counting how often it waited on it."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate, self.waits = gate, 0

    def is_set(self) -> bool:
        return self.gate.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        self.waits += 1
        return self.gate.wait(timeout)


def test_a_running_worker_stands_aside_while_the_ui_is_busy(qtbot) -> None:
    with playing(Quadratic(("x",)), 10_000_000) as (descent, controller):
        qtbot.waitUntil(lambda: descent.step_count > 1000, timeout=5000)
        counting = _CountingGate(controller._worker.ui_idle)
        controller._worker.ui_idle = counting
        with ui_busy():  # each chunk waits for the gate first (with a limit, so it goes on)
            before = descent.step_count
            wait_until(lambda: counting.waits >= 3 and descent.step_count > before)
        free = descent.step_count  # and once the UI is free, the run goes on
        qtbot.waitUntil(lambda: descent.step_count > free + 10_000, timeout=10_000)


def wait_until(condition) -> None:
    """Wait (blocking this, the UI thread, as busy work does) until ``condition()``."""
    gate = threading.Event()
    while not condition():
        gate.wait(0.005)


class _SlowQuadratic(Quadratic):
    """A step that costs about a millisecond, as a fit to a large dataset does."""

    def value_and_grad(self, params, batch=None):
        deadline = time.perf_counter() + 0.001
        while time.perf_counter() < deadline:
            pass
        return super().value_and_grad(params, batch)


def test_expensive_steps_make_short_chunks_so_the_worker_looks_up_often(qtbot) -> None:
    with playing(_SlowQuadratic(("x",)), 1_000_000) as (descent, controller):
        qtbot.waitUntil(lambda: descent.step_count > 20, timeout=5000)
        assert controller._worker._chunk == 1  # about 0.5 ms of stepping per chunk


def test_the_compiler_hands_over_objectives_ready_to_draw(qtbot) -> None:
    from gdstudio.qt.run.compiler import ExpressionCompiler

    compiler = ExpressionCompiler()
    with qtbot.waitSignal(compiler.compiled, timeout=20_000) as done:
        compiler.request("(x - 1)**2 + y**2")
    objective = done.args[1]
    # The plots evaluate grids on the UI thread: nothing is left to compile there.
    assert {"_array_value", "_array_function"} <= set(objective.compiled.__dict__)
    compiler.shutdown()


def _spin_for(seconds: float) -> None:
    """Work (not sleep) on this thread for ``seconds``."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_busy_seconds_count_the_busy_spells_only() -> None:
    from gdstudio.qt.run.ui_gate import ui_busy_seconds

    before = ui_busy_seconds()
    with ui_busy():
        _spin_for(0.01)
        assert ui_busy_seconds() - before >= 0.01  # the current spell counts too
    after = ui_busy_seconds()
    assert after - before >= 0.01
    _spin_for(0.01)  # no event handled: the gate is open, nothing is counted
    assert ui_busy_seconds() == after


def test_frames_wait_while_the_ui_thread_has_been_busy(qtbot, monkeypatch) -> None:
    from types import SimpleNamespace

    from gdstudio.qt.run import session as session_module
    from gdstudio.qt.run.worker import WorkerReport

    clock = {"now": 100.0, "busy": 0.0}
    monkeypatch.setattr(session_module, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    monkeypatch.setattr(session_module, "ui_busy_seconds", lambda: clock["busy"])
    session = session_module.RunSession()
    shown: list[object] = []
    session.reportReceived.connect(shown.append)

    def frame_after(seconds: float, busy: float) -> bool:
        clock["now"] += seconds
        clock["busy"] += busy
        count = len(shown)
        session.report = WorkerReport(None, "running", "", True, len(shown), 0.1)
        session._report_pending = True
        session._apply_pending()
        return len(shown) > count

    share = session_module.UI_SHARE
    assert frame_after(0.0, 0.0)
    assert not frame_after(0.1, 0.2 * share)  # busy 2·UI_SHARE of the time since then
    assert frame_after(0.3, 0.0)  # the same busy time over 0.4 s: UI_SHARE / 2
    assert not frame_after(0.1, 10.0)
    assert frame_after(session_module.LONGEST_FRAME_GAP, 0.0)  # however busy, now and then
    clock["busy"] += 10.0
    session._report_pending = True
    session.flush()  # a pause or the end of a run is shown at once
    assert len(shown) == 4


def test_a_pass_is_full_once_it_has_worked_its_budget() -> None:
    from gdstudio.qt.run.ui_gate import PASS_BUDGET, pass_is_full

    assert not pass_is_full()  # the loop sleeps: nothing to wait for
    with ui_busy():
        assert not pass_is_full()
        _spin_for(1.5 * PASS_BUDGET)
        assert pass_is_full()
    assert not pass_is_full()


def test_side_panels_due_in_a_full_pass_wait_for_the_next(qtbot, tmp_path) -> None:
    from dataclasses import replace

    from gdstudio.qt.run.ui_gate import PASS_BUDGET
    from tests.qt.helpers import make_window

    window = make_window(qtbot, tmp_path / "settings.ini")
    window.session.shutdown()  # no worker: no report of its own overwrites the panels
    install_ui_gate()
    window.session.report = replace(window.session.report, playing=True)  # as if running
    window._explanation = "the latest step, written out"
    with ui_busy():
        _spin_for(1.5 * PASS_BUDGET)
        window._draw_side_panels()
        assert window._side_timer.isActive()  # put off, not dropped
        assert window.explain_view.toPlainText() != "the latest step, written out"
    qtbot.waitUntil(lambda: not window._side_timer.isActive(), timeout=5_000)
    assert window.explain_view.toPlainText() == "the latest step, written out"
    window.session.report = replace(window.session.report, playing=False)
    window.close()


def test_a_paused_windows_side_panels_in_a_full_pass_follow_in_the_next(qtbot, tmp_path) -> None:
    from gdstudio.qt.run.ui_gate import PASS_BUDGET
    from tests.qt.helpers import make_window

    window = make_window(qtbot, tmp_path / "settings.ini")
    install_ui_gate()
    for _ in range(3):
        window.action_step.trigger()
    qtbot.waitUntil(lambda: window.session.report.step_count == 3, timeout=5_000)
    window.session.flush()
    qtbot.waitUntil(lambda: not window.side_panels_pending, timeout=5_000)
    assert window.history_table.model().rowCount() == 4
    for _ in range(2):
        window.action_step.trigger()
    with ui_busy():  # the steps arrive in a pass that has worked its budget
        _spin_for(1.5 * PASS_BUDGET)
        qtbot.waitUntil(lambda: window.session.report.step_count == 5, timeout=5_000)
        window.session.flush()
        assert window.history_table.model().rowCount() == 4  # put off, not dropped
    qtbot.waitUntil(lambda: not window.side_panels_pending, timeout=5_000)
    assert window.history_table.model().rowCount() == 6  # the step log, the traces and the
    assert window.traces.loss_plot.series[0].item.xData[-1] == 5  # text: the last step
    assert "x₅ = x₄" in window.explain_view.toPlainText()
    window.close()


def test_a_frame_held_back_is_looked_at_again_when_the_share_allows_it(qtbot, monkeypatch,
                                                                       ) -> None:
    from types import SimpleNamespace

    from gdstudio.qt.run import session as session_module
    from gdstudio.qt.run.worker import WorkerReport

    clock = {"now": 100.0, "busy": 0.0}
    monkeypatch.setattr(session_module, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    monkeypatch.setattr(session_module, "ui_busy_seconds", lambda: clock["busy"])
    session = session_module.RunSession()
    session.report = WorkerReport(None, "running", "", True, 0, 0.1)
    session._receive(WorkerReport(None, "running", "", True, 1, 0.1))  # shown at once
    share = session_module.UI_SHARE
    clock["now"] += 0.1
    # Busy for 0.3·UI_SHARE s: the share allows the next frame 0.3 s after the last began,
    # before the longest gap between frames (LONGEST_FRAME_GAP) would force one.
    clock["busy"] += 0.3 * share
    session._report_pending = True
    session._apply_pending()
    assert session._frame.isActive()
    # Due when the share allows, 0.3 - 0.1 s from now (on the fake clock), in whole
    # milliseconds rounded up; not every FRAME_INTERVAL_MS.
    due_ms = math.ceil(1000 * (session._frame_due() - clock["now"]))
    assert session._frame.interval() == due_ms
    assert due_ms in (199, 200, 201)
    clock["now"] += 10.0
    session._report_pending = True
    session._apply_pending()  # shown: the timer goes back to one look per frame
    assert session._frame.interval() == session_module.FRAME_INTERVAL_MS
    session.shutdown()


def test_a_fast_runs_step_log_waits_but_shows_every_row_after_pause(qtbot, tmp_path,
                                                                    monkeypatch) -> None:
    import math
    import time

    from gdstudio.engine import StoppingRules
    from gdstudio.engine.limits import MAX_STEPS
    from gdstudio.qt import window as window_module
    from tests.qt.helpers import make_window

    monkeypatch.setattr(window_module, "FAST_STEP_LOG_INTERVAL", math.inf)
    window = make_window(qtbot, tmp_path / "settings.ini")
    window.model.set_speed(math.inf)
    window.model.set_stopping(StoppingRules(max_iter=MAX_STEPS))  # paused long before
    qtbot.waitUntil(lambda: window.session.report.step_count == 0
                    and window.session.active, timeout=5_000)
    window.action_run.trigger()
    table = window.history_table.model()

    def a_later_round() -> None:  # of the side panels, with more rows
        rows, mark = len(window.session.history), time.perf_counter()
        qtbot.waitUntil(lambda: len(window.session.history) > rows + 5_000
                        and window._side_drawn > mark, timeout=20_000)

    a_later_round()
    shown = table.rowCount()  # the step log as its first round drew it
    a_later_round()
    assert window.session.playing
    assert table.rowCount() == shown < len(window.session.history)
    window.action_pause.trigger()
    qtbot.waitUntil(lambda: not window.session.playing and not window.side_panels_pending,
                    timeout=5_000)
    history = window.session.history
    assert window.history_table.model().rowCount() == len(history)  # put off, not dropped
    window.close()


@pytest.mark.parametrize("spare_core", [True, False])
def test_steps_made_elsewhere_let_the_window_draw_more_often(qtbot, monkeypatch,
                                                             spare_core: bool) -> None:
    from types import SimpleNamespace

    from gdstudio.qt.run import session as session_module
    from gdstudio.qt.run.worker import WorkerReport

    clock = {"now": 100.0, "busy": 0.0}
    monkeypatch.setattr(session_module, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    monkeypatch.setattr(session_module, "ui_busy_seconds", lambda: clock["busy"])
    monkeypatch.setattr(session_module, "_SPARE_CORE", spare_core)
    session = session_module.RunSession()
    shown: list[object] = []
    session.reportReceived.connect(shown.append)

    def frame_after(seconds: float, busy: float, elsewhere: bool) -> bool:
        clock["now"] += seconds
        clock["busy"] += busy
        count = len(shown)
        session.report = WorkerReport(None, "running", "", True, len(shown), 0.1,
                                      elsewhere=elsewhere)
        session._report_pending = True
        session._apply_pending()
        return len(shown) > count

    assert session_module.UI_SHARE < 0.2 < session_module.UI_SHARE_ELSEWHERE
    assert frame_after(0.0, 0.0, elsewhere=False)
    # A frame of 10 ms every 50 ms: a fifth of the UI thread's time.
    assert not frame_after(0.05, 0.01, elsewhere=False)  # steps here: they come first
    assert frame_after(0.0, 0.0, elsewhere=True) == spare_core  # steps in their own process
    session.shutdown()


def test_paints_owed_in_a_pass_count_as_its_work_until_the_loop_sleeps(qtbot, monkeypatch,
                                                                        ) -> None:
    from gdstudio.qt.run import ui_gate
    from gdstudio.qt.run.ui_gate import owe_paint, pass_is_full

    budget = 10.0  # seconds: no pass of this test works so long by itself, however busy
    monkeypatch.setattr(ui_gate, "PASS_BUDGET", budget)
    monkeypatch.setattr(ui_gate, "LONGEST_PASS", 100.0)
    install_ui_gate()
    seen: list[bool] = []

    def owe_in_one_pass() -> None:
        seen.append(pass_is_full())
        seen.append(pass_is_full(extra=2 * budget))  # about to make a long paint due
        owe_paint(0.5 * budget)
        seen.append(pass_is_full())
        owe_paint(budget)  # two paints: more than a pass's budget
        seen.append(pass_is_full())
        QTimer.singleShot(20, lambda: seen.append(pass_is_full()))

    QTimer.singleShot(0, owe_in_one_pass)
    qtbot.waitUntil(lambda: len(seen) == 5)
    # The loop slept before the last look: the paints were made, the new pass owes none.
    assert seen == [False, True, False, True, False]


def test_a_paint_cost_follows_the_dearer_paints_and_forgets_slowly() -> None:
    from gdstudio.qt.run.paint_cost import PaintCost

    cost = PaintCost()
    assert cost.seconds == 0.0
    cost.learn(0.010)
    assert cost.seconds == 0.010
    cost.learn(0.030)  # a dearer paint counts at once
    assert cost.seconds == 0.030
    cost.learn(0.001)  # a cheap one (a cell) lowers the estimate a little
    assert cost.seconds == pytest.approx(0.024)
    for _ in range(30):
        cost.learn(0.001)
    assert cost.seconds == 0.001  # ... and in the end to the paints seen


def test_a_paint_timed_widget_learns_what_its_paints_cost(qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QTableView

    from gdstudio.qt.panels.step_log import HistoryTableModel, StepLogView
    from gdstudio.qt.run import ui_gate
    from gdstudio.qt.run.ui_gate import pass_is_full

    view = StepLogView()
    qtbot.addWidget(view)
    assert isinstance(view, QTableView)
    view.setModel(HistoryTableModel(param_names=("x",)))
    view.resize(300, 200)
    view.show()
    view.viewport().update()
    qtbot.waitUntil(lambda: view.paint_cost.seconds > 0.0)  # painted, and timed
    monkeypatch.setattr(ui_gate, "PASS_BUDGET", 10.0)  # no pass here works so long
    monkeypatch.setattr(ui_gate, "LONGEST_PASS", 100.0)
    view.paint_cost.seconds = 20.0  # as if its paints were that slow
    install_ui_gate()
    seen: list[bool] = []

    def owe_its_paint() -> None:
        seen.append(pass_is_full())
        view.paint_cost.owe()
        seen.append(pass_is_full())

    QTimer.singleShot(0, owe_its_paint)
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert seen == [False, True]


def test_side_panels_slow_to_paint_come_one_a_pass_and_all_come(qtbot, tmp_path,
                                                                monkeypatch) -> None:
    from PySide6.QtCore import QAbstractEventDispatcher

    from gdstudio.qt.run import ui_gate
    from tests.qt.helpers import make_window

    window = make_window(qtbot, tmp_path / "settings.ini")
    install_ui_gate()
    window.traces.make_plots()
    monkeypatch.setattr(ui_gate, "PASS_BUDGET", 10.0)  # seconds: no pass works so long
    monkeypatch.setattr(ui_gate, "LONGEST_PASS", 100.0)
    slow = [window.history_table, *window.traces.made_plots()]
    for widget in slow:
        widget.paint_cost.seconds = 20.0  # as if each paint took longer than a pass may
    passes: list[int] = []
    dispatcher = QAbstractEventDispatcher.instance()
    def count() -> None:
        passes.append(0)

    dispatcher.aboutToBlock.connect(count)
    drawn: list[tuple[str, int]] = []  # (piece, pass it was drawn in)
    draw_step_log, draw_trace = window._draw_step_log, window._draw_trace
    monkeypatch.setattr(window, "_draw_step_log",
                        lambda: (drawn.append(("log", len(passes))), draw_step_log()))
    monkeypatch.setattr(window, "_draw_trace",
                        lambda plot: (drawn.append(("trace", len(passes))), draw_trace(plot)))
    window.action_step.trigger()
    qtbot.waitUntil(lambda: window.session.report.step_count == 1, timeout=5_000)
    window.session.flush()
    qtbot.waitUntil(lambda: not window.side_panels_pending, timeout=5_000)
    dispatcher.aboutToBlock.disconnect(count)
    assert [piece for piece, _ in drawn] == ["log", "trace", "trace", "trace"]
    in_passes = [at for _, at in drawn]
    assert in_passes == sorted(set(in_passes))  # each in a pass of its own, in order
    assert window.history_table.model().rowCount() == 2  # and all of them drawn
    loss_plot, _, parameter_plot = window.traces.made_plots()
    assert loss_plot.series[0].item.xData[-1] == parameter_plot.series[0].item.xData[-1] == 1
    window.close()
