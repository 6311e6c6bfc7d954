"""The updates that look at the objective itself: Newton's method and Armijo's line search.

Every other optimizer needs only the gradient (``Optimizer.update``). These two need the
exact Hessian at θ_k, or the loss at trial points θ_k − α∇f, on the same rows (batch) as
the point's loss and gradient. :class:`Probe` gives them those and keeps, per update, what
the history records: Newton's fallback code and the line search's trials.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from gdstudio.engine.batching import BatchPlan
from gdstudio.engine.objective import Objective
from gdstudio.engine.optimizers import Armijo, Newton, Optimizer

__all__ = ["LineSearchError", "Probe", "check_probes"]


class LineSearchError(Exception):
    """No trial rate decreased the loss enough: the update is not made.

    Attributes
    ----------
    rates, losses : list of float
        Every trial, in order.
    """

    def __init__(self, rates: list[float], losses: list[float]) -> None:
        super().__init__("line search failed")
        self.rates, self.losses = rates, losses


def check_probes(objective: Objective, optimizer: Optimizer) -> None:
    """Refuse Newton's method for an objective without a Hessian, in one sentence.

    Raises
    ------
    ValueError
        When ``optimizer`` is Newton's method and ``objective`` has no ``hessian``, or its
        ``prepare_hessian()`` says there is none (a loss such as mae, a function with abs).
    """
    if not isinstance(optimizer, Newton):
        return
    hessian_at = getattr(objective, "hessian", None)
    prepare = getattr(objective, "prepare_hessian", None)
    if hessian_at is None or (prepare is not None and not prepare()):
        loss = getattr(objective, "loss", None)
        what = f"the {loss} loss" if isinstance(loss, str) else "this function"
        raise ValueError(f"newton needs second derivatives, and {what} has none: choose "
                         "another optimizer" + (" or a squared loss (sse, mse, half_mse)"
                                                if isinstance(loss, str) else ""))


class Probe:
    """One update of a probing optimizer, and the records it leaves.

    Parameters
    ----------
    objective : Objective
        What is minimised (with ``hessian(params, batch)`` for Newton's method).
    optimizer : Newton or Armijo
        The method; its hyperparameters are read afresh at every update.
    batching : BatchPlan or None
        The mini-batch plan: the update from θ_k uses the rows of batch k.
    """

    def __init__(
        self, objective: Objective, optimizer: Optimizer, batching: BatchPlan | None
    ) -> None:
        self.objective, self.optimizer, self.batching = objective, optimizer, batching
        #: Per update since the last :meth:`clear`: fallback codes, and (rates, losses).
        self.fallbacks: list[int] = []
        self.trials: list[tuple[list[float], list[float]]] = []
        #: The rate the last update used: the given one, or the line search's accepted one.
        self.used_rate = float("nan")

    def clear(self) -> None:
        """Forget the records handed to the history."""
        self.fallbacks.clear()
        self.trials.clear()

    def update(
        self, grad: np.ndarray, params: np.ndarray, lr: float, loss: float, step: int
    ) -> np.ndarray:
        """The step Δθ from θ_k = ``params`` (k = ``step``), with loss and gradient there.

        Raises
        ------
        LineSearchError
            When the line search finds no rate with sufficient decrease.
        """
        rows = None if self.batching is None else self.batching.rows(step)
        if isinstance(self.optimizer, Newton):
            hessian_at = self.objective.hessian  # type: ignore[attr-defined]
            hessian = hessian_at(params) if rows is None else hessian_at(params, rows)
            direction, code = self.optimizer.direction(grad, hessian)
            self.fallbacks.append(code)
            self.used_rate = lr
            return direction * -lr
        assert isinstance(self.optimizer, Armijo)
        rates, losses = line_search(self.optimizer, self._value_at(rows), params, grad, loss, lr)
        self.trials.append((rates, losses))
        self.used_rate = rates[-1]
        return grad * -rates[-1]

    def _value_at(self, rows: np.ndarray | None) -> Callable[[np.ndarray], float]:
        value_and_grad = self.objective.value_and_grad
        if rows is None:
            return lambda point: float(value_and_grad(point)[0])
        return lambda point: float(value_and_grad(point, rows)[0])


def line_search(
    optimizer: Armijo,
    value_at: Callable[[np.ndarray], float],
    params: np.ndarray,
    grad: np.ndarray,
    loss: float,
    lr: float,
) -> tuple[list[float], list[float]]:
    """Backtrack from ``lr`` until f(θ − αg) ≤ f(θ) − c·α·‖g‖²; return every trial.

    The accepted rate is the last one. Raises :class:`LineSearchError` when none is.
    """
    c = optimizer.hyperparameters["armijo_c"]
    shrink = optimizer.hyperparameters["shrink"]
    squared = float(grad @ grad)
    rates: list[float] = []
    losses: list[float] = []
    rate = lr
    for _ in range(optimizer.trial_width):
        trial = value_at(params - rate * grad)
        rates.append(rate)
        losses.append(trial)
        if math.isfinite(trial) and trial <= loss - c * rate * squared:
            return rates, losses
        rate *= shrink
    raise LineSearchError(rates, losses)
