"""A model typed by a student, fitted to a dataset: the engine objective of data mode.

The model is an expression (checked and differentiated by
:func:`~gdstudio.problems.expression.analyse_expression`, never executed) whose names are
sorted into three kinds: names that are columns of the data are **features**, the
**target** column is what the model predicts (it may not appear in the model), and every
other name is a **parameter**. Parameters may be **fixed** at a value; the others are
learnt and make up ``param_names``.

The loss is one of :data:`~gdstudio.problems.losses.LOSSES` of the residuals
r = f(x; θ) − y. Its gradient comes from the symbolic derivatives of the model, compiled
with ``sympy.lambdify`` and evaluated over all rows at once (or the rows of a batch)::

    ∂L/∂θ_j = c · Σ_i w_i · ∂f/∂θ_j (x_i; θ)      e.g. SSE: c = 2, w = r

Derivatives that do not depend on the learnt parameters (all of them when the model is
linear in its parameters, as ``m*x + b``) are evaluated once, when the objective is built.

Full batch, linear model, squared loss (SSE, MSE, half-MSE): the rows are summed once
into XᵀX (X_ij = ∂f/∂θ_j on row i) and the residuals at the least-squares point, and
every step then costs O(p²) whatever the number of rows (``uses_normal_equations``;
:mod:`gdstudio.problems._normal_equations` gives the exact identities and why the loss
keeps its precision near the minimum). The same numbers as the sum over rows, up to
rounding (about 1e-12 relative on well-conditioned data). Batches and ``mae`` always sum
over their rows, and so does the explain panel's written-out sum.

Examples
--------
>>> from gdstudio.problems.dataset import Dataset
>>> data = Dataset({"x": [0, 1, 2, 3, 4], "y": [1, 3, 5, 7, 9]})
>>> objective = ModelObjective("m*x + b", data, loss="sse", fixed={"m": 2})
>>> objective.param_names
('b',)
>>> objective.value_and_grad(np.array([10.0]))
(405.0, array([90.]))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy

from gdstudio.problems._lambdify import numpy_function
from gdstudio.problems._model_batch import model_value_and_grad_batch
from gdstudio.problems._normal_equations import NormalEquations
from gdstudio.problems.data_explain import explain_gradient
from gdstudio.problems.dataset import Dataset
from gdstudio.problems.expression import (
    ExpressionAnalysis,
    analyse_expression,
    check_syntax,
    second_derivatives,
)
from gdstudio.problems.losses import SQUARED_LOSSES, check_loss, loss_kernel

__all__ = ["ModelObjective", "Standardization"]

# Values in one (runs, rows) array of a sweep's batched evaluation (8 MB).
_BATCH_VALUES = 1 << 20
# Highest degree in the features that ``standardize`` expands symbolically.
MAX_STANDARDIZE_DEGREE = 12


@dataclass(frozen=True)
class _Rows:
    """Everything one evaluation needs about a set of rows.

    ``static`` holds, per learnt parameter, its derivative when that does not depend on
    the learnt parameters (a float when constant, else an array over the rows), or
    ``None``. ``offset`` is f at θ = 0 (fixed parameters at their values) for a model
    linear in its parameters, so that f = offset + Σ θ_j ∂f/∂θ_j exactly.
    """

    features: tuple[np.ndarray, ...]
    target: np.ndarray
    static: tuple[Any, ...]
    offset: Any


class ModelObjective:
    """The loss of a model on a dataset, as a function of the model's free parameters.

    Parameters
    ----------
    model : str
        The model, e.g. ``"m*x + b"`` or ``"a*exp(k*x)"``.
    data : Dataset or mapping
        The rows; a mapping of column name → numbers is turned into a :class:`Dataset`.
    target : str
        The column the model predicts (default ``"y"``).
    loss : str
        ``sse``, ``mse`` (default), ``half_mse`` or ``mae``.
    fixed : mapping of str to float, optional
        Parameters held at a value; they are not learnt and not in ``param_names``.
    standardize : bool
        Fit on standardised features z = (x − mean) / std and report parameters back in
        the original units. Only for models that are polynomials in their features and
        linear in their parameters, and that keep their form when the features are
        shifted and scaled (``m*x + b`` does; ``m*x`` does not). Off by default.
    timeout : float
        Seconds allowed to analyse and differentiate the model.

    Attributes
    ----------
    param_names : tuple of str
        The learnt parameters, in the model's natural order.
    n_samples : int
        Number of data rows (batches index these).
    loss_symbol : str
        ``"L"``: explanations write ∂L/∂θ for the gradient.
    features : tuple of str
        Columns used by the model.
    fixed : dict of str to float
        Fixed parameters and their values.
    standardization : Standardization or None
        Means and standard deviations used, when ``standardize`` is on.
    analysis : ExpressionAnalysis
        The checked model and its derivatives with respect to ``param_names``.

    Raises
    ------
    ExpressionError
        For model text that cannot be used (a ``ValueError``).
    ValueError
        For an unknown target column, a target used in the model, a model without
        parameters, a fixed name that is not a parameter, an unknown loss, or
        ``standardize`` for a model it cannot be undone for.
    """

    #: How explanations name the minimised function: the loss L (f is the model).
    loss_symbol = "L"

    def __init__(
        self,
        model: str,
        data: Dataset | Mapping[str, Any],
        *,
        target: str = "y",
        loss: str = "mse",
        fixed: Mapping[str, float] | None = None,
        standardize: bool = False,
        timeout: float = 5.0,
    ) -> None:
        self.data = data if isinstance(data, Dataset) else Dataset(data)
        self.loss = check_loss(loss)
        self.target = _checked_target(target, self.data)
        self.features, parameters = _sort_names(check_syntax(model), self.data, self.target)
        self.fixed = _checked_fixed(fixed, parameters, self.features)
        self.param_names: tuple[str, ...] = tuple(n for n in parameters if n not in self.fixed)
        if not self.param_names:
            raise ValueError("every parameter of the model is fixed: leave at least one to learn")
        self.n_samples: int = self.data.n_rows
        self.analysis: ExpressionAnalysis = analyse_expression(
            model, wrt=self.param_names, timeout=timeout
        )
        self._kernel = loss_kernel(self.loss)
        self._compile()
        self.standardization: Standardization | None = None
        if standardize:
            self._standardize()
        self._full = self._rows_of_all()
        self._normal: NormalEquations | bool | None = False  # False: not built yet
        count = self.n_samples
        self._squared_factors = {"sse": (1.0, 2.0), "mse": (1.0 / count, 2.0 / count),
                                 "half_mse": (0.5 / count, 1.0 / count)}.get(self.loss)

    # ------------------------------------------------------------------ reading
    @property
    def model_text(self) -> str:
        """The model as typed."""
        return self.analysis.text

    @property
    def expression_text(self) -> str:
        """The model in readable one-line unicode."""
        return self.analysis.expression_text

    @property
    def derivative_texts(self) -> tuple[str, ...]:
        """∂f/∂θ_j in readable one-line unicode, in the order of ``param_names``."""
        return self.analysis.derivative_texts

    @property
    def linear_in_parameters(self) -> bool:
        """True when no derivative of the model depends on a learnt parameter.

        That is, every second derivative with respect to the learnt parameters is zero
        (read off the sympy tree), and the model is f = f(θ = 0) + Σ θ_j ∂f/∂θ_j.
        """
        return not self._varying

    @property
    def uses_normal_equations(self) -> bool:
        """True when full-batch steps use XᵀX instead of the rows (see the module notes).

        Only for a model linear in its learnt parameters with a squared loss; batches
        (stochastic, mini-batch) and ``mae`` always sum over their rows.
        """
        return self.loss in SQUARED_LOSSES and not self._varying

    # --------------------------------------------------------------- evaluating
    def value_and_grad(
        self, params: np.ndarray, batch: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        """The loss and its gradient at ``params``, on the rows ``batch`` when given.

        Parameters
        ----------
        params : numpy.ndarray
            Learnt parameters in the order of ``param_names`` (standardised units when
            ``standardization`` is on).
        batch : numpy.ndarray of int, optional
            Row indices; a mean loss then divides by the batch's size.

        Returns
        -------
        loss : float
        gradient : numpy.ndarray
            A new array of shape ``(len(param_names),)``.
        """
        if batch is None and self.uses_normal_equations:
            normal = self._normal_equations()
            if normal is not None:
                total, slope = normal.sum_and_slope(np.asarray(params, dtype=float))
                loss_factor, slope_factor = self._squared_factors
                slope *= slope_factor
                return total * loss_factor, slope
        rows = self._full if batch is None else self._rows_of(batch)
        values = (params if type(params) is np.ndarray else np.asarray(params, float)).tolist()
        if self._varying:
            outputs = self._evaluate(*rows.features, *values, *self._fixed_values)
            residuals = _residuals(outputs, rows)
        else:  # linear: one new array holds the prediction, then the residuals
            outputs = ()
            prediction = _linear_prediction(values, rows, np.empty(rows.target.shape))
            residuals = np.subtract(prediction, rows.target, out=prediction)
        loss, weights, scale = self._kernel(residuals, rows.target.shape[0])
        return loss, self._gradient(rows, outputs, weights, scale)

    def value_and_grad_batch(
        self, params: np.ndarray, batch: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Losses ``(K,)`` and gradients ``(K, d)`` at the rows of ``params`` ``(K, d)``.

        For sweeps: row k equals :meth:`value_and_grad` at ``params[k]`` to the last bit
        (see :mod:`gdstudio.problems._model_batch`).
        """
        points = np.asarray(params, dtype=float)
        count = len(self.param_names)
        if points.ndim != 2 or points.shape[1] != count:
            raise ValueError(f"expected parameters of shape (K, {count}) for "
                             f"{', '.join(self.param_names)}, got shape {points.shape}")
        rows = self.n_samples if batch is None else len(batch)
        # A few (K, rows) arrays are made: in chunks of runs, each stays near 8 MB.
        chunk = max(1, _BATCH_VALUES // max(rows, 1))
        with np.errstate(all="ignore"):
            if points.shape[0] <= chunk:
                return model_value_and_grad_batch(self, points, batch)
            parts = [model_value_and_grad_batch(self, points[start : start + chunk], batch)
                     for start in range(0, points.shape[0], chunk)]
        return (np.concatenate([loss for loss, _ in parts]),
                np.concatenate([grad for _, grad in parts]))

    def _gradient(
        self, rows: _Rows, outputs: Sequence[Any], weights: np.ndarray, scale: float
    ) -> np.ndarray:
        """∂L/∂θ_j = scale · Σ_i weights_i · ∂f_i/∂θ_j, one dot product per parameter."""
        grad = np.empty(len(rows.static))
        weight_sum = math.nan
        for index, derivative in enumerate(rows.static):
            if derivative is None:
                derivative = outputs[self._varying[index]]
            if type(derivative) is np.ndarray and derivative.ndim:
                grad[index] = scale * (derivative @ weights)
            else:
                if weight_sum != weight_sum:  # NaN: not summed yet
                    weight_sum = float(weights.sum())
                grad[index] = scale * float(derivative) * weight_sum
        return grad

    def predict(self, params: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray:
        """The model's prediction for every row (or the rows ``batch``) as a new array."""
        rows = self._full if batch is None else self._rows_of(batch)
        values = np.asarray(params, dtype=float).tolist()
        with np.errstate(all="ignore"):
            if not self._varying:
                return _linear_prediction(values, rows, np.empty(rows.target.shape))
            prediction = self._evaluate(*rows.features, *values, *self._fixed_values)[0]
        return np.array(np.broadcast_to(np.asarray(prediction, dtype=float), rows.target.shape))

    def residuals(self, params: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray:
        """Prediction − target for every row (or the rows ``batch``)."""
        target = self._full.target if batch is None else self._full.target[batch]
        return self.predict(params, batch) - target

    def predict_at(self, params: np.ndarray, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """The model at feature values that need not be rows of the data (a curve to draw).

        ``columns`` maps every feature to values in original units; ``params`` holds one
        value per learnt parameter in descent units, like the history's, each a number or
        an array. All arrays broadcast together. Undefined points give NaN.
        """
        missing = [name for name in self.features if name not in columns]
        if missing:
            raise ValueError(f"the model needs values of {', '.join(missing)}")
        arrays = [np.asarray(columns[name], dtype=float) for name in self.features]
        if self.standardization is not None:
            stats = self.standardization
            arrays = [(a - stats.means[n]) / stats.stds[n] for a, n in zip(
                arrays, self.features, strict=True)]
        values = [np.asarray(v, dtype=float) if np.ndim(v) else float(v) for v in params]
        shape = np.broadcast_shapes(*(np.shape(a) for a in (*arrays, *values)))
        with np.errstate(all="ignore"):
            output = self._evaluate(*arrays, *values, *self._fixed_values)[0]
            return np.array(np.broadcast_to(np.asarray(output, dtype=float), shape))

    def derivatives(self, params: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray:
        """∂f/∂θ_j at every row (or the rows ``batch``): shape ``(len(param_names), rows)``."""
        rows = self._full if batch is None else self._rows_of(batch)
        values = np.asarray(params, dtype=float).tolist()
        count = rows.target.shape[0]
        result = np.empty((len(self.param_names), count))
        with np.errstate(all="ignore"):
            outputs = self._evaluate(*rows.features, *values, *self._fixed_values)
            for index, derivative in enumerate(rows.static):
                if derivative is None:
                    derivative = outputs[self._varying[index]]
                result[index] = np.broadcast_to(np.asarray(derivative, dtype=float), (count,))
        return result

    def hessian(self, params: np.ndarray, batch: np.ndarray | None = None) -> np.ndarray | None:
        """The exact Hessian of a squared loss at ``params`` (``None`` for ``mae``).

        With J_i = ∇f(x_i; θ) and the loss's gradient scale c (2 for sse, 2/m for mse,
        1/m for half_mse)::

            ∇²L = c · Σ_i (J_i J_iᵀ + r_i ∇²f(x_i; θ))

        The second term vanishes for a model linear in its parameters. The model's second
        derivatives are found symbolically on first use. ``None`` also where the model
        has no second derivative or the result is not finite.
        """
        if self.loss not in SQUARED_LOSSES:
            return None
        rows = self._full if batch is None else self._rows_of(batch)
        count = rows.target.shape[0]
        with np.errstate(all="ignore"):
            jacobian = self.derivatives(params, batch)
            residuals = self.residuals(params, batch)
            matrix = jacobian @ jacobian.T
            if self._varying:
                second = self._second_derivatives
                if second is None:
                    return None
                values = np.asarray(params, dtype=float).tolist()
                entries = second(*rows.features, *values, *self._fixed_values)
                size = len(self.param_names)
                pairs = [(i, j) for i in range(size) for j in range(i, size)]
                for (i, j), entry in zip(pairs, entries, strict=True):
                    term = float(residuals @ np.broadcast_to(np.asarray(entry, float), (count,)))
                    matrix[i, j] += term
                    if i != j:
                        matrix[j, i] += term
            scale = self._kernel(residuals, count)[2]
            matrix *= scale
        return matrix if np.all(np.isfinite(matrix)) else None

    def prepare_hessian(self) -> bool:
        """Find the model's second derivatives now (slow: off the UI thread).

        Returns whether the loss has a Hessian (a squared loss, and a model with second
        derivatives).
        """
        if self.loss not in SQUARED_LOSSES:
            return False
        return not self._varying or self._second_derivatives is not None

    @property
    def hessian_ready(self) -> bool:
        """True once :meth:`hessian` answers without differentiating anything."""
        return (self.loss not in SQUARED_LOSSES or not self._varying
                or "_second_derivatives" in self.__dict__)

    @cached_property
    def _second_derivatives(self) -> Any:
        rows = second_derivatives(self.model_text, self.param_names)
        if rows is None:
            return None
        size = len(self.param_names)
        entries = [rows[i][j] for i in range(size) for j in range(i, size)]
        return _lambdify(self._arguments, [e.xreplace(self._renaming) for e in entries])

    def explain_gradient(
        self, params: np.ndarray, batch: np.ndarray | None = None, step: int = 0
    ) -> str:
        """The gradient at ``params`` written out as a sum over the rows of ``batch``.

        The engine's explain panel calls this (see
        :func:`gdstudio.problems.data_explain.explain_gradient`).
        """
        return explain_gradient(self, params, batch, step)

    def notes(self) -> tuple[str, ...]:
        """Lines that tell a reader how to read a run's numbers (standardisation, fixed)."""
        lines = [f"model: {self.target} ≈ {self.expression_text}, "
                 f"loss {self.loss}, {self.n_samples:,} rows"]
        if self.fixed:
            fixed = ", ".join(f"{name} = {value:g}" for name, value in self.fixed.items())
            lines.append(f"fixed: {fixed}")
        if self.standardization is not None:
            lines.append(f"features standardised (z = (x - mean) / std): "
                         f"{self.standardization.describe()}; the steps above are in "
                         "standardised units, the minimum found is in original units")
        return tuple(lines)

    def least_squares_solution(self) -> dict[str, float] | None:
        """Where descent on a squared loss should end: the closed-form least squares.

        Fixed parameters keep their values (their part of the prediction moves to the
        target side). The result is in the original units, like ``Run.params``.

        Returns
        -------
        dict of str to float or None
            The minimiser, or ``None`` when there is no closed form: the loss is ``mae``,
            the model is not linear in its learnt parameters, or the minimiser is not
            unique (features that are multiples of each other, too few distinct rows).
        """
        if self.loss not in SQUARED_LOSSES or not self.linear_in_parameters:
            return None
        with np.errstate(all="ignore"):
            design = np.column_stack([np.broadcast_to(np.asarray(d, float), (self.n_samples,))
                                      for d in self._full.static])
            offset = self.predict(np.zeros(len(self.param_names)))
            solution, _, rank, _ = np.linalg.lstsq(design, self._full.target - offset, rcond=None)
        if rank < len(self.param_names) or not np.all(np.isfinite(solution)):
            return None
        return dict(zip(self.param_names, map(float, self.to_original(solution)), strict=True))

    # ---------------------------------------------------------------- units
    def to_original(self, params: np.ndarray) -> np.ndarray:
        """Parameters (one row per point, or a vector) in the data's original units."""
        params = np.array(params, dtype=float)
        if self.standardization is None:
            return params
        return self.standardization.to_original(params)

    def from_original(self, params: np.ndarray) -> np.ndarray:
        """Parameters in original units → the units descent works in."""
        params = np.array(params, dtype=float)
        if self.standardization is None:
            return params
        return self.standardization.from_original(params)

    def start_point(self, start: Mapping[str, float] | None = None) -> np.ndarray:
        """The start vector in descent units from a mapping in original units (default 0).

        Raises
        ------
        ValueError
            For a name that is not a learnt parameter, or a value that is not a finite
            number.
        """
        start = dict(start or {})
        for name in start:
            if name not in self.param_names:
                raise ValueError(self._not_learnt(name, "has no start value"))
        values = [_finite_number(start.get(name, 0.0), f"the start value of {name}")
                  for name in self.param_names]
        return self.from_original(np.array(values, dtype=float))

    def __repr__(self) -> str:
        return (f"<ModelObjective {self.model_text!r} → {self.target}, loss {self.loss}, "
                f"learning {', '.join(self.param_names)} on {self.n_samples} rows>")

    # ---------------------------------------------------------------- building
    def _compile(self) -> None:
        names = (*self.features, *self.param_names, *self.fixed)
        arguments = tuple(sympy.Symbol(f"_a{index}", real=True) for index in range(len(names)))
        renaming = {
            sympy.Symbol(name, real=True): symbol
            for name, symbol in zip(names, arguments, strict=True)
        }
        self._arguments, self._renaming = arguments, renaming
        expression = self.analysis.expression.xreplace(renaming)
        derivatives = [d.xreplace(renaming) for d in self.analysis.derivatives]
        learnt = set(arguments[len(self.features) : len(self.features) + len(self.param_names)])
        varying = [j for j, d in enumerate(derivatives) if d.free_symbols & learnt]
        self._varying = {j: position + 1 for position, j in enumerate(varying)}
        evaluated = [expression, *(derivatives[j] for j in varying)]
        self._evaluate = _lambdify(arguments, evaluated)
        feature_symbols = set(arguments[: len(self.features)])
        # Which outputs of _evaluate are arrays over the rows (the others are numbers).
        self._output_uses_features = tuple(bool(e.free_symbols & feature_symbols)
                                           for e in evaluated)
        static = [d for j, d in enumerate(derivatives) if j not in self._varying]
        if not varying:  # linear: f = f(θ = 0) + Σ θ_j ∂f/∂θ_j
            static.append(expression.xreplace(dict.fromkeys(learnt, sympy.Integer(0))))
        self._static = _lambdify(arguments, static)
        self._fixed_values = tuple(self.fixed.values())
        self._feature_arrays = tuple(self.data[name] for name in self.features)

    def _standardize(self) -> None:
        if self.fixed:
            raise ValueError("standardize cannot be combined with fixed parameters (their "
                             "values are in original units); leave them free or standardize off")
        if not self.linear_in_parameters:
            raise ValueError(f"standardize needs a model linear in its parameters; "
                             f"{self.model_text} is not, so its parameters could not be "
                             "reported back in original units")
        self.standardization = standardization_for(
            self.analysis.expression, self.features, self.param_names, self.data
        )
        self._feature_arrays = self.standardization.standardized(self.data)

    def normal_equations(self) -> NormalEquations | None:
        """The full batch's sums (XᵀX, the least-squares point) for any squared loss.

        ``None`` unless ``uses_normal_equations``, or when a sum overflowed. Loss maps use
        them to draw a slice of the loss in O(p²) whatever the number of rows.
        """
        return self._normal_equations() if self.uses_normal_equations else None

    def _normal_equations(self) -> NormalEquations | None:
        """The sums of the full batch, made on first use (None when they overflow)."""
        if self._normal is False:
            full = self._full
            with np.errstate(all="ignore"):
                normal = NormalEquations(full.static, full.offset, full.target)
            self._normal = normal if normal.usable else None
        return self._normal  # type: ignore[return-value]

    def _rows_of_all(self) -> _Rows:
        features = self._feature_arrays
        zeros = [0.0] * len(self.param_names)
        with np.errstate(all="ignore"):
            computed = iter([_plain(value) for value in
                             self._static(*features, *zeros, *self._fixed_values)])
        static = tuple(None if j in self._varying else next(computed)
                       for j in range(len(self.param_names)))
        offset = None if self._varying else next(computed)
        return _Rows(features, self.data[self.target], static, offset)

    def _rows_of(self, batch: np.ndarray) -> _Rows:
        full = self._full
        return _Rows(
            tuple(feature[batch] for feature in full.features),
            full.target[batch],
            tuple(_rows_or_value(d, batch) for d in full.static),
            _rows_or_value(full.offset, batch),
        )

    def _not_learnt(self, name: str, what: str) -> str:
        if name in self.fixed:
            return f"{name} is fixed at {self.fixed[name]:g}, so it {what}"
        if name in self.data:
            return f"{name} is a column of the data, not a parameter, so it {what}"
        return (f"{name} is not a parameter of the model (parameters: "
                f"{', '.join(self.param_names)}), so it {what}")


# ----------------------------------------------------------------- standardisation
@dataclass(frozen=True, eq=False)
class Standardization:
    """Features fitted as z = (x − mean) / std, and how parameters convert back.

    For a model f linear in its parameters, the parameters θ′ learnt on z and the
    parameters θ in original units give the same predictions, f(x; θ) = f(z; θ′), when
    θ = M θ′ + c. M and c come from solving that identity symbolically (e.g. for
    ``m*x + b``: m = m′/std, b = b′ − m′·mean/std), so the conversion is exact.

    Attributes
    ----------
    means, stds : dict of str to float
        Mean and (population) standard deviation of each standardised feature.
    matrix, offset : numpy.ndarray
        θ = matrix @ θ′ + offset.
    inverse_matrix, inverse_offset : numpy.ndarray
        θ′ = inverse_matrix @ θ + inverse_offset.
    """

    means: dict[str, float]
    stds: dict[str, float]
    matrix: np.ndarray
    offset: np.ndarray
    inverse_matrix: np.ndarray
    inverse_offset: np.ndarray

    def to_original(self, params: np.ndarray) -> np.ndarray:
        """θ′ (a vector, or one row per point) → θ in original units."""
        return np.asarray(params, dtype=float) @ self.matrix.T + self.offset

    def from_original(self, params: np.ndarray) -> np.ndarray:
        """θ in original units (a vector, or one row per point) → θ′."""
        return np.asarray(params, dtype=float) @ self.inverse_matrix.T + self.inverse_offset

    def standardized(self, data: Dataset) -> tuple[np.ndarray, ...]:
        """The standardised feature columns, as new read-only arrays."""
        arrays = []
        for name, mean in self.means.items():
            array = (data[name] - mean) / self.stds[name]
            array.flags.writeable = False
            arrays.append(array)
        return tuple(arrays)

    def describe(self) -> str:
        """One line for people, e.g. ``"x: mean 3, std 1.41421"``."""
        return "; ".join(f"{name}: mean {mean:.6g}, std {self.stds[name]:.6g}"
                         for name, mean in self.means.items())

    def to_dict(self) -> dict[str, dict[str, float]]:
        """Plain data for JSON."""
        return {"means": dict(self.means), "stds": dict(self.stds)}

    def __repr__(self) -> str:
        return f"<Standardization {self.describe()}>"


def standardization_for(
    expression: sympy.Expr, features: Sequence[str], params: Sequence[str], data: Dataset
) -> Standardization:
    """Means, stds and the exact parameter conversion for a model linear in ``params``.

    Raises
    ------
    ValueError
        When there is no feature, a feature is constant, the model is not a polynomial
        in its features (of degree at most 12), or it cannot absorb a shift and scale.
    """
    if not features:
        raise ValueError("standardize has nothing to do: the model uses no column of the data")
    means, stds = {}, {}
    for name in features:
        means[name], stds[name] = float(data[name].mean()), float(data[name].std())
        if not stds[name] > 0:
            raise ValueError(f"the feature {name} is constant, so it cannot be standardised")
    symbols = [sympy.Symbol(name, real=True) for name in features]
    _check_polynomial(expression, symbols)
    forward, backward = _conversion_formulas(expression, symbols, params)
    numbers = [*means.values(), *stds.values()]
    matrix, offset = (np.asarray(part, dtype=float) for part in forward(*numbers))
    inverse_matrix, inverse_offset = (np.asarray(part, dtype=float) for part in backward(*numbers))
    return Standardization(means, stds, matrix, offset.reshape(-1),
                           inverse_matrix, inverse_offset.reshape(-1))


def _check_polynomial(expression: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> None:
    text = str(expression)
    if not expression.is_polynomial(*symbols):
        raise ValueError(f"standardize works for models that are polynomials in the features "
                         f"(like w0 + w1*x + w2*x**2); {text} is not, so its parameters could "
                         "not be reported back in original units")
    if _degree_bound(expression, frozenset(symbols)) > MAX_STANDARDIZE_DEGREE:
        raise ValueError(f"standardize supports polynomial models up to degree "
                         f"{MAX_STANDARDIZE_DEGREE} in the features")


def _degree_bound(expression: sympy.Expr, symbols: frozenset[sympy.Symbol]) -> int:
    """An upper bound of the degree in ``symbols``, read off the tree without expanding."""
    if expression in symbols:
        return 1
    if not expression.free_symbols & symbols:
        return 0
    parts = [_degree_bound(arg, symbols) for arg in expression.args]
    if expression.is_Add:
        return max(parts)
    if expression.is_Mul:
        return sum(parts)
    if expression.is_Pow and expression.exp.is_Integer and expression.exp >= 0:
        return int(expression.exp) * parts[0]
    return MAX_STANDARDIZE_DEGREE + 1


def _conversion_formulas(
    expression: sympy.Expr, symbols: Sequence[sympy.Symbol], params: Sequence[str]
) -> tuple[Any, Any]:
    """Functions (means…, stds…) → (M, c) for θ = Mθ′ + c, and for the inverse."""
    originals = [sympy.Symbol(name, real=True) for name in params]
    primed = [sympy.Dummy(f"{name}_z", real=True) for name in params]
    means = [sympy.Dummy(f"mean_{s}", real=True) for s in symbols]
    stds = [sympy.Dummy(f"std_{s}", positive=True) for s in symbols]
    replacement: dict[sympy.Basic, sympy.Basic] = dict(zip(originals, primed, strict=True))
    for symbol, mean, std in zip(symbols, means, stds, strict=True):
        replacement[symbol] = (symbol - mean) / std
    difference = sympy.expand(expression - expression.xreplace(replacement))
    equations = sympy.Poly(difference, *symbols).coeffs()
    forward = _solved(equations, originals, primed, expression)
    backward = _solved(equations, primed, originals, expression)
    return (numpy_function([*means, *stds], forward), numpy_function([*means, *stds], backward))


def _solved(
    equations: list[sympy.Expr], unknowns: list[sympy.Symbol], given: list[sympy.Symbol],
    expression: sympy.Expr,
) -> tuple[sympy.Matrix, sympy.Matrix]:
    solutions = sympy.linsolve(equations, unknowns)
    if not isinstance(solutions, sympy.FiniteSet) or len(solutions) != 1:
        raise ValueError(f"standardize would change the model {expression}: it cannot absorb "
                         "the shift and scale of its features (add an intercept, as in m*x + b)")
    solution = sympy.Matrix(next(iter(solutions)))
    if solution.free_symbols & set(unknowns):
        raise ValueError(f"the parameters of {expression} are not all determined by its "
                         "predictions, so standardize cannot report them back")
    zero = {symbol: 0 for symbol in given}
    return solution.jacobian(given), solution.xreplace(zero)


# ------------------------------------------------------------------------ helpers
def _lambdify(arguments: Sequence[sympy.Symbol], exprs: Sequence[sympy.Expr]) -> Any:
    return numpy_function(arguments, tuple(exprs), cse=True)


def _linear_prediction(values: Sequence[float], rows: _Rows, out: np.ndarray) -> np.ndarray:
    """offset + Σ θ_j ∂f/∂θ_j written into ``out``, with at most one temporary array."""
    constant = 0.0
    empty = True
    for value, derivative in zip(values, rows.static, strict=True):
        if type(derivative) is not np.ndarray:
            constant += value * derivative
        elif empty:
            np.multiply(derivative, value, out=out)
            empty = False
        else:
            out += value * derivative
    offset = rows.offset
    if type(offset) is not np.ndarray:
        constant += offset
    elif empty:
        np.copyto(out, offset)
        empty = False
    else:
        out += offset
    if empty:
        out.fill(constant)
    elif constant != 0.0:
        out += constant
    return out


def _rows_or_value(value: Any, batch: np.ndarray) -> Any:
    return value[batch] if type(value) is np.ndarray else value


def _residuals(outputs: Sequence[Any], rows: _Rows) -> np.ndarray:
    """prediction − target, in place in the prediction when it is a private new array."""
    prediction = outputs[0]
    if (type(prediction) is np.ndarray and prediction.flags.writeable
            and prediction.base is None and prediction.shape == rows.target.shape
            and not any(prediction is other for other in outputs[1:])
            and not any(prediction is feature for feature in rows.features)):
        return np.subtract(prediction, rows.target, out=prediction)
    return np.subtract(prediction, rows.target)


def _plain(value: Any) -> Any:
    """A value computed once: a float when constant, else a read-only array."""
    if np.ndim(value) == 0:
        return float(value)
    array = np.asarray(value, dtype=float)
    if array.flags.writeable:
        array.flags.writeable = False
    return array


def _checked_target(target: object, data: Dataset) -> str:
    if not isinstance(target, str) or target not in data:
        raise ValueError(f"the data has no column {target!r} to predict (columns: "
                         f"{', '.join(data.names)}); choose the target column")
    return target


def _sort_names(
    names: Sequence[str], data: Dataset, target: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split the model's names into features (columns) and parameters (the rest)."""
    if target in names:
        raise ValueError(f"the target column {target} cannot appear in the model: the model "
                         f"predicts {target} from the other columns")
    features = tuple(name for name in names if name in data)
    parameters = tuple(name for name in names if name not in data)
    if not parameters:
        used = ", ".join(features) or "none"
        raise ValueError(f"the model has no parameters to learn: every name in it ({used}) "
                         "is a column of the data; add one, as in m*x + b")
    return features, parameters


def _checked_fixed(
    fixed: Mapping[str, float] | None, parameters: Sequence[str], features: Sequence[str]
) -> dict[str, float]:
    result: dict[str, float] = {}
    for name, value in (fixed or {}).items():
        if name in features:
            raise ValueError(f"cannot fix {name}: it is a column of the data, not a parameter")
        if name not in parameters:
            raise ValueError(f"cannot fix {name}: it is not a parameter of the model "
                             f"(parameters: {', '.join(parameters)})")
        result[name] = _finite_number(value, f"the fixed value of {name}")
    return result


def _finite_number(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, not {value!r}")
    return number
