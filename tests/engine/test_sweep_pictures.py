"""The numbers behind the sweep pictures, on plain arrays (no Qt, no runs)."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.engine.sweep_pictures import (
    DIVERGED,
    UNSETTLED,
    cluster_basins,
    grid_csv,
    rate_grid,
    start_grid,
    steps_to_converge,
)


def test_rate_grid_is_log_spaced_around_the_centre() -> None:
    rates = rate_grid(2.0, 7, below=8.0, above=8.0)
    assert rates[0] == pytest.approx(0.25) and rates[-1] == pytest.approx(16.0)
    assert rates[3] == pytest.approx(2.0)
    assert np.allclose(np.diff(np.log(rates)), np.log(2.0))


@pytest.mark.parametrize(("centre", "count"), [(0.0, 5), (np.inf, 5), (1.0, 1)])
def test_rate_grid_refuses_bad_input_in_one_sentence(centre: float, count: int) -> None:
    with pytest.raises(ValueError, match=r"^[^\n]+$"):
        rate_grid(centre, count)


def test_start_grid_takes_cell_centres_with_the_last_axis_fastest() -> None:
    axes, starts = start_grid([(0.0, 4.0), (-1.0, 1.0)], 2)
    assert np.allclose(axes[0], [1.0, 3.0]) and np.allclose(axes[1], [-0.5, 0.5])
    assert starts.tolist() == [[1.0, -0.5], [1.0, 0.5], [3.0, -0.5], [3.0, 0.5]]
    with pytest.raises(ValueError, match="not empty"):
        start_grid([(1.0, 1.0)], 3)


def test_steps_to_converge_only_counts_converged_runs() -> None:
    steps = steps_to_converge(np.array(["converged", "max_iter", "diverged", "converged"]),
                              np.array([40, 1000, 7, 3]))
    assert steps[0] == 40 and steps[3] == 3
    assert np.isnan(steps[1:3]).all()


def test_four_minima_are_found_and_ordered_by_loss() -> None:
    minima = np.array([[3.0, 2.0], [-2.805, 3.131], [-3.779, -3.283], [3.584, -1.848]])
    rng = np.random.default_rng(1)
    which = np.repeat(np.arange(4), 25)
    params = minima[which] + rng.normal(scale=1e-4, size=(100, 2))
    loss = np.array([0.3, 0.1, 0.2, 0.0])[which] + rng.uniform(0, 1e-6, 100)
    status = np.full(100, "converged")
    status[[0, 50]] = ["diverged", "max_iter"]
    basins = cluster_basins(params, loss, status, radius=0.05)
    assert basins.losses.tolist() == sorted(basins.losses.tolist())
    assert np.allclose(basins.minima, minima[[3, 1, 2, 0]], atol=1e-3)
    assert basins.counts.tolist() == [25, 25, 24, 24]
    assert basins.labels[0] == DIVERGED and basins.labels[50] == UNSETTLED
    # Every converged run carries the label of the minimum it is nearest to.
    ok = basins.labels >= 0
    nearest = np.argmin(np.linalg.norm(params[ok, None] - basins.minima[None], axis=2), axis=1)
    assert (basins.labels[ok] == nearest).all()


def test_minima_beyond_the_limit_are_unsettled() -> None:
    params = np.arange(5.0)[:, None]
    basins = cluster_basins(params, -params[:, 0], np.full(5, "converged"), 0.5, max_minima=2)
    assert basins.labels.tolist() == [UNSETTLED, UNSETTLED, UNSETTLED, 1, 0]
    assert basins.minima[:, 0].tolist() == [4.0, 3.0]


def test_cluster_basins_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="same runs"):
        cluster_basins(np.zeros((3, 2)), np.zeros(2), np.full(3, "converged"), 0.1)


def test_grid_csv_writes_numbers_text_and_gaps() -> None:
    text = grid_csv({"rate": np.array([0.1, 1.0]), "status": np.array(["converged", "diverged"]),
                     "steps": np.array([12.0, np.nan])})
    assert text == "rate,status,steps\n0.1,converged,12\n1,diverged,\n"
