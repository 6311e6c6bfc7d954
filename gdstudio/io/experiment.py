"""The public :class:`Experiment`: the problems layer's, whose :meth:`~Experiment.data`
also reads a CSV file.

It lives here, in the files layer, because reading a path is what it adds (the problems
layer reads no files), and because what this layer hands out — ``load_project(path)
.experiment``, a :class:`~gdstudio.io.project.Project`'s experiment — is then the very
class a script imports as ``gdstudio.Experiment`` (:mod:`gdstudio.api` re-exports it).

>>> from gdstudio.io.project import Project
>>> isinstance(Project(expression="x**2", start={"x": 3}).experiment, Experiment)
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from gdstudio.io.csv_files import load_csv
from gdstudio.problems import experiment as _problems_experiment
from gdstudio.problems.dataset import Dataset

__all__ = ["Experiment", "as_dataset"]


class Experiment(_problems_experiment.Experiment):
    """:class:`gdstudio.problems.experiment.Experiment`, whose :meth:`data` also reads a
    CSV file: the public ``gdstudio.Experiment``.

    The problems layer reads no files; the path of a CSV file given here is read by
    :func:`gdstudio.io.csv_files.load_csv` (with its sentences naming the row, line and
    column). Everything else, and every value an experiment holds, is the problems
    layer's: an experiment of the problems layer equals the same one made here, and
    :meth:`of` turns one into the other.
    """

    @classmethod
    def data(cls, data: Any, model: str, **keywords: Any) -> Experiment:
        """Fit a model to data: the keywords of :func:`gdstudio.fit`.

        ``data`` is a :class:`Dataset`, a mapping of column name → numbers, or the path
        of a CSV file with a header row (see
        :meth:`gdstudio.problems.experiment.Experiment.data` for the other keywords).

        Raises
        ------
        ExperimentError
            Naming the keyword whose value is not valid.
        ValueError
            For a CSV file that cannot be read (naming the row and column).
        TypeError
            For data of another kind.
        """
        made = super().data(as_dataset(data, tables=False), model, **keywords)
        assert isinstance(made, Experiment)
        return made

    @classmethod
    def of(cls, experiment: _problems_experiment.Experiment) -> Experiment:
        """``experiment`` as the public class (itself if it already is one).

        Nothing is checked again: the values were checked when ``experiment`` was made
        and are immutable, so the copy shares them.
        """
        if isinstance(experiment, cls):
            return experiment
        made = object.__new__(cls)
        for item in fields(experiment):
            object.__setattr__(made, item.name, getattr(experiment, item.name))
        return made


def as_dataset(data: Any, *, tables: bool = True) -> Any:
    """A :class:`Dataset` from a dataset, a CSV path or (with ``tables``) a mapping.

    With ``tables=False`` a mapping is returned as it is, for the experiment's checks.

    Raises
    ------
    ValueError
        For a file that cannot be read or data that is not valid.
    TypeError
        For anything else.
    """
    if isinstance(data, Dataset):
        return data
    if isinstance(data, str | os.PathLike):
        return load_csv(Path(data))
    if isinstance(data, Mapping):
        return Dataset(data) if tables else data
    raise TypeError(f"data must be a mapping of columns, a Dataset or a CSV path, not "
                    f"{type(data).__name__}")
