"""Files: projects (versioned JSON), the autosave, and exports (CSV, Python script).

Nothing here imports Qt, and opening a project does not need sympy either.

* :mod:`gdstudio.io.project`: :class:`Project` (an
  :class:`~gdstudio.problems.experiment.Experiment` with a title, notes and optionally a
  run's history), :func:`save_project` (atomic), :func:`load_project` (validates
  everything, runs nothing: run ``load_project(path).experiment`` with
  :func:`gdstudio.run`).
* :mod:`gdstudio.io.experiment`: the public ``gdstudio.Experiment`` (whose ``data`` also
  reads a CSV path); every project's experiment is one.
* :mod:`gdstudio.io.autosave`: :class:`AutosaveSlot` (one per window, locked while it
  runs), :func:`claim_crashed_slots`.
* :mod:`gdstudio.io.exports`: :func:`history_to_csv`, :func:`export_python_script`.
"""

from gdstudio.io._branches import SavedBranch
from gdstudio.io._errors import ProjectError, ProjectTooLargeError
from gdstudio.io._history import SavedHistory
from gdstudio.io.autosave import AutosaveSlot, claim_crashed_slots
from gdstudio.io.exports import export_python_script, history_csv_text, history_to_csv
from gdstudio.io.project import (
    SUFFIX,
    Project,
    load_project,
    project_from_json_text,
    project_to_json_text,
    save_project,
)

__all__ = [
    "SUFFIX",
    "AutosaveSlot",
    "Project",
    "ProjectError",
    "ProjectTooLargeError",
    "SavedBranch",
    "SavedHistory",
    "claim_crashed_slots",
    "export_python_script",
    "history_csv_text",
    "history_to_csv",
    "load_project",
    "project_from_json_text",
    "project_to_json_text",
    "save_project",
]
