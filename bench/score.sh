#!/usr/bin/env bash
# Scoring and scenario benchmark (issues: rubric, scenarios). For 1,000 and
# 10,000 use cases x 104 weekly rows, read from the SQLite file:
#   - capcall score (all use cases, JSON to /dev/null)
#   - capcall scenario new (score + save every line)
#   - capcall scenario run --json (load, allocate, print JSON)
# and the in-memory recompute (cargo bench -p capcall-core).
# usage: bench/score.sh      needs: cargo; hyperfine, sqlite3, python3 come from scripts/setup.sh --bench
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --bench  # what the benches use, from apt (idempotent): hyperfine, sqlite3, GNU time, python3-venv, Xvfb
OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
cargo build --release -q -p capcall-cli
CAPCALL=${CARGO_TARGET_DIR:-target}/release/capcall
for N in 1000 10000; do
  DATA="$OUT/data-$N-104"
  [ -f "$DATA/observations.csv" ] || python3 bench/gen_portfolio.py "$DATA" "$N" 104
  DB="$OUT/score-$N.sqlite"
  if [ ! -f "$DB" ]; then
    "$CAPCALL" --db "$DB" init > /dev/null
    "$CAPCALL" --db "$DB" import use-cases "$DATA/use_cases.csv" > /dev/null
    "$CAPCALL" --db "$DB" import observations "$DATA/observations.csv" > /dev/null
  fi
  echo "== $N use cases"
  "$CAPCALL" --db "$DB" scenario list --json | grep -q '"bench"' || "$CAPCALL" --db "$DB" scenario new bench > /dev/null
  hyperfine -N --warmup 1 --runs 5 --style basic \
    "$CAPCALL --db $DB --json score" \
    "$CAPCALL --db $DB --json scenario run bench" 2>&1 | grep -E "Benchmark|Time"
  hyperfine --runs 3 --style basic \
    --prepare "sqlite3 $DB \"PRAGMA foreign_keys=ON; DELETE FROM scenarios WHERE name='fresh'\"" \
    "$CAPCALL --db $DB scenario new fresh" 2>&1 | grep -E "Benchmark|Time"
done
cargo bench -q -p capcall-core --bench scenario 2>/dev/null | grep "scenario recompute"
