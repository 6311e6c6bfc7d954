"""Pictures of a plot as files: PNG at twice its size on screen, SVG drawings."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pyqtgraph as pg

__all__ = ["PNG_SCALE", "render_png", "render_svg"]

#: PNG exports are this many times the plot's size on screen (sharp on slides).
PNG_SCALE = 2


def render_png(plot: pg.PlotWidget, path: Path) -> None:
    """Write ``plot`` as a PNG, :data:`PNG_SCALE` times its width on screen."""
    from pyqtgraph.exporters import ImageExporter  # loaded when first exported

    exporter = ImageExporter(plot.scene())
    exporter.parameters()["width"] = max(int(plot.width() * PNG_SCALE), 16)
    exporter.export(str(path))


def render_svg(plot: pg.PlotWidget, path: Path) -> None:
    """Write ``plot``'s scene as SVG with pyqtgraph's exporter.

    pyqtgraph 0.14 cannot read the lone ``Z`` (close path) that Qt 6.11's SVG generator
    now writes in a path (pyqtgraph issue #3485), so while exporting, its coordinate
    correction sees paths without it. A ``Z`` after a stroke that already returns to its
    start changes nothing drawn, and fills close their paths anyway.
    """
    # The module, not the class of the same name that pyqtgraph.exporters exports.
    svg_module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = svg_module.correctCoordinates

    def tolerant(node: Any, defs: Any, item: Any, options: Any) -> Any:
        for element in node.getElementsByTagName("path"):
            tokens = element.getAttribute("d").split()
            element.setAttribute("d", " ".join(t for t in tokens if t not in ("Z", "z")))
        return original(node, defs, item, options)

    svg_module.correctCoordinates = tolerant
    try:
        svg_module.SVGExporter(plot.scene()).export(str(path))
    finally:
        svg_module.correctCoordinates = original
