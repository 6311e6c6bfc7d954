"""Take the screenshots of the Sweeps tool (Run ▸ Sweep…).

``xvfb-run -a -s "-screen 0 1600x1000x24" python docs/make_sweeps_screenshots.py [OUT_DIR] [WxH]``

Writes ``sweeps_finder_x2.png``, ``sweeps_finder_rosenbrock.png``,
``sweeps_phase_rosenbrock.png``, ``sweeps_basins_two_minima.png`` and
``sweeps_basins_himmelblau.png`` (default size 1600 × 1000); the README shows the last,
the only one kept in git.
Settings and the autosave go to a temporary folder, so the user's own are never touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer

from gdstudio.app import create_application

#: (file, example or None for the first tutorial, tab, optimizers, region for the map)
SHOTS = (
    ("sweeps_finder_x2", None, 0, ("gd",), None),
    ("sweeps_finder_rosenbrock", "rosenbrock", 0, ("gd", "momentum", "adam"), None),
    ("sweeps_phase_rosenbrock", "rosenbrock", 1, (), None),
    ("sweeps_basins_two_minima", "two_minima_right", 2, (), (-2.2, 2.2)),
    ("sweeps_basins_himmelblau", "himmelblau", 2, (), (-6.0, 6.0)),
)


def wait_until(condition: Callable[[], bool], timeout: float = 120.0) -> bool:
    """Run the event loop until ``condition()`` holds or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return condition()


def main(out: Path, size: tuple[int, int]) -> None:
    from gdstudio.problems.gallery import example
    from gdstudio.qt.window import MainWindow

    create_application([])
    folder = Path(tempfile.mkdtemp())
    os.environ["GDSTUDIO_DATA_DIR"] = str(folder / "data")
    window = MainWindow(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1500, 920)
    window.show()
    assert wait_until(lambda: window.session.active), "the first example did not compile"
    for name, key, tab, optimizers, region in SHOTS:
        if key is not None:
            assert window.examples.open_example(key)
            text = example(key).experiment.expression
            assert wait_until(lambda t=text: window.model.expression_text == t
                              and window.session.active and not window.projects.restorer.busy)
        if region is not None:
            plot = window.function_plot if key == "two_minima_right" else window.contour_plot
            plot.setRange(xRange=region, yRange=region if plot is window.contour_plot else None,
                          padding=0)
        tool = window.sweeps.open()
        tool.resize(*size)
        tool.tabs.setCurrentIndex(tab)
        for optimizer, check in tool.finder.checks.items():
            check.setChecked(optimizer in optimizers)
        assert tool.compute(), tool.statusBar().currentMessage()
        assert wait_until(lambda t=tool: not t.busy)
        wait_until(lambda: False, 0.3)
        tool.grab().save(str(out / f"{name}.png"))
        print(name, "—", tool.panel.note.text())
    window.close()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "screenshots"
    width, height = (int(v) for v in (sys.argv[2] if len(sys.argv) > 2 else "1600x1000")
                     .split("x"))
    main(target, (width, height))
