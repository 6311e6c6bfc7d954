"""Take the 3-D and animation screenshots of the real window (run under Xvfb with GLX).

``xvfb-run -a -s "-screen 0 1600x1000x24 +extension GLX" \
python docs/make_3d_screenshots.py [OUT_DIR]``

1. ``rosenbrock_3d.png``: Rosenbrock with Adam, the map and the 3-D surface side by
   side, with its axes labelled (dark theme); to look at, not for the README (in a
   temporary folder, printed): the same in the light theme and at 1280 × 720;
2. ``data_loss_3d.png``: the slope-intercept tutorial's loss bowl in 3-D;
3. ``rosenbrock_3d.gif`` (through File ▸ Export ▸ Animation…, the 3-D surface) and, in
   the temporary folder, ``rosenbrock_3d_frame.png``, one of its frames.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
from pathlib import Path

from make_data_screenshots import data_ready
from make_data_screenshots import run_to_end as run_data_to_end
from make_screenshots import new_window, run_to_end, settle, use_expression, wait_until
from PIL import Image
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QComboBox, QWidget

from gdstudio.app import create_application
from gdstudio.qt.data.mode_switch import apply_data_example


def grab(window: QWidget) -> QPixmap:
    """The window as on screen. ``QWidget.grab`` drops what an OpenGL view paints over
    its scene with a QPainter (the 3-D axis labels), so each visible GL view is drawn
    again from its framebuffer, in place."""
    picture = window.grab()
    painter = QPainter(picture)
    for view in window.findChildren(QOpenGLWidget):
        if view.isVisible():
            painter.drawImage(view.mapTo(window, view.rect().topLeft()), view.grabFramebuffer())
    painter.end()
    return picture


def use_theme(window: QWidget, theme: str) -> None:
    preferences = window.preferences
    preferences.set_preferences(dataclasses.replace(preferences.preferences, theme=theme))
    settle(0.5)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    extra = Path(tempfile.mkdtemp(prefix="gdstudio-3d-"))
    os.environ.setdefault("GDSTUDIO_DATA_DIR", tempfile.mkdtemp())
    create_application(sys.argv)
    window = new_window(Path(tempfile.mkdtemp()))
    window.resize(1600, 1000)
    use_expression(window, "(1-x)**2 + 100*(y-x**2)**2")
    window.model.set_start({"x": -1.5, "y": 2.0})
    combo = window.findChild(QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("adam"))
    window.model.set_learning_rate(0.05)
    window.model.set_stopping(window.model.stopping.with_changes(max_iter=1500, tol_step=None))
    page = window.contour_page
    assert page.set_layout("both"), page.message.text()
    use_theme(window, "dark")
    run_to_end(window)
    settle(1.0)
    grab(window).save(str(out / "rosenbrock_3d.png"))
    use_theme(window, "light")
    grab(window).save(str(extra / "rosenbrock_3d_light.png"))
    window.resize(1280, 720)
    settle(1.0)
    grab(window).save(str(extra / "rosenbrock_3d_1280.png"))
    window.resize(1600, 1000)
    use_theme(window, "dark")

    dialog = window.exports.ask_animation()
    dialog.plot_combo.setCurrentText("3-D surface")
    dialog.width_spin.setValue(480)
    dialog.height_spin.setValue(360)
    gif = out / "rosenbrock_3d.gif"
    dialog._ask_path = lambda: gif  # no file dialog in a script
    saved: list[int] = []
    dialog.saved.connect(lambda _path, size: saved.append(size))
    assert dialog.export()
    assert wait_until(lambda: bool(saved), 300), "the animation was not saved"
    with Image.open(gif) as image:
        print(f"{gif.name}: {image.n_frames} frames, {gif.stat().st_size / 1024:.0f} KB")
        image.seek(image.n_frames // 2)
        image.convert("RGB").save(extra / "rosenbrock_3d_frame.png")

    window.editor.mode_switch.buttons["data"].click()
    apply_data_example(window.model, "tutorial_slope_intercept")
    assert data_ready(window, ("b", "m")), "the slope-intercept tutorial did not start"
    loss_page = window.data_mode.view.loss_page
    assert loss_page.set_layout("3d"), loss_page.message.text()
    run_data_to_end(window)
    # The map's own region reaches m = ±20 (the bowl looks like a trough): show b and m
    # around the path and the answer, as a student would zoom the map.
    loss_page.plot.plotItem.vb.setAspectLocked(False)  # the map is hidden: its shape is not
    loss_page.plot.plotItem.vb.setRange(xRange=(-3.0, 3.0), yRange=(-1.0, 5.0), padding=0)
    settle(1.0)
    grab(window).save(str(out / "data_loss_3d.png"))
    window.close()
    print(f"saved screenshots in {out}; pictures to look at in {extra}")


if __name__ == "__main__":
    main()
