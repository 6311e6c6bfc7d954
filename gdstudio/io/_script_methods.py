"""The exported script's Newton's method and line search (templates).

Every optimizer of the script offers ``update_at(params, loss, gradient, state, rate,
step)``, which returns the change to the parameters and the rate it used. The gradient-only
optimizers of :mod:`gdstudio.io._script_blocks` get it from :data:`GRADIENT_ONLY`; Newton's
method and the line search, which look at the Hessian and at the loss of trial points, are
written here operation for operation as :mod:`gdstudio.engine.optimizers` and
:mod:`gdstudio.engine.probing` compute them.
"""

from __future__ import annotations

from string import Template

from gdstudio.io._script_blocks import heading

__all__ = ["GRADIENT_ONLY", "PROBING"]

GRADIENT_ONLY = '''

def update_at(params, loss, gradient, state, rate, step):
    """The change to add to the parameters and the rate used (only the gradient counts)."""
    return update(gradient, state, rate), rate
'''

_HEAD = "\n\n" + heading("the optimizer") + "\n"

PROBING: dict[str, Template] = {
    "newton": Template(_HEAD + '''\
# Newton's method, damped by λ:  solve (H + λI)·d = g,  θ ← θ − γ·d,  H the exact Hessian.
# Where H + λI is not positive definite (or H is not available) d would not point
# downhill: the step is then a plain gradient step θ ← θ − γ·g, and the run says so.
DAMPING = $damping


def new_state(count):
    """The steps where Newton's method fell back to a gradient step, with the reason
    (1: the Hessian was not positive definite, 2: it was not available)."""
    return {"fallbacks": []}


def update_at(params, loss, gradient, state, rate, step):
    """The change to add to the parameters and the rate used."""
    matrix = hessian(params, step)
    if matrix is None or not numpy.all(numpy.isfinite(matrix)):
        state["fallbacks"].append((step, 2))
        return gradient * -rate, rate
    damped = matrix + DAMPING * numpy.eye(len(gradient))
    eigenvalues = numpy.linalg.eigvalsh(damped)
    scale = max(float(numpy.max(numpy.abs(eigenvalues))), 1e-300)
    if eigenvalues[0] <= 1e-12 * scale:
        state["fallbacks"].append((step, 1))
        return gradient * -rate, rate
    return numpy.linalg.solve(damped, gradient) * -rate, rate
'''),
    "armijo": Template(_HEAD + '''\
# Gradient descent with a backtracking line search (Armijo's rule): try the rates
# γ, γ·β, γ·β², … and take the first with  f(θ − γ_j·g) ≤ f(θ) − c·γ_j·|g|²;
# then θ ← θ − γ_j·g. If none of the 1 + MAX_BACKTRACKS tries does, the run stops.
ARMIJO_C = $armijo_c
SHRINK = $shrink
MAX_BACKTRACKS = $max_backtracks


def new_state(count):
    """The line search remembers nothing from one step to the next."""
    return {}


def update_at(params, loss, gradient, state, rate, step):
    """The change to add to the parameters and the accepted rate."""
    squared = float(gradient @ gradient)
    tried = []
    for _ in range(int(MAX_BACKTRACKS) + 1):
        trial = float(loss_and_gradient(params - rate * gradient, step)[0])
        tried.append(rate)
        if math.isfinite(trial) and trial <= loss - ARMIJO_C * rate * squared:
            return gradient * -rate, rate
        rate *= SHRINK
    size = math.sqrt(squared)
    raise LineSearchFailed(
        f"the line search at step {step} found no rate from α = {tried[0]:.3g} down to "
        f"{tried[-1]:.3g} ({len(tried)} tries) that lowers the loss enough (the gradient's "
        f"size is {size:.2g}: at a minimum rounding leaves nothing to gain); no step was "
        "taken")
'''),
}
