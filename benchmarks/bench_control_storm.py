"""A storm of 1,000 random controls on the real window: does the UI thread keep up, and
does every record still follow from the one before?

Controls, drawn with a seeded generator and sent from the window's own event loop a few
milliseconds apart: Run, Pause, Step, Back, Reset, a new learning rate, a new expression
and a switch between function and data mode. Measured with the 16 ms frame probe of
``bench_window.py``: the UI thread's longest stall (goal: at most 200 ms on a quiet
machine) and the longest single control. Checked before every control and at the end:
every record of the run shown follows from the previous one by the update rule
(``params[k+1] = params[k] − lr[k]·grad[k]``, plain gradient descent), so no record was
lost, repeated or changed.

The storm starts once the window is ready and has made, in quiet passes, the pages other
problems need (the map, data mode's page), as it has long before a student's first click.
With ``--causes`` a thread samples the UI thread during stalls and prints, for each of the
longest, how long the thread ran, waited for a core (a busy machine) or for neither, and
what its Python stack was doing.

Run: ``python benchmarks/bench_control_storm.py [--controls N] [--seed S] [--causes]``
(offscreen unless DISPLAY is set).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import os
import random
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_window import FrameProbe, _environment, spin  # shared event-loop helpers
from goals import record, verdict

GOAL_MS = 200.0
EXPRESSIONS = ["x**2", "(x - 1)**2 + 2", "x**4 - 3*x**2 + x", "(x - 3)**2 + 10*(y + 1)**2",
               "x**2 + y**2", "0.5*x**2 - x*y + y**2"]
RATES = [0.001, 0.01, 0.05, 0.1, 0.2, 0.3]
KINDS = ["run", "pause", "step", "back", "reset", "rate", "expression", "mode"]


class StampedProbe(FrameProbe):
    """The frame probe, also keeping when each interval ended."""

    def __init__(self) -> None:
        super().__init__()
        self.ends: list[float] = []

    def _tick(self) -> None:
        super()._tick()
        self.ends.append(self._last)

    def worst(self, count: int) -> list[tuple[float, float]]:
        """The ``count`` longest intervals as (seconds, end time), longest first."""
        pairs = sorted(zip(self.frames, self.ends, strict=True), reverse=True)
        return pairs[:count]


class StallSampler:
    """Samples the UI thread's Python stack, from a thread of its own, while it stalls.

    Every ``period`` seconds, when the probe has not ticked for ``after`` seconds, the
    UI thread's stack is noted against the stall (keyed by the probe's last tick). A
    sample says what the stall was spent on: the app's outermost and innermost functions
    on the stack, pyqtgraph's painting, or nothing in Python (Qt's own layout and paint,
    or waiting for the interpreter).
    """

    def __init__(self, probe: StampedProbe, after: float = 0.05, period: float = 0.004) -> None:
        self.probe = probe
        self.after, self.period = after, period
        self.samples: dict[float, list[str]] = {}
        self._ui = threading.main_thread().ident
        # The UI thread's scheduler counters (Linux): nanoseconds run on a core and
        # waited for one while runnable, read every period, as (time, run, waited).
        self._schedstat = Path(f"/proc/self/task/{threading.main_thread().native_id}/schedstat")
        self.clock: list[tuple[float, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> StallSampler:
        self._thread.start()
        return self

    def __exit__(self, *exception: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.period):
            if self._schedstat.exists():
                run, waited = self._schedstat.read_text().split()[:2]
                self.clock.append((time.perf_counter(), int(run), int(waited)))
            last = self.probe._last
            if time.perf_counter() - last > self.after:
                frame = sys._current_frames().get(self._ui)
                if frame is not None:
                    self.samples.setdefault(last, []).append(cause(frame))

    def causes(self, stall: tuple[float, float]) -> str:
        """The causes sampled during one stall (length, end), most frequent first."""
        length, end = stall
        start = end - length  # the tick the stall followed (up to rounding)
        found = next((stacks for at, stacks in self.samples.items()
                      if abs(at - start) < 1e-6), [])
        counts = Counter(found).most_common(3)
        text = ", ".join(f"{name} {count}/{len(found)}" for name, count in counts) or "-"
        return f"{self.cpu(start, end)}; {text}"

    def split(self, start: float, end: float) -> tuple[float, float, float] | None:
        """Milliseconds of ``start``..``end`` (as far as sampled) and, of them, how long
        the UI thread ran on a core and how long it waited for one (None if unsampled)."""
        times = [at for at, _, _ in self.clock]
        first, last = bisect.bisect_left(times, start), bisect.bisect_left(times, end) - 1
        if not 0 <= first < last:
            return None
        (t0, run0, wait0), (t1, run1, wait1) = self.clock[first], self.clock[last]
        return 1000 * (t1 - t0), (run1 - run0) / 1e6, (wait1 - wait0) / 1e6

    def cpu(self, start: float, end: float) -> str:
        """How the UI thread spent ``start``..``end``: on a core, waiting for one, or
        neither (waiting for the interpreter lock, or idle)."""
        split = self.split(start, end)
        if split is None:
            return "UI thread time unknown"
        wall, run, waited = split
        return (f"of {wall:.0f} ms the UI thread ran {run:.0f} ms, waited {waited:.0f} ms "
                f"for a core and {max(wall - run - waited, 0):.0f} ms for neither")

    def longest_without_waiting(self, probe: StampedProbe) -> float:
        """The longest stall less the time the UI thread waited for a core, in ms: about
        what it would have been on a machine with a core free for it."""
        longest = 0.0
        for length, end in zip(probe.frames, probe.ends, strict=True):
            split = self.split(end - length, end) if length > self.after else None
            if split is not None:
                longest = max(longest, 1000 * length - split[2])
        return longest


def cause(frame) -> str:
    """What a stack says the UI thread was doing: ``outer → inner`` app functions."""
    app = [f"{Path(f.filename).stem}.{f.name}" for f in traceback.extract_stack(frame)
           if "gdstudio" in f.filename and "benchmarks" not in f.filename]
    if app:
        return app[0] if len(app) == 1 else f"{app[0]} → {app[-1]}"
    if "pyqtgraph" in frame.f_code.co_filename or any(
            "pyqtgraph" in f.filename for f in traceback.extract_stack(frame)):
        return "pyqtgraph paint"
    return "Qt (no Python)"


def blame(stalls: list[tuple[float, float]], sent: list[tuple[float, str]]) -> str:
    """Name the control sent last before each stall ended."""
    names = []
    for length, end in stalls:
        before = [kind for at, kind in sent if at <= end]
        names.append(f"{1000 * length:.0f} ms after {before[-1] if before else 'start'}")
    return "; ".join(names)


class Storm:
    """Sends the controls one per event-loop turn and checks the records between them."""

    def __init__(self, window, controls: int, seed: int) -> None:
        self.window = window
        self.remaining = controls
        self.generator = random.Random(seed)
        self.counts = dict.fromkeys(KINDS, 0)
        self.longest_control = (0.0, "")
        self.sent: list[tuple[float, str]] = []  # (time sent, control)
        self.checks = 0
        self.longest_history = 0
        self.broken: list[str] = []

    def send_next(self) -> None:
        """Check the records, send one control, and schedule the next."""
        from PySide6.QtCore import QTimer

        self.check_records()
        kind = self.generator.choice(KINDS)
        started = time.perf_counter()
        self.apply(kind)
        took = time.perf_counter() - started
        if took > self.longest_control[0]:
            self.longest_control = (took, kind)
        self.counts[kind] += 1
        self.sent.append((started, kind))
        self.remaining -= 1
        if self.remaining > 0:
            QTimer.singleShot(self.generator.randint(0, 12), self.send_next)

    def apply(self, kind: str) -> None:
        """One control, as the student's click or key would send it."""
        from PySide6.QtWidgets import QLineEdit

        window, pick = self.window, self.generator.choice
        actions = {"run": window.action_run, "pause": window.action_pause,
                   "step": window.action_step, "back": window.action_step_back,
                   "reset": window.action_reset}
        if kind in actions:
            actions[kind].trigger()  # a disabled action does nothing, as in the window
        elif kind == "rate":
            window.model.set_learning_rate(pick(RATES))
        elif kind == "expression" and window.model.mode == "function":
            edit = window.findChild(QLineEdit, "expressionEdit")
            edit.setText(pick(EXPRESSIONS))
            edit.editingFinished.emit()
        elif kind == "mode":
            other = "data" if window.model.mode == "function" else "function"
            window.editor.mode_switch.buttons[other].click()

    def check_records(self) -> None:
        """Every shown record follows from the previous one (plain gradient descent)."""
        session = self.window.session
        session.flush()
        history = session.history
        rows = len(history)
        if rows < 2 or self.window.model.optimizer != "gd":
            return
        params, grad, lr = history.params, history.grad, history.lr
        done = slice(0, rows - 1)  # the newest row has no update from it yet
        expected = params[done] - lr[done, None] * grad[done]
        finite = np.isfinite(expected).all(axis=1) & np.isfinite(params[1:rows]).all(axis=1)
        if np.isnan(lr[done]).any():
            self.broken.append(f"a rate is missing in rows 0..{rows - 2}")
        elif not np.allclose(params[1:rows][finite], expected[finite], rtol=1e-12, atol=0):
            bad = int(np.argmax(~np.isclose(params[1:rows], expected).all(axis=1)))
            self.broken.append(f"row {bad + 1} does not follow from row {bad}")
        self.checks += 1
        self.longest_history = max(self.longest_history, rows)


def main() -> None:
    """Run the storm and print the stall, the longest control and the record check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controls", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--causes", action="store_true",
                        help="sample the UI thread during stalls and print what each "
                        "of the longest was spent on")
    arguments = parser.parse_args()
    os.environ.update({k: v for k, v in _environment().items() if k == "QT_QPA_PLATFORM"})
    os.environ.setdefault("GDSTUDIO_DATA_DIR", tempfile.mkdtemp(prefix="gdstudio-storm-"))
    from PySide6.QtCore import QSettings, QTimer

    from gdstudio.app import create_application
    from gdstudio.qt.window import MainWindow

    app = create_application([])
    settings = QSettings(str(Path(os.environ["GDSTUDIO_DATA_DIR"]) / "bench.ini"),
                         QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    spin(lambda: window.session.active, 60)
    # A student reads the first example before the first click: the window has made
    # the pages other problems need and loaded sympy for the first typed function by
    # then (see gdstudio.qt.run.idle_work and MainWindow._prepare_pages).
    spin(lambda: window.pages_made and not window.compiler.loading, 60)
    storm = Storm(window, arguments.controls, arguments.seed)
    load = os.getloadavg()[0]
    with StampedProbe() as probe, contextlib.ExitStack() as sampling:
        sampler = sampling.enter_context(StallSampler(probe)) if arguments.causes else None
        started = time.perf_counter()
        QTimer.singleShot(0, storm.send_next)
        spin(lambda: storm.remaining == 0, 600)
        elapsed = time.perf_counter() - started
    window.session.pause()
    spin(lambda: not window.session.playing, 30)
    storm.check_records()
    intervals = probe.intervals(skip=0)  # the first controls' passes count too
    stall_ms = 1000 * intervals[-1]
    took, kind = storm.longest_control
    counts = ", ".join(f"{name} {count}" for name, count in storm.counts.items())
    print(f"{arguments.controls:,} controls in {elapsed:.1f} s ({counts}); "
          f"load average {load:.1f} on {os.cpu_count()} cores at the start")
    print(f"UI frame interval: median {1000 * intervals[len(intervals) // 2]:.1f} ms, "
          f"99th percentile {1000 * intervals[int(0.99 * len(intervals))]:.1f} ms")
    print(f"longest UI stall: {stall_ms:.0f} ms (goal ≤ {GOAL_MS:.0f} ms on a quiet "
          f"machine): {verdict(stall_ms <= GOAL_MS)}")
    record(f"{arguments.controls:,} random controls during runs: the UI thread's longest "
           "stall", stall_ms, "ms", f"≤ {GOAL_MS:.0f} ms", stall_ms <= GOAL_MS)
    print(f"longest single control on the UI thread: {1000 * took:.1f} ms ({kind})")
    print(f"longest stalls: {blame(probe.worst(5), storm.sent)}")
    if sampler is not None:
        print("longest UI stall less the UI thread's waits for a core (what a quiet "
              f"machine would roughly show): {sampler.longest_without_waiting(probe):.0f} ms")
        for stall in probe.worst(5):
            print(f"  {1000 * stall[0]:.0f} ms, samples every 4 ms: {sampler.causes(stall)}")
    if storm.broken:
        print(f"records: NOT consecutive — {len(storm.broken)} problems, first: "
              f"{storm.broken[0]}")
    else:
        print(f"records: every record consecutive ({storm.checks:,} checks of the whole "
              f"history, up to {storm.longest_history:,} rows, against "
              "params[k+1] = params[k] − lr[k]·grad[k])")
    record(f"{arguments.controls:,} random controls during runs: records not consecutive",
           len(storm.broken), "", "0", not storm.broken)
    window.projects.dialogs.ask_unsaved = lambda *_: "discard"  # a measurement, not a lesson
    window.close()
    app.processEvents()
    sys.exit(1 if storm.broken else 0)


if __name__ == "__main__":
    main()
