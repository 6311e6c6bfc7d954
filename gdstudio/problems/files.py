"""Reading a user's file with limits: the one reader for data (CSV) and project files.

A file chosen by a student may be anything: a device such as ``/dev/zero`` that never
ends, a named pipe (FIFO) that blocks until someone writes to it, or a file far larger
than any table. :func:`read_limited` opens the path without blocking
(``O_NONBLOCK``, where the platform has it), looks at what it opened (``fstat``: no
race between checking and reading), accepts regular files only, refuses a file above a
size limit from its size alone, and reads at most ``limit + 1`` bytes, so a file that
grows while it is read is refused too. Nothing is read from a refused file.

It lives in :mod:`gdstudio.problems` (not in :mod:`gdstudio.io`) because the CSV reader,
:func:`gdstudio.problems.dataset.load_csv`, is here and :mod:`gdstudio.io` builds on it;
the engine below reads no files.
"""

from __future__ import annotations

import os
import stat

__all__ = ["FileRefusedError", "read_limited", "size_text"]


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
