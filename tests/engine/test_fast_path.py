"""The scalar fast path gives the numpy loop's numbers to the last bit, and steps aside.

Every test runs the same actions twice on a compiled function: once as it comes (on the
fast path) and once with the fast path switched off, and compares every number the run
keeps — history, optimizer states for step back, status, message, streak counters — bit
for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from gdstudio.engine import BatchPlan, Descent, StoppingRules, fast_path, make_schedule
from gdstudio.engine.optimizers import GD, OPTIMIZERS, make_optimizer
from gdstudio.problems.expression import CompiledExpression
from gdstudio.problems.function import FunctionObjective

from .quadratics import Quadratic, Rows

ONE = "x**2"
TWO = "(1 - x)**2 + 100*(y - x**2)**2"
THREE = "x**2 + 2*y**2 + 3*z**2 + x*y - z"
STARTS = {ONE: [3.0], TWO: [-1.5, 2.0], THREE: [1.0, -2.0, 0.5]}
SCHEDULES = [
    {"kind": "constant"},
    {"kind": "step", "step_size": 7, "gamma": 0.5},
    {"kind": "exponential", "gamma": 0.97},
    {"kind": "inverse_time", "decay": 0.05},
    {"kind": "cosine", "period": 40, "min_factor": 0.1},
]
RULES = {
    "max_iter": StoppingRules(max_iter=150),
    "tol_step": StoppingRules(max_iter=5000, tol_step=1e-4),
    "tol_grad": StoppingRules(max_iter=5000, tol_grad=1e-3),
    "tol_loss": StoppingRules(max_iter=5000, tol_loss=1e-9),
}
# The optimizers the fast path steps (any other falls back: see the end of this file).
FAST = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
RATES = {"gd": 0.001, "momentum": 0.0005, "nesterov": 0.0005, "adagrad": 0.1,
         "rmsprop": 0.003, "adam": 0.01}


def compiled(text: str) -> FunctionObjective:
    return FunctionObjective.from_text(text)


def snapshot(descent: Descent) -> dict[str, object]:
    """Everything a run keeps, floats as their bit patterns."""
    history = descent.history
    length = len(history)
    floats = {
        name: getattr(history, name).copy().view(np.int64)
        for name in ("params", "loss", "grad", "lr", "step_size")
    }
    states = (np.stack([descent.state_at(step) for step in range(length)]).view(np.int64))
    return {
        **floats,
        "epoch": history.epoch.copy(),
        "states": states,
        "state": descent.optimizer_state.view(np.int64),
        "status": str(descent.status),
        "message": descent.message,
        "steps": descent.step_count,
        "point": descent.params.view(np.int64),
        "loss_now": np.float64(descent.loss).view(np.int64),
        # The early-divergence streak; the step before it only matters while it lasts.
        "counters": (descent._rising, repr(descent._rising_base) if descent._rising else "",
                     repr(descent._last_size)),
    }


def assert_same(fast: dict[str, object], slow: dict[str, object]) -> None:
    assert fast.keys() == slow.keys()
    for key in fast:
        if isinstance(fast[key], np.ndarray):
            np.testing.assert_array_equal(fast[key], slow[key], err_msg=key)
        else:
            assert fast[key] == slow[key], key


def both_paths(
    monkeypatch: pytest.MonkeyPatch,
    build: Callable[[], Descent],
    act: Callable[[Descent], None],
    *,
    fast: bool = True,
) -> tuple[dict[str, object], dict[str, object]]:
    """Snapshots after ``act`` on the fast path and on the numpy loop."""
    calls: list[int] = []
    real_run = fast_path.run

    def counting_run(*args: object) -> int:
        calls.append(1)
        return real_run(*args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(fast_path, "run", counting_run)
        descent = build()
        act(descent)
        on_fast = snapshot(descent)
    assert bool(calls) is fast, "the fast path was (not) taken"
    with monkeypatch.context() as patch:
        patch.setattr(fast_path, "applies", lambda descent: False)
        descent = build()
        act(descent)
        on_numpy = snapshot(descent)
    return on_fast, on_numpy


def builder(text: str, optimizer: str, lr: float, rules: StoppingRules,
            schedule: dict[str, object] | None = None,
            start: list[float] | None = None) -> Callable[[], Descent]:
    objective = compiled(text)

    def build() -> Descent:
        return Descent(objective, STARTS.get(text, [0.0]) if start is None else start,
                       optimizer=make_optimizer(optimizer), lr=lr, stopping=rules,
                       schedule=make_schedule(schedule))
    return build


def run_all(descent: Descent) -> None:
    descent.run()


@pytest.mark.parametrize("text", [ONE, TWO, THREE])
@pytest.mark.parametrize("optimizer", FAST)
@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda spec: spec["kind"])
def test_every_optimizer_and_schedule_gives_identical_numbers(
    monkeypatch: pytest.MonkeyPatch, text: str, optimizer: str, schedule: dict[str, object]
) -> None:
    build = builder(text, optimizer, RATES[optimizer], RULES["max_iter"], schedule)
    assert_same(*both_paths(monkeypatch, build, run_all))


@pytest.mark.parametrize("text", [ONE, TWO, THREE])
@pytest.mark.parametrize("optimizer", FAST)
@pytest.mark.parametrize("rule", list(RULES))
def test_every_stopping_rule_ends_at_the_same_step(
    monkeypatch: pytest.MonkeyPatch, text: str, optimizer: str, rule: str
) -> None:
    build = builder(text, optimizer, RATES[optimizer] * 10, RULES[rule])
    fast, slow = both_paths(monkeypatch, build, run_all)
    assert_same(fast, slow)
    assert fast["status"] in ("converged", "max_iter", "diverged")


def test_the_tutorial_numbers_on_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    build = builder(ONE, "gd", 0.1, StoppingRules(max_iter=100, tol_step=1e-4))
    fast, slow = both_paths(monkeypatch, build, run_all)
    assert_same(fast, slow)
    assert fast["steps"] == 40 and fast["status"] == "converged"
    descent = build()
    descent.run()
    assert f"{descent.params[0]:.9f}" == "0.000398768"


DIVERGING = [
    # early divergence with the curvature (GD and momentum have a stable limit)
    (ONE, "gd", 1.5, [3.0]),
    (TWO, "momentum", 0.01, None),
    (THREE, "nesterov", 0.5, None),
    # overflow inside the scalar function: the numpy fallback gives inf
    ("exp(x**2)", "gd", 0.5, [2.0]),
    ("exp(x) + exp(-x)", "adam", 50.0, [1.0]),
    # a domain error: NaN from the fallback
    ("sqrt(x) + x**2", "gd", 2.0, [1.0]),
    ("log(x) + x**2", "rmsprop", 1.0, [1.0]),
    # no minimum: the loss falls without bound
    ("x", "gd", 1e8, [0.0]),
    ("-x**2 - y**2", "adagrad", 1e4, [0.5, 0.5]),
]


@pytest.mark.parametrize(("text", "optimizer", "lr", "start"), DIVERGING)
def test_divergence_is_caught_at_the_same_step_with_the_same_message(
    monkeypatch: pytest.MonkeyPatch, text: str, optimizer: str, lr: float,
    start: list[float] | None,
) -> None:
    build = builder(text, optimizer, lr, StoppingRules(max_iter=100_000), start=start)
    fast, slow = both_paths(monkeypatch, build, run_all)
    assert_same(fast, slow)
    assert fast["status"] == "diverged" and fast["message"]


def test_early_divergence_names_the_stable_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    build = builder(ONE, "gd", 1.5, StoppingRules(max_iter=1000), start=[3.0])
    fast, slow = both_paths(monkeypatch, build, run_all)
    assert_same(fast, slow)
    assert "above the stable limit 2/λmax = 1" in str(fast["message"])
    assert fast["steps"] < 20


def test_an_undefined_start_makes_no_step(monkeypatch: pytest.MonkeyPatch) -> None:
    build = builder("log(x)", "gd", 0.1, StoppingRules(), start=[-1.0])
    fast, slow = both_paths(monkeypatch, build, run_all, fast=False)
    assert_same(fast, slow)
    assert fast["steps"] == 0 and fast["status"] == "diverged"


@pytest.mark.parametrize("optimizer", FAST)
def test_rewind_then_continue_with_changes(
    monkeypatch: pytest.MonkeyPatch, optimizer: str
) -> None:
    def act(descent: Descent) -> None:
        descent.run(max_steps=60)
        descent.rewind_to(25)
        descent.set_learning_rate(RATES[optimizer] * 2)
        descent.run(max_steps=30)
        descent.rewind_to(min(40, descent.step_count - 1))
        if optimizer in ("momentum", "nesterov"):
            descent.set_hyperparameters(momentum=0.5)
        descent.set_schedule(make_schedule({"kind": "exponential", "gamma": 0.99}))
        descent.run(max_steps=50)
        descent.rewind_to(0)
        descent.run(max_steps=10)

    build = builder(TWO, optimizer, RATES[optimizer], RULES["max_iter"])
    assert_same(*both_paths(monkeypatch, build, act))


@pytest.mark.parametrize("optimizer", FAST)
def test_step_back_then_continue_equals_an_uninterrupted_run(optimizer: str) -> None:
    build = builder(TWO, optimizer, RATES[optimizer], RULES["max_iter"])
    straight = build()
    straight.run()
    interrupted = build()
    interrupted.run(max_steps=97)
    interrupted.rewind_to(41)
    interrupted.step()
    interrupted.rewind_to(12)
    interrupted.run()
    assert_same(snapshot(interrupted), snapshot(straight))


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_chunks_of_any_size_give_the_run_made_at_once(optimizer: str) -> None:
    build = builder(TWO, optimizer, RATES[optimizer], StoppingRules(max_iter=9000))
    whole = build()
    whole.run()
    chunked = build()
    sizes = iter([1, 7, 4095, 4096, 1, 2, 5000] * 10)
    while not chunked.finished:
        chunked.run(max_steps=next(sizes))
    single = build()
    while single.step_count < 300:
        single.step()
    partial = build()
    partial.run(max_steps=300)
    assert_same(snapshot(chunked), snapshot(whole))
    assert_same(snapshot(single), snapshot(partial))
    assert whole.step_count == 9000 and len(whole.history) == 9001


def test_step_past_a_stopping_rule_and_stop_by_request(monkeypatch: pytest.MonkeyPatch) -> None:
    def act(descent: Descent) -> None:
        descent.run()
        descent.step()
        descent.step()
        descent.set_stopping(StoppingRules(max_iter=200, tol_step=1e-6))
        descent.run(max_steps=20)
        descent.stop()
        descent.run()

    build = builder(ONE, "momentum", 0.05, StoppingRules(max_iter=300, tol_step=1e-3))
    fast, slow = both_paths(monkeypatch, build, act)
    assert_same(fast, slow)
    assert fast["status"] == "stopped"


def test_a_time_budget_ends_a_call_early_and_the_run_goes_on() -> None:
    descent = builder(ONE, "gd", 1e-9, StoppingRules(max_iter=10**7))()
    made = descent.run(time_budget=0.0)
    assert 0 < made < 10**7
    assert len(descent.history) == made + 1  # every row written when the call returns
    assert descent.status == "running"


def test_constant_derivatives_come_out_as_floats() -> None:
    scalar = compiled("2*x + 3*y").scalar_value_and_grad
    assert [type(value) for value in scalar(1.0, 1.0)] == [float, float, float]
    unused = FunctionObjective(CompiledExpression(compiled(ONE).compiled.analysis, ("x", "y")))
    assert unused.scalar_value_and_grad(2.0, 5.0) == (4.0, 4.0, 0.0)
    assert all(type(value) is float for value in unused.scalar_value_and_grad(2.0, 5.0))


def test_an_unused_variable_runs_on_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    analysis = compiled("3*x**2 + 1").compiled.analysis
    objective = FunctionObjective(CompiledExpression(analysis, ("x", "y")))

    def build() -> Descent:
        return Descent(objective, [1.0, 2.0], optimizer=make_optimizer("adagrad"), lr=0.5,
                       stopping=StoppingRules(max_iter=100, tol_grad=1e-6))

    assert_same(*both_paths(monkeypatch, build, run_all))


class SubclassedGD(GD):
    """A variant of an optimizer: the fast path must not assume its update."""

    def update(self, grad, state, params, lr):  # type: ignore[no-untyped-def]
        return grad * (-0.5 * lr)


class ScalarRows(Rows):
    """A data objective that would offer a scalar function (batches still forbid it)."""

    def scalar_value_and_grad(self, theta: float) -> tuple[float, float]:
        loss, grad = self.value_and_grad(np.array([theta]))
        return loss, float(grad[0])


UNSUPPORTED: dict[str, Callable[[], Descent]] = {
    "no scalar function": lambda: Descent(Quadratic(), [1.0, 1.0]),
    "four parameters": lambda: Descent(compiled("a**2 + b**2 + c**2 + d**2"), [1.0] * 4),
    "an optimizer subclass": lambda: Descent(compiled(ONE), [3.0], optimizer=SubclassedGD()),
    "mini-batches": lambda: Descent(ScalarRows(), [0.0], batching=BatchPlan(10, 3, seed=1)),
    "infinite divergence limits": lambda: Descent(compiled("x**2"), [1e154]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_what_the_fast_path_does_not_support_runs_on_the_numpy_loop(
    monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    assert not fast_path.applies(UNSUPPORTED[case]())
    fast, slow = both_paths(monkeypatch, UNSUPPORTED[case], run_all, fast=False)
    assert_same(fast, slow)
    assert fast["steps"] > 0


def test_the_subclassed_optimizer_really_uses_its_own_update() -> None:
    descent = UNSUPPORTED["an optimizer subclass"]()
    descent.run(max_steps=1)
    assert descent.params[0] == pytest.approx(3.0 - 0.5 * 0.1 * 6.0)


def test_the_start_of_an_infinite_limit_case_is_as_documented() -> None:
    descent = UNSUPPORTED["infinite divergence limits"]()
    assert math.isinf(descent._growth_limit)


@pytest.mark.parametrize("max_iter", [31, 32, 33, 64, 4096])
def test_a_run_ending_at_a_clock_check_makes_exactly_its_steps(max_iter: int) -> None:
    descent = builder(ONE, "gd", 1e-3, StoppingRules(max_iter=max_iter))()
    assert descent.run() == max_iter
    assert descent.step_count == max_iter and len(descent.history) == max_iter + 1
    assert descent.status == "max_iter" and descent.run() == 0


@pytest.mark.parametrize("optimizer", [name for name in OPTIMIZERS if name not in FAST])
def test_every_other_optimizer_runs_on_the_numpy_loop(
    monkeypatch: pytest.MonkeyPatch, optimizer: str
) -> None:
    build = builder(ONE, optimizer, 0.1, StoppingRules(max_iter=20))
    assert not fast_path.applies(build())
    assert_same(*both_paths(monkeypatch, build, run_all, fast=False))
