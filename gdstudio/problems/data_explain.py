"""Data mode's numbers written out: the model, its loss, and the gradient as a sum over rows.

The explain panel shows, for the current point θ_k, how the gradient of the loss is
built from the rows of the current batch, with r_i = f(x_i) − y_i::

    ∂L/∂b = 2·Σ rᵢ = 2 · (9 + 9 + 9 + 9 + 9) = 2 · 45 = 90

The sum printed is the one the engine computes (the same dot product), and the result
is the engine's own gradient, so the text never disagrees with the step log.

Examples
--------
>>> from gdstudio.problems.models import ModelObjective
>>> objective = ModelObjective("m*x + b", {"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]},
...                            loss="sse", fixed={"m": 2})
>>> print(explain_gradient(objective, np.array([10.0])))
Gradient at θ₀ on all 5 rows, with rᵢ = f(xᵢ) − yᵢ:
r = 9, 9, 9, 9, 9
∂L/∂b = 2·Σ rᵢ = 2 · (9 + 9 + 9 + 9 + 9) = 2 · 45 = 90
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from gdstudio.engine.explain import format_number, subscript

__all__ = ["LOSS_TITLES", "ExplainedModel", "describe_data_problem", "explain_gradient"]


class ExplainedModel(Protocol):
    """What the explanations read from a data objective (a ``ModelObjective``).

    A protocol, so that this module need not import :mod:`gdstudio.problems.models`
    (which imports it).
    """

    features: Sequence[str]
    param_names: tuple[str, ...]
    target: str
    loss: str
    fixed: Mapping[str, float]
    n_samples: int
    standardization: Any

    @property
    def model_text(self) -> str: ...

    @property
    def derivative_texts(self) -> tuple[str, ...]: ...

    def residuals(self, params: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray: ...

    def derivatives(self, params: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray: ...

    def value_and_grad(
        self, params: np.ndarray, batch: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]: ...

#: Losses as a student reads them (menu text).
LOSS_TITLES = {
    "sse": "Sum of squared errors (SSE)",
    "mse": "Mean squared error (MSE)",
    "half_mse": "Half mean squared error (½·MSE)",
    "mae": "Mean absolute error (MAE)",
}
# Per loss: L in words, the gradient's factor in front of the sum, the row weight.
_FORMULAS = {
    "sse": ("Σ rᵢ²", "2", "rᵢ"),
    "mse": ("(1/n)·Σ rᵢ²", "(2/n)", "rᵢ"),
    "half_mse": ("(1/2n)·Σ rᵢ²", "(1/n)", "rᵢ"),
    "mae": ("(1/n)·Σ |rᵢ|", "(1/n)", "sign(rᵢ)"),
}
#: Terms of a sum written out one by one; longer sums show the first few and the last.
SHOWN_TERMS = 6


def _scale_text(loss: str, rows: int) -> tuple[str, float]:
    """The factor in front of the sum, as written with numbers, and its value."""
    if loss == "sse":
        return "2", 2.0
    numerator = 2.0 if loss == "mse" else 1.0
    return f"{numerator:g}/{rows}", numerator / rows


def _short_listing(texts: Sequence[str], count: int) -> str:
    """Texts of the first few and the last of ``count`` values (``…`` between)."""
    if count <= SHOWN_TERMS:
        return ", ".join(texts)
    return ", ".join([*texts[:-1], "…", texts[-1]])


def _derivative_word(objective: ExplainedModel, index: int) -> tuple[str, str]:
    """How the per-row derivative reads in a sum: ``""`` for 1, ``xᵢ`` for a feature."""
    text = objective.derivative_texts[index].strip()
    if text == "1":
        return "", ""
    if text in objective.features:
        return f"·{text}ᵢ", text
    return f"·(∂f/∂{objective.param_names[index]})ᵢ", ""


def _which_rows(batch: np.ndarray | None, count: int) -> str:
    if batch is None:
        return f"on all {count} rows"
    if count <= SHOWN_TERMS:
        listed = ", ".join(str(int(row) + 1) for row in batch)
        return f"on the batch of {count} row{'s' if count > 1 else ''} ({listed})"
    return f"on the {count} rows of this mini-batch"


def explain_gradient(
    objective: ExplainedModel, params: np.ndarray, batch: np.ndarray | None = None,
    step: int = 0,
) -> str:
    """The gradient of the loss at ``params`` as a sum over the rows of ``batch``.

    Parameters
    ----------
    objective : ExplainedModel
        The model, data and loss.
    params : numpy.ndarray
        θ_k in descent units (as recorded in the history).
    batch : numpy.ndarray of int, optional
        Row indices of the current batch (``None``: every row).
    step : int
        k, used to name the point θ_k.

    Returns
    -------
    str
        A heading, the residuals, then one line per learnt parameter:
        ``∂L/∂θ = factor·Σ weight·∂f/∂θ = factor · (terms) = factor · sum = result``.
    """
    params = np.asarray(params, dtype=float)
    with np.errstate(all="ignore"):
        residuals = objective.residuals(params, batch)
        derivatives = objective.derivatives(params, batch)
        _, gradient = objective.value_and_grad(params, batch)
    count = residuals.shape[0]
    _, factor_symbol, weight_symbol = _FORMULAS[objective.loss]
    weights = np.sign(residuals) if objective.loss == "mae" else residuals
    scale_text, _ = _scale_text(objective.loss, count)
    head = residuals if count <= SHOWN_TERMS else residuals[np.r_[0 : SHOWN_TERMS - 1, -1]]
    lines = [f"Gradient at θ{subscript(step)} {_which_rows(batch, count)}, "
             f"with {_residual_rule(objective)}:",
             "r = " + _short_listing([format_number(value) for value in head], count)]
    if objective.standardization is not None:
        lines.append("(features standardised: " + objective.standardization.describe() + ")")
    shown = slice(None) if count <= SHOWN_TERMS else np.r_[0 : SHOWN_TERMS - 1, count - 1]
    for index, name in enumerate(objective.param_names):
        word, _ = _derivative_word(objective, index)
        column, weight_values = derivatives[index], weights
        total = float(column @ weight_values)
        terms = [_term(w, d, bool(word)) for w, d in zip(weight_values[shown], column[shown],
                                                          strict=True)]
        if count > SHOWN_TERMS:
            terms.insert(-1, "…")
        rule = f"{factor_symbol}·Σ {weight_symbol}{word}"
        numbers = f"{scale_text} · ({_signed_sum(terms)})"
        if count > SHOWN_TERMS:
            numbers += f" [{count} terms]"
        lines.append(f"∂L/∂{name} = {rule} = {numbers} = {scale_text} · "
                     f"{_wrapped(total)} = {format_number(gradient[index])}")
    return "\n".join(lines)


def _residual_rule(objective: ExplainedModel) -> str:
    """``rᵢ = f(xᵢ) − yᵢ`` with the data's own feature and target names."""
    features = ", ".join(f"{name}ᵢ" for name in objective.features)
    return f"rᵢ = f({features}) − {objective.target}ᵢ" if features else (
        f"rᵢ = f − {objective.target}ᵢ")


def _signed_sum(terms: Sequence[str]) -> str:
    """``9 − 4 + 2``: each term after the first joined by its own sign."""
    text = terms[0]
    for term in terms[1:]:
        text += f" − {term[1:]}" if term.startswith("−") else f" + {term}"
    return text


def _wrapped(value: float) -> str:
    text = format_number(value)
    return f"({text})" if text.startswith("−") else text


def _term(weight: float, derivative: float, with_derivative: bool) -> str:
    text = format_number(weight)
    if with_derivative:
        operand = format_number(derivative)
        text += "·" + (f"({operand})" if operand.startswith("−") else operand)
    return text


def describe_data_problem(objective: ExplainedModel) -> str:
    """The model, what is fixed and learnt, the loss and the derivatives, in a few lines.

    Examples
    --------
    >>> from gdstudio.problems.models import ModelObjective
    >>> objective = ModelObjective("m*x + b", {"x": [0, 1, 2], "y": [1, 3, 5]},
    ...                            loss="sse", fixed={"m": 2})
    >>> print(describe_data_problem(objective))
    Model: f(x) = m·x + b, predicting y; m fixed at 2, learning b
    Loss: L(b) = Σ rᵢ² over 3 rows, rᵢ = f(xᵢ) − yᵢ
    ∂f/∂b = 1
    ∂L/∂b = 2·Σ rᵢ·∂f/∂b
    """
    features = ", ".join(objective.features)
    learnt = ", ".join(objective.param_names)
    fixed = ", ".join(f"{name} fixed at {format_number(value)}"
                      for name, value in objective.fixed.items())
    typed = objective.model_text.replace("**", "^").replace("*", "·")
    heading = f"Model: f({features}) = {typed}, predicting {objective.target}"
    heading += f"; {fixed}, learning {learnt}" if fixed else f"; learning {learnt}"
    loss_rule, factor, weight = _FORMULAS[objective.loss]
    lines = [heading, f"Loss: L({learnt}) = {loss_rule} over {objective.n_samples} rows, "
                      f"{_residual_rule(objective)}"]
    lines += [f"∂f/∂{name} = {text}"
              for name, text in zip(objective.param_names, objective.derivative_texts,
                                    strict=True)]
    lines += [f"∂L/∂{name} = {factor}·Σ {weight}·∂f/∂{name}" for name in objective.param_names]
    return "\n".join(lines)
