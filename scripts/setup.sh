#!/usr/bin/env bash
# Installs what Capcall needs on Debian/Ubuntu, idempotently: system libraries
# for Tauri (WebKitGTK), Xvfb and WebKitWebDriver for the end-to-end tests,
# sqlite3 for the benchmarks, the UI's npm packages, and tauri-driver.
# usage: scripts/setup.sh [--e2e]
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
have() { dpkg -s "$1" > /dev/null 2>&1; }
for p in libwebkit2gtk-4.1-dev build-essential file libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev pkg-config; do
  have "$p" || need_apt+=("$p")
done
if [ "${1:-}" = "--e2e" ]; then
  for p in xvfb webkit2gtk-driver sqlite3 time xauth poppler-utils; do have "$p" || need_apt+=("$p"); done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" > /dev/null
fi
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi
if [ "${1:-}" = "--e2e" ] && ! command -v tauri-driver > /dev/null; then
  cargo install tauri-driver --locked --quiet
fi
