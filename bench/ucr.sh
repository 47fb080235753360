#!/usr/bin/env bash
# UCR histories streamed into the core's grouping (issue #12): the
# portfolio-wide UCR by quarter and the whole board (monthly sparklines) over
# 10,000 use cases x 104 weeks, best of RUNS, against a peer build of the same
# example from an earlier commit (PEER_REF, default: the commit before the
# store grouped rows itself was removed).
#   bench/ucr.sh [RUNS] [PEER_REF]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PEER_REF=${2:-7be9e62}
OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p capcall-cli -p capcall-store --example ucr_timing
CLI=$TARGET/release/capcall
OURS=$OUT/ucr_timing-ours
cp "$TARGET/release/examples/ucr_timing" "$OURS"
PEER=$OUT/ucr_timing-$PEER_REF
if [ ! -x "$PEER" ]; then
  WT=$(mktemp -d)
  git worktree add -q --detach "$WT" "$PEER_REF"
  mkdir -p "$WT/crates/capcall-store/examples"
  cp crates/capcall-store/examples/ucr_timing.rs "$WT/crates/capcall-store/examples/"
  (cd "$WT" && CARGO_TARGET_DIR=$TARGET cargo build --release -q -p capcall-store --example ucr_timing)
  cp "$TARGET/release/examples/ucr_timing" "$PEER"
  git worktree remove --force "$WT"
  cargo build --release -q -p capcall-store --example ucr_timing # ours again in the target dir
fi
BIG="$OUT/ucr-10000.sqlite"
if [ ! -f "$BIG" ]; then
  DATA="$OUT/data-10000-104"
  [ -f "$DATA/observations.csv" ] || python3 bench/gen_portfolio.py "$DATA" 10000 104
  "$CLI" --db "$BIG.tmp" init > /dev/null
  "$CLI" --db "$BIG.tmp" import use-cases "$DATA/use_cases.csv" > /dev/null
  "$CLI" --db "$BIG.tmp" import observations "$DATA/observations.csv" > /dev/null
  mv "$BIG.tmp" "$BIG"
fi
ours=$("$OURS" "$BIG" "$RUNS")
peer=$("$PEER" "$BIG" "$RUNS")
echo "ours ($(git rev-parse --short HEAD)):"; echo "$ours"
echo "peer ($PEER_REF, the store grouping rows itself):"; echo "$peer"
ms() { echo "$1" | awk -v k="$2" '$1 == k":" {print $2}'; }
for k in portfolio_ucr_by_quarter board; do
  awk -v k="$k" -v a="$(ms "$ours" "$k")" -v b="$(ms "$peer" "$k")" \
    'BEGIN { printf "%s: ours %.1f ms, peer %.1f ms, ratio %.2f\n", k, a, b, a / b }'
done
