"""The lock-step sweep engine gives the numbers of K single runs of :class:`Descent`.

The objectives here evaluate a batch row by row, so any difference from a single run is
the engine's own: every comparison is to the last bit (status, step count, parameters,
loss, the sentence saying why, and the loss at every step).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.engine import BatchPlan, Descent, StoppingRules, make_optimizer, make_schedule
from gdstudio.engine.limits import HISTORY_BYTES_BUDGET
from gdstudio.engine.sweep import SweepDescent
from gdstudio.engine.sweep_norms import norms, resolve_ties
from gdstudio.engine.sweep_reasons import reason_of
from tests.engine.quadratics import Rows
from tests.engine.test_curvature import Bowl


class RowByRow:
    """Adds ``value_and_grad_batch`` to a one-point objective, one row at a time."""

    def __init__(self, objective, hessian: bool = True) -> None:
        self.inner = objective
        self.param_names = objective.param_names
        self.n_samples = objective.n_samples
        if hessian and hasattr(objective, "hessian"):
            self.hessian = objective.hessian

    def value_and_grad(self, params, batch=None):
        return self.inner.value_and_grad(params, batch)

    def value_and_grad_batch(self, params, batch=None):
        pairs = [self.inner.value_and_grad(point, batch) for point in params]
        return (np.array([loss for loss, _ in pairs], dtype=float),
                np.array([grad for _, grad in pairs], dtype=float).reshape(params.shape))


class Quartic:
    """f(x) = x⁴ + y²: far from a quadratic, it overflows when the rate is too large."""

    n_samples = None
    param_names = ("x", "y")

    def value_and_grad(self, params, batch=None):
        x, y = params  # numpy floats: overflow gives inf, as a compiled function's would
        with np.errstate(all="ignore"):
            return float(x**4 + y * y), np.array([4.0 * x**3, 2.0 * y])


class Tilted:
    """f(x) = −x² + 0.1·y²: no minimum along x, so the loss falls without bound."""

    n_samples = None
    param_names = ("x", "y")

    def value_and_grad(self, params, batch=None):
        x, y = params.tolist()
        return -x * x + 0.1 * y * y, np.array([-2.0 * x, 0.2 * y])


class Root:
    """f(x) = √x + (x − 4)²/2, undefined (NaN) below 0; its minimum is near x = 3.74."""

    n_samples = None
    param_names = ("x",)

    def value_and_grad(self, params, batch=None):
        x = float(params[0])
        with np.errstate(all="ignore"):
            root = np.sqrt(x)
        return float(root + 0.5 * (x - 4.0) ** 2), np.array([float(0.5 / root + x - 4.0)])


BOWL = Bowl([[4.0, 1.0], [1.0, 2.0]])


def single_runs(objective, starts, optimizer="gd", lr=0.1, hyper=None, schedule=None,
                stopping=None, batching=None) -> list[Descent]:
    """One Descent per row of ``starts``; ``lr`` and hyperparameter values per run."""
    runs = []
    for index, start in enumerate(starts):
        rate = lr if np.ndim(lr) == 0 else lr[index]
        values = {name: (value if np.ndim(value) == 0 else value[index])
                  for name, value in (hyper or {}).items()}
        plan = None if batching is None else BatchPlan(*batching)
        descent = Descent(objective, start, optimizer=make_optimizer(optimizer, values),
                          lr=rate, schedule=make_schedule(schedule), stopping=stopping,
                          batching=plan)
        descent.run()
        runs.append(descent)
    return runs


def swept(objective, starts, optimizer="gd", lr=0.1, hyper=None, schedule=None,
          stopping=None, batching=None, history=True, hessian=True) -> SweepDescent:
    sweep = SweepDescent(RowByRow(objective, hessian), starts, optimizer=optimizer, lr=lr,
                         hyperparameters=hyper, schedule=make_schedule(schedule),
                         stopping=stopping,
                         batching=None if batching is None else BatchPlan(*batching),
                         history=history)
    sweep.run()
    return sweep


def assert_same(sweep: SweepDescent, runs: list[Descent]) -> None:
    """Every run of ``sweep`` equals its single run, to the last bit."""
    assert sweep.finished
    for index, run in enumerate(runs):
        assert sweep.status[index] == str(run.status), (index, run.message)
        assert sweep.iterations[index] == run.step_count, index
        assert np.array_equal(sweep.params[index], run.params, equal_nan=True), index
        assert np.array_equal(sweep.loss[index], run.loss, equal_nan=True), index
        assert reason_of(sweep, index) == run.message, index
        history = sweep.loss_history
        if history is not None:
            steps = run.step_count + 1
            assert np.array_equal(history[index, :steps], run.history.loss, equal_nan=True)
            assert np.isnan(history[index, steps:]).all()


def grid(count: int, low: float, high: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, (count, 2))


# ------------------------------------------------------------------ optimizers
@pytest.mark.parametrize(("optimizer", "hyper"), [
    ("gd", {}),
    ("momentum", {"momentum": np.linspace(0.0, 0.95, 24)}),
    ("nesterov", {"momentum": np.linspace(0.0, 0.95, 24)}),
    ("adagrad", {"eps": np.geomspace(1e-10, 1e-2, 24)}),
    ("rmsprop", {"alpha": np.linspace(0.5, 0.99, 24), "eps": 1e-6}),
    ("adam", {"beta1": np.linspace(0.0, 0.95, 24), "beta2": np.linspace(0.9, 0.9999, 24)}),
    ("adam", {"beta1": 0.8}),
])
def test_every_optimizer_equals_single_runs(optimizer: str, hyper: dict) -> None:
    starts = grid(24, -3.0, 3.0)
    rates = np.geomspace(0.01, 1.2, 24)  # the stable limit of gd here is 2/4.41 ≈ 0.45
    rules = StoppingRules(max_iter=120, tol_step=1e-9)
    sweep = swept(BOWL, starts, optimizer, rates, hyper, stopping=rules)
    assert_same(sweep, single_runs(BOWL, starts, optimizer, rates, hyper, stopping=rules))
    assert len(set(sweep.status.tolist())) >= 2 or optimizer in ("adagrad", "rmsprop", "adam")


def test_per_run_hyperparameters_are_each_runs_own() -> None:
    starts = np.tile([[2.0, -1.0]], (3, 1))
    sweep = swept(BOWL, starts, "momentum", 0.05, {"momentum": np.array([0.0, 0.5, 0.9])},
                  stopping=StoppingRules(max_iter=5))
    assert len({tuple(row) for row in sweep.params.tolist()}) == 3
    plain = single_runs(BOWL, starts[:1], "gd", 0.05, stopping=StoppingRules(max_iter=5))[0]
    assert np.array_equal(sweep.params[0], plain.params)  # μ = 0 is plain descent


# ------------------------------------------------------------------ schedules
@pytest.mark.parametrize("schedule", [
    None,
    {"kind": "step", "step_size": 7, "gamma": 0.5},
    {"kind": "exponential", "gamma": 0.97},
    {"kind": "inverse_time", "decay": 0.3},
    {"kind": "cosine", "period": 40, "min_factor": 0.1},
])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_every_schedule_equals_single_runs(schedule: dict | None, optimizer: str) -> None:
    starts = grid(16, -2.0, 2.0, seed=1)
    rates = np.geomspace(0.02, 0.9, 16)
    rules = StoppingRules(max_iter=80, tol_step=1e-8)
    sweep = swept(BOWL, starts, optimizer, rates, schedule=schedule, stopping=rules)
    assert_same(sweep, single_runs(BOWL, starts, optimizer, rates, schedule=schedule,
                                   stopping=rules))


# ------------------------------------------------------------------ stopping rules
@pytest.mark.parametrize("rules", [
    StoppingRules(max_iter=60),
    StoppingRules(max_iter=0),
    StoppingRules(max_iter=500, tol_step=1e-4),
    StoppingRules(max_iter=500, tol_grad=1e-3),
    StoppingRules(max_iter=500, tol_loss=1e-7),
    StoppingRules(max_iter=500, tol_step=1e-6, tol_grad=1e-3, tol_loss=1e-9),
], ids=["max_iter", "no_steps", "tol_step", "tol_grad", "tol_loss", "all"])
def test_each_stopping_rule_equals_single_runs(rules: StoppingRules) -> None:
    starts = grid(20, -3.0, 3.0, seed=2)
    rates = np.geomspace(0.01, 0.4, 20)
    sweep = swept(BOWL, starts, "gd", rates, stopping=rules)
    assert_same(sweep, single_runs(BOWL, starts, "gd", rates, stopping=rules))
    if rules.max_iter == 500:
        assert "converged" in sweep.status.tolist()
        assert len(set(sweep.iterations.tolist())) > 5  # they stop at different steps


def test_a_start_at_the_minimum_converges_at_once_by_the_gradient_rule() -> None:
    starts = np.array([[0.0, 0.0], [1.0, 1.0]])
    rules = StoppingRules(max_iter=500, tol_grad=1e-6)
    sweep = swept(BOWL, starts, stopping=rules)
    assert sweep.status.tolist() == ["converged", "converged"]
    assert sweep.iterations[0] == 0 and sweep.iterations[1] > 0
    assert_same(sweep, single_runs(BOWL, starts, stopping=rules))


# ------------------------------------------------------------------ divergence
def test_runs_diverge_at_different_steps_by_the_early_rule() -> None:
    starts = grid(30, -3.0, 3.0, seed=3)
    rates = np.linspace(0.2, 1.5, 30)  # below and above 2/λmax ≈ 0.45
    # A loss 20 times its start away ends a run too: the faster it grows, the sooner.
    rules = StoppingRules(max_iter=200, tol_step=1e-8, divergence_factor=20.0)
    sweep = swept(BOWL, starts, "gd", rates, stopping=rules)
    assert_same(sweep, single_runs(BOWL, starts, "gd", rates, stopping=rules))
    diverged = sweep.status == "diverged"
    assert 5 < diverged.sum() < 30 and "converged" in sweep.status.tolist()
    assert len(set(sweep.iterations[diverged].tolist())) >= 3
    reasons = [reason_of(sweep, k) for k in np.flatnonzero(diverged)]
    assert any("above the stable limit 2/λmax = 0.453 here" in reason for reason in reasons)
    assert any(reason.startswith("the loss grew from") for reason in reasons)


def test_without_a_hessian_the_streak_must_be_longer() -> None:
    starts = grid(12, -3.0, 3.0, seed=4)
    rates = np.linspace(0.5, 1.0, 12)
    rules = StoppingRules(max_iter=200)
    sweep = swept(BOWL, starts, "momentum", rates, {"momentum": 0.5}, stopping=rules,
                  hessian=False)
    assert_same(sweep, single_runs(RowByRow(BOWL, hessian=False), starts, "momentum", rates,
                                   {"momentum": 0.5}, stopping=rules))
    assert any("rose at each of the last" in reason_of(sweep, k) for k in range(12))


@pytest.mark.parametrize(("objective", "starts", "rates", "factor", "word"), [
    (Quartic(), [[0.5, 1.0], [1.0, 1.0], [2.0, 0.5], [3.0, 0.1], [1.5, 2.0]],
     [0.05, 0.2, 0.3, 0.5, 1.0], 1e300, "became infinite"),
    (Quartic(), [[0.5, 1.0], [2.0, 0.5], [3.0, 0.1]], [0.05, 0.3, 0.5], 1e6, "loss grew"),
    (Tilted(), [[0.1, 1.0], [1.0, 1.0], [0.01, 2.0]], [0.5, 0.1, 0.9], 1e6, "keeps falling"),
    (Root(), [[1.0], [2.0], [4.0], [0.5]], [0.1, 1.5, 2.5, 0.9], 1e6, "undefined (NaN)"),
])
def test_non_finite_and_runaway_losses_equal_single_runs(
    objective, starts: list, rates: list, factor: float, word: str
) -> None:
    rules = StoppingRules(max_iter=300, tol_step=1e-10, divergence_factor=factor)
    sweep = swept(objective, np.array(starts), "gd", np.array(rates), stopping=rules)
    assert_same(sweep, single_runs(objective, np.array(starts), "gd", np.array(rates),
                                   stopping=rules))
    assert "diverged" in sweep.status.tolist()
    assert any(word in reason_of(sweep, k) for k in range(len(starts)))


def test_a_start_outside_the_domain_diverges_at_step_zero() -> None:
    starts = np.array([[-1.0], [3.0]])
    sweep = swept(Root(), starts, stopping=StoppingRules(max_iter=10))
    assert sweep.status.tolist() == ["diverged", "max_iter"]
    assert sweep.iterations.tolist() == [0, 10]
    assert_same(sweep, single_runs(Root(), starts, stopping=StoppingRules(max_iter=10)))


# ------------------------------------------------------------------ mini-batches
@pytest.mark.parametrize("batch_size", [1, 3, 4, None])
@pytest.mark.parametrize("optimizer", ["gd", "rmsprop"])
def test_mini_batches_are_the_single_runs_batches(batch_size: int | None,
                                                  optimizer: str) -> None:
    objective = Rows(10)
    starts = np.linspace(-5.0, 15.0, 9)[:, None]
    rates = np.geomspace(0.01, 0.3, 9)
    rules = StoppingRules(max_iter=150, tol_step=1e-6)
    batching = (10, batch_size, 7)
    sweep = swept(objective, starts, optimizer, rates, stopping=rules, batching=batching)
    assert_same(sweep, single_runs(objective, starts, optimizer, rates, stopping=rules,
                                   batching=batching))


# ------------------------------------------------------------------ shape and history
def test_one_run() -> None:
    rules = StoppingRules(max_iter=40, tol_step=1e-4)
    sweep = swept(BOWL, np.array([[1.0, 2.0]]), "nesterov", 0.1, stopping=rules)
    assert sweep.params.shape == (1, 2) and sweep.loss_history.shape[0] == 1
    assert_same(sweep, single_runs(BOWL, [[1.0, 2.0]], "nesterov", 0.1, stopping=rules))


def test_the_history_is_kept_only_when_asked() -> None:
    starts = grid(5, -1.0, 1.0)
    rules = StoppingRules(max_iter=10_000, tol_step=1e-6)
    without = swept(BOWL, starts, lr=0.001, stopping=rules, history=False)
    assert without.loss_history is None
    kept = swept(BOWL, starts, lr=0.001, stopping=rules)
    assert kept.loss_history.shape == (5, int(kept.iterations.max()) + 1)
    assert np.array_equal(kept.params, without.params)
    assert kept.iterations.max() > 1024  # grown past its first allocation


def test_histories_beyond_the_memory_budget_are_refused_in_one_sentence() -> None:
    runs = HISTORY_BYTES_BUDGET // (8 * 1001) + 1
    with pytest.raises(ValueError) as caught:
        SweepDescent(RowByRow(BOWL), np.zeros((runs, 2)),
                     stopping=StoppingRules(max_iter=1000), history=True)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"the loss histories of {runs:,} runs")
    assert "GiB" in message


# ------------------------------------------------------------------ progress and stop
def test_progress_is_reported_and_false_stops_the_runs_still_going() -> None:
    starts = np.array([[3.0, 3.0], [0.0, 0.0]])
    seen: list[float] = []

    def progress(fraction: float) -> bool:
        seen.append(fraction)
        return fraction < 0.3

    sweep = SweepDescent(RowByRow(BOWL), starts, lr=0.01,
                         stopping=StoppingRules(max_iter=100, tol_grad=1e-9))
    sweep.run(progress, every=10)
    assert seen == [0.1, 0.2, 0.3, 1.0]
    assert sweep.status.tolist() == ["stopped", "converged"]
    assert sweep.iterations.tolist() == [30, 0]
    assert reason_of(sweep, 0) == "stopped by request at step 30"


def test_an_exception_in_progress_ends_the_sweep() -> None:
    def progress(fraction: float) -> None:
        raise KeyboardInterrupt

    sweep = SweepDescent(RowByRow(BOWL), np.ones((3, 2)), lr=0.01)
    with pytest.raises(KeyboardInterrupt):
        sweep.run(progress, every=5)
    assert sweep.step_count == 5


# ------------------------------------------------------------------ bad values
@pytest.mark.parametrize(("keywords", "message"), [
    ({"lr": np.array([0.1, -0.2, 0.3])}, "lr must be a positive number, not -0.2 (run 1)"),
    ({"lr": np.array([0.1, 0.2])}, "lr needs one value or 3 (one per run), not an array of "
                                   "shape (2,)"),
    ({"lr": math.inf}, "lr must be a positive number, not inf"),
    ({"optimizer": "adam", "hyperparameters": {"beta1": np.array([0.9, 1.0, 0.5])}},
     "beta1 must be at least 0 and below 1, not 1.0 (run 1)"),
    ({"optimizer": "adagrad", "hyperparameters": {"eps": 0.0}},
     "eps must be a positive number, not 0.0"),
    ({"optimizer": "gd", "hyperparameters": {"momentum": 0.9}},
     "the gd optimizer has no hyperparameter 'momentum' (it has: none)"),
])
def test_bad_values_are_refused_in_one_sentence(keywords: dict, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        SweepDescent(RowByRow(BOWL), np.zeros((3, 2)), **keywords)
    assert str(caught.value) == message


def test_a_wrong_shape_of_starts_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^the start points must be an array of shape "
                                         r"\(K, 2\) with K ≥ 1 \(x0, x1\), not \(3,\)$"):
        SweepDescent(RowByRow(BOWL), np.zeros(3))


# ------------------------------------------------------------------ lengths
def test_lengths_decide_as_math_hypot_does() -> None:
    generator = np.random.default_rng(9)
    vectors = np.concatenate([
        generator.normal(size=(500, 3)),
        generator.normal(size=(50, 3)) * 1e200,   # the squares would overflow
        generator.normal(size=(50, 3)) * 1e-200,  # the squares would underflow
        [[0.0, 0.0, 0.0], [math.inf, math.nan, 1.0], [math.nan, 0.0, 0.0]],
    ])
    exact = np.array([math.hypot(*row) for row in vectors.tolist()])
    lengths = norms(vectors)
    assert np.allclose(lengths, exact, rtol=1e-15, equal_nan=True)
    assert np.array_equal(lengths[500:], exact[500:], equal_nan=True)
    ties = lengths.copy()
    remeasured = resolve_ties(ties, vectors, exact * (1 + 1e-14))
    assert remeasured.size > 500 and np.array_equal(ties[:600], exact[:600])


def test_a_sweep_run_in_short_calls_is_the_sweep_run_at_once() -> None:
    starts = grid(10, -3.0, 3.0, seed=8)
    rates = np.geomspace(0.05, 0.6, 10)
    rules = StoppingRules(max_iter=90, tol_step=1e-7)
    whole = swept(BOWL, starts, "momentum", rates, stopping=rules)
    pieces = SweepDescent(RowByRow(BOWL), starts, optimizer="momentum", lr=rates,
                          stopping=rules, history=True)
    calls = 0
    while not pieces.finished:
        assert pieces.run(max_steps=7) <= 7
        calls += 1
    assert calls > 3
    assert np.array_equal(pieces.params, whole.params)
    assert np.array_equal(pieces.loss_history, whole.loss_history, equal_nan=True)
    assert pieces.status.tolist() == whole.status.tolist()


# ------------------------------------------------------------------ the cheap test
@pytest.mark.parametrize("rule", ["tol_step", "tol_grad", "tol_loss"])
def test_a_tolerance_met_exactly_is_decided_as_a_single_run_decides(rule: str) -> None:
    # Each tolerance is set to the very size a run measures at some step: "below" is
    # false there, by a hair the sweep's fast squared lengths cannot tell.
    starts = grid(6, -3.0, 3.0, seed=10)
    rates = np.geomspace(0.02, 0.3, 6)
    probe = single_runs(BOWL, starts[:1], "gd", rates[:1],
                        stopping=StoppingRules(max_iter=40))[0].history
    values = {"tol_step": probe.step_size[12], "tol_grad": float(np.hypot(*probe.grad[12])),
              "tol_loss": abs(float(probe.loss[12] - probe.loss[11]))}
    rules = StoppingRules(max_iter=300, **{rule: values[rule]})
    sweep = swept(BOWL, starts, "gd", rates, stopping=rules)
    runs = single_runs(BOWL, starts, "gd", rates, stopping=rules)
    assert_same(sweep, runs)
    assert runs[0].step_count > 12  # equal to the tolerance is not below it


def test_tolerances_too_small_to_square_are_tested_exactly_at_every_step() -> None:
    starts = grid(8, -3.0, 3.0, seed=11)
    rates = np.geomspace(0.2, 0.4, 8)
    rules = StoppingRules(max_iter=2000, tol_step=1e-150, tol_grad=1e-160)
    sweep = swept(BOWL, starts, "gd", rates, stopping=rules, history=False)
    runs = single_runs(BOWL, starts, "gd", rates, stopping=rules)
    assert_same(sweep, runs)
    assert "converged" in sweep.status.tolist()


def test_long_rising_streaks_that_break_and_resume_equal_single_runs() -> None:
    # Without a Hessian a streak must reach 10 steps: the loss rises for many steps in a
    # row while the step sometimes shrinks, so streaks restart inside a rising run.
    starts = grid(40, -3.0, 3.0, seed=12)
    rates = np.linspace(0.4, 1.2, 40)
    rules = StoppingRules(max_iter=150)
    hyper = {"momentum": np.linspace(0.0, 0.9, 40)}
    sweep = swept(BOWL, starts, "nesterov", rates, hyper, stopping=rules, hessian=False)
    assert_same(sweep, single_runs(RowByRow(BOWL, hessian=False), starts, "nesterov", rates,
                                   hyper, stopping=rules))
    assert "diverged" in sweep.status.tolist() and "max_iter" in sweep.status.tolist()
