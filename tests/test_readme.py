"""The README's two copy-paste commands: root without sudo, a user with it, CI's exact tail."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PREFIX = 'SUDO=$([ "$(id -u)" = 0 ] || echo sudo); '


def _commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)
    return [block for block in blocks if "apt-get install" in block]


def test_both_commands_choose_sudo_only_when_not_root() -> None:
    commands = _commands()
    assert len(commands) == 2
    for command in commands:
        assert command.startswith(PREFIX)
        rest = command[len(PREFIX):]
        assert re.search(r"(?<!\$)\bsudo\b", rest.replace("$SUDO", "")) is None, command
        assert rest.count("$SUDO apt-get") == 2


def test_the_sudo_choice_follows_the_user_id() -> None:
    done = subprocess.run(["bash", "-c", PREFIX + 'echo "$(id -u):$SUDO"'],
                          capture_output=True, text=True, check=True, timeout=30)
    uid, sudo = done.stdout.strip().split(":")
    assert sudo == ("" if uid == "0" else "sudo")


def test_ci_runs_the_readme_test_command_exactly() -> None:
    test_command = next(c for c in _commands() if "pytest" in c)
    tail = test_command[test_command.index("python3 -m venv"):]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert tail in ci.splitlines()
