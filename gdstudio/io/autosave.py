"""The autosave: a copy of the open work, written now and then, restored after a crash.

It lives in the user's data folder, found without Qt:

* ``$GDSTUDIO_DATA_DIR`` when set (tests use this);
* Windows: ``%APPDATA%\\gdstudio``;
* macOS: ``~/Library/Application Support/gdstudio``;
* elsewhere: ``$XDG_DATA_HOME/gdstudio``, by default ``~/.local/share/gdstudio``.

Writing is atomic (see :func:`~gdstudio.io.project.save_project`). A damaged autosave is
never fatal: :func:`read_autosave` reports it, moves it aside (``.corrupt``) so that it is
reported once, and returns ``None``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from gdstudio.io._errors import ProjectTooLargeError
from gdstudio.io.project import Project, load_project, save_project

__all__ = [
    "AUTOSAVE_NAME",
    "DATA_DIR_VARIABLE",
    "autosave_path",
    "clear_autosave",
    "data_dir",
    "read_autosave",
    "write_autosave",
]

#: Environment variable that overrides the data folder.
DATA_DIR_VARIABLE = "GDSTUDIO_DATA_DIR"
#: File name of the autosave inside the data folder.
AUTOSAVE_NAME = "autosave.gdstudio"
_APP_FOLDER = "gdstudio"
_log = logging.getLogger(__name__)


def data_dir() -> Path:
    """The folder where the app keeps its own files (it may not exist yet)."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    if override:
        return Path(override)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else home / ".local" / "share"
    return base / _APP_FOLDER


def autosave_path() -> Path:
    """Where the autosave is written."""
    return data_dir() / AUTOSAVE_NAME


def write_autosave(project: Project) -> Path:
    """Save ``project`` as the autosave (atomically) and return the path.

    A project too large to save with its history is saved without it.

    Raises
    ------
    ProjectError
        When the file cannot be written.
    """
    path = autosave_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        save_project(project, path)
    except ProjectTooLargeError:
        save_project(project.with_history(None), path)
    return path


def read_autosave(report: Callable[[str], None] | None = None) -> Project | None:
    """The autosaved project, or ``None`` when there is none or it cannot be used.

    Parameters
    ----------
    report : callable, optional
        Called with one sentence when an autosave exists but cannot be read (default:
        a warning in the ``gdstudio.io.autosave`` log). The damaged file is then renamed
        to ``autosave.gdstudio.corrupt``, replacing an older one.

    Returns
    -------
    Project or None
    """
    path = autosave_path()
    if not path.exists():
        return None
    try:
        return load_project(path)
    except Exception as error:  # a damaged autosave must never stop the app
        message = f"the autosaved work could not be restored and was set aside: {error}"
    (report or _log.warning)(message)
    with contextlib.suppress(OSError):
        os.replace(path, path.with_name(path.name + ".corrupt"))
    return None


def clear_autosave() -> None:
    """Remove the autosave (after the work was saved or closed normally)."""
    with contextlib.suppress(FileNotFoundError):
        autosave_path().unlink()
