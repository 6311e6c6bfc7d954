"""The state holds one Experiment: a valid change replaces it, an invalid one is a draft.

No Qt here (``test_studio_state.test_the_state_tests_import_no_qt`` proves the state
loads none).
"""

from __future__ import annotations

from typing import Any

import pytest

import gdstudio
from gdstudio.problems.checks import ExperimentError
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.experiment import Experiment
from gdstudio.state import Draft, StudioState

EVENTS = ("problem_changed", "start_changed", "setting_changed", "speed_changed",
          "mode_changed", "data_setting_changed", "experiment_changed", "draft_changed")
TABLE = Dataset({"x": [0.0, 1.0, 2.0, 3.0, 4.0], "y": [1.0, 3.0, 5.0, 7.0, 9.0]})


def recorder(state: StudioState) -> list[tuple[str, Any]]:
    """Every event ``state`` emits from now on, as (event name, value)."""
    seen: list[tuple[str, Any]] = []
    for name in EVENTS:
        getattr(state, name).connect(lambda value, name=name: seen.append((name, value)))
    return seen


def objective_of(experiment: Experiment) -> Any:
    return experiment.objective()


def data_state() -> StudioState:
    """A state in data mode on the tutorial's table, model m*x + b, objective in place."""
    state = StudioState()
    state.set_data_setting("dataset", TABLE)
    state.set_mode("data")
    state.set_problem(objective_of(state.experiment), state.expression_text)
    return state


def test_a_valid_change_replaces_the_held_experiment_with_its_replace() -> None:
    state = StudioState()
    before = state.experiment
    seen = recorder(state)
    state.set_learning_rate(0.2)
    after = state.experiment
    assert after is not before and after == before.replace(lr=0.2)
    assert before.settings.learning_rate == 0.1  # immutable: the old one is unchanged
    assert state.draft is None and state.run_settings() == after.settings
    assert seen == [("experiment_changed", after), ("setting_changed", "learning_rate")]
    state.set_optimizer("momentum")
    state.set_hyperparameter("momentum", 0.5)
    state.set_start({"x": 2.0})
    assert state.experiment == before.replace(lr=0.2, optimizer="momentum", momentum=0.5,
                                              start={"x": 2.0})


def test_everything_reads_the_held_experiment() -> None:
    state = StudioState()
    state.set_problem(objective_of(state.experiment), "x**2")
    state.set_schedule({"kind": "step", "step_size": 10, "gamma": 0.5})
    held = state.experiment
    assert (state.learning_rate, state.optimizer, state.schedule, state.stopping) == (
        held.settings.learning_rate, held.settings.optimizer, dict(held.settings.schedule),
        held.settings.stopping)
    assert state.start == dict(held.start) and state.expression_text == held.expression
    assert state.valid_experiment() is held
    state.set_schedule({"kind": "constant"})
    run = gdstudio.run(state.experiment)  # the first tutorial, from the state as it opens
    assert run.iterations == 40
    assert run.params["x"] == pytest.approx(0.000398768, abs=1e-9)


def test_data_mode_without_a_table_is_a_draft_that_keeps_the_last_experiment() -> None:
    state = StudioState()
    held = state.experiment
    seen = recorder(state)
    state.set_mode("data")
    reason = "there is no data yet: load or make a table before saving"
    assert state.experiment is held and state.mode == "data"
    assert state.draft == Draft({"mode": "data"}, reason)
    assert seen == [("draft_changed", state.draft), ("mode_changed", "data")]
    with pytest.raises(ExperimentError, match=reason):
        state.valid_experiment()
    # Settings still go to the held experiment: they are valid on their own.
    state.set_learning_rate(0.05)
    assert state.experiment.settings.learning_rate == 0.05 and state.draft is not None
    seen.clear()
    state.set_data_setting("dataset", TABLE)  # the draft becomes valid: it is taken
    made = state.experiment
    assert state.draft is None and made.mode == "data" and made.dataset is TABLE
    assert (made.model, made.settings.learning_rate) == ("m*x + b", 0.05)
    assert seen == [("experiment_changed", made), ("draft_changed", None),
                    ("data_setting_changed", "dataset")]


def test_a_model_the_table_refuses_is_a_draft_saying_why_until_it_is_fixed() -> None:
    state = data_state()
    held = state.experiment
    seen = recorder(state)
    state.set_data_setting("target", "z")
    draft = state.draft
    assert draft is not None and state.experiment is held
    assert draft.changes == {"target": "z"}
    assert draft.reason == "target must name a column of the data (x, y), not \"z\""
    assert state.data.target == "z"  # what the editor shows
    state.set_data_setting("target", "z")  # the same value again: no event at all
    assert seen == [("draft_changed", draft), ("data_setting_changed", "target")]
    state.set_data_setting("target", "y")  # back to what the experiment holds
    assert state.draft is None and state.experiment is held
    assert seen[2:] == [("draft_changed", None), ("data_setting_changed", "target")]


def test_a_start_for_a_fixed_parameter_is_kept_aside_until_it_is_learnt() -> None:
    state = data_state()
    state.set_data_setting("fixed", {"m": 2.0})  # m is learnt no more: its start goes
    assert state.draft is None
    assert state.experiment.fixed == {"m": 2.0} and dict(state.experiment.start) == {"b": 1.0}
    state.set_start({"m": 5.0})  # unfixing m: its start first, then the fixed values
    assert state.start == {"b": 1.0, "m": 5.0} and state.draft is None
    assert "m" not in state.experiment.start
    state.set_data_setting("fixed", {})
    assert state.draft is None
    assert dict(state.experiment.start) == {"b": 1.0, "m": 5.0}
    assert state.experiment.fixed == {}


def test_a_table_before_its_model_keeps_the_start_of_the_model_to_come() -> None:
    state = data_state()  # as a project applies: start first, then field by field
    state.set_start({"t0": 0.1, "t1": 0.2})
    state.set_data_setting("dataset", Dataset({"x": [0.0, 1.0, 2.0], "y": [1.0, 2.0, 2.5]}))
    state.set_data_setting("model_text", "t0 + t1*x")
    assert state.draft is None
    assert dict(state.experiment.start) == {"t0": 0.1, "t1": 0.2}


def test_switching_modes_keeps_each_mode_s_problem() -> None:
    state = data_state()
    assert state.experiment.mode == "data" and state.expression_text == "x**2"
    state.set_mode("function")
    held = state.experiment
    assert (held.mode, held.expression, dict(held.start)) == ("function", "x**2", {"x": 3.0})
    state.set_mode("data")
    assert state.experiment.mode == "data" and state.experiment.dataset is TABLE


def test_a_project_s_order_mode_then_start_then_table_ends_in_its_experiment() -> None:
    state = StudioState()  # as File ▸ Open applies a data project: mode, settings, start,
    state.set_mode("data")  # then the table field by field
    state.set_learning_rate(0.01)
    state.set_start({"b": 10.0})
    assert state.draft is not None and state.draft.changes["start"]["b"] == 10.0
    for name, value in (("dataset", TABLE), ("fixed", {"m": 2.0}), ("loss", "sse")):
        state.set_data_setting(name, value)
    assert state.draft is None
    assert state.experiment == gdstudio.Experiment.data(
        TABLE, "m*x + b", start={"b": 10.0}, fixed={"m": 2.0}, loss="sse", lr=0.01,
        max_iter=100, tol_step=1e-4)
    state.set_stopping(state.stopping.with_changes(max_iter=30, tol_step=None))
    assert gdstudio.run(state.experiment).params["b"] == pytest.approx(1.3815, abs=1e-4)
