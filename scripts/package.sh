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

echo "== release build of the CLI ($VERSION)"
cargo build --release --locked -p capcall-cli
mkdir -p packaging/build
# The .deb takes the CLI from here (bundle.linux.deb.files in tauri.conf.json).
strip -o packaging/build/capcall "$TARGET/release/capcall"

echo "== release build of the app + .deb (tauri build --bundles deb)"
rm -rf "$TARGET/release/bundle/deb"
# bundle.active is false in tauri.conf.json so that plain `cargo build` and
# `tauri dev` never bundle; it is switched on for this build only.
packaging/node_modules/.bin/tauri build --ci --bundles deb --config '{"bundle":{"active":true}}' -- --locked

DEB=$(ls "$TARGET"/release/bundle/deb/*_"$VERSION"_*.deb)
deb_version=$(dpkg-deb -f "$DEB" Version)
[ "$deb_version" = "$VERSION" ] || { echo "package: .deb version $deb_version != Cargo's $VERSION" >&2; exit 1; }
echo "== built $DEB ($(du -h "$DEB" | cut -f1))"
dpkg-deb -f "$DEB" Package Version Architecture Installed-Size Depends Recommends
