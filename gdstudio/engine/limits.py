"""How long a run may be.

Every step of a run is kept (the history, and the optimizer's state for step back), so a
run's length is bounded by memory. Two limits apply, both checked when a run is set up and
whenever its stopping rules change:

* :data:`MAX_STEPS`: no run makes more than 50 million steps;
* :data:`HISTORY_BYTES_BUDGET`: the steps' records may take at most 2 GiB, so runs with
  many parameters or an optimizer that keeps state (Adam keeps two numbers per
  parameter) are limited to fewer steps (see :func:`max_steps`).
"""

from __future__ import annotations

from gdstudio.engine.optimizers import Optimizer

__all__ = ["HISTORY_BYTES_BUDGET", "MAX_STEPS", "bytes_per_step", "check_max_iter", "max_steps"]

#: Most steps any run may make.
MAX_STEPS = 50_000_000
#: Most bytes the records of one run's steps may take (2 GiB).
HISTORY_BYTES_BUDGET = 2 * 2**30

# A history row: parameters and gradient (one float each per parameter), then the loss,
# the learning rate, the step size and the epoch.
_ROW_FIXED_VALUES = 4


def bytes_per_step(n_params: int, optimizer: Optimizer) -> int:
    """Bytes one step adds: its history row, its optimizer state if the optimizer has one,
    and the method's own records (Newton's fallback code, a line search's trials).

    Examples
    --------
    >>> from gdstudio.engine.optimizers import make_optimizer
    >>> bytes_per_step(1, make_optimizer("gd")), bytes_per_step(1, make_optimizer("adam"))
    (48, 72)
    """
    row = 8 * (2 * n_params + _ROW_FIXED_VALUES)
    state = 0 if optimizer.stateless else 8 * optimizer.state_size(n_params)
    # Newton's fallback code (one byte) and a line search's trials (a rate and a loss each).
    method = int(optimizer.records_fallback) + 16 * optimizer.trial_width
    return row + state + method


def max_steps(n_params: int, optimizer: Optimizer) -> int:
    """The largest ``max_iter`` a run of ``n_params`` parameters with ``optimizer`` may have.

    The smaller of :data:`MAX_STEPS` and the steps whose records fit in
    :data:`HISTORY_BYTES_BUDGET`. A window's step-limit control uses it as its maximum.
    """
    return min(MAX_STEPS, HISTORY_BYTES_BUDGET // bytes_per_step(n_params, optimizer))


def check_max_iter(max_iter: int, n_params: int, optimizer: Optimizer) -> None:
    """Refuse a step limit whose run could not be kept in memory.

    Raises
    ------
    ValueError
        When ``max_iter`` exceeds :func:`max_steps`, in one sentence with the limit.
    """
    limit = max_steps(n_params, optimizer)
    if max_iter > limit:
        size = bytes_per_step(n_params, optimizer)
        noun = "parameter" if n_params == 1 else "parameters"
        raise ValueError(
            f"max_iter {max_iter:,} is more steps than can be kept in memory: with "
            f"{n_params} {noun} and {optimizer.name} every step takes {size} bytes, so a run "
            f"may make at most {limit:,} steps"
        )
