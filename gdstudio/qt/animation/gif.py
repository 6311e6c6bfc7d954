"""Animated GIFs with Pillow: one shared palette, and only the changed part of each frame.

A palette made from the first, middle and last frames is used for every frame,
without dithering, so that pixels that did not change keep exactly their index; Pillow
then stores each frame as the rectangle that changed. A 100-frame run at 640 × 480 is a
few hundred kilobytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["HOLD_LAST_SECONDS", "encode_gif"]

#: The last frame stays this long, so the end of the run can be read on a slide.
HOLD_LAST_SECONDS = 2.0
#: Colours always in the palette, exactly: the plots' Okabe–Ito colours (path, point,
#: arrow, star …), white, black and the axes' grey. A palette made by averaging would
#: turn a small orange point yellow.
EXACT_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                 "#CC79A7", "#000000", "#FFFFFF", "#333333", "#1B1C1F", "#D9D9D9")


class CancelledError(Exception):
    """The encoding was cancelled."""


def encode_gif(frames: Sequence[np.ndarray], path: Path, fps: float,
               cancelled: Callable[[], bool] = lambda: False) -> int:
    """Write ``frames`` (RGB arrays ``(h, w, 3)`` of one size) as a looping GIF at ``path``.

    Returns the size of the file in bytes. The file is written whole or not at all.

    Raises
    ------
    CancelledError
        When ``cancelled()`` became true (nothing is written).
    """
    # lazy: io is loaded only when a GIF is saved
    from gdstudio.io.files import atomic_write_bytes

    if not frames:
        raise ValueError("there are no frames to save")
    # The palette of the first, middle and last frames together: the run's colours at
    # every stage (the arrow and the current point may be gone by the end).
    sample = np.concatenate([frames[0], frames[len(frames) // 2], frames[-1]], axis=0)
    palette = _palette(sample)
    images = []
    for frame in frames:
        if cancelled():
            raise CancelledError
        images.append(Image.fromarray(frame).quantize(palette=palette,
                                                      dither=Image.Dither.NONE))
    frame_ms = max(20, round(1000 / fps))  # browsers show shorter delays as 100 ms
    durations = [frame_ms] * len(images)
    durations[-1] = max(frame_ms, round(1000 * HOLD_LAST_SECONDS))
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, optimize=True, disposal=1)
    if cancelled():
        raise CancelledError
    atomic_write_bytes(Path(path), buffer.getvalue())
    return len(buffer.getvalue())


def _palette(sample: np.ndarray) -> Image.Image:
    """A 256-colour palette image: :data:`EXACT_COLOURS`, then the sample's median cut."""
    exact = [int(colour[i : i + 2], 16) for colour in EXACT_COLOURS for i in (1, 3, 5)]
    free = 256 - len(EXACT_COLOURS)
    cut = Image.fromarray(sample).quantize(colors=free, method=Image.Quantize.MEDIANCUT)
    values = exact + cut.getpalette()[: 3 * free]
    palette = Image.new("P", (1, 1))
    palette.putpalette(values + [0] * (768 - len(values)))
    return palette
