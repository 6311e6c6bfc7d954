"""Animations: frame arithmetic, the GIF encoder, gdstudio-cli --animate, File ▸ Export.

The command line is run as a subprocess without a display (no DISPLAY, no
QT_QPA_PLATFORM): it must choose the offscreen platform itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gdstudio.engine.history import History
from gdstudio.qt.animation.frames import (
    HistoryPrefix,
    default_steps_per_frame,
    frame_lengths,
)
from gdstudio.qt.animation.gif import HOLD_LAST_SECONDS, encode_gif

ROOT = Path(__file__).resolve().parents[2]
MUST_SHOW = ["run", "--expr", "(x-3)**2 + 10*(y+1)**2", "--start", "x=0", "y=0", "--lr", "0.04",
             "--max-iter", "60"]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "gdstudio.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def frames_of(path: Path) -> list[np.ndarray]:
    with Image.open(path) as image:
        frames = []
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(np.asarray(image.convert("RGB")))
        return frames


# ------------------------------------------------------------------ numbers
def test_frame_lengths_step_through_the_run_and_end_on_its_last_row():
    assert frame_lengths(61, 1) == list(range(1, 62))
    assert frame_lengths(10, 4) == [1, 5, 9, 10]
    assert frame_lengths(9, 4) == [1, 5, 9]
    assert frame_lengths(1, 3) == [1] and frame_lengths(0, 3) == []


def test_the_default_is_the_whole_run_in_about_ten_seconds():
    assert default_steps_per_frame(61, 10) == 1  # 60 steps: 61 frames, 6 s
    assert default_steps_per_frame(3001, 10) == 30  # 3000 steps: 101 frames
    assert default_steps_per_frame(3001, 25) == 12
    assert default_steps_per_frame(1, 10) == 1


def test_a_prefix_is_the_history_cut_at_a_row():
    history = History(2)
    for k in range(5):
        history.append(np.array([k, -k], dtype=float), float(k * k), np.array([1.0, 2.0]))
    prefix = HistoryPrefix(history, 3)
    assert len(prefix) == 3 and prefix.params.tolist() == [[0, 0], [1, -1], [2, -2]]
    assert prefix.loss.tolist() == [0, 1, 4] and prefix.grad.shape == (3, 2)
    prefix.length = 99
    assert len(prefix) == 5 and prefix.step.tolist() == [0, 1, 2, 3, 4]


def test_gif_frames_share_one_palette_and_the_last_one_is_held(tmp_path):
    frames = []
    for k in range(20):
        frame = np.full((48, 64, 3), 255, np.uint8)
        frame[10:20, : 3 * (k + 1)] = (213, 94, 0)  # a vermillion bar that grows
        frames.append(frame)
    size = encode_gif(frames, tmp_path / "bar.gif", fps=20)
    assert size == (tmp_path / "bar.gif").stat().st_size
    read = frames_of(tmp_path / "bar.gif")
    assert len(read) == 20
    assert np.abs(read[7].astype(int) - frames[7]).max() <= 8  # the colours survive
    with Image.open(tmp_path / "bar.gif") as image:
        assert image.info["loop"] == 0 and image.info["duration"] == 50
        image.seek(19)
        assert image.info["duration"] == 1000 * HOLD_LAST_SECONDS


# ------------------------------------------------------------------ the command line
def test_cli_animate_writes_a_gif_without_a_display(tmp_path):
    result = cli(*MUST_SHOW, "--animate", "out.gif", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "status: max_iter after 60 steps" in result.stdout  # the table as always
    frames = frames_of(tmp_path / "out.gif")
    assert len(frames) == 61 >= 10  # one frame per step by default (6 s)
    assert frames[0].shape == (480, 640, 3)
    assert (tmp_path / "out.gif").stat().st_size < 5 * 1024 * 1024
    assert not np.array_equal(frames[1], frames[-1])  # the path moves
    assert "saved out.gif (61 frames, 640x480" in result.stderr


def test_cli_animates_the_loss_at_a_size_and_rate(tmp_path):
    result = cli(*MUST_SHOW, "--animate", "loss.gif", "--animate-plot", "loss", "--fps", "5",
                 "--size", "320x200", "--steps-per-frame", "6", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    frames = frames_of(tmp_path / "loss.gif")
    assert len(frames) == 11 and frames[0].shape == (200, 320, 3)
    with Image.open(tmp_path / "loss.gif") as image:
        assert image.info["duration"] == 200


@pytest.mark.parametrize(("options", "words"), [
    (["--animate", "out.gif", "--size", "640by480"], "is not WIDTHxHEIGHT"),
    (["--animate", "out.gif", "--size", "10x10"], "each side must be 64 to 3840"),
    (["--animate", "out.gif", "--fps", "0"], "frames per second must be 1 to 60"),
    (["--animate", "out.png"], "saved as .gif"),
    (["--animate", "out.mp4"], "MP4 is not available"),
    (["--animate", "out.gif", "--animate-plot", "3d"], "invalid choice"),
])
def test_cli_bad_animation_arguments_are_one_sentence_and_exit_2(tmp_path, options, words):
    result = cli(*MUST_SHOW, *options, cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr
    assert "Traceback" not in result.stderr and not list(tmp_path.iterdir())


def test_cli_loads_qt_only_for_animate(tmp_path):
    code = ("import sys; from gdstudio.cli import main; "
            f"main({MUST_SHOW!r}); "
            "assert not any(m.split('.')[0] in ('PySide6', 'pyqtgraph') for m in sys.modules)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
