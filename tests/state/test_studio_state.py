"""The studio's state without Qt: setters validate, store, and emit typed events once.

Nothing here imports PySide6 (``test_the_state_tests_import_no_qt`` proves it).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import gdstudio
from gdstudio.engine import StoppingRules, make_optimizer
from gdstudio.engine.limits import max_steps
from gdstudio.problems.checks import ExperimentError
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.experiment import Experiment
from gdstudio.state import NEW_VARIABLE_START, Signal, StudioState


def recorder(state: StudioState) -> list[tuple[str, Any]]:
    """Every event ``state`` emits from now on, as (event name, value)."""
    seen: list[tuple[str, Any]] = []
    for name in ("problem_changed", "start_changed", "setting_changed", "speed_changed",
                 "mode_changed", "data_setting_changed"):
        getattr(state, name).connect(lambda value, name=name: seen.append((name, value)))
    return seen


def objective_of(text: str) -> Any:
    start = {name: 0.0 for name in gdstudio.problems.expression.check_syntax(text)}
    return Experiment.from_fields(mode="function", expression=text, start=start).objective()


def test_a_new_problem_keeps_the_start_of_kept_variables_and_starts_new_ones_away_from_0():
    state = StudioState()
    seen = recorder(state)
    state.set_problem(objective_of("x**2 + y**2"), "x**2 + y**2")
    assert state.param_names == ("x", "y")
    assert state.start == {"x": 3.0, "y": NEW_VARIABLE_START}
    assert seen == [("problem_changed", ("x", "y"))]
    assert state.start_vector().tolist() == [3.0, 1.0]


def test_start_emits_only_the_values_that_changed_and_refuses_infinity():
    state = StudioState()
    state.set_problem(objective_of("x**2 + y**2"), "x**2 + y**2")
    seen = recorder(state)
    state.set_start({"x": 3.0, "y": 2})
    state.set_start({"x": 3.0, "y": 2.0})  # nothing new: no event
    assert seen == [("start_changed", {"y": 2.0})]
    with pytest.raises(ValueError, match="the start value of x must be finite, not inf"):
        state.set_start({"x": math.inf})
    assert state.start == {"x": 3.0, "y": 2.0} and len(seen) == 1


def test_settings_emit_their_name_once_and_refuse_bad_values():
    state = StudioState()
    seen = recorder(state)
    state.set_learning_rate(0.2)
    state.set_learning_rate(0.2)
    state.set_optimizer("momentum")
    state.set_hyperparameter("momentum", 0.5)
    state.set_hyperparameter("momentum", 0.5)
    state.set_schedule({"kind": "step", "step_size": 10, "gamma": 0.5})
    state.set_speed(20.0)
    assert seen == [("setting_changed", "learning_rate"), ("setting_changed", "optimizer"),
                    ("setting_changed", "hyperparameters"), ("setting_changed", "schedule"),
                    ("speed_changed", 20.0)]
    assert state.run_settings().hyperparameters == {"momentum": 0.5}
    with pytest.raises(ValueError):
        state.set_learning_rate(-1.0)
    with pytest.raises(ValueError):
        state.set_optimizer("newtonian")
    assert state.learning_rate == 0.2 and state.optimizer == "momentum" and len(seen) == 5


def test_switching_optimizer_forgets_its_hyperparameters_and_lowers_the_step_limit():
    state = StudioState()
    state.set_problem(objective_of("x**2"), "x**2")
    gd_limit = max_steps(1, make_optimizer("gd"))
    state.set_stopping(StoppingRules(max_iter=50_000_000))
    assert state.stopping.max_iter == gd_limit == state.step_limit
    state.set_optimizer("momentum")
    state.set_hyperparameter("momentum", 0.5)
    seen = recorder(state)
    state.set_optimizer("adam")
    adam_limit = max_steps(1, make_optimizer("adam"))
    assert adam_limit < gd_limit and state.stopping.max_iter == adam_limit
    assert state.hyperparameters == {}
    assert seen == [("setting_changed", "optimizer"), ("setting_changed", "stopping")]


def test_mode_and_data_settings():
    state = StudioState()
    seen = recorder(state)
    state.set_mode("data")
    state.set_mode("data")
    state.set_data_setting("loss", "sse")
    state.set_data_setting("loss", "sse")
    assert seen == [("mode_changed", "data"), ("data_setting_changed", "loss")]
    assert state.data.loss == "sse"
    with pytest.raises(ValueError, match="mode must be 'function' or 'data', not 'graph'"):
        state.set_mode("graph")
    with pytest.raises(ValueError, match="data mode has no setting 'colour'"):
        state.set_data_setting("colour", "red")


def test_the_open_work_is_one_experiment_that_runs_the_first_tutorial():
    state = StudioState()  # opens on x² from 3, rate 0.1, precision 1e-4
    state.set_problem(objective_of("x**2"), "x**2")
    run = gdstudio.run(state.experiment)
    assert run.iterations == 40
    assert run.params["x"] == pytest.approx(0.000398768, abs=1e-9)


def test_a_data_experiment_needs_a_table_and_keeps_the_settings():
    state = StudioState()
    state.set_mode("data")
    with pytest.raises(ExperimentError, match="there is no data yet"):
        state.valid_experiment()
    table = Dataset({"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0]})
    state.set_data_setting("dataset", table)
    state.set_data_setting("model_text", "m*x + b")
    state.set_learning_rate(0.05)
    experiment = state.valid_experiment()
    assert (experiment.mode, experiment.model, experiment.dataset) == ("data", "m*x + b", table)
    assert experiment.settings.learning_rate == 0.05


def test_a_signal_calls_back_in_order_even_when_a_callback_disconnects_another():
    signal: Signal[int] = Signal("counted")
    seen: list[str] = []

    def first(value: int) -> None:
        seen.append(f"first {value}")
        signal.disconnect(second)

    def second(value: int) -> None:
        seen.append(f"second {value}")

    signal.connect(first)
    signal.connect(second)
    signal.emit(1)
    signal.emit(2)
    signal.disconnect(second)  # not connected any more: ignored
    assert seen == ["first 1", "second 1", "first 2"]
    assert len(signal) == 1


@pytest.mark.parametrize(("name", "count"), [("test_studio_state.py", 8),
                                            ("test_held_experiment.py", 8)])
def test_the_state_tests_import_no_qt(name: str, count: int) -> None:
    """Run every other test of a file of tests/state in a fresh interpreter (no pytest
    plugins, so no pytest-qt) and check that no Qt module was loaded."""
    path = Path(__file__).with_name(name)
    code = (
        "import importlib.util, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parents[2])!r})\n"
        f"spec = importlib.util.spec_from_file_location('state_tests', {str(path)!r})\n"
        "tests = importlib.util.module_from_spec(spec); spec.loader.exec_module(tests)\n"
        "ran = [getattr(tests, name)() or name for name in dir(tests)\n"
        "       if name.startswith('test_') and not name.endswith('import_no_qt')]\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph'))\n"
        "print(len(ran), 'QT', qt)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == f"{count} QT []", result.stdout + result.stderr
