"""A cost function typed by a student, as an engine objective."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gdstudio.problems._rules import NO_VARIABLE
from gdstudio.problems.expression import (
    CompiledExpression,
    ExpressionError,
    compile_expression,
)

__all__ = ["FunctionObjective"]


class FunctionObjective:
    """The objective f(θ) of a compiled expression; batches do not apply.

    Parameters
    ----------
    compiled : CompiledExpression
        The expression and its symbolic gradient, compiled to numpy.

    Raises
    ------
    ExpressionError
        For a constant such as ``5`` or ``pi*2``: "the function has no variable to descend
        on" (the API, the command line, projects and the window all say this).
    """

    n_samples: int | None = None

    def __init__(self, compiled: CompiledExpression) -> None:
        if not compiled.variables:
            raise ExpressionError(NO_VARIABLE)
        self.compiled = compiled
        self.param_names: tuple[str, ...] = tuple(compiled.variables)
        # The engine calls this hundreds of thousands of times a second: hand it the
        # compiled function itself rather than a wrapper (batches do not apply here).
        self.value_and_grad = compiled.value_and_grad  # type: ignore[method-assign]
        # The engine's scalar fast path (see gdstudio.engine.fast_path) calls this on
        # Python floats and falls back to value_and_grad where it raises.
        self.scalar_value_and_grad = compiled.scalar_function

    @classmethod
    def from_text(
        cls, text: str, variables: Sequence[str] | None = None, *, timeout: float = 5.0
    ) -> FunctionObjective:
        """Compile ``text`` safely (see :func:`compile_expression`) into an objective."""
        return cls(compile_expression(text, variables, timeout=timeout))

    @property
    def text(self) -> str:
        """The expression as typed."""
        return self.compiled.analysis.text

    @property
    def expression_text(self) -> str:
        """The expression in readable one-line unicode."""
        return self.compiled.analysis.expression_text

    @property
    def gradient_texts(self) -> tuple[str, ...]:
        """Each partial derivative in readable one-line unicode, in parameter order."""
        return self.compiled.analysis.derivative_texts

    def value_and_grad(
        self, params: np.ndarray, batch: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        """Return ``(f(θ), ∇f(θ))``; ``batch`` is ignored (replaced per instance)."""
        return self.compiled.value_and_grad(params)

    def value_and_grad_batch(
        self, params: np.ndarray, batch: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Values ``(K,)`` and gradients ``(K, d)`` at the rows of ``params`` ``(K, d)``.

        See :meth:`~gdstudio.problems.expression.CompiledExpression.value_and_grad_batch`;
        ``batch`` is ignored.
        """
        return self.compiled.value_and_grad_batch(params)

    def value_and_grad_batch_into(
        self, params: np.ndarray, batch: np.ndarray | None, loss: np.ndarray,
        grad: np.ndarray,
    ) -> None:
        """:meth:`value_and_grad_batch` written into ``loss`` ``(K,)`` and ``grad``
        ``(K, d)`` (see
        :meth:`~gdstudio.problems.expression.CompiledExpression.value_and_grad_batch_into`);
        ``batch`` is ignored."""
        self.compiled.value_and_grad_batch_into(params, loss, grad)

    def bind_batch_into(
        self, params: np.ndarray, loss: np.ndarray, grad: np.ndarray
    ) -> Callable[[], None]:
        """:meth:`value_and_grad_batch_into` ``(params, None, loss, grad)`` as a function of
        no arguments, evaluating at whatever ``params`` holds at each call (see
        :meth:`~gdstudio.problems.expression.CompiledExpression.bind_batch_into`)."""
        return self.compiled.bind_batch_into(params, loss, grad)

    def hessian(self, params: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray | None:
        """The exact Hessian at ``params``, or ``None`` where f has none (``abs``…).

        See :meth:`~gdstudio.problems.expression.CompiledExpression.hessian`; ``batch``
        is ignored.
        """
        return self.compiled.hessian(params)

    def hessian_batch(
        self, params: np.ndarray, batch: np.ndarray | None = None
    ) -> np.ndarray | None:
        """The Hessians ``(K, d, d)`` at the rows of ``params``, for sweeps.

        See :meth:`~gdstudio.problems.expression.CompiledExpression.hessian_batch`;
        ``batch`` is ignored.
        """
        return self.compiled.hessian_batch(params)

    def prepare_hessian(self) -> bool:
        """Find the second derivatives now (slow: off the UI thread); whether they exist."""
        return self.compiled.prepare_hessian()

    @property
    def hessian_ready(self) -> bool:
        """True once :meth:`hessian` answers at once."""
        return self.compiled.hessian_ready
