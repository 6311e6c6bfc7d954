"""What the engine minimises: anything with parameter names and a value and gradient."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Objective"]


@runtime_checkable
class Objective(Protocol):
    """A differentiable function of a parameter vector.

    Attributes
    ----------
    param_names : tuple of str
        Names of the parameters, in the order of the vector.
    n_samples : int or None
        Number of data rows a batch may index, or ``None`` for a plain function.
    """

    param_names: tuple[str, ...]
    n_samples: int | None

    def value_and_grad(
        self, params: np.ndarray, batch: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        """Return ``(f(params), ∇f(params))``, on the rows ``batch`` when it is given.

        The gradient must be a new array of shape ``(len(param_names),)``. Non-finite
        results are allowed: the engine reports them as divergence.
        """
        ...


# An objective may also offer ``hessian(params, batch=None) -> ndarray | None``, the exact
# matrix of second derivatives (``None`` where there is none), and ``prepare_hessian() ->
# bool`` (whether it has one at all). They are optional: the engine looks them up with
# ``getattr`` and uses them to explain a blow-up with the stable learning-rate limit (see
# :mod:`gdstudio.engine.curvature`) and for Newton's method, which refuses an objective
# without them (see :mod:`gdstudio.engine.probing`).

# An objective of a few parameters may also offer ``scalar_value_and_grad(*params) ->
# (value, ∂f/∂θ₁, …)``, the same numbers as ``value_and_grad`` as Python floats, which may
# raise ``ArithmeticError``, ``ValueError`` or ``TypeError`` where ``value_and_grad`` gives
# inf or NaN. The scalar fast path (:mod:`gdstudio.engine.fast_path`) steps with it.
