"""Make the Debian/Ubuntu package from the frozen folder that ``build.py`` made.

::

    python packaging/make_deb.py            # build/packaging/dist/gdstudio -> .deb

The package installs

- the app under ``/opt/gdstudio`` and the command ``/usr/bin/gdstudio`` (a relative
  symbolic link to ``/opt/gdstudio/gdstudio``);
- ``/usr/share/applications/gdstudio.desktop`` (Education;Math), the icon in
  ``/usr/share/icons/hicolor/<size>x<size>/apps`` and ``scalable/apps``, and the AppStream
  metadata ``/usr/share/metainfo/org.gdstudio.GradientDescentStudio.metainfo.xml``;
- ``/usr/share/doc/gdstudio/copyright``.

The control file takes its version from ``gdstudio/_version.py``, its architecture from
``dpkg --print-architecture``, and ``Depends`` lists the system libraries Qt needs (the
frozen app deliberately does not bundle them; see the spec). The minimum ``libc6``
version is read from the GLIBC symbol versions the bundled binaries use, and every
library a bundled binary links to that is not bundled must belong to a package named in
``Depends`` (checked with ``dpkg -S``), so a missing dependency fails the build here
rather than the app on a student's machine. No maintainer scripts are needed: dpkg's
triggers refresh the icon cache and the desktop database.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
DEFAULT_BUILD_DIR = ROOT / "build" / "packaging"
PACKAGE = "gdstudio"
APP_ID = "org.gdstudio.GradientDescentStudio"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MAINTAINER = os.environ.get(
    "DEB_MAINTAINER", "Gradient Descent Studio developers <noreply@gdstudio.invalid>"
)

#: The system libraries the frozen Qt app loads (alternatives with "|"): X11 and xcb for
#: the xcb platform plugin, Wayland for the wayland one, EGL/GL, xkbcommon, fontconfig and
#: freetype for text, GLib for Qt's event loop, D-Bus, the C++ runtime, and a font.
DEPENDS: tuple[str, ...] = (
    "libstdc++6", "libgcc-s1", "zlib1g", "libzstd1",
    "libglib2.0-0 | libglib2.0-0t64", "libdbus-1-3",
    "libegl1", "libgl1", "libfontconfig1", "libfreetype6",
    "libx11-6", "libx11-xcb1", "libxcb1", "libxcb-cursor0", "libxcb-glx0", "libxcb-icccm4",
    "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0", "libxcb-render0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-shm0", "libxcb-sync1", "libxcb-util1",
    "libxcb-xfixes0", "libxcb-xkb1", "libxkbcommon0", "libxkbcommon-x11-0",
    "libwayland-client0", "libwayland-cursor0", "libwayland-egl1",
    "fonts-dejavu-core | fonts-liberation2 | fonts-liberation | fonts-noto-core",
)

DESCRIPTION = """\
Learn gradient descent by doing it
 Gradient Descent Studio lets students type a cost function such as x**2 or
 (x-3)**2 + 10*(y+1)**2, pick an optimizer (gradient descent, momentum, Nesterov,
 Adagrad, RMSprop, Adam) and a learning rate, and watch the descent live: pause,
 step once, step back, change the learning rate during a run, and read the
 arithmetic of every step.
 .
 This package is self-contained: it ships its own Python, Qt (PySide6), numpy,
 sympy and pyqtgraph under /opt/gdstudio."""

COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Gradient Descent Studio

Files: *
Copyright: The Gradient Descent Studio developers
License: MIT

Files: opt/gdstudio/_internal/*
Comment: Bundled runtime: CPython (PSF licence), Qt 6 and PySide6 (LGPL-3.0),
 numpy (BSD-3-Clause) with OpenBLAS (BSD-3-Clause) and libgfortran (GPL-3 with the
 GCC runtime library exception), sympy (BSD-3-Clause), mpmath (BSD-3-Clause),
 pyqtgraph (MIT), OpenSSL (Apache-2.0). Their licence texts are in the bundled
 *.dist-info directories and at /usr/share/common-licenses where Debian has them.

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this
 software and associated documentation files (the "Software"), to deal in the Software
 without restriction, including without limitation the rights to use, copy, modify,
 merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
 permit persons to whom the Software is furnished to do so, subject to the following
 conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies
 or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
 INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A
 PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT
 HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
 CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE
 OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def read_version() -> str:
    """The app's version from ``gdstudio/_version.py``, in Debian's form (``-`` → ``~``).

    Returns
    -------
    str
        For example ``"0.1.0"``, or ``"0.2.0~rc1"`` for ``0.2.0-rc1``.
    """
    text = (ROOT / "gdstudio" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.MULTILINE)
    if match is None:
        raise SystemExit("make_deb: no __version__ in gdstudio/_version.py")
    return match.group(1).replace("-", "~")


def release_date() -> str:
    """The last commit's date (YYYY-MM-DD) for the AppStream release, else today's."""
    try:
        result = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%cs"],
                                capture_output=True, text=True, check=True)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.stdout.strip()):
            return result.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return time.strftime("%Y-%m-%d")


def is_elf(path: Path) -> bool:
    """True for an ELF file (executable or shared library), not following links."""
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def elf_files(folder: Path) -> list[Path]:
    """Every ELF file below ``folder``."""
    return sorted(path for path in folder.rglob("*") if is_elf(path))


def needed_libraries(binaries: Iterable[Path]) -> set[str]:
    """The ``DT_NEEDED`` sonames of ``binaries`` (via ``readelf -d``)."""
    needed: set[str] = set()
    for binary in binaries:
        result = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True)
        needed.update(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", result.stdout))
    return needed


def minimum_glibc(binaries: Iterable[Path]) -> str:
    """The highest ``GLIBC_x.y`` symbol version any of ``binaries`` asks for."""
    newest = (2, 17)
    for binary in binaries:
        result = subprocess.run(["objdump", "-T", str(binary)], capture_output=True, text=True)
        for major, minor in re.findall(r"\bGLIBC_(\d+)\.(\d+)\b", result.stdout):
            newest = max(newest, (int(major), int(minor)))
    return f"{newest[0]}.{newest[1]}"


def system_library_packages(sonames: Iterable[str]) -> dict[str, str | None]:
    """The Debian package owning each soname on this machine (``None``: not installed)."""
    cache = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True).stdout
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                          text=True).stdout.strip()
    x86_64 = arch == "amd64"
    owners: dict[str, str | None] = {}
    for soname in sorted(sonames):
        paths = [path for name, flags, path in
                 re.findall(r"^\s*(\S+) \(([^)]*)\) => (\S+)$", cache, re.MULTILINE)
                 if name == soname and ("x86-64" in flags) == x86_64]
        owners[soname] = None
        for path in paths:
            for candidate in (path, os.path.realpath(path)):
                found = subprocess.run(["dpkg", "-S", candidate], capture_output=True,
                                       text=True)
                if found.returncode == 0:
                    owners[soname] = found.stdout.split(":")[0].split(",")[0].strip()
                    break
            if owners[soname]:
                break
    return owners


def check_depends(app_dir: Path, depends: Sequence[str]) -> None:
    """Every non-bundled library a bundled binary links to must come from ``depends``."""
    bundled = {path.name for path in app_dir.rglob("*") if ".so" in path.name}
    binaries = elf_files(app_dir)
    outside = needed_libraries(binaries) - bundled
    allowed = {alternative.strip().split(" ")[0]
               for entry in depends for alternative in entry.split("|")}
    allowed |= {"libc6", "libc6-amd64", "libgcc-s1"}
    owners = system_library_packages(outside)
    problems = [f"{soname} (not installed here: install it, then add its package)"
                for soname, owner in owners.items() if owner is None]
    problems += [f"{soname} from {owner}" for soname, owner in owners.items()
                 if owner is not None and owner not in allowed
                 and owner.removesuffix("t64") not in allowed]
    if problems:
        raise SystemExit("make_deb: bundled binaries need libraries that Depends does not "
                         "cover:\n  " + "\n  ".join(problems))
    print(f"make_deb: {len(binaries)} ELF files need {len(outside)} system libraries, all "
          "covered by Depends")


def stage(app_dir: Path, staging: Path, version: str) -> None:
    """Lay out the package's files under ``staging``."""
    shutil.rmtree(staging, ignore_errors=True)
    opt = staging / "opt" / PACKAGE
    shutil.copytree(app_dir, opt, symlinks=True)
    (staging / "usr" / "bin").mkdir(parents=True)
    (staging / "usr" / "bin" / PACKAGE).symlink_to(f"../../opt/{PACKAGE}/{PACKAGE}")
    share = staging / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copyfile(PACKAGING / "linux" / "gdstudio.desktop",
                    share / "applications" / "gdstudio.desktop")
    (share / "metainfo").mkdir(parents=True)
    metainfo = (PACKAGING / "linux" / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    metainfo = metainfo.replace("@VERSION@", version).replace("@DATE@", release_date())
    (share / "metainfo" / f"{APP_ID}.metainfo.xml").write_text(metainfo, encoding="utf-8")
    for size in ICON_SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copyfile(ICONS / "png" / f"gdstudio-{size}.png", target / "gdstudio.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copyfile(ICONS / "gdstudio.svg", scalable / "gdstudio.svg")
    (share / "doc" / PACKAGE).mkdir(parents=True)
    (share / "doc" / PACKAGE / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    normalise_modes(staging)


def normalise_modes(staging: Path) -> None:
    """Directories and executables 0755, other files 0644 (whatever the umask was)."""
    for path in [staging, *staging.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir() or os.access(path, os.X_OK) or is_elf(path):
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def write_control(staging: Path, version: str, architecture: str, depends: list[str]) -> None:
    """``DEBIAN/control`` and ``DEBIAN/md5sums``."""
    debian = staging / "DEBIAN"
    debian.mkdir()
    sums, kib = [], 0
    for path in sorted(staging.rglob("*")):
        if debian in path.parents or path.is_dir():
            continue
        kib += max(1, (path.lstat().st_size + 1023) // 1024)
        if path.is_file() and not path.is_symlink():
            digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            sums.append(f"{digest}  {path.relative_to(staging).as_posix()}\n")
    control = (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {architecture}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {kib}\n"
        f"Depends: {', '.join(depends)}\n"
        "Section: education\n"
        "Priority: optional\n"
        f"Description: {DESCRIPTION}\n"
    )
    (debian / "control").write_text(control, encoding="utf-8")
    (debian / "md5sums").write_text("".join(sums), encoding="utf-8")
    for name in ("control", "md5sums"):
        (debian / name).chmod(0o644)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description="Make the .deb of Gradient Descent Studio.")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    parser.add_argument("--app-dir", type=Path,
                        help="the frozen folder (default: BUILD_DIR/dist/gdstudio)")
    parser.add_argument("--no-depends-check", action="store_true",
                        help="skip checking the libraries against Depends (non-Debian host)")
    parser.add_argument("--compression", choices=("xz", "zstd"),
                        default=os.environ.get("DEB_COMPRESSION", "xz"),
                        help="xz (default: smallest, any dpkg) or zstd (8x faster to make, "
                             "~20%% larger, needs dpkg >= 1.21.18 / Ubuntu >= 21.10)")
    parser.add_argument("--print-apt-packages", action="store_true",
                        help="print the packages to apt-get install for the runtime "
                             "libraries (first of each alternative) and exit")
    arguments = parser.parse_args(argv)
    if arguments.print_apt_packages:
        print(" ".join(entry.split("|")[0].strip() for entry in DEPENDS))
        return 0
    build_dir: Path = arguments.build_dir.resolve()
    app_dir: Path = (arguments.app_dir or build_dir / "dist" / PACKAGE).resolve()
    if not (app_dir / PACKAGE).is_file():
        raise SystemExit(f"make_deb: no frozen app in {app_dir}: run packaging/build.py first")
    started = time.perf_counter()
    version = read_version()
    architecture = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                                  text=True, check=True).stdout.strip()
    depends = [f"libc6 (>= {minimum_glibc(elf_files(app_dir))})", *DEPENDS]
    if not arguments.no_depends_check:
        check_depends(app_dir, depends)
    staging = build_dir / "deb" / f"{PACKAGE}_{version}_{architecture}"
    stage(app_dir, staging, version)
    write_control(staging, version, architecture, depends)
    output = build_dir / f"{PACKAGE}_{version}_{architecture}.deb"
    output.unlink(missing_ok=True)
    level = "-z6" if arguments.compression == "xz" else "-z12"
    command = ["dpkg-deb", "--root-owner-group", f"-Z{arguments.compression}", level,
               "--build", str(staging), str(output)]
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)
    seconds = time.perf_counter() - started
    info_file = build_dir / "build-info.json"
    info = json.loads(info_file.read_text()) if info_file.exists() else {}
    info.update(deb=str(output), deb_bytes=output.stat().st_size, deb_seconds=round(seconds, 1))
    info_file.write_text(json.dumps(info, indent=2) + "\n")
    print(f"make_deb: {output} — {output.stat().st_size / 2**20:.1f} MiB in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
