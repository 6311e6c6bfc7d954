"""The small public scripting API: :func:`descend` (and, for data, ``fit``).

>>> import gdstudio
>>> run = gdstudio.descend("x**2", start={"x": 3}, lr=0.1, max_iter=100, tol_step=1e-4)
>>> run.status, run.iterations
('converged', 40)
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gdstudio.engine import Descent, History, RunSettings, Status, StoppingRules
from gdstudio.engine.optimizers import OPTIMIZERS
from gdstudio.problems.curvature import stable_learning_rate
from gdstudio.problems.function import FunctionObjective

__all__ = ["FitRun", "Run", "descend", "fit", "run_settings", "stable_lr", "start_vector"]

HYPERPARAMETER_NAMES = ("momentum", "alpha", "beta1", "beta2", "eps")


class Run:
    """The outcome of a descent: status, final parameters and the full history.

    Parameters
    ----------
    descent : Descent
        The engine run it reports on.
    objective : object
        The problem that was minimised (a function objective or a data objective).
    """

    def __init__(self, descent: Descent, objective: Any) -> None:
        self.descent = descent
        self.objective = objective

    @property
    def status(self) -> Status:
        """``converged``, ``max_iter``, ``diverged`` or ``stopped``."""
        return self.descent.status

    @property
    def message(self) -> str:
        """One sentence saying why the run ended."""
        return self.descent.message

    @property
    def iterations(self) -> int:
        """Number of updates made."""
        return self.descent.step_count

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters, in the order of the history's columns."""
        return self.descent.param_names

    @property
    def params(self) -> dict[str, float]:
        """Final parameters by name."""
        return dict(zip(self.param_names, map(float, self.descent.params), strict=True))

    @property
    def loss(self) -> float:
        """Loss at the final parameters."""
        return self.descent.loss

    @property
    def gradient(self) -> dict[str, float]:
        """Gradient at the final parameters, by name."""
        final = self.history.grad[-1]
        return dict(zip(self.param_names, map(float, final), strict=True))

    @property
    def history(self) -> History:
        """Every step: ``params``, ``loss``, ``grad``, ``lr``, ``step_size``, ``epoch``."""
        return self.descent.history

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: NaN and infinities become ``None``."""
        history = self.history
        return {
            "status": str(self.status),
            "message": self.message,
            "iterations": self.iterations,
            "param_names": list(self.param_names),
            "params": {name: _finite_or_none(value) for name, value in self.params.items()},
            "history": {
                "params": _json_array(history.params),
                "loss": _json_array(history.loss),
                "grad": _json_array(history.grad),
                "lr": _json_array(history.lr),
                "step_size": _json_array(history.step_size),
            },
        }

    def __repr__(self) -> str:
        params = ", ".join(f"{name}={value:.6g}" for name, value in self.params.items())
        return f"<Run {self.status} after {self.iterations} steps: {params}>"


def descend(
    expression: str,
    start: Mapping[str, float] | float,
    *,
    lr: float = 0.1,
    optimizer: str = "gd",
    momentum: float | None = None,
    alpha: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    eps: float | None = None,
    schedule: Mapping[str, object] | str | None = None,
    max_iter: int = 1000,
    tol_step: float | None = None,
    tol_grad: float | None = None,
    tol_loss: float | None = None,
    variables: Sequence[str] | None = None,
    timeout: float = 5.0,
) -> Run:
    """Minimise a typed cost function by gradient descent and return the whole run.

    Parameters
    ----------
    expression : str
        The function, e.g. ``"(x-3)**2 + 10*(y+1)**2"``; parsed safely, never executed.
    start : mapping or float
        Start value of every variable (a bare number for a function of one variable).
    lr : float
        Base learning rate.
    optimizer : str
        ``gd``, ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop`` or ``adam``.
    momentum, alpha, beta1, beta2, eps : float, optional
        Hyperparameters of the optimizer (torch.optim's defaults when left out).
    schedule : mapping or str, optional
        ``{"kind": "exponential", "gamma": 0.95}``; kinds: constant, step, exponential,
        inverse_time, cosine.
    max_iter, tol_step, tol_grad, tol_loss
        Stopping rules (see :class:`gdstudio.engine.StoppingRules`).
    variables : sequence of str, optional
        Order of the parameters (default: the expression's names, sorted).
    timeout : float
        Seconds allowed to analyse and differentiate the expression.

    Returns
    -------
    Run

    Raises
    ------
    gdstudio.ExpressionError
        For an expression that cannot be used (a ``ValueError``).
    ValueError
        For a bad start point, rate, optimizer, hyperparameter, schedule or rule.
    """
    settings = _settings_from(locals())
    objective = FunctionObjective.from_text(expression, variables, timeout=timeout)
    descent = settings.build(objective, start_vector(objective.param_names, start))
    descent.run()
    return Run(descent, objective)


def _settings_from(options: Mapping[str, Any]) -> RunSettings:
    """The :class:`RunSettings` in ``descend``'s and ``fit``'s shared keyword arguments."""
    return run_settings(
        optimizer=options["optimizer"],
        hyperparameters={name: options[name] for name in HYPERPARAMETER_NAMES},
        lr=options["lr"],
        schedule=options["schedule"],
        stopping=StoppingRules(**{
            name: options[name] for name in ("max_iter", "tol_step", "tol_grad", "tol_loss")
        }),
    )


def run_settings(
    *,
    optimizer: str,
    hyperparameters: Mapping[str, float | None],
    lr: float,
    schedule: Mapping[str, object] | str | None,
    stopping: StoppingRules,
) -> RunSettings:
    """Validate keyword options into :class:`RunSettings`; ``None`` values are left out.

    Raises
    ------
    ValueError
        For a hyperparameter the chosen optimizer does not have, or any invalid value.
    """
    given = {key: value for key, value in hyperparameters.items() if value is not None}
    name = str(optimizer).strip().lower()
    name = "gd" if name == "sgd" else name
    if name in OPTIMIZERS:
        allowed = OPTIMIZERS[name].defaults
        for key in given:
            if key not in allowed:
                has = ", ".join(allowed) or "no hyperparameters"
                raise ValueError(f"{key} does not apply to the {name} optimizer (it has {has})")
    if isinstance(schedule, str):
        schedule = {"kind": schedule}
    return RunSettings(
        optimizer=name,
        hyperparameters=given,
        learning_rate=lr,
        schedule=dict(schedule or {"kind": "constant"}),
        stopping=stopping,
    )


def start_vector(names: Sequence[str], start: Mapping[str, float] | float) -> np.ndarray:
    """Arrange a start mapping in the order of ``names``.

    Raises
    ------
    ValueError
        Naming the variables that are missing, unknown or not numbers.
    """
    if not isinstance(start, Mapping):
        if len(names) != 1:
            raise ValueError(
                f"give the start as a mapping of {', '.join(names)} to numbers, not one number"
            )
        start = {names[0]: start}
    missing = [name for name in names if name not in start]
    if missing:
        raise ValueError(f"the start point is missing {', '.join(missing)}")
    unknown = [str(name) for name in start if name not in names]
    if unknown:
        known = ", ".join(names) or "no variables"
        raise ValueError(
            f"the start point names {', '.join(unknown)}, not in the problem ({known})"
        )
    values = []
    for name in names:
        try:
            value = float(start[name])
        except (TypeError, ValueError):
            raise ValueError(
                f"the start value of {name} must be a number, not {start[name]!r}"
            ) from None
        if not math.isfinite(value):
            raise ValueError(f"the start value of {name} must be finite, not {value}")
        values.append(value)
    return np.array(values, dtype=float)


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _json_array(values: np.ndarray) -> list[Any]:
    as_objects = values.astype(object)
    as_objects[~np.isfinite(values)] = None
    return as_objects.tolist()


class FitRun(Run):
    """The :class:`Run` of :func:`fit`, with the parameters in the data's original units.

    With ``standardize`` on, descent works on standardised features, so the history's
    parameters are in standardised units; :attr:`params` converts the final ones back
    and :attr:`standardization` says which means and standard deviations were used.
    """

    @property
    def params(self) -> dict[str, float]:
        """Final parameters by name, in the data's original units."""
        original = self.objective.to_original(self.descent.params)
        return dict(zip(self.param_names, map(float, original), strict=True))

    @property
    def full_loss(self) -> float:
        """Loss over all rows at the final parameters.

        The same as :attr:`loss` for full-batch descent; with mini-batches :attr:`loss`
        (like the history) is the loss on the last step's batch.
        """
        return float(self.objective.value_and_grad(self.descent.params)[0])

    @property
    def standardization(self) -> Any:
        """The :class:`~gdstudio.problems.models.Standardization` used, or ``None``."""
        return self.objective.standardization

    @property
    def history_names(self) -> tuple[str, ...]:
        """Column labels of the history's parameters (marked when standardised)."""
        if self.standardization is None:
            return self.param_names
        return tuple(f"{name} (standardised)" for name in self.param_names)

    @property
    def notes(self) -> tuple[str, ...]:
        """Lines that tell a reader how to read the numbers (standardisation, fixed)."""
        objective = self.objective
        lines = [f"model: {objective.target} ≈ {objective.expression_text}, "
                 f"loss {objective.loss}, {objective.n_samples:,} rows"]
        if objective.fixed:
            fixed = ", ".join(f"{name} = {value:g}" for name, value in objective.fixed.items())
            lines.append(f"fixed: {fixed}")
        if self.standardization is not None:
            lines.append(f"features standardised (z = (x - mean) / std): "
                         f"{self.standardization.describe()}; the steps above are in "
                         "standardised units, the minimum found is in original units")
        return tuple(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON, with the model, the loss and any standardisation."""
        data = super().to_dict()
        objective = self.objective
        standardization = self.standardization
        data["history"]["epoch"] = self.history.epoch.tolist()
        data.update({
            "model": objective.model_text,
            "target": objective.target,
            "loss": objective.loss,
            "fixed": dict(objective.fixed),
            "full_loss": _finite_or_none(self.full_loss),
            "standardization": None if standardization is None else standardization.to_dict(),
        })
        return data


def fit(
    model: str,
    data: Any,
    *,
    target: str = "y",
    start: Mapping[str, float] | None = None,
    fixed: Mapping[str, float] | None = None,
    loss: str = "mse",
    lr: float = 0.01,
    max_iter: int = 1000,
    batch_size: int | None = None,
    seed: int = 0,
    standardize: bool = False,
    optimizer: str = "gd",
    momentum: float | None = None,
    alpha: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    eps: float | None = None,
    schedule: Mapping[str, object] | str | None = None,
    tol_step: float | None = None,
    tol_grad: float | None = None,
    tol_loss: float | None = None,
    timeout: float = 5.0,
) -> FitRun:
    """Learn a model's parameters from data by gradient descent; return the whole run.

    >>> run = fit("m*x + b", {"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]},
    ...           start={"b": 10}, fixed={"m": 2}, loss="sse", lr=0.01, max_iter=30)
    >>> round(run.params["b"], 4)
    1.3815

    Parameters
    ----------
    model : str
        The model, e.g. ``"m*x + b"``; names that are columns of the data are features,
        every other name is a parameter. Parsed safely, never executed.
    data : mapping, Dataset, str or path
        Column name → numbers, a :class:`~gdstudio.problems.dataset.Dataset`, or the path
        of a CSV file with a header row.
    target : str
        The column the model predicts (it may not appear in the model).
    start : mapping, optional
        Start value of learnt parameters, in original units; a parameter that is not
        given starts at 0.
    fixed : mapping, optional
        Parameters held at a value instead of learnt.
    loss : str
        ``sse`` (Σr²), ``mse`` (mean r²), ``half_mse`` (Σr²/2m) or ``mae`` (mean |r|),
        with r = prediction − target.
    lr : float
        Base learning rate.
    max_iter : int
        Most updates to make.
    batch_size : int, optional
        Rows per step: ``None`` for full batch, 1 for stochastic, k for mini-batches
        (reshuffled every epoch; the history records the epoch).
    seed : int
        Seed of the shuffling: the same seed gives the same numbers.
    standardize : bool
        Fit on standardised features and report parameters in original units (see
        :class:`~gdstudio.problems.models.ModelObjective`).
    optimizer, momentum, alpha, beta1, beta2, eps, schedule
        As in :func:`descend`.
    tol_step, tol_grad, tol_loss
        Stopping rules (see :class:`gdstudio.engine.StoppingRules`).
    timeout : float
        Seconds allowed to analyse and differentiate the model.

    Returns
    -------
    FitRun
        A :class:`Run`; ``run.objective`` is the
        :class:`~gdstudio.problems.models.ModelObjective` (with its closed-form
        ``least_squares_solution()``).

    Raises
    ------
    ValueError
        For bad data (naming the row and column), a bad model, target, fixed or start
        name, loss, rate, optimizer, schedule or rule.
    """
    from gdstudio.engine import BatchPlan
    from gdstudio.problems.models import ModelObjective

    settings = _settings_from(locals())
    objective = ModelObjective(
        model, as_dataset(data), target=target, loss=loss, fixed=fixed,
        standardize=standardize, timeout=timeout,
    )
    plan = BatchPlan(objective.n_samples, batch_size, seed)
    descent = settings.build(
        objective, objective.start_point(start), None if plan.is_full_batch else plan
    )
    descent.run()
    return FitRun(descent, objective)


def as_dataset(data: Any) -> Any:
    """A :class:`~gdstudio.problems.dataset.Dataset` from a dataset, mapping or CSV path.

    Raises
    ------
    ValueError
        For a file that cannot be read or data that is not valid.
    TypeError
        For anything else.
    """
    from gdstudio.problems.dataset import Dataset, load_csv

    if isinstance(data, Dataset):
        return data
    if isinstance(data, str | os.PathLike):
        return load_csv(Path(data))
    if isinstance(data, Mapping):
        return Dataset(data)
    raise TypeError(f"data must be a mapping of columns, a Dataset or a CSV path, not "
                    f"{type(data).__name__}")


def stable_lr(
    expr: str,
    point: Mapping[str, float] | float,
    optimizer: str = "gd",
    momentum: float = 0.0,
    *,
    timeout: float = 5.0,
) -> float | None:
    """The largest stable learning rate of a typed function at a point.

    2/λmax for gradient descent, 2(1+μ)/λmax for heavy-ball momentum and
    2(1+μ)/((1+2μ)λmax) for Nesterov (torch's forms), λmax the largest eigenvalue of
    the exact Hessian at ``point`` (see :mod:`gdstudio.engine.curvature`).

    >>> stable_lr("5*x**2", 3, optimizer="momentum", momentum=0.9)
    0.38

    Returns
    -------
    float or None
        The limit; ``math.inf`` where λmax ≤ 0 (no rate overshoots there); ``None``
        where the function has no Hessian (``abs``) or for adagrad, rmsprop and adam,
        which have no such simple limit.
    """
    objective = FunctionObjective.from_text(expr, timeout=timeout)
    params = start_vector(objective.param_names, point)
    return stable_learning_rate(objective, params, optimizer, momentum)
