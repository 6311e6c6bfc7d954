"""Window speed goals, each against a baseline measured in the same run.

1. Start-up: process start to the window shown, against a bare PySide6 + pyqtgraph
   window (goal: at most 1.3x).
2. A full-speed run: the UI thread's frame interval (goal: median at most 20 ms, worst
   stall at most 100 ms) and the latency from Pause to the last record (goal: 50 ms).
3. A 1,000,000-step run: peak memory (goal: under 300 MB) and the frame interval while
   the history grows.

Then the frame interval again during 200,000 Adam steps on the Rosenbrock function, whose
contour plot costs more to draw than the curve of x².

Run: ``python benchmarks/bench_window.py [--steps N]`` (offscreen unless DISPLAY is set;
``xvfb-run -a python benchmarks/bench_window.py`` for a real X window).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

BARE_WINDOW = """
import time, sys
from PySide6.QtWidgets import QApplication, QMainWindow
from PySide6.QtCore import QTimer
import pyqtgraph as pg
app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1400, 900)
window.show()
QTimer.singleShot(0, lambda: (print(time.time()), app.quit()))
app.exec()
"""

STUDIO_WINDOW = """
import time, sys
from PySide6.QtCore import QTimer
from gdstudio.app import create_application
from gdstudio.qt.window import MainWindow
app = create_application(sys.argv)
window = MainWindow()
window.show()
QTimer.singleShot(0, lambda: (print(time.time()), window.close(), app.quit()))
app.exec()
"""


def time_to_window(code: str) -> float:
    """Seconds from process start to the first event-loop turn after show()."""
    started = time.time()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env=_environment())
    return float(result.stdout.strip().splitlines()[-1]) - started


def compare_start_up(repeats: int) -> tuple[list[float], list[float]]:
    """Seconds to the window of the bare toolkit and of the studio, measured in turns.

    Taking turns spreads the machine's slow moments over both.
    """
    bare, studio = [], []
    for _ in range(repeats):
        bare.append(time_to_window(BARE_WINDOW))
        studio.append(time_to_window(STUDIO_WINDOW))
    return bare, studio


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    if "DISPLAY" not in env:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run_probe(steps: int, two_variables: int) -> None:
    """Frame intervals and pause latency during full-speed runs, in this process."""
    os.environ.update({k: v for k, v in _environment().items() if k == "QT_QPA_PLATFORM"})
    from gdstudio.app import create_application
    from gdstudio.engine import StoppingRules
    from gdstudio.qt.window import MainWindow

    app = create_application([])
    window = MainWindow()
    window.show()
    spin(lambda: window.session.active, 30)
    window.model.set_speed(math.inf)  # full speed, whatever pace the window opened at
    window.model.set_learning_rate(1e-9)
    window.model.set_stopping(StoppingRules(max_iter=steps))
    baseline = rss_mb()
    elapsed, intervals, latency = measure_run(window, steps)
    print(f"run of {steps:,} steps on x²: {elapsed:.1f} s "
          f"({steps / elapsed:,.0f} steps/s shown live)")
    print_intervals(intervals)
    print(f"pause to last record: {1000 * latency:.1f} ms (goal 50)")
    print(f"peak memory: {peak_mb():.0f} MB (goal 300); window before the run {baseline:.0f} MB")
    if two_variables:
        show_rosenbrock(window, two_variables)
        elapsed, intervals, _ = measure_run(window, two_variables)
        print(f"run of {two_variables:,} Adam steps on the Rosenbrock function (contour "
              f"plot): {elapsed:.1f} s")
        print_intervals(intervals)
    window.setWindowModified(False)  # a measurement, not a lesson: close without asking
    window.close()
    app.processEvents()


def show_rosenbrock(window, steps: int) -> None:
    """Switch the window to the Rosenbrock function, Adam at rate 0.01, ``steps`` steps."""
    from PySide6.QtWidgets import QComboBox, QLineEdit

    from gdstudio.engine import StoppingRules

    editor = window.findChild(QLineEdit, "expressionEdit")
    editor.setText("(1 - x)**2 + 100*(y - x**2)**2")
    editor.editingFinished.emit()
    spin(lambda: len(window.model.param_names) == 2 and window.session.active, 30)
    optimizers = window.findChild(QComboBox, "optimizerCombo")
    optimizers.setCurrentIndex(optimizers.findData("adam"))
    window.model.set_learning_rate(0.01)
    window.model.set_stopping(StoppingRules(max_iter=steps))
    spin(lambda: window.session.active and window.session.report.step_count == 0, 30)


def measure_run(window, steps: int) -> tuple[float, list[float], float]:
    """Run ``steps`` steps at full speed, pausing once half way.

    Returns the seconds taken, the sorted intervals of a 16 ms timer on the UI thread,
    and the seconds from Pause to the worker's last record.
    """
    with FrameProbe() as probe:
        started = time.perf_counter()
        window.run()
        spin(lambda: len(window.session.history) > min(steps, 200_000) // 2, 120)
        latency = pause_latency(window)
        window.run()
        spin(lambda: window.session.report.status == "max_iter", 600)
        spin(lambda: len(window.session.history) == steps + 1, 30)
        elapsed = time.perf_counter() - started
    return elapsed, probe.intervals(skip=5), latency


class FrameProbe:
    """A 16 ms timer on the UI thread: its intervals show how long the thread was busy."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.frames: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(16)
        self._timer.timeout.connect(self._tick)

    def __enter__(self) -> FrameProbe:
        self._last = time.perf_counter()
        self._timer.start()
        return self

    def __exit__(self, *exception: object) -> None:
        self._timer.stop()

    def intervals(self, skip: int) -> list[float]:
        """The intervals in seconds, sorted, without the first ``skip`` (the start)."""
        return sorted(self.frames[skip:])

    def _tick(self) -> None:
        now = time.perf_counter()
        self.frames.append(now - self._last)
        self._last = now


def print_intervals(intervals: list[float]) -> None:
    """The UI frame interval's median, 99th percentile and worst."""
    print(f"UI frame interval: median {1000 * statistics.median(intervals):.1f} ms "
          f"(goal 20), 99th percentile {1000 * intervals[int(0.99 * len(intervals))]:.1f} ms, "
          f"worst {1000 * intervals[-1]:.1f} ms (goal 100)")


def pause_latency(window) -> float:
    """Seconds from Pause to the window receiving the worker's last record."""
    arrived: list[float] = []

    def received(report) -> None:
        if not report.playing and not arrived:
            arrived.append(time.perf_counter())

    window.session.reportReceived.connect(received)
    asked = time.perf_counter()
    window.session.pause()
    spin(lambda: bool(arrived), 10)
    window.session.reportReceived.disconnect(received)
    return arrived[0] - asked


def spin(condition, timeout: float) -> None:
    """Run the event loop (in C++, as app.exec() does) until ``condition()`` holds.

    The condition is checked every 50 ms by a timer, so that this harness does not itself
    compete with the worker for the interpreter, as a Python polling loop would.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    if condition():
        return
    loop = QEventLoop()
    end = time.monotonic() + timeout
    check = QTimer()
    check.setInterval(50)
    check.timeout.connect(lambda: (condition() or time.monotonic() > end) and loop.quit())
    check.start()
    loop.exec()
    check.stop()
    if not condition():
        raise TimeoutError("the window did not get there in time")


def rss_mb() -> float:
    """Current resident memory in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    """Peak resident memory in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--two-variables", type=int, default=200_000,
                        help="steps of a second run on a 2-variable function (0: none)")
    parser.add_argument("--repeats", type=int, default=11)
    arguments = parser.parse_args()
    # A first start: no remembered window layout or autosave from earlier sessions.
    scratch = tempfile.mkdtemp(prefix="gdstudio-bench-")
    os.environ["XDG_CONFIG_HOME"] = os.path.join(scratch, "config")
    os.environ["GDSTUDIO_DATA_DIR"] = os.path.join(scratch, "data")
    # An installed app (pip, the frozen build) has its bytecode compiled, as PySide6 and
    # pyqtgraph have; a checkout run with PYTHONDONTWRITEBYTECODE=1 would compile the
    # app's sources at every start and make the comparison unfair.
    import compileall

    import gdstudio

    compileall.compile_dir(os.path.dirname(gdstudio.__file__), quiet=1)
    bare, studio = compare_start_up(arguments.repeats)
    for name, pick in (("median", statistics.median), ("best", min)):
        print(f"start to window, {name} of {arguments.repeats}: bare PySide6 + pyqtgraph "
              f"{pick(bare):.2f} s, Gradient Descent Studio {pick(studio):.2f} s, "
              f"ratio {pick(studio) / pick(bare):.2f} (goal 1.3)")
    run_probe(arguments.steps, arguments.two_variables)


if __name__ == "__main__":
    main()
