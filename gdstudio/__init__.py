"""Gradient Descent Studio: learn gradient descent by doing it.

The scripting API is imported lazily, so that ``import gdstudio`` stays cheap for the
window (which loads sympy after its first paint)::

    import gdstudio
    experiment = gdstudio.Experiment.function("x**2", start={"x": 3}, lr=0.1, max_iter=100,
                                              tol_step=1e-4)
    result = gdstudio.run(experiment)  # or, in one call: gdstudio.descend("x**2", ...)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gdstudio._version import __version__

if TYPE_CHECKING:
    from gdstudio.api import (
        FitRun,
        PointInspection,
        Run,
        descend,
        fit,
        inspect_point,
        run,
        stable_lr,
    )
    from gdstudio.problems.checks import ExperimentError
    from gdstudio.problems.experiment import Experiment
    from gdstudio.problems.expression import ExpressionError

__all__ = ["Experiment", "ExperimentError", "ExpressionError", "FitRun", "PointInspection", "Run",
           "__version__", "descend", "fit", "inspect_point", "run", "stable_lr"]

_LAZY = {
    "Experiment": "gdstudio.problems.experiment",
    "ExperimentError": "gdstudio.problems.checks",
    "FitRun": "gdstudio.api",
    "run": "gdstudio.api",
    "descend": "gdstudio.api",
    "fit": "gdstudio.api",
    "Run": "gdstudio.api",
    "stable_lr": "gdstudio.api",
    "inspect_point": "gdstudio.api",
    "PointInspection": "gdstudio.problems.inspect",
    "ExpressionError": "gdstudio.problems.expression",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gdstudio' has no attribute {name!r}")
