"""Writing a file atomically: a crash while writing never destroys the previous file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes"]

# The process's umask, read once at import (reading it means setting it briefly), so a new
# file gets the usual permissions rather than mkstemp's private 0600.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once.

    The bytes go to a temporary file in the same directory, which is flushed, synced to
    the disk (``os.fsync``) and then renamed over ``path`` with :func:`os.replace` (atomic
    on POSIX and Windows). On any failure the temporary file is removed, the previous
    file is left as it was, and the error is raised again.

    A symbolic link is followed: the file it points to (through any chain of links) is
    replaced, atomically, in its own directory, and the link itself stays a link. (A
    rename over the link would replace the link with a file and leave its target with the
    old content.)

    Parameters
    ----------
    path : str or path
        Destination; its directory must exist.
    data : bytes
        The whole new content.
    """
    target = _followed(Path(path))
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        _keep_mode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(target.parent)


def _followed(path: Path) -> Path:
    """``path``, or the file a symbolic link at ``path`` finally points to."""
    if not path.is_symlink():
        return path
    return Path(os.path.realpath(path))


def _keep_mode(target: Path, temporary: str) -> None:
    """Give the new file the permissions of the one it replaces (mkstemp makes 0600)."""
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        mode = 0o666 & ~_UMASK
    with contextlib.suppress(OSError):
        os.chmod(temporary, mode)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it (not on Windows)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
