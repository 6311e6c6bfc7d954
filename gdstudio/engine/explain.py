"""Updates written out with their numbers, for the explain panel (numpy only, no Qt).

Every line reads ``lhs = rule = numbers = result``, with the numbers from the recorded
history and the optimizer's saved states: the arithmetic shown is exactly what the engine
did (each number rounded to 5 significant digits). Gradient descent on x² at step 3::

    x₄ = x₃ − α·f′(x₃) = 1.2288 − 0.1 · 2.4576 = 0.98304
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gdstudio.engine.optimizers import OPTIMIZERS, make_optimizer

if TYPE_CHECKING:
    from gdstudio.engine.descent import Descent

__all__ = [
    "explain_derivative",
    "explain_descent_step",
    "explain_point",
    "explain_update",
    "format_number",
    "subscript",
    "superscript",
]

MINUS = "−"
_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# Symbols for hyperparameters; RMSprop's ``alpha`` is ρ because α is the learning rate.
_SYMBOLS = {"momentum": "μ", "alpha": "ρ", "beta1": "β₁", "beta2": "β₂", "eps": "ε",
            "damping": "λ", "armijo_c": "c", "shrink": "β", "max_backtracks": "max backtracks"}


def subscript(number: int) -> str:
    """``12`` → ``"₁₂"``."""
    return str(int(number)).translate(_SUBSCRIPTS)


def superscript(number: int) -> str:
    """``12`` → ``"¹²"``."""
    return str(int(number)).translate(_SUPERSCRIPTS)


def format_number(value: float) -> str:
    """Format with 5 significant digits and a unicode minus: ``-0.000012`` → ``"−1.2e−5"``.

    Infinities are shown as ``∞``/``−∞`` and not-a-number as ``NaN``.
    """
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    text = f"{value:.5g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


def _operand(value: float) -> str:
    """A number as substituted after an operator: negative ones in parentheses."""
    text = format_number(value)
    return f"({text})" if text.startswith(MINUS) else text


def _squared(value: float) -> str:
    """``value²``, with parentheses around negative numbers and powers of ten."""
    text = format_number(value)
    return f"({text})²" if text.startswith(MINUS) or "e" in text else f"{text}²"


@dataclass(frozen=True)
class _Update:
    """Everything one parameter's lines need."""

    name: str
    step: int
    symbol_gradient: str
    hyper: Mapping[str, float]
    lr: float
    param: float
    grad: float
    new_param: float
    before: Mapping[str, float]
    after: Mapping[str, float]
    t_before: float
    t_after: float
    direction: float = math.nan  # Newton's d (θ ← θ − α·d)
    fallback: int = 0
    curvature: float | None = None  # Newton in one variable: f″

    def k(self, offset: int = 0) -> str:
        return subscript(self.step + offset)

    def equation(self, lhs: str, rule: str, numbers: str, result: float) -> str:
        return f"{lhs} = {rule} = {numbers} = {format_number(result)}"

    def gradient_line(self) -> str:
        return f"g{self.k()} = {self.symbol_gradient} = {format_number(self.grad)}"

    def parameter_line(self, rule: str, numbers: str) -> str:
        x, k, k1 = self.name, self.k(), self.k(1)
        start = format_number(self.param)
        lhs, rule = f"{x}{k1}", f"{x}{k} − α·{rule}"
        return self.equation(lhs, rule, f"{start} − {numbers}", self.new_param)


def _gd_lines(u: _Update) -> list[str]:
    return [u.parameter_line(u.symbol_gradient, f"{_operand(u.lr)} · {_operand(u.grad)}")]


def _momentum_buffer_line(u: _Update) -> str:
    k, k1 = u.k(), u.k(1)
    buffer = u.after["momentum_buffer"]
    if u.t_before == 0:
        return f"b{k1} = g{k} = {format_number(buffer)}   (the first buffer is the gradient)"
    mu = u.hyper["momentum"]
    numbers = f"{format_number(mu)} · {_operand(u.before['momentum_buffer'])} + {_operand(u.grad)}"
    return u.equation(f"b{k1}", f"μ·b{k} + g{k}", numbers, buffer)


def _momentum_lines(u: _Update) -> list[str]:
    k1 = u.k(1)
    numbers = f"{_operand(u.lr)} · {_operand(u.after['momentum_buffer'])}"
    return [u.gradient_line(), _momentum_buffer_line(u), u.parameter_line(f"b{k1}", numbers)]


def _nesterov_lines(u: _Update) -> list[str]:
    k, k1 = u.k(), u.k(1)
    mu, buffer = u.hyper["momentum"], u.after["momentum_buffer"]
    numbers = f"{_operand(u.lr)} · ({format_number(u.grad)} + {_operand(mu)} · {_operand(buffer)})"
    return [
        u.gradient_line(),
        _momentum_buffer_line(u),
        u.parameter_line(f"(g{k} + μ·b{k1})", numbers),
    ]


def _scaled_step(u: _Update, average: str, value: float) -> str:
    """Parameter line ``x − α·g/(√s + ε)`` with the average named ``average``."""
    k, k1 = u.k(), u.k(1)
    numbers = (
        f"{_operand(u.lr)} · {_operand(u.grad)} / (√{_operand(value)} + {_operand(u.hyper['eps'])})"
    )
    return u.parameter_line(f"g{k}/(√{average}{k1} + ε)", numbers)


def _adagrad_lines(u: _Update) -> list[str]:
    k, k1 = u.k(), u.k(1)
    total = u.after["sum"]
    numbers = f"{format_number(u.before['sum'])} + {_squared(u.grad)}"
    return [
        u.gradient_line(),
        u.equation(f"s{k1}", f"s{k} + g{k}²", numbers, total),
        _scaled_step(u, "s", total),
    ]


def _rmsprop_lines(u: _Update) -> list[str]:
    k, k1 = u.k(), u.k(1)
    rho, average = u.hyper["alpha"], u.after["square_avg"]
    numbers = (
        f"{format_number(rho)} · {_operand(u.before['square_avg'])} + "
        f"{_operand(1.0 - rho)} · {_squared(u.grad)}"
    )
    return [
        u.gradient_line(),
        u.equation(f"v{k1}", f"ρ·v{k} + (1 − ρ)·g{k}²", numbers, average),
        _scaled_step(u, "v", average),
    ]


def _adam_moment_line(u: _Update, symbol: str, buffer: str, beta: str, power: str) -> str:
    k, k1 = u.k(), u.k(1)
    value = u.hyper[beta]
    gradient = _squared(u.grad) if power else _operand(u.grad)
    numbers = (
        f"{format_number(value)} · {_operand(u.before[buffer])} + "
        f"{_operand(1.0 - value)} · {gradient}"
    )
    name = _SYMBOLS[beta]
    rule = f"{name}·{symbol}{k} + (1 − {name})·g{k}{power}"
    return u.equation(f"{symbol}{k1}", rule, numbers, u.after[buffer])


def _bias_corrected(u: _Update, symbol: str, beta: str, t: int) -> tuple[str, float]:
    """The line ``m̂ = m/(1 − β₁ᵗ)`` (or v̂) and its value."""
    k1 = u.k(1)
    raw = u.after["exp_avg" if symbol == "m" else "exp_avg_sq"]
    fix = 1.0 - u.hyper[beta] ** t
    rule = f"{symbol}{k1}/(1 − {_SYMBOLS[beta]}{superscript(t)})"
    numbers = f"{format_number(raw)} / {_operand(fix)}"
    return u.equation(f"{symbol}̂{k1}", rule, numbers, raw / fix), raw / fix


def _adam_lines(u: _Update) -> list[str]:
    k1 = u.k(1)
    t = int(u.t_after)
    first_line, first_hat = _bias_corrected(u, "m", "beta1", t)
    second_line, second_hat = _bias_corrected(u, "v", "beta2", t)
    numbers = (
        f"{_operand(u.lr)} · {_operand(first_hat)} / "
        f"(√{_operand(second_hat)} + {_operand(u.hyper['eps'])})"
    )
    return [
        u.gradient_line(),
        _adam_moment_line(u, "m", "exp_avg", "beta1", ""),
        _adam_moment_line(u, "v", "exp_avg_sq", "beta2", "²"),
        first_line,
        second_line,
        u.parameter_line(f"m̂{k1}/(√v̂{k1} + ε)", numbers),
    ]


def _newton_lines(u: _Update) -> list[str]:
    if u.fallback:
        return [u.gradient_line(), u.parameter_line(
            f"g{u.k()}", f"{_operand(u.lr)} · {_operand(u.grad)}")]
    k = u.k()
    if u.curvature is not None:
        damping = _operand(u.hyper["damping"])
        numbers = f"{_operand(u.grad)} / ({format_number(u.curvature)} + {damping})"
        solve = u.equation(f"d{k}", f"g{k}/(h{k} + λ)", numbers, u.direction)
    else:
        solve = f"d{k} = {format_number(u.direction)}"
    return [u.gradient_line(), solve,
            u.parameter_line(f"d{k}", f"{_operand(u.lr)} · {_operand(u.direction)}")]


def _armijo_lines(u: _Update) -> list[str]:
    return [u.gradient_line(), u.parameter_line(
        f"g{u.k()}", f"{_operand(u.lr)} · {_operand(u.grad)}")]


_LINES: dict[str, Callable[[_Update], list[str]]] = {
    "gd": _gd_lines,
    "momentum": _momentum_lines,
    "nesterov": _nesterov_lines,
    "adagrad": _adagrad_lines,
    "rmsprop": _rmsprop_lines,
    "adam": _adam_lines,
    "newton": _newton_lines,
    "armijo": _armijo_lines,
}


def _gradient_symbol(names: Sequence[str], index: int, step: int, loss: str = "f") -> str:
    k = subscript(step)
    if loss != "f":  # a data objective: the loss L of a model f
        return f"∂{loss}/∂{names[index]}"
    if len(names) == 1:
        return f"f′({names[0]}{k})"
    return f"∂f/∂{names[index]}(θ{k})"


def _header(key: str, step: int, lr: float, hyper: Mapping[str, float]) -> str:
    settings = [f"α = {format_number(lr)}"]
    settings += [f"{_SYMBOLS.get(n, n)} = {format_number(v)}" for n, v in hyper.items()]
    title = OPTIMIZERS[key].title
    return f"{title}, step {step} → {step + 1}:  " + ", ".join(settings)


def explain_update(
    optimizer_name: str,
    hyperparameters: Mapping[str, float],
    param_names: Sequence[str],
    step: int,
    params: np.ndarray,
    grad: np.ndarray,
    lr: float,
    state_before: np.ndarray,
    state_after: np.ndarray,
    new_params: np.ndarray,
    loss_symbol: str = "f",
    *,
    hessian: np.ndarray | None = None,
    fallback: int = 0,
    loss: float = math.nan,
    trials: tuple[np.ndarray, np.ndarray] | None = None,
) -> str:
    """Write the update from θ_k to θ_{k+1} out with the numbers the engine used.

    Parameters
    ----------
    optimizer_name : str
        ``gd`` (or ``sgd``), ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adam``.
    hyperparameters : Mapping[str, float]
        The optimizer's hyperparameters for this update (missing ones take defaults).
    param_names : Sequence[str]
        Names of the parameters.
    step : int
        k, the index of the point the update starts from.
    params, grad : ndarray
        θ_k and ∇f(θ_k).
    lr : float
        The learning rate α the update used (after the schedule).
    state_before, state_after : ndarray
        The optimizer's state vector before and after the update.
    new_params : ndarray
        θ_{k+1} as the engine computed it.
    loss_symbol : str
        Name of the minimised function: ``f`` (f′(x), ∂f/∂x(θ)) or, for data, ``L`` (∂L/∂b).
    hessian : ndarray, optional
        Newton's method: the Hessian at θ_k (the solve is written out with it).
    fallback : int
        Newton's method: the history's fallback code (0 a Newton step, 1 or 2 a gradient
        step because the Hessian was not positive definite or not available).
    loss : float
        Armijo: f(θ_k), the loss the trials are compared with.
    trials : tuple of ndarray, optional
        Armijo: the rates tried and the loss at each (the history's ``trials``).

    Returns
    -------
    str
        A header line with the settings, then one line (plain gradient descent) or a short
        group of lines per parameter, each ``lhs = rule = numbers = result``.

    Examples
    --------
    >>> import numpy as np
    >>> print(explain_update("gd", {}, ["x"], 3, np.array([1.2288]), np.array([2.4576]),
    ...       0.1, np.array([3.0]), np.array([4.0]), np.array([0.98304])))
    Gradient descent, step 3 → 4:  α = 0.1
    x₄ = x₃ − α·f′(x₃) = 1.2288 − 0.1 · 2.4576 = 0.98304
    """
    optimizer = make_optimizer(optimizer_name)  # checks the name
    key = optimizer.name
    hyper = {**optimizer.defaults, **{k: float(v) for k, v in hyperparameters.items()}}
    before = optimizer.state_buffers(np.asarray(state_before, dtype=float))
    after = optimizer.state_buffers(np.asarray(state_after, dtype=float))
    names = list(param_names)
    lines = [_header(key, step, lr, hyper)]
    grad = np.asarray(grad, dtype=float)
    directions = np.full(len(names), math.nan)
    if key == "newton":
        prose, directions = _newton_prose(names, step, grad, hessian, hyper["damping"],
                                          fallback, loss_symbol)
        lines += prose
    elif key == "armijo" and trials is not None:
        lines += _armijo_prose(names, step, grad, loss, trials, hyper, lr, loss_symbol)
    width = max((len(name) for name in names), default=0) + 2
    for index, name in enumerate(names):
        update = _Update(
            name=name,
            step=step,
            symbol_gradient=_gradient_symbol(names, index, step, loss_symbol),
            hyper=hyper,
            lr=float(lr),
            param=float(params[index]),
            grad=float(grad[index]),
            new_param=float(new_params[index]),
            before={name: float(values[index]) for name, values in before.items()},
            after={name: float(values[index]) for name, values in after.items()},
            t_before=float(state_before[0]),
            t_after=float(state_after[0]),
            direction=float(directions[index]),
            fallback=fallback,
            curvature=float(hessian[0][0]) if key == "newton" and len(names) == 1
            and hessian is not None else None,
        )
        group = _LINES[key](update)
        if len(group) == 1 or len(names) == 1:
            lines += group
        else:
            lines.append(f"{name + ':':<{width}}{group[0]}")
            lines += [" " * width + line for line in group[1:]]
    return "\n".join(lines)


def _point_symbol(names: Sequence[str], step: int) -> str:
    return f"{names[0]}{subscript(step)}" if len(names) == 1 else f"θ{subscript(step)}"


def _vector(values: np.ndarray) -> str:
    return "(" + ", ".join(format_number(v) for v in values) + ")"


def _newton_prose(
    names: Sequence[str], step: int, grad: np.ndarray, hessian: np.ndarray | None,
    damping: float, fallback: int, loss_symbol: str,
) -> tuple[list[str], np.ndarray]:
    """Newton's Hessian and solve, in words; and the direction d of every parameter."""
    point, k = _point_symbol(names, step), subscript(step)
    available = hessian is not None and bool(np.all(np.isfinite(hessian)))
    if not available or fallback == 2:
        return ([f"Fallback: the Hessian is not available at {point}, so this is a gradient "
                 "step (θ − α·g)"], grad)
    assert hessian is not None
    matrix = np.asarray(hessian, dtype=float)
    damped = matrix + damping * np.eye(matrix.shape[0])
    eigenvalues = np.linalg.eigvalsh(damped)
    shown = ", ".join(format_number(v) for v in eigenvalues)
    if len(names) == 1:
        second = "f″" if loss_symbol == "f" else f"∂²{loss_symbol}/∂{names[0]}²"
        curvature = f"Curvature {second}({point}) = {format_number(matrix[0, 0])}"
    else:
        rows = ", ".join(_vector(row) for row in matrix)
        curvature = f"Hessian H({point}) = [{rows}], eigenvalues of H + λI: {shown}"
    if fallback:
        return [curvature, "Fallback: H + λI is not positive definite here, so the Newton step "
                           "would not go downhill; this is a gradient step (θ − α·g)"], grad
    direction = np.linalg.solve(damped, grad)
    if len(names) == 1:
        lines = [curvature.replace("Curvature ", f"Curvature h{k} = ")
                 + f" > 0: the parabola through {point} has its bottom at {point} − d{k}"]
    else:
        lines = [curvature + " (positive definite)",
                 f"Solve (H + λI)·d{k} = g{k} for the Newton direction: "
                 f"d{k} = {_vector(direction)}"]
    return lines, direction


def _armijo_prose(
    names: Sequence[str], step: int, grad: np.ndarray, loss: float,
    trials: tuple[np.ndarray, np.ndarray], hyper: Mapping[str, float], lr: float,
    loss_symbol: str,
) -> list[str]:
    """The line search's trials, one line each, against the sufficient-decrease bar."""
    point, k = _point_symbol(names, step), subscript(step)
    rates, losses = trials
    c, squared = hyper["armijo_c"], float(grad @ grad)
    f = loss_symbol
    lines = [f"Backtracking from α = {format_number(rates[0]) if len(rates) else '?'} "
             f"(×{format_number(hyper['shrink'])} per try) until {f}({point} − α·g{k}) ≤ "
             f"{f}({point}) − c·α·‖g{k}‖², with {f}({point}) = {format_number(loss)}, "
             f"‖g{k}‖² = {format_number(squared)}"]
    for index, (rate, value) in enumerate(zip(rates, losses, strict=True)):
        bar = loss - c * rate * squared
        accepted = index == len(rates) - 1 and math.isfinite(lr) and rate == lr
        verdict = "≤" if accepted else ">"
        mark = "✓ accepted" if accepted else "✗"
        lines.append(f"Try α = {format_number(rate)}: {f} = {format_number(value)} {verdict} "
                     f"{format_number(bar)} {mark}")
    return lines


def explain_point(
    param_names: Sequence[str], step: int, params: np.ndarray, loss: float, grad: np.ndarray,
    loss_symbol: str = "f",
) -> str:
    """Describe the point θ_k: its coordinates, the loss and the gradient there.

    Examples
    --------
    >>> import numpy as np
    >>> print(explain_point(["x"], 4, np.array([0.98304]), 0.96637, np.array([1.9661])))
    Step 4:  x₄ = 0.98304,  f(x₄) = 0.96637,  f′(x₄) = 1.9661
    """
    names = list(param_names)
    k = subscript(step)
    coordinates = ",  ".join(
        f"{name}{k} = {format_number(value)}" for name, value in zip(names, params, strict=False)
    )
    point = f"{names[0]}{k}" if len(names) == 1 else f"θ{k}"
    gradient = ",  ".join(
        f"{_gradient_symbol(names, i, step, loss_symbol)} = {format_number(g)}"
        for i, g in enumerate(grad)
    )
    parts = [coordinates, f"{loss_symbol}({point}) = {format_number(loss)}", gradient]
    return f"Step {step}:  " + ",  ".join(part for part in parts if part)


def explain_derivative(
    expression_text: str, param_names: Sequence[str], gradient_texts: Sequence[str]
) -> str:
    """The function and its derivative (one variable) or partial derivatives (more).

    Examples
    --------
    >>> print(explain_derivative("x²", ["x"], ["2·x"]))
    f(x) = x²
    f′(x) = 2·x
    >>> print(explain_derivative("x² + y²", ["x", "y"], ["2·x", "2·y"]))
    f(x, y) = x² + y²
    ∂f/∂x = 2·x
    ∂f/∂y = 2·y
    """
    names = list(param_names)
    if not names:
        return f"f = {expression_text}\n(no variables: nothing to differentiate)"
    lines = [f"f({', '.join(names)}) = {expression_text}"]
    if len(names) == 1:
        lines.append(f"f′({names[0]}) = {gradient_texts[0]}")
    else:
        lines += [f"∂f/∂{name} = {text}" for name, text in zip(names, gradient_texts, strict=False)]
    return "\n".join(lines)


def explain_descent_step(descent: Descent, step: int) -> str:
    """Explain the update made from point ``step`` of a run, or the point if it is the last.

    The learning rate, parameters, gradients and optimizer states are the recorded ones;
    the hyperparameters are the optimizer's current ones (a change of, say, the momentum
    after that step is not recorded in the history). Newton's method adds the Hessian at
    the point and the solve (or says it took its fallback); the line search lists its
    trials against the sufficient-decrease bar. An objective with an
    ``explain_gradient(params, batch, step)`` method (data mode) adds, for the point, its
    gradient written out over the rows of the point's batch; its ``loss_symbol`` names it.
    """
    history, names = descent.history, descent.param_names
    if not 0 <= step < len(history):
        raise IndexError(f"there is no step {step}; the run has steps 0 to {len(history) - 1}")
    symbol = getattr(descent.objective, "loss_symbol", "f")
    if step == len(history) - 1:
        text = explain_point(names, step, history.params[step], history.loss[step],
                             history.grad[step], symbol)
        rows_explained = getattr(descent.objective, "explain_gradient", None)
        if rows_explained is not None:
            batch = None if descent.batching is None else descent.batching.rows(step)
            text += "\n" + rows_explained(history.params[step], batch, step)
        return text
    return explain_update(
        descent.optimizer.name,
        descent.optimizer.hyperparameters,
        names,
        step,
        history.params[step],
        history.grad[step],
        float(history.lr[step]),
        descent.state_at(step),
        descent.state_at(step + 1),
        history.params[step + 1],
        symbol,
        hessian=_hessian_at(descent, step) if descent.optimizer.name == "newton" else None,
        fallback=int(history.fallback[step]),
        loss=float(history.loss[step]),
        trials=history.trials(step)[:2] if history.trial_width else None,
    )


def _hessian_at(descent: Descent, step: int) -> np.ndarray | None:
    """The Hessian Newton's method used at point ``step`` (on that step's batch)."""
    hessian_at = getattr(descent.objective, "hessian", None)
    if hessian_at is None:
        return None
    params = descent.history.params[step]
    if descent.batching is None:
        return hessian_at(params)
    return hessian_at(params, descent.batching.rows(step))
