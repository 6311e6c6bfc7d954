"""Adam's bias corrections for a sweep: the same numbers however they are asked for."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.engine.sweep_updates import bias_corrections, bias_corrector


def _values(beta1: float | np.ndarray, beta2: float | np.ndarray) -> dict:
    result = {}
    for name, value in (("beta1", beta1), ("beta2", beta2)):
        if isinstance(value, float):
            result[name] = (np.array([value]), None)
        else:
            result[name] = np.unique(value, return_inverse=True)
    return result


@pytest.mark.parametrize("beta1, beta2", [
    (0.9, 0.999),
    (0.8, np.array([0.9, 0.99, 0.9, 0.999])),
    (np.array([0.5, 0.9, 0.9, 0.0]), 0.999),
    (np.array([0.5, 0.9, 0.9, 0.0]), np.array([0.9, 0.99, 0.9, 0.999])),
])
def test_the_corrector_gives_the_bias_corrections_to_the_last_bit(beta1, beta2) -> None:
    values = _values(beta1, beta2)
    corrector = bias_corrector(values)
    for t in (1.0, 2.0, 3.0, 57.0, 200.0, 10_000.0):
        expected = bias_corrections(values, t)
        got = corrector(t)
        for mine, theirs in zip(got, expected, strict=True):
            assert type(mine) is type(theirs)
            assert np.array_equal(mine, theirs)


def test_one_beta_each_is_the_single_runs_python_power() -> None:
    corrector = bias_corrector(_values(0.9, 0.999))
    assert corrector(3.0) == (1 - 0.9**3, 1 - 0.999**3)
    assert corrector(1.0) == (1 - 0.9, 1 - 0.999)
