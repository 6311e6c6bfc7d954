"""Generating the standalone script of :func:`gdstudio.io.exports.export_python_script`.

The function (or model) and its derivatives come from the sympy trees that the safe
compiler built (:func:`~gdstudio.problems.expression.analyse_expression`), printed as
numpy code by sympy's ``NumPyPrinter`` (squares as ``(x*x)``, as in the app's compiled
functions, so the script computes the app's numbers); the typed text itself is never
copied into code.
The update rule, schedule, loss and batching are those of the engine, written out in
plain numpy (see :mod:`gdstudio.io._script_blocks` and :mod:`gdstudio.io._script_loop`).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gdstudio._version import __version__
from gdstudio.engine import make_optimizer
from gdstudio.io._script_blocks import HEADER, LOSSES, OPTIMIZERS, SCHEDULES, heading
from gdstudio.io._script_loop import BATCHES, DATA_LOSS, FULL_BATCH, TAIL
from gdstudio.io._script_methods import GRADIENT_ONLY, PROBING
from gdstudio.problems.expression import analyse_expression, second_derivatives

if TYPE_CHECKING:
    import sympy

    from gdstudio.io.project import Project
    from gdstudio.problems.models import ModelObjective

__all__ = ["script_source"]

_OPTIMIZER_NAMES = {"gd": "plain gradient descent", "momentum": "gradient descent with momentum",
                    "nesterov": "Nesterov momentum", "adagrad": "Adagrad",
                    "rmsprop": "RMSprop", "adam": "Adam", "newton": "Newton's method",
                    "armijo": "gradient descent with a backtracking line search"}

# Names the script's code uses, which a student's variable must not shadow.
_TAKEN = frozenset({"numpy", "math", "functools", "argparse", "params", "columns",
                    "prediction", "derivatives", "loss", "gradient", "step", "FIXED"})


def script_source(project: Project, *, filename: str, timeout: float = 5.0) -> str:
    """The whole script for ``project`` (see ``export_python_script``)."""
    if project.mode == "function":
        problem, summary = _function_problem(project, timeout)
    else:
        problem, summary = _data_problem(project, timeout)
    optimizer = make_optimizer(project.optimizer, project.hyperparameters)
    schedule = dict(project.schedule)
    rules = project.stopping
    header = HEADER.substitute(
        title=project.title or "Gradient descent", version=__version__,
        functools="import functools\n" if "@functools" in problem else "",
        summary=textwrap.fill(summary, width=88, break_long_words=False),
        filename=filename,
    )
    return "".join([
        header,
        problem,
        _optimizer_block(optimizer.name, optimizer.hyperparameters),
        SCHEDULES[str(schedule.pop("kind"))].substitute(
            learning_rate=repr(project.learning_rate), **_literals(schedule)),
        TAIL.substitute(max_iter=rules.max_iter, tol_step=repr(rules.tol_step),
                        tol_grad=repr(rules.tol_grad), tol_loss=repr(rules.tol_loss),
                        optimizer_name=repr(optimizer.name),
                        limit_momentum=repr(optimizer.hyperparameters.get("momentum", 0.0))),
    ])


def _optimizer_block(name: str, hyperparameters: dict[str, float]) -> str:
    if name in PROBING:
        return PROBING[name].substitute(_literals(hyperparameters))
    return OPTIMIZERS[name].substitute(_literals(hyperparameters)) + GRADIENT_ONLY


# ------------------------------------------------------------------------ function mode
def _function_problem(project: Project, timeout: float) -> tuple[str, str]:

    names = project.param_names
    assert project.expression is not None
    analysis = analyse_expression(project.expression, wrt=names, timeout=timeout)
    safe, (expression, *derivatives) = _safe_names(
        names, [analysis.expression, *analysis.derivatives])
    start = [project.start[name] for name in names]
    lines = [
        "", heading("the problem"),
        f"# f({', '.join(names)}) = {analysis.expression_text}",
        *(f"# ∂f/∂{name} = {text}" for name, text in zip(names, analysis.derivative_texts,
                                                          strict=True)),
        "# The code below was printed by sympy from these same symbolic expressions.",
        f"PARAM_NAMES = {_names(names)}",
        "HISTORY_NAMES = PARAM_NAMES",
        f"START = numpy.array({start!r})",
        "NOTES = []",
        "", "",
        "def in_original_units(params):",
        '    """The parameters as the table reports them (no conversion needed here)."""',
        "    return params",
        "", "",
        "def loss_and_gradient(params, step):",
        '    """f and its gradient at params (step does not matter: there is no data)."""',
        f"    {_unpacking([safe[name] for name in names])} = params",
        f"    loss = {_code(expression)}",
        f"    gradient = numpy.array([{', '.join(map(_code, derivatives))}], dtype=float)",
        "    return float(loss), gradient",
        *_function_hessian(names, second_derivatives(project.expression, names,
                                                     timeout=timeout)),
    ]
    where = ", ".join(f"{name} = {value:g}" for name, value in zip(names, start, strict=True))
    summary = (f"It minimises f({', '.join(names)}) = {analysis.expression_text} from "
               f"{where} with {_method(project)}.")
    return "\n".join(lines), summary


def _function_hessian(names: Sequence[str], rows: Any) -> list[str]:
    """``hessian(params, step)``: the exact second derivatives, or None where f has none."""
    head = ["", "",
            "def hessian(params, step):",
            '    """The matrix of second derivatives of f at params (None where f has none:',
            '    the stable learning-rate limit then stays unknown)."""']
    if rows is None:
        return [*head, "    return None"]
    safe, entries = _safe_names(names, [entry for row in rows for entry in row])
    count = len(names)
    matrix = ", ".join(
        "[" + ", ".join(_code(entries[i * count + j]) for j in range(count)) + "]"
        for i in range(count))
    return [
        *head,
        f"    {_unpacking([safe[name] for name in names])} = params",
        f"    matrix = numpy.array([{matrix}], dtype=float).reshape({count}, {count})",
        "    return matrix if numpy.all(numpy.isfinite(matrix)) else None",
    ]


# ------------------------------------------------------------------------ data mode
def _data_problem(project: Project, timeout: float) -> tuple[str, str]:
    objective = _objective(project, timeout)
    learnt, features, fixed = objective.param_names, objective.features, objective.fixed
    analysis = objective.analysis
    safe, (model, *derivatives) = _safe_names(
        (*features, *learnt, *fixed), [analysis.expression, *analysis.derivatives])
    assert project.data is not None
    lines = [
        "", heading("the problem"),
        f"# Fit {objective.target} ≈ {analysis.expression_text} to the data below by "
        f"minimising the {objective.loss} loss.",
        *(f"# ∂model/∂{name} = {text}" for name, text in zip(learnt, analysis.derivative_texts,
                                                              strict=True)),
        "# The model's code below was printed by sympy from these same symbolic expressions.",
        "DATA = {",
        *(f"    {_string(name)}: numpy.array({project.data[name].tolist()!r})," for name in
          project.data.names),
        "}",
        f"N_ROWS = {project.data.n_rows}",
        f"TARGET = DATA[{_string(objective.target)}]",
        "FIXED = {" + ", ".join(f"{_string(k)}: {v!r}" for k, v in fixed.items())
        + "}  # parameters held at a value",
        f"PARAM_NAMES = {_names(learnt)}",
        f"START_GIVEN = numpy.array({[project.start.get(name, 0.0) for name in learnt]!r})",
        "NOTES = [",
        *(f"    {_string(line)}," for line in _notes(objective)),
        "]",
        *_units(objective),
        "",
        "def model_and_derivatives(columns, params):",
        '    """The prediction for each row, and its derivative by each learnt parameter."""',
        *(f"    {safe[name]} = columns[{_string(name)}]" for name in features),
        f"    {_unpacking([safe[name] for name in learnt])} = params",
        *(f"    {safe[name]} = FIXED[{_string(name)}]" for name in fixed),
        f"    prediction = {_code(model)}",
        f"    derivatives = [{', '.join(map(_code, derivatives))}]",
        "    return prediction, derivatives",
    ]
    batches = _batches(project)
    summary = (f"It fits {objective.target} ≈ {analysis.expression_text} to "
               f"{project.data.n_rows:,} rows with the {objective.loss} loss, learning "
               f"{', '.join(learnt)}, with {_method(project)}.")
    return ("\n".join(lines) + LOSSES[objective.loss] + batches + DATA_LOSS
            + _data_hessian(objective, safe, timeout)), summary


def _data_hessian(objective: ModelObjective, safe: dict[str, str], timeout: float) -> str:
    """``hessian(params, step)`` of a squared loss: c·Σ(JJᵀ + r∇²model); None for mae."""

    head = ["", "", "",
            "def hessian(params, step):",
            '    """The exact Hessian of the loss at params on step k\'s rows: for a squared',
            '    loss c · Σ (J Jᵀ + r · ∂²model), J the derivatives of the model; None for mae',
            '    (its second derivative is not a function)."""']
    learnt = objective.param_names
    rows = None
    if objective.loss != "mae" and not objective.linear_in_parameters:
        rows = second_derivatives(objective.model_text, learnt, timeout=timeout)
    if objective.loss == "mae" or (rows is None and not objective.linear_in_parameters):
        return "\n".join([*head, "    return None"]) + "\n"
    body = [
        "    rows = batch_rows(step)",
        "    if rows is None:",
        "        columns, target = FEATURES, TARGET",
        "    else:",
        "        columns = {name: values[rows] for name, values in FEATURES.items()}",
        "        target = TARGET[rows]",
        "    prediction, derivatives = model_and_derivatives(columns, params)",
        "    residuals = prediction - target",
        "    count = len(target)",
        "    jacobian = numpy.array([numpy.broadcast_to(numpy.asarray(d, dtype=float), (count,))",
        "                            for d in derivatives])",
        "    matrix = jacobian @ jacobian.T",
    ]
    if rows is not None:
        names = (*objective.features, *learnt, *objective.fixed)
        size = len(learnt)
        pairs = [(i, j) for i in range(size) for j in range(i, size)]
        _, entries = _safe_names(names, [rows[i][j] for i, j in pairs])
        body += [
            *(f"    {safe[name]} = columns[{_string(name)}]" for name in objective.features),
            f"    {_unpacking([safe[name] for name in learnt])} = params",
            *(f"    {safe[name]} = FIXED[{_string(name)}]" for name in objective.fixed),
            f"    for (i, j), entry in zip({pairs!r}, [{', '.join(map(_code, entries))}]):",
            "        entry = numpy.broadcast_to(numpy.asarray(entry, dtype=float), (count,))",
            "        term = float(residuals @ entry)",
            "        matrix[i, j] += term",
            "        if i != j:",
            "            matrix[j, i] += term",
        ]
    body += [
        "    matrix *= loss_terms(residuals, count)[2]",
        "    return matrix if numpy.all(numpy.isfinite(matrix)) else None",
    ]
    return "\n".join([*head, *body]) + "\n"


def _objective(project: Project, timeout: float) -> ModelObjective:
    return project.experiment.objective(timeout=timeout)  # type: ignore[return-value]


def _units(objective: ModelObjective) -> list[str]:
    """FEATURES, HISTORY_NAMES, START and in_original_units, standardised or not."""
    standardization = objective.standardization
    if standardization is None:
        return [
            "FEATURES = {" + ", ".join(f"{_string(name)}: DATA[{_string(name)}]"
                                       for name in objective.features) + "}",
            "HISTORY_NAMES = PARAM_NAMES",
            "START = START_GIVEN",
            "", "",
            "def in_original_units(params):",
            '    """The parameters as the table reports them (no conversion needed here)."""',
            "    return params",
            "",
        ]
    names = tuple(objective.features)
    return [
        "# The features are standardised, z = (x - mean) / std, and descent learns the",
        "# parameters θ' of the model on z; θ = TO_ORIGINAL @ θ' + TO_ORIGINAL_OFFSET gives",
        "# the same predictions on x (and FROM_ORIGINAL goes the other way).",
        f"MEANS = {{name: float(DATA[name].mean()) for name in {_names(names)}}}",
        f"STDS = {{name: float(DATA[name].std()) for name in {_names(names)}}}",
        "FEATURES = {name: (DATA[name] - MEANS[name]) / STDS[name] for name in MEANS}",
        f"TO_ORIGINAL = numpy.array({standardization.matrix.tolist()!r})",
        f"TO_ORIGINAL_OFFSET = numpy.array({standardization.offset.tolist()!r})",
        f"FROM_ORIGINAL = numpy.array({standardization.inverse_matrix.tolist()!r})",
        f"FROM_ORIGINAL_OFFSET = numpy.array({standardization.inverse_offset.tolist()!r})",
        'HISTORY_NAMES = tuple(f"{name} (standardised)" for name in PARAM_NAMES)',
        "START = START_GIVEN @ FROM_ORIGINAL.T + FROM_ORIGINAL_OFFSET",
        "", "",
        "def in_original_units(params):",
        '    """Standardised parameters θ\' back in the units of the data."""',
        "    return params @ TO_ORIGINAL.T + TO_ORIGINAL_OFFSET",
        "",
    ]


def _notes(objective: ModelObjective) -> tuple[str, ...]:
    return objective.notes()


def _batches(project: Project) -> str:
    assert project.data is not None
    size = project.batch_size
    if size is None or size >= project.data.n_rows:
        return FULL_BATCH
    return BATCHES.substitute(batch_size=size, seed=project.seed)


# ------------------------------------------------------------------------ helpers
def _safe_names(
    names: Sequence[str], exprs: Sequence[sympy.Expr]
) -> tuple[dict[str, str], list[sympy.Expr]]:
    """Rename variables that would shadow a name of the script (``loss`` → ``loss_``)."""
    import sympy  # here, not above: opening a project needs no sympy

    used = set(names) | _TAKEN
    safe: dict[str, str] = {}
    mapping = {}
    for name in names:
        new = name
        if name in _TAKEN:
            while new in used:
                new += "_"
            used.add(new)
            mapping[sympy.Symbol(name, real=True)] = sympy.Symbol(new, real=True)
        safe[name] = new
    return safe, [expr.xreplace(mapping) for expr in exprs]


def _code(expr: sympy.Expr) -> str:
    from gdstudio.problems._lambdify import numpy_source  # here: it loads sympy's printers

    return numpy_source(expr)


def _string(text: str) -> str:
    """A double-quoted Python string literal."""
    return json.dumps(text, ensure_ascii=False)


def _names(names: Sequence[str]) -> str:
    """A tuple literal of names."""
    items = ", ".join(map(_string, names))
    return f"({items},)" if len(names) == 1 else f"({items})"


def _unpacking(names: Sequence[str]) -> str:
    return f"({names[0]},)" if len(names) == 1 else ", ".join(names)


def _literals(values: dict[str, Any]) -> dict[str, str]:
    return {key: repr(float(value)) if isinstance(value, float | np.floating) else repr(value)
            for key, value in values.items()}


def _method(project: Project) -> str:
    schedule = dict(project.schedule)
    kind = schedule.pop("kind")
    options = ", ".join(f"{key} {value:g}" for key, value in schedule.items())
    rate = f"learning rate {project.learning_rate:g}"
    if kind != "constant":
        rate += f" ({kind} schedule{': ' + options if options else ''})"
    return f"{_OPTIMIZER_NAMES[project.optimizer]} at {rate}"
