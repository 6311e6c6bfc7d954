"""Optimizers with the update rules and defaults of ``torch.optim``.

Each optimizer is a small object: its hyperparameters are plain data, read afresh at every
step (as torch reads ``param_groups``), so a change applies from the very next update.
Its state is one flat float vector, which makes saving a snapshot of every step cheap and
"step back" exact. The first element of every state vector is ``t``, the number of updates
this optimizer has made (plain gradient descent, whose rule has no use for it, leaves it
at 0). ``update`` returns the step Δθ (so θ_t = θ_{t-1} + Δθ) and, like
torch's optimizers, updates the state vector in place.

Notation in the docstrings: parameters θ, gradient g = ∇f(θ), learning rate γ (the
effective rate of the step, after the schedule), step counter t starting at 1.

Two methods look at more than the gradient: :class:`Newton` (the Hessian H at θ) and
:class:`Armijo` (the loss at trial points). Their :attr:`~Optimizer.probes` is true; the
:class:`~gdstudio.engine.descent.Descent` hands them the objective (see
:mod:`gdstudio.engine.probing`) instead of calling ``update``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

__all__ = [
    "GD",
    "HYPERPARAMETERS",
    "HYPERPARAMETER_NAMES",
    "MAX_BACKTRACKS",
    "OPTIMIZERS",
    "Adagrad",
    "Adam",
    "Armijo",
    "Momentum",
    "Nesterov",
    "Newton",
    "Optimizer",
    "RMSprop",
    "make_optimizer",
]


class Optimizer:
    """Base class: hyperparameters, a flat state vector and an update rule.

    Parameters
    ----------
    **hyperparameters
        Values for the names in :attr:`defaults`; the rest keep their defaults.

    Raises
    ------
    ValueError
        For an unknown hyperparameter name or a value outside its valid range.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: Hyperparameters and their torch.optim defaults.
    defaults: ClassVar[dict[str, float]] = {}
    #: Names of the per-parameter buffers kept in the state, in order.
    buffers: ClassVar[tuple[str, ...]] = ()
    #: True when ``update`` never changes the state (it need not be saved per step).
    stateless: ClassVar[bool] = False
    #: True for a method that needs the objective itself (a Hessian, trial losses).
    probes: ClassVar[bool] = False
    #: True when the history keeps a fallback code per update (Newton's method).
    records_fallback: ClassVar[bool] = False
    #: The learning rate to use when none is given (``None``: the API's usual default).
    default_learning_rate: ClassVar[float | None] = None

    @property
    def trial_width(self) -> int:
        """Most line-search trials one update records (0: it records none)."""
        return 0

    def __init__(self, **hyperparameters: float) -> None:
        self.hyperparameters: dict[str, float] = dict(self.defaults)
        self.set_hyperparameters(**hyperparameters)

    def set_hyperparameters(self, **values: float) -> None:
        """Validate and set hyperparameters; they apply from the next update."""
        for key, value in values.items():
            if key not in self.defaults:
                known = ", ".join(self.defaults) or "none"
                raise ValueError(
                    f"the {self.name} optimizer has no hyperparameter {key!r} (it has: {known})"
                )
            self.hyperparameters[key] = _check_hyperparameter(key, value)

    def state_size(self, n_params: int) -> int:
        """Length of the flat state vector for ``n_params`` parameters."""
        return 1 + len(self.buffers) * n_params

    def init(self, params: np.ndarray) -> np.ndarray:
        """Return a fresh state (t = 0, buffers zero) for parameters like ``params``."""
        return np.zeros(self.state_size(params.shape[0]))

    def state_buffers(self, state: np.ndarray) -> dict[str, np.ndarray]:
        """Name the buffers of a state vector, as views (for display and explanation)."""
        n = (state.shape[0] - 1) // max(len(self.buffers), 1)
        return {name: state[1 + i * n : 1 + (i + 1) * n] for i, name in enumerate(self.buffers)}

    def update(
        self, grad: np.ndarray, state: np.ndarray, params: np.ndarray, lr: float
    ) -> np.ndarray:
        """Advance ``state`` in place by one update and return the step Δθ to add to θ."""
        raise NotImplementedError


class GD(Optimizer):
    r"""Plain gradient descent (``torch.optim.SGD`` without momentum).

    .. math:: θ_t = θ_{t-1} - γ\,g_t
    """

    name = "gd"
    title = "Gradient descent"

    #: No buffers and no use for t: the state never changes (the engine relies on it).
    stateless = True

    def update(
        self, grad: np.ndarray, state: np.ndarray, params: np.ndarray, lr: float
    ) -> np.ndarray:
        """Advance ``state`` in place by one update and return the step Δθ to add to θ."""
        return grad * -lr


class Momentum(Optimizer):
    r"""Gradient descent with momentum, as ``torch.optim.SGD(momentum=μ)``, dampening 0.

    .. math::
        b_1 = g_1, \qquad b_t = μ\,b_{t-1} + g_t \quad (t > 1)

        θ_t = θ_{t-1} - γ\,b_t

    Default μ = 0.9. Note torch's convention: the rate multiplies the whole buffer, not
    only the new gradient, unlike some textbooks' ``v = μv - γg; θ += v``.
    """

    name = "momentum"
    title = "Momentum"
    defaults: ClassVar[dict[str, float]] = {"momentum": 0.9}
    buffers = ("momentum_buffer",)

    def update(
        self, grad: np.ndarray, state: np.ndarray, params: np.ndarray, lr: float
    ) -> np.ndarray:
        """Advance ``state`` in place by one update and return the step Δθ to add to θ."""
        buffer = state[1:]
        if state[0] == 0:
            buffer[:] = grad
        else:
            buffer *= self.hyperparameters["momentum"]
            buffer += grad
        state[0] += 1.0
        return self._direction(grad, buffer) * -lr

    def _direction(self, grad: np.ndarray, buffer: np.ndarray) -> np.ndarray:
        return buffer


class Nesterov(Momentum):
    r"""Nesterov momentum, as ``torch.optim.SGD(momentum=μ, nesterov=True)``.

    .. math::
        b_1 = g_1, \qquad b_t = μ\,b_{t-1} + g_t \quad (t > 1)

        θ_t = θ_{t-1} - γ\,(g_t + μ\,b_t)

    Default μ = 0.9. The gradient is taken at θ_{t-1} itself (torch's reformulation);
    no look-ahead evaluation is needed.
    """

    name = "nesterov"
    title = "Nesterov momentum"

    def _direction(self, grad: np.ndarray, buffer: np.ndarray) -> np.ndarray:
        return grad + self.hyperparameters["momentum"] * buffer


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad`` (lr_decay 0, initial accumulator 0).

    .. math::
        s_t = s_{t-1} + g_t^2

        θ_t = θ_{t-1} - γ\,\frac{g_t}{\sqrt{s_t} + ε}

    Default ε = 1e-10, added *outside* the square root.
    """

    name = "adagrad"
    title = "Adagrad"
    defaults: ClassVar[dict[str, float]] = {"eps": 1e-10}
    buffers = ("sum",)

    def update(
        self, grad: np.ndarray, state: np.ndarray, params: np.ndarray, lr: float
    ) -> np.ndarray:
        """Advance ``state`` in place by one update and return the step Δθ to add to θ."""
        squares = state[1:]
        squares += grad * grad
        state[0] += 1.0
        return -lr * grad / (np.sqrt(squares) + self.hyperparameters["eps"])


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop`` (not centered, no momentum).

    .. math::
        v_t = α\,v_{t-1} + (1 - α)\,g_t^2 \qquad (v_0 = 0)

        θ_t = θ_{t-1} - γ\,\frac{g_t}{\sqrt{v_t} + ε}

    Defaults α = 0.99, ε = 1e-8, added outside the square root. There is no bias
    correction, so early steps are large: the first is γ·g/(√0.01·|g|) = 10γ per coordinate.
    """

    name = "rmsprop"
    title = "RMSprop"
    defaults: ClassVar[dict[str, float]] = {"alpha": 0.99, "eps": 1e-8}
    buffers = ("square_avg",)

    def update(
        self, grad: np.ndarray, state: np.ndarray, params: np.ndarray, lr: float
    ) -> np.ndarray:
        """Advance ``state`` in place by one update and return the step Δθ to add to θ."""
        alpha = self.hyperparameters["alpha"]
        average = state[1:]
        average *= alpha
        average += (1.0 - alpha) * grad * grad
        state[0] += 1.0
        return -lr * grad / (np.sqrt(average) + self.hyperparameters["eps"])


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam`` (no weight decay, not AMSGrad).

    .. math::
        m_t = β_1 m_{t-1} + (1 - β_1)\,g_t, \qquad v_t = β_2 v_{t-1} + (1 - β_2)\,g_t^2

        \hat m_t = \frac{m_t}{1 - β_1^t}, \qquad \hat v_t = \frac{v_t}{1 - β_2^t}

        θ_t = θ_{t-1} - γ\,\frac{\hat m_t}{\sqrt{\hat v_t} + ε}

    Defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8, added after the square root of the
    bias-corrected second moment. The first step therefore moves every coordinate by
    almost exactly γ, whatever the size of the gradient.
    """

    name = "adam"
    title = "Adam"
    defaults: ClassVar[dict[str, float]] = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    buffers = ("exp_avg", "exp_avg_sq")

    def update(
        self, grad: np.ndarray, state: np.ndarray, params: np.ndarray, lr: float
    ) -> np.ndarray:
        """Advance ``state`` in place by one update and return the step Δθ to add to θ."""
        beta1 = self.hyperparameters["beta1"]
        beta2 = self.hyperparameters["beta2"]
        n = grad.shape[0]
        t = state[0] + 1.0
        state[0] = t
        first, second = state[1 : 1 + n], state[1 + n :]
        first *= beta1
        first += (1.0 - beta1) * grad
        second *= beta2
        second += (1.0 - beta2) * grad * grad
        first_hat = first / (1.0 - beta1**t)
        second_hat = second / (1.0 - beta2**t)
        return -lr * first_hat / (np.sqrt(second_hat) + self.hyperparameters["eps"])


class Newton(Optimizer):
    r"""Newton's method, damped by λ, with a gradient step as its fallback.

    .. math::
        (H + λI)\,d = g, \qquad θ_t = θ_{t-1} - γ\,d

    H is the exact Hessian at θ_{t-1}. Default γ = 1 (:attr:`default_learning_rate`:
    the full step to the bottom of the local quadratic model) and damping λ = 0. A damping
    λ > 0 shortens the step and turns it towards −g (λ → ∞ gives gradient descent with rate
    γ/λ).

    **Fallback.** Where H + λI is not positive definite (an eigenvalue ≤ 10⁻¹² times the
    largest magnitude: a maximum, a saddle, a flat direction) d would not point downhill,
    and where H is not available (not finite there) d cannot be found. The update is then a
    plain gradient step, θ_t = θ_{t-1} − γ g, and the history records it
    (``fallback`` 1 or 2) so that the explanation and the run's status can say so.
    """

    name = "newton"
    title = "Newton's method"
    defaults: ClassVar[dict[str, float]] = {"damping": 0.0}
    stateless = True
    probes = True
    records_fallback = True
    default_learning_rate = 1.0

    def direction(self, grad: np.ndarray, hessian: np.ndarray | None) -> tuple[np.ndarray, int]:
        """The direction d to step along (θ ← θ − γd) and the fallback code.

        Returns ``(d, 0)`` with d solving (H + λI) d = g, or ``(g, 1)`` where H + λI is not
        positive definite, or ``(g, 2)`` where ``hessian`` is ``None`` or not finite.
        """
        if hessian is None or not np.all(np.isfinite(hessian)):
            return grad.copy(), 2
        damped = hessian + self.hyperparameters["damping"] * np.eye(grad.shape[0])
        eigenvalues = np.linalg.eigvalsh(damped)
        scale = max(float(np.max(np.abs(eigenvalues))), 1e-300)
        if eigenvalues[0] <= 1e-12 * scale:
            return grad.copy(), 1
        return np.linalg.solve(damped, grad), 0

    def update(
        self, grad: np.ndarray, state: np.ndarray, params: np.ndarray, lr: float
    ) -> np.ndarray:
        """Not used: Newton's method needs the Hessian (a Descent provides it)."""
        raise TypeError("newton needs the Hessian: run it in a Descent")


class Armijo(Optimizer):
    r"""Gradient descent with a backtracking line search (Armijo's rule).

    The rate γ of the step is only the first one tried: the step is γ_j = γ·β^j for the
    smallest j = 0, 1, … with

    .. math:: f(θ - γ_j\,g) \le f(θ) - c\,γ_j\,\lVert g\rVert^2

    (sufficient decrease), then θ_t = θ_{t-1} − γ_j g. Defaults: c = 10⁻⁴ (``armijo_c``),
    β = 0.5 (``shrink``, so the rate is halved), at most 30 backtracks
    (``max_backtracks``: 31 trials). The history's rate is the accepted γ_j and every
    trial is recorded. If no trial decreases f enough, no step is taken and the run stops
    with a sentence that says so (at a minimum, rounding leaves no decrease to find).
    """

    name = "armijo"
    title = "Gradient descent with line search (Armijo)"
    defaults: ClassVar[dict[str, float]] = {"armijo_c": 1e-4, "shrink": 0.5,
                                            "max_backtracks": 30.0}
    stateless = True
    probes = True

    @property
    def trial_width(self) -> int:
        """``max_backtracks + 1``: the first rate and every backtrack."""
        return int(self.hyperparameters["max_backtracks"]) + 1

    def update(
        self, grad: np.ndarray, state: np.ndarray, params: np.ndarray, lr: float
    ) -> np.ndarray:
        """Not used: the line search needs the loss at trial points (a Descent has it)."""
        raise TypeError("armijo needs the objective's values: run it in a Descent")


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (GD, Momentum, Nesterov, Adagrad, RMSprop, Adam, Newton, Armijo)
}

#: Most backtracks a line search may be allowed (0.5⁶⁰ ≈ 10⁻¹⁸: nothing is left to try).
MAX_BACKTRACKS = 60


@dataclass(frozen=True)
class Hyperparameter:
    """What a control for one hyperparameter needs to know (plain data, no Qt).

    Attributes
    ----------
    symbol : str
        How the update equations write it (``μ``, ``λ`` …).
    low, high : float
        Its range; ``low_open``/``high_open`` say whether the end itself is excluded.
    whole : bool
        True for a whole number (a count).
    help : str
        One sentence for a tooltip.
    """

    symbol: str
    low: float
    high: float
    low_open: bool
    high_open: bool
    whole: bool
    help: str


#: Every hyperparameter of :data:`OPTIMIZERS`, described for controls and explanations.
HYPERPARAMETERS: dict[str, Hyperparameter] = {
    "momentum": Hyperparameter("μ", 0.0, 1.0, False, True, False,
                               "μ: how much of the previous direction each step keeps (0 to <1)"),
    "alpha": Hyperparameter("ρ", 0.0, 1.0, False, True, False,
                            "ρ: how slowly the average of squared gradients forgets (0 to <1)"),
    "beta1": Hyperparameter("β₁", 0.0, 1.0, False, True, False,
                            "β₁: decay of the average gradient (0 to <1)"),
    "beta2": Hyperparameter("β₂", 0.0, 1.0, False, True, False,
                            "β₂: decay of the average squared gradient (0 to <1)"),
    "eps": Hyperparameter("ε", 0.0, math.inf, True, True, False,
                          "ε: added to the denominator so it is never zero"),
    "damping": Hyperparameter("λ", 0.0, math.inf, False, True, False,
                              "λ: added to the Hessian's diagonal; larger values shorten "
                              "Newton's step and turn it towards the gradient step (≥ 0)"),
    "armijo_c": Hyperparameter("c", 0.0, 1.0, True, True, False,
                               "c: a rate is accepted when f(x − α∇f) ≤ f(x) − c·α·‖∇f‖² "
                               "(0 < c < 1)"),
    "shrink": Hyperparameter("β", 0.0, 1.0, True, True, False,
                             "β: the rate is multiplied by this after each rejected try "
                             "(0 < β < 1; 0.5 halves it)"),
    "max_backtracks": Hyperparameter("max backtracks", 0.0, float(MAX_BACKTRACKS), False,
                                     False, True,
                                     "most tries after the first; if none lowers the loss "
                                     f"enough the run stops (0 to {MAX_BACKTRACKS})"),
}

#: Every hyperparameter name of any optimizer (the API's keywords, the CLI's options).
HYPERPARAMETER_NAMES: tuple[str, ...] = tuple(HYPERPARAMETERS)


def make_optimizer(name: str, hyperparameters: Mapping[str, float] | None = None) -> Optimizer:
    """Build an optimizer by name (``gd``, ``momentum``, ``nesterov``, ``adagrad``,
    ``rmsprop``, ``adam``, ``newton``, ``armijo``; ``sgd`` is accepted for ``gd``).

    Raises
    ------
    ValueError
        For an unknown name or a bad hyperparameter.
    """
    key = name.strip().lower()
    key = "gd" if key == "sgd" else key
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[key](**dict(hyperparameters or {}))


def _check_hyperparameter(key: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{key} must be a finite number, not {number}")
    if key == "eps" and number <= 0:
        raise ValueError(f"eps must be positive, not {number}")
    if key in ("momentum", "alpha", "beta1", "beta2") and not 0.0 <= number < 1.0:
        raise ValueError(f"{key} must be at least 0 and below 1, not {number}")
    if key in ("armijo_c", "shrink") and not 0.0 < number < 1.0:
        raise ValueError(f"{key} must be above 0 and below 1, not {number}")
    if key == "damping" and number < 0:
        raise ValueError(f"damping must be at least 0, not {number}")
    if key == "max_backtracks" and not (number.is_integer() and 0 <= number <= MAX_BACKTRACKS):
        raise ValueError(f"max_backtracks must be a whole number from 0 to {MAX_BACKTRACKS}, "
                         f"not {number:g}")
    return number
