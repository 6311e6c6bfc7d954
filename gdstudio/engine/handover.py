"""Hand a run to another process and take its steps back, to the last bit.

A :class:`Descent` can step in a helper process while the window draws in this one (two
interpreters, so neither waits for the other's lock). The helper gets a
:class:`Checkpoint` — every setting and the exact state after the last step, without the
objective and without the history — and resumes from it with :func:`resume`; the run
it makes is the one this process would have made, since it is the same code on the same
numbers. Its new rows come back as blocks that :func:`take_steps` appends to the
original run, which then stands where the helper's run stands, as if it had made the
steps itself (step back, branches and explanations work on them as on any other).

Only runs whose updates keep no per-update method columns (no line search, no Newton
fallback) are handed over (:func:`can_hand_over`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gdstudio.engine.descent import Descent
from gdstudio.engine.history import History, HistoryBlock
from gdstudio.engine.objective import Objective

__all__ = ["Checkpoint", "Resumed", "can_hand_over", "checkpoint", "resume", "take_steps"]

# Rows a resumed run keeps before it starts again from its current step.
_REBASE_ROWS = 1 << 16
# The attributes of a Descent that steps change; everything else is a setting, which
# does not change while another process steps the run.
_STEPPED = ("_step", "_params", "_loss", "_grad", "_state", "_rising", "_rising_base",
            "_last_size", "status", "message", "_last_rate")


@dataclass(frozen=True)
class Checkpoint:
    """Everything a run needs to step on, except its objective and its history.

    Attributes
    ----------
    attributes : dict
        The run's attributes (settings and the state after its last step); in the
        checkpoints :meth:`Resumed.steps` returns, only those that steps change.
    start : HistoryBlock
        Row 0 of the history (the start point: messages compare with it).
    current : HistoryBlock
        The row of the last step.
    state : numpy.ndarray
        The optimizer's state after the last step.
    """

    attributes: dict[str, Any]
    start: HistoryBlock
    current: HistoryBlock
    state: np.ndarray

    @property
    def step(self) -> int:
        """Updates made when the checkpoint was taken."""
        return int(self.attributes["_step"])


def can_hand_over(descent: Descent) -> bool:
    """Whether ``descent`` can step in another process (no method columns to keep)."""
    history = descent.history
    return (descent._probe is None and not history.records_fallback
            and history.trial_width == 0)


def checkpoint(descent: Descent, row: int | None = None) -> Checkpoint:
    """The state of ``descent`` now, small and picklable (see :class:`Checkpoint`).

    ``row`` is the history row of the last step: ``step_count`` (the default) except in
    a run made by :func:`resume`, whose history starts later.

    Raises
    ------
    ValueError
        For a run that cannot be handed over (:func:`can_hand_over`).
    """
    if not can_hand_over(descent):
        raise ValueError("a run with a line search or a fallback cannot be handed over")
    attributes = {name: value for name, value in vars(descent).items()
                  if name not in ("objective", "history", "_states", "_probe")}
    attributes = copy.deepcopy(attributes)
    row = descent.step_count if row is None else row
    history = descent.history
    return Checkpoint(attributes, history.tail(0, 1), history.tail(row, row + 1),
                      descent._saved_state(row))


def resume(objective: Objective, point: Checkpoint) -> Descent:
    """A run that steps on from ``point``, as the run it was taken from would.

    Its history holds the start row and the current row only: row ``i`` of it is step
    ``point.step + i - 1`` (``i ≥ 1``) of the original run. It cannot step back.
    """
    descent = Descent.__new__(Descent)
    vars(descent).update(copy.deepcopy(point.attributes))
    descent.objective = objective
    descent._probe = None
    n_params = point.start.params.shape[1]
    descent.history = History(n_params, capacity=4096)
    descent.history.write_block(point.start)
    if point.step > 0:
        descent.history.write_block(HistoryBlock(1, *_rows(point.current)))
    width = point.state.shape[0]
    stateless = descent.optimizer.stateless
    descent._states = np.zeros((0 if stateless else descent.history.capacity, width))
    if not stateless:
        descent._states[len(descent.history) - 1] = point.state
    descent.rewind_limit = descent.step_count
    return descent


def take_steps(descent: Descent, block: HistoryBlock, states: np.ndarray,
               point: Checkpoint) -> None:
    """Append the steps another process made on from ``descent``'s last step.

    Parameters
    ----------
    descent : Descent
        The original run, unchanged since the helper's run was resumed from it (or
        since the last call).
    block : HistoryBlock
        Rows from ``descent.step_count`` on, in the original run's numbering: the
        current row (whose update is filled in) and the new steps.
    states : numpy.ndarray
        The optimizer's state after each new step (``(rows - 1, width)``; empty for a
        stateless optimizer).
    point : Checkpoint
        The helper's run after its last step: the original run takes its state.

    Raises
    ------
    ValueError
        If the block does not start at the run's last step or disagrees with ``point``.
    """
    if block.start != descent.step_count:
        raise ValueError(f"the steps start at row {block.start}, but the run is at step "
                         f"{descent.step_count}")
    if block.stop - 1 != point.step:
        raise ValueError(f"the steps end at row {block.stop - 1}, but the helper's run is "
                         f"at step {point.step}")
    if len(block) > 1:
        history = descent.history
        first = len(history)
        history.extend(block.lr[:-1], block.step_size[:-1], block.params[1:], block.loss[1:],
                       block.grad[1:], block.epoch[1:])
        if states.shape[0]:  # the optimizer keeps a state: save it for step back
            stop = len(history)
            if stop > descent._states.shape[0]:
                grown = np.zeros((history.capacity, descent._states.shape[1]))
                grown[: descent._states.shape[0]] = descent._states
                descent._states = grown
            descent._states[first:stop] = states
    for name in _STEPPED:
        if name in point.attributes:
            setattr(descent, name, copy.deepcopy(point.attributes[name]))


class Resumed:
    """A run resumed from a checkpoint that hands its new steps back now and then.

    Parameters
    ----------
    objective : Objective
        The original run's objective (rebuilt in this process).
    point : Checkpoint
        Where the original run stands.
    """

    def __init__(self, objective: Objective, point: Checkpoint) -> None:
        self.objective = objective
        self._start(point)

    @property
    def step_count(self) -> int:
        """Updates the original run will have made once it takes every step made here."""
        return self.descent.step_count

    def run(self, max_steps: int | None = None, time_budget: float | None = None) -> int:
        """Step as :meth:`Descent.run` does; returns the steps made."""
        return self.descent.run(max_steps=max_steps, time_budget=time_budget)

    def steps(self) -> tuple[HistoryBlock, np.ndarray, Checkpoint]:
        """The steps made since the last call, as :func:`take_steps` takes them (copies).

        Once the history here is long, the run starts again from its current step with
        only its start and current rows, so that a long run does not keep a second copy
        of the history.
        """
        descent = self.descent
        last = len(descent.history) - 1
        block = descent.history.tail(self._sent)
        block = replace(block, start=block.start + self._offset)
        stateless = descent.optimizer.stateless
        states = (np.zeros((0, 0)) if stateless
                  else descent._states[self._sent + 1 : last + 1].copy())
        stepped = {name: getattr(descent, name) for name in _STEPPED if hasattr(descent, name)}
        point = Checkpoint(copy.deepcopy(stepped), block, block, np.zeros(0))
        if last >= _REBASE_ROWS:
            self._start(checkpoint(descent, last))
        else:
            self._sent = last
        return block, states, point

    def _start(self, point: Checkpoint) -> None:
        self.descent = resume(self.objective, point)
        self._sent = len(self.descent.history) - 1  # the history row of the last step
        self._offset = point.step - self._sent


def _rows(block: HistoryBlock) -> tuple[np.ndarray, ...]:
    return (block.params, block.loss, block.grad, block.lr, block.step_size, block.epoch,
            block.fallback, block.trials_lr, block.trials_loss)
