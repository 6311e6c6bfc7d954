"""Writing a file atomically (the writer lives in :mod:`gdstudio.problems.files`, below
``io``, so that ``save_csv`` uses it too)."""

from __future__ import annotations

from gdstudio.problems.files import atomic_write_bytes

__all__ = ["atomic_write_bytes"]
