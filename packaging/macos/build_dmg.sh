#!/usr/bin/env bash
# Build the macOS disk image of Gradient Descent Studio:
#   packaging/build.py (clean venv -> PyInstaller BUNDLE: "Gradient Descent Studio.app")
#   -> Info.plist checks -> ad-hoc signature -> self-test of the signed app
#   -> .dmg (the app and an /Applications link) -> checks that it is large enough,
#      verifies, mounts read-only and runs the self-test from the mounted image.
#
#   packaging/macos/build_dmg.sh [--skip-build]
#
# Run on a Mac (the release workflow uses macos-14, Apple silicon, so the image is
# arm64; build on an Intel Mac or macos-13 for x86_64). Environment: PYTHON (default
# python3, 3.11+ from python.org or actions/setup-python). Output:
# build/packaging/gdstudio-<version>-macos-<arch>.dmg
#
# The signature is ad hoc ("-"): enough for Apple silicon to run the app, not enough
# for Gatekeeper to trust a download. Students open it the first time with right-click >
# Open (macOS 14) or System Settings > Privacy & Security > Open Anyway (macOS 15).
# Signing with a Developer ID and notarising (xcrun notarytool) would remove that step.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
BUILD_DIR=build/packaging
APP_NAME="Gradient Descent Studio"
BUNDLE_ID=org.gdstudio.GradientDescentStudio
MIN_DMG_BYTES=$((20 * 1024 * 1024))  # the app is ~150 MB unpacked; a tiny image is broken

fail() { echo "build_dmg FAILED: $*" >&2; exit 1; }

version=$(sed -n 's/^__version__ *= *["'"'"']\([^"'"'"']*\)["'"'"'].*/\1/p' gdstudio/_version.py)
[ -n "$version" ] || fail "no __version__ in gdstudio/_version.py"
arch=$(uname -m)
app="$BUILD_DIR/dist/$APP_NAME.app"

if [ "${1:-}" != "--skip-build" ]; then
  "$PYTHON" packaging/build.py --python "$PYTHON"
fi
[ -x "$app/Contents/MacOS/gdstudio" ] || fail "no app bundle at $app"

echo "== Info.plist"
plist="$app/Contents/Info.plist"
plutil -lint "$plist"
plist_value() { /usr/libexec/PlistBuddy -c "Print :$1" "$plist"; }
[ "$(plist_value CFBundleShortVersionString)" = "$version" ] || fail "CFBundleShortVersionString is not $version"
[ "$(plist_value CFBundleIdentifier)" = "$BUNDLE_ID" ] || fail "CFBundleIdentifier is not $BUNDLE_ID"
[ "$(plist_value CFBundleExecutable)" = gdstudio ] || fail "CFBundleExecutable is not gdstudio"
[ "$(plist_value NSHighResolutionCapable)" = true ] || fail "NSHighResolutionCapable is not set"
[ -s "$app/Contents/Resources/gdstudio.icns" ] || fail "no icon in the bundle"

echo "== ad-hoc signature"
codesign --force --deep --sign - "$app"
codesign --verify --deep --strict --verbose=2 "$app"

echo "== self-test of the signed app"
"$PYTHON" packaging/build.py --self-test-only --no-offscreen --executable "$app/Contents/MacOS/gdstudio"

echo "== disk image"
stage="$BUILD_DIR/dmg"
rm -rf "$stage"
mkdir -p "$stage"
ditto "$app" "$stage/$APP_NAME.app"
ln -s /Applications "$stage/Applications"
dmg="$BUILD_DIR/gdstudio-$version-macos-$arch.dmg"
rm -f "$dmg"
# hdiutil sometimes fails with "Resource busy" on CI machines: try a few times.
for attempt in 1 2 3; do
  if hdiutil create -volname "$APP_NAME $version" -srcfolder "$stage" -ov -format UDZO "$dmg"; then
    break
  fi
  [ "$attempt" = 3 ] && fail "hdiutil create failed three times"
  sleep 5
done
size=$(stat -f %z "$dmg")
echo "$dmg: $((size / 1024 / 1024)) MB"
[ "$size" -gt "$MIN_DMG_BYTES" ] || fail "the image is only $size bytes"
hdiutil verify "$dmg"

echo "== mount and run from the image"
mount_point=$(mktemp -d /tmp/gdstudio-dmg.XXXXXX)
hdiutil attach "$dmg" -nobrowse -readonly -noautoopen -mountpoint "$mount_point" >/dev/null
detach() { hdiutil detach "$mount_point" -force >/dev/null 2>&1 || true; }
trap detach EXIT
mounted_app="$mount_point/$APP_NAME.app"
[ -x "$mounted_app/Contents/MacOS/gdstudio" ] || fail "the mounted image has no app"
[ -L "$mount_point/Applications" ] || fail "the mounted image has no Applications link"
codesign --verify --deep --strict "$mounted_app"
"$PYTHON" packaging/build.py --self-test-only --no-offscreen --executable "$mounted_app/Contents/MacOS/gdstudio"
echo "build_dmg: $dmg passed"
