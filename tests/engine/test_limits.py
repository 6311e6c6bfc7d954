"""How long a run may be: a fixed cap, and fewer steps where memory says so."""

import re

import numpy as np
import pytest

from gdstudio.engine import Descent, StoppingRules, make_optimizer
from gdstudio.engine.limits import (
    HISTORY_BYTES_BUDGET,
    MAX_STEPS,
    bytes_per_step,
    check_max_iter,
    max_steps,
)

from .quadratics import Quadratic


class Sphere:
    """f(θ) = Σθᵢ² for any number of parameters."""

    n_samples = None

    def __init__(self, n: int) -> None:
        self.param_names = tuple(f"w{i}" for i in range(n))

    def value_and_grad(self, params, batch=None):
        return float(params @ params), 2.0 * params


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (float("inf"), "max_iter must be a whole number, not inf"),
        (float("nan"), "max_iter must be a whole number, not nan"),
        (10**12, "at most 50,000,000 (every step is kept in memory), not 1,000,000,000,000"),
        (10**22, "not a number with 23 digits"),
        (10**5000, "not a number with thousands of digits"),
        (MAX_STEPS + 1, "at most 50,000,000"),
        (True, "whole number"),
        ("100", "whole number"),
    ],
    ids=["inf", "nan", "1e12", "1e22", "5000-digits", "cap+1", "bool", "str"],
)
def test_impossible_step_limits_are_a_value_error(value, words) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        StoppingRules(max_iter=value)


def test_the_cap_itself_and_whole_floats_and_numpy_ints_are_accepted() -> None:
    assert StoppingRules(max_iter=MAX_STEPS).max_iter == 50_000_000
    assert StoppingRules(max_iter=5.0).max_iter == 5
    assert StoppingRules(max_iter=np.int64(7)).max_iter == 7


def test_bytes_per_step_count_the_row_and_the_optimizer_state() -> None:
    # Row: x and its gradient, loss, rate, step size, epoch = 6 floats; gd keeps no state.
    assert bytes_per_step(1, make_optimizer("gd")) == 6 * 8
    # Adam's state is t and two buffers per parameter: 1 + 2·2 = 5 floats.
    assert bytes_per_step(2, make_optimizer("adam")) == (2 * 2 + 4) * 8 + 5 * 8


def test_max_steps_is_the_cap_or_the_memory_budget_whichever_is_less() -> None:
    assert max_steps(1, make_optimizer("gd")) == HISTORY_BYTES_BUDGET // 48 < MAX_STEPS
    adam = make_optimizer("adam")
    assert max_steps(10, adam) == HISTORY_BYTES_BUDGET // ((2 * 10 + 4) * 8 + 21 * 8)
    assert max_steps(10, adam) < max_steps(10, make_optimizer("gd"))


def test_a_run_too_long_for_memory_is_refused_before_it_starts() -> None:
    limit = max_steps(10, make_optimizer("adam"))
    rules = StoppingRules(max_iter=limit + 1)
    with pytest.raises(ValueError, match=f"at most {limit:,} steps") as caught:
        Descent(Sphere(10), [1.0] * 10, optimizer=make_optimizer("adam"), stopping=rules)
    assert "\n" not in str(caught.value) and "10 parameters and adam" in str(caught.value)
    Descent(
        Sphere(10),
        [1.0] * 10,
        optimizer=make_optimizer("adam"),
        stopping=rules.with_changes(max_iter=limit),
    )


def test_raising_the_limit_mid_run_past_memory_is_refused_and_keeps_the_rules() -> None:
    descent = Descent(
        Quadratic(("x",)),
        [3.0],
        optimizer=make_optimizer("adam"),
        stopping=StoppingRules(max_iter=5),
    )
    descent.run()
    too_many = StoppingRules(max_iter=max_steps(1, descent.optimizer) + 1)
    with pytest.raises(ValueError, match="more steps than can be kept in memory"):
        descent.set_stopping(too_many)
    assert descent.stopping.max_iter == 5 and descent.status == "max_iter"


def test_check_max_iter_accepts_the_limit() -> None:
    gd = make_optimizer("gd")
    check_max_iter(max_steps(3, gd), 3, gd)
    with pytest.raises(ValueError, match="with 3 parameters and gd every step takes 80 bytes"):
        check_max_iter(max_steps(3, gd) + 1, 3, gd)
