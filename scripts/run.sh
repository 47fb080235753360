#!/usr/bin/env bash
# Builds and opens the Capcall desktop app (release build). On first start it
# creates the demo portfolio in your data dir (~/.local/share/capcall/).
# Pass --db FILE to open another portfolio.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm --prefix ui run build --silent
cargo build --release -p capcall-app
exec target/release/capcall-app "$@"
