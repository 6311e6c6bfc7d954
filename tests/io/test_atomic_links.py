"""Saving through a symbolic link writes the link's target, atomically, and keeps the link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gdstudio.io import Project, load_project, save_project
from gdstudio.io.files import atomic_write_bytes
from tests.io.samples import function_project

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")


def make_link(link: Path, target: Path | str) -> None:
    try:
        link.symlink_to(target)
    except OSError as error:  # e.g. Windows without the privilege
        pytest.skip(f"cannot make a symbolic link here ({error})")


def test_saving_a_project_through_a_link_updates_its_target(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "lesson.gdstudio"
    save_project(function_project(), real)
    link = tmp_path / "lesson.gdstudio"
    make_link(link, real)
    changed = Project(expression="(x-1)**2", start={"x": 5}, learning_rate=0.2)
    save_project(changed, link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert load_project(real) == changed == load_project(link)
    assert sorted(path.name for path in shared.iterdir()) == ["lesson.gdstudio"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["lesson.gdstudio", "shared"]


def test_a_chain_of_relative_links_is_followed_to_the_file(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    make_link(tmp_path / "middle.csv", "real.csv")
    make_link(tmp_path / "outer.csv", "middle.csv")
    atomic_write_bytes(tmp_path / "outer.csv", b"new")
    assert real.read_bytes() == b"new" and not real.is_symlink()
    assert (real.stat().st_mode & 0o777) == 0o640
    assert (tmp_path / "outer.csv").is_symlink() and (tmp_path / "middle.csv").is_symlink()


def test_a_dangling_link_creates_its_target(tmp_path: Path) -> None:
    make_link(tmp_path / "link.csv", tmp_path / "later.csv")
    atomic_write_bytes(tmp_path / "link.csv", b"made")
    assert (tmp_path / "later.csv").read_bytes() == b"made"
    assert (tmp_path / "link.csv").is_symlink()
