"""Packaging metadata that can be checked without building: desktop entry, AppStream,
pins, installer identity. The real build and smoke test: packaging/smoke_test_deb.sh."""

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from gdstudio._version import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
APP_ID_GUID = "304907F9-C645-4088-86B2-F3D2D9C6CADF"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-utils not installed")
def test_desktop_entry_is_valid() -> None:
    desktop = PACKAGING / "linux" / "gdstudio.desktop"
    result = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True,
                            text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    assert "Categories=Education;Math;" in desktop.read_text()


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_appstream_metainfo_is_valid(tmp_path: Path) -> None:
    name = "org.gdstudio.GradientDescentStudio.metainfo.xml"
    text = (PACKAGING / "linux" / name).read_text()
    (tmp_path / name).write_text(text.replace("@VERSION@", __version__)
                                 .replace("@DATE@", "2025-01-01"))
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(tmp_path / name)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pins_are_within_the_project_ranges() -> None:
    specifiers = pytest.importorskip("packaging.specifiers")
    requirements = pytest.importorskip("packaging.requirements")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ranges = {requirements.Requirement(line).name.lower(): requirements.Requirement(line)
              for line in project["dependencies"]}
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (PACKAGING / "requirements.txt")
                           .read_text(), re.MULTILINE))
    for name, requirement in ranges.items():
        pinned = {key.lower(): value for key, value in pins.items()}[name]
        assert specifiers.SpecifierSet(str(requirement.specifier)).contains(pinned), name


def test_the_windows_installer_keeps_its_identity() -> None:
    script = (PACKAGING / "windows" / "gdstudio.iss").read_text()
    assert f"AppId={{{{{APP_ID_GUID}}}" in script
    assert "PrivilegesRequired=lowest" in script
