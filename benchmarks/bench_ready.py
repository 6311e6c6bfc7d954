"""Ready to run: the studio's first example against a bare window, whole processes, paired.

Each pair starts two fresh Python processes, one after the other (the order alternates):

* bare: PySide6 + pyqtgraph, a main window holding one plot, until its first paint;
* studio: ``gdstudio``'s main window until it is *ready*: the first example's curve is
  drawn, step 0 is in the step log and Run is enabled, and a paint has followed.

Both are timed from the moment the process is started (interpreter start, imports and
all) to that paint, on the wall clock. The ratio studio / bare is taken pair by pair, so
that a machine whose speed drifts (other people's work) does not favour either side; the
median ratio is judged against the goal of issue 18 (at most 1.3).

``--frozen PATH`` times a frozen build's binary by the ready time its self-test reports
from the process's start (``--self-test`` with ``GDSTUDIO_STARTUP_TIMING=1``), against
the goal of 2 s.

Run: ``python benchmarks/bench_ready.py [--pairs N]`` (offscreen unless DISPLAY is set).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

RATIO_GOAL = 1.3
FROZEN_GOAL_S = 2.0

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


def seconds_to_ready(code: str, env: dict[str, str]) -> float:
    """Wall seconds from starting ``python -c code`` to the time it prints."""
    started = time.time()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"the child printed no time:\n{result.stderr[-2000:]}")
    return float(lines[-1]) - started


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


def environment() -> dict[str, str]:
    """A first start: no remembered layout or autosave; offscreen without a display."""
    scratch = tempfile.mkdtemp(prefix="gdstudio-bench-ready-")
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = os.path.join(scratch, "config")
    env["GDSTUDIO_DATA_DIR"] = os.path.join(scratch, "data")
    if "DISPLAY" not in env:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def main(argv: list[str] | None = None) -> None:
    """Measure the pairs and print each, the medians, the ratio and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=9, help="interleaved pairs (9)")
    parser.add_argument("--frozen", help="also time this frozen gdstudio binary")
    options = parser.parse_args(argv)
    env = environment()
    # An installed app has its bytecode compiled, as PySide6 and pyqtgraph have.
    import compileall

    import gdstudio

    compileall.compile_dir(os.path.dirname(gdstudio.__file__), quiet=1)
    seconds_to_ready(STUDIO, env)  # a warm-up of each: the disk cache, not the code, differs
    seconds_to_ready(BARE, env)
    bare, studio, ratios = [], [], []
    for index in range(options.pairs):
        order = [(BARE, bare), (STUDIO, studio)]
        for code, times in order if index % 2 == 0 else order[::-1]:
            times.append(seconds_to_ready(code, env))
        ratios.append(studio[-1] / bare[-1])
        print(f"pair {index + 1}: bare first paint {bare[-1]:.3f} s, studio ready "
              f"{studio[-1]:.3f} s, ratio {ratios[-1]:.2f}", flush=True)
    ratio = statistics.median(ratios)
    print(f"bare window first paint: median {statistics.median(bare):.3f} s (min "
          f"{min(bare):.3f}); studio ready to run: median {statistics.median(studio):.3f} s "
          f"(min {min(studio):.3f})")
    print(f"ready / bare, pair by pair: median {ratio:.2f} (min {min(ratios):.2f}, max "
          f"{max(ratios):.2f}); goal <= {RATIO_GOAL}: "
          + ("goal met" if ratio <= RATIO_GOAL else "goal NOT met"))
    if options.frozen:
        frozen = [frozen_seconds(options.frozen, env) for _ in range(max(3, options.pairs // 2))]
        median = statistics.median(frozen)
        print(f"frozen app ready: median {median:.3f} s (min {min(frozen):.3f}, max "
              f"{max(frozen):.3f}); goal <= {FROZEN_GOAL_S:g} s: "
              + ("goal met" if median <= FROZEN_GOAL_S else "goal NOT met"))


if __name__ == "__main__":
    main()
