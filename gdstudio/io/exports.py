"""Exports: a run's step log as CSV, and a standalone Python script that reproduces it.

The CSV has the columns of ``gdstudio-cli run --format csv`` (the CLI writes it with
:func:`history_csv_text`): ``step``, one column per parameter, ``loss``, ``grad_<name>``
per parameter, ``lr``, ``step_size`` and ``epoch``. Numbers are written with Python's
shortest round-trip ``repr``; the rate and step size of the newest row, which has no update
yet, are empty.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from gdstudio.io.files import atomic_write_bytes

if TYPE_CHECKING:
    from gdstudio.io.project import Project

__all__ = ["HistoryColumns", "export_python_script", "history_csv_text", "history_to_csv"]


class HistoryColumns(Protocol):
    """Anything with a history's columns: an engine ``History`` or a ``SavedHistory``."""

    @property
    def params(self) -> np.ndarray:
        """Parameters, shape ``(rows, n_params)``."""
    @property
    def loss(self) -> np.ndarray:
        """Loss of each row."""
    @property
    def grad(self) -> np.ndarray:
        """Gradients, shape ``(rows, n_params)``."""
    @property
    def lr(self) -> np.ndarray:
        """Learning rate of each row's update (NaN when none was made)."""
    @property
    def step_size(self) -> np.ndarray:
        """Length of each row's update (NaN when none was made)."""
    @property
    def epoch(self) -> np.ndarray:
        """Epoch of each row."""


def history_csv_text(history: HistoryColumns, param_names: Sequence[str]) -> str:
    """The step log as CSV text (``\\n`` line ends), one row per step.

    Parameters
    ----------
    history : History or SavedHistory
        The columns to write.
    param_names : sequence of str
        Column labels of the parameters, in the order of the history's columns.
    """
    names = list(param_names)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["step", *names, "loss", *(f"grad_{name}" for name in names), "lr",
                     "step_size", "epoch"])
    params, grad = history.params.tolist(), history.grad.tolist()
    loss, lr, step_size = history.loss.tolist(), history.lr.tolist(), history.step_size.tolist()
    for step, epoch in enumerate(history.epoch.tolist()):
        writer.writerow([
            step,
            *map(repr, params[step]),
            repr(loss[step]),
            *map(repr, grad[step]),
            _optional(lr[step]),
            _optional(step_size[step]),
            int(epoch),
        ])
    return buffer.getvalue()


def history_to_csv(
    history: HistoryColumns, param_names: Sequence[str], path: str | os.PathLike[str]
) -> None:
    """Write the step log to ``path`` as UTF-8 CSV (atomically, like project files).

    Parameters
    ----------
    history : History or SavedHistory
        The columns to write.
    param_names : sequence of str
        Column labels of the parameters.
    path : str or path
        The CSV file (replaced if it exists).
    """
    atomic_write_bytes(path, history_csv_text(history, param_names).encode("utf-8"))


def export_python_script(
    project: Project, *, filename: str = "gradient_descent.py", timeout: float = 5.0
) -> str:
    """A standalone Python script (numpy only) that reproduces the project's run.

    Running it prints the same step table as ``gdstudio-cli run --format table`` (step,
    parameters, loss, gradient, then the status and where it ended); ``--digits 17``
    prints every number in full. The function and its derivatives are printed as numpy
    code from the sympy trees the safe compiler built, never from the typed text.

    Parameters
    ----------
    project : Project
        What to reproduce; its history, if any, is not needed.
    filename : str
        The name the script will be saved under, used in its instructions.
    timeout : float
        Seconds allowed to analyse and differentiate the expression or model.

    Returns
    -------
    str
        The script's source.
    """
    from gdstudio.io._script import script_source  # here: the CSV exports need no sympy

    return script_source(project, filename=filename, timeout=timeout)


def _optional(value: float) -> str:
    return repr(value) if math.isfinite(value) else ""
