"""A user's files: the one bounded reader and the one atomic writer of the package.

A file chosen by a student may be anything: a device such as ``/dev/zero`` that never
ends, a named pipe (FIFO) that blocks until someone writes to it, or a file far larger
than any table. :func:`read_limited` opens the path without blocking
(``O_NONBLOCK``, where the platform has it), looks at what it opened (``fstat``: no
race between checking and reading), accepts regular files only, refuses a file above a
size limit from its size alone, and reads at most ``limit + 1`` bytes, so a file that
grows while it is read is refused too. Nothing is read from a refused file.

The CSV format (:mod:`gdstudio.io.csv_files`), project and lesson files, the autosave
and the exports all read through :func:`read_limited`, and every save (projects,
lessons, exports, :func:`~gdstudio.io.csv_files.save_csv`, pictures) goes through
:func:`atomic_write_bytes`: a crash while writing never destroys the previous file, and
a symbolic link is written through, not replaced.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["FileRefusedError", "atomic_write_bytes", "read_limited", "size_text"]


class FileRefusedError(ValueError):
    """A file that was not read: one sentence without the file's name (callers add it)."""


def read_limited(path: str | os.PathLike[str], limit: int, kind: str) -> bytes:
    """The bytes of the regular file ``path``, if it holds at most ``limit`` bytes.

    Parameters
    ----------
    path : str or path
        The file.
    limit : int
        Most bytes accepted.
    kind : str
        What the file should be, for messages: ``"project file"``, ``"CSV file"``.

    Returns
    -------
    bytes

    Raises
    ------
    FileRefusedError
        For a missing file, a folder, anything that is not a regular file (a device, a
        pipe, a socket), a file above ``limit`` (the message gives the limit), or one that
        cannot be read (with the system's reason).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise FileRefusedError("there is no such file") from None
    except OSError as error:
        if isinstance(error, IsADirectoryError) or os.path.isdir(path):  # Windows: EACCES
            raise FileRefusedError(f"this is a folder, not a {kind}") from None
        raise FileRefusedError(f"the file cannot be read ({_reason(error)})") from None
    try:
        _check_opened(os.fstat(descriptor), limit, kind)
        data = _read_at_most(descriptor, limit + 1)
    except OSError as error:
        raise FileRefusedError(f"the file cannot be read ({_reason(error)})") from None
    finally:
        os.close(descriptor)
    if len(data) > limit:  # it grew after the check
        raise FileRefusedError(too_large(len(data), limit, kind))
    return data


def too_large(size: int, limit: int, kind: str) -> str:
    """The sentence for a file of ``size`` bytes above ``limit``."""
    return f"the file is {size / 1e6:.1f} MB, more than the {size_text(limit)} a {kind} may hold"


def size_text(limit: int) -> str:
    """A limit in bytes as people say it: ``"50 MB"`` for 50 MiB."""
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit:,} bytes"


def _check_opened(info: os.stat_result, limit: int, kind: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise FileRefusedError(f"this is a folder, not a {kind}")
    if not stat.S_ISREG(info.st_mode):
        raise FileRefusedError(
            f"this is not a regular file ({_what(info.st_mode)}); a {kind} must be a file on disk"
        )
    if info.st_size > limit:
        raise FileRefusedError(too_large(info.st_size, limit, kind))


def _read_at_most(descriptor: int, count: int) -> bytes:
    chunks: list[bytes] = []
    remaining = count
    while remaining > 0:
        chunk = os.read(descriptor, min(remaining, 1 << 24))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _what(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "it is a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device"
    if stat.S_ISSOCK(mode):
        return "it is a socket"
    return "it is a special file"


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


# ------------------------------------------------------------------------ writing
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
