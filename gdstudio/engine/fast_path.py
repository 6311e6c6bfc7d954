"""The scalar fast path of :class:`~gdstudio.engine.descent.Descent`.

A student's function has one, two or three parameters. Stepping it with numpy makes
several arrays of two or three numbers per step, and the calls cost far more than the
arithmetic. When a run allows it (see :func:`applies`), :class:`Descent` steps with a loop
that keeps the point, the gradient and the optimizer's state in local Python floats and
calls the objective's ``scalar_value_and_grad`` on them: no array per step. The rows are
gathered in one flat list and written to the history in blocks, as the numpy loop writes
its rows, so the history's hand-off to the window is the same (rows become visible when
:meth:`~gdstudio.engine.history.History.extend` sets the new length, all at once).

**The same numbers to the last bit.** Each optimizer's update below is the numpy update
of :mod:`gdstudio.engine.optimizers` written out per coordinate, with the same operations
in the same order: + − × ÷ and √ are correctly rounded in both, and ``β**t`` calls the C
library's ``pow`` in both. Step sizes and gradient norms use ``math.hypot`` as the numpy
loop does, the early-divergence streak is counted the same way, and every stopping rule,
schedule and message comes from :class:`Descent` itself: the loop hands over to
``Descent._check_after_step`` whenever any rule might end the run. Where the scalar
function raises (overflow, a domain error) the step asks ``value_and_grad`` instead, as
the numpy loop's objective does. ``tests/engine/test_fast_path.py`` compares both paths.

**How the loops are made.** One loop per optimizer and number of parameters is put
together from the constant snippets in this module (``{i}`` stands for the coordinate)
and compiled once with :func:`compile`. Nothing else enters their source: no text from a
user or a file, no number (every value is an argument).

Anything else — another optimizer (or a subclass), mini-batches, more parameters, an
objective without a scalar function, a start loss so large that the divergence limits
are infinite — runs on the numpy loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from gdstudio.engine.optimizers import GD, Adagrad, Adam, Momentum, Nesterov, RMSprop
from gdstudio.engine.schedules import Constant

# The functions below take a Descent and work on its internals (they are its loop, kept
# apart); it is typed ``Descent = Any`` because importing descent here, even for type
# hints only, would make an import cycle.
Descent = Any

__all__ = ["MAX_PARAMS", "applies", "run"]

#: Most parameters the fast path handles.
MAX_PARAMS = 3
# Steps gathered before they are written to the history in one block.
_ROWS_PER_WRITE = 4096
# What the scalar function may raise where the numpy path gives inf or NaN (the same
# errors CompiledExpression.value_and_grad catches).
_ERRORS = (ArithmeticError, ValueError, TypeError)


@dataclass(frozen=True)
class _Rule:
    """An optimizer's update as per-coordinate Python statements.

    ``prepare`` reads the hyperparameters (the tuple ``hyper``, in ``names`` order) into
    locals once per call; ``update`` computes the step ``d{i}`` and the new state from the
    gradient ``g{i}`` and the rate ``rate``. Lines with ``{i}`` repeat per coordinate;
    ``buffers`` are the state's per-coordinate locals, in the order of the state vector
    after ``t``.
    """

    names: tuple[str, ...]
    prepare: tuple[str, ...]
    buffers: tuple[str, ...]
    update: tuple[str, ...]


_MOMENTUM_BUFFER = (
    "if t == 0.0:",
    "    b{i} = g{i}",
    "else:",
    "    b{i} = b{i} * mu + g{i}",
    "t = t + 1.0",
)
_RULES: dict[type, _Rule] = {
    # Δθ = -γg  (grad * -lr)
    GD: _Rule((), (), (), ("d{i} = g{i} * -rate",)),
    # b = g at t = 0, else μb + g; Δθ = -γb  (buffer * -lr)
    Momentum: _Rule(("momentum",), ("mu = hyper[0]",), ("b",),
                    (*_MOMENTUM_BUFFER, "d{i} = b{i} * -rate")),
    # as momentum; Δθ = -γ(g + μb)
    Nesterov: _Rule(("momentum",), ("mu = hyper[0]",), ("b",),
                    (*_MOMENTUM_BUFFER, "d{i} = (g{i} + mu * b{i}) * -rate")),
    # s += g²; Δθ = -γg / (√s + ε)
    Adagrad: _Rule(("eps",), ("eps = hyper[0]",), ("s",), (
        "s{i} = s{i} + g{i} * g{i}",
        "t = t + 1.0",
        "d{i} = -rate * g{i} / (sqrt(s{i}) + eps)",
    )),
    # v = αv + (1 - α)g²; Δθ = -γg / (√v + ε)
    RMSprop: _Rule(("alpha", "eps"), ("alpha, eps = hyper", "rest = 1.0 - alpha"), ("a",), (
        "a{i} = a{i} * alpha + rest * g{i} * g{i}",
        "t = t + 1.0",
        "d{i} = -rate * g{i} / (sqrt(a{i}) + eps)",
    )),
    # m = β₁m + (1 - β₁)g, v = β₂v + (1 - β₂)g²; Δθ = -γ(m/(1 - β₁ᵗ)) / (√(v/(1 - β₂ᵗ)) + ε)
    Adam: _Rule(
        ("beta1", "beta2", "eps"),
        ("beta1, beta2, eps = hyper", "rest1 = 1.0 - beta1", "rest2 = 1.0 - beta2"),
        ("m", "v"),
        (
            "t = t + 1.0",
            "m{i} = m{i} * beta1 + rest1 * g{i}",
            "v{i} = v{i} * beta2 + rest2 * g{i} * g{i}",
            "first = 1.0 - beta1 ** t",
            "second = 1.0 - beta2 ** t",
            "d{i} = -rate * (m{i} / first) / (sqrt(v{i} / second) + eps)",
        ),
    ),
}

# The loop. Steps run in bursts of ``clock_steps`` (the numpy loop looks at the clock as
# often); a step hands over to ``check`` (Descent._check_after_step) unless it is sure
# that no rule can end the run there — the test below is a sufficient condition only, so
# a false alarm costs time, never a number.
_LOOP = """\
def loop(f, slow, factor, base_rate, max_iter, low, high, rising_steps, tol_step, tol_grad,
         tol_loss, clock_steps, hyper, limit, deadline, step, params, grad, loss, state,
         rising, rising_base, last_size, rows, write, check, finish):
{prepare}
    {p}, = params
    {g}, = grad
    {state_unpack}
    keep = rows.extend
    write_at = {write_at}
    rate = base_rate
    made = 0
    try:
        while made < limit:
            burst = clock_steps if limit - made >= clock_steps else int(limit - made)
            for index in range(burst):
{rate}
                old_loss = loss
{update}
{move}
                size = hypot({d})
                step += 1
                try:
                    loss, {g} = f({p})
                except ERRORS:
                    loss, {g} = slow({p})
                if loss > old_loss and size > last_size:
                    if not rising:
                        rising_base = last_size
                    rising += 1
                else:
                    rising = 0
                last_size = size
                keep((rate, size, {p}, loss, {g}{state_row}))
                if not (
                    step < max_iter and low <= loss <= high and -inf < size{g_sum} < inf
                    and rising < rising_steps{tolerances}
                ):
                    if not check(step, ({p},), loss, ({g},), rising, rising_base, size,
                                 hypot({g}), old_loss, rate):
                        made += index + 1
                        break
            else:
                made += burst
                if perf_counter() < deadline:
                    if len(rows) >= write_at:
                        write(rows)
                    continue
            break
    finally:
        finish(step, ({p},), loss, ({g},), ({state}), rising, rising_base, last_size, rows)
    return made
"""


@cache
def _loop(
    optimizer: type, n_params: int, constant_rate: bool, tolerances: tuple[bool, bool, bool]
) -> Callable[..., int]:
    """Compile the loop for an optimizer, a number of parameters, a kind of rate and the
    stopping tolerances in use (step, gradient, loss)."""
    rule = _RULES[optimizer]
    coordinates = range(n_params)

    def each(template: str) -> str:
        return ", ".join(template.format(i=i) for i in coordinates)

    state_names = [f"{buffer}{i}" for buffer in rule.buffers for i in coordinates]
    state = ["t", *state_names] if rule.buffers else []
    update: list[str] = []
    for line in rule.update:
        if "{i}" in line:
            indent = line[: len(line) - len(line.lstrip())]
            update += [indent + line.strip().format(i=i) for i in coordinates]
        else:
            update.append(line)
    body = 16 * " "
    checks = (" and size >= tol_step", f" and hypot({each('g{i}')}) >= tol_grad",
              " and abs(loss - old_loss) >= tol_loss")
    source = _LOOP.format(
        prepare="\n".join("    " + line for line in rule.prepare) or "    pass",
        p=each("p{i}"),
        g=each("g{i}"),
        d=each("d{i}"),
        g_sum="".join(f" + g{i}" for i in coordinates),
        tolerances="".join(text for text, used in zip(checks, tolerances, strict=True) if used),
        state_unpack=f"{', '.join(state)}, = state" if state else "pass",
        write_at=_ROWS_PER_WRITE * (3 + 2 * n_params + len(state)),
        rate="" if constant_rate else body + "rate = base_rate * factor(step)",
        update="\n".join(body + line for line in update),
        move="\n".join(body + f"p{i} = p{i} + d{i}" for i in coordinates),
        state_row="".join(", " + name for name in state),
        state=", ".join(state) + ("," if state else ""),
    )
    namespace: dict[str, Any] = {
        "ERRORS": _ERRORS, "hypot": math.hypot, "sqrt": math.sqrt, "inf": math.inf,
        "perf_counter": time.perf_counter,
    }
    # The source holds only this module's constant snippets (see the module docstring).
    code = compile(source, f"<fast path: {optimizer.__name__}, {n_params}>", "exec")
    exec(code, namespace)  # safe: only this module's constant snippets, no student text
    return namespace["loop"]


def applies(descent: Descent) -> bool:
    """Whether ``descent`` can step on the fast path now (settings as they are)."""
    return (
        getattr(descent.objective, "scalar_value_and_grad", None) is not None
        and descent.batching is None
        and 1 <= descent.history.n_params <= MAX_PARAMS
        and type(descent.optimizer) in _RULES
        and math.isfinite(descent._growth_limit)
        and math.isfinite(descent._fall_limit)
    )


def run(
    descent: Descent, limit: float, deadline: float, rising_steps: int, clock_steps: int
) -> int:
    """Step ``descent`` on the fast path as ``Descent._run_steps`` would; return the steps made.

    ``rising_steps`` and ``clock_steps`` are the numpy loop's early-divergence streak and
    clock-check interval. Call only where :func:`applies` and the run is running.
    """
    optimizer, n = descent.optimizer, descent.history.n_params
    schedule, rules = descent.schedule, descent.stopping
    keeps_state = not optimizer.stateless
    names = _RULES[type(optimizer)].names
    width = 3 + 2 * n  # rate, step size, θ, loss, g; then the state
    row_width = width + (descent._state.shape[0] if keeps_state else 0)
    tolerances = (rules.tol_step is not None, rules.tol_grad is not None,
                  rules.tol_loss is not None)
    loop = _loop(type(optimizer), n, type(schedule) is Constant, tolerances)

    def slow(*params: float) -> tuple[float, ...]:
        loss, grad = descent.objective.value_and_grad(np.array(params))
        return (float(loss), *grad.tolist())

    def write(rows: list[float]) -> None:
        _write_rows(descent, rows, n, width, row_width)
        rows.clear()

    def check(step: int, params: tuple[float, ...], loss: float, grad: tuple[float, ...],
              rising: int, rising_base: float, size: float, grad_norm: float,
              old_loss: float, rate: float) -> bool:
        descent._step, descent._loss = step, loss
        descent._params, descent._grad = np.array(params), np.array(grad)
        descent._rising, descent._rising_base = rising, rising_base
        descent._check_after_step(step, size, grad_norm, old_loss, rate)
        return not descent.finished

    def finish(step: int, params: tuple[float, ...], loss: float, grad: tuple[float, ...],
               state: tuple[float, ...], rising: int, rising_base: float, last_size: float,
               rows: list[float]) -> None:
        descent._step, descent._loss = step, loss
        descent._params, descent._grad = np.array(params), np.array(grad)
        if keeps_state:
            descent._state = np.array(state)
        descent._rising, descent._rising_base, descent._last_size = (
            rising, rising_base, last_size
        )
        write(rows)

    return loop(
        descent.objective.scalar_value_and_grad, slow, schedule.factor,
        descent.learning_rate, rules.max_iter, descent._fall_limit, descent._growth_limit,
        rising_steps, rules.tol_step, rules.tol_grad, rules.tol_loss,
        clock_steps, tuple(optimizer.hyperparameters[name] for name in names), limit,
        deadline, descent._step, descent._params.tolist(), descent._grad.tolist(),
        descent._loss, descent._state.tolist() if keeps_state else (), descent._rising,
        descent._rising_base, descent._last_size, [], write, check, finish,
    )


def _write_rows(descent: Descent, rows: list[float], n: int, width: int,
                row_width: int) -> None:
    """Write the flat rows ``(rate, size, θ…, loss, g…, state…)`` to the history."""
    if not rows:
        return
    block = np.fromiter(rows, dtype=float, count=len(rows)).reshape(-1, row_width)
    history = descent.history
    first = len(history)
    history.extend(block[:, 0], block[:, 1], block[:, 2 : 2 + n], block[:, 2 + n],
                   block[:, 3 + n : width], 0)
    if row_width > width:  # the optimizer keeps a state: save it for step back
        stop = len(history)
        if stop > descent._states.shape[0]:
            grown = np.zeros((history.capacity, descent._states.shape[1]))
            grown[: descent._states.shape[0]] = descent._states
            descent._states = grown
        descent._states[first:stop] = block[:, width:]
