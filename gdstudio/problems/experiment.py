"""One run, described as plain data: a problem, a start point and :class:`RunSettings`.

An :class:`Experiment` is what the scripting API runs, what a project file holds, what
the gallery lists and what compare mode varies. It is immutable and Qt-free, and every
value is checked once, when it is made, by :mod:`gdstudio.problems.validate` (the same
checks and sentences as project files).

>>> experiment = Experiment.function("x**2", start={"x": 3}, lr=0.1, max_iter=100,
...                                  tol_step=1e-4)
>>> experiment.param_names, experiment.settings.learning_rate
(('x',), 0.1)
>>> experiment.replace(lr=0.2).settings.learning_rate
0.2
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from gdstudio.engine import OPTIMIZERS, BatchPlan, Descent, Objective, RunSettings
from gdstudio.engine.optimizers import HYPERPARAMETER_NAMES
from gdstudio.problems.checks import ExperimentError, fail
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.expression import ExpressionError, check_syntax
from gdstudio.problems.validate import (
    check_run_length,
    settings_fields,
    stopping_rules,
    validated_problem,
    validated_settings,
)

__all__ = ["API_NAMES", "DEFAULT_LEARNING_RATES", "HYPERPARAMETER_NAMES", "Experiment",
           "default_learning_rate"]

#: The learning rate when none is given, by mode, unless the optimizer has its own
#: (Newton's method: 1, the full step to the bottom of the local quadratic model).
DEFAULT_LEARNING_RATES = {"function": 0.1, "data": 0.01}

#: How the API's keywords name the places a project file names (see ExperimentError).
API_NAMES = {
    "settings.learning_rate": "lr",
    "settings.stopping.": "",
    "settings.hyperparameters.": "",
    "settings.": "",
    "problem.": "",
}

_STOPPING = ("max_iter", "tol_step", "tol_grad", "tol_loss")
_FUNCTION_KEYWORDS = ("expression", "start", "variables")
_DATA_KEYWORDS = ("data", "model", "target", "start", "fixed", "loss", "batch_size", "seed",
                  "standardize")
_SETTINGS_KEYWORDS = ("lr", "optimizer", *HYPERPARAMETER_NAMES, "schedule", *_STOPPING)


@dataclass(frozen=True, eq=False)
class Experiment:
    """A problem, where to start on it, and how to descend.

    Make one with :meth:`function` or :meth:`data` (the keywords of
    :func:`gdstudio.descend` and :func:`gdstudio.fit`), or field by field with project
    files' names. Values are checked and normalised when it is made: numbers become
    floats, optimizer and loss names their canonical spelling, the schedule lists all
    of its parameters.

    Attributes
    ----------
    mode : str
        ``"function"`` (minimise a typed function) or ``"data"`` (fit a model to data).
    expression : str or None
        Function mode: the cost function, e.g. ``"x**2 + y**2"``.
    dataset : Dataset or None
        Data mode: the table (a mapping of column name → numbers is converted); a
        project file calls it ``data``.
    model, target : str
        Data mode: the model, e.g. ``"m*x + b"``, and the column it predicts.
    start : mapping of str to float
        Function mode: the start of every variable. Data mode: start values of learnt
        parameters in the data's original units (the others start at 0).
    fixed : mapping of str to float
        Data mode: parameters held at a value.
    loss : str
        Data mode: ``sse``, ``mse``, ``half_mse`` or ``mae``.
    batch_size : int or None
        Data mode: rows per step (``None``: all rows).
    seed : int
        Data mode: seed of the mini-batch shuffling.
    standardize : bool
        Data mode: descend on standardised features.
    settings : RunSettings
        Optimizer, hyperparameters, learning rate, schedule and stopping rules.
    variables : tuple of str or None
        Function mode: the order of the parameters (default: the expression's names).

    Raises
    ------
    ExperimentError
        A ``ValueError`` naming the first value that is not valid by its place in a
        project file (``settings.learning_rate must be a positive number, not true``).
    """

    mode: str = "function"
    expression: str | None = None
    dataset: Dataset | None = None
    model: str | None = None
    target: str = "y"
    start: Mapping[str, float] = field(default_factory=dict)
    fixed: Mapping[str, float] = field(default_factory=dict)
    loss: str = "mse"
    batch_size: int | None = None
    seed: int = 0
    standardize: bool = False
    settings: RunSettings = field(default_factory=RunSettings)
    variables: tuple[str, ...] | None = None
    _param_names: tuple[str, ...] = field(init=False, repr=False, default=())

    def __post_init__(self) -> None:
        values, names = validated_problem(self)
        values["settings"] = validated_settings(self.settings)
        check_run_length(values["settings"], names)
        if self.variables is not None:
            values["variables"] = names
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_param_names", names)

    # ------------------------------------------------------------------ making
    @classmethod
    def function(
        cls,
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
    ) -> Experiment:
        """Minimise a typed function: the keywords of :func:`gdstudio.descend`.

        Raises
        ------
        ExperimentError
            Naming the keyword whose value is not valid (``lr must be a positive number,
            not true``).
        """
        options = locals()
        try:
            if not isinstance(start, Mapping):
                start = _one_number_start(expression, start)
            return cls.from_fields(mode="function", expression=expression, start=start,
                                   variables=None if variables is None else tuple(variables),
                                   **_settings_options(options, "function"))
        except ExperimentError as error:
            raise _for_the_api(error) from None

    @classmethod
    def data(
        cls,
        data: Any,
        model: str,
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
    ) -> Experiment:
        """Fit a model to data: the keywords of :func:`gdstudio.fit`.

        ``data`` is a :class:`Dataset` or a mapping of column name → numbers. This layer
        reads no files: the public ``gdstudio.Experiment.data`` (:mod:`gdstudio.api`)
        also takes the path of a CSV file and reads it (:mod:`gdstudio.io.experiment`).

        Raises
        ------
        ExperimentError
            Naming the keyword whose value is not valid.
        TypeError
            For data of another kind.
        """
        options = locals()
        try:
            return cls.from_fields(
                mode="data", data=_table_of(data), model=model,
                target=target, start={} if start is None else start,
                fixed={} if fixed is None else fixed, loss=loss, batch_size=batch_size,
                seed=seed, standardize=standardize, **_settings_options(options, "data"))
        except ExperimentError as error:
            raise _for_the_api(error) from None

    @classmethod
    def from_fields(
        cls,
        *,
        optimizer: Any = "gd",
        hyperparameters: Any = None,
        learning_rate: Any = 0.1,
        schedule: Any = None,
        stopping: Any = None,
        **problem: Any,
    ) -> Experiment:
        """An experiment from a project file's names: the problem's fields and the settings'.

        The table is ``data`` here, as in a file (the field is ``dataset``).

        Raises
        ------
        ExperimentError
            Naming the first value that is not valid by its place in a project file.
        """
        if "data" in problem:
            problem["dataset"] = problem.pop("data")
        settings = settings_fields(
            optimizer, {} if hyperparameters is None else hyperparameters, learning_rate,
            {"kind": "constant"} if schedule is None else schedule,
            stopping_rules() if stopping is None else stopping)
        return cls(**problem, settings=RunSettings(**settings))

    def replace(self, **changes: Any) -> Experiment:
        """A copy with ``changes``: keywords of :meth:`function` or :meth:`data`, or
        ``settings`` (a whole :class:`RunSettings`).

        Hyperparameters of the old optimizer are dropped when ``optimizer`` changes.

        Raises
        ------
        ExperimentError
            Naming the keyword whose value is not valid.
        TypeError
            For a keyword the mode does not have.
        """
        keywords = self.keywords()
        settings = changes.pop("settings", None)
        if settings is not None:
            keywords = {k: v for k, v in keywords.items() if k not in _SETTINGS_KEYWORDS}
            keywords.update(_keywords_of(validated_settings(settings)))
        if "optimizer" in changes:
            for name in HYPERPARAMETER_NAMES:
                keywords.pop(name, None)
        unknown = [name for name in changes
                   if name not in keywords and name not in _SETTINGS_KEYWORDS]
        if unknown:
            raise TypeError(f"a {self.mode} experiment has no {', '.join(unknown)}")
        keywords.update(changes)
        if self.mode == "function":
            return type(self).function(**keywords)
        return type(self).data(**keywords)

    # ------------------------------------------------------------------ reading
    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters descent changes, in the order of the history's columns."""
        return self._param_names

    def keywords(self) -> dict[str, Any]:
        """The keyword arguments of :meth:`function` or :meth:`data` that make this again."""
        names = _FUNCTION_KEYWORDS if self.mode == "function" else _DATA_KEYWORDS
        keywords = {name: getattr(self, "dataset" if name == "data" else name)
                    for name in names}
        keywords["start"] = dict(self.start)
        if self.mode == "data":
            keywords["fixed"] = dict(self.fixed)
        return {**keywords, **_keywords_of(self.settings)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Experiment):
            return NotImplemented
        return all(_same(getattr(self, item.name), getattr(other, item.name))
                   for item in fields(self) if item.init)

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ building
    def objective(self, *, timeout: float = 5.0) -> Objective:
        """The objective to minimise: a function objective, or a model objective on the data.

        Raises
        ------
        ValueError
            When the expression's derivative takes longer than ``timeout`` seconds, or a
            model cannot be standardised.
        """
        # Imported here, not above: they load sympy, which opening a project never needs.
        if self.mode == "function":
            from gdstudio.problems.function import FunctionObjective

            assert self.expression is not None
            return FunctionObjective.from_text(self.expression, self.param_names,
                                               timeout=timeout)
        from gdstudio.problems.models import ModelObjective

        assert self.model is not None and self.dataset is not None
        return ModelObjective(self.model, self.dataset, target=self.target, loss=self.loss,
                              fixed=dict(self.fixed), standardize=self.standardize,
                              timeout=timeout)

    def descent(self, objective: Objective) -> Descent:
        """A new engine :class:`Descent` of ``objective`` (from :meth:`objective`)."""
        if self.mode == "function":
            start = np.array([self.start[name] for name in self.param_names], dtype=float)
            return self.settings.build(objective, start)
        plan = BatchPlan(objective.n_samples, self.batch_size, self.seed)
        return self.settings.build(objective, objective.start_point(dict(self.start)),
                                   None if plan.is_full_batch else plan)


def _table_of(data: Any) -> Any:
    """``data`` if it is a :class:`Dataset` or a mapping (checked as the experiment's
    table); a CSV path is read a layer above, by ``gdstudio.Experiment.data``.

    Raises
    ------
    TypeError
        For anything else.
    """
    if isinstance(data, Dataset | Mapping):
        return data
    if isinstance(data, str | os.PathLike):
        raise TypeError("this Experiment.data takes a table; read a CSV path with "
                        "gdstudio.Experiment.data or gdstudio.io.csv_files.load_csv")
    raise TypeError(f"data must be a mapping of columns or a Dataset, not "
                    f"{type(data).__name__}")


def _for_the_api(error: ExperimentError) -> ValueError:
    """The error to raise from the API: the compiler's own for a refused expression (an
    :class:`ExpressionError`, as the API documents), else ``error`` with keyword names."""
    if isinstance(error.__context__, ExpressionError):
        return error.__context__
    return error.renamed(API_NAMES)


def _one_number_start(expression: Any, start: Any) -> dict[str, Any]:
    """``{name: start}`` for a function of one variable given a bare start number."""
    try:
        names = check_syntax(expression) if isinstance(expression, str) else ()
    except ExpressionError:
        return {}  # the expression's own check says what is wrong with it
    if not names:
        return {}  # the expression's own check says it has no variable
    if len(names) != 1:
        fail("problem.start", f"must be a mapping of {', '.join(names)} to numbers, not one "
                              "number")
    return {names[0]: start}


def default_learning_rate(optimizer: Any, mode: str = "function") -> float:
    """The rate used when none is given: the optimizer's own default (Newton's method: 1),
    else 0.1 for a function and 0.01 for data (:data:`DEFAULT_LEARNING_RATES`)."""
    key = optimizer.strip().lower() if isinstance(optimizer, str) else ""
    own = OPTIMIZERS[key].default_learning_rate if key in OPTIMIZERS else None
    return DEFAULT_LEARNING_RATES[mode] if own is None else own


def _settings_options(options: Mapping[str, Any], mode: str) -> dict[str, Any]:
    """``from_fields``' settings from the API's keywords (``None`` hyperparameters left out,
    a rate of ``None`` replaced by :func:`default_learning_rate`)."""
    schedule = options["schedule"]
    lr = options["lr"]
    return {
        "optimizer": options["optimizer"],
        "hyperparameters": {name: options[name] for name in HYPERPARAMETER_NAMES
                            if options[name] is not None},
        "learning_rate": default_learning_rate(options["optimizer"], mode) if lr is None else lr,
        "schedule": {"kind": schedule} if isinstance(schedule, str)
        else {"kind": "constant"} if schedule is None else schedule,
        "stopping": stopping_rules(*(options[name] for name in _STOPPING)),
    }


def _keywords_of(settings: RunSettings) -> dict[str, Any]:
    rules = settings.stopping
    return {"lr": settings.learning_rate, "optimizer": settings.optimizer,
            **dict(settings.hyperparameters), "schedule": dict(settings.schedule),
            **{name: getattr(rules, name) for name in _STOPPING}}


def _same(first: Any, second: Any) -> bool:
    if isinstance(first, Dataset) or isinstance(second, Dataset):
        return (isinstance(first, Dataset) and isinstance(second, Dataset)
                and first.names == second.names
                and all(np.array_equal(first[name], second[name]) for name in first.names))
    return bool(first == second)

