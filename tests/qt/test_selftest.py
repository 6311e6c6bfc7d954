"""``gdstudio --self-test`` from source, in a fresh process, as the installers run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gdstudio.qt.selftest import EXPECTED_X, seconds_since_process_start


def test_self_test_passes_and_saves_a_screenshot(tmp_path: Path) -> None:
    screenshot = tmp_path / "shots" / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GDSTUDIO_STARTUP_TIMING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "gdstudio", "--self-test", "--screenshot", str(screenshot)],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "self-test passed: converged after 40 steps" in result.stdout
    assert "a large fit stepped in the helper process" in result.stdout
    assert "startup: window first painted" in result.stdout
    assert screenshot.stat().st_size > 10_000
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_expected_point_is_the_tutorial_answer() -> None:
    assert abs(EXPECTED_X - 0.000398) < 1e-6


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="Linux /proc only")
def test_process_age_is_known_on_linux() -> None:
    age = seconds_since_process_start()
    assert age is not None and 0 <= age < 3600
