"""Gradient Descent Studio: learn gradient descent by doing it.

The scripting API is imported lazily, so that ``import gdstudio`` stays cheap for the
window (which loads sympy after its first paint)::

    import gdstudio
    run = gdstudio.descend("x**2", start={"x": 3}, lr=0.1, max_iter=100, tol_step=1e-4)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gdstudio._version import __version__

if TYPE_CHECKING:
    from gdstudio.api import Run, descend, fit, stable_lr
    from gdstudio.problems.expression import ExpressionError

__all__ = ["ExpressionError", "Run", "__version__", "descend", "fit", "stable_lr"]

_LAZY = {
    "descend": "gdstudio.api",
    "fit": "gdstudio.api",
    "Run": "gdstudio.api",
    "stable_lr": "gdstudio.api",
    "ExpressionError": "gdstudio.problems.expression",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gdstudio' has no attribute {name!r}")
