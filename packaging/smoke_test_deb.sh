#!/usr/bin/env bash
# Smoke test of the Linux package: unpack it into a fresh root and prove it starts.
#
#   packaging/smoke_test_deb.sh [--build] [--runs N] [PATH.deb]
#
#   --build   first build it with packaging/build_linux.sh (and time the build);
#             without a path and without a built .deb, it builds too.
#   --runs N  start-up measurements per display (default 3; the median is reported).
#
# Checks: the control fields (version from gdstudio/_version.py, architecture, root
# ownership, Depends resolvable by apt), the files (app, command, .desktop, metainfo,
# icons), desktop-file-validate and appstreamcli validate, every library of every bundled
# binary and plugin resolvable, then `gdstudio --self-test` from the unpacked tree with a
# clean environment and an empty home, under QT_QPA_PLATFORM=offscreen and under
# xvfb-run (the real xcb plugin), as an unprivileged user when run as root, with no
# process left behind. Prints: build time, installed size (goal < 250 MB), .deb size
# (goal < 80 MB), start to first paint frozen vs from source (goal < 2 s).
# Missing tools (xvfb, xauth, desktop-file-utils, appstream) and the package's Depends
# are apt-installed when running as root (or with sudo).
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
INSTALLED_GOAL_MB=250
DEB_GOAL_MB=80
START_GOAL_S=2

build=0 runs=3 deb=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=1 ;;
    --runs) runs=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) deb=$1 ;;
  esac
  shift
done

fail() { echo "smoke test FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

build_seconds="(not built here)"
if [ "$build" = 1 ] || { [ -z "$deb" ] && ! ls build/packaging/gdstudio_*.deb >/dev/null 2>&1; }; then
  step "building with packaging/build_linux.sh"
  started=$(date +%s)
  bash packaging/build_linux.sh
  build_seconds="$(( $(date +%s) - started )) s"
fi
if [ -z "$deb" ]; then
  # shellcheck disable=SC2012 # our own file names: no spaces
  deb=$(ls -t build/packaging/gdstudio_*.deb | head -n 1)
fi
[ -f "$deb" ] || fail "no package at $deb"
deb=$(readlink -f "$deb")
step "package $deb"

# ---------------------------------------------------------------- tools and Depends
depends=$(dpkg-deb -f "$deb" Depends)
mapfile -t first_alternatives < <(echo "$depends" | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$')
wanted=(xvfb xauth desktop-file-utils appstream "${first_alternatives[@]}")
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing ${missing[*]}"
  as_root apt-get update -qq || true
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "could not install ${missing[*]}"
fi
step "apt can resolve the package's Depends (simulated install, changes nothing)"
if ! simulation=$(apt-get install --simulate --no-install-recommends "$deb" 2>&1); then
  echo "$simulation" >&2
  fail "apt cannot install $deb"
fi

# ---------------------------------------------------------------- control fields
step "control fields"
version=$(sed -n 's/^__version__ *= *["'"'"']\([^"'"'"']*\)["'"'"'].*/\1/p' gdstudio/_version.py | tr '-' '~')
[ "$(dpkg-deb -f "$deb" Package)" = gdstudio ] || fail "Package is not gdstudio"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
[ "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)" ] || fail "wrong Architecture"
for library in libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libfontconfig1 libx11-6 libdbus-1-3; do
  echo "$depends" | grep -qw -- "$library" || fail "Depends lacks $library"
done
if dpkg-deb -c "$deb" | awk '{print $2}' | grep -qv '^root/root$'; then
  fail "some files are not owned by root/root"
fi

# ---------------------------------------------------------------- unpack and check files
work=$(mktemp -d /tmp/gdstudio-smoke.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
chmod 755 "$work"
root="$work/root"
mkdir "$root"
step "unpacking into $root"
dpkg -x "$deb" "$root"
app="$root/opt/gdstudio"
for path in opt/gdstudio/gdstudio usr/share/applications/gdstudio.desktop \
    usr/share/metainfo/org.gdstudio.GradientDescentStudio.metainfo.xml \
    usr/share/icons/hicolor/scalable/apps/gdstudio.svg usr/share/doc/gdstudio/copyright; do
  [ -s "$root/$path" ] || fail "missing $path"
done
for size in 16 24 32 48 64 128 256 512; do
  icon="$root/usr/share/icons/hicolor/${size}x${size}/apps/gdstudio.png"
  [ -s "$icon" ] || fail "missing the ${size} px icon"
  dims=$("$PYTHON" -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print(*struct.unpack(">II", d[16:24]))' "$icon")
  [ "$dims" = "$size $size" ] || fail "the ${size} px icon is $dims"
done
[ -x "$app/gdstudio" ] || fail "/opt/gdstudio/gdstudio is not executable"
[ -L "$root/usr/bin/gdstudio" ] || fail "/usr/bin/gdstudio is not a symbolic link"
[ "$(readlink -f "$root/usr/bin/gdstudio")" = "$app/gdstudio" ] || fail "/usr/bin/gdstudio points elsewhere"
step "desktop-file-validate and appstreamcli validate"
desktop-file-validate "$root/usr/share/applications/gdstudio.desktop"
appstreamcli validate --no-net "$root/usr/share/metainfo/org.gdstudio.GradientDescentStudio.metainfo.xml"

step "every bundled binary and Qt plugin finds its libraries"
unresolved=$(find "$app" -type f \( -name '*.so*' -o -name gdstudio \) -print0 \
  | LD_LIBRARY_PATH="$app/_internal:$app/_internal/PySide6/Qt/lib" xargs -0 ldd 2>/dev/null \
  | grep 'not found' | sort -u || true)
[ -z "$unresolved" ] || fail "unresolved libraries: $unresolved"

# ---------------------------------------------------------------- self-tests
home="$work/home"
mkdir -p "$home"
runner=()
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
  chown nobody "$home" "$work"
  # An unprivileged user: proves nothing is written to /opt or needs root.
  runner=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
fi
clean_env=(env -i "HOME=$home" "PATH=/usr/bin:/bin" "LANG=C.UTF-8" "GDSTUDIO_STARTUP_TIMING=1")

# run_self_test NAME COMMAND... : runs it, checks exit 0 and the screenshot, prints the
# start-up line; the time to first paint goes to $work/NAME.times.
run_self_test() {
  local name=$1; shift
  local shot="$work/$name.png" log="$work/$name.log"
  # From the unprivileged user's home, as a desktop launch would: the checkout may sit
  # in a folder that user cannot enter (mktemp -d is 0700), and multiprocessing's helper
  # process starts in the parent's working directory.
  if ! (cd "$home" && "$@" --self-test --screenshot "$shot") >"$log" 2>&1; then
    cat "$log" >&2
    fail "--self-test failed ($name)"
  fi
  grep -q '^self-test passed' "$log" || { cat "$log" >&2; fail "no pass line ($name)"; }
  [ -s "$shot" ] || fail "no screenshot ($name)"
  sed -n 's/^startup: window first painted \([0-9.]*\) s after the process.*/\1/p' "$log" >>"$work/$name.times"
  grep '^self-test passed' "$log"
}

median() { sort -n "$1" | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "n/a"}'; }

step "self-test from the unpacked tree, offscreen (${runs} runs)"
for _ in $(seq "$runs"); do
  run_self_test offscreen "${runner[@]}" "${clean_env[@]}" QT_QPA_PLATFORM=offscreen "$root/usr/bin/gdstudio"
done
step "self-test from the unpacked tree, under Xvfb (${runs} runs)"
for _ in $(seq "$runs"); do
  run_self_test xvfb "${runner[@]}" "${clean_env[@]}" xvfb-run -a -s "-screen 0 1600x1000x24 +extension GLX" "$root/usr/bin/gdstudio"
done
# Under Xvfb, Mesa's software OpenGL draws the 3-D view: PyOpenGL must be in the app.
grep -q '3-D view drawn' "$work/xvfb.log" || { cat "$work/xvfb.log" >&2; fail "the 3-D view was not drawn under Xvfb (Mesa)"; }
# A large data fit steps in the stepping helper process, started by the frozen app.
grep -q 'stepped in the helper process' "$work/xvfb.log" || { cat "$work/xvfb.log" >&2; fail "the stepping helper did not step a large fit"; }
# The helper process and multiprocessing's resource tracker end just after the app:
# allow them 10 s.
for _ in $(seq 50); do
  pgrep -f "$app/gdstudio" >/dev/null || break
  sleep 0.2
done
if pgrep -f "$app/gdstudio" >/dev/null; then
  pgrep -af "$app/gdstudio" >&2
  fail "processes of the app were left running"
fi

source_start="n/a"
if "$PYTHON" -c "import gdstudio.qt.selftest" >/dev/null 2>&1; then
  step "for comparison: the self-test from source ($PYTHON -m gdstudio)"
  for _ in $(seq "$runs"); do
    run_self_test source env QT_QPA_PLATFORM=offscreen GDSTUDIO_STARTUP_TIMING=1 "$PYTHON" -m gdstudio
  done
  source_start="$(median "$work/source.times") s"
fi

# ---------------------------------------------------------------- numbers
installed_kb=$(du -sk "$app" | cut -f1)
installed_mb=$(( installed_kb / 1024 ))
deb_bytes=$(stat -c %s "$deb")
deb_mb=$(( deb_bytes / 1048576 ))
offscreen_start=$(median "$work/offscreen.times")
xvfb_start=$(median "$work/xvfb.times")
echo
echo "== results ($(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version), $(dpkg --print-architecture))"
echo "build time (build_linux.sh):          $build_seconds"
if [ -f build/packaging/build-info.json ]; then
  "$PYTHON" - <<'EOF'
import json
info = json.load(open("build/packaging/build-info.json"))
print(f"  of which: environment {info.get('environment_seconds')} s, PyInstaller "
      f"{info.get('freeze_seconds')} s, .deb {info.get('deb_seconds')} s (last build)")
EOF
fi
echo "installed size (du -sk /opt/gdstudio): ${installed_mb} MiB (goal < ${INSTALLED_GOAL_MB} MB)"
echo ".deb size:                            $(awk -v b="$deb_bytes" 'BEGIN {printf "%.1f", b / 1048576}') MiB (goal < ${DEB_GOAL_MB} MB)"
echo "start to first paint, frozen:         offscreen ${offscreen_start} s, Xvfb ${xvfb_start} s (median of ${runs}; goal < ${START_GOAL_S} s)"
echo "start to first paint, from source:    ${source_start} (offscreen)"
[ "$installed_mb" -lt "$INSTALLED_GOAL_MB" ] || fail "installed size over the goal"
[ "$deb_mb" -lt "$DEB_GOAL_MB" ] || fail ".deb size over the goal"
awk -v t="$offscreen_start" -v g="$START_GOAL_S" 'BEGIN {exit !(t != "n/a" && t + 0 < g)}' \
  || echo "WARNING: frozen start-up above ${START_GOAL_S} s (a busy machine?)" >&2
echo "smoke test passed"
