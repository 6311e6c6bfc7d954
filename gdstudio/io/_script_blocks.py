"""The text of the exported script, block by block (see :mod:`gdstudio.io._script`).

Each block is a :class:`string.Template` (``$name`` placeholders, so the braces of the
Python code need no escaping). Every update rule, schedule, loss and stopping rule here
mirrors the engine's code operation for operation, so that the script's numbers agree
with the app's to rounding.
"""

from __future__ import annotations

from string import Template

__all__ = ["HEADER", "LOSSES", "OPTIMIZERS", "SCHEDULES", "heading"]


def heading(title: str) -> str:
    """A section comment of the script: ``# ------ the problem``."""
    return f"# {'-' * (76 - len(title))} {title}"


HEADER = Template('''\
#!/usr/bin/env python3
"""$title: a Gradient Descent Studio run, reproduced with numpy alone.

$summary

Exported by Gradient Descent Studio $version. It needs Python 3 and numpy, nothing
else. Run it with

    python $filename                # the step table, as gdstudio-cli prints it
    python $filename --digits 17    # every number in full
"""

import argparse
${functools}import math

import numpy
''')

# ------------------------------------------------------------------------- optimizers
_OPTIMIZER_HEAD = "\n\n" + heading("the optimizer") + "\n"

OPTIMIZERS: dict[str, Template] = {
    "gd": Template(_OPTIMIZER_HEAD + '''\
# Plain gradient descent (torch.optim.SGD without momentum):  θ ← θ − γ·g


def new_state(count):
    """Plain gradient descent remembers nothing from one step to the next."""
    return {}


def update(gradient, state, rate):
    """The change to add to the parameters: a step of length rate·|g| downhill."""
    return gradient * -rate
'''),
    "momentum": Template(_OPTIMIZER_HEAD + '''\
# Momentum, as torch.optim.SGD(momentum=μ):
#     b ← μ·b + g   (b = g at the first step),   θ ← θ − γ·b
# Note torch's convention: the rate multiplies the whole buffer b.
MOMENTUM = $momentum


def new_state(count):
    """The momentum buffer b (one entry per parameter) and the number of steps made."""
    return {"steps": 0, "buffer": numpy.zeros(count)}


def update(gradient, state, rate):
    """The change to add to the parameters."""
    buffer = state["buffer"]
    if state["steps"] == 0:
        buffer[:] = gradient
    else:
        buffer *= MOMENTUM
        buffer += gradient
    state["steps"] += 1
    return buffer * -rate
'''),
    "nesterov": Template(_OPTIMIZER_HEAD + '''\
# Nesterov momentum, as torch.optim.SGD(momentum=μ, nesterov=True):
#     b ← μ·b + g   (b = g at the first step),   θ ← θ − γ·(g + μ·b)
MOMENTUM = $momentum


def new_state(count):
    """The momentum buffer b (one entry per parameter) and the number of steps made."""
    return {"steps": 0, "buffer": numpy.zeros(count)}


def update(gradient, state, rate):
    """The change to add to the parameters."""
    buffer = state["buffer"]
    if state["steps"] == 0:
        buffer[:] = gradient
    else:
        buffer *= MOMENTUM
        buffer += gradient
    state["steps"] += 1
    return (gradient + MOMENTUM * buffer) * -rate
'''),
    "adagrad": Template(_OPTIMIZER_HEAD + '''\
# Adagrad, as torch.optim.Adagrad:  s ← s + g²,   θ ← θ − γ·g / (√s + ε)
EPS = $eps


def new_state(count):
    """The running sum s of squared gradients, one entry per parameter."""
    return {"sum": numpy.zeros(count)}


def update(gradient, state, rate):
    """The change to add to the parameters: each one's step shrinks as its s grows."""
    squares = state["sum"]
    squares += gradient * gradient
    return -rate * gradient / (numpy.sqrt(squares) + EPS)
'''),
    "rmsprop": Template(_OPTIMIZER_HEAD + '''\
# RMSprop, as torch.optim.RMSprop:  v ← α·v + (1 − α)·g²,   θ ← θ − γ·g / (√v + ε)
ALPHA = $alpha
EPS = $eps


def new_state(count):
    """The moving average v of squared gradients, one entry per parameter."""
    return {"square_avg": numpy.zeros(count)}


def update(gradient, state, rate):
    """The change to add to the parameters."""
    average = state["square_avg"]
    average *= ALPHA
    average += (1.0 - ALPHA) * gradient * gradient
    return -rate * gradient / (numpy.sqrt(average) + EPS)
'''),
    "adam": Template(_OPTIMIZER_HEAD + '''\
# Adam, as torch.optim.Adam:
#     m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²
#     m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ),   θ ← θ − γ·m̂ / (√v̂ + ε)
BETA1 = $beta1
BETA2 = $beta2
EPS = $eps


def new_state(count):
    """The step counter t and the averages m and v, one entry per parameter."""
    return {"t": 0.0, "exp_avg": numpy.zeros(count), "exp_avg_sq": numpy.zeros(count)}


def update(gradient, state, rate):
    """The change to add to the parameters."""
    state["t"] += 1.0
    t = state["t"]
    first, second = state["exp_avg"], state["exp_avg_sq"]
    first *= BETA1
    first += (1.0 - BETA1) * gradient
    second *= BETA2
    second += (1.0 - BETA2) * gradient * gradient
    first_hat = first / (1.0 - BETA1**t)
    second_hat = second / (1.0 - BETA2**t)
    return -rate * first_hat / (numpy.sqrt(second_hat) + EPS)
'''),
}

# ------------------------------------------------------------------------- schedules
_SCHEDULE_HEAD = "\n\n" + heading("the learning rate") + '''
# The rate of step k is LEARNING_RATE · schedule_factor(k), with k counted from 0.
LEARNING_RATE = $learning_rate
'''

SCHEDULES: dict[str, Template] = {
    "constant": Template(_SCHEDULE_HEAD + '''

def schedule_factor(step):
    """A constant rate."""
    return 1.0
'''),
    "step": Template(_SCHEDULE_HEAD + '''\
STEP_SIZE = $step_size
GAMMA = $gamma


def schedule_factor(step):
    """Step decay: multiply the rate by GAMMA every STEP_SIZE steps."""
    return GAMMA ** (step // STEP_SIZE)
'''),
    "exponential": Template(_SCHEDULE_HEAD + '''\
GAMMA = $gamma


def schedule_factor(step):
    """Exponential decay: the rate shrinks by the same ratio GAMMA at every step."""
    return GAMMA**step
'''),
    "inverse_time": Template(_SCHEDULE_HEAD + '''\
DECAY = $decay


def schedule_factor(step):
    """Inverse-time decay: 1 / (1 + DECAY·k)."""
    return 1.0 / (1.0 + DECAY * step)
'''),
    "cosine": Template(_SCHEDULE_HEAD + '''\
PERIOD = $period
MIN_FACTOR = $min_factor


def schedule_factor(step):
    """Cosine decay from 1 to MIN_FACTOR over PERIOD steps, then MIN_FACTOR."""
    progress = min(step, PERIOD) / PERIOD
    cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
    return MIN_FACTOR + (1.0 - MIN_FACTOR) * cosine
'''),
}

# ------------------------------------------------------------------------- losses
LOSSES: dict[str, str] = {
    "sse": '''


def loss_terms(residuals, count):
    """Sum of squared errors L = Σ r²: returns L, the weights w = r and the scale c = 2,
    so that ∂L/∂θ = c · Σ w · ∂model/∂θ."""
    return float(residuals @ residuals), residuals, 2.0
''',
    "mse": '''


def loss_terms(residuals, count):
    """Mean squared error L = Σ r² / n: returns L, the weights w = r and the scale
    c = 2/n, so that ∂L/∂θ = c · Σ w · ∂model/∂θ."""
    return float(residuals @ residuals) / count, residuals, 2.0 / count
''',
    "half_mse": '''


def loss_terms(residuals, count):
    """Half mean squared error L = Σ r² / 2n: returns L, the weights w = r and the scale
    c = 1/n, so that ∂L/∂θ = c · Σ w · ∂model/∂θ."""
    return float(residuals @ residuals) / (2 * count), residuals, 1.0 / count
''',
    "mae": '''


def loss_terms(residuals, count):
    """Mean absolute error L = Σ |r| / n: returns L, the weights w = sign(r) and the scale
    c = 1/n, so that ∂L/∂θ = c · Σ w · ∂model/∂θ (sign(0) = 0 where |r| has a kink)."""
    signs = numpy.sign(residuals)
    return float(signs @ residuals) / count, signs, 1.0 / count
''',
}
