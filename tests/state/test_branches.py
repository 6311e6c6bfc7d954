"""The branch state without Qt: forks, selection, removal, events, save and replay."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.engine import RunSettings, StoppingRules
from gdstudio.io import Project, SavedBranch, project_from_json_text, project_to_json_text
from gdstudio.problems.experiment import Experiment
from gdstudio.state.branches import MAIN_RUN, BranchState

STOP = StoppingRules(max_iter=100, tol_step=1e-4)


def tutorial() -> tuple[Experiment, BranchState]:
    """x² from 3 at rate 0.1, the first tutorial, as a main run at step 12."""
    experiment = Experiment.from_fields(mode="function", expression="x**2", start={"x": 3.0},
                                        learning_rate=0.1, stopping=STOP)
    descent = experiment.descent(experiment.objective())
    descent.run(max_steps=12)
    state = BranchState()
    state.start(descent, experiment.settings)
    state.park(MAIN_RUN)
    return experiment, state


def test_a_branch_at_step_12_with_another_rate_and_its_events() -> None:
    _, state = tutorial()
    seen: list[tuple[str, object]] = []
    for name in ("added", "removed", "changed", "selected", "reset"):
        getattr(state, name).connect(lambda value, name=name: seen.append((name, value)))
    faster = RunSettings(learning_rate=0.3, stopping=STOP)
    branch = state.fork(MAIN_RUN, 12, faster)
    assert (branch.id, branch.parent, branch.fork_step, branch.name) == (1, 0, 12, "Branch 1")
    assert seen == [("added", branch)]
    descent = state.descent(branch.id)
    descent.step()
    x12 = 3.0 * 0.8**12
    assert descent.params[0] == pytest.approx(0.4 * x12, rel=1e-15)
    assert state.descent(MAIN_RUN).rewind_limit == 12  # the fork step stays in the main run
    state.select(branch.id)
    state.park(branch.id)
    assert seen[-2:] == [("selected", 1), ("changed", state.get(1))]
    assert state.get(1).step_count == 13 and state.get(1).loss == pytest.approx((0.4 * x12) ** 2)


def test_three_branches_from_one_step_then_remove_one_with_its_own_branch() -> None:
    _, state = tutorial()
    rates = (0.05, 0.3, 0.9)
    made = [state.fork(MAIN_RUN, 12, RunSettings(learning_rate=r, stopping=STOP))
            for r in rates]
    for branch in made:
        state.descent(branch.id).run(max_steps=20)
        state.park(branch.id)
    ends = [state.get(branch.id).loss for branch in made]
    assert ends[1] < ends[0] and ends[1] < ends[2]  # 0.3 converges fastest of the three
    grandchild = state.fork(made[0].id, 20)
    state.select(grandchild.id)
    removed: list[int] = []
    state.removed.connect(removed.append)
    assert state.remove(made[0].id) == [made[0].id, grandchild.id]
    assert sorted(removed) == [made[0].id, grandchild.id]
    assert state.selected_id == MAIN_RUN and state.branch_count == 2
    with pytest.raises(ValueError, match="main run cannot be removed"):
        state.remove(MAIN_RUN)


def test_restart_with_another_optimizer_forks_again_and_drops_its_branches() -> None:
    _, state = tutorial()
    branch = state.fork(MAIN_RUN, 12)
    state.descent(branch.id).run(max_steps=5)
    state.park(branch.id)
    child = state.fork(branch.id, 15)
    gone = state.restart(branch.id, RunSettings(optimizer="momentum", learning_rate=0.1,
                                                stopping=STOP))
    assert gone == [child.id] and state.get(branch.id).step_count == 12
    assert state.descent(branch.id).optimizer.name == "momentum"


def test_saved_branches_replay_exactly_with_and_without_their_rows() -> None:
    experiment, state = tutorial()
    made = [state.fork(MAIN_RUN, 12, RunSettings(learning_rate=r, stopping=STOP))
            for r in (0.05, 0.3)]
    for branch in made:
        state.descent(branch.id).run(max_steps=9)
        state.park(branch.id)
    momentum = state.fork(made[0].id, 16, RunSettings(optimizer="momentum", learning_rate=0.02,
                                                      stopping=STOP))
    state.descent(momentum.id).run(max_steps=7)
    state.park(momentum.id)
    main = state.descent(MAIN_RUN)
    for with_history in (True, False):
        project = Project(experiment, branches=state.saved(("x",), with_history))
        if with_history:
            project = project.with_history(main.history)
        opened = project_from_json_text(project_to_json_text(project))
        assert opened == project
        again = opened.experiment.descent(opened.experiment.objective())
        if with_history:
            again.run(max_steps=len(opened.history) - 1)
        restored = BranchState()
        restored.start(again, opened.experiment.settings)
        checks = restored.restore(opened.branches)
        assert all(check.exact for check in checks)
        for old, new in zip(state.runs, restored.runs, strict=True):
            assert (old.name, old.fork_step, old.settings) == (new.name, new.fork_step,
                                                                 new.settings)
            before = state.descent(old.id).history
            after = restored.descent(new.id).history
            assert len(before) == len(after)
            assert before.params.tobytes() == after.params.tobytes()  # bit for bit
            assert np.array_equal(before.lr, after.lr, equal_nan=True)


def test_a_state_built_elsewhere_is_taken_run_by_run() -> None:
    _, built = tutorial()
    built.fork(MAIN_RUN, 12, RunSettings(learning_rate=0.3, stopping=STOP))
    built.fork(MAIN_RUN, 12, RunSettings(learning_rate=0.9, stopping=STOP))
    mine = BranchState()
    seen: list[str] = []
    mine.reset.connect(lambda _none: seen.append("reset"))
    mine.added.connect(lambda run: seen.append(run.name))
    mine.take(built)
    assert seen == ["reset", "Branch 1", "Branch 2"]
    assert [run.name for run in mine.runs] == ["Main run", "Branch 1", "Branch 2"]
    assert mine.selected_id == MAIN_RUN and mine.descent(2) is built.descent(2)


def test_a_cancelled_restore_stops_between_steps() -> None:
    experiment, state = tutorial()
    saved = (SavedBranch("long", 0, 12, 90, RunSettings(learning_rate=0.01, stopping=STOP)),)
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 20

    restored = BranchState()
    restored.start(state.descent(MAIN_RUN), experiment.settings)
    restored.restore(saved, cancelled)
    assert restored.descent(1).step_count < 90
