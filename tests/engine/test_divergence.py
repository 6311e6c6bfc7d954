"""Early divergence: caught within a handful of steps, explained, and never a false alarm."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.engine import Descent, StoppingRules
from gdstudio.engine.optimizers import make_optimizer
from tests.engine.test_curvature import Bowl


def _run(bowl, start, rate, optimizer="gd", max_iter=100, **hyper) -> Descent:
    descent = Descent(bowl, start, optimizer=make_optimizer(optimizer, hyper), lr=rate,
                      stopping=StoppingRules(max_iter=max_iter))
    descent.run()
    return descent


def test_rate_above_two_over_lambda_is_caught_in_six_steps() -> None:
    descent = _run(Bowl([[2.0]]), [3.0], 1.05)  # f = x²: limit 2/λmax = 1
    assert descent.status == "diverged"
    assert descent.step_count == 6
    assert descent.loss < 1e3 * descent.history.loss[0]  # far below a 1e10-fold growth
    assert descent.message == (
        "α = 1.05 is above the stable limit 2/λmax = 1 here (λmax = 2): each step "
        "overshoots the minimum by more than the last (×1.1 per step, stopped at step 6); "
        "try a rate below 1"
    )


def test_momentum_and_nesterov_give_their_own_formula() -> None:
    momentum = _run(Bowl([[10.0]]), [3.0], 0.39, "momentum", momentum=0.9)
    assert momentum.status == "diverged"
    assert "2(1+μ)/λmax = 0.38 here (λmax = 10, μ = 0.9)" in momentum.message
    nesterov = _run(Bowl([[10.0]]), [3.0], 0.14, "nesterov", momentum=0.9)
    assert nesterov.status == "diverged"
    assert "2(1+μ)/((1+2μ)λmax) = 0.136 here" in nesterov.message


@pytest.mark.parametrize(("optimizer", "rate", "hyper"), [
    ("gd", 0.19, {}),               # oscillates while it converges (×0.9 per step)
    ("gd", 0.1995, {}),
    ("momentum", 0.37, {"momentum": 0.9}),
    ("momentum", 0.05, {"momentum": 0.99}),  # accelerates at first
    ("nesterov", 0.13, {"momentum": 0.9}),
    ("adam", 0.5, {}),
    ("rmsprop", 0.3, {}),
    ("adagrad", 2.0, {}),
])
def test_no_false_alarm_on_runs_that_converge(optimizer: str, rate: float, hyper: dict) -> None:
    descent = _run(Bowl([[10.0, 0.0], [0.0, 1.0]]), [3.0, -2.0], rate, optimizer, 2000, **hyper)
    assert descent.status != "diverged", descent.message


def test_no_false_alarm_without_a_hessian() -> None:
    class Plain:
        n_samples = None
        param_names = ("x",)

        def value_and_grad(self, params, batch=None):
            return float(params @ params), 2.0 * params

    assert _run(Plain(), [3.0], 0.95, max_iter=500).status == "max_iter"
    caught = _run(Plain(), [3.0], 1.05)
    assert caught.status == "diverged" and caught.step_count == 11
    assert "the loss rose at each of the last 10 steps" in caught.message


def test_a_saddle_run_is_not_called_overshooting() -> None:
    saddle = Bowl([[2.0, 0.0], [0.0, -2.0]])  # x² − y², from near the saddle
    descent = _run(saddle, [1.0, 1e-6], 0.1, max_iter=10**5)
    assert descent.status == "diverged"
    assert "keeps falling" in descent.message and "overshoots" not in descent.message


def test_below_the_limit_at_the_current_point_is_no_alarm() -> None:
    """A loss that rises with growing steps while the rate is stable there: not diverged."""

    class Ramp(Bowl):
        def hessian(self, params, batch=None):
            return np.array([[1e-3]])  # claims a flat point: the limit is 2000

    assert _run(Ramp([[2.0]]), [3.0], 1.05, max_iter=30).status == "max_iter"


def test_step_back_and_replay_give_the_same_verdict() -> None:
    whole = _run(Bowl([[2.0]]), [3.0], 1.05)
    replay = Descent(Bowl([[2.0]]), [3.0], lr=1.05, stopping=StoppingRules(max_iter=100))
    replay.run(max_steps=4)
    replay.rewind_to(2)
    replay.run(max_steps=2)
    replay.rewind_to(3)  # mid-streak: the counters come back from the history
    replay.run()
    assert replay.status == whole.status and replay.step_count == whole.step_count
    assert replay.message == whole.message
    replay.rewind_to(5)
    assert replay.status == "running"
    assert replay.step() and replay.status == "diverged" and replay.step_count == 6


def test_a_sudden_blow_up_names_the_limit_at_the_start() -> None:
    class Quartic(Bowl):
        def value_and_grad(self, params, batch=None):
            return float(params[0] ** 4), 4.0 * params**3

        def hessian(self, params, batch=None):
            return np.array([[12.0 * params[0] ** 2]])

    descent = _run(Quartic([[0.0]]), [3.0], 0.1)
    assert descent.status == "diverged" and descent.step_count == 3
    assert descent.message.startswith("the loss grew from 81 to 3.385e+25 by step 3")
    assert descent.message.endswith(
        "(α = 0.1 was above the stable limit 2/λmax = 0.0185 at the start point, λmax = 108)")
    below = _run(Quartic([[0.0]]), [3.0], 0.015, max_iter=3)
    assert below.status == "max_iter"
