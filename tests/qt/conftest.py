"""Qt test configuration: no test ever waits on a modal dialog or touches real user files.

* The autosave goes to a per-test folder (``GDSTUDIO_DATA_DIR``).
* Runs go as fast as possible: the watchable pace the window gives the tutorials (several
  seconds per run) is switched off, except in tests marked ``paced``, which test it.
* The project dialogs answer without showing anything: "discard" for unsaved changes on
  closing, and messages are recorded in ``RECORDED`` instead of shown. A test that wants
  other answers replaces ``window.projects.dialogs`` with its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Messages the default test dialogs were asked to show: (kind, title, text).
RECORDED: list[tuple[str, str, str]] = []


def real_ask_unsaved():  # -> the unpatched Dialogs.ask_unsaved
    """The real question on unsaved changes (a modal message box), for the test of it."""
    from gdstudio.qt.files.project_dialogs import Dialogs

    return _REAL.get("ask_unsaved", Dialogs.ask_unsaved)


_REAL: dict[str, object] = {}


@pytest.fixture(autouse=True, scope="session")
def collect_garbage_on_the_gui_thread(qapp) -> None:
    """As the app does: no Qt object is ever freed by a worker thread's collection."""
    from gdstudio.qt.run.collector import collect_on_gui_thread

    collect_on_gui_thread(qapp)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "paced: the window keeps the tutorials' slow pace")


@pytest.fixture(autouse=True)
def runs_at_full_speed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """No suggested pace (tutorials, examples): runs stay at the slider's fastest."""
    if request.node.get_closest_marker("paced") is None:
        from gdstudio.qt.window import MainWindow

        monkeypatch.setattr(MainWindow, "suggest_speed", lambda self, steps_per_second: None)


@pytest.fixture(autouse=True)
def quiet_project_dialogs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Autosave in ``tmp_path``; dialogs that never block."""
    from gdstudio.qt.files import project_dialogs

    _REAL.setdefault("ask_unsaved", project_dialogs.Dialogs.ask_unsaved)
    monkeypatch.setenv("GDSTUDIO_DATA_DIR", str(tmp_path / "gdstudio-data"))
    RECORDED.clear()
    monkeypatch.setattr(project_dialogs.Dialogs, "ask_unsaved",
                        lambda self, parent, name: "discard")
    monkeypatch.setattr(project_dialogs.Dialogs, "error",
                        lambda self, parent, title, text: RECORDED.append(("error", title, text)))
    monkeypatch.setattr(project_dialogs.Dialogs, "info",
                        lambda self, parent, title, text: RECORDED.append(("info", title, text)))
    monkeypatch.setattr(project_dialogs.Dialogs, "open_path", lambda self, parent, folder: None)
    monkeypatch.setattr(project_dialogs.Dialogs, "save_path",
                        lambda self, parent, title, suggested, filters: None)
