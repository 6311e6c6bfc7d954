"""Take the data-mode screenshots of the real window (run under Xvfb).

``xvfb-run -a -s "-screen 0 1600x1000x24" python docs/make_data_screenshots.py [OUT_DIR]``

1. ``data_intercept.png``: the intercept tutorial (m fixed at 2, b from 10, SSE, rate
   0.01) paused after 8 of its 30 steps, with the gradient written out over the rows;
2. ``data_loss_surface.png``: slope and intercept with MSE after 1000 steps, the loss
   surface over (b, m) with the path and the least-squares star;
3. ``data_quadratic.png``: 1,000 noisy points of y = 0.5x² − x + 2 fitted with
   a·x² + b·x + c (the loss map over a and b, c held at its current value).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from make_screenshots import new_window, settle, wait_until

from gdstudio.app import create_application
from gdstudio.engine import StoppingRules
from gdstudio.qt.data.dialogs import GenerateSettings
from gdstudio.qt.data.mode_switch import apply_data_example
from gdstudio.qt.window import MainWindow


def data_ready(window: MainWindow, names: tuple[str, ...]) -> bool:
    """Wait until the data problem with learnt parameters ``names`` has its run."""
    return wait_until(lambda: window.data_mode.ready and window.session.active
                      and window.session.param_names == names)


def steps(window: MainWindow, count: int) -> None:
    """Make ``count`` single steps, as the Step button does, and wait for each."""
    for number in range(1, count + 1):
        window.session.step()
        assert wait_until(lambda n=number: window.session.report.step_count == n)
    window.session.flush()


def run_to_end(window: MainWindow) -> None:
    window.run()
    assert wait_until(lambda: window.session.report is not None
                      and window.session.report.status != "running", 60)
    window.session.flush()
    settle(1.0)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("GDSTUDIO_DATA_DIR", tempfile.mkdtemp())  # no autosave of ours left
    create_application(sys.argv)

    window = new_window(Path(tempfile.mkdtemp()))  # its settings file stays out of ``out``
    window.editor.mode_switch.buttons["data"].click()  # the first switch: the intercept tutorial
    assert data_ready(window, ("b",)), "the intercept tutorial did not start"
    steps(window, 8)
    settle(1.0)
    window.grab().save(str(out / "data_intercept.png"))

    apply_data_example(window.model, "tutorial_slope_intercept")
    assert data_ready(window, ("b", "m")), "the slope-intercept tutorial did not start"
    run_to_end(window)
    window.grab().save(str(out / "data_loss_surface.png"))

    model = window.model
    window.data_mode.generate(GenerateSettings("0.5*x**2 - x + 2", 1.0, 1000, (-3.0, 3.0), 7))
    assert wait_until(lambda: model.data.dataset.n_rows == 1000), "no generated data"
    model.set_data_setting("model_text", "a*x**2 + b*x + c")
    model.set_start({"a": 0.0, "b": 0.0, "c": 0.0})
    model.set_learning_rate(0.02)
    model.set_stopping(StoppingRules(max_iter=1500))
    assert data_ready(window, ("a", "b", "c")), "the quadratic did not start"
    run_to_end(window)
    window.grab().save(str(out / "data_quadratic.png"))
    projects = getattr(window, "projects", None)
    if projects is not None:  # close without asking about saving the demo
        projects.dialogs.ask_unsaved = lambda *_args: "discard"
    window.close()
    print(f"saved data-mode screenshots in {out}")


if __name__ == "__main__":
    main()
