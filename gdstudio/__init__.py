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
        Experiment,
        FitRun,
        PointInspection,
        Run,
        descend,
        fit,
        inspect_point,
        run,
        stable_lr,
    )
    from gdstudio.api_sweep import Sweep, run_sweep, sweep, sweep_fit
    from gdstudio.problems.checks import ExperimentError
    from gdstudio.problems.expression import ExpressionError

__all__ = ["Experiment", "ExperimentError", "ExpressionError", "FitRun", "PointInspection", "Run",
           "Sweep", "__version__", "descend", "fit", "inspect_point", "run", "run_sweep",
           "stable_lr", "sweep", "sweep_fit"]

_LAZY = {
    "Experiment": "gdstudio.api",
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
    "Sweep": "gdstudio.api_sweep",
    "sweep": "gdstudio.api_sweep",
    "sweep_fit": "gdstudio.api_sweep",
    "run_sweep": "gdstudio.api_sweep",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gdstudio' has no attribute {name!r}")
