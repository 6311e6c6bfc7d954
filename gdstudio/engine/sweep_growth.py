"""The early-divergence rule of :class:`~gdstudio.engine.descent.Descent`, for sweep runs.

Only the runs on a streak of rising losses reach it (a handful per step at most), so it
is written per run with the very calls a single run makes: the objective's Hessian at
the run's point and the stable limit there.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gdstudio.engine.curvature import largest_eigenvalue, stable_rate

__all__ = ["RISING_STEPS_UNCONFIRMED", "Verdict", "growth_verdicts", "limit_at"]

# Without a Hessian to confirm the overshoot, a streak must be this long (as in Descent).
RISING_STEPS_UNCONFIRMED = 10

#: (streak length, growth per step, stable limit or NaN when unconfirmed, λmax or NaN).
Verdict = tuple[float, float, float, float]


def limit_at(
    objective: Any, params: np.ndarray, batch: np.ndarray | None, optimizer: str,
    momentum: float,
) -> tuple[float | None, float]:
    """The stable limit at ``params`` (``None``: no limit known) and λmax there."""
    hessian_at = getattr(objective, "hessian", None)
    if hessian_at is None:
        return None, math.nan
    hessian = hessian_at(params) if batch is None else hessian_at(params, batch)
    if hessian is None:
        return None, math.nan
    return stable_rate(hessian, optimizer, momentum), largest_eigenvalue(hessian)


def growth_verdicts(
    objective: Any,
    optimizer: str,
    params: np.ndarray,
    batch: np.ndarray | None,
    sizes: np.ndarray,
    rising: np.ndarray,
    rising_base: np.ndarray,
    rates: np.ndarray,
    momenta: np.ndarray,
) -> list[Verdict | None]:
    """For each run on a streak: the :data:`Verdict` that ends it, or ``None``.

    The arguments hold one row per run: its parameters, last step size, streak length,
    the step size before the streak, the rate of the last update and its momentum.
    """
    verdicts: list[Verdict | None] = []
    for point, size, streak, base, rate, momentum in zip(
        params, sizes.tolist(), rising.tolist(), rising_base.tolist(), rates.tolist(),
        momenta.tolist(), strict=True,
    ):
        amplification = (size / base) ** (1.0 / streak)
        limit, top = limit_at(objective, point, batch, optimizer, momentum)
        if limit is None:
            ends = streak >= RISING_STEPS_UNCONFIRMED
            verdicts.append((streak, amplification, math.nan, math.nan) if ends else None)
        elif rate <= limit:
            verdicts.append(None)
        else:
            verdicts.append((streak, amplification, limit, top))
    return verdicts
