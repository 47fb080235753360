#!/usr/bin/env bash
# Import benchmark. Compares `capcall import observations`
# (full validation, one transaction, WAL + synchronous=FULL) with sqlite3's own
# `.import` of the same CSV into a plain table, in the same run, and checks the
# failure bars: a bad cell on line 500,001 and kill -9 half way. The generated
# file is what users bring: CRLF line ends and sub-cent spend (4 decimals).
#
# usage: bench/import.sh [USE_CASES] [WEEKS]    (default 10000 x 104 = 1.04 M rows)
# needs: cargo; sqlite3, GNU time and python3 come from scripts/setup.sh --bench
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --bench  # what the benches use, from apt (idempotent): hyperfine, sqlite3, GNU time, python3-venv, Xvfb
N=${1:-10000}
W=${2:-104}
OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
cargo build --release -q -p capcall-cli
CAPCALL=${CARGO_TARGET_DIR:-target}/release/capcall
DATA="$OUT/data-$N-$W"
[ -f "$DATA/observations.csv" ] || python3 bench/gen_portfolio.py "$DATA" "$N" "$W"
OBS="$DATA/observations.csv"
ROWS=$(($(wc -l < "$OBS") - 1))
echo "data: $N use cases x $W weeks = $ROWS observation rows ($(du -h "$OBS" | cut -f1))"

fresh_db() { rm -f "$1" "$1"-wal "$1"-shm "$1".lock; "$CAPCALL" --db "$1" init > /dev/null; "$CAPCALL" --db "$1" import use-cases "$DATA/use_cases.csv" > /dev/null; }
secs() { /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > /dev/null; cat "$OUT/time.txt"; }

best_sqlite=999999; best_capcall=999999; peak=0
for run in 1 2 3; do
  rm -f "$OUT/plain.db"
  read -r s _ < <(secs sqlite3 "$OUT/plain.db" ".mode csv" ".import $OBS observations")
  fresh_db "$OUT/cap.sqlite"
  read -r c rss < <(secs "$CAPCALL" --db "$OUT/cap.sqlite" import observations "$OBS")
  echo "run $run: sqlite3 .import ${s}s, capcall import ${c}s (peak RSS $((rss / 1024)) MiB)"
  best_sqlite=$(python3 -c "print(min($best_sqlite, $s))"); best_capcall=$(python3 -c "print(min($best_capcall, $c))")
  peak=$((rss > peak ? rss : peak))
done
echo "BEST sqlite3 .import: ${best_sqlite}s  capcall import: ${best_capcall}s  ratio: $(python3 -c "print(f'{$best_capcall / $best_sqlite:.2f}x')")  peak RSS: $((peak / 1024)) MiB"
stored=$(sqlite3 "$OUT/cap.sqlite" "select count(*) from observations")
[ "$stored" = "$ROWS" ] || { echo "FAIL: stored $stored rows, expected $ROWS"; exit 1; }

# A bad cell on line 500,001 (if the file is that long): reported by line and column; nothing changes.
if [ "$ROWS" -ge 500000 ]; then
  awk -F, 'BEGIN{OFS=","} NR==500001{$3="12.3.4"} {print}' "$OBS" > "$OUT/bad.csv"
  before=$(sqlite3 "$OUT/cap.sqlite" "select count(*), total(spend_usd) from observations")
  if "$CAPCALL" --db "$OUT/cap.sqlite" import observations "$OUT/bad.csv" 2> "$OUT/bad.err"; then echo "FAIL: bad file imported"; exit 1; fi
  grep -q "bad.csv:500001:3: spend_usd" "$OUT/bad.err" || { echo "FAIL: error did not name line 500001 column 3"; cat "$OUT/bad.err"; exit 1; }
  after=$(sqlite3 "$OUT/cap.sqlite" "select count(*), total(spend_usd) from observations")
  [ "$before" = "$after" ] || { echo "FAIL: rows changed ($before -> $after)"; exit 1; }
  echo "bad cell: $(grep -m1 500001 "$OUT/bad.err" | sed 's/^ *//') ; rows unchanged ($after)"
fi

# kill -9 half way: the file passes integrity_check and holds all or none of the import.
fresh_db "$OUT/kill.sqlite"
"$CAPCALL" --db "$OUT/kill.sqlite" import observations "$OBS" > /dev/null 2>&1 &
pid=$!
sleep "$(python3 -c "print($best_capcall / 2)")"
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
check=$(sqlite3 "$OUT/kill.sqlite" "pragma integrity_check")
count=$(sqlite3 "$OUT/kill.sqlite" "select count(*) from observations")
[ "$check" = "ok" ] || { echo "FAIL: integrity_check: $check"; exit 1; }
[ "$count" = "0" ] || [ "$count" = "$ROWS" ] || { echo "FAIL: partial import: $count rows"; exit 1; }
echo "kill -9 at $(python3 -c "print($best_capcall / 2)")s: integrity_check=$check, rows=$count (all or none of $ROWS)"
# The lock died with the process: a new writer gets in at once.
"$CAPCALL" --db "$OUT/kill.sqlite" import use-cases "$DATA/use_cases.csv" > /dev/null && echo "stale lock: none (next writer opened the file)"
