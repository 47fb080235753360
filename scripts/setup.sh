#!/usr/bin/env bash
# Installs what Capcall needs on Debian/Ubuntu, idempotently (nothing is
# fetched when everything is already there): system libraries
# for Tauri (WebKitGTK), Xvfb and WebKitWebDriver for the end-to-end tests,
# sqlite3 for the benchmarks, the UI's npm packages, and tauri-driver.
#   --e2e      also Xvfb, WebKitWebDriver, tauri-driver (end-to-end tests),
#              poppler-utils (pdftotext/pdftoppm: the board paper's text and
#              page images), chromium and the pinned Marp CLI + puppeteer-core
#              (slides/: the slides render and overflow check)
#   --package  also the pinned Tauri CLI (packaging/) and the package checkers
#              (desktop-file-validate, appstreamcli)
#   --bench    also what bench/*.sh use: hyperfine, sqlite3, GNU time, python3-venv, Xvfb
# usage: scripts/setup.sh [--e2e] [--package] [--bench]
set -euo pipefail
cd "$(dirname "$0")/.."
e2e=0 package=0 bench=0
for a in "$@"; do
  case "$a" in
    --e2e) e2e=1 ;;
    --package) package=1 ;;
    --bench) bench=1 ;;
    *) echo "usage: scripts/setup.sh [--e2e] [--package] [--bench]" >&2; exit 2 ;;
  esac
done
need_apt=()
have() { dpkg -s "$1" 2> /dev/null | grep -q '^Status: install ok installed'; }
for p in libwebkit2gtk-4.1-dev build-essential file libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev pkg-config; do
  have "$p" || need_apt+=("$p")
done
if [ $e2e = 1 ]; then
  for p in xvfb x11-apps webkit2gtk-driver sqlite3 time xauth poppler-utils chromium; do have "$p" || need_apt+=("$p"); done
fi
if [ $package = 1 ]; then
  for p in desktop-file-utils appstream xvfb xauth; do have "$p" || need_apt+=("$p"); done
fi
if [ $bench = 1 ]; then
  for p in hyperfine sqlite3 time python3 python3-venv xvfb xauth procps; do have "$p" || need_apt+=("$p"); done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" > /dev/null
fi
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi
# puppeteer-core downloads no browser: the slides check drives apt's chromium.
if [ $e2e = 1 ] && { [ ! -x slides/node_modules/.bin/marp ] || [ slides/package-lock.json -nt slides/node_modules/.package-lock.json ]; }; then
  npm --prefix slides ci --no-audit --no-fund --loglevel=error
fi
if [ $package = 1 ] && { [ ! -x packaging/node_modules/.bin/tauri ] || [ packaging/package-lock.json -nt packaging/node_modules/.package-lock.json ]; }; then
  npm --prefix packaging ci --no-audit --no-fund --loglevel=error
fi
if [ $e2e = 1 ] && ! command -v tauri-driver > /dev/null; then
  cargo install tauri-driver --locked --quiet
fi
