#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, Rust unit/integration/property
# tests (incl. the bindings freshness test), the UI's Vitest tests, the board
# pack's slides rendered by Marp, and the end-to-end journey of the real app
# under Xvfb. One cargo target dir and one profile: tests, the E2E and the
# package all use the release build (the Typst typesetter is too big to
# compile twice within the CI's time; the release profile keeps overflow
# checks on). Then the package stage: the .deb built from that build,
# installed, used and removed (scripts/package-check.sh; needs root or sudo;
# CAPCALL_SKIP_PACKAGE=1 skips it; time budget CAPCALL_PACKAGE_TIMEOUT,
# default 1800 s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --e2e
export CARGO_TERM_COLOR=never
echo "== cargo fmt"; cargo fmt --all -- --check
echo "== UI build"; npm --prefix ui run build --silent
echo "== cargo clippy"; cargo clippy --workspace --all-targets --locked -- -D warnings
TARGET=${CARGO_TARGET_DIR:-target}
echo "== cargo test (release)"; cargo test --release --workspace --locked
echo "== vitest"; npm --prefix ui test --silent
# The board pack as a board sees it: the slides rendered by Marp in chromium
# (slide count, no slide overflows) for the demo pack (golden) and the 25-use-case
# pre-read the export tests leave in $TARGET/tmp/pack-pages/, whose PDF page
# images are copied next to the E2E screenshots.
echo "== slides (Marp render, overflow check) and PDF pages"
node slides/check.mjs crates/capcall-export/tests/golden --min 10
node slides/check.mjs "$TARGET/tmp/pack-pages/draft-scenario/pack" --min 20
mkdir -p "${E2E_SCREENSHOTS:-e2e/screenshots}/pack"
cp -r "$TARGET"/tmp/pack-pages/*/ "${E2E_SCREENSHOTS:-e2e/screenshots}/pack/"
echo "== e2e (release build of the app, under Xvfb)"
cargo build --release --locked -p capcall-app -p capcall-cli
E2E_SCREENSHOTS="${E2E_SCREENSHOTS:-e2e/screenshots}" xvfb-run -a -s "-screen 0 1440x900x24" node e2e/run.mjs "$TARGET/release/capcall-app" "$TARGET/release/capcall"
echo "== package (.deb: release build, install, use, remove)"
timeout "${CAPCALL_PACKAGE_TIMEOUT:-1800}" scripts/package-check.sh
echo "== all tests passed"
