"""The cheap end test of a sweep: a run it calls calm surely goes on."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from gdstudio.engine.sweep_watch import _sum_of_squares, calm, shared_limits, surely_finite


def _working_set(runs: int, d: int = 2, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    loss = rng.uniform(1.0, 2.0, runs)
    return {
        "change": np.asfortranarray(rng.normal(size=(runs, d))),
        "grad": np.asfortranarray(rng.normal(size=(runs, d))),
        "loss": loss, "old_loss": loss + 0.5,
        "low": np.full(runs, -10.0), "high": np.full(runs, 10.0),
        "squares": np.empty((runs, d), order="F"),
        "grad_squares": np.empty((runs, d), order="F"), "total": np.empty(runs),
    }


def _calm(active: dict) -> np.ndarray | None:
    with np.errstate(all="ignore"):  # as in a sweep
        return calm(active, active["change"], active["grad"], active["loss"],
                    active["old_loss"], (None, None, None), False,
                    shared_limits(active["low"], active["high"]))


@pytest.mark.parametrize("runs", [3, 5_000, 12_000])  # 24,000 numbers: three dot pieces
def test_a_calm_working_set_is_all_calm(runs: int) -> None:
    assert _calm(_working_set(runs)) is None


@pytest.mark.parametrize("what, value", [
    ("loss", math.nan), ("loss", math.inf), ("loss", -math.inf), ("loss", 11.0),
    ("change", math.nan), ("change", math.inf), ("grad", -math.inf), ("grad", 1e200),
])
@pytest.mark.parametrize("runs", [5_000, 12_000])
def test_one_run_near_an_end_is_the_only_one_not_called_calm(
    what: str, value: float, runs: int
) -> None:
    active = _working_set(runs)
    row = runs - 2  # in the last dot piece
    if what == "loss":
        active["loss"][row] = value
    else:
        active[what][row, 1] = value
    ok = _calm(active)
    assert ok is not None
    assert np.flatnonzero(~ok).tolist() == [row]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_loss_that_is_not_finite_is_caught_where_the_limits_are_not_finite(
    value: float
) -> None:
    active = _working_set(100)
    active["low"][:], active["high"][:] = -math.inf, math.inf
    active["loss"][7] = value
    ok = _calm(active)
    assert ok is not None
    assert np.flatnonzero(~ok).tolist() == [7]


def test_the_sum_of_squares_in_pieces() -> None:
    values = np.arange(20_000, dtype=float) / 1000.0
    assert _sum_of_squares(values) == pytest.approx(float(np.sum(values * values)), rel=1e-12)
    assert _sum_of_squares(np.array([3.0, 4.0])) == 25.0
    values[19_999] = math.nan
    assert math.isnan(_sum_of_squares(values))


@pytest.mark.parametrize("limits, expected", [
    ((-10.0, 10.0), 100.0), ((-3.0, 10.0), 9.0), ((-10.0, 2.0), 4.0),
    ((2.0, 10.0), -1.0), ((-10.0, -2.0), -1.0), ((-math.inf, math.inf), sys.float_info.max),
    ((-1e200, 1e300), sys.float_info.max),
])
def test_the_shared_limits_bound_the_sum_of_squared_losses_by_the_nearer_limit(
    limits: tuple[float, float], expected: float
) -> None:
    low = np.array([limits[0] - 5.0, limits[0], limits[0] - 1.0])
    high = np.array([limits[1] + 1.0, limits[1], limits[1] + 5.0])
    lowest, highest, bound = shared_limits(low, high)
    assert (lowest, highest) == limits
    assert bound <= expected
    assert bound == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("runs", [100, 12_000])
@pytest.mark.parametrize("value", [9.99, -9.99, 1e100])
def test_losses_too_large_for_the_sum_are_compared_with_the_limits_one_by_one(
    runs: int, value: float
) -> None:
    # Σ loss² passes the bound of the nearer limit only when every loss is small; losses
    # within the limits but too large for it are still all calm, and only a loss beyond
    # its run's own limit is flagged.
    active = _working_set(runs)
    active["loss"][:] = value
    if abs(value) > 10.0:
        active["low"][:], active["high"][:] = -1e101, 1e101
    assert _calm(active) is None
    active["loss"][runs - 2] = 3e101 if abs(value) > 10.0 else 10.5 * np.sign(value)
    ok = _calm(active)
    assert ok is not None
    assert np.flatnonzero(~ok).tolist() == [runs - 2]


@pytest.mark.parametrize("loss, flagged", [
    (1.7, True), (-1.7, True), (1.5, False), (-1.5, False), (1.4999, False)])
def test_a_loss_at_or_beyond_the_nearest_limit(loss: float, flagged: bool) -> None:
    # One run's limits (±1.5) are far narrower than the others' (±10); the other losses
    # are 0, so that Σ loss² is this loss's square alone. A loss at its limit goes on.
    active = _working_set(5_000)
    active["loss"][:] = 0.0
    row = 1234
    active["low"][row], active["high"][row] = -1.5, 1.5
    active["loss"][row] = loss
    ok = _calm(active)
    if not flagged:
        assert ok is None
    else:
        assert ok is not None
        assert np.flatnonzero(~ok).tolist() == [row]


@pytest.mark.parametrize("value, finite", [
    (1.5, True), (math.nan, False), (math.inf, False), (-math.inf, False),
    (1e200, False),  # finite, but its square is not: its row's length may not be either
])
@pytest.mark.parametrize("runs", [10, 12_000])
def test_surely_finite_says_so_only_when_every_number_and_length_is(
    value: float, finite: bool, runs: int
) -> None:
    active = _working_set(runs)
    active["grad"][runs - 3, 1] = value
    with np.errstate(all="ignore"):
        assert surely_finite(active["loss"], active["grad"]) is finite
        assert surely_finite(active["grad"], active["loss"]) is finite
        assert surely_finite(active["loss"]) is True
