"""The optimizers' update rules for K runs at once, on ``(K, d)`` arrays (numpy only).

Each rule here is the one of :mod:`gdstudio.engine.optimizers`, written with the same
floating-point operations in the same order, so that a run of a sweep gives the numbers a
single :class:`~gdstudio.engine.descent.Descent` gives. Hyperparameters are Python floats
(the same for every run) or ``(K, 1)`` columns (one value per run). In a sweep every run
that is still going has made the same number of updates ``t``, so ``t`` is one number.

Adam's bias corrections ``1 − β^t`` are computed with the C library's ``pow`` (through
``numpy.float_power``, as a single run's Python ``**``), once per distinct β, never with
numpy's vectorised power, whose last bit can differ.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from gdstudio.engine.optimizers import OPTIMIZERS

__all__ = ["BUFFER_COUNTS", "Hyper", "sweep_update"]

#: A hyperparameter: one float for every run, or a ``(K, 1)`` column.
Hyper = float | np.ndarray

#: How many ``(K, d)`` buffers each optimizer keeps.
BUFFER_COUNTS: dict[str, int] = {name: len(cls.buffers) for name, cls in OPTIMIZERS.items()}


def sweep_update(
    name: str,
    grad: np.ndarray,
    buffers: list[np.ndarray],
    rate: Hyper,
    t: int,
    hyper: Mapping[str, Hyper],
    corrections: Mapping[str, Hyper] | None = None,
) -> np.ndarray:
    """Advance ``buffers`` in place by update number ``t + 1``; return the steps Δθ.

    Parameters
    ----------
    name : str
        Canonical optimizer name (``gd``, ``momentum`` …).
    grad : numpy.ndarray
        Gradients, shape ``(K, d)``.
    buffers : list of numpy.ndarray
        The optimizer's ``(K, d)`` buffers (see :data:`BUFFER_COUNTS`), changed in place.
    rate : float or numpy.ndarray
        Effective learning rate of this update, a float or a ``(K, 1)`` column.
    t : int
        Number of updates made before this one (the same for every run).
    hyper : mapping
        Hyperparameters by name.
    corrections : mapping, optional
        Adam only: ``{"beta1": 1 − β₁^(t+1), "beta2": 1 − β₂^(t+1)}``.
    """
    if name == "gd":
        return grad * -rate
    if name in ("momentum", "nesterov"):
        return _momentum(name == "nesterov", grad, buffers, rate, t, hyper["momentum"])
    if name == "adagrad":
        squares = buffers[0]
        squares += grad * grad
        return -rate * grad / (np.sqrt(squares) + hyper["eps"])
    if name == "rmsprop":
        alpha = hyper["alpha"]
        average = buffers[0]
        average *= alpha
        average += (1.0 - alpha) * grad * grad
        return -rate * grad / (np.sqrt(average) + hyper["eps"])
    if name == "adam":
        assert corrections is not None
        return _adam(grad, buffers, rate, hyper, corrections)
    raise ValueError(f"unknown optimizer {name!r}")


def _momentum(
    nesterov: bool, grad: np.ndarray, buffers: list[np.ndarray], rate: Hyper, t: int,
    momentum: Hyper,
) -> np.ndarray:
    buffer = buffers[0]
    if t == 0:
        buffer[...] = grad
    else:
        buffer *= momentum
        buffer += grad
    direction = grad + momentum * buffer if nesterov else buffer
    return direction * -rate


def _adam(
    grad: np.ndarray, buffers: list[np.ndarray], rate: Hyper, hyper: Mapping[str, Hyper],
    corrections: Mapping[str, Hyper],
) -> np.ndarray:
    beta1, beta2 = hyper["beta1"], hyper["beta2"]
    first, second = buffers
    first *= beta1
    first += (1.0 - beta1) * grad
    second *= beta2
    second += (1.0 - beta2) * grad * grad
    first_hat = first / corrections["beta1"]
    second_hat = second / corrections["beta2"]
    return -rate * first_hat / (np.sqrt(second_hat) + hyper["eps"])


def bias_corrections(
    values: Mapping[str, tuple[np.ndarray, np.ndarray | None]], t: float
) -> dict[str, Hyper]:
    """``1 − β^t`` for β₁ and β₂, from each one's distinct values and the runs' codes.

    ``values[name]`` is ``(distinct, codes)``: the distinct values and, when there are
    several, the ``(K,)`` index of each run's value (else ``None``). ``numpy.float_power``
    calls the C library's ``pow``, as Python's ``**`` in a single run does.
    """
    result: dict[str, Hyper] = {}
    for name, (distinct, codes) in values.items():
        exact = 1.0 - np.float_power(distinct, t)
        result[name] = float(exact[0]) if codes is None else exact[codes][:, None]
    return result
