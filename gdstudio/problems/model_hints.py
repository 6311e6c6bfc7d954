"""Hints about a model's names: which are columns, which are fitted, and likely slips.

A model's names that are columns of the data are features; every other name is a
parameter and is fitted. That rule is silent when a student types a column's name wrong
(``m*z + b`` on columns x, y fits a constant with z as a third parameter), so the CLI and
the window say which names were taken as parameters when one of them looks like a slip.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

__all__ = ["parameter_hints"]

# Names that are parameters by long habit: never suspected of being a mistyped column.
_USUAL_PARAMETER = re.compile(
    r"(?:[abcdkmw]|w\d*|b\d*|a\d*|c\d*|k\d*|m\d*|theta\d*|beta\d*|alpha\d*|"
    r"slope|intercept|bias|weight\d*|rate|offset|scale|amplitude|phase|omega)\Z",
    re.IGNORECASE,
)


def parameter_hints(
    names: Sequence[str], columns: Sequence[str], target: str, source: str = "the data"
) -> tuple[str, ...]:
    """Sentences warning that a fitted name may have been meant as a column.

    Parameters
    ----------
    names : sequence of str
        The model's free names.
    columns : sequence of str
        The data's column names.
    target : str
        The column the model predicts (never a suggestion).
    source : str
        How to name the data in a sentence, e.g. ``"d.csv"``.

    Returns
    -------
    tuple of str
        One sentence per suspicious parameter, or, when the model uses no column at
        all and no name looks like a slip, one sentence saying so; empty otherwise.

    Examples
    --------
    >>> parameter_hints(["m", "z", "b"], ["x", "y"], "y", "d.csv")
    ('z is not a column of d.csv (columns: x, y); it is fitted as a parameter. Did you mean x?',)
    """
    column_set = set(columns)
    features = [name for name in names if name in column_set]
    parameters = [name for name in names if name not in column_set]
    inputs = [column for column in columns if column != target]
    unused = [column for column in inputs if column not in features]
    listed = ", ".join(columns)
    hints = []
    for name in parameters:
        guess = _close_column(name, unused)
        if guess is None and (features or _USUAL_PARAMETER.match(name) or not unused):
            continue
        if guess is None:
            guess = unused[0] if len(unused) == 1 else "one of " + ", ".join(unused)
        hints.append(f"{name} is not a column of {source} (columns: {listed}); it is fitted "
                     f"as a parameter. Did you mean {guess}?")
    if not hints and not features and parameters:
        fitted = ", ".join(parameters)
        hints.append(f"the model uses no column of {source} (columns: {listed}): it fits a "
                     f"constant, with {fitted} as parameters")
    return tuple(hints)


def _close_column(name: str, columns: Sequence[str]) -> str | None:
    """The column ``name`` most likely stands for: same letters in another case, or close."""
    for column in columns:
        if column.lower() == name.lower():
            return column
    if len(name) < 3:
        return None
    matches = difflib.get_close_matches(name, list(columns), n=1, cutoff=0.75)
    return matches[0] if matches else None
