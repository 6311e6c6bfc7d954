"""The window's run as a :class:`~gdstudio.lessons.RunState`, for the lesson checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from gdstudio.io.lessons import Page
from gdstudio.lessons import RunState

if TYPE_CHECKING:
    from gdstudio.qt.lessons.host import LessonRun

__all__ = ["page_is_shown", "window_run_state"]


def window_run_state(window: LessonRun) -> RunState | None:
    """The window's run so far (``None`` before there is one). The arrays are views of
    the window's history: use the state at once, before the run moves on."""
    session, model = window.session, window.model
    report = session.report
    if not session.active or report is None or model.objective is None:
        return None
    history = session.history
    final: Mapping[str, float] | None = None
    objective: Any = model.objective
    if model.mode == "data" and len(history) and hasattr(objective, "to_original"):
        original = objective.to_original(np.asarray(history.params[-1]))
        final = dict(zip(session.param_names, map(float, original), strict=True))
    optimizer = str(model.optimizer)
    return RunState(
        param_names=tuple(session.param_names),
        params=history.params,
        loss=history.loss,
        grad=history.grad,
        status=str(report.status),
        optimizer="gd" if optimizer == "sgd" else optimizer,
        learning_rate=float(model.learning_rate),
        batch_size=model.data.batch_size if model.mode == "data" else None,
        schedule=str(dict(model.schedule).get("kind", "constant")).lower(),
        final_params=final,
    )


def page_is_shown(window: LessonRun, page: Page) -> bool:
    """True when the window's run is on ``page``'s problem (its function or model)."""
    experiment = page.experiment
    model = window.model
    if experiment is None or model.objective is None or not window.session.active:
        return False
    if "expression" in experiment:
        return (model.mode == "function"
                and model.expression_text == experiment["expression"]
                and tuple(model.objective.param_names) == tuple(window.session.param_names))
    return model.mode == "data" and model.data.model_text == experiment.get("model")
