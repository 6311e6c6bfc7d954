"""Data mode with a large table: is the window still responsive at 100,000 rows?

For 1,000 rows (the baseline, measured in the same run) and 100,000 rows, in the real
window: the UI-thread time of replacing the table, of one cell edit (undoable, then the
plots and the objective follow), of scrolling the table to its end and back, of painting
the data plot and of recomputing the loss map; then, during a full-speed fit of
a·x² + b·x + c, the UI thread's frame interval (goal: median at most 20 ms, worst stall
at most 100 ms) and the steps per second.

Run: ``python benchmarks/bench_data_mode.py`` (offscreen unless DISPLAY is set).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_window import FrameProbe, spin  # the benchmarks share their event-loop helpers


def timed(action) -> float:
    """Milliseconds that ``action()`` takes on this (the UI) thread."""
    started = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - started)


def measure(window, rows: int) -> dict[str, float]:
    """Editing, scrolling, painting and running costs at ``rows`` rows."""
    import numpy as np

    from gdstudio.engine import StoppingRules
    from gdstudio.problems.dataset import Dataset

    model = window.model
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, rows)
    data = Dataset({"x": x, "y": 0.5 * x**2 - x + 2 + rng.standard_normal(rows)})
    editor = window.editor.data_editor
    results = {"replace the table": timed(
        lambda: editor.table_model.replace_dataset(data, "Import"))}
    model.set_data_setting("loss", "mse")
    model.set_data_setting("model_text", "a*x**2 + b*x + c")
    model.set_start({"a": 0.0, "b": 0.0, "c": 0.0})
    model.set_learning_rate(0.02)
    model.set_stopping(StoppingRules(max_iter=10_000_000))
    spin(lambda: window.data_mode.ready and window.session.param_names == ("a", "b", "c"), 60)
    results["edit one cell"] = timed(
        lambda: editor.table_model.set_values([rows // 2], [1], [[3.0]], "Edit cell"))
    spin(lambda: window.data_mode.ready and window.model.objective.data is not data, 60)
    view = editor.table_view

    def scroll() -> None:
        view.scrollToBottom()
        view.viewport().repaint()
        view.scrollToTop()
        view.viewport().repaint()

    results["scroll the table to the end and back"] = timed(scroll)
    page = window.data_mode.view
    results["paint the data plot"] = timed(lambda: page.data_plot.viewport().repaint())
    results["recompute the loss map"] = timed(page.loss_map._recompute)
    with FrameProbe() as probe:
        started = time.perf_counter()
        window.run()
        spin(lambda: time.perf_counter() - started > 3.0, 10)
        window.session.pause()
        spin(lambda: not window.session.playing, 10)
        elapsed = time.perf_counter() - started
    intervals = probe.intervals(skip=3)
    results["frame interval, median"] = 1000 * statistics.median(intervals)
    results["frame interval, worst"] = 1000 * intervals[-1]
    results["steps per second"] = window.session.report.step_count / elapsed
    return results


def main() -> None:
    """Measure at 1,000 and 100,000 rows and print both with their ratio."""
    if "DISPLAY" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("GDSTUDIO_DATA_DIR", tempfile.mkdtemp())
    from gdstudio.app import create_application
    from gdstudio.qt.window import MainWindow

    app = create_application([])
    window = MainWindow()
    window.resize(1500, 920)
    window.show()
    spin(lambda: window.session.active, 30)
    window.model.set_speed(float("inf"))  # full speed, whatever pace the window opened at
    window.editor.mode_switch.switch_to("data")
    spin(lambda: window.data_mode.ready, 30)
    small, large = measure(window, 1_000), measure(window, 100_000)
    print(f"{'':40s}{'1,000 rows':>12s}{'100,000 rows':>14s}{'ratio':>8s}")
    for key, value in large.items():
        unit = "" if key == "steps per second" else " ms"
        print(f"{key:40s}{small[key]:>9.1f}{unit:3s}{value:>11.1f}{unit:3s}"
              f"{value / small[key]:>8.1f}")
    window.setWindowModified(False)
    projects = getattr(window, "projects", None)
    if projects is not None:
        projects.dialogs.ask_unsaved = lambda *_args: "discard"
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
