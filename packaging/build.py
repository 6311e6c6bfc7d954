"""Build the frozen app (PyInstaller onedir) in a clean virtual environment, on any OS.

::

    python packaging/build.py                 # Linux, Windows or macOS
    python packaging/build.py --reuse-venv    # faster rebuilds while iterating

Steps, each timed:

1. a fresh virtual environment in ``build/packaging/venv`` holding only the pinned runtime
   dependencies and PyInstaller (``packaging/requirements.txt``), then the app itself
   with ``--no-deps``; a check that nothing unwanted came along (pygments, pytest …);
2. PyInstaller with ``packaging/gdstudio.spec`` into ``build/packaging/dist``, run from
   the build directory so that the installed package (and its package data), not the
   source tree, is what gets frozen;
3. a check of the frozen archive: the app's modules are in, test frameworks, tkinter,
   setuptools, pygments and other unwanted modules are out;
4. ``gdstudio --self-test`` from the frozen folder (offscreen unless ``--no-offscreen``).

Times and sizes go to ``build/packaging/build-info.json`` for the packaging scripts.
Installers are made afterwards from the folder: ``make_deb.py`` (Linux),
``windows/gdstudio.iss`` (Inno Setup) and ``macos/build_dmg.sh``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
DEFAULT_BUILD_DIR = ROOT / "build" / "packaging"
NAME = "gdstudio"
APP_BUNDLE = "Gradient Descent Studio.app"

#: Distributions that must not be in the build environment (so cannot be frozen in).
FORBIDDEN_DISTRIBUTIONS = frozenset({
    "pygments", "pytest", "pytest-qt", "ipython", "jedi", "matplotlib", "scipy",
    "pandas", "ruff", "pyside6", "pyside6-addons", "pyqt5", "pyqt6",
})
#: Top-level modules that must not be in the frozen archive.
FORBIDDEN_MODULES = frozenset({
    "pygments", "pytest", "_pytest", "IPython", "matplotlib", "tkinter", "_tkinter",
    "setuptools", "pkg_resources", "unittest", "scipy", "pandas", "pip", "distutils",
})
#: Modules that must be in the frozen archive.
REQUIRED_MODULES = (
    "gdstudio.app", "gdstudio.qt.selftest", "gdstudio.qt.window", "gdstudio.qt.icons",
    "gdstudio.problems._build", "gdstudio.problems._compile_service", "sympy", "numpy",
    "pyqtgraph", "multiprocessing.spawn",
    "gdstudio.qt.plots3d.view", "pyqtgraph.opengl", "OpenGL.GL", "PIL.Image",  # 3-D, GIF
)


def read_version() -> str:
    """The app's version, read from ``gdstudio/_version.py`` without importing it.

    Returns
    -------
    str
        For example ``"0.1.0"``.
    """
    text = (ROOT / "gdstudio" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.MULTILINE)
    if match is None:
        raise SystemExit("build: no __version__ in gdstudio/_version.py")
    return match.group(1)


def venv_python(venv: Path) -> Path:
    """The interpreter of a virtual environment on this platform."""
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def frozen_executable(dist: Path) -> Path:
    """The executable inside the onedir folder PyInstaller made."""
    return dist / NAME / (f"{NAME}.exe" if sys.platform == "win32" else NAME)


def run(
    command: Sequence[str | Path], label: str | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run a command, echoing it (or ``label``); stop the build if it fails."""
    print("+", label or " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"build: command failed with exit code {result.returncode}")
    return result


def copy_source(target: Path) -> Path:
    """Copy what building the app's wheel needs (pyproject, README, package) to ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "gdstudio", target / "gdstudio",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def make_environment(python: str, venv: Path, reuse: bool) -> Path:
    """Create the clean build environment and install the pinned dependencies and the app.

    Returns
    -------
    Path
        The environment's interpreter.
    """
    interpreter = venv_python(venv)
    if not (reuse and interpreter.exists()):
        run([python, "-m", "venv", "--clear", venv])
    pip = [interpreter, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", "-r", PACKAGING / "requirements.txt"])
    # The app itself, with no dependencies of its own (they are the pins above), built
    # from a copy so that the source tree gets no build/ or egg-info from it.
    source = copy_source(venv.parent / "source")
    run([*pip, "install", "--quiet", "--no-deps", "--force-reinstall", source])
    listing = run([*pip, "list", "--format=json"], capture_output=True)
    installed = {item["name"].lower() for item in json.loads(listing.stdout)}
    unwanted = sorted(installed & FORBIDDEN_DISTRIBUTIONS)
    if unwanted:
        raise SystemExit(f"build: the build environment holds unwanted packages: {unwanted}")
    print(f"build: environment has {len(installed)} distributions: {sorted(installed)}")
    return interpreter


def freeze(interpreter: Path, build_dir: Path) -> Path:
    """Run PyInstaller on the spec; returns the dist directory."""
    dist, work = build_dir / "dist", build_dir / "work"
    shutil.rmtree(dist, ignore_errors=True)
    run([interpreter, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", dist, "--workpath", work, PACKAGING / "gdstudio.spec"],
        cwd=build_dir)
    return dist


_ARCHIVE_LISTING = """
import json, sys
from PyInstaller.archive.readers import CArchiveReader
archive = CArchiveReader(sys.argv[1])
names = list(archive.open_embedded_archive("PYZ.pyz").toc) if "PYZ.pyz" in archive.toc else []
print(json.dumps(names))
"""


def check_archive(interpreter: Path, executable: Path) -> int:
    """Check which Python modules were frozen; returns how many."""
    listing = run([interpreter, "-c", _ARCHIVE_LISTING, executable],
                  label=f"(list the modules frozen into {executable.name})", capture_output=True)
    modules = set(json.loads(listing.stdout))
    missing = [name for name in REQUIRED_MODULES if name not in modules]
    unwanted = sorted({name.split(".")[0] for name in modules} & FORBIDDEN_MODULES)
    if missing:
        raise SystemExit(f"build: the frozen app lacks modules: {missing}")
    if unwanted:
        raise SystemExit(f"build: the frozen app contains unwanted modules: {unwanted}")
    return len(modules)


def self_test(executable: Path, build_dir: Path, offscreen: bool) -> None:
    """Run ``--self-test`` of a frozen executable and wait for it.

    Waiting matters on Windows, where the windowed executable would otherwise return to
    the shell at once; the screenshot is ``BUILD_DIR/self-test-<display>.png``.
    """
    env = dict(os.environ, GDSTUDIO_STARTUP_TIMING="1")
    if offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    display = env.get("QT_QPA_PLATFORM", "native")
    command = [str(executable), "--self-test", "--screenshot",
               str(build_dir / f"self-test-{display}.png")]
    print("+", " ".join(command), f"({display})", flush=True)
    # Captured and echoed: a windowed Windows executable has no console of its own, so
    # its output only reaches the log through pipes.
    result = subprocess.run(command, env=env, cwd=build_dir, timeout=180,
                            capture_output=True, text=True, encoding="utf-8", errors="replace")
    print(result.stdout + result.stderr, end="", flush=True)
    if result.returncode != 0:
        raise SystemExit(f"build: the self-test failed with exit code {result.returncode}")


def directory_size(path: Path) -> int:
    """Bytes in the files below ``path`` (symbolic links not followed)."""
    return sum(item.lstat().st_size for item in path.rglob("*") if item.is_file()
               and not item.is_symlink())


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of the build; see the module docstring."""
    parser = argparse.ArgumentParser(description="Build the frozen Gradient Descent Studio.")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter that creates the build environment (3.11+)")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    parser.add_argument("--reuse-venv", action="store_true",
                        help="keep an existing build environment (still re-installs the app)")
    parser.add_argument("--skip-self-test", action="store_true")
    parser.add_argument("--no-offscreen", action="store_true",
                        help="run the self-test on the real display (or Xvfb)")
    parser.add_argument("--self-test-only", action="store_true",
                        help="do not build: only run the self-test of --executable (default: "
                             "the frozen folder's executable)")
    parser.add_argument("--executable", type=Path, help="with --self-test-only")
    arguments = parser.parse_args(argv)
    build_dir: Path = arguments.build_dir.resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    if arguments.self_test_only:
        executable = arguments.executable or frozen_executable(build_dir / "dist")
        self_test(executable.resolve(), build_dir, offscreen=not arguments.no_offscreen)
        return 0
    version = read_version()
    print(f"build: Gradient Descent Studio {version} on {platform.platform()}", flush=True)

    started = time.perf_counter()
    interpreter = make_environment(arguments.python, build_dir / "venv", arguments.reuse_venv)
    environment_done = time.perf_counter()
    dist = freeze(interpreter, build_dir)
    frozen_done = time.perf_counter()
    executable = frozen_executable(dist)
    module_count = check_archive(interpreter, executable)
    if not arguments.skip_self_test:
        self_test(executable, build_dir, offscreen=not arguments.no_offscreen)
    finished = time.perf_counter()

    info = {
        "version": version,
        "platform": sys.platform,
        "environment_seconds": round(environment_done - started, 1),
        "freeze_seconds": round(frozen_done - environment_done, 1),
        "total_seconds": round(finished - started, 1),
        "frozen_modules": module_count,
        "folder_bytes": directory_size(dist / NAME),
        "folder": str(dist / NAME),
    }
    (build_dir / "build-info.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"build: {dist / NAME} — {info['folder_bytes'] / 2**20:.0f} MiB, "
          f"{module_count} modules; environment {info['environment_seconds']} s, "
          f"PyInstaller {info['freeze_seconds']} s, total {info['total_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
