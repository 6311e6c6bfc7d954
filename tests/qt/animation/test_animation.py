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

from gdstudio.engine import StoppingRules
from gdstudio.engine.history import History
from gdstudio.io import Project
from gdstudio.qt.animation.frames import (
    HistoryPrefix,
    default_steps_per_frame,
    frame_lengths,
)
from gdstudio.qt.animation.gif import HOLD_LAST_SECONDS, encode_gif
from tests.qt.helpers import run_to_end, wait_for_problem, window

__all__ = ["window"]

ROOT = Path(__file__).resolve().parents[3]
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


def test_cli_fit_animates_the_loss_map_with_the_exact_colours(tmp_path):
    (tmp_path / "points.csv").write_text("x,y\n1,2\n2,4\n3,6\n4,8\n5,10\n")
    result = cli("fit", "--data", "points.csv", "--model", "m*x + b", "--lr", "0.01",
                 "--max-iter", "100", "--animate", "fit.gif", "--size", "400x300", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    frames = frames_of(tmp_path / "fit.gif")
    assert len(frames) == 101 and frames[0].shape == (300, 400, 3)
    pixels = {tuple(p) for p in frames[50].reshape(-1, 3)}
    assert (0xE6, 0x9F, 0x00) in pixels  # the current point, orange as on screen
    assert (0xF0, 0xE4, 0x42) in pixels  # the least-squares star, yellow


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


# ------------------------------------------------------------------ File ▸ Export ▸ Animation…

ROSENBROCK = Project(
    expression="(1 - x)**2 + 100*(y - x**2)**2", start={"x": -1.5, "y": 2.0},
    optimizer="adam", learning_rate=0.05, stopping=StoppingRules(max_iter=300),
)


def open_animation_dialog(qtbot, window):

    window.projects.open_project(ROSENBROCK, None)
    wait_for_problem(qtbot, window, ROSENBROCK.expression)
    run_to_end(qtbot, window)
    window.registry.action("actionExportAnimation").trigger()
    dialog = window.exports.animation_dialog
    assert dialog.isVisible()
    return dialog


def test_export_animation_through_the_dialog(qtbot, window, tmp_path):
    dialog = open_animation_dialog(qtbot, window)
    labels = [dialog.plot_combo.itemText(i) for i in range(dialog.plot_combo.count())]
    assert labels == ["Main plot (map)", "Loss"]  # no 3-D offscreen
    assert dialog.rows == 301 and dialog.steps_spin.value() == 3  # 300 steps in about 10 s
    assert len(dialog.lengths()) == 101 and dialog.summary.text().startswith("101 frames")
    assert "MP4 is not offered" in dialog.format_note.text()  # and why, in one sentence
    window.projects.dialogs.save_paths.append(tmp_path / "rosenbrock.gif")
    with qtbot.waitSignal(dialog.saved, timeout=120_000) as saved:
        dialog.export_button.click()
        assert dialog.busy and not dialog.export_button.isEnabled()
    path, size = saved.args
    assert path == tmp_path / "rosenbrock.gif" and size == path.stat().st_size
    assert size <= 5 * 1024 * 1024  # small enough for a slide
    frames = frames_of(path)
    assert len(frames) == 101 and frames[0].shape == (480, 640, 3)
    assert not np.array_equal(frames[0], frames[50])
    assert window.statusBar().currentMessage() == "Exported rosenbrock.gif."
    # The plot shows the whole run again.
    assert len(window.contour_plot._history) == 301


def test_cancel_stops_the_export_and_writes_nothing(qtbot, window, tmp_path):
    dialog = open_animation_dialog(qtbot, window)
    dialog.plot_combo.setCurrentText("Loss")
    dialog.steps_spin.setValue(1)  # 301 frames: time to cancel
    window.projects.dialogs.save_paths.append(tmp_path / "never.gif")
    assert dialog.export()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=60_000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=60_000)
    assert dialog.summary.text() == "Cancelled: nothing was saved."
    assert dialog.export_button.isEnabled() and not (tmp_path / "never.gif").exists()
    dialog.cancel_button.click()  # now it closes
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_too_many_big_frames_are_refused_in_one_sentence(qtbot, window, tmp_path):
    dialog = open_animation_dialog(qtbot, window)
    dialog.steps_spin.setValue(1)
    dialog.width_spin.setValue(3840)
    dialog.height_spin.setValue(2160)
    assert not dialog.export() and "too much memory" in dialog.summary.text()
    assert window.projects.dialogs.save_paths == []


def test_data_mode_exports_the_data_and_loss_page(qtbot, window, tmp_path):

    from gdstudio.qt.data.mode_switch import apply_data_example

    window.editor.mode_switch.buttons["data"].click()
    qtbot.waitUntil(lambda: window.data_mode.ready and window.session.active, timeout=20_000)
    apply_data_example(window.model, "tutorial_slope_intercept")
    qtbot.waitUntil(lambda: window.data_mode.ready and window.session.active
                    and window.session.param_names == ("b", "m"), timeout=20_000)
    run_to_end(qtbot, window)
    window.registry.action("actionExportAnimation").trigger()
    dialog = window.exports.animation_dialog
    assert dialog.plot_combo.itemText(0) == "Main plot (data and loss)"
    dialog.steps_spin.setValue(100)
    window.projects.dialogs.save_paths.append(tmp_path / "fit.gif")
    with qtbot.waitSignal(dialog.saved, timeout=120_000):
        dialog.export_button.click()
    frames = frames_of(tmp_path / "fit.gif")
    assert len(frames) >= 5 and frames[0].shape == (480, 640, 3)
    # The model line and the loss path move between the first and the last frame.
    assert not np.array_equal(frames[0], frames[-1])
    view = window.data_mode.view
    assert len(view.loss_map._history) == len(window.session.history)  # put back
