"""A fit of 25,000 rows in the real window steps in the helper process, with the same rows."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.engine import BatchPlan, StoppingRules
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.step_service import REMOTE_ROWS, SERVICE
from gdstudio.qt.window import MainWindow
from tests.qt.helpers import shown_window

WAIT = 60_000  # ms: a helper starting on a busy machine (spawn, the sympy import)
ROWS = 25_000


@pytest.fixture
def window(qtbot, tmp_path):
    yield from shown_window(qtbot, tmp_path, (1400, 900))
    SERVICE.shutdown()


def load(qtbot, window: MainWindow) -> None:
    """y = x²/2 − x + 2 + noise, the model a·x² + b·x + c, MSE, as bench_data_mode loads it."""
    window.editor.mode_switch.switch_to("data")
    qtbot.waitUntil(lambda: window.data_mode.ready, timeout=WAIT)
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 10.0, ROWS)
    data = Dataset({"x": x, "y": 0.5 * x**2 - x + 2 + rng.standard_normal(ROWS)})
    model = window.model
    window.editor.data_editor.table_model.replace_dataset(data, "Import")
    model.set_data_setting("loss", "mse")
    model.set_data_setting("model_text", "a*x**2 + b*x + c")
    model.set_start({"a": 0.0, "b": 0.0, "c": 0.0})
    model.set_learning_rate(5e-5)
    model.set_stopping(StoppingRules(max_iter=10**6))
    qtbot.waitUntil(lambda: (window.data_mode.ready and window.session.active
                             and window.session.param_names == ("a", "b", "c")
                             and window.model.objective.n_samples == ROWS), timeout=WAIT)


def made_here(window: MainWindow, steps: int):
    """The same fit stepped on this thread, as the window would without the helper."""
    objective, data = window.model.objective, window.model.data
    start = objective.start_point(dict(window.model.start))
    plan = BatchPlan(objective.n_samples, data.batch_size, data.seed)
    descent = window.model.run_settings().build(objective, start, plan)
    descent.run(max_steps=steps)
    return descent.history


def test_a_large_fit_steps_in_the_helper_and_shows_the_rows_it_would_make_here(
        qtbot, window) -> None:
    assert ROWS >= REMOTE_ROWS
    load(qtbot, window)
    # Ready first: a busy machine may start the helper slower than the fit runs here.
    qtbot.waitUntil(lambda: SERVICE.holds(window.model.objective), timeout=WAIT)
    window.run()
    qtbot.waitUntil(lambda: SERVICE.busy, timeout=WAIT)
    assert SERVICE.pid is not None
    qtbot.waitUntil(lambda: len(window.session.history) > 20_000, timeout=WAIT)
    window.session.pause()
    qtbot.waitUntil(lambda: not window.session.playing and not SERVICE.busy,
                    timeout=WAIT)
    history = window.session.history
    qtbot.waitUntil(lambda: len(history) == window.session.report.step_count + 1)
    here = made_here(window, window.session.report.step_count)
    for name in ("params", "loss", "grad", "lr", "step_size"):
        np.testing.assert_array_equal(getattr(history, name), getattr(here, name), name)
    # Back is one step back, from the steps the helper made.
    steps = window.session.report.step_count
    window.session.step_back()
    qtbot.waitUntil(lambda: len(window.session.history) == steps, timeout=WAIT)
    np.testing.assert_array_equal(window.session.history.params[-1], here.params[-2])
    assert SERVICE.last_error == ""
