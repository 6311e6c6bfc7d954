"""A large fit at full speed steps in the helper process: the same rows, every control kept."""

from __future__ import annotations

import os
import random
import signal
import sys
import types

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication

from gdstudio.engine import Descent, StoppingRules, make_optimizer
from gdstudio.problems import step_service
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.models import ModelObjective
from gdstudio.problems.step_service import SERVICE
from gdstudio.qt.run.worker import FULL_SPEED, RunController
from tests.qt.run.test_worker import Mirror

COLUMNS = ("params", "loss", "grad", "lr", "step_size", "epoch")
# A helper starting on a busy machine (spawn, the sympy import) may take a while.
HELPER_MS = 60_000


@pytest.fixture(scope="module")
def objective() -> ModelObjective:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 10, 400)
    data = Dataset({"x": x, "y": 0.5 * x**2 - x + 2 + rng.standard_normal(400)})
    return ModelObjective("a*x**2 + b*x + c", data, loss="mae")


@pytest.fixture
def fits(qtbot, monkeypatch):
    """Runs of the fit (400 rows count as large here); the helper ends after each test."""
    monkeypatch.setattr(step_service, "REMOTE_ROWS", 100)
    controllers: list[RunController] = []

    def make(objective: ModelObjective, max_iter: int = 10**6, optimizer: str = "adam"):
        descent = settings(objective, max_iter, optimizer)
        controller = RunController(descent)
        controllers.append(controller)
        mirror = Mirror(controller)
        mirror.history.write_block(descent.history.tail(0))
        qtbot.waitUntil(lambda: len(mirror.reports) >= 1)
        return controller, mirror, descent

    yield make
    for controller in controllers:
        assert controller.shutdown()
    SERVICE.shutdown()


def settings(objective: ModelObjective, max_iter: int, optimizer: str = "adam") -> Descent:
    return Descent(objective, [0.0, 0.0, 0.0], optimizer=make_optimizer(optimizer), lr=0.01,
                   stopping=StoppingRules(max_iter=max_iter))


def played_elsewhere(qtbot, controller: RunController, descent: Descent) -> None:
    """Play at full speed until the run steps in the helper (ready first: a short run
    would otherwise end here while a helper starts on a busy machine)."""
    qtbot.waitUntil(lambda: SERVICE.ready_for(descent), timeout=HELPER_MS)
    controller.set_speed(FULL_SPEED)
    controller.play()
    qtbot.waitUntil(lambda: SERVICE.playing(descent), timeout=HELPER_MS)


def assert_same_rows(history, other) -> None:
    assert len(history) == len(other)
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(history, name), getattr(other, name), name)


def test_steps_made_in_the_helper_are_the_ones_made_here(qtbot, fits, objective) -> None:
    controller, mirror, descent = fits(objective)
    played_elsewhere(qtbot, controller, descent)
    helper = SERVICE.pid
    assert helper is not None and helper != os.getpid()
    qtbot.waitUntil(lambda: len(mirror.history) > 3000 and mirror.last.elsewhere,
                    timeout=HELPER_MS)  # the window may draw more often (RunSession)
    controller.pause()
    qtbot.waitUntil(lambda: not mirror.last.playing and not SERVICE.playing(descent))
    assert not mirror.last.elsewhere
    assert controller.shutdown()
    QCoreApplication.processEvents()
    assert not mirror.errors and SERVICE.last_error == ""
    here = settings(objective, 10**6)
    here.run(max_steps=descent.step_count)
    assert_same_rows(descent.history, here.history)
    assert_same_rows(mirror.history, here.history)
    np.testing.assert_array_equal(descent.optimizer_state, here.optimizer_state)


def test_controls_during_a_run_in_the_helper_lose_or_repeat_no_step(qtbot, fits,
                                                                   objective) -> None:
    controller, mirror, descent = fits(objective)
    played_elsewhere(qtbot, controller, descent)
    generator = random.Random(9)
    actions = [controller.play, controller.pause, controller.step, controller.step_back,
               lambda: controller.set_learning_rate(generator.choice([0.005, 0.01, 0.02]))]
    for _ in range(150):
        generator.choice(actions)()
        if generator.random() < 0.3:  # let the helper step between some of the calls
            controller.play()
            qtbot.waitUntil(lambda: SERVICE.playing(descent), timeout=HELPER_MS)
            with qtbot.waitSignal(controller.reported, timeout=HELPER_MS):
                pass
    controller.pause()
    qtbot.waitUntil(lambda: not mirror.last.playing, timeout=HELPER_MS)
    with qtbot.waitSignal(controller.reported):
        controller.step()  # every earlier call has been processed once this one is
    assert controller.shutdown()
    QCoreApplication.processEvents()
    assert not mirror.errors and SERVICE.last_error == ""
    assert_same_rows(mirror.history, descent.history)
    # The recorded rates, replayed here from the start, make the same rows.
    here = settings(objective, 10**6)
    for rate in descent.history.lr[:-1]:
        here.set_learning_rate(float(rate))
        here.run(max_steps=1)
    assert_same_rows(descent.history, here.history)


def test_a_run_that_ends_in_the_helper_ends_as_it_would_here(qtbot, fits, objective) -> None:
    controller, mirror, descent = fits(objective, max_iter=20_000)
    played_elsewhere(qtbot, controller, descent)
    qtbot.waitUntil(lambda: mirror.last.status == "max_iter", timeout=HELPER_MS)
    assert not mirror.last.playing and not SERVICE.playing(descent)
    here = settings(objective, 20_000)
    here.run()
    assert_same_rows(descent.history, here.history)
    assert (descent.status, descent.message) == (here.status, here.message)
    assert mirror.last.message == here.message


def test_a_helper_that_dies_leaves_the_run_stepping_here(qtbot, fits, objective) -> None:
    controller, mirror, descent = fits(objective)
    played_elsewhere(qtbot, controller, descent)
    qtbot.waitUntil(lambda: len(mirror.history) > 500, timeout=HELPER_MS)
    os.kill(SERVICE.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: not SERVICE.playing(descent), timeout=HELPER_MS)
    rows = len(mirror.history)
    qtbot.waitUntil(lambda: len(mirror.history) > rows + 500, timeout=HELPER_MS)
    assert mirror.last.playing  # it steps on here
    controller.pause()
    qtbot.waitUntil(lambda: not mirror.last.playing, timeout=HELPER_MS)
    assert controller.shutdown()
    QCoreApplication.processEvents()
    assert not mirror.errors and "stopped" in SERVICE.last_error
    here = settings(objective, 10**6)
    here.run(max_steps=descent.step_count)
    assert_same_rows(descent.history, here.history)


def test_only_large_fits_without_a_line_search_go_to_the_helper(monkeypatch,
                                                                objective) -> None:
    assert step_service.REMOTE_ROWS == 20_000  # the real threshold: 400 rows stay here
    assert not step_service.wanted(settings(objective, 100))
    monkeypatch.setattr(step_service, "REMOTE_ROWS", 100)
    assert step_service.wanted(settings(objective, 100))
    assert not step_service.wanted(settings(objective, 100, optimizer="armijo"))
    from tests.engine.quadratics import Quadratic

    assert not step_service.wanted(Descent(Quadratic(), [1.0, 1.0]))
    # A module being imported on another thread has no class yet: no such fit, no error.
    monkeypatch.setitem(sys.modules, "gdstudio.problems.models",
                        types.ModuleType("gdstudio.problems.models"))
    assert not step_service.wanted(Descent(Quadratic(), [1.0, 1.0]))
    monkeypatch.undo()
    small = Descent(objective, [0.0, 0.0, 0.0])
    step_service.SERVICE.prepare(Descent(Quadratic(), [1.0, 1.0]))  # not wanted: nothing
    assert SERVICE.pid is None and not SERVICE.ready_for(small)


def test_a_fit_the_helper_cannot_build_steps_here(qtbot, fits, objective,
                                                  monkeypatch) -> None:
    broken = step_service._Recipe(objective.analysis, objective.data, "no such column",
                                  "mae", {}, False)
    monkeypatch.setattr(step_service, "_recipe", lambda _objective: broken)
    controller, mirror, descent = fits(objective)
    controller.set_speed(FULL_SPEED)
    controller.play()  # steps here; each tick looks whether the helper is ready
    qtbot.waitUntil(lambda: "could not build" in SERVICE.last_error, timeout=HELPER_MS)
    rows = len(mirror.history)
    qtbot.waitUntil(lambda: len(mirror.history) > rows + 500, timeout=HELPER_MS)
    controller.pause()
    qtbot.waitUntil(lambda: not mirror.last.playing, timeout=HELPER_MS)
    assert controller.shutdown()
    assert "no such column" in SERVICE.last_error and not mirror.errors
    assert SERVICE.pid is None  # given up: the next large fit starts a new helper
    here = settings(objective, 10**6)
    here.run(max_steps=descent.step_count)
    assert_same_rows(descent.history, here.history)


def test_closing_a_run_that_steps_in_the_helper_keeps_every_step(qtbot, fits,
                                                                 objective) -> None:
    controller, mirror, descent = fits(objective)
    played_elsewhere(qtbot, controller, descent)
    qtbot.waitUntil(lambda: len(mirror.history) > 1000, timeout=HELPER_MS)
    helper = SERVICE.pid
    assert controller.shutdown()
    assert not SERVICE.playing(descent) and SERVICE.pid == helper  # kept for the next run
    here = settings(objective, 10**6)
    here.run(max_steps=descent.step_count)
    assert_same_rows(descent.history, here.history)
    # The next run of the same fit plays in the same helper at once.
    controller, mirror, again = fits(objective)
    played_elsewhere(qtbot, controller, again)
    assert SERVICE.pid == helper


def test_a_standardised_fit_steps_in_the_helper_with_the_same_rows(qtbot, fits,
                                                                   objective) -> None:
    scaled = ModelObjective("a*x**2 + b*x + c", objective.data, loss="mse", standardize=True)
    controller, mirror, descent = fits(scaled)
    played_elsewhere(qtbot, controller, descent)
    qtbot.waitUntil(lambda: len(mirror.history) > 3000, timeout=HELPER_MS)
    controller.pause()
    qtbot.waitUntil(lambda: not mirror.last.playing and not SERVICE.playing(descent))
    assert controller.shutdown()
    here = settings(scaled, 10**6)
    here.run(max_steps=descent.step_count)
    assert_same_rows(descent.history, here.history)
