"""Curvature of a problem at a point: its exact Hessian and the stable learning rate.

The Hessian comes from the objective's own ``hessian`` (second derivatives found
symbolically by the safe compiler, never finite differences); the limits are those of
:mod:`gdstudio.engine.curvature`.

Examples
--------
>>> from gdstudio.problems.function import FunctionObjective
>>> objective = FunctionObjective.from_text("5*x**2")
>>> stable_learning_rate(objective, np.array([3.0]), "momentum", 0.9)
0.38
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gdstudio.engine.curvature import LIMIT_FORMULAS, describe_limit, stable_rate
from gdstudio.engine.optimizers import make_optimizer

__all__ = [
    "curvature_is_constant",
    "limit_tooltip",
    "rate_warning",
    "ready_limit",
    "stable_learning_rate",
]


def stable_learning_rate(
    objective: Any, params: np.ndarray, optimizer: str = "gd", momentum: float = 0.0
) -> float | None:
    """The largest learning rate that does not overshoot at ``params``.

    Parameters
    ----------
    objective : object
        A function or data objective; its optional ``hessian(params)`` is used.
    params : numpy.ndarray
        The point, one value per parameter.
    optimizer : str
        ``gd``, ``momentum``, ``nesterov`` (a limit), or ``adagrad``, ``rmsprop``,
        ``adam`` (no simple limit: ``None``).
    momentum : float
        μ for ``momentum`` and ``nesterov``.

    Returns
    -------
    float or None
        The limit, rounded to 12 significant digits; ``math.inf`` where the largest
        eigenvalue of the Hessian is ≤ 0; ``None`` where the Hessian is unavailable or
        the optimizer has no such limit.

    Raises
    ------
    ValueError
        For an unknown optimizer or a momentum outside [0, 1).
    """
    name = make_optimizer(optimizer).name
    if name != "gd" and name in LIMIT_FORMULAS:
        make_optimizer(name, {"momentum": momentum})  # validates μ
    hessian_at = getattr(objective, "hessian", None)
    if name not in LIMIT_FORMULAS or hessian_at is None:
        return None
    limit = stable_rate(hessian_at(np.asarray(params, dtype=float)), name, momentum)
    return limit if limit is None else float(f"{limit:.12g}")


def ready_limit(
    objective: Any, params: np.ndarray, optimizer: str, momentum: float
) -> float | None:
    """:func:`stable_learning_rate`, but ``None`` unless the Hessian is already compiled.

    Cheap enough for a UI thread: nothing is differentiated here (see the objectives'
    ``prepare_hessian``), and a failed evaluation gives ``None``.
    """
    if objective is None or not getattr(objective, "hessian_ready", False):
        return None
    try:
        return stable_learning_rate(objective, params, optimizer, momentum)
    except (ValueError, ArithmeticError):
        return None


def limit_tooltip(optimizer: str, limit: float | None) -> str:
    """``"stable while α < 0.2 here (2/λmax)"``; empty where there is no finite limit."""
    if limit is None or not np.isfinite(limit) or optimizer not in LIMIT_FORMULAS:
        return ""
    formula = describe_limit(optimizer, limit).split(" = ")[0]
    return f"stable while α < {limit:.3g} here ({formula})"


def curvature_is_constant(objective: Any, params: np.ndarray) -> bool:
    """Whether the Hessian at ``params`` is also the Hessian at two other points.

    True for a quadratic (its limit holds everywhere, so a rate above it surely
    diverges); a non-quadratic's curvature changes along the way. Uses the compiled
    Hessian only (call it once :func:`ready_limit` answered); a failure gives False.
    """
    hessian_at = getattr(objective, "hessian", None)
    if hessian_at is None:
        return False
    point = np.asarray(params, dtype=float)
    try:
        here = hessian_at(point)
        others = [hessian_at(point + 1.0), hessian_at(2.0 * point - 0.5)]
    except (ValueError, ArithmeticError):
        return False
    if here is None or not np.all(np.isfinite(here)):
        return False
    return all(other is not None and np.allclose(other, here, rtol=1e-9, atol=1e-12)
               for other in others)


def rate_warning(rate: float, limit: float | None, certain: bool) -> str:
    """What a run at ``rate`` will do when it is at or above the stable ``limit``.

    Parameters
    ----------
    rate : float
        The learning rate typed.
    limit : float or None
        The stable limit at the start (:func:`stable_learning_rate`).
    certain : bool
        Whether the curvature is the same everywhere (:func:`curvature_is_constant`):
        then the limit decides the whole run, otherwise only its first steps.

    Returns
    -------
    str
        ``"α = 1.05 is above the stable limit 1 at the start: this run will diverge"``;
        empty below the limit or without a finite one.

    Examples
    --------
    >>> rate_warning(1.05, 1.0, certain=True)
    'α = 1.05 is above the stable limit 1 at the start: this run will diverge'
    >>> rate_warning(0.5, 1.0, certain=True)
    ''
    """
    if limit is None or not math.isfinite(limit) or rate < limit * (1 - 1e-9):
        return ""
    if rate <= limit * (1 + 1e-9):
        if not certain:
            return ""
        return (f"α = {rate:.3g} is the stable limit itself: the steps will bounce back and "
                "forth for ever without settling")
    head = f"α = {rate:.3g} is above the stable limit {limit:.3g} at the start"
    if certain:
        return f"{head}: this run will diverge"
    return f"{head}: the first steps overshoot by more each time, so the run may diverge"
