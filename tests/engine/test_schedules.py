"""Schedules multiply the base rate by a factor of the step count k (from 0)."""

import math

import numpy as np
import pytest

from gdstudio.engine import Descent, StoppingRules, make_schedule

from .quadratics import Quadratic


@pytest.mark.parametrize(
    ("spec", "factors"),
    [
        (None, [1, 1, 1, 1, 1]),
        ({"kind": "step", "step_size": 2, "gamma": 0.5}, [1, 1, 0.5, 0.5, 0.25]),
        ({"kind": "exponential", "gamma": 0.9}, [1, 0.9, 0.81, 0.729, 0.6561]),
        ({"kind": "inverse_time", "decay": 0.5}, [1, 1 / 1.5, 0.5, 0.4, 1 / 3]),
        (
            {"kind": "cosine", "period": 4, "min_factor": 0.1},
            [1, 0.1 + 0.45 * (1 + math.cos(math.pi / 4)), 0.55,
             0.1 + 0.45 * (1 + math.cos(3 * math.pi / 4)), 0.1],
        ),
    ],
)
def test_factors_by_hand(spec, factors) -> None:
    schedule = make_schedule(spec)
    np.testing.assert_allclose([schedule.factor(k) for k in range(5)], factors, rtol=1e-15)


def test_cosine_stays_at_its_floor_after_the_period() -> None:
    assert make_schedule({"kind": "cosine", "period": 4, "min_factor": 0.1}).factor(40) == 0.1


def test_recorded_rates_follow_the_schedule() -> None:
    descent = Descent(Quadratic(("x",)), [3.0], lr=0.2,
                      schedule=make_schedule({"kind": "exponential", "gamma": 0.5}),
                      stopping=StoppingRules(max_iter=3))
    descent.run()
    np.testing.assert_allclose(descent.history.lr[:3], [0.2, 0.1, 0.05])
    # x₁ = 3 − 0.2·6 = 1.8; x₂ = 1.8 − 0.1·3.6 = 1.44; x₃ = 1.44 − 0.05·2.88 = 1.296
    np.testing.assert_allclose(descent.history.params[:, 0], [3, 1.8, 1.44, 1.296])


def test_to_dict_round_trips() -> None:
    schedule = make_schedule({"kind": "step", "step_size": 3, "gamma": 0.25})
    assert make_schedule(schedule.to_dict()) == schedule
    assert make_schedule("exponential").to_dict() == {"kind": "exponential", "gamma": 0.95}


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"kind": "wavy"}, "unknown schedule"),
        ({"kind": "step", "gamma": 0}, "gamma must be above 0"),
        ({"kind": "step", "step_size": 0}, "step_size must be a whole number"),
        ({"kind": "step", "step_size": 2.5}, "whole number"),
        ({"kind": "cosine", "min_factor": 2}, "min_factor must be"),
        ({"kind": "exponential", "decay": 1}, "has no parameter 'decay'"),
        ({"kind": "inverse_time", "decay": "x"}, "must be a number"),
    ],
)
def test_bad_schedules_are_refused(spec, words) -> None:
    with pytest.raises(ValueError, match=words):
        make_schedule(spec)
