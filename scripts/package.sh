#!/usr/bin/env bash
# Builds the release desktop app and the `capcall` CLI, and a Debian package
# of both with Tauri's bundler (pinned @tauri-apps/cli in packaging/).
#   -> ${CARGO_TARGET_DIR:-target}/release/bundle/deb/Capcall_<version>_<arch>.deb
# The package: /usr/bin/capcall-app (the app), /usr/bin/capcall (the CLI), a
# .desktop entry, hicolor icons 32-512 px, AppStream metainfo. Its version is
# Cargo's (tauri.conf.json has no "version", so Tauri reads Cargo.toml).
# Install: sudo apt install ./target/release/bundle/deb/Capcall_*.deb
# usage: scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --package
TARGET=${CARGO_TARGET_DIR:-target}
export CARGO_TERM_COLOR=never

# One version: Cargo's. tauri.conf.json must not carry another one, and the
# AppStream metainfo's newest release must be this one.
VERSION=$(cargo pkgid -p capcall-app | sed 's/.*[@#]//')
conf_version=$(python3 -c 'import json; print(json.load(open("tauri.conf.json")).get("version", ""))')
if [ -n "$conf_version" ] && [ "$conf_version" != "$VERSION" ]; then
  echo "package: tauri.conf.json version $conf_version != Cargo's $VERSION (remove it: Tauri then uses Cargo's)" >&2; exit 1
fi
meta_version=$(python3 -c 'import xml.etree.ElementTree as E; print(E.parse("packaging/app.capcall.desktop.metainfo.xml").find("releases/release").get("version"))')
[ "$meta_version" = "$VERSION" ] || {
  echo "package: packaging/app.capcall.desktop.metainfo.xml newest <release> is $meta_version, Cargo's version is $VERSION" >&2; exit 1; }

echo "== release build of the UI, the app and the CLI ($VERSION)"
npm --prefix ui run build --silent
# bundle.active is false in tauri.conf.json so that plain `cargo build` and
# `tauri dev` never bundle; it is switched on for this build only. The UI is
# built above: run from here, the Tauri CLI would take packaging/ (the first
# package.json it finds) as the directory for beforeBuildCommand.
CONFIG='{"bundle":{"active":true},"build":{"beforeBuildCommand":""}}'
tauri=packaging/node_modules/.bin/tauri
# App and CLI in one cargo invocation, so the crates they share are built
# once, with the same features (the Tauri CLI sets the app's build env).
"$tauri" build --ci --no-bundle --config "$CONFIG" -- --locked -p capcall-app -p capcall-cli
# The .deb takes the CLI from packaging/build (bundle.linux.deb.files) and
# the app from the target dir; both stripped of their symbol tables.
mkdir -p packaging/build
strip -o packaging/build/capcall "$TARGET/release/capcall"
strip "$TARGET/release/capcall-app"

echo "== .deb (tauri bundle --bundles deb)"
rm -rf "$TARGET/release/bundle/deb"
"$tauri" bundle --ci --bundles deb --config "$CONFIG"

DEB=$(ls "$TARGET"/release/bundle/deb/*_"$VERSION"_*.deb)
deb_version=$(dpkg-deb -f "$DEB" Version)
[ "$deb_version" = "$VERSION" ] || { echo "package: .deb version $deb_version != Cargo's $VERSION" >&2; exit 1; }
echo "== built $DEB ($(du -h "$DEB" | cut -f1))"
dpkg-deb -f "$DEB" Package Version Architecture Installed-Size Depends Recommends
