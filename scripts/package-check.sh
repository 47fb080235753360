#!/usr/bin/env bash
# CI stage: build the .deb (scripts/package.sh), install it on this machine
# with apt, use what it installed (CLI from PATH, the app started the way its
# desktop entry starts it, the end-to-end journey against /usr/bin), validate
# the desktop entry and the AppStream metainfo, remove the package and check
# nothing it installed is left under /usr.
# Needs root (or sudo) for apt. CAPCALL_SKIP_PACKAGE=1 skips the stage.
# CAPCALL_PACKAGE_E2E=0 skips its end-to-end journey; CAPCALL_DEB=FILE checks that
# package instead of building one.
# usage: scripts/package-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CAPCALL_SKIP_PACKAGE:-0}" = 1 ]; then echo "== package: skipped (CAPCALL_SKIP_PACKAGE=1)"; exit 0; fi
start=$SECONDS
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
apt_get() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get "$@"; }
fail() { echo "package-check: FAIL: $*" >&2; exit 1; }
if [ "${CAPCALL_PACKAGE_E2E:-1}" = 1 ]; then scripts/setup.sh --package --e2e; else scripts/setup.sh --package; fi

if [ -n "${CAPCALL_DEB:-}" ]; then
  DEB=$(realpath "$CAPCALL_DEB")   # check a package built earlier (no build)
  VERSION=$(dpkg-deb -f "$DEB" Version)
else
  scripts/package.sh
  TARGET=${CARGO_TARGET_DIR:-target}
  VERSION=$(cargo pkgid -p capcall-app | sed 's/.*[@#]//')
  DEB=$(realpath "$(ls "$TARGET"/release/bundle/deb/*_"$VERSION"_*.deb)")
fi
PKG=$(dpkg-deb -f "$DEB" Package)

echo "== package: metadata"
depends=$(dpkg-deb -f "$DEB" Depends)
for d in libwebkit2gtk-4.1-0 libgtk-3-0; do
  grep -qE "(^|, )$d( |,|$)" <<< "$depends" || fail "Depends lacks $d: $depends"
done
contents=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|; s|^\([^/]\)|/\1|')
for f in /usr/bin/capcall-app /usr/bin/capcall /usr/share/metainfo/app.capcall.desktop.metainfo.xml \
  /usr/share/icons/hicolor/{32x32,64x64,128x128,256x256,512x512}/apps/capcall-app.png; do
  grep -qx "$f" <<< "$contents" || fail "$f not in the package"
done
desktop=$(grep -E '^/usr/share/applications/[^/]+\.desktop$' <<< "$contents") || fail "no .desktop entry in the package"
echo "Depends: $depends; $(grep -c . <<< "$contents") paths; $(du -h "$DEB" | cut -f1) $(basename "$DEB")"

if dpkg -s "$PKG" 2> /dev/null | grep -q '^Status: install ok installed'; then
  echo "== package: $PKG was installed before this check; removing it first"
  apt_get purge -y -qq "$PKG" > /dev/null
fi
installed=0
work=$(mktemp -d)
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2> /dev/null || true
  [ $installed = 1 ] && apt_get purge -y -qq "$PKG" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== package: apt-get install $DEB"
apt_get install -y -qq "$DEB" > "$work/apt-install.log" 2>&1 || { cat "$work/apt-install.log"; fail "apt-get install"; }
installed=1
dpkg -L "$PKG" | sort > "$work/files.txt"
echo "installed $(grep -c . "$work/files.txt") paths; $(dpkg -s "$PKG" | grep -E '^(Version|Installed-Size):' | tr '\n' ' ')"

echo "== package: the CLI from PATH"
[ "$(command -v capcall)" = /usr/bin/capcall ] || fail "capcall on PATH is $(command -v capcall), not /usr/bin/capcall"
out=$(capcall --version); echo "$out"
grep -q "$VERSION" <<< "$out" || fail "capcall --version does not say $VERSION"
capcall --db "$work/demo.sqlite" demo | tail -n 3
capcall --db "$work/demo.sqlite" score > /dev/null

echo "== package: desktop entry and metainfo"
cat "$desktop"
desktop-file-validate "$desktop" || fail "desktop-file-validate $desktop"
echo "desktop-file-validate $desktop: ok"
if command -v appstreamcli > /dev/null; then
  appstreamcli validate --no-net --explain /usr/share/metainfo/app.capcall.desktop.metainfo.xml || fail "appstreamcli validate"
fi

echo "== package: start the app as its desktop entry does, under Xvfb"
exec_line=$(sed -n 's/^Exec=//p' "$desktop" | head -1)
read -r -a cmd <<< "${exec_line//%[fFuU]/}"
[ "$(command -v "${cmd[0]}")" = /usr/bin/capcall-app ] || fail "Exec=$exec_line does not start /usr/bin/capcall-app"
# The wrapper shell records the app's own pid, then becomes the app.
CAPCALL_DB="$work/demo.sqlite" CAPCALL_BENCH_STARTUP=1 xvfb-run -a -s "-screen 0 1440x900x24" \
  sh -c 'echo $$ > "$0"; exec "$@"' "$work/app.pid" "${cmd[@]}" > "$work/app.log" 2>&1 &
wrapper=$!
for _ in $(seq 1 50); do [ -s "$work/app.pid" ] && break; sleep 0.1; done
app_pid=$(cat "$work/app.pid")
for _ in $(seq 1 100); do grep -q "board drawn" "$work/app.log" && break; kill -0 "$app_pid" 2> /dev/null || break; sleep 0.2; done
sleep 3
kill -0 "$app_pid" 2> /dev/null || { cat "$work/app.log"; fail "the installed app exited"; }
[ "$(readlink "/proc/$app_pid/exe")" = /usr/bin/capcall-app ] || fail "pid $app_pid is not /usr/bin/capcall-app"
if grep -q "board drawn" "$work/app.log"; then echo "app up 3 s after $(grep -o 'board drawn [0-9]* ms' "$work/app.log")"
else echo "app up for 3 s (no startup timing in its log)"; fi
kill "$app_pid"; wait "$wrapper" 2> /dev/null || true; app_pid=""

if [ "${CAPCALL_PACKAGE_E2E:-1}" = 1 ]; then
  echo "== package: end-to-end journey against the installed binaries"
  E2E_SCREENSHOTS="${E2E_SCREENSHOTS:-e2e/screenshots}/package" xvfb-run -a -s "-screen 0 1440x900x24" \
    node e2e/run.mjs /usr/bin/capcall-app /usr/bin/capcall
fi

echo "== package: apt-get remove --purge $PKG"
apt_get purge -y -qq "$PKG" > /dev/null 2>&1 || fail "apt-get purge"
installed=0
dpkg -s "$PKG" > /dev/null 2>&1 && fail "dpkg still knows $PKG"
left=()
while read -r f; do
  if [ -d "$f" ]; then
    # A directory may stay only if another package owns it or it holds others' files.
    [ -z "$(ls -A "$f")" ] && ! dpkg -S "$f" > /dev/null 2>&1 && left+=("$f (empty directory)")
  elif [ -e "$f" ] || [ -L "$f" ]; then
    left+=("$f")
  fi
done < "$work/files.txt"
[ ${#left[@]} = 0 ] || fail "left after removal: ${left[*]}"
[ ! -e /usr/bin/capcall ] && [ ! -e /usr/bin/capcall-app ] || fail "binaries left in /usr/bin"
echo "removed: none of the $(grep -c . "$work/files.txt") installed paths is left"
echo "== package: passed in $((SECONDS - start)) s"
