"""Window speed goals, each against a baseline or a fixed goal, measured in the same run.

1. Ready to run (issue 18): whole processes in interleaved pairs. Each pair starts two
   fresh Python processes, one after the other (the order alternates):

   * bare: PySide6 + pyqtgraph, a main window holding one plot, until its first paint;
   * studio: ``gdstudio``'s main window until it is *ready*: the first example's curve is
     drawn, step 0 is in the step log and Run is enabled, and a paint has followed.

   Both are timed from the moment the process is started (interpreter start, imports and
   all) to that paint, on the wall clock. The ratio studio / bare is printed pair by pair
   (a machine whose speed drifts with other people's work then favours neither side),
   and their median is judged (goal: at most 1.3). Each child's CPU time (user and
   system, all its threads, from the kernel's account of waited-for children) is printed
   beside it as a second ratio, for information only: it depends less on other people's
   work, but the goal is judged on the wall clock. ``--frozen PATH`` also times a frozen
   build's binary by the ready time its self-test reports from the process's start
   (``--self-test`` with ``GDSTUDIO_STARTUP_TIMING=1``; goal: at most 2 s).
2. A full-speed run in this process: the UI thread's frame interval (goal: median at most
   20 ms, worst stall at most 100 ms) and the latency from Pause to the last record
   (goal: 50 ms).
3. A 1,000,000-step run: peak memory (goal: under 300 MB) and the frame interval while
   the history grows.

Then the frame interval again during 200,000 Adam steps on the Rosenbrock function, whose
contour plot costs more to draw than the curve of x². Each goal prints "goal met" or
"goal NOT met"; nothing is asserted.

Run: ``python benchmarks/bench_window.py [--pairs N] [--frozen PATH] [--steps N]``
(offscreen unless DISPLAY is set; ``xvfb-run -a python benchmarks/bench_window.py`` for a
real X window). ``--steps 0`` measures the start-up only.
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

from goals import CHECKOUT, record, verdict

READY_RATIO_GOAL = 1.3
FROZEN_GOAL_S = 2.0
MEDIAN_FRAME_GOAL_MS = 20.0
WORST_FRAME_GOAL_MS = 100.0
PAUSE_GOAL_MS = 50.0
MEMORY_GOAL_MB = 300.0

#: The child's clock: on the first paint once ``ready()`` holds, print the time and leave.
_PROBE = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

class Probe(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and ready():
            print(repr(time.time()), flush=True)
            os._exit(0)
        return False
"""

BARE = _PROBE + """
from PySide6.QtWidgets import QMainWindow
import pyqtgraph as pg
app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1400, 900)
ready = lambda: True
probe = Probe()
app.installEventFilter(probe)
window.show()
app.exec()
"""

STUDIO = _PROBE + """
from gdstudio.app import create_application
from gdstudio.qt.window import MainWindow
app = create_application(sys.argv)
window = MainWindow()
window.resize(1400, 900)
run = window.findChild(QObject, "actionRun")

def ready():
    curve = window.function_plot._curve.xData
    return (curve is not None and len(curve) > 0 and run.isEnabled()
            and window.history_model.rowCount() >= 1 and window.session.active)

probe = Probe()
app.installEventFilter(probe)
window.show()
app.exec()
"""


def seconds_to_ready(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds from starting ``python -c code`` to the time it prints, and the CPU
    seconds (user and system) the child used in all (it leaves at that print)."""
    before = _children_cpu()
    started = time.time()
    # From the checkout's folder: ``-c`` puts it first on the child's path, so the child
    # imports the same gdstudio that main() compiled.
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120, cwd=CHECKOUT)
    cpu = _children_cpu() - before
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"the child printed no time:\n{result.stderr[-2000:]}")
    return float(lines[-1]) - started, cpu


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def frozen_seconds(binary: str, env: dict[str, str]) -> float:
    """Seconds from the frozen ``binary``'s process start to the example ready to run.

    Read from its self-test (``--self-test`` with ``GDSTUDIO_STARTUP_TIMING=1``), which
    measures from the process's start as the kernel records it (10 ms resolution).
    """
    result = subprocess.run([binary, "--self-test"], capture_output=True, text=True,
                            timeout=300, env={**env, "GDSTUDIO_STARTUP_TIMING": "1"})
    for line in result.stdout.splitlines():
        if line.startswith("startup: ready to run"):
            return float(line.split(" s after the process started")[0].split()[-1])
    raise RuntimeError(f"the frozen app reported no ready time:\n{result.stdout[-2000:]}"
                       f"\n{result.stderr[-2000:]}")


def compare_ready(pairs: int, env: dict[str, str]) -> None:
    """Measure the pairs and print each, the medians, the ratio and the verdict."""
    seconds_to_ready(STUDIO, env)  # a warm-up of each: the disk cache, not the code, differs
    seconds_to_ready(BARE, env)
    bare: list[float] = []
    studio: list[float] = []
    cpu: dict[str, list[float]] = {BARE: [], STUDIO: []}
    ratios = []
    for index in range(pairs):
        order = [(BARE, bare), (STUDIO, studio)]
        for code, times in order if index % 2 == 0 else order[::-1]:
            wall, used = seconds_to_ready(code, env)
            times.append(wall)
            cpu[code].append(used)
        ratios.append(studio[-1] / bare[-1])
        print(f"pair {index + 1}: bare first paint {bare[-1]:.3f} s, studio ready "
              f"{studio[-1]:.3f} s, ratio {ratios[-1]:.2f} (CPU {cpu[BARE][-1]:.3f} s, "
              f"{cpu[STUDIO][-1]:.3f} s, ratio {cpu[STUDIO][-1] / cpu[BARE][-1]:.2f})",
              flush=True)
    ratio = statistics.median(ratios)
    print(f"bare window first paint: median {statistics.median(bare):.3f} s (min "
          f"{min(bare):.3f}); studio ready to run: median {statistics.median(studio):.3f} s "
          f"(min {min(studio):.3f})")
    print(f"ready / bare first paint, pair by pair: median {ratio:.2f} (min {min(ratios):.2f}, "
          f"max {max(ratios):.2f}); goal <= {READY_RATIO_GOAL}: "
          + verdict(ratio <= READY_RATIO_GOAL))
    record(f"launch to ready / a bare window's first paint, median of {pairs} pairs", ratio,
           "×", f"≤ {READY_RATIO_GOAL}×", ratio <= READY_RATIO_GOAL,
           f"pairs {min(ratios):.2f}–{max(ratios):.2f}")
    cpu_ratios = [used / base for used, base in zip(cpu[STUDIO], cpu[BARE], strict=True)]
    print(f"for information, not the goal's measure: CPU time (user + system, whole process) "
          f"studio ready / bare first paint, pair by pair: median "
          f"{statistics.median(cpu_ratios):.2f} (min {min(cpu_ratios):.2f}, max "
          f"{max(cpu_ratios):.2f}); bare median {statistics.median(cpu[BARE]):.3f} s, studio "
          f"median {statistics.median(cpu[STUDIO]):.3f} s")


def time_frozen(binary: str, runs: int, env: dict[str, str]) -> None:
    """Print the frozen binary's ready times and the verdict."""
    frozen = [frozen_seconds(binary, env) for _ in range(runs)]
    median = statistics.median(frozen)
    print(f"frozen app ready: median {median:.3f} s (min {min(frozen):.3f}, max "
          f"{max(frozen):.3f}, {runs} runs); goal <= {FROZEN_GOAL_S:g} s: "
          + verdict(median <= FROZEN_GOAL_S))
    record(f"frozen app: launch to ready, median of {runs} runs", median, "s",
           f"≤ {FROZEN_GOAL_S:g} s", median <= FROZEN_GOAL_S,
           f"runs {min(frozen):.3f}–{max(frozen):.3f}")


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
    print_intervals(intervals, f"x², {steps:,} steps at full speed")
    pause_ms, peak = 1000 * latency, peak_mb()
    print(f"pause to last record: {pause_ms:.1f} ms; goal <= {PAUSE_GOAL_MS:.0f} ms: "
          + verdict(pause_ms <= PAUSE_GOAL_MS))
    record(f"x², {steps:,} steps: Pause to the last record", pause_ms, "ms",
           f"≤ {PAUSE_GOAL_MS:.0f} ms", pause_ms <= PAUSE_GOAL_MS)
    print(f"peak memory: {peak:.0f} MB (window before the run {baseline:.0f} MB); goal "
          f"< {MEMORY_GOAL_MB:.0f} MB: " + verdict(peak < MEMORY_GOAL_MB))
    record(f"x², {steps:,} steps: peak memory of the window's process", peak, "MB",
           f"< {MEMORY_GOAL_MB:.0f} MB", peak < MEMORY_GOAL_MB)
    if two_variables:
        show_rosenbrock(window, two_variables)
        elapsed, intervals, _ = measure_run(window, two_variables)
        print(f"run of {two_variables:,} Adam steps on the Rosenbrock function (contour "
              f"plot): {elapsed:.1f} s")
        print_intervals(intervals, f"Rosenbrock, Adam, {two_variables:,} steps (contour plot)")
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


def print_intervals(intervals: list[float], run: str) -> None:
    """The UI frame interval's median, 99th percentile and worst, and the verdicts."""
    median, worst = 1000 * statistics.median(intervals), 1000 * intervals[-1]
    print(f"UI frame interval: median {median:.1f} ms, 99th percentile "
          f"{1000 * intervals[int(0.99 * len(intervals))]:.1f} ms, worst {worst:.1f} ms; goals "
          f"median <= {MEDIAN_FRAME_GOAL_MS:.0f} ms, worst <= {WORST_FRAME_GOAL_MS:.0f} ms: "
          + verdict(median <= MEDIAN_FRAME_GOAL_MS and worst <= WORST_FRAME_GOAL_MS))
    record(f"{run}: median frame interval", median, "ms", f"≤ {MEDIAN_FRAME_GOAL_MS:.0f} ms",
           median <= MEDIAN_FRAME_GOAL_MS)
    record(f"{run}: worst frame interval", worst, "ms", f"≤ {WORST_FRAME_GOAL_MS:.0f} ms",
           worst <= WORST_FRAME_GOAL_MS)


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


def main(argv: list[str] | None = None) -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=9, help="start-up pairs (9; 0: none)")
    parser.add_argument("--frozen", help="also time this frozen gdstudio binary")
    parser.add_argument("--steps", type=int, default=1_000_000,
                        help="steps of the full-speed run on x² (0: no run)")
    parser.add_argument("--two-variables", type=int, default=200_000,
                        help="steps of a second run on a 2-variable function (0: none)")
    arguments = parser.parse_args(argv)
    # A first start: no remembered window layout or autosave from earlier sessions.
    scratch = tempfile.mkdtemp(prefix="gdstudio-bench-")
    os.environ["XDG_CONFIG_HOME"] = os.path.join(scratch, "config")
    os.environ["GDSTUDIO_DATA_DIR"] = os.path.join(scratch, "data")
    # An installed app (pip, the frozen build) has its bytecode compiled, as PySide6 and
    # pyqtgraph have; a checkout run with PYTHONDONTWRITEBYTECODE=1 would compile the
    # app's sources at every start and make the comparison unfair.
    import compileall

    compileall.compile_dir(CHECKOUT / "gdstudio", quiet=1)
    print(f"load average {os.getloadavg()[0]:.2f}")
    env = _environment()
    if arguments.pairs:
        compare_ready(arguments.pairs, env)
    if arguments.frozen:
        time_frozen(arguments.frozen, max(3, arguments.pairs // 2), env)
    if arguments.steps:
        run_probe(arguments.steps, arguments.two_variables)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
