"""The three sweeps of the Sweeps tool, as jobs for :class:`~gdstudio.qt.sweeps.runner.SweepRunner`.

Each ``*_job`` function checks its input at once (one sentence, :class:`ValueError`) and
returns a job: a function of a ``progress`` callback that runs on the sweep thread with
:func:`gdstudio.run_sweep` and returns a plain result (numpy arrays; nothing here draws).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdstudio.api_sweep import Sweep, run_sweep
from gdstudio.engine.optimizers import OPTIMIZERS
from gdstudio.engine.sweep import Reason
from gdstudio.engine.sweep_pictures import (
    Basins,
    cluster_basins,
    rate_grid,
    start_grid,
    steps_to_converge,
)
from gdstudio.problems.curvature import stable_learning_rate
from gdstudio.problems.experiment import Experiment
from gdstudio.problems.inspect import inspect_objective
from gdstudio.qt.sweeps.runner import Job, Progress

__all__ = [
    "BasinsResult",
    "FinderResult",
    "PhaseResult",
    "basins_job",
    "finder_job",
    "phase_hyperparameter",
    "phase_job",
    "stable_limit",
]

#: Rates of the finder and the phase map span the stable limit ÷ BELOW to × ABOVE.
BELOW, ABOVE = 1000.0, 10.0
#: The finder's rates for the methods the stable limit says nothing about, as (centre,
#: below, above); a centre of None is the main window's rate. Newton's full step is 1
#: (beyond 2 it overshoots even a quadratic); Armijo's rate is only its first try.
OWN_RATES: dict[str, tuple[float | None, float, float]] = {
    "newton": (1.0, 100.0, 10.0),
    "armijo": (None, 100.0, 100.0),
}
#: Two final points closer than this fraction of the region's diagonal reach one minimum.
BASIN_RADIUS = 0.02
#: Samples of f per variable for the contour lines (2-D) or the curve (1-D).
SURFACE_SAMPLES = {1: 400, 2: 160}
#: Momentum-like hyperparameters of the phase map go from 0 to this.
HIGHEST_MOMENTUM = 0.99


def phase_hyperparameter(optimizer: str) -> str:
    """The hyperparameter a phase map of ``optimizer`` varies: ``momentum`` or ``beta1``.

    Raises
    ------
    ValueError
        For an optimizer without one (gradient descent, Adagrad, RMSProp).
    """
    if optimizer in ("momentum", "nesterov"):
        return "momentum"
    if optimizer == "adam":
        return "beta1"
    raise ValueError(f"a phase map needs momentum, Nesterov or Adam, not {optimizer!r}")


def prepared(experiment: Experiment, max_iter: int, tol_step: float) -> Experiment:
    """``experiment`` with the step limit and step tolerance of a sweep."""
    if not (isinstance(max_iter, int) and max_iter >= 1):
        raise ValueError(f"the step limit must be a whole number of at least 1, not {max_iter}")
    if not (math.isfinite(tol_step) and tol_step > 0):
        raise ValueError(f"the step tolerance must be a positive number, not {tol_step}")
    return experiment.replace(max_iter=max_iter, tol_step=tol_step)


def stable_limit(experiment: Experiment) -> float | None:
    """2/λmax of gradient descent at the experiment's start (None or inf where there is none)."""
    objective = experiment.objective()
    start = np.array([experiment.start.get(name, 0.0) for name in experiment.param_names],
                     dtype=float)
    if getattr(objective, "standardization", None) is not None:
        start = objective.from_original(start)
    return stable_learning_rate(objective, start, "gd")


def _centre(limit: float | None, experiment: Experiment) -> float:
    usable = limit is not None and math.isfinite(limit) and limit > 0
    return float(limit) if usable else experiment.settings.learning_rate


def finder_rates(name: str, limit: float | None, experiment: Experiment,
                 count: int) -> np.ndarray:
    """The finder's ``count`` rates for optimizer ``name`` (see :data:`OWN_RATES`)."""
    if name not in OWN_RATES:
        return rate_grid(_centre(limit, experiment), count, BELOW, ABOVE)
    centre, below, above = OWN_RATES[name]
    return rate_grid(experiment.settings.learning_rate if centre is None else centre,
                     count, below, above)


def _part(progress: Progress, index: int, parts: int) -> Progress:
    return lambda fraction: progress((index + fraction) / parts)


# ---------------------------------------------------------------- learning-rate finder
@dataclass(frozen=True)
class FinderResult:
    """Final loss and steps of runs at many rates, one row per optimizer.

    Attributes
    ----------
    rates : numpy.ndarray
        ``(m, n)`` learning rates, ascending along each row: around 2/λmax, or for
        ``newton`` and ``armijo`` their own (:data:`OWN_RATES`).
    optimizers : tuple of str
        The optimizers, in the order of the rows below.
    loss, steps : numpy.ndarray
        ``(m, n)`` final loss, and steps to converge (NaN where a run did not).
    status : numpy.ndarray
        ``(m, n)`` status strings.
    limit : float or None
        2/λmax of gradient descent at the start.
    """

    rates: np.ndarray
    optimizers: tuple[str, ...]
    loss: np.ndarray
    steps: np.ndarray
    status: np.ndarray
    iterations: np.ndarray
    limit: float | None


def finder_job(experiment: Experiment, optimizers: Sequence[str], count: int = 40,
               max_iter: int = 1000, tol_step: float = 1e-6) -> Job:
    """A learning-rate finder: ``count`` rates on a log axis for each optimizer, around 2/λmax
    (around 1 for Newton's method, and the window's rate for Armijo's line search)."""
    chosen = tuple(optimizers)
    if not chosen:
        raise ValueError("choose at least one optimizer for the learning-rate finder")
    unknown = [name for name in chosen if name not in OPTIMIZERS]
    if unknown:
        raise ValueError(f"the finder cannot sweep {unknown[0]!r}; choose from "
                         f"{', '.join(OPTIMIZERS)}")
    if count < 2:
        raise ValueError(f"the finder needs at least 2 rates, not {count}")
    base = prepared(experiment, max_iter, tol_step)

    def job(progress: Progress) -> FinderResult:
        limit = stable_limit(base)
        grids = [finder_rates(name, limit, base, count) for name in chosen]
        runs: list[Sweep] = []
        for index, name in enumerate(chosen):
            runs.append(run_sweep(base.replace(optimizer=name), lr=grids[index],
                                  progress=_part(progress, index, len(chosen))))
            if (runs[-1].engine.reason_codes == Reason.STOPPED).any():
                break  # cancelled (not a line search that failed): the runner drops this
        status = np.array([run.status for run in runs])
        iterations = np.array([run.iterations for run in runs])
        return FinderResult(np.array(grids[:len(runs)]), chosen[:len(runs)],
                            np.array([run.loss for run in runs]),
                            steps_to_converge(status, iterations), status, iterations, limit)

    return job


# ---------------------------------------------------------------- phase map
@dataclass(frozen=True)
class PhaseResult:
    """Runs on a grid of learning rate × momentum (or β₁).

    Attributes
    ----------
    optimizer, hyperparameter : str
        E.g. ``"momentum"`` and ``"momentum"``, or ``"adam"`` and ``"beta1"``.
    rates, values : numpy.ndarray
        ``(n,)`` rates (log-spaced) and ``(m,)`` hyperparameter values.
    status, steps, loss, iterations : numpy.ndarray
        ``(n, m)``: row i is rate i, column j value j.
    limit : float or None
        2/λmax of gradient descent at the start.
    """

    optimizer: str
    hyperparameter: str
    rates: np.ndarray
    values: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    loss: np.ndarray
    iterations: np.ndarray
    limit: float | None


def phase_job(experiment: Experiment, optimizer: str, rate_count: int = 30,
              value_count: int = 20, max_iter: int = 1000, tol_step: float = 1e-6) -> Job:
    """A phase map of ``optimizer``: rates around 2/λmax × momentum (or β₁) from 0 to 0.99."""
    hyperparameter = phase_hyperparameter(optimizer)
    if rate_count < 2 or value_count < 2:
        raise ValueError(f"a phase map needs at least 2 × 2 cells, not {rate_count} × "
                         f"{value_count}")
    base = prepared(experiment, max_iter, tol_step).replace(optimizer=optimizer)

    def job(progress: Progress) -> PhaseResult:
        limit = stable_limit(base)
        rates = rate_grid(_centre(limit, base), rate_count, BELOW, ABOVE)
        values = np.linspace(0.0, HIGHEST_MOMENTUM, value_count)
        shape = (rate_count, value_count)
        run = run_sweep(base, lr=np.repeat(rates, value_count),
                        progress=progress, **{hyperparameter: np.tile(values, rate_count)})
        status = run.status.reshape(shape)
        iterations = run.iterations.reshape(shape)
        return PhaseResult(optimizer, hyperparameter, rates, values, status,
                           steps_to_converge(status, iterations), run.loss.reshape(shape),
                           iterations, limit)

    return job


# ---------------------------------------------------------------- basins of attraction
@dataclass(frozen=True)
class BasinsResult:
    """Where every start point of a grid ends.

    Attributes
    ----------
    names : tuple of str
        The variables (one or two).
    axes : list of numpy.ndarray
        The grid's cell centres along each variable.
    status, iterations, loss : numpy.ndarray
        Shape of the grid (``(n,)`` or ``(n, n)``, index i along the first variable).
    finals : numpy.ndarray
        ``(cells, d)`` final points, C order.
    basins : Basins
        The points where runs settled; ``basins.labels`` flat in C order.
    kinds : tuple of str
        What each settled point is, from its exact Hessian: ``"minimum"``, ``"saddle"``,
        ``"maximum"``, ``"degenerate"`` or ``"unknown"`` (no second derivative there). A
        run stops wherever its steps become tiny, which is also near a saddle.
    surface : list of numpy.ndarray
        The function over the region, for its contour lines or curve: the sample
        positions along each variable, then f on their grid (NaN where undefined).
    """

    names: tuple[str, ...]
    axes: list[np.ndarray]
    status: np.ndarray
    iterations: np.ndarray
    loss: np.ndarray
    finals: np.ndarray
    basins: Basins
    surface: list[np.ndarray]
    kinds: tuple[str, ...] = ()

    @property
    def labels(self) -> np.ndarray:
        """The minimum each start reaches, in the grid's shape (see :mod:`sweep_pictures`)."""
        return self.basins.labels.reshape(self.status.shape)


def basins_job(experiment: Experiment, ranges: Sequence[tuple[float, float]], count: int = 60,
               max_iter: int = 1000, tol_step: float = 1e-6) -> Job:
    """Basins of attraction: runs from every cell of a grid over ``ranges``, grouped by the
    minimum they reach."""
    names = tuple(experiment.param_names)
    if experiment.mode != "function" or len(names) not in (1, 2):
        what = "a data problem" if experiment.mode != "function" else (
            f"a function of {len(names)} variables")
        raise ValueError(f"basins of attraction need a function of one or two variables, "
                         f"and this is {what}")
    if len(ranges) != len(names):
        raise ValueError(f"the region needs one range per variable ({', '.join(names)})")
    axes, starts = start_grid(list(ranges), count)
    base = prepared(experiment, max_iter, tol_step)
    diagonal = math.hypot(*(high - low for low, high in ranges))

    def job(progress: Progress) -> BasinsResult:
        run = run_sweep(base, start=dict(zip(names, starts.T, strict=True)), progress=progress)
        shape = (count,) * len(names)
        basins = cluster_basins(run.params, run.loss, run.status, BASIN_RADIUS * diagonal)
        return BasinsResult(names, axes, run.status.reshape(shape),
                            run.iterations.reshape(shape), run.loss.reshape(shape),
                            run.params, basins, _surface(run.objective, ranges),
                            settled_kinds(run.objective, basins.minima))

    return job


def settled_kinds(objective: object, points: np.ndarray) -> tuple[str, ...]:
    """What each point where runs settled is, classified by its exact Hessian."""
    kinds = []
    for point in points:
        try:
            kinds.append(inspect_objective(objective, point).kind)
        except ValueError:
            kinds.append("unknown")
    return tuple(kinds)


def _surface(objective: object, ranges: Sequence[tuple[float, float]]) -> list[np.ndarray]:
    """Sample positions along each variable and f on their grid (NaN where undefined)."""
    samples = SURFACE_SAMPLES[len(ranges)]
    axes = [np.linspace(low, high, samples) for low, high in ranges]
    grids = np.meshgrid(*axes, indexing="ij")
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(objective.compiled.evaluate_grid(*grids))  # type: ignore[attr-defined]
            values = np.broadcast_to(np.real_if_close(values), grids[0].shape).astype(float)
    except Exception:  # a student's function may fail anywhere: no lines then
        values = np.full(grids[0].shape, np.nan)
    return [*axes, np.where(np.isfinite(values), values, np.nan)]
