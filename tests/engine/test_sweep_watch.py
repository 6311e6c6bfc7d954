"""The cheap end test of a sweep: a run it calls calm surely goes on."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.engine.sweep_watch import _sum_of_squares, calm


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


def _calm(active: dict, limits: tuple[float, float] = (-10.0, 10.0)) -> np.ndarray | None:
    with np.errstate(all="ignore"):  # as in a sweep
        return calm(active, active["change"], active["grad"], active["loss"],
                    active["old_loss"], (None, None, None), False, limits)


@pytest.mark.parametrize("runs", [3, 5_000, 12_000])  # 24,000 numbers: several dot pieces
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
    ok = _calm(active, (-math.inf, math.inf))
    assert ok is not None
    assert np.flatnonzero(~ok).tolist() == [7]


def test_the_sum_of_squares_in_pieces() -> None:
    values = np.arange(20_000, dtype=float) / 1000.0
    assert _sum_of_squares(values) == pytest.approx(float(np.sum(values * values)), rel=1e-12)
    assert _sum_of_squares(np.array([3.0, 4.0])) == 25.0
    values[19_999] = math.nan
    assert math.isnan(_sum_of_squares(values))
