"""Render the application icon from ``gdstudio.svg`` into every format the app ships.

Run it after editing the SVG (the outputs are committed, so builds need no renderer)::

    python resources/icons/make_icons.py

It writes, next to this script:

- ``png/gdstudio-<size>.png`` for 16, 24, 32, 48, 64, 128, 256 and 512 px (the Linux
  package installs them under ``/usr/share/icons/hicolor/<size>x<size>/apps``);
- ``gdstudio.ico`` (Windows: executable, installer and shortcuts), a plain ICO container
  of PNG images;
- ``gdstudio.icns`` (macOS: the ``.app`` bundle), a plain ICNS container of PNG images;

and the runtime copy of the SVG, ``gdstudio/resources/icons/gdstudio.svg`` (package data:
the window draws its icon from it). The drawing is :func:`gdstudio.qt.icons.render_icon`,
the same the window uses: QtSvg and QtGui from PySide6, no Pillow, no ImageMagick. Sizes
up to 24 px leave out the three small step dots, which would only blur at that size.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "gdstudio.svg"
PACKAGE_ICONS = HERE.parent.parent / "gdstudio" / "resources" / "icons"

#: Sizes of the PNG files (and of the hicolor theme directories).
PNG_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512)
#: Sizes inside the Windows .ico (256 is the largest the format allows).
ICO_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256)
#: ICNS element types holding PNG data, with their pixel size.
ICNS_TYPES: tuple[tuple[bytes, int], ...] = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)


def render_png(svg: Path, size: int) -> bytes:
    """Render ``svg`` as a ``size`` × ``size`` PNG with a transparent background.

    Parameters
    ----------
    svg : Path
        The SVG source.
    size : int
        Width and height in pixels.

    Returns
    -------
    bytes
        The PNG file's contents.
    """
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    from gdstudio.qt.icons import render_icon

    image = render_icon(size, svg)
    if image.isNull():
        raise ValueError(f"{svg} is not a valid SVG file")
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"could not encode the {size} px PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file holding the given PNG images (Windows Vista and later read PNG entries).

    Parameters
    ----------
    pngs : dict of int to bytes
        PNG contents by pixel size (each at most 256).

    Returns
    -------
    bytes
        ``ICONDIR`` header, one 16-byte ``ICONDIRENTRY`` per image, then the images.
    """
    sizes = sorted(pngs)
    if any(size > 256 for size in sizes):
        raise ValueError("ICO images are at most 256 px")
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(sizes)
    entries, images = [], []
    for size in sizes:
        data = pngs[size]
        side = 0 if size == 256 else size  # 0 means 256
        entries.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset))
        images.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(images)


def icns_bytes(elements: Iterable[tuple[bytes, bytes]]) -> bytes:
    """An ICNS file: the ``icns`` magic, the total length, then typed PNG elements.

    Parameters
    ----------
    elements : iterable of (bytes, bytes)
        Four-byte element type (``ic07`` …) and its PNG contents.

    Returns
    -------
    bytes
        The file's contents (all lengths big-endian and including their 8-byte headers).
    """
    body = b"".join(
        kind + struct.pack(">I", 8 + len(data)) + data for kind, data in elements
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
        print(f"wrote {path.relative_to(HERE.parent.parent)} ({len(data):,} bytes)")


def make_icons(svg: Path = SOURCE, out: Path = HERE, package: Path = PACKAGE_ICONS) -> None:
    """Render every icon file from ``svg``; files whose contents did not change are kept.

    Parameters
    ----------
    svg : Path
        The SVG source.
    out : Path
        Where the PNG directory, the ICO and the ICNS go.
    package : Path
        The package-data directory that gets a copy of the SVG.
    """
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _kind, size in ICNS_TYPES)})
    pngs = {size: render_png(svg, size) for size in sizes}
    for size in PNG_SIZES:
        _write(out / "png" / f"gdstudio-{size}.png", pngs[size])
    _write(out / "gdstudio.ico", ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    _write(out / "gdstudio.icns", icns_bytes((kind, pngs[size]) for kind, size in ICNS_TYPES))
    package.mkdir(parents=True, exist_ok=True)
    _write(package / svg.name, svg.read_bytes())


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``make_icons.py [--svg PATH]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=SOURCE, help="the SVG source")
    arguments = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(HERE.parent.parent))  # gdstudio, also when not installed
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    make_icons(arguments.svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
