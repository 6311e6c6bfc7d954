"""The window's worker on the engine's scalar fast path: chunked, with step back, exact."""

import numpy as np
import pytest

from gdstudio.engine import Descent, StoppingRules, fast_path, make_optimizer
from gdstudio.problems.function import FunctionObjective
from gdstudio.qt.run.worker import RunController

from .test_worker import Mirror

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"


def adam_run(objective: FunctionObjective) -> Descent:
    return Descent(objective, [-1.5, 2.0], optimizer=make_optimizer("adam"), lr=1e-3,
                   stopping=StoppingRules(max_iter=30_000))


def test_a_played_run_with_a_step_back_equals_the_numpy_loop(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    objective = FunctionObjective.from_text(ROSENBROCK)
    with monkeypatch.context() as patch:
        patch.setattr(fast_path, "applies", lambda descent: False)
        reference = adam_run(objective)
        reference.run()
    descent = adam_run(objective)
    assert fast_path.applies(descent)
    controller = RunController(descent)
    try:
        mirror = Mirror(controller)
        mirror.history.write_block(descent.history.tail(0))
        qtbot.waitUntil(lambda: len(mirror.reports) >= 1)
        controller.play()
        qtbot.waitUntil(lambda: len(mirror.history) > 3000, timeout=10_000)
        controller.pause()
        qtbot.waitUntil(lambda: not mirror.last.playing)
        with qtbot.waitSignal(controller.reported):
            controller.step_back()
        controller.play()
        qtbot.waitUntil(lambda: mirror.last.status == "max_iter", timeout=20_000)
    finally:
        assert controller.shutdown()
    assert not mirror.errors
    for name in ("params", "loss", "grad", "lr", "step_size"):
        np.testing.assert_array_equal(getattr(mirror.history, name),
                                      getattr(reference.history, name), err_msg=name)
