"""Autosaves: a copy of each window's open work, written now and then, offered after a crash.

They live in the user's data folder, found without Qt:

* ``$GDSTUDIO_DATA_DIR`` when set (tests use this);
* Windows: ``%APPDATA%\\gdstudio``;
* macOS: ``~/Library/Application Support/gdstudio``;
* elsewhere: ``$XDG_DATA_HOME/gdstudio``, by default ``~/.local/share/gdstudio``.

Every running window owns one :class:`AutosaveSlot`: ``autosave-<id>.gdstudio`` and
``autosave-<id>.lock``. The window holds an operating-system lock on the ``.lock`` file
(``flock`` on Linux and macOS, ``msvcrt.locking`` on Windows) for as long as it runs; the
file also records its process id and the project file the work came from. The system
drops the lock when the process ends, however it ends, so a slot whose lock can be taken
belongs to a window that crashed: :func:`claim_crashed_slots` takes such slots (the lock
then keeps a second window starting at the same time from taking them too), and a live
window's autosave is never offered to another. A window that closes normally removes its
slot. Writing is atomic (see :func:`~gdstudio.io.project.save_project`); a damaged
autosave is reported once, moved aside (``.corrupt``) and never stops the app.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from gdstudio.io._errors import ProjectError, ProjectTooLargeError
from gdstudio.io.project import Project, load_project, save_project

__all__ = [
    "DATA_DIR_VARIABLE",
    "AutosaveSlot",
    "claim_crashed_slots",
    "data_dir",
]

#: Environment variable that overrides the data folder.
DATA_DIR_VARIABLE = "GDSTUDIO_DATA_DIR"
_APP_FOLDER = "gdstudio"
_PREFIX = "autosave-"
_SUFFIX = ".gdstudio"
_LEGACY_NAME = "autosave.gdstudio"  # the one shared autosave of versions before 0.9
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


def _try_lock(descriptor: int) -> bool:
    """Take the exclusive lock on an open file without waiting; False if it is held."""
    try:
        if sys.platform == "win32":
            import msvcrt  # Windows only: imported where it exists

            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl  # POSIX only: imported where it exists

            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class AutosaveSlot:
    """One window's autosave file and the lock that says the window is alive.

    Make one with :meth:`claim` (a new, empty slot) or get crashed windows' slots from
    :func:`claim_crashed_slots`. The lock is held until :meth:`release`.

    Attributes
    ----------
    path : Path
        The autosave file (it exists only after :meth:`write`).
    """

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor: int | None = descriptor

    @property
    def lock_path(self) -> Path:
        """The lock file next to the autosave."""
        return self.path.with_suffix(".lock")

    @property
    def held(self) -> bool:
        """True until :meth:`release`."""
        return self._descriptor is not None

    @classmethod
    def claim(cls) -> AutosaveSlot:
        """A new slot for this window, locked; nothing is written yet.

        Raises
        ------
        ProjectError
            When the data folder cannot be written.
        """
        folder = data_dir()
        for _attempt in range(3):  # another start may peek at a fresh lock file: try anew
            try:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}{_SUFFIX}"
                descriptor = os.open(path.with_suffix(".lock"),
                                     os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as error:
                raise ProjectError(f"the autosave cannot be kept in {folder}: "
                                   f"{error.strerror or error}") from None
            if _try_lock(descriptor):
                break
            os.close(descriptor)
        else:
            raise ProjectError(f"the autosave in {folder} cannot be locked")
        slot = cls(path, descriptor)
        slot._record("")
        return slot

    @property
    def source(self) -> str:
        """The project file the autosaved work came from ("" for none)."""
        try:
            lines = self.lock_path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return ""
        return lines[1] if len(lines) > 1 else ""

    def write(self, project: Project, source: str | os.PathLike[str] | None = None) -> Path:
        """Save ``project`` as this slot's autosave (atomically) and return the path.

        ``source`` is the project file the work came from, if any. A project too large to
        save with its history is saved without it.

        Raises
        ------
        ProjectError
            When the file cannot be written.
        """
        try:
            save_project(project, self.path)
        except ProjectTooLargeError:
            save_project(project.with_history(None), self.path)
        self._record(str(source or ""))
        return self.path

    def read(self, report: Callable[[str], None] | None = None) -> Project | None:
        """The autosaved project, or ``None`` when there is none or it cannot be used.

        Parameters
        ----------
        report : callable, optional
            Called with one sentence when the autosave exists but cannot be read (default:
            a warning in the ``gdstudio.io.autosave`` log). The damaged file is then
            renamed with ``.corrupt`` added, so that it is reported once.
        """
        if not self.path.exists():
            return None
        try:
            return load_project(self.path)
        except Exception as error:  # a damaged autosave must never stop the app
            message = f"the autosaved work could not be restored and was set aside: {error}"
        (report or _log.warning)(message)
        with contextlib.suppress(OSError):
            os.replace(self.path, self.path.with_name(self.path.name + ".corrupt"))
        return None

    def clear(self) -> None:
        """Remove the autosave (the work was saved); the slot stays this window's."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def release(self) -> None:
        """Remove the autosave and the lock file, and drop the lock (a normal close)."""
        self.clear()
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        with contextlib.suppress(OSError):
            self.lock_path.unlink()  # before unlocking: nobody can take a half-removed slot
        os.close(descriptor)

    def unlock(self) -> None:
        """Drop the lock and keep the files (a crashed window's slot left for later)."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            os.close(descriptor)

    def _record(self, source: str) -> None:
        """Write the owner's process id and the work's source into the lock file."""
        if self._descriptor is None:
            return
        text = f"{os.getpid()}\n{source}\n".encode()
        with contextlib.suppress(OSError):
            os.lseek(self._descriptor, 0, os.SEEK_SET)
            os.ftruncate(self._descriptor, 0)
            os.write(self._descriptor, text)


def claim_crashed_slots() -> list[AutosaveSlot]:
    """The autosaves of windows that ended without closing normally, newest first.

    Each slot returned is locked by the caller (release it once its work was offered);
    slots of windows still running, in this process or another, are left alone. Lock
    files of crashed windows that had nothing to autosave are removed.
    """
    folder = data_dir()
    if not folder.is_dir():
        return []
    candidates = {lock.with_suffix(_SUFFIX) for lock in folder.glob(f"{_PREFIX}*.lock")}
    candidates.update(folder.glob(f"{_PREFIX}*{_SUFFIX}"))
    legacy = folder / _LEGACY_NAME
    if legacy.exists() or legacy.with_suffix(".lock").exists():
        candidates.add(legacy)
    found: list[AutosaveSlot] = []
    for path in sorted(candidates):
        slot = _take(path)
        if slot is None:
            continue
        if slot.path.exists():
            found.append(slot)
        else:
            slot.release()  # a crashed window with nothing autosaved: its lock file goes
    found.sort(key=_modified, reverse=True)
    return found


def _take(path: Path) -> AutosaveSlot | None:
    """Lock the slot of ``path`` if no running window holds it."""
    try:
        descriptor = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    if not _try_lock(descriptor):
        os.close(descriptor)
        return None
    if not path.with_suffix(".lock").exists():  # released while we opened it
        os.close(descriptor)
        return None
    return AutosaveSlot(path, descriptor)


def _modified(slot: AutosaveSlot) -> float:
    try:
        return slot.path.stat().st_mtime
    except OSError:
        return 0.0
