#!/usr/bin/env bash
# Desktop app benchmark: cold start of the release build to the portfolio
# board drawn, and memory (RSS) of all app processes (the app and its WebKit
# web/network processes), with the demo portfolio and with a 10,000-use-case
# portfolio. Runs under Xvfb. usage: bench/app.sh   (installs what it needs: scripts/setup.sh --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --bench  # what the benches use, from apt (idempotent): hyperfine, sqlite3, GNU time, python3-venv, Xvfb
OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
npm --prefix ui run build --silent
cargo build --release -q -p capcall-app -p capcall-cli
APP=${CARGO_TARGET_DIR:-target}/release/capcall-app
CLI=${CARGO_TARGET_DIR:-target}/release/capcall
rm -f "$OUT/app-demo.sqlite"*; "$CLI" --db "$OUT/app-demo.sqlite" demo > /dev/null
BIG="$OUT/score-10000.sqlite"
[ -f "$BIG" ] || bench/score.sh > /dev/null
tree_rss_kb() { # PSS (shared pages split fairly) of a process and all its descendants, in KiB
  python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1]); kids = {}
for p in os.listdir('/proc'):
    if p.isdigit():
        try:
            ppid = int(open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[1]); kids.setdefault(ppid, []).append(int(p))
        except Exception: pass
total, todo = 0, [root]
while todo:
    pid = todo.pop(); todo += kids.get(pid, [])
    try:
        for line in open(f'/proc/{pid}/smaps_rollup'):
            if line.startswith('Pss:'): total += int(line.split()[1])
    except Exception: pass
print(total)
PY
}
run() { # label db
  local log="$OUT/app-$1.log"
  CAPCALL_BENCH_STARTUP=1 xvfb-run -a -s "-screen 0 1440x900x24" "$APP" --db "$2" 2> "$log" &
  local wrapper=$!
  for _ in $(seq 1 300); do grep -q "board drawn" "$log" && break; sleep 0.1; done
  sleep 2
  local pid; pid=$(pgrep -n -f "$APP --db $2" || true)
  local rss=0; [ -n "$pid" ] && rss=$(tree_rss_kb "$pid")
  echo "$1: $(grep -o 'board drawn [0-9]* ms' "$log" || echo 'board not drawn') ; memory (PSS) of all app processes $((rss / 1024)) MiB"
  [ -n "$pid" ] && kill "$pid" 2> /dev/null || true
  wait "$wrapper" 2> /dev/null || true
}
for i in 1 2 3; do run "demo (run $i)" "$OUT/app-demo.sqlite"; done
for i in 1 2; do run "10k use cases (run $i)" "$BIG"; done
