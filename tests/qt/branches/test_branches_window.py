"""Branches in the real window: branch, select, remove, step the selected run, save, open."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdstudio.engine import RunSettings, StoppingRules
from gdstudio.io import Project, SavedBranch, SavedHistory, load_project, save_project
from gdstudio.state.branches import MAIN_RUN
from tests.qt import helpers
from tests.qt.helpers import WAIT, make_window, settle, wait_for_problem

window = helpers.window  # the fixture


def step_to(qtbot, window, step: int) -> None:
    """Step the selected run until it is at ``step`` (forwards only)."""
    session = window.session
    while session.report.step_count < step:
        before = session.report.step_count
        window.action_step.trigger()
        qtbot.waitUntil(lambda before=before: session.report.step_count == before + 1,
                        timeout=WAIT)
    session.flush()
    qtbot.waitUntil(lambda: not window.side_panels_pending, timeout=WAIT)  # the step log


def test_a_branch_at_step_12_with_another_rate(qtbot, window) -> None:
    step_to(qtbot, window, 12)
    branch = window.branches.branch_here()
    assert branch is not None and branch.fork_step == 12
    assert window.branches.dock.isVisible()
    window.model.set_learning_rate(0.3)
    step_to(qtbot, window, 13)
    x12 = 3.0 * 0.8**12
    assert window.session.history.params[13, 0] == pytest.approx(0.4 * x12, rel=1e-14)
    assert window.history_model.rowCount() == 14  # the step log shows the branch
    assert "0.3" in window.branches.panel.row_texts(branch.id)[3]
    # The main run stayed where it was, at its own rate.
    main = window.branches.state.descent(MAIN_RUN)
    assert main.step_count == 12 and main.learning_rate == 0.1
    # Back stops at the fork.
    window.action_step_back.trigger()
    qtbot.waitUntil(lambda: window.session.report.step_count == 12
                    and not window.action_step_back.isEnabled(), timeout=WAIT)
    assert window.session.history.params[12, 0] == pytest.approx(x12, rel=1e-14)


def test_three_branches_from_one_step_select_step_and_remove(qtbot, window) -> None:
    controller = window.branches
    step_to(qtbot, window, 10)
    rates = (0.05, 0.3, 0.9)
    made = []
    for rate in rates:
        controller.select(MAIN_RUN)
        made.append(controller.branch_here())
        window.model.set_learning_rate(rate)
        settle(qtbot, window.session, rate)
        step_to(qtbot, window, 15)
    assert [run.fork_step for run in made] == [10, 10, 10]
    assert {run.id for run in controller.state.runs} == {MAIN_RUN, *(r.id for r in made)}
    paths = controller.overlays()["path"]
    assert set(paths.run_ids) == {MAIN_RUN, *(r.id for r in made)}
    for run, rate in zip(made, rates, strict=True):
        xs, _ = paths.item(run.id).getData()
        x10 = 3.0 * 0.8**10
        assert xs[0] == pytest.approx(x10) and xs[-1] == pytest.approx(
            x10 * (1 - 2 * rate) ** 5, rel=1e-12)
    # Selecting a run puts its settings in the Problem panel and Step acts on it only.
    controller.panel.tree.setCurrentItem(controller.panel._items[made[0].id])
    qtbot.waitUntil(lambda: window.session.report.step_count == 15, timeout=WAIT)
    assert window.model.learning_rate == 0.05 and controller.state.selected_id == made[0].id
    step_to(qtbot, window, 16)
    assert controller.state.descent(made[1].id).step_count == 15
    assert controller.state.descent(MAIN_RUN).step_count == 10
    # Removing the selected branch selects its parent, the main run.
    controller.action_remove.trigger()
    assert controller.state.selected_id == MAIN_RUN and controller.state.branch_count == 2
    assert made[0].id not in paths.run_ids
    assert window.model.learning_rate == 0.1 and window.session.report.step_count == 10


def test_another_optimizer_on_a_branch_restarts_it_from_its_fork(qtbot, window) -> None:
    step_to(qtbot, window, 8)
    branch = window.branches.branch_here()
    step_to(qtbot, window, 11)
    window.model.set_optimizer("momentum")
    qtbot.waitUntil(lambda: window.session.report.step_count == 8, timeout=WAIT)
    assert window.branches.state.get(branch.id).settings.optimizer == "momentum"
    assert window.branches.state.descent(MAIN_RUN).optimizer.name == "gd"
    assert window.branches.state.branch_count == 1


def test_branches_replay_exactly_after_save_and_open(qtbot, window, tmp_path: Path) -> None:
    controller = window.branches
    step_to(qtbot, window, 12)
    assert not window.isWindowModified()
    for rate, optimizer in ((0.3, "gd"), (0.02, "momentum")):
        controller.select(MAIN_RUN)
        controller.branch_here()
        window.model.set_optimizer(optimizer)
        window.model.set_learning_rate(rate)
        settle(qtbot, window.session, rate)
        step_to(qtbot, window, 30)
    assert window.isWindowModified()  # branches are work to save
    controller.select(MAIN_RUN)
    step_to(qtbot, window, 20)
    expected = {run.name: controller.state.descent(run.id).history.params.copy()
                for run in controller.state.runs if run.id != controller.state.selected_id}
    expected["Main run"] = window.session.history.params.copy()
    path = tmp_path / "what-if.gdstudio"
    for with_history in (True, False):
        window.projects.action_include_history.setChecked(with_history)
        window.projects.dialogs.save_paths.append(path)
        assert window.projects.save_as()
        saved = load_project(path)
        assert [b.name for b in saved.branches] == ["Branch 1", "Branch 2"]
        assert saved.learning_rate == 0.1 and saved.optimizer == "gd"  # the main run's
        other = make_window(qtbot, tmp_path / f"other-{with_history}.ini")
        with qtbot.waitSignal(other.projects.restorer.ready, timeout=WAIT):
            assert other.projects.open_file(path)
        wait_for_problem(qtbot, other, "x**2")
        state = other.branches.state
        assert [run.name for run in state.runs] == ["Main run", "Branch 1", "Branch 2"]
        qtbot.waitUntil(lambda other=other: "2 branch(es) exactly"
                        in other.statusBar().currentMessage(), timeout=WAIT)
        assert not other.isWindowModified()
        for run in state.runs[1:]:
            replayed = state.descent(run.id).history.params
            assert replayed.tobytes() == expected[run.name].tobytes()  # bit for bit
        if with_history:
            assert other.session.history.params.tobytes() == expected["Main run"].tobytes()
        assert state.get(2).settings.optimizer == "momentum"
        assert state.get(2).settings.learning_rate == 0.02
        other.close()


def test_a_project_with_bad_branches_is_refused_in_one_sentence(qtbot, window,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "bad.gdstudio"
    path.write_text(
        '{"format": "gdstudio-project", "version": 2, "problem": {"mode": "function", '
        '"expression": "x**2", "start": {"x": 3}}, "settings": {"learning_rate": 0.1}, '
        '"branches": {"version": 1, "runs": [{"name": "B", "parent": 3, "fork_step": 2, '
        '"steps": 5, "settings": {"learning_rate": 0.3}}]}}', "utf-8")
    with qtbot.waitSignal(window.projects.openFinished, timeout=WAIT) as finished:
        window.projects.open_file(path)
    assert finished.args == [str(path), False]
    kind, _title, message = window.projects.dialogs.messages[-1]
    assert kind == "error"
    assert message == "bad.gdstudio: branches.runs[0].parent must be from 0 to 0, not 3"
    assert window.branches.state.branch_count == 0


def test_a_branch_whose_saved_rows_differ_is_reported(qtbot, window, tmp_path: Path) -> None:
    experiment = Project(expression="x**2", start={"x": 3.0}, learning_rate=0.1,
                         stopping=StoppingRules(max_iter=100)).experiment
    main = experiment.descent(experiment.objective())
    main.run(max_steps=5)
    branch = main.fork(5, lr=0.3)
    branch.run(max_steps=5)
    rows = branch.history.tail(5)
    params = rows.params.copy()
    params[3:] *= 1.5  # as if the rate had been changed by hand during the branch
    tampered = SavedHistory(("x",), params, rows.loss, rows.grad, rows.lr, rows.step_size,
                            rows.epoch)
    path = tmp_path / "tampered.gdstudio"
    save_project(Project(experiment, branches=(SavedBranch(
        "B", 0, 5, 10, RunSettings(learning_rate=0.3, stopping=StoppingRules(max_iter=100)),
        tampered),)), path)
    with qtbot.waitSignal(window.projects.restorer.ready, timeout=WAIT):
        assert window.projects.open_file(path)
    qtbot.waitUntil(lambda: "it differs from step 8 on" in window.statusBar().currentMessage(),
                    timeout=WAIT)
    assert window.branches.state.branch_count == 1
    assert window.branches.state.descent(MAIN_RUN).step_count == 5  # stepped on to the fork


def test_reset_of_the_main_run_removes_its_branches(qtbot, window) -> None:
    controller = window.branches
    step_to(qtbot, window, 6)
    controller.branch_here()
    controller.select(MAIN_RUN)
    # The main run keeps the step its branch grows from: Back stops there.
    qtbot.waitUntil(lambda: not window.action_step_back.isEnabled(), timeout=WAIT)
    window.action_reset.trigger()
    qtbot.waitUntil(lambda: window.session.report.step_count == 0
                    and controller.state.branch_count == 0, timeout=WAIT)
    assert controller.panel.tree.topLevelItemCount() == 1
    assert controller.overlays()["path"].run_ids == ()
