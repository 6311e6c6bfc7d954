"""The small public scripting API: :func:`run` an :class:`Experiment`.

>>> import gdstudio
>>> experiment = gdstudio.Experiment.function("x**2", start={"x": 3}, lr=0.1, max_iter=100,
...                                           tol_step=1e-4)
>>> result = gdstudio.run(experiment)
>>> str(result.status), result.iterations
('converged', 40)

:func:`descend` and :func:`fit` make the experiment and run it in one call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gdstudio.engine import Descent, History, Status
from gdstudio.io.experiment import Experiment, as_dataset
from gdstudio.problems.checks import ExperimentError
from gdstudio.problems.curvature import stable_learning_rate
from gdstudio.problems.inspect import PointInspection, inspect_objective

__all__ = ["Experiment", "FitRun", "PointInspection", "Run", "as_dataset", "descend", "fit",
           "inspect_point", "run", "stable_lr"]


class Run:
    """The outcome of a descent: status, final parameters and the full history.

    Parameters
    ----------
    descent : Descent
        The engine run it reports on.
    objective : object
        The problem that was minimised (a function objective or a data objective).
    experiment : Experiment
        What was run.
    """

    def __init__(self, descent: Descent, objective: Any, experiment: Experiment) -> None:
        self.descent = descent
        self.objective = objective
        self.experiment = experiment

    @property
    def status(self) -> Status:
        """``converged``, ``max_iter``, ``diverged`` or ``stopped``."""
        return self.descent.status

    @property
    def message(self) -> str:
        """One sentence saying why the run ended (and where Newton's method fell back)."""
        note = self.descent.fallback_note
        return self.descent.message + (f"; {note}" if note else "")

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
                **self._method_columns(),
            },
        }

    def _method_columns(self) -> dict[str, Any]:
        """Newton's fallback codes and the line search's tries, for the runs that have them."""
        history = self.history
        columns: dict[str, Any] = {}
        if self.descent.optimizer.records_fallback:
            columns["fallback"] = history.fallback.tolist()
        if history.trial_width:
            columns["trials_lr"] = [_json_array(history.trials(k)[0]) for k in range(len(history))]
            columns["trials_loss"] = [_json_array(history.trials(k)[1])
                                      for k in range(len(history))]
        return columns

    def __repr__(self) -> str:
        params = ", ".join(f"{name}={value:.6g}" for name, value in self.params.items())
        return f"<Run {self.status} after {self.iterations} steps: {params}>"


def descend(
    expression: str,
    start: Mapping[str, float] | float,
    *,
    lr: float | None = None,
    optimizer: str = "gd",
    momentum: float | None = None,
    alpha: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    eps: float | None = None,
    damping: float | None = None,
    armijo_c: float | None = None,
    shrink: float | None = None,
    max_backtracks: int | None = None,
    schedule: Mapping[str, object] | str | None = None,
    max_iter: int = 1000,
    tol_step: float | None = None,
    tol_grad: float | None = None,
    tol_loss: float | None = None,
    variables: Sequence[str] | None = None,
    timeout: float = 5.0,
) -> Run:
    """Minimise a typed cost function by gradient descent and return the whole run.

    ``run(Experiment.function(expression, start, ...), timeout=timeout)`` in one call.

    Parameters
    ----------
    expression : str
        The function, e.g. ``"(x-3)**2 + 10*(y+1)**2"``; parsed safely, never executed.
    start : mapping or float
        Start value of every variable (a bare number for a function of one variable).
    lr : float, optional
        Base learning rate (default 0.1; 1 for ``newton``, its full step). For ``armijo``
        it is the first rate the line search tries.
    optimizer : str
        ``gd``, ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adam``, ``newton``
        (x ← x − α·(H + λI)⁻¹∇f; a gradient step where H + λI is not positive definite,
        recorded in ``history.fallback``) or ``armijo`` (gradient descent with a
        backtracking line search; its tries are in ``history.trials_lr`` and
        ``history.trials_loss``).
    momentum, alpha, beta1, beta2, eps : float, optional
        Hyperparameters of the optimizer (torch.optim's defaults when left out).
    damping : float, optional
        ``newton``'s λ (default 0).
    armijo_c, shrink, max_backtracks : float, optional
        ``armijo``'s sufficient-decrease constant c (default 1e-4), the factor the rate is
        multiplied by per try (default 0.5) and the most tries after the first (default 30).
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
    options = {name: value for name, value in locals().items() if name != "timeout"}
    return run(Experiment.function(**options), timeout=timeout)


def run(experiment: Experiment, *, timeout: float = 5.0) -> Run:
    """Run ``experiment`` from its start to a stopping rule and return the whole run.

    >>> import gdstudio
    >>> result = gdstudio.run(gdstudio.Experiment.data(
    ...     {"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]}, "m*x + b", start={"b": 10},
    ...     fixed={"m": 2}, loss="sse", lr=0.01, max_iter=30))
    >>> round(result.params["b"], 4)
    1.3815

    Parameters
    ----------
    experiment : Experiment
        The problem, start and settings (see :meth:`Experiment.function` and
        :meth:`Experiment.data`; a project's is ``load_project(path).experiment``).
    timeout : float
        Seconds allowed to analyse and differentiate the expression or model.

    Returns
    -------
    Run
        A :class:`FitRun` for a data experiment.

    Raises
    ------
    gdstudio.ExpressionError
        For an expression that cannot be used (a ``ValueError``).
    ValueError
        When the problem cannot be built (a derivative that takes longer than
        ``timeout``, or ``standardize`` on a model it cannot be undone for).
    """
    objective = experiment.objective(timeout=timeout)
    descent = experiment.descent(objective)
    descent.run()
    kind = Run if experiment.mode == "function" else FitRun
    return kind(descent, objective, experiment)


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
        return self.objective.notes()

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
    lr: float | None = None,
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
    damping: float | None = None,
    armijo_c: float | None = None,
    shrink: float | None = None,
    max_backtracks: int | None = None,
    schedule: Mapping[str, object] | str | None = None,
    tol_step: float | None = None,
    tol_grad: float | None = None,
    tol_loss: float | None = None,
    timeout: float = 5.0,
) -> FitRun:
    """Learn a model's parameters from data by gradient descent; return the whole run.

    ``run(Experiment.data(data, model, ...), timeout=timeout)`` in one call.

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
    lr : float, optional
        Base learning rate (default 0.01; 1 for ``newton``).
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
    optimizer, momentum, alpha, beta1, beta2, eps, damping, armijo_c, shrink, max_backtracks
        As in :func:`descend`.
    schedule
        As in :func:`descend`. ``newton`` needs a squared loss (sse, mse or half_mse): the
        Hessian of mae is not defined; for a model linear in its parameters and a squared
        loss its first step lands on the least-squares answer.
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
    options = {name: value for name, value in locals().items()
               if name not in ("timeout", "data", "model")}
    result = run(Experiment.data(data, model, **options), timeout=timeout)
    assert isinstance(result, FitRun)
    return result


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
    experiment = _at_point(expr, point)
    params = np.array([experiment.start[name] for name in experiment.param_names], dtype=float)
    return stable_learning_rate(experiment.objective(timeout=timeout), params, optimizer, momentum)


def inspect_point(
    expr: str, point: Mapping[str, float] | float, *, timeout: float = 5.0
) -> PointInspection:
    """The curvature of a typed function at a point, classified and described in words.

    The Hessian is exact: its entries are second derivatives found symbolically by the
    safe compiler.

    >>> inspection = inspect_point("x**2 - y**2", {"x": 0, "y": 0})
    >>> inspection.kind, inspection.eigenvalues.tolist()
    ('saddle', [-2.0, 2.0])
    >>> inspection.description
    'a saddle: downhill along (0, 1), uphill along (1, 0)'
    >>> float(inspection.quadratic_model()(1.0, 1.0))  # the local model q(x, y), to draw
    0.0

    Parameters
    ----------
    expr : str
        The function, e.g. ``"x**2 - y**2"``; parsed safely, never executed.
    point : mapping or float
        The value of every variable (a bare number for a function of one variable).
    timeout : float
        Seconds allowed to analyse and differentiate the expression.

    Returns
    -------
    PointInspection
        ``value``, ``gradient``, ``hessian``, ``eigenvalues`` (ascending),
        ``eigenvectors`` (columns), ``kind`` (minimum, maximum, saddle or degenerate),
        ``description`` and ``quadratic_model()``.

    Raises
    ------
    ValueError
        In one sentence: a bad expression or point, a point where the function is not
        defined or has no second derivative.
    """
    experiment = _at_point(expr, point)
    params = np.array([experiment.start[name] for name in experiment.param_names], dtype=float)
    return inspect_objective(experiment.objective(timeout=timeout), params)


def _at_point(expr: str, point: Mapping[str, float] | float) -> Experiment:
    """The experiment of ``expr`` at ``point``; errors name the point, not a start."""
    try:
        return Experiment.function(expr, point)
    except ExperimentError as error:
        text = str(error)
        if text.startswith("start"):
            raise ValueError("point" + text[len("start"):]) from None
        raise
