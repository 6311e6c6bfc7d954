"""Reading project files as strict JSON with limits, and writing them readably.

Everything here guards the reader before and while ``json.loads`` runs: the file's size is
checked before it is read, the text must be UTF-8, brackets may not nest deeper than
:data:`MAX_DEPTH` (checked by a scan outside strings *before* parsing, so a file of a
hundred thousand ``[`` never reaches the recursive parser), repeated keys and the bare
``NaN`` / ``Infinity`` literals (which are not JSON) are refused. Messages are one
sentence without the file's name; the caller adds it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from gdstudio.io._errors import ProjectError
from gdstudio.io.files import FileRefusedError, too_large
from gdstudio.io.files import read_limited as read_file_limited

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "dumps",
    "estimated_size",
    "parse_json",
    "read_limited",
]

#: Largest project file read, in bytes (50 MB).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Deepest nesting of lists and objects accepted (a project needs 4).
MAX_DEPTH = 20
#: Most digits of a whole number in a project (the largest float has 309).
MAX_INTEGER_DIGITS = 400

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRUCTURE = b'[]{}"'
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in _STRUCTURE)
_BARE_STRING = re.compile(rb'"[^"]*(?:"|\Z)')
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_CHUNK = 1 << 20
_OPENERS = frozenset(b"[{")


def read_limited(path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`, checked before reading.

    The same reader and rules as data files (:func:`gdstudio.io.files.read_limited`).

    Raises
    ------
    ProjectError
        For a missing file, a folder or device, a file that is too large or unreadable.
    """
    try:
        return read_file_limited(path, MAX_FILE_BYTES, "project file")
    except FileRefusedError as error:
        raise ProjectError(str(error)) from None


def parse_json(raw: bytes | str) -> Any:
    """Decode UTF-8 (a byte order mark is allowed), check the nesting, and parse strictly.

    Raises
    ------
    ProjectError
        For text that is not UTF-8, empty, nested too deeply, or not valid JSON (with its
        line and column), repeated keys, or ``NaN`` / ``Infinity`` literals.
    """
    if isinstance(raw, str):
        text = raw.removeprefix("\ufeff")
        data = text.encode("utf-8", "surrogatepass")
    else:
        data = raw.removeprefix(b"\xef\xbb\xbf")
        text = _decoded(data)
    if not text.strip():
        raise ProjectError("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise ProjectError(too_large(len(data), MAX_FILE_BYTES, "project file"))
    _check_depth(data)
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_refuse_constant,
                          parse_int=_integer)
    except _TooLongError as error:
        raise ProjectError(_too_long(error.digits, text)) from None
    except json.JSONDecodeError as error:
        raise ProjectError(_syntax_message(error, text)) from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise ProjectError(f"the data nests more than {MAX_DEPTH} levels deep") from None
    except ValueError as error:  # e.g. an integer with thousands of digits
        if isinstance(error, ProjectError):
            raise
        raise ProjectError(f"the file holds a value that cannot be read ({error})") from None


def dumps(value: Any) -> str:
    """JSON text: objects indented, small ones and lists on one line, arrays row by row.

    ``value`` holds JSON data and numpy arrays (written as lists, see :func:`_array`).
    Non-finite floats outside arrays are refused (``allow_nan=False``).
    """
    return _format(value, 0) + "\n"


def estimated_size(value: Any) -> int:
    """About how many bytes :func:`dumps` would write for ``value``, found quickly.

    Arrays dominate: their size is estimated from the length of a sample of their numbers
    (to within a few percent), the rest is ignored. Used to refuse a project far too large
    to save before spending seconds writing it.
    """
    if isinstance(value, np.ndarray) and value.size:
        flat = value.ravel()
        sample = flat[:: max(1, flat.size // 512)].tolist()
        per_number = sum(len(repr(item)) for item in sample) / len(sample) + 2
        return int(flat.size * per_number)
    if isinstance(value, dict):
        return sum(estimated_size(item) for item in value.values())
    if isinstance(value, list):
        return sum(estimated_size(item) for item in value)
    return 0


# ---------------------------------------------------------------------------- reading
def _decoded(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ProjectError("the file is UTF-16 text; project files are UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        raise ProjectError(
            f"the file is not UTF-8 text (byte 0x{byte:02x} on line {line}); it is not a "
            "project file, or it is damaged"
        ) from None


def _check_depth(data: bytes) -> None:
    """Refuse nesting deeper than MAX_DEPTH, counting brackets outside strings only.

    Escapes (``\\x``) are dropped first, so that every remaining ``"`` opens or closes a
    string; then only brackets and quotes are kept (``bytes.translate``), strings removed,
    and the running depth summed with numpy: a few C passes over the file, no Python loop.
    """
    skeleton = _ESCAPE.sub(b"", data).translate(None, _NOT_STRUCTURE)
    brackets = _BARE_STRING.sub(b"", skeleton)
    depth = 0
    for start in range(0, len(brackets), _CHUNK):
        chunk = np.frombuffer(brackets, dtype=np.uint8, count=min(_CHUNK, len(brackets) - start),
                              offset=start)
        steps = np.where((chunk == ord("[")) | (chunk == ord("{")), 1, -1)
        running = np.cumsum(steps) + depth
        if running.max() > MAX_DEPTH:
            line, column = _locate(data, _deep_position(data))
            raise ProjectError(
                f"the data nests lists and objects more than {MAX_DEPTH} levels deep (line "
                f"{line}, column {column}); a project file needs only 4"
            )
        depth = int(running[-1])


def _deep_position(data: bytes) -> int:
    """Byte offset of the first bracket that opens level MAX_DEPTH + 1."""
    depth = 0
    for match in _TOKEN.finditer(data):
        first = data[match.start()]
        if first in _OPENERS:
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif first != ord('"'):
            depth -= 1
    return 0  # pragma: no cover - only called when such a bracket exists


def _locate(data: bytes, position: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, position) + 1
    line = data.count(b"\n", 0, position) + 1
    column = len(data[line_start:position].decode("utf-8", "replace")) + 1
    return line, column


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ProjectError(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return result


class _TooLongError(ValueError):
    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def _integer(spelled: str) -> int:
    """A JSON integer, refused before Python converts one of thousands of digits."""
    digits = len(spelled) - spelled.startswith("-")
    if digits > MAX_INTEGER_DIGITS:
        raise _TooLongError(digits)
    return int(spelled)


def _too_long(digits: int, text: str) -> str:
    found = re.search(rf"[0-9]{{{digits}}}", text)
    where = ""
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        where = f" (line {line}, column {found.start() - text.rfind(chr(10), 0, found.start())})"
    return (f"the file holds a number {digits:,} digits long{where}; the number is too long "
            f"(at most {MAX_INTEGER_DIGITS} digits)")


def _refuse_constant(name: str) -> Any:
    raise ProjectError(
        f"the file holds the bare value {name}, which is not JSON; non-finite numbers are "
        'written as the strings "NaN", "Infinity" and "-Infinity", and only in the history'
    )


def _syntax_message(error: json.JSONDecodeError, text: str) -> str:
    if not text[error.pos :].strip() or error.msg.startswith("Unterminated string"):
        end = len(text.rstrip())
        line = text.count("\n", 0, end) + 1
        column = end - text.rfind("\n", 0, end)
        return (f"the file ends in the middle of the data (line {line}, column {column}): it "
                "was cut short or damaged")
    where = f"line {error.lineno}, column {error.colno}"
    return f"the file is not valid JSON: {error.msg.lower()} ({where})"


# ---------------------------------------------------------------------------- writing
def _format(value: Any, level: int) -> str:
    inner = " " * (2 * level + 2)
    if isinstance(value, np.ndarray):
        return _array(value, inner, " " * (2 * level))
    if isinstance(value, dict):
        if _is_small(value):
            return json.dumps(value, ensure_ascii=False, allow_nan=False)
        items = ",\n".join(f"{inner}{_compact(key)}: {_format(item, level + 1)}"
                           for key, item in value.items())
        return "{\n" + items + "\n" + " " * (2 * level) + "}"
    if isinstance(value, list) and any(isinstance(item, (dict, np.ndarray)) for item in value):
        items = ",\n".join(f"{inner}{_format(item, level + 1)}" for item in value)
        return "[\n" + items + "\n" + " " * (2 * level) + "]"
    return _compact(value)


def _array(array: np.ndarray, inner: str, outer: str) -> str:
    """A numpy array as a JSON list (2-D: one row per line), fast.

    Floats are written with ``repr`` (shortest round trip); non-finite ones as the strings
    ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``.
    """
    tokens = list(map(repr, array.ravel().tolist()))
    if array.dtype.kind == "f":
        flat = array.ravel()
        for index in np.flatnonzero(~np.isfinite(flat)).tolist():
            number = flat[index]
            tokens[index] = '"NaN"' if number != number else (
                '"Infinity"' if number > 0 else '"-Infinity"')
    if array.ndim == 1:
        return "[" + ", ".join(tokens) + "]"
    width = array.shape[1]
    rows = ["[" + ", ".join(tokens[start : start + width]) + "]"
            for start in range(0, len(tokens), width)]
    return "[\n" + inner + (",\n" + inner).join(rows) + "\n" + outer + "]"


def _is_small(value: dict[str, Any]) -> bool:
    """An object of a few plain values, written on one line."""
    plain = all(isinstance(item, str | int | float | None) for item in value.values())
    return plain and len(value) <= 6 and len(_compact(value)) <= 72


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))
