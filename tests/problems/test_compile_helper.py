"""The expression helper process: killed, it is restarted; unable to start, it says so in
one sentence; its parent killed, it ends too."""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gdstudio.cli import main
from gdstudio.problems import _compile_service
from gdstudio.problems.expression import (
    ExpressionError,
    analyse_expression,
    shutdown_compile_service,
)

REPO = Path(__file__).resolve().parents[2]


def gone(pid: int) -> bool:
    """True once ``pid`` has ended (a zombie nobody reaps counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_helper_killed_mid_compile_is_restarted_and_the_next_compile_works() -> None:
    analyse_expression("x + 201")
    service = _compile_service.SERVICE
    first = service.pid
    assert first is not None
    killer = threading.Timer(0.3, os.kill, (first, signal.SIGKILL))
    killer.start()
    try:  # the request in flight when the helper died is sent again to a new one
        assert service.request("sleep", 2.0, timeout=30.0) is None
    finally:
        killer.join()
    assert gone(first) and service.pid not in (None, first)
    assert analyse_expression("x**2 + 202").derivative_texts == ("2·x",)


@pytest.fixture
def broken_helper(tmp_path: Path):
    """Helpers started now fail at once, as with a broken installation."""
    shutdown_compile_service()
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\nexit 3\n", encoding="ascii")
    broken.chmod(0o755)
    original = multiprocessing.spawn.get_executable()
    multiprocessing.set_executable(str(broken))
    yield
    multiprocessing.set_executable(original)
    assert analyse_expression("x + 209").variables == ("x",)  # a working one starts again


def test_a_helper_that_cannot_start_is_one_sentence(broken_helper) -> None:
    with pytest.raises(ExpressionError) as refused:
        analyse_expression("x + 203")
    assert str(refused.value) == "could not start the helper process that analyses expressions"
    assert not _compile_service.SERVICE.running


def test_the_cli_says_the_helper_cannot_start(broken_helper, capsys) -> None:
    code = main(["run", "--expr", "x**2 + 205", "--start", "x=3"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == ("gdstudio-cli: error: could not start the helper process that analyses "
                   "expressions\n")


PARENT = """
import sys, threading
from gdstudio.cli import main
from gdstudio.problems import _compile_service
service = _compile_service.SERVICE
service.request("sleep", 0.0, timeout=60.0)
print(service.pid, flush=True)
service.request("sleep", 600.0, timeout=900.0)  # busy when the parent is killed
"""


def test_a_killed_parent_leaves_no_helper_behind() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE,
                              text=True, env=env)
    try:
        helper = int(parent.stdout.readline())
        assert not gone(helper)
    finally:
        parent.kill()  # as kill -9 of gdstudio-cli: no atexit, no cleanup
        parent.wait(60)
        parent.stdout.close()
    try:
        handle = os.pidfd_open(helper)  # readable once the process has ended
    except ProcessLookupError:
        return  # already gone and reaped
    try:
        select.select([handle], [], [], 60.0)
    finally:
        os.close(handle)
    assert gone(helper)


def test_a_helper_started_ahead_is_the_one_the_next_analysis_uses() -> None:
    shutdown_compile_service()
    _compile_service.SERVICE.start()
    started = _compile_service.SERVICE.pid
    assert started is not None
    assert analyse_expression("x**3 + 206").derivative_texts == ("3·x²",)
    assert _compile_service.SERVICE.pid == started
    _compile_service.SERVICE.start()  # already running: kept
    assert _compile_service.SERVICE.pid == started


def test_a_shutdown_while_the_helper_starts_stops_it(tmp_path: Path, monkeypatch) -> None:
    shutdown_compile_service()
    slow = tmp_path / "python"  # a helper that never says it is ready
    slow.write_text("#!/bin/sh\nexec sleep 600\n", encoding="ascii")
    slow.chmod(0o755)
    original = multiprocessing.spawn.get_executable()
    multiprocessing.set_executable(str(slow))
    service = _compile_service.SERVICE
    waiting = threading.Event()
    wait_until_ready = service._wait_until_ready

    def waits(connection):
        waiting.set()
        return wait_until_ready(connection)

    monkeypatch.setattr(service, "_wait_until_ready", waits)
    try:
        starting = threading.Thread(target=service.start)
        starting.start()
        waiting.wait()
        pid = service._process.pid
        shutdown_compile_service()  # gives up the wait for "ready" and kills the process
        starting.join()
        assert gone(pid) and not service.running
    finally:
        multiprocessing.set_executable(original)
        monkeypatch.undo()
    assert analyse_expression("x**2 + 207").derivative_texts == ("2·x",)  # and it restarts


class _ObservedLock:
    """A lock that says when a thread begins to wait for it."""

    def __init__(self) -> None:
        self.inner = threading.Lock()
        self.waiting = threading.Event()

    def __enter__(self) -> None:
        self.waiting.set()
        self.inner.acquire()

    def __exit__(self, *exc: object) -> None:
        self.inner.release()


def test_a_warm_up_waiting_behind_a_shutdown_does_not_start_a_helper(monkeypatch) -> None:
    # A closing window shuts the helper down; a warm-up it asked for earlier, still waiting
    # for the lock, must not start a new helper after that.
    service = _compile_service.CompileService()
    starts: list[int] = []
    monkeypatch.setattr(service, "_start", lambda: starts.append(1))
    lock = service._lock = _ObservedLock()
    lock.inner.acquire()  # another request is under way
    warm_up = threading.Thread(target=service.start)
    warm_up.start()
    assert lock.waiting.wait(10)
    lock.waiting.clear()
    closing = threading.Thread(target=service.shutdown)
    closing.start()
    assert lock.waiting.wait(10)  # the shutdown has been asked for and waits too
    lock.inner.release()
    warm_up.join(10)
    closing.join(10)
    assert not warm_up.is_alive() and not closing.is_alive()
    assert starts == []
    service.start()  # asked for after the shutdown: it starts
    assert starts == [1]
