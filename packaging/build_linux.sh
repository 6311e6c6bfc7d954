#!/usr/bin/env bash
# Build the Linux package of Gradient Descent Studio from a clean clone:
#   clean venv (pinned runtime deps + PyInstaller) -> PyInstaller onedir -> self-test -> .deb
#
#   packaging/build_linux.sh [build.py options, e.g. --reuse-venv]
#
# Environment: PYTHON (default python3; 3.11+ built with --enable-shared, as pyenv's
# PYTHON_CONFIGURE_OPTS=--enable-shared or Debian's python3 are), DEB_COMPRESSION (xz,
# the default, or zstd: much faster to make, a little larger). Needs PyPI and, for the
# missing system packages only, apt (as root or through sudo).
# Output: build/packaging/gdstudio_<version>_<arch>.deb and build/packaging/build-info.json.
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Host tools (readelf/objdump, dpkg-deb) and the runtime libraries the frozen app links to:
# the self-test and the Depends check need them installed here.
# shellcheck disable=SC2207
wanted=(binutils dpkg $("$PYTHON" packaging/make_deb.py --print-apt-packages))
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "build_linux: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

started=$(date +%s)
"$PYTHON" packaging/build.py --python "$PYTHON" "$@"
"$PYTHON" packaging/make_deb.py
echo "build_linux: done in $(( $(date +%s) - started )) s"
