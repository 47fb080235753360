#!/usr/bin/env bash
# UCR histories streamed into the core's grouping (issue #12): the
# portfolio-wide UCR by quarter and the whole board (monthly sparklines) over
# 10,000 use cases x 104 weeks, best of RUNS, against a peer build of the same
# example from an earlier commit (PEER_REF, default: the commit before the
# store grouped rows itself was removed).
#   bench/ucr.sh [RUNS] [PEER_REF]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
RUNS=${1:-5}
PEER_REF=${2:-7be9e62}
bench_build -p capcall-cli -p capcall-store --bin capcall --example ucr_timing
OURS=$OUT/ucr_timing-ours
cp "$TARGET/release/examples/ucr_timing" "$OURS"
PEER=$OUT/ucr_timing-$PEER_REF
if [ ! -x "$PEER" ]; then
  WT=$(mktemp -d)
  git worktree add -q --detach "$WT" "$PEER_REF"
  mkdir -p "$WT/crates/capcall-store/examples"
  cp crates/capcall-store/examples/ucr_timing.rs "$WT/crates/capcall-store/examples/"
  (cd "$WT" && CARGO_TARGET_DIR=$TARGET bench_build -p capcall-store --example ucr_timing)
  cp "$TARGET/release/examples/ucr_timing" "$PEER"
  git worktree remove --force "$WT"
  bench_build -p capcall-store --example ucr_timing # ours again in the target dir
fi
BIG=$(bench_portfolio 10000 104)
ours=$("$OURS" "$BIG" "$RUNS")
peer=$("$PEER" "$BIG" "$RUNS")
echo "ours ($(git rev-parse --short HEAD)):"; echo "$ours"
echo "peer ($PEER_REF, the store grouping rows itself):"; echo "$peer"
ms() { echo "$1" | awk -v k="$2" '$1 == k":" {print $2}'; }
for k in portfolio_ucr_by_quarter board; do
  awk -v k="$k" -v a="$(ms "$ours" "$k")" -v b="$(ms "$peer" "$k")" \
    'BEGIN { printf "%s: ours %.1f ms, peer %.1f ms, ratio %.2f\n", k, a, b, a / b }'
done
