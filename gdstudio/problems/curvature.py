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

from typing import Any

import numpy as np

from gdstudio.engine.curvature import LIMIT_FORMULAS, describe_limit, stable_rate
from gdstudio.engine.optimizers import make_optimizer

__all__ = ["limit_tooltip", "ready_limit", "stable_learning_rate"]


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
