"""Sweeps from the scripting API: many runs of one problem at once, in lock step.

>>> import gdstudio
>>> result = gdstudio.sweep("x**2", start={"x": 3}, lr=[0.1, 0.5, 1.05], max_iter=100,
...                         tol_step=1e-4)
>>> result.status.tolist(), result.iterations.tolist()
(['converged', 'converged', 'diverged'], [40, 2, 6])

Any start value, ``lr`` and the optimizer's hyperparameters may be one number or an array
of K (one per run); the others are shared. :func:`sweep` and :func:`sweep_fit` take the
keywords of :func:`~gdstudio.api.descend` and :func:`~gdstudio.api.fit`; both are
:func:`run_sweep` of an :class:`~gdstudio.problems.experiment.Experiment`, as
``descend`` and ``fit`` are ``run`` of one. Each run gives the numbers ``descend`` or
``fit`` gives with its values (status, step count and parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gdstudio.api import Experiment
from gdstudio.engine import BatchPlan, make_schedule
from gdstudio.engine.sweep import SweepDescent
from gdstudio.engine.sweep_reasons import reason_of

__all__ = ["Sweep", "run_sweep", "sweep", "sweep_fit"]

#: Called with the fraction of ``max_iter`` done; ``False`` stops the sweep.
Progress = Callable[[float], Any]


class Sweep:
    """The outcome of K runs of one problem.

    Attributes
    ----------
    names : tuple of str
        The parameters, in the order of the columns of :attr:`params`.
    params : numpy.ndarray
        Final parameters, shape ``(K, d)`` (data mode: in the data's original units).
    loss : numpy.ndarray
        Loss at the final parameters, shape ``(K,)`` (with mini-batches: on the last
        step's batch, as :attr:`gdstudio.api.Run.loss`).
    status : numpy.ndarray
        ``(K,)`` strings: ``converged``, ``max_iter``, ``diverged`` or ``stopped``.
    iterations : numpy.ndarray
        Updates each run made, shape ``(K,)``.
    loss_history : numpy.ndarray or None
        With ``history=True``: the loss of every run at steps 0, 1, … ``(K, steps + 1)``,
        NaN after the run ended; else ``None``.
    starts : numpy.ndarray
        Start points ``(K, d)``, in the units of :attr:`params`.
    learning_rates : numpy.ndarray
        Base learning rate of every run, ``(K,)``.
    hyperparameters : dict of str to numpy.ndarray
        The optimizer's hyperparameters, each ``(K,)``.
    experiment : Experiment
        The problem and the settings shared by every run (run 0's values elsewhere).
    engine : SweepDescent
        The engine's record of the sweep.
    """

    def __init__(self, engine: SweepDescent, experiment: Experiment, objective: Any) -> None:
        self.engine = engine
        self.experiment = experiment
        self.objective = objective
        self.names: tuple[str, ...] = engine.param_names
        self.params = _in_original_units(objective, engine.params)
        self.starts = _in_original_units(objective, engine.starts)
        self.loss: np.ndarray = engine.loss
        self.status: np.ndarray = engine.status
        self.iterations: np.ndarray = engine.iterations
        self.loss_history: np.ndarray | None = engine.loss_history
        runs = engine.runs
        self.learning_rates = np.broadcast_to(engine.learning_rates, (runs,)).copy()
        self.hyperparameters = {name: np.broadcast_to(value, (runs,)).copy()
                                for name, value in engine.hyperparameters.items()}

    def full_loss(self) -> np.ndarray:
        """Loss of every run over all rows at its final parameters, ``(K,)``.

        The same as :attr:`loss` for a function or full-batch descent; with mini-batches
        :attr:`loss` is the loss on the last step's batch (as in :class:`FitRun`).
        """
        with np.errstate(all="ignore"):
            return np.asarray(self.objective.value_and_grad_batch(self.engine.params)[0])

    @property
    def runs(self) -> int:
        """K, the number of runs."""
        return self.engine.runs

    def __len__(self) -> int:
        return self.runs

    def reason(self, run: int) -> str:
        """Why run ``run`` ended, in the sentence ``descend`` or ``fit`` would give."""
        if not -self.runs <= run < self.runs:
            raise IndexError(f"there is no run {run}; the sweep has runs 0 to {self.runs - 1}")
        return reason_of(self.engine, run % self.runs)

    @property
    def reasons(self) -> list[str]:
        """:meth:`reason` of every run (written now: a list of K sentences)."""
        return [reason_of(self.engine, run) for run in range(self.runs)]

    def __repr__(self) -> str:
        kinds, counts = np.unique(self.status, return_counts=True)
        parts = ", ".join(f"{count} {kind}" for kind, count in zip(kinds, counts, strict=True))
        return f"<Sweep of {self.runs} runs: {parts}>"


def sweep(
    expression: str,
    start: Mapping[str, Any] | Any,
    *,
    lr: Any = None,
    optimizer: str = "gd",
    momentum: Any = None,
    alpha: Any = None,
    beta1: Any = None,
    beta2: Any = None,
    eps: Any = None,
    damping: Any = None,
    armijo_c: Any = None,
    shrink: Any = None,
    max_backtracks: Any = None,
    schedule: Mapping[str, object] | str | None = None,
    max_iter: int = 1000,
    tol_step: float | None = None,
    tol_grad: float | None = None,
    tol_loss: float | None = None,
    variables: Sequence[str] | None = None,
    history: bool = False,
    progress: Progress | None = None,
    progress_every: int = 10,
    timeout: float = 5.0,
) -> Sweep:
    """Minimise a typed function from many starts and with many rates, all at once.

    The keywords of :func:`gdstudio.descend`; ``start`` values, ``lr`` (default 0.1; 1
    for ``newton``) and the hyperparameters (``momentum``, ``alpha``, ``beta1``,
    ``beta2``, ``eps``, ``damping``, ``armijo_c``, ``shrink``, ``max_backtracks``) may
    each be one number or an array of K. Every optimizer runs, ``newton`` and ``armijo``
    included (each run its own Hessian or line search).

    Parameters
    ----------
    expression : str
        The function, e.g. ``"(1-x)**2 + 100*(y-x**2)**2"``; parsed safely.
    start : mapping or number or array
        Start value(s) of every variable (bare values for a function of one variable).
    history : bool
        Keep every run's loss at every step (:attr:`Sweep.loss_history`).
    progress : callable, optional
        Called every ``progress_every`` steps with the fraction of ``max_iter`` done, and
        with 1.0 at the end; returning ``False`` stops the runs still going (status
        ``stopped``); an exception it raises propagates.
    timeout : float
        Seconds allowed to analyse and differentiate the expression.

    Returns
    -------
    Sweep

    Raises
    ------
    ValueError
        In one sentence: a bad value (naming the keyword, and the run for an array), or
        arrays of different lengths (naming the keywords and their lengths).
    """
    values = _hyper_keywords(
        lr=lr, momentum=momentum, alpha=alpha, beta1=beta1, beta2=beta2, eps=eps,
        damping=damping, armijo_c=armijo_c, shrink=shrink, max_backtracks=max_backtracks)
    starts = start if isinstance(start, Mapping) else {None: start}
    lengths = _lengths({**_start_keywords(starts), **values})
    first = _first_values(values)
    base = Experiment.function(
        expression, _first_start(starts), optimizer=optimizer, schedule=schedule,
        max_iter=max_iter, tol_step=tol_step, tol_grad=tol_grad, tol_loss=tol_loss,
        variables=variables, **first)
    if None in starts:
        starts = {base.param_names[0]: starts[None]}
    return _sweep_of(base, starts, values, lengths, history, progress, progress_every,
                     timeout)


def sweep_fit(
    model: str,
    data: Any,
    *,
    target: str = "y",
    start: Mapping[str, Any] | None = None,
    fixed: Mapping[str, float] | None = None,
    loss: str = "mse",
    lr: Any = None,
    max_iter: int = 1000,
    batch_size: int | None = None,
    seed: int = 0,
    standardize: bool = False,
    optimizer: str = "gd",
    momentum: Any = None,
    alpha: Any = None,
    beta1: Any = None,
    beta2: Any = None,
    eps: Any = None,
    damping: Any = None,
    armijo_c: Any = None,
    shrink: Any = None,
    max_backtracks: Any = None,
    schedule: Mapping[str, object] | str | None = None,
    tol_step: float | None = None,
    tol_grad: float | None = None,
    tol_loss: float | None = None,
    history: bool = False,
    progress: Progress | None = None,
    progress_every: int = 10,
    timeout: float = 5.0,
) -> Sweep:
    """Fit a model to data from many starts and with many rates, all at once.

    The keywords of :func:`gdstudio.fit`; ``start`` values (original units), ``lr``
    (default 0.01; 1 for ``newton``) and the hyperparameters may each be one number or an
    array of K. With mini-batches
    every run sees the batches ``fit`` would (one ``seed``). ``history``, ``progress``
    and ``progress_every`` as in :func:`sweep`.

    Returns
    -------
    Sweep
        :attr:`Sweep.params` in the data's original units.

    Raises
    ------
    ValueError
        As :func:`sweep`, and for bad data, model, target, fixed names or loss.
    """
    values = _hyper_keywords(
        lr=lr, momentum=momentum, alpha=alpha, beta1=beta1, beta2=beta2, eps=eps,
        damping=damping, armijo_c=armijo_c, shrink=shrink, max_backtracks=max_backtracks)
    starts = dict(start or {})
    lengths = _lengths({**_start_keywords(starts), **values})
    base = Experiment.data(
        data, model, target=target, start=_first_start(starts), fixed=fixed, loss=loss,
        max_iter=max_iter, batch_size=batch_size, seed=seed, standardize=standardize,
        optimizer=optimizer, schedule=schedule, tol_step=tol_step, tol_grad=tol_grad,
        tol_loss=tol_loss, **_first_values(values))
    return _sweep_of(base, starts, values, lengths, history, progress, progress_every,
                     timeout)


def run_sweep(
    experiment: Experiment,
    *,
    start: Mapping[str, Any] | None = None,
    lr: Any = None,
    momentum: Any = None,
    alpha: Any = None,
    beta1: Any = None,
    beta2: Any = None,
    eps: Any = None,
    damping: Any = None,
    armijo_c: Any = None,
    shrink: Any = None,
    max_backtracks: Any = None,
    history: bool = False,
    progress: Progress | None = None,
    progress_every: int = 10,
    timeout: float = 5.0,
) -> Sweep:
    """Run ``experiment`` K times at once, varying what the keywords give.

    ``start`` maps parameters to one value or K (the others start where the experiment
    does); ``lr`` and the hyperparameters left ``None`` keep the experiment's values.
    ``history``, ``progress`` and ``progress_every`` as in :func:`sweep`.

    Returns
    -------
    Sweep

    Raises
    ------
    ValueError
        As :func:`sweep`.
    """
    values = _hyper_keywords(
        lr=lr, momentum=momentum, alpha=alpha, beta1=beta1, beta2=beta2, eps=eps,
        damping=damping, armijo_c=armijo_c, shrink=shrink, max_backtracks=max_backtracks)
    starts = dict(start or {})
    lengths = _lengths({**_start_keywords(starts), **values})
    first = _first_values(values)
    base = experiment.replace(**first) if first else experiment
    return _sweep_of(base, starts, values, lengths, history, progress, progress_every,
                     timeout)


# ------------------------------------------------------------------ building a sweep
def _sweep_of(
    base: Experiment,
    starts: Mapping[str, Any],
    values: Mapping[str, Any],
    lengths: Mapping[str, int],
    history: bool,
    progress: Progress | None,
    every: int,
    timeout: float,
) -> Sweep:
    """Check every run's values, build the engine's sweep of ``base`` and run it."""
    runs = max(lengths.values(), default=1)
    unknown = [name for name in starts if name not in base.param_names]
    if unknown:
        raise ValueError(f"start names {unknown[0]!r}, which is not a parameter "
                         f"(parameters: {', '.join(base.param_names)})")
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"progress_every must be a whole number of at least 1, not {every!r}")
    objective = base.objective(timeout=timeout)
    points = _start_points(base, objective, starts, runs)
    settings = base.settings
    hyper = {**settings.hyperparameters,
             **{name: value for name, value in values.items() if name != "lr"}}
    batching = None
    if base.mode == "data":
        plan = BatchPlan(objective.n_samples, base.batch_size, base.seed)
        batching = None if plan.is_full_batch else plan
    engine = SweepDescent(
        objective, points, optimizer=settings.optimizer,
        lr=values.get("lr", settings.learning_rate), hyperparameters=hyper,
        schedule=make_schedule(settings.schedule), stopping=settings.stopping,
        batching=batching, history=history)
    engine.run(progress, every)
    return Sweep(engine, base, objective)


def _start_points(
    base: Experiment, objective: Any, starts: Mapping[str, Any], runs: int
) -> np.ndarray:
    """The ``(K, d)`` start points in the units descent works in."""
    columns = []
    for name in base.param_names:
        default = base.start.get(name, 0.0)
        where = f"start[{name!r}]"
        given = starts.get(name, default)
        try:
            value = np.asarray(given, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{where} must be a number or a list of numbers, not "
                             f"{given!r}") from None
        bad = ~np.isfinite(np.atleast_1d(value))
        if bad.any():
            run = int(np.flatnonzero(bad)[0])
            shown = float(np.atleast_1d(value)[run])
            at = f" (run {run})" if value.ndim else ""
            raise ValueError(f"{where} must be a finite number, not {shown!r}{at}")
        columns.append(np.broadcast_to(value, (runs,)))
    points = np.stack(columns, axis=1).astype(float)
    if base.mode == "data" and objective.standardization is not None:
        points = np.array([objective.from_original(point) for point in points])
    return points


def _in_original_units(objective: Any, params: np.ndarray) -> np.ndarray:
    if getattr(objective, "standardization", None) is None:
        return params
    return np.array([objective.to_original(point) for point in params]).reshape(params.shape)


# ------------------------------------------------------------------ keyword values
def _hyper_keywords(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _start_keywords(starts: Mapping[Any, Any]) -> dict[str, Any]:
    return {("start" if name is None else f"start[{name!r}]"): value
            for name, value in starts.items()}


def _lengths(values: Mapping[str, Any]) -> dict[str, int]:
    """The length of every keyword given an array; one sentence when they disagree."""
    lengths: dict[str, int] = {}
    for keyword, value in values.items():
        shape = np.shape(value)
        if len(shape) > 1:
            raise ValueError(f"{keyword} must be one number or a list of numbers, not an "
                             f"array of shape {shape}")
        if len(shape) == 1:
            if shape[0] == 0:
                raise ValueError(f"{keyword} is an empty list: give one number or at least one "
                                 "per run")
            lengths[keyword] = shape[0]
    if len(set(lengths.values())) > 1:
        (first, count), (other, other_count) = _two_lengths(lengths)
        raise ValueError(f"{other} has {other_count} values but {first} has {count}: every "
                         "keyword given as a list needs one value per run")
    return lengths


def _two_lengths(lengths: Mapping[str, int]) -> tuple[tuple[str, int], tuple[str, int]]:
    items = list(lengths.items())
    first = items[0]
    other = next(item for item in items if item[1] != first[1])
    return first, other


def _first(value: Any) -> Any:
    """Run 0's value: the value itself, or an array's first element as a Python number."""
    if np.ndim(value) == 0:
        return value
    item = value.reshape(-1)[0] if isinstance(value, np.ndarray) else next(iter(value))
    return item.item() if isinstance(item, np.generic) else item


def _first_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _first(value) for name, value in values.items()}


def _first_start(starts: Mapping[Any, Any]) -> Any:
    if None in starts:
        return _first(starts[None])
    return {name: _first(value) for name, value in starts.items()}
