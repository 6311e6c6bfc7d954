"""The application icon: the packaged SVG draws at every size; ICO and ICNS are sound."""

import struct
from pathlib import Path

from gdstudio.qt.icons import ICON_SIZES, ICON_SVG, app_icon, render_icon

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])


def test_the_packaged_svg_is_the_source(qapp) -> None:
    assert ICON_SVG.read_bytes() == (ICONS / "gdstudio.svg").read_bytes()


def test_app_icon_has_every_size_and_is_not_blank(qapp) -> None:
    icon = app_icon()
    assert not icon.isNull()
    assert sorted(size.width() for size in icon.availableSizes()) == sorted(ICON_SIZES)
    image = render_icon(16)
    centre, corner = image.pixelColor(8, 8), image.pixelColor(0, 0)
    assert centre.alpha() == 255 and corner.alpha() < 128  # opaque tile, rounded corners


def test_pngs_have_their_sizes() -> None:
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert png_size((ICONS / "png" / f"gdstudio-{size}.png").read_bytes()) == (size, size)


def test_ico_directory_points_at_pngs_of_the_stated_sizes() -> None:
    data = (ICONS / "gdstudio.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count == 7
    sizes = []
    for index in range(count):
        width, height, _colours, _zero, planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index: 22 + 16 * index])
        side = width or 256
        assert (width, planes, bits) == (height, 1, 32)
        assert png_size(data[offset:offset + length]) == (side, side)
        sizes.append(side)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_icns_elements_are_pngs_and_lengths_add_up() -> None:
    data = (ICONS / "gdstudio.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    position, kinds = 8, {}
    while position < len(data):
        kind = data[position:position + 4]
        (length,) = struct.unpack(">I", data[position + 4:position + 8])
        kinds[kind] = png_size(data[position + 8:position + length])[0]
        position += length
    assert position == len(data)
    assert kinds[b"ic07"] == 128 and kinds[b"ic10"] == 1024 and kinds[b"icp4"] == 16
