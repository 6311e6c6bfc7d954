"""Lessons and the window's work, without Qt: reading a file, a page as a project, the
window's experiment as a page's.

:func:`read_lesson_file` is all the reading there is, so it can run in a worker thread.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gdstudio.io.lessons import SUFFIXES, Lesson, LessonError, Page, load_lesson
from gdstudio.problems.experiment import Experiment

__all__ = [
    "LESSON_FILTER",
    "answer_changes",
    "experiment_of_page",
    "is_lesson_path",
    "lesson_id_for",
    "page_keywords",
    "read_lesson_file",
]

#: File dialog filter of lesson files.
LESSON_FILTER = "Gradient Descent Studio lessons (*.gdlesson.toml *.gdlesson)"
# What a reach task's model answer may change; the problem itself stays the page's.
_ANSWER_KEYS = ("start", "fixed", "loss", "batch_size", "seed", "standardize", "optimizer",
                "lr", "momentum", "alpha", "beta1", "beta2", "eps", "schedule", "max_iter",
                "tol_step", "tol_grad", "tol_loss")
_PROBLEM_KEYS = ("expression", "data", "model", "target")


def is_lesson_path(path: str | Path) -> bool:
    """True for a file name ending like a lesson (``.gdlesson.toml`` or ``.gdlesson``)."""
    return str(path).lower().endswith(SUFFIXES)


def read_lesson_file(path: str | Path) -> Lesson:
    """Read and check a lesson file (safe to call off the UI thread).

    Raises
    ------
    LessonError
        One sentence naming the file, the line and the key.
    """
    return load_lesson(Path(path))


def experiment_of_page(page: Page) -> Experiment:
    """The :class:`~gdstudio.Experiment` a page loads.

    Raises
    ------
    LessonError
        For a page without an experiment, or one the engine refuses.
    """
    if page.experiment is None:
        raise LessonError(f"the page “{page.title}” has no experiment")
    keywords = dict(page.experiment)
    try:
        if "expression" in keywords:
            return Experiment.function(**keywords)
        return Experiment.data(**keywords)
    except ValueError as error:
        raise LessonError(f"the page “{page.title}” cannot run: {error}") from None


def page_keywords(experiment: Experiment) -> dict[str, Any]:
    """``experiment`` as a page's ``[page.experiment]``: the descend/fit keywords a lesson
    file takes, with settings left at their defaults left out."""
    keywords = experiment.keywords()
    keywords.pop("variables", None)
    if experiment.mode == "data":
        keywords["data"] = {name: [float(v) for v in experiment.dataset[name]]
                            for name in experiment.dataset.names}
        for name, default in (("target", "y"), ("loss", "mse"), ("batch_size", None),
                              ("seed", 0), ("standardize", False), ("fixed", {})):
            if keywords.get(name) == default:
                keywords.pop(name)
    if keywords.get("optimizer") == "gd":
        keywords.pop("optimizer")
    if keywords.get("schedule") == {"kind": "constant"}:
        keywords.pop("schedule")
    else:
        keywords["schedule"] = dict(keywords["schedule"])
    for name in ("tol_step", "tol_grad", "tol_loss"):
        if keywords.get(name) is None:
            keywords.pop(name, None)
    return {key: value for key, value in keywords.items() if value is not None}


def answer_changes(page: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that turn a page's experiment into ``current`` (a reach task's answer).

    Raises
    ------
    LessonError
        When ``current`` is another problem (function, model or data), which an answer
        cannot change.
    """
    for key in _PROBLEM_KEYS:
        if not _same(page.get(key), current.get(key)):
            raise LessonError("the window shows another problem than this page's: add "
                              "this state as a page first")
    return {key: current.get(key) for key in _ANSWER_KEYS
            if not _same(page.get(key), current.get(key)) and current.get(key) is not None}


def lesson_id_for(path: Path) -> str:
    """A lesson id made from a file name (``My Lesson.gdlesson.toml`` → ``my-lesson``)."""
    stem = path.name
    for suffix in SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:40].strip("-")
    return slug or "my-lesson"


def _same(first: Any, second: Any) -> bool:
    if isinstance(first, float) and isinstance(second, float):
        return first == second or (math.isnan(first) and math.isnan(second))
    if hasattr(first, "names") or hasattr(second, "names"):  # datasets
        return _columns(first) == _columns(second)
    return bool(first == second)


def _columns(data: Any) -> Any:
    if data is None:
        return None
    if isinstance(data, Mapping):
        return {name: [float(v) for v in values] for name, values in data.items()}
    return {name: [float(v) for v in data[name]] for name in data.names}
