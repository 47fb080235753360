#!/usr/bin/env bash
# FOCUS import benchmark: `capcall import focus` + `capcall costs --json`
# against DuckDB (the `duckdb` Python package, installed here in a venv)
# reading the same CSV and computing the same per-use-case weekly sums, in
# the same run. Prints both times, the ratio and peak RSS, and checks that
# the per-use-case weekly sums agree (DuckDB splits charges with inexact
# division, so weeks agree to a relative 1e-9; the per-use-case totals of `costs` are
# checked against the file's exact per-use-case sums, computed here).
#
# usage: bench/focus.sh [ROWS] [USE_CASES]   (default 2000000 rows, 200 use cases)
# needs: cargo; the rest (python3-venv, GNU time, sqlite3) comes from scripts/setup.sh --bench,
# DuckDB from PyPI into bench/out/venv
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --bench  # what the benches use, from apt (idempotent): hyperfine, sqlite3, GNU time, python3-venv, Xvfb
ROWS=${1:-2000000}
NUC=${2:-200}
OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
nice -n 10 cargo build --release -q -p capcall-cli
CAPCALL=${CARGO_TARGET_DIR:-target}/release/capcall
[ -x "$OUT/venv/bin/python" ] || python3 -m venv "$OUT/venv"
"$OUT/venv/bin/python" -c "import duckdb" 2> /dev/null || "$OUT/venv/bin/pip" install -q duckdb
PY="$OUT/venv/bin/python"
DATA="$OUT/focus-$ROWS-$NUC"
[ -f "$DATA/focus.csv" ] || python3 bench/gen_focus.py "$DATA" "$ROWS" "$NUC"
echo "data: $ROWS FOCUS rows, $NUC use cases ($(du -h "$DATA/focus.csv" | cut -f1)); duckdb $("$PY" -c 'import duckdb; print(duckdb.__version__)')"

secs() { /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > /dev/null; cat "$OUT/time.txt"; }
DB="$OUT/focus.sqlite"
rm -f "$DB" "$DB"-wal "$DB"-shm "$DB".lock
"$CAPCALL" --db "$DB" init > /dev/null
"$CAPCALL" --db "$DB" import use-cases "$DATA/use_cases.csv" > /dev/null

read -r t_imp rss_imp < <(secs "$CAPCALL" --db "$DB" import focus "$DATA/focus.csv")
/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$CAPCALL" --db "$DB" costs --json > "$OUT/costs.json"
read -r t_costs rss_costs < "$OUT/time.txt"
read -r t_duck rss_duck < <(secs "$PY" bench/focus_duckdb.py "$DATA/focus.csv" "$DATA/use_cases.csv" "$OUT/duck.csv")
# A second import of the same file: replaces, changes nothing.
read -r t_re _ < <(secs "$CAPCALL" --db "$DB" import focus "$DATA/focus.csv")

peak=$((rss_imp > rss_costs ? rss_imp : rss_costs))
cap=$(python3 -c "print(round($t_imp + $t_costs, 2))")
echo "capcall import focus: ${t_imp}s (peak RSS $((rss_imp / 1024)) MiB), costs --json: ${t_costs}s (peak RSS $((rss_costs / 1024)) MiB), re-import: ${t_re}s"
echo "duckdb (read CSV, map, split, weekly sums): ${t_duck}s (peak RSS $((rss_duck / 1024)) MiB)"
echo "RESULT capcall ${cap}s vs duckdb ${t_duck}s: ratio $(python3 -c "print(f'{$cap / $t_duck:.2f}x')"), capcall peak RSS $((peak / 1024)) MiB"

# Check: weekly spend written to observations equals DuckDB's weekly sums;
# costs --json per-use-case totals equal the exact sums; total = allocated + unallocated.
sqlite3 -csv "$DB" "select u.id, o.period_start, o.spend_usd from observations o join use_cases u on u.pk = o.use_case where o.spend_usd is not null order by 1, 2" > "$OUT/capcall-weeks.csv"
python3 - "$OUT/capcall-weeks.csv" "$OUT/duck.csv" "$OUT/costs.json" "$DATA/focus.csv" "$DATA/use_cases.csv" <<'PY'
import csv, json, re, sys
from decimal import Decimal
cap = {(r[0], r[1]): Decimal(r[2]) for r in csv.reader(open(sys.argv[1]))}
duck = {(r["use_case"], r["week"]): Decimal(r["cost"]) for r in csv.DictReader(open(sys.argv[2]))}
assert cap.keys() == duck.keys(), f"weeks differ: {len(cap)} vs {len(duck)}"
worst = max(abs(cap[k] - duck[k]) / max(Decimal(1), abs(cap[k])) for k in cap)
assert worst < Decimal("1e-9"), f"weekly sums differ by {worst} (relative)"
c = json.load(open(sys.argv[3]))
total, alloc, unalloc = Decimal(c["total"]), Decimal(c["allocated"]), Decimal(c["unallocated"])
assert total == alloc + unalloc
per_uc = {}
for (u, _), v in cap.items():
    per_uc[u] = per_uc.get(u, 0) + v
exact = {u["id"]: Decimal(u["cost"]) for u in c["use_cases"]}
assert exact == per_uc, "per-use-case totals differ from the weekly sums"
# Independent exact sums from the file (Python Decimal, same mapping rule).
ids = {r["id"] for r in csv.DictReader(open(sys.argv[5]))}
def app(cell):
    if cell in ("", "NULL"):
        return None
    for k, v in json.loads(cell).items():
        if k.strip().lower() == "application" and v is not None:
            return v
    return None
file_uc, file_total = {}, Decimal(0)
for r in csv.DictReader(open(sys.argv[4])):
    cost = Decimal(r["EffectiveCost"])
    file_total += cost
    v = app(r["AllocatedTags"])
    v = v if v is not None else app(r["Tags"])
    slug = re.sub("[^a-z0-9]+", "-", v.lower()).strip("-") if v is not None else None
    if slug in ids:
        file_uc[slug] = file_uc.get(slug, 0) + cost
assert file_total == total, f"total {total} != file total {file_total}"
assert file_uc == exact, "per-use-case totals differ from the file's exact sums"
print(f"CHECK ok: {len(cap)} (use case, week) sums agree with DuckDB (max relative diff {worst:.1E}, DuckDB's float split); per-use-case totals equal the file's exact sums; total {total} = allocated {alloc} + unallocated {unalloc}")
PY
