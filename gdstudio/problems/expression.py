"""Safe expressions: text a student types -> checked sympy tree -> fast numpy functions.

The text is never run as code. :func:`check_syntax` reads it with ``ast.parse`` and walks
the tree against a whitelist (numbers, variable names, ``+ - * / ** ^``, a few functions
such as ``sin`` and ``exp``, the constants ``pi`` and ``e``), with caps on length,
nesting and numbers. :func:`analyse_expression` then builds the sympy tree node by node
and differentiates it in a helper process with a hard time limit, and
:func:`compile_expression` turns the result into functions for the engine.

Examples
--------
>>> import numpy as np
>>> f = compile_expression("(x - 3)**2 + 10*(y + 1)**2")
>>> f.variables
('x', 'y')
>>> f.value_and_grad(np.array([0.0, 0.0]))
(19.0, array([-6., 20.]))
>>> f.gradient_texts
('2·x - 6', '20·y + 20')
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from gdstudio.problems._compile_service import SERVICE, shutdown_compile_service
from gdstudio.problems._parse import check_syntax
from gdstudio.problems._rules import ExpressionError, name_problem

if TYPE_CHECKING:
    import sympy

__all__ = [
    "CompiledExpression",
    "ExpressionAnalysis",
    "ExpressionError",
    "PrecompiledExpression",
    "analyse_expression",
    "check_syntax",
    "compile_expression",
    "load_compiler",
    "remember_analysis",
    "second_derivatives",
    "shutdown_compile_service",
]

_CACHE_SIZE = 64
_cache: OrderedDict[tuple[str, tuple[str, ...] | None], ExpressionAnalysis] = OrderedDict()
_hessian_cache: OrderedDict[tuple[str, tuple[str, ...]], Any] = OrderedDict()
_cache_lock = threading.Lock()
_compiler_loaded = False  # see load_compiler
# The sweeps' batch functions by (text, wrt, variables): each sweep of a text builds a new
# compiled expression, and making its batch function with sympy takes longer than a sweep.
_batch_cache: OrderedDict[tuple[str, tuple[str, ...], tuple[str, ...]], Any] = OrderedDict()
# Their tapes (gdstudio.problems._tape), by batch function; None where there is none.
_tape_cache: OrderedDict[Any, Any] = OrderedDict()
#: What :func:`_recall` returns for a key it does not hold (``None`` can be a value).
_MISSING = object()
_RECOVERABLE = (ArithmeticError, ValueError, TypeError)
_HOT_PATH_ERRORS = (ArithmeticError, ValueError, TypeError, AttributeError)
_array = np.array
_FLOAT = np.dtype(float)


@dataclass(frozen=True)
class ExpressionAnalysis:
    """The checked sympy form of an expression and its derivatives.

    Attributes
    ----------
    text : str
        The original text.
    variables : tuple of str
        Free variable names of the text, in natural order.
    expression : sympy.Expr
        The built tree; variables are ``Symbol(name, real=True)``.
    wrt : tuple of str
        The names differentiated with respect to.
    derivatives : tuple of sympy.Expr
        ``d expression / d wrt[i]``.
    expression_text : str
        One-line unicode form, e.g. ``"(x - 3)² + 10·(y + 1)²"``.
    derivative_texts : tuple of str
        One-line unicode form of each derivative, e.g. ``"2·x"``.
    """

    text: str
    variables: tuple[str, ...]
    expression: sympy.Expr
    wrt: tuple[str, ...]
    derivatives: tuple[sympy.Expr, ...]
    expression_text: str
    derivative_texts: tuple[str, ...]


def analyse_expression(
    text: str, wrt: Sequence[str] | None = None, *, timeout: float = 5.0
) -> ExpressionAnalysis:
    """Check, build and differentiate an expression.

    :func:`check_syntax` runs in this process; building the tree, checking its caps,
    differentiating and checking the derivatives run in a helper process that is killed
    after ``timeout`` seconds. Recent results are cached.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"sin(x)*exp(-y)"``.
    wrt : sequence of str, optional
        Names to differentiate with respect to (default: every variable). Names that are
        not in the expression are allowed; their derivative is 0.
    timeout : float
        Seconds allowed for the build and differentiation (not counting the one-off start
        of the helper process).

    Returns
    -------
    ExpressionAnalysis

    Raises
    ------
    ExpressionError
        If the text is refused, breaks a cap, or takes longer than ``timeout``.
    """
    check_syntax(text)
    names = None if wrt is None else _checked_names(wrt, "wrt")
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    key = (text, names)
    known = _recall(_cache, key)
    if known is not _MISSING:
        return known
    variables, expression, wrt_names, derivatives, expression_text, derivative_texts = (
        SERVICE.request("analyse", (text, names), timeout)
    )
    analysis = ExpressionAnalysis(
        text, variables, expression, wrt_names, derivatives, expression_text, derivative_texts
    )
    _remember(_cache, key, analysis)
    return analysis


def remember_analysis(analysis: ExpressionAnalysis) -> None:
    """Take ``analysis`` as the result for its text and ``wrt`` from now on.

    Only for an analysis this program made (the stepping helper gets its parent's), so
    that analysing the same text again needs no helper process.
    """
    _remember(_cache, (analysis.text, tuple(analysis.wrt)), analysis)


def _recall(cache: OrderedDict[Any, Any], key: Any) -> Any:
    """The value ``cache`` holds for ``key`` (now its most recent), or :data:`_MISSING`."""
    with _cache_lock:
        if key not in cache:
            return _MISSING
        cache.move_to_end(key)
        return cache[key]


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    """Keep ``value`` for ``key``, dropping the least recent beyond ``_CACHE_SIZE``."""
    with _cache_lock:
        cache[key] = value
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)


def second_derivatives(
    text: str, wrt: Sequence[str], *, timeout: float = 5.0
) -> tuple[tuple[sympy.Expr, ...], ...] | None:
    """The exact Hessian of an expression, differentiated twice in the helper process.

    Parameters
    ----------
    text : str
        The expression (checked again here).
    wrt : sequence of str
        Names to differentiate with respect to, in the order of the Hessian's rows.
    timeout : float
        Seconds allowed for the differentiation.

    Returns
    -------
    tuple of tuple of sympy.Expr or None
        ``H[i][j] = ∂²f/∂wrt[i]∂wrt[j]``, or ``None`` where the second derivative is
        not a function (``abs``, ``sign``) or cannot be found in time.
    """
    check_syntax(text)
    names = _checked_names(wrt, "wrt")
    key = (text, names)
    known = _recall(_hessian_cache, key)
    if known is not _MISSING:
        return known
    try:
        rows = SERVICE.request("hessian", key, timeout)
    except ExpressionError:
        rows = None
    _remember(_hessian_cache, key, rows)
    return rows


def load_compiler() -> None:
    """Load, on the calling thread, what compiling in this process needs: sympy, its code
    printers and common subexpressions (over a second on a slow machine the first time;
    nothing after).

    The first text that is not an example otherwise loads them on its way; a window calls
    this in the background while the student reads, so that the first typed function is
    ready sooner and the window does not share the interpreter with the loading then.
    """
    global _compiler_loaded
    if _compiler_loaded:
        return
    import sympy  # here: checking text needs no sympy

    from gdstudio.problems import _lambdify

    arguments = _lambdify.positional_symbols(2)
    first, second = arguments
    sample = ((1 - first) ** 2 + sympy.exp(first * second) * sympy.sin(second)
              + sympy.sqrt(first**2 + 1),)
    for flavour in (_lambdify.scalar_function, _lambdify.array_function,
                    _lambdify.batch_function):
        flavour(arguments, sample)
    _compiler_loaded = True


def compile_expression(
    text: str, variables: Sequence[str] | None = None, *, timeout: float = 5.0
) -> CompiledExpression:
    """Analyse an expression and compile fast functions for its value and gradient.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"x**2 + y**2"``.
    variables : sequence of str, optional
        Order of the parameter vector (default: the expression's variables in natural
        order). May include names absent from the text; their gradient entry is 0.
    timeout : float
        Seconds allowed for the analysis, see :func:`analyse_expression`.

    Returns
    -------
    CompiledExpression

    Raises
    ------
    ExpressionError
        If the text is refused, or uses a name missing from ``variables``.
    """
    names = check_syntax(text)
    if variables is None:
        order = names
    else:
        order = _checked_names(variables, "variables")
        missing = [name for name in names if name not in order]
        if missing:
            listed = ", ".join(order) if order else "none"
            raise ExpressionError(
                f"the expression uses '{missing[0]}', which is not one of the variables ({listed})"
            )
    from gdstudio.problems.compiled_examples import lookup

    ready = lookup(text, order)  # the examples: compiled ahead of time, no sympy
    if ready is not None:
        return PrecompiledExpression(ready.text, ready.variables, ready.names, ready.texts,
                                     ready.functions)
    return CompiledExpression(analyse_expression(text, wrt=order, timeout=timeout), order)


@dataclass(frozen=True)
class CompiledExpression:
    """An analysed expression with compiled functions of a parameter vector.

    ``params[i]`` is the value of ``variables[i]``. Functions return inf or nan where
    the mathematics does (overflow, ``log(0)``...); numpy warnings are silenced.

    Parameters
    ----------
    analysis : ExpressionAnalysis
        The analysis; must have derivatives for every variable that occurs in the text.
    variables : tuple of str
        Order of the parameter vector.
    """

    analysis: ExpressionAnalysis
    variables: tuple[str, ...]
    _scalar: Callable[..., tuple[Any, ...]] = field(init=False, repr=False, compare=False)
    _shape: tuple[int] = field(init=False, repr=False, compare=False)
    _gradient_texts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from gdstudio.problems import _lambdify  # here: checking text needs no sympy

        order = _checked_names(self.variables, "variables")
        object.__setattr__(self, "variables", order)
        missing = [name for name in self.analysis.variables if name not in order]
        if missing:
            raise ExpressionError(f"'{missing[0]}' is used but is not one of the variables")
        texts = dict(zip(self.analysis.wrt, self.analysis.derivative_texts, strict=True))
        arguments, exprs = _lambdify.rename([self.analysis.expression, *self._derivatives()], order)
        object.__setattr__(self, "_scalar", _lambdify.scalar_function(arguments, exprs))
        object.__setattr__(self, "_shape", (len(order),))
        object.__setattr__(self, "_gradient_texts", tuple(texts.get(n, "0") for n in order))

    def __reduce__(self) -> tuple[type[CompiledExpression], tuple[Any, ...]]:
        return (type(self), (self.analysis, self.variables))

    @property
    def expression_text(self) -> str:
        """One-line unicode form of the expression."""
        return self.analysis.expression_text

    @property
    def gradient_texts(self) -> tuple[str, ...]:
        """One-line unicode form of each gradient entry, in the order of ``variables``."""
        return self._gradient_texts

    @property
    def scalar_function(self) -> Callable[..., tuple[float, ...]]:
        """``f(θ₁, …, θₙ) -> (value, ∂f/∂θ₁, …, ∂f/∂θₙ)`` on Python floats, all floats.

        What :meth:`value_and_grad` calls first. It raises ``ArithmeticError``,
        ``ValueError`` or ``TypeError`` where a result is not a finite number that
        :mod:`math` can give (overflow, a domain error); :meth:`value_and_grad` then
        answers (with inf or NaN).
        """
        return self._scalar

    def value(self, params: np.ndarray) -> float:
        """The value of the expression at ``params`` (shape ``(len(variables),)``)."""
        return self.value_and_grad(params)[0]

    def gradient_at(self, params: np.ndarray) -> np.ndarray:
        """The gradient at ``params`` as a new float array."""
        return self.value_and_grad(params)[1]

    def value_and_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """The value and gradient at ``params``; the gradient is a new array each call.

        Parameters
        ----------
        params : numpy.ndarray
            Float array of shape ``(len(variables),)``.

        Returns
        -------
        value : float
        gradient : numpy.ndarray
            Shape ``(len(variables),)``, freshly allocated.
        """
        # Hot path (about 200,000 calls per second): no checks before the call. A wrong
        # shape or type fails inside it (wrong argument count, arithmetic on lists,
        # no .tolist()) and is then checked properly on the slow path.
        try:
            value, *gradient = self._scalar(*params.tolist())
            return float(value), _array(gradient, dtype=float)
        except _HOT_PATH_ERRORS:
            return self._slow_value_and_grad(params)

    def value_and_grad_batch(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values and gradients at many points at once, for sweeps.

        Parameters
        ----------
        params : numpy.ndarray
            Float array of shape ``(K, len(variables))``, one point per row.

        Returns
        -------
        values : numpy.ndarray
            Shape ``(K,)``.
        gradients : numpy.ndarray
            Shape ``(K, len(variables))``.

        Notes
        -----
        A numpy function compiled for this (on first use) runs over the columns. Row k
        equals :meth:`value_and_grad` at ``params[k]`` to the last bit for arithmetic,
        powers and square roots; numpy's vectorised ``exp``, ``log``, ``tanh`` … may
        differ from :mod:`math`'s (which the one-point path uses) in the last bit.
        """
        points = np.asarray(params, dtype=float)
        if points.ndim != 2 or points.shape[1] != len(self.variables):
            raise ValueError(
                f"expected parameters of shape (K, {len(self.variables)}) for variables "
                f"{self.variables}, got shape {points.shape}"
            )
        count = points.shape[0]
        with np.errstate(all="ignore"):
            try:
                outputs = self._batch_function(*points.T)
            except _RECOVERABLE:
                return self._batch_point_by_point(points)
        values = outputs[0]
        if not (type(values) is np.ndarray and values.shape == (count,)):
            values = np.array(np.broadcast_to(np.asarray(values, dtype=float), (count,)))
        gradients = np.empty_like(points)
        for column, output in enumerate(outputs[1:]):
            gradients[:, column] = output
        return values, gradients

    def value_and_grad_batch_into(
        self, params: np.ndarray, loss: np.ndarray, grad: np.ndarray
    ) -> None:
        """:meth:`value_and_grad_batch` written into ``loss`` ``(K,)`` and ``grad``
        ``(K, d)``, the same numbers to the last bit.

        The compiled function's operations run into buffers kept from call to call
        (:mod:`gdstudio.problems._tape`), the outputs straight into ``loss`` and the
        columns of ``grad`` (fastest stored column by column); neither may share memory
        with ``params``. numpy's warnings are left to the caller (a sweep silences them
        once for all its steps); where they raise, the values are made as
        :meth:`value_and_grad_batch` makes them.
        """
        tape = self._batch_tape
        points = params if type(params) is np.ndarray else np.asarray(params, dtype=float)
        if (tape is not None and points.dtype == _FLOAT and points.ndim == 2
                and points.shape[1] == len(self.variables)):
            try:
                tape.run(points.T, (loss, *grad.T))
                return
            except _RECOVERABLE:
                pass
        values, gradients = self.value_and_grad_batch(points)
        np.copyto(loss, values)
        np.copyto(grad, gradients)

    def bind_batch_into(
        self, params: np.ndarray, loss: np.ndarray, grad: np.ndarray
    ) -> Callable[[], None]:
        """:meth:`value_and_grad_batch_into` ``(params, loss, grad)`` as a function of no
        arguments, evaluating at whatever ``params`` holds at each call.

        For a caller evaluating at the same arrays at every step (a sweep): the checks are
        made and the arrays unpacked once, and the tape runs with buffers of its own, so
        that a call costs the operations and little more. The numbers are those of
        :meth:`value_and_grad_batch_into`, made the same way where the tape raises.
        """
        tape = self._batch_tape
        if not (tape is not None and type(params) is np.ndarray and params.dtype == _FLOAT
                and params.ndim == 2 and params.shape[1] == len(self.variables)):
            return lambda: self.value_and_grad_batch_into(params, loss, grad)
        run = tape.bind(params.T, (loss, *grad.T))

        def evaluate() -> None:
            try:
                run()
            except _RECOVERABLE:
                values, gradients = self.value_and_grad_batch(params)
                np.copyto(loss, values)
                np.copyto(grad, gradients)

        return evaluate

    def _batch_point_by_point(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pairs = [self.value_and_grad(point) for point in points]
        values = np.array([value for value, _ in pairs], dtype=float)
        gradients = np.array([gradient for _, gradient in pairs], dtype=float)
        return values, gradients.reshape(points.shape)

    def hessian(self, params: np.ndarray) -> np.ndarray | None:
        """The exact Hessian ∂²f/∂θᵢ∂θⱼ at ``params``, or ``None`` where it has none.

        The second derivatives are found symbolically (never by finite differences) the
        first time this is called, in the helper process: call :meth:`prepare_hessian`
        off the UI thread first. ``None`` also stands for a Hessian that is not finite
        at ``params``.
        """
        function = self._hessian_function
        if function is None:
            return None
        count = len(self.variables)
        with np.errstate(all="ignore"):
            try:
                entries = function(*self._checked_params(params).tolist())
            except _RECOVERABLE:
                return None
        matrix = np.empty((count, count))
        for index, (i, j) in enumerate(_upper_triangle(count)):
            matrix[i, j] = matrix[j, i] = float(entries[index])
        return matrix if np.all(np.isfinite(matrix)) else None

    def hessian_batch(self, params: np.ndarray) -> np.ndarray | None:
        """The exact Hessians at many points at once, for sweeps (Newton's method).

        Parameters
        ----------
        params : numpy.ndarray
            Float array of shape ``(K, len(variables))``, one point per row.

        Returns
        -------
        numpy.ndarray or None
            Shape ``(K, d, d)``; a matrix with a non-finite entry is where :meth:`hessian`
            says ``None``. ``None`` when f has no second derivatives at all (``abs``…).
            Entries equal :meth:`hessian`'s to the last bit for arithmetic and powers (the
            numpy function of :meth:`value_and_grad_batch`'s kind).
        """
        if self._hessian_function is None:
            return None
        points = np.asarray(params, dtype=float)
        count, size = points.shape[0], len(self.variables)
        matrices = np.empty((count, size, size))
        with np.errstate(all="ignore"):
            try:
                entries = self._hessian_batch_function(*points.T)
            except _RECOVERABLE:
                for row, point in enumerate(points):
                    matrix = self.hessian(point)
                    matrices[row] = np.nan if matrix is None else matrix
                return matrices
        for index, (i, j) in enumerate(_upper_triangle(size)):
            column = np.broadcast_to(np.asarray(entries[index], dtype=float), (count,))
            matrices[:, i, j] = column
            matrices[:, j, i] = column
        return matrices

    def prepare_hessian(self) -> bool:
        """Differentiate twice and compile the Hessian now; return whether it exists."""
        return self._hessian_function is not None

    @property
    def hessian_ready(self) -> bool:
        """True once :meth:`hessian` answers at once (nothing left to differentiate)."""
        return "_hessian_function" in self.__dict__

    def evaluate_grid(self, *coordinates: np.ndarray) -> np.ndarray:
        """The value at every point of broadcast coordinate arrays, e.g. ``f(X, Y)``.

        Parameters
        ----------
        *coordinates : numpy.ndarray
            One array per variable, in the order of ``variables``; they are broadcast.

        Returns
        -------
        numpy.ndarray
            New float array of the broadcast shape (also for constant expressions).
        """
        if len(coordinates) != len(self.variables):
            raise ValueError(
                f"expected {len(self.variables)} coordinate arrays, got {len(coordinates)}"
            )
        arrays = [np.asarray(coordinate, dtype=float) for coordinate in coordinates]
        shape = np.broadcast_shapes(*(array.shape for array in arrays))
        with np.errstate(all="ignore"):
            result = self._array_value(*arrays)[0]
        return np.array(np.broadcast_to(np.asarray(result, dtype=float), shape), dtype=float)

    def prepare_arrays(self) -> None:
        """Compile the vectorised functions now (otherwise on first use).

        The first compilation imports parts of numpy and sympy and can take a few hundred
        milliseconds: a window does it in the background, not while it draws.
        """
        self._array_value  # noqa: B018 (cached properties: reading them compiles)
        self._array_function  # noqa: B018

    def _checked_params(self, params: Any) -> np.ndarray:
        array = np.asarray(params, dtype=float)
        if array.shape != self._shape:
            raise ValueError(
                f"expected parameters of shape {self._shape} for variables "
                f"{self.variables}, got shape {array.shape}"
            )
        return array

    def _slow_value_and_grad(self, params: Any) -> tuple[float, np.ndarray]:
        params = self._checked_params(params)
        try:
            value, *gradient = self._scalar(*params.tolist())
            return float(value), np.array(gradient, dtype=float)
        except _RECOVERABLE:  # inf, nan or a domain error: let numpy say which
            pass
        with np.errstate(all="ignore"):
            try:
                out = self._array_function(*params)
                return float(out[0]), np.array([float(item) for item in out[1:]])
            except _RECOVERABLE:
                return math.nan, np.full(self._shape, math.nan)

    @cached_property
    def _array_function(self) -> Callable[..., tuple[Any, ...]]:
        return self._compile_array(with_gradient=True)

    @cached_property
    def _batch_function(self) -> Callable[..., tuple[Any, ...]]:
        from gdstudio.problems import _lambdify  # here: checking text needs no sympy

        key = (self.analysis.text, tuple(self.analysis.wrt), self.variables)
        function = _recall(_batch_cache, key)
        if function is _MISSING:
            arguments, renamed = _lambdify.rename(
                [self.analysis.expression, *self._derivatives()], self.variables)
            function = _lambdify.batch_function(arguments, renamed)
            _remember(_batch_cache, key, function)
        return function

    @cached_property
    def _batch_tape(self) -> Any:
        from gdstudio.problems import _tape  # lazy, as the batch function

        function = self._batch_function
        tape = _recall(_tape_cache, function)
        if tape is _MISSING:  # a function with no tape is remembered as None
            tape = _tape.make_tape(function)
            _remember(_tape_cache, function, tape)
        return tape

    @cached_property
    def _hessian_function(self) -> Callable[..., tuple[Any, ...]] | None:
        from gdstudio.problems import _lambdify  # lazy: checking text needs no sympy

        rows = second_derivatives(self.analysis.text, self.variables)
        if rows is None:
            return None
        entries = [rows[i][j] for i, j in _upper_triangle(len(self.variables))]
        arguments, renamed = _lambdify.rename(entries, self.variables)
        return _lambdify.array_function(arguments, renamed)

    @cached_property
    def _hessian_batch_function(self) -> Callable[..., tuple[Any, ...]]:
        from gdstudio.problems import _lambdify  # lazy: checking text needs no sympy

        rows = second_derivatives(self.analysis.text, self.variables)
        assert rows is not None  # hessian_batch asks only when there are some
        entries = [rows[i][j] for i, j in _upper_triangle(len(self.variables))]
        arguments, renamed = _lambdify.rename(entries, self.variables)
        return _lambdify.batch_function(arguments, renamed)

    @cached_property
    def _array_value(self) -> Callable[..., tuple[Any, ...]]:
        return self._compile_array(with_gradient=False)

    def _compile_array(self, with_gradient: bool) -> Callable[..., tuple[Any, ...]]:
        from gdstudio.problems import _lambdify  # here: checking text needs no sympy

        exprs = [self.analysis.expression]
        if with_gradient:
            exprs += self._derivatives()
        arguments, renamed = _lambdify.rename(exprs, self.variables)
        return _lambdify.array_function(arguments, renamed)

    def _derivatives(self) -> list[sympy.Expr]:
        """Derivatives in the order of ``variables`` (0 for names absent from the text)."""
        import sympy  # here, not above: checking text needs no sympy

        by_name = dict(zip(self.analysis.wrt, self.analysis.derivatives, strict=True))
        result = []
        for name in self.variables:
            if name in by_name:
                result.append(by_name[name])
            elif name in self.analysis.variables:
                raise ValueError(f"the analysis has no derivative with respect to '{name}'")
            else:
                result.append(sympy.Integer(0))
        return result


class _ReadyAnalysis:
    """The texts of a ready-made form; its sympy trees are worked out when first read."""

    def __init__(self, text: str, variables: tuple[str, ...], wrt: tuple[str, ...],
                 expression_text: str, derivative_texts: tuple[str, ...]) -> None:
        self.text, self.variables, self.wrt = text, variables, wrt
        self.expression_text, self.derivative_texts = expression_text, derivative_texts

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        # The trees (``expression``, ``derivatives``): only code that rewrites them asks.
        return getattr(analyse_expression(self.text, wrt=self.wrt), name)


class PrecompiledExpression(CompiledExpression):
    """A :class:`CompiledExpression` built from the ready-made forms of the examples.

    Made by :func:`compile_expression` from the entry that
    :func:`gdstudio.problems.compiled_examples.lookup` found, whose checked trees give the
    functions; it needs neither sympy nor the helper process. Its ``analysis`` holds
    the texts at once and works out the sympy trees only if they are read.
    """

    def __init__(self, text: str, variables: tuple[str, ...], names: tuple[str, ...],
                 texts: dict[str, Any], functions: dict[str, Any]) -> None:
        # Not the dataclass's __init__: the functions are given, nothing is compiled.
        analysis = _ReadyAnalysis(text, names, variables, texts["expression"],
                                  texts["derivatives"])
        object.__setattr__(self, "analysis", analysis)
        object.__setattr__(self, "variables", variables)
        object.__setattr__(self, "_scalar", functions["scalar"])
        object.__setattr__(self, "_shape", (len(variables),))
        object.__setattr__(self, "_gradient_texts", texts["gradient"])
        self.__dict__["_array_value"] = functions["array_value"]
        self.__dict__["_array_function"] = functions["array_gradient"]
        self.__dict__["_hessian_function"] = functions["hessian"]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (compile_expression, (self.analysis.text, self.variables))

    def __repr__(self) -> str:
        return f"PrecompiledExpression({self.analysis.text!r}, {self.variables!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompiledExpression):
            return NotImplemented
        return (self.analysis.text, self.variables) == (other.analysis.text, other.variables)

    def __hash__(self) -> int:
        return hash((self.analysis.text, self.variables))


def _upper_triangle(count: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(count) for j in range(i, count)]


def _checked_names(names: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(names, str):
        raise TypeError(f"{what} must be a sequence of names, not a single str")
    result = tuple(names)
    for name in result:
        if not isinstance(name, str):
            raise TypeError(f"{what} must contain str names, not {type(name).__name__}")
        problem = name_problem(name)
        if problem is not None:
            raise ExpressionError(f"'{name}' cannot be a variable: {problem}")
    if len(set(result)) != len(result):
        duplicate = next(name for name in result if result.count(name) > 1)
        raise ExpressionError(f"the variable '{duplicate}' is listed twice")
    return result
