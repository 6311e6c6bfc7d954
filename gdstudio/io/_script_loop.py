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


def converged(rule, measured, tolerance):
    """The sentence for a run that converged by a rule."""
    if rule == "tol_step":
        return f"the last step, {measured:.3g}, was smaller than the precision {tolerance:.3g}"
    if rule == "tol_grad":
        return f"the gradient's size, {measured:.3g}, fell below {tolerance:.3g}"
    return f"the loss changed by {measured:.3g}, less than {tolerance:.3g}"


def diverged(step, what, value, start_loss):
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
        return "max_iter", f"reached the maximum of {MAX_ITER} steps"
    return None


def check_step(step, step_size, loss, gradient, previous_loss, start_loss):
    """(status, sentence) when the run ends after this step, else None."""
    grad_norm = math.sqrt(gradient @ gradient)
    reach = DIVERGENCE_FACTOR * max(abs(start_loss), 1.0)
    if not math.isfinite(step_size):
        return "diverged", diverged(step, "params", step_size, start_loss)
    if not math.isfinite(loss):
        return "diverged", diverged(step, "loss", loss, start_loss)
    if not math.isfinite(grad_norm):
        return "diverged", diverged(step, "gradient", grad_norm, start_loss)
    if loss > start_loss + reach:
        return "diverged", diverged(step, "grew", loss, start_loss)
    if loss < start_loss - reach:
        return "diverged", diverged(step, "fell", loss, start_loss)
    if TOL_STEP is not None and step_size < TOL_STEP:
        return "converged", converged("tol_step", step_size, TOL_STEP)
    if TOL_GRAD is not None and grad_norm < TOL_GRAD:
        return "converged", converged("tol_grad", grad_norm, TOL_GRAD)
    if TOL_LOSS is not None and abs(loss - previous_loss) < TOL_LOSS:
        return "converged", converged("tol_loss", abs(loss - previous_loss), TOL_LOSS)
    if step >= MAX_ITER:
        return "max_iter", f"reached the maximum of {MAX_ITER} steps"
    return None


''' + heading("the descent") + '''
def descend():
    """Run gradient descent from START: the rows (params, loss, gradient) of every
    step, the status and the sentence that says why the run ended."""
    params = START.copy()
    loss, gradient = loss_and_gradient(params, 0)
    start_loss = loss = float(loss)
    rows = [(params, loss, gradient)]
    state = new_state(len(params))
    ending = check_start(loss, gradient)
    step = 0
    while ending is None:
        rate = LEARNING_RATE * schedule_factor(step)
        change = update(gradient, state, rate)
        params = params + change
        step_size = math.sqrt(change @ change)
        previous_loss = loss
        loss, gradient = loss_and_gradient(params, step + 1)
        loss = float(loss)
        step += 1
        rows.append((params, loss, gradient))
        ending = check_step(step, step_size, loss, gradient, previous_loss, start_loss)
    return rows, ending[0], ending[1]


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
    lines += [
        "",
        f"status: {status} after {len(rows) - 1} steps ({message})",
        "minimum found at: " + ", ".join(f"{name} = {number(value)}" for name, value in found),
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
