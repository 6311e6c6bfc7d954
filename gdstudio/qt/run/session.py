"""One run as the window sees it: the worker's controller and the window's own history.

Reports from the worker are queued as they arrive and applied to the window's history at
most once per frame, so a run of a million steps never floods the UI thread. The window's
history reads the worker's arrays (:meth:`History.adopt`): no row is copied.

The hand-off of the history arrays, between two threads and without a lock:

* The worker publishes rows ``0 … n`` as views of its arrays (``History.shared_tail``)
  in a queued report; the window adopts those arrays with length ``n + 1`` on the UI
  thread, and reads only rows below its length.
* The worker then writes only rows past ``n`` — with one exception: the learning rate and
  step size of row ``n`` (NaN, "no update yet") are filled in when that update is made.
* When its arrays are full, the worker copies them into larger ones; the window keeps
  reading the old ones until the next report.
* A step back (``Descent.rewind_to``) truncates the worker's history, and a history whose
  rows were published first moves to copies of its arrays (``History.truncate``), so rows
  the window shows never change under it. The window's own history copies before it
  writes (``History.write_block``), since its arrays are borrowed.

Views the plots took of the window's arrays therefore stay valid and unchanged; the
proof is ``tests/qt/run/test_history_handoff.py``, which reads every row during writes
and step backs of a real worker.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from gdstudio.engine import BatchPlan, Descent, History, HistoryBlock, Objective, RunSettings
from gdstudio.engine.schedules import make_schedule
from gdstudio.engine.stopping import StoppingRules
from gdstudio.qt.run.collector import mark_streaming
from gdstudio.qt.run.ui_gate import install_ui_gate, ui_busy_seconds
from gdstudio.qt.run.worker import (
    LONGEST_REPORT_INTERVAL,
    REPORT_INTERVAL,
    RunController,
    WorkerReport,
)

__all__ = ["FRAME_INTERVAL_MS", "RunSession"]

#: Redraw period while a run streams in: 20 frames per second, which looks smooth and
#: leaves the UI thread idle most of the time (for input) and the worker time to step.
FRAME_INTERVAL_MS = 50
#: While a run streams in, the most of its time the UI thread may work (drawing frames,
#: painting, answering input): Python runs one thread at a time, so the worker steps
#: only while the window does not. Frames wait until the share since the last frame
#: began has fallen to this.
UI_SHARE = 0.05
#: The share while the steps are made in the stepping helper process, on a machine with
#: a core for it besides the window's: the window's drawing then takes no time from the
#: steps, and a large fit is drawn several times a second, not once in half a second.
UI_SHARE_ELSEWHERE = 0.4
#: ... but a frame comes at least this often (seconds), however expensive frames are.
LONGEST_FRAME_GAP = 0.5
#: At this many steps per second or fewer every record is drawn (a student watches them).
PACED_STEPS_PER_SECOND = 20.0


def _cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


#: True when the stepping helper and the window can each have a core.
_SPARE_CORE = _cores() >= 2


class RunSession(QObject):
    """Owns the current run: starts, controls and shuts down its worker.

    Signals
    -------
    historyChanged(int)
        The mirror history changed; the argument is its length before the change.
    reportReceived(object)
        The newest :class:`WorkerReport` (status, message, playing …).
    failed(str)
        An error inside the worker, with its traceback.
    started(object)
        A new run from its start point (the :class:`Descent`, now the worker's: keep it,
        but read it only after :meth:`detach`).
    """

    historyChanged = Signal(int)
    reportReceived = Signal(object)
    failed = Signal(str)
    started = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = History(1)
        self.param_names: tuple[str, ...] = ()
        self.report: WorkerReport | None = None
        self._controller: RunController | None = None
        self._descent: Descent | None = None  # the worker's, while it runs
        # The newest block not shown yet: its rows are views of the worker's arrays,
        # which hold every earlier block's rows too.
        self._block: HistoryBlock | None = None
        self._report_pending = False
        self._next_frame = 0.0
        self._frame_began = (0.0, 0.0)  # (perf_counter, ui_busy_seconds) at the last frame
        self._speed = math.inf
        # While a run streams in, the worker reports about twice per frame drawn: a
        # report the window does not draw only wakes its thread (and the worker waits).
        self._report_interval = REPORT_INTERVAL
        self._streaming_since = math.inf  # perf_counter of the last Run (inf: not running)
        self._frame = QTimer(self)
        self._frame.setInterval(FRAME_INTERVAL_MS)
        self._frame.timeout.connect(self._apply_pending)

    @property
    def active(self) -> bool:
        """True when a run exists."""
        return self._controller is not None

    @property
    def playing(self) -> bool:
        """True while the worker steps by itself."""
        return bool(self.report and self.report.playing)

    def start(
        self,
        objective: Objective,
        start: np.ndarray,
        settings: RunSettings,
        batching: BatchPlan | None = None,
    ) -> None:
        """Replace any current run with a new one at step 0 (paused)."""
        self.shutdown()
        install_ui_gate()  # from the first run on, the worker stands aside for events
        descent = settings.build(objective, start, batching)
        self._drive(descent)
        self.started.emit(descent)

    def adopt(self, descent: Descent) -> None:
        """Replace any current run with ``descent`` as it is (paused), e.g. a branch.

        Hand it over and do not touch it until :meth:`detach` gives it back.
        """
        self.shutdown()
        self._drive(descent)

    def detach(self) -> Descent | None:
        """Stop the worker and give its run back (``None`` if there is none).

        The worker's thread has ended, so the run may be read and changed again.
        """
        descent, self._descent = self._descent, None
        self.shutdown()
        return descent

    def _drive(self, descent: Descent) -> None:
        self._descent = descent
        self.param_names = descent.param_names
        old_length = len(self.history)
        self.history = History(len(self.param_names))
        self.history.write_block(descent.history.tail(0))
        self.report = WorkerReport(None, str(descent.status), descent.message, False,
                                   descent.step_count, descent.next_learning_rate)
        controller = RunController(descent, self)
        controller.reported.connect(self._receive)
        controller.failed.connect(self.failed)
        controller.set_speed(self._speed)
        self._controller = controller
        self._report_interval = REPORT_INTERVAL
        self.historyChanged.emit(old_length)
        self.reportReceived.emit(self.report)

    def shutdown(self) -> None:
        """Stop the current run's worker and wait for its thread (safe to repeat)."""
        self._descent = None
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.reported.disconnect(self._receive)
            controller.shutdown()
            controller.deleteLater()
        self._block = None
        self._report_pending = False
        self._frame.stop()
        mark_streaming(self, False)

    # ---------------------------------------------------------------- controls
    def play(self) -> None:
        """Step continuously."""
        if self._controller:
            self._controller.play()

    def pause(self) -> None:
        """Stop stepping continuously."""
        if self._controller:
            self._controller.pause()

    def step(self) -> None:
        """Make exactly one update."""
        if self._controller:
            self._controller.step()

    def step_back(self) -> None:
        """Go back one step exactly."""
        if self._controller:
            self._controller.step_back()

    def rewind_to(self, step: int) -> None:
        """Go back to the point after ``step`` updates."""
        if self._controller:
            self._controller.rewind_to(step)

    def advance(self, steps: int) -> None:
        """Pause and make up to ``steps`` updates (a rule may end the run first)."""
        if self._controller:
            self._controller.advance(steps)

    def replay(self, rates: list[float]) -> None:
        """Pause and make one update per recorded learning rate (restores a saved run)."""
        if self._controller:
            self._controller.replay(rates)

    def set_learning_rate(self, lr: float) -> None:
        """Use base rate ``lr`` from the next update."""
        if self._controller:
            self._controller.set_learning_rate(lr)

    def set_hyperparameters(self, values: dict[str, float]) -> None:
        """Change optimizer hyperparameters from the next update."""
        if self._controller:
            self._controller.set_hyperparameters(values)

    def set_schedule(self, spec: dict[str, object]) -> None:
        """Change the schedule from the next update."""
        if self._controller:
            self._controller.set_schedule(make_schedule(spec))

    def set_stopping(self, rules: StoppingRules) -> None:
        """Change the stopping rules."""
        if self._controller:
            self._controller.set_stopping(rules)

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second while playing."""
        self._speed = steps_per_second
        if self._controller:
            self._controller.set_speed(steps_per_second)

    # ---------------------------------------------------------------- reports
    def _receive(self, report: WorkerReport) -> None:
        if report.block is not None:
            self._block = report.block
        toggled = self.playing != report.playing
        self.report = report
        if toggled:
            mark_streaming(self, report.playing)
            self._streaming_since = time.perf_counter() if report.playing else math.inf
            self._report_interval = REPORT_INTERVAL  # the worker starts each Run with it
        self._report_pending = True
        if toggled:
            self.flush()  # Run, Pause or the end of a run shows at once, not a frame later
        elif not self._frame.isActive():
            # The first report after a quiet spell is shown at once; later ones wait for
            # the next frame, so that the window draws at most once per frame.
            self._apply_pending()
            self._frame.start()

    def _apply_pending(self) -> None:
        if self._block is None and not self._report_pending:
            self._frame.stop()
            return
        now = time.perf_counter()
        if now < self._next_frame and not self._share_allows(now) and not self._paced():
            # The UI thread has been busy: let the worker (and the user) go first, and
            # look again when the share could allow a frame, not every interval: each
            # look wakes the UI thread, and the worker stands aside for it (ui_gate).
            self._frame.start(max(FRAME_INTERVAL_MS, math.ceil(1000 * (self._frame_due() - now))))
            return
        if self._frame.interval() != FRAME_INTERVAL_MS:
            self._frame.setInterval(FRAME_INTERVAL_MS)
        self._pace_reports(now)
        self._frame_began = (now, ui_busy_seconds())
        self._next_frame = now + LONGEST_FRAME_GAP
        self._show_pending()  # inside an event: the worker stands aside (ui_gate)

    def _pace_reports(self, now: float) -> None:
        """Ask for reports about twice per frame, from the time since the last frame of
        this Run (what the window shows is then at most half a frame gap old)."""
        last = self._frame_began[0]
        if self._controller is None or self._paced() or last <= self._streaming_since:
            return
        interval = min(max((now - last) / 2, REPORT_INTERVAL), LONGEST_REPORT_INTERVAL)
        if abs(interval - self._report_interval) > 0.2 * self._report_interval:
            self._report_interval = interval
            self._controller.set_report_interval(interval)

    def _paced(self) -> bool:
        """True at a watchable pace, where every step gets its own frame."""
        return self._speed <= PACED_STEPS_PER_SECOND

    def _frame_due(self) -> float:
        """When (perf_counter) the share allows the next frame if the UI stays idle."""
        began, busy = self._frame_began
        return min(began + (ui_busy_seconds() - busy) / self._ui_share(), self._next_frame)

    def _share_allows(self, now: float) -> bool:
        """True when the UI thread worked at most its share of the time since the last
        frame (:meth:`_ui_share`).

        That time includes the last frame's own drawing and painting, and anything else
        the window did meanwhile (input, side panels).
        """
        began, busy = self._frame_began
        elapsed = now - began
        return elapsed > 0 and (ui_busy_seconds() - busy) <= self._ui_share() * elapsed

    def _ui_share(self) -> float:
        """``UI_SHARE_ELSEWHERE`` while the steps are made in the stepping helper on a
        machine with two cores or more, else ``UI_SHARE``."""
        elsewhere = self.report is not None and self.report.elsewhere
        return UI_SHARE_ELSEWHERE if elsewhere and _SPARE_CORE else UI_SHARE

    def _show_pending(self) -> None:
        if self._block is not None:
            old_length = len(self.history)
            block, self._block = self._block, None
            self.history.adopt(block)
            self.historyChanged.emit(old_length)
        if self._report_pending and self.report is not None:
            self._report_pending = False
            self.reportReceived.emit(self.report)

    def flush(self) -> None:
        """Apply queued rows now (tests and the final frame of a run use it)."""
        self._next_frame = 0.0
        self._apply_pending()
