"""Autosaves: one per running window, locked while it runs; a crashed window's work is
found once; where they live on each platform; damaged autosaves are reported and set aside
instead of stopping the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gdstudio.io import load_project, save_project
from gdstudio.io.autosave import AutosaveSlot, claim_crashed_slots, data_dir
from tests.io.samples import data_project, function_project


@pytest.fixture
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("GDSTUDIO_DATA_DIR", str(folder))
    return folder


def test_write_read_clear_and_release(data_folder: Path) -> None:
    slot = AutosaveSlot.claim()
    assert slot.held and slot.read() is None
    assert slot.lock_path.read_text(encoding="utf-8") == f"{os.getpid()}\n\n"
    project = data_project()
    path = slot.write(project, data_folder / "lesson.gdstudio")
    assert path == slot.path and path.parent == data_folder
    assert path.name.startswith(f"autosave-{os.getpid()}-") and path.suffix == ".gdstudio"
    assert slot.read() == project and slot.source == str(data_folder / "lesson.gdstudio")
    slot.write(function_project())  # replaces it
    assert slot.read().mode == "function" and slot.source == ""
    slot.clear()
    assert slot.read() is None and not path.exists() and slot.lock_path.exists()
    slot.clear()  # nothing to clear: no error
    slot.release()
    assert not slot.held and list(data_folder.iterdir()) == []


def test_windows_running_side_by_side_keep_separate_autosaves(data_folder: Path) -> None:
    first, second = AutosaveSlot.claim(), AutosaveSlot.claim()
    first.write(data_project())
    second.write(function_project())
    assert first.path != second.path
    assert first.read().mode == "data" and second.read().mode == "function"
    assert claim_crashed_slots() == []  # both alive: neither is offered to anyone
    first.release()  # a normal close of one …
    assert second.read().mode == "function"  # … leaves the other's protection alone
    assert claim_crashed_slots() == []
    second.release()


CRASH = """
import os, sys
from gdstudio.io.autosave import AutosaveSlot
from gdstudio.io import load_project
slot = AutosaveSlot.claim()
slot.write(load_project(sys.argv[1]), sys.argv[2])
os._exit(9)  # ends without releasing anything, as a crash does
"""


def test_a_crashed_windows_autosave_is_found_once(data_folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "work.gdstudio"
    save_project(function_project(), source)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    crashed = subprocess.run([sys.executable, "-c", CRASH, str(source), str(source)],
                             env=env, check=False, timeout=120)
    assert crashed.returncode == 9
    live = AutosaveSlot.claim()  # a window running now is not a crashed one
    live.write(data_project())
    found = claim_crashed_slots()
    assert len(found) == 1 and found[0].path != live.path
    assert found[0].read() == load_project(source) and found[0].source == str(source)
    assert claim_crashed_slots() == []  # taken: a window starting beside it gets nothing
    found[0].release()  # offered (restored or discarded)
    assert claim_crashed_slots() == []  # once
    assert live.read() == data_project()
    live.release()


def test_an_unlocked_slot_left_for_later_is_found_again(data_folder: Path) -> None:
    data_folder.mkdir()
    save_project(function_project(), data_folder / "autosave-1-a.gdstudio")
    save_project(data_project(), data_folder / "autosave.gdstudio")  # an older version's
    found = claim_crashed_slots()
    assert sorted(slot.path.name for slot in found) == ["autosave-1-a.gdstudio",
                                                        "autosave.gdstudio"]
    for slot in found:
        slot.unlock()
    again = claim_crashed_slots()
    assert len(again) == 2
    for slot in again:
        slot.release()
    assert claim_crashed_slots() == [] and list(data_folder.iterdir()) == []


@pytest.mark.parametrize("content", [b"{\"format\": \"gdstudio-project\", \"ver", b"\xff\xfe\x00",
                                     b"[" * 50_000, b'{"format": "gdstudio-project", '
                                                    b'"version": 99}'])
def test_damaged_autosave_is_reported_and_set_aside(data_folder: Path, content: bytes) -> None:
    data_folder.mkdir()
    (data_folder / "autosave-7-b.gdstudio").write_bytes(content)
    reports: list[str] = []
    [slot] = claim_crashed_slots()
    assert slot.read(reports.append) is None
    assert len(reports) == 1
    assert reports[0].startswith("the autosaved work could not be restored and was set aside: "
                                 "autosave-7-b.gdstudio: ")
    slot.release()
    assert not (data_folder / "autosave-7-b.gdstudio").exists()
    assert (data_folder / "autosave-7-b.gdstudio.corrupt").read_bytes() == content
    assert claim_crashed_slots() == []  # reported once


def test_damaged_autosave_goes_to_the_log_by_default(data_folder: Path, caplog) -> None:
    data_folder.mkdir()
    (data_folder / "autosave-7-c.gdstudio").write_text("not json", encoding="utf-8")
    [slot] = claim_crashed_slots()
    assert slot.read() is None
    assert "could not be restored" in caplog.text
    slot.release()


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


def test_a_project_too_large_is_autosaved_without_its_history(data_folder: Path) -> None:
    import numpy as np

    from gdstudio.io import Project, SavedHistory

    rows = 700_000
    values = np.random.default_rng(1).normal(size=rows)
    history = SavedHistory(("x",), values[:, None], values, values[:, None], values, values,
                           np.zeros(rows, dtype=int))
    project = Project(expression="x**2", start={"x": float(values[0])}, history=history)
    slot = AutosaveSlot.claim()
    slot.write(project)
    assert slot.read() == project.with_history(None)
    slot.release()
