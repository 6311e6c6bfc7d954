"""The optimizers' update rules for K runs at once, in place on ``(K, d)`` arrays (numpy only).

Each rule here is the one of :mod:`gdstudio.engine.optimizers`, written with the same
floating-point operations in the same order (products and sums only swapped where they
commute exactly), so that a run of a sweep gives the numbers a single
:class:`~gdstudio.engine.descent.Descent` gives. Each update writes the optimizer's state
and the step Δθ into arrays the sweep keeps, with no temporary arrays: a sweep makes a
few hundred updates of thousands of runs, and allocating costs as much as computing.

Hyperparameters are Python floats (the same for every run) or ``(K, 1)`` columns (one
value per run). In a sweep every run that is still going has made the same number of
updates ``t``, so ``t`` is one number. Adam's bias corrections ``1 − β^t`` are computed
with the C library's ``pow`` (Python's ``**``, or ``numpy.float_power`` once per distinct
β), as a single run's Python ``**``, never with numpy's vectorised power, whose last bit
can differ.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import numpy as np

from gdstudio.engine.optimizers import OPTIMIZERS

__all__ = ["BUFFER_COUNTS", "Hyper", "bias_corrections", "bias_corrector", "update_in_place"]

#: A hyperparameter: one float for every run, or a ``(K, 1)`` column.
Hyper = float | np.ndarray

#: How many ``(K, d)`` buffers each optimizer keeps.
BUFFER_COUNTS: dict[str, int] = {name: len(cls.buffers) for name, cls in OPTIMIZERS.items()}


def update_in_place(
    name: str,
    grad: np.ndarray,
    buffers: list[np.ndarray],
    change: np.ndarray,
    scratch: np.ndarray,
    neg_rate: Hyper,
    t: int,
    hyper: Mapping[str, Hyper],
    corrections: tuple[Hyper, Hyper] | None = None,
) -> None:
    """Advance ``buffers`` by update number ``t + 1`` and write the steps Δθ to ``change``.

    Parameters
    ----------
    name : str
        Canonical optimizer name (``gd``, ``momentum``, ``nesterov``, ``adagrad``,
        ``rmsprop`` or ``adam``).
    grad : numpy.ndarray
        Gradients, shape ``(K, d)`` (not changed).
    buffers : list of numpy.ndarray
        The optimizer's ``(K, d)`` buffers (see :data:`BUFFER_COUNTS`), changed in place.
    change, scratch : numpy.ndarray
        ``(K, d)`` arrays: the steps are written to ``change``; ``scratch`` is overwritten.
    neg_rate : float or numpy.ndarray
        Minus the effective learning rate of this update, a float or a ``(K, 1)`` column.
    t : int
        Number of updates made before this one (the same for every run).
    hyper : mapping
        Hyperparameters by name, and ``rest_<name>`` = ``1 − <name>`` for RMSprop's α
        and Adam's β₁, β₂ (computed once per sweep).
    corrections : tuple, optional
        Adam only: ``(1 − β₁^(t+1), 1 − β₂^(t+1))``.
    """
    if name == "gd":
        np.multiply(grad, neg_rate, out=change)  # grad * -lr
    elif name in ("momentum", "nesterov"):
        _momentum(name == "nesterov", grad, buffers[0], change, neg_rate, t, hyper["momentum"])
    elif name == "adagrad":
        squares = buffers[0]
        np.multiply(grad, grad, out=scratch)
        squares += scratch
        _scaled_step(grad, squares, change, scratch, neg_rate, hyper["eps"])
    elif name == "rmsprop":
        average = buffers[0]
        average *= hyper["alpha"]
        np.multiply(grad, hyper["rest_alpha"], out=scratch)  # (1 - α)·g, then ·g
        scratch *= grad
        average += scratch
        _scaled_step(grad, average, change, scratch, neg_rate, hyper["eps"])
    elif name == "adam":
        assert corrections is not None
        _adam(grad, buffers, change, scratch, neg_rate, hyper, corrections)
    else:
        raise ValueError(f"unknown optimizer {name!r}")


def _momentum(
    nesterov: bool, grad: np.ndarray, buffer: np.ndarray, change: np.ndarray,
    neg_rate: Hyper, t: int, momentum: Hyper,
) -> None:
    if t == 0:
        np.copyto(buffer, grad)
    else:
        buffer *= momentum
        buffer += grad
    if nesterov:  # (grad + μ·buffer) · -lr
        np.multiply(buffer, momentum, out=change)
        change += grad
        change *= neg_rate
    else:  # buffer · -lr
        np.multiply(buffer, neg_rate, out=change)


def _scaled_step(
    grad: np.ndarray, accumulated: np.ndarray, change: np.ndarray, scratch: np.ndarray,
    neg_rate: Hyper, eps: Hyper,
) -> None:
    """-lr · g / (√s + ε), Adagrad's and RMSprop's step."""
    np.multiply(grad, neg_rate, out=change)
    np.sqrt(accumulated, out=scratch)
    scratch += eps
    change /= scratch


def _adam(
    grad: np.ndarray, buffers: list[np.ndarray], change: np.ndarray, scratch: np.ndarray,
    neg_rate: Hyper, hyper: Mapping[str, Hyper], corrections: tuple[Hyper, Hyper],
) -> None:
    first, second = buffers
    first *= hyper["beta1"]  # m = β₁m + (1 - β₁)g
    np.multiply(grad, hyper["rest_beta1"], out=scratch)
    first += scratch
    second *= hyper["beta2"]  # v = β₂v + ((1 - β₂)g)g
    np.multiply(grad, hyper["rest_beta2"], out=scratch)
    scratch *= grad
    second += scratch
    # Δθ = (-lr · m/(1 - β₁ᵗ)) / (√(v/(1 - β₂ᵗ)) + ε)
    np.divide(first, corrections[0], out=change)
    change *= neg_rate
    np.divide(second, corrections[1], out=scratch)
    np.sqrt(scratch, out=scratch)
    scratch += hyper["eps"]
    change /= scratch


def bias_corrections(
    values: Mapping[str, tuple[np.ndarray, np.ndarray | None]], t: float
) -> tuple[Hyper, Hyper]:
    """``1 − β^t`` for β₁ and β₂, from each one's distinct values and the runs' codes.

    ``values[name]`` is ``(distinct, codes)``: the distinct values and, when there are
    several, the ``(K,)`` index of each run's value (else ``None``). Python's ``**`` and
    ``numpy.float_power`` call the C library's ``pow``, as a single run's ``**`` does.
    """
    result: list[Hyper] = []
    for name in ("beta1", "beta2"):
        distinct, codes = values[name]
        if codes is None:
            result.append(1.0 - float(distinct[0]) ** t)
        else:
            result.append((1.0 - np.float_power(distinct, t))[codes][:, None])
    return result[0], result[1]


def bias_corrector(
    values: Mapping[str, tuple[np.ndarray, np.ndarray | None]]
) -> Callable[[float], tuple[Hyper, Hyper]]:
    """A function of ``t`` giving :func:`bias_corrections` ``(values, t)``, the same numbers.

    With one β₁ and one β₂ for every run (the common case) it takes two Python powers of
    those floats and nothing else: a sweep asks at every step.
    """
    (first, first_codes), (second, second_codes) = values["beta1"], values["beta2"]
    if first_codes is None and second_codes is None:
        beta1, beta2 = float(first[0]), float(second[0])
        return lambda t: (1.0 - beta1**t, 1.0 - beta2**t)
    return functools.partial(bias_corrections, values)
