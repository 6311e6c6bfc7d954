"""The exported script's data handling, stopping rules, loop and table (templates).

The sentences that say why a run ended are those of :mod:`gdstudio.engine.stopping`, and
the table is laid out as ``gdstudio-cli run --format table`` lays it out.
"""

from __future__ import annotations

from string import Template

from gdstudio.io._script_blocks import heading

__all__ = ["BATCHES", "DATA_LOSS", "FULL_BATCH", "TAIL"]

FULL_BATCH = '''


def batch_rows(step):
    """Every step uses all the rows."""
    return None
'''

BATCHES = Template('''

BATCH_SIZE = $batch_size
SEED = $seed
BATCHES_PER_EPOCH = math.ceil(N_ROWS / BATCH_SIZE)


@functools.lru_cache(maxsize=1)
def shuffled_rows(epoch):
    """The order of the rows in an epoch: a permutation seeded by (SEED, epoch)."""
    return numpy.random.default_rng([SEED, epoch]).permutation(N_ROWS)


def batch_rows(step):
    """The rows step k uses: consecutive slices of its epoch's shuffled order (the last
    slice of an epoch may be shorter)."""
    epoch, position = divmod(step, BATCHES_PER_EPOCH)
    start = position * BATCH_SIZE
    return shuffled_rows(epoch)[start : start + BATCH_SIZE]
''')

DATA_LOSS = '''


def loss_and_gradient(params, step):
    """The loss and its gradient at params, on the rows of step k's batch."""
    rows = batch_rows(step)
    if rows is None:
        columns, target = FEATURES, TARGET
    else:
        columns = {name: values[rows] for name, values in FEATURES.items()}
        target = TARGET[rows]
    prediction, derivatives = model_and_derivatives(columns, params)
    residuals = prediction - target
    loss, weights, scale = loss_terms(residuals, len(target))
    gradient = numpy.empty(len(params))
    weight_sum = float(weights.sum())
    for index, derivative in enumerate(derivatives):
        if numpy.ndim(derivative):  # it changes from row to row
            gradient[index] = scale * (derivative @ weights)
        else:  # the same for every row
            gradient[index] = scale * float(derivative) * weight_sum
    return loss, gradient
'''

TAIL = Template("\n\n" + heading("when to stop") + '''
MAX_ITER = $max_iter
TOL_STEP = $tol_step  # converged when a step is shorter than this (the "precision")
TOL_GRAD = $tol_grad  # converged when the gradient's length is below this
TOL_LOSS = $tol_loss  # converged when the loss changes by less than this in a step
# Diverged when the loss moves this many times max(|f0|, 1) away from its start value f0.
DIVERGENCE_FACTOR = 1e10
TOO_LARGE = "the learning rate is too large for this function; try a smaller one"
# Caught early: the loss rose and the step grew this many steps in a row and is above
# f0, with the rate above the stable limit (or, where no limit is known, this many).
RISING_STEPS = 5
RISING_STEPS_UNCONFIRMED = 10
OPTIMIZER = $optimizer_name
LIMIT_MU = $limit_momentum
LIMIT_FORMULAS = {"gd": "2/λmax", "momentum": "2(1+μ)/λmax",
                  "nesterov": "2(1+μ)/((1+2μ)λmax)"}


class LineSearchFailed(Exception):
    """A line search found no rate that lowers the loss enough: the run stops."""


def fallback_note(state, steps):
    """The clause on the steps where Newton's method took a gradient step, else ""."""
    fallbacks = state.get("fallbacks", []) if isinstance(state, dict) else []
    if not fallbacks:
        return ""
    shown = ", ".join(str(step) for step, _ in fallbacks[:5]) + (" …" if len(fallbacks) > 5
                                                                  else "")
    noun = "update" if steps == 1 else "updates"
    reason = ("the Hessian was not positive definite" if all(code == 1 for _, code in fallbacks)
              else "the Hessian was not positive definite or not available")
    return (f"; Newton's method took a gradient step instead at {len(fallbacks)} of {steps} "
            f"{noun} (from step {shown}): there {reason}")


def stable_limit(params, step):
    """The largest stable rate at params and λmax, the Hessian's largest eigenvalue:
    2/λmax for plain descent, 2(1+μ)/λmax with momentum, 2(1+μ)/((1+2μ)λmax) for
    Nesterov; (None, nan) where no such limit is known."""
    if OPTIMIZER not in LIMIT_FORMULAS:
        return None, math.nan
    matrix = hessian(params, step)
    if matrix is None or matrix.size == 0:
        return None, math.nan
    top = float(numpy.linalg.eigvalsh(matrix)[-1])
    if top <= 0.0:
        return math.inf, top
    mu = LIMIT_MU
    if OPTIMIZER == "nesterov":
        return 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * top), top
    return 2.0 * (1.0 + mu) / top, top


def overshooting(step, rising, amplification, rate, params, loss, start_loss):
    """The sentence for a run caught blowing up early, else None: only for the optimizers
    with a stable limit (the adaptive ones bound their steps) and a loss above f0."""
    if OPTIMIZER not in LIMIT_FORMULAS or loss <= start_loss:
        return None
    growth = f"×{amplification:.3g} per step, stopped at step {step}"
    limit, top = stable_limit(params, step)
    if limit is None:
        if rising < RISING_STEPS_UNCONFIRMED:
            return None
        return (f"the loss rose at each of the last {rising} steps, each step longer than "
                f"the last ({growth}): {TOO_LARGE}")
    if rate <= limit:
        return None
    where = f"λmax = {top:.3g}"
    if OPTIMIZER != "gd":
        where += f", μ = {LIMIT_MU:g}"
    return (f"α = {rate:.3g} is above the stable limit {LIMIT_FORMULAS[OPTIMIZER]} = "
            f"{limit:.3g} here ({where}): each step overshoots the minimum by more than the "
            f"last ({growth}); try a rate below {limit:.3g}")


def step_limit(gradient, start_grad_norm):
    """The sentence for a run that used up its steps: "not converged" while the gradient
    is still above TOL_GRAD (when set) and above a thousandth of its size at the start."""
    size = math.sqrt(gradient @ gradient) if numpy.all(numpy.isfinite(gradient)) else math.nan
    if not size > max(TOL_GRAD or 0.0, 1e-3 * start_grad_norm):
        return f"reached the maximum of {MAX_ITER} steps"
    what = "the slope is" if len(gradient) == 1 else "the gradient's size is"
    return f"not converged: {what} still {size:.2g} after {MAX_ITER} steps"


def converged(rule, measured, tolerance):
    """The sentence for a run that converged by a rule."""
    if rule == "tol_step":
        return f"the last step, {measured:.3g}, was smaller than the precision {tolerance:.3g}"
    if rule == "tol_grad":
        return f"the gradient's size, {measured:.3g}, fell below {tolerance:.3g}"
    return f"the loss changed by {measured:.3g}, less than {tolerance:.3g}"


def diverged(step, what, value, start_loss, rate=None):
    """The sentence for a run that diverged at a step, with the stable limit at the
    start point when the rate was above it."""
    sentence = divergence_sentence(step, what, value, start_loss)
    if rate is None or step == 0 or what == "fell":
        return sentence
    limit, top = stable_limit(START, 0)
    if limit is None or not rate > limit:
        return sentence
    return (f"{sentence} (α = {rate:.3g} was above the stable limit "
            f"{LIMIT_FORMULAS[OPTIMIZER]} = {limit:.3g} at the start point, λmax = {top:.3g})")


def divergence_sentence(step, what, value, start_loss):
    """The sentence for a run that diverged at a step."""
    noun = {"params": "parameters", "gradient": "gradient"}.get(what, "loss")
    if what == "grew":
        return (f"the loss grew from {start_loss:.4g} to {value:.4g} by step {step} — each "
                f"step overshoots the minimum by more than the last, so {TOO_LARGE}")
    if what == "fell":
        return (f"the loss fell to {value:.4g} by step {step} and keeps falling — the "
                "function seems to have no minimum in this direction")
    if step == 0:
        kind = "infinite" if math.isinf(value) else "undefined (NaN)"
        return (f"the {noun} is {kind} at the start point — choose a start inside the "
                "function's domain")
    if math.isinf(value):
        return f"the {noun} became infinite at step {step} — {TOO_LARGE}"
    return (f"the {noun} became undefined (NaN) at step {step} — the point left the "
            "function's domain or the numbers overflowed; try a smaller learning rate or "
            "another start")


def check_start(loss, gradient):
    """(status, sentence) when the run ends before its first step, else None."""
    grad_norm = math.sqrt(gradient @ gradient)
    if not math.isfinite(loss):
        return "diverged", diverged(0, "loss", loss, loss)
    if not math.isfinite(grad_norm):
        return "diverged", diverged(0, "gradient", grad_norm, loss)
    if TOL_GRAD is not None and grad_norm < TOL_GRAD:
        return "converged", converged("tol_grad", grad_norm, TOL_GRAD)
    if MAX_ITER <= 0:
        return "max_iter", step_limit(gradient, grad_norm)
    return None


def check_step(step, step_size, loss, gradient, previous_loss, start, growth):
    """(status, sentence) when the run ends after this step, else None. start is
    (f0, |∇f0|); growth is (steps the loss rose and the step grew in a row, the step
    before them, the rate, params)."""
    start_loss, start_grad_norm = start
    rising, base, rate, params = growth
    grad_norm = math.sqrt(gradient @ gradient)
    reach = DIVERGENCE_FACTOR * max(abs(start_loss), 1.0)
    if not math.isfinite(step_size):
        return "diverged", diverged(step, "params", step_size, start_loss, rate)
    if not math.isfinite(loss):
        return "diverged", diverged(step, "loss", loss, start_loss, rate)
    if not math.isfinite(grad_norm):
        return "diverged", diverged(step, "gradient", grad_norm, start_loss, rate)
    if loss > start_loss + reach:
        return "diverged", diverged(step, "grew", loss, start_loss, rate)
    if loss < start_loss - reach:
        return "diverged", diverged(step, "fell", loss, start_loss)
    if rising >= RISING_STEPS:
        amplification = (step_size / base) ** (1.0 / rising)
        sentence = overshooting(step, rising, amplification, rate, params, loss, start_loss)
        if sentence is not None:
            return "diverged", sentence
    if TOL_STEP is not None and step_size < TOL_STEP:
        return "converged", converged("tol_step", step_size, TOL_STEP)
    if TOL_GRAD is not None and grad_norm < TOL_GRAD:
        return "converged", converged("tol_grad", grad_norm, TOL_GRAD)
    if TOL_LOSS is not None and abs(loss - previous_loss) < TOL_LOSS:
        return "converged", converged("tol_loss", abs(loss - previous_loss), TOL_LOSS)
    if step >= MAX_ITER:
        return "max_iter", step_limit(gradient, start_grad_norm)
    return None


''' + heading("the descent") + '''
def descend():
    """Run gradient descent from START: the rows (params, loss, gradient) of every
    step, the status and the sentence that says why the run ended."""
    params = START.copy()
    loss, gradient = loss_and_gradient(params, 0)
    start_loss = loss = float(loss)
    start = (start_loss, math.sqrt(gradient @ gradient))
    rising, base, last_size = 0, math.nan, math.inf  # the loss rose, the step grew
    rows = [(params, loss, gradient)]
    state = new_state(len(params))
    ending = check_start(loss, gradient)
    step = 0
    while ending is None:
        rate = LEARNING_RATE * schedule_factor(step)
        try:
            change, rate = update_at(params, loss, gradient, state, rate, step)
        except LineSearchFailed as failure:
            ending = ("stopped", str(failure))
            break
        params = params + change
        step_size = math.sqrt(change @ change)
        previous_loss = loss
        loss, gradient = loss_and_gradient(params, step + 1)
        loss = float(loss)
        step += 1
        rows.append((params, loss, gradient))
        if loss > previous_loss and step_size > last_size:
            if not rising:
                base = last_size
            rising += 1
        else:
            rising = 0
        last_size = step_size
        ending = check_step(step, step_size, loss, gradient, previous_loss, start,
                            (rising, base, rate, params))
    return rows, ending[0], ending[1] + fallback_note(state, step)


def print_table(rows, status, message, digits):
    """Print the steps and the outcome as gdstudio-cli run --format table does."""

    def number(value):
        return f"{float(value):.{digits}g}"

    header = ["step", *HISTORY_NAMES, "loss", *(f"grad {name}" for name in HISTORY_NAMES)]
    table = [header]
    for step, (params, loss, gradient) in enumerate(rows):
        table.append([str(step), *map(number, params), number(loss), *map(number, gradient)])
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    lines = [" | ".join(cell.rjust(width) for cell, width in zip(row, widths))
             for row in table]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    params, loss, gradient = rows[-1]
    found = zip(PARAM_NAMES, in_original_units(params))
    reached = status == "converged" or (
        status == "max_iter" and not message.startswith("not converged"))
    where = "minimum found at" if reached else "stopped at"
    if status == "diverged":
        outcome = [f"status: diverged after {len(rows) - 1} steps", f"reason: {message}"]
    else:
        outcome = [f"status: {status} after {len(rows) - 1} steps ({message})"]
    lines += [
        "",
        *outcome,
        f"{where}: " + ", ".join(f"{name} = {number(value)}" for name, value in found),
        f"loss there: {number(loss)}",
        "slope there: " + ", ".join(map(number, gradient)),
        *NOTES,
    ]
    print("\\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description="Reproduce a Gradient Descent Studio run.")
    parser.add_argument("--digits", type=int, default=6,
                        help="significant digits of the numbers (17 shows them in full)")
    arguments = parser.parse_args()
    # Overflow and NaN end the run as "diverged" with a sentence; no numpy warnings.
    with numpy.errstate(all="ignore"):
        rows, status, message = descend()
    print_table(rows, status, message, arguments.digits)


if __name__ == "__main__":
    main()
''')
