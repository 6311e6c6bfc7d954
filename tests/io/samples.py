"""Projects and files shared by the io tests."""

from __future__ import annotations

from pathlib import Path

import gdstudio
from gdstudio.engine import StoppingRules
from gdstudio.io import Project

TUTORIAL = {"x": [0.0, 1.0, 2.0, 3.0, 4.0], "y": [1.0, 3.0, 5.0, 7.0, 9.0]}


def function_project() -> Project:
    """A function project with every setting away from its default, and its run."""
    project = Project(
        expression="(x - 3)**2 + 10*(y + 1)**2", start={"x": 0.5, "y": -2.25},
        optimizer="adam", hyperparameters={"beta1": 0.8, "eps": 1e-7}, learning_rate=0.05,
        schedule={"kind": "cosine", "period": 40, "min_factor": 0.1},
        stopping=StoppingRules(max_iter=60, tol_step=1e-9, tol_grad=1e-10, tol_loss=1e-14),
        title="Adam on a bowl", notes="Watch the rate fall.\nLine two: ünïcode ∂f/∂x.",
    )
    return project.with_history(gdstudio.run(project.experiment).history)


def data_project() -> Project:
    """A data project with mini-batches, a fixed parameter and a history with epochs."""
    project = Project(
        mode="data", data={"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                           "noise": [0.1, -0.2, 0.0, 0.3, -0.1, 0.2, 0.05],
                           "y": [1.1, 2.8, 5.0, 7.3, 8.9, 11.2, 13.05]},
        model="m*x + b + c*noise", target="y", start={"b": 0.5}, fixed={"c": 1.0},
        loss="half_mse", batch_size=3, seed=42, optimizer="momentum",
        hyperparameters={"momentum": 0.5}, learning_rate=0.02,
        schedule={"kind": "step", "step_size": 5, "gamma": 0.5},
        stopping=StoppingRules(max_iter=25), title="Mini-batches",
    )
    return project.with_history(gdstudio.run(project.experiment).history)


def write(tmp_path: Path, content: bytes | str, name: str = "lesson.gdstudio") -> Path:
    """Write ``content`` to a file in ``tmp_path`` and return its path."""
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path
