"""The autosave: where it lives on each platform, a round trip, and a damaged autosave
that is reported and set aside instead of stopping the app."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gdstudio.io import autosave
from gdstudio.io.autosave import (
    autosave_path,
    clear_autosave,
    data_dir,
    read_autosave,
    write_autosave,
)
from tests.io.samples import data_project, function_project


@pytest.fixture
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("GDSTUDIO_DATA_DIR", str(folder))
    return folder


def test_write_read_and_clear(data_folder: Path) -> None:
    assert read_autosave() is None
    project = data_project()
    path = write_autosave(project)
    assert path == data_folder / "autosave.gdstudio" == autosave_path()
    assert read_autosave() == project
    write_autosave(function_project())  # replaces it
    assert read_autosave().mode == "function"
    clear_autosave()
    assert read_autosave() is None and not path.exists()
    clear_autosave()  # nothing to clear: no error


@pytest.mark.parametrize("content", [b"{\"format\": \"gdstudio-project\", \"ver", b"\xff\xfe\x00",
                                     b"[" * 50_000, b'{"format": "gdstudio-project", '
                                                    b'"version": 99}'])
def test_damaged_autosave_is_reported_and_set_aside(data_folder: Path, content: bytes) -> None:
    data_folder.mkdir()
    (data_folder / "autosave.gdstudio").write_bytes(content)
    reports: list[str] = []
    assert read_autosave(reports.append) is None
    assert len(reports) == 1
    assert reports[0].startswith("the autosaved work could not be restored and was set aside: "
                                 "autosave.gdstudio: ")
    assert not (data_folder / "autosave.gdstudio").exists()
    assert (data_folder / "autosave.gdstudio.corrupt").read_bytes() == content
    assert read_autosave(reports.append) is None and len(reports) == 1  # reported once


def test_damaged_autosave_goes_to_the_log_by_default(data_folder: Path, caplog) -> None:
    data_folder.mkdir()
    (data_folder / "autosave.gdstudio").write_text("not json", encoding="utf-8")
    assert read_autosave() is None
    assert "could not be restored" in caplog.text


def test_platform_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GDSTUDIO_DATA_DIR", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "home"))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert data_dir() == tmp_path / "home" / ".local" / "share" / "gdstudio"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "gdstudio"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # the XDG spec says: ignore it
    assert data_dir() == tmp_path / "home" / ".local" / "share" / "gdstudio"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert data_dir() == tmp_path / "home" / "Library" / "Application Support" / "gdstudio"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert data_dir() == tmp_path / "Roaming" / "gdstudio"
    assert autosave.autosave_path() == tmp_path / "Roaming" / "gdstudio" / "autosave.gdstudio"


def test_a_project_too_large_is_autosaved_without_its_history(data_folder: Path) -> None:
    import numpy as np

    from gdstudio.io import Project, SavedHistory

    rows = 700_000
    values = np.random.default_rng(1).normal(size=rows)
    history = SavedHistory(("x",), values[:, None], values, values[:, None], values, values,
                           np.zeros(rows, dtype=int))
    project = Project(expression="x**2", start={"x": float(values[0])}, history=history)
    write_autosave(project)
    assert read_autosave() == project.with_history(None)
