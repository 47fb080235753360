#!/usr/bin/env bash
# Desktop app benchmark against a bare Tauri 2 window built and measured in
# the same run (bench/bare-tauri: one static HTML page, same Tauri, lockfile
# and release profile). For each: time from process start to the first
# frame drawn (the app: the portfolio board on screen; the bare window: its
# page), and memory (PSS, shared pages split fairly) of the process and its
# WebKit web/network processes; the app with the demo portfolio and with
# 10,000 use cases x 104 weeks. Prints our figure, the bare window's and the
# ratio, and checks them against the goals of issue 16.
# usage: bench/app.sh [RUNS]   (installs what it needs: scripts/setup.sh --bench)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
RUNS=${1:-3}
scripts/setup.sh --bench  # what the benches use, from apt (idempotent): hyperfine, sqlite3, GNU time, python3-venv, Xvfb
npm --prefix ui run build --silent
bench_build -p capcall-app -p capcall-cli
CARGO_TARGET_DIR=$TARGET bench_build --manifest-path bench/bare-tauri/Cargo.toml
APP=$TARGET/release/capcall-app
BARE=$TARGET/release/bare-tauri
rm -f "$OUT/app-demo.sqlite"*; "$CLI" --db "$OUT/app-demo.sqlite" demo > /dev/null
BIG=$(bench_portfolio 10000 104)
tree_pss_kb() { # PSS of a process and all its descendants, in KiB
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
# measure LABEL PATTERN CMD...: prints "ms kib" (ms empty when never drawn)
measure() {
  local label=$1 pattern=$2; shift 2
  local log="$OUT/app-$label.log"
  CAPCALL_BENCH_STARTUP=1 xvfb-run -a -s "-screen 0 1440x900x24" "$@" 2> "$log" &
  local wrapper=$!
  for _ in $(seq 1 300); do grep -q "$pattern" "$log" && break; sleep 0.1; done
  sleep 3 # let the processes settle before reading memory
  local pid; pid=$(pgrep -n -f "^$1( |$)" || true)
  local kib=0; [ -n "$pid" ] && kib=$(tree_pss_kb "$pid")
  local ms; ms=$(grep -o "$pattern [0-9]*" "$log" | grep -o '[0-9]*$' | head -1 || true)
  [ -n "$pid" ] && kill "$pid" 2> /dev/null || true
  wait "$wrapper" 2> /dev/null || true
  echo "${ms:-NA} $kib"
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "NA"; else print a[int((NR+1)/2)]}'; }
declare -A MS KIB
# 10k: the usual open (the store keeps the last board in the file);
# 10k-first: the first open after a change (the kept board emptied first).
for what in bare demo 10k 10k-first; do
  ms_list=(); kib_list=()
  for i in $(seq 1 "$RUNS"); do
    case $what in
      bare) r=$(measure "bare-$i" "first paint" "$BARE") ;;
      demo) r=$(measure "demo-$i" "board drawn" "$APP" --db "$OUT/app-demo.sqlite") ;;
      10k) r=$(measure "10k-$i" "board drawn" "$APP" --db "$BIG") ;;
      10k-first) sqlite3 "$BIG" "DELETE FROM board_cache" 2> /dev/null || true
        r=$(measure "10k-first-$i" "board drawn" "$APP" --db "$BIG") ;;
    esac
    set -- $r
    echo "  $what run $i: first frame ${1} ms, PSS $(( $2 / 1024 )) MiB"
    ms_list+=("$1"); kib_list+=("$2")
  done
  MS[$what]=$(printf '%s\n' "${ms_list[@]}" | grep -v NA | median)
  KIB[$what]=$(printf '%s\n' "${kib_list[@]}" | median)
done
python3 - "${MS[bare]}" "${KIB[bare]}" "${MS[demo]}" "${KIB[demo]}" "${MS[10k]}" "${KIB[10k]}" "${MS[10k-first]}" "${KIB[10k-first]}" <<'PY'
import sys
bare_ms, bare_kib, demo_ms, demo_kib, big_ms, big_kib, first_ms, first_kib = [None if v == "NA" else int(v) for v in sys.argv[1:]]
mib = lambda k: k / 1024
print(f"\n{'median of runs':<34}{'ours':>12}{'bare Tauri':>12}{'ratio / delta':>16}   goal")
def t(label, ms, goal_ratio=None, goal_abs=None):
    if ms is None or bare_ms is None:
        print(f"{label:<34}{'not drawn':>12}"); return False
    ratio = ms / bare_ms
    ok = (goal_ratio is None or ratio <= goal_ratio) and (goal_abs is None or ms <= goal_abs)
    goal = " and ".join(x for x in [goal_abs and f"<= {goal_abs} ms", goal_ratio and f"<= {goal_ratio}x bare"] if x)
    print(f"{label:<34}{ms:>9} ms{bare_ms:>9} ms{ratio:>15.2f}x   {goal}: {'met' if ok else 'NOT met'}")
    return ok
def m(label, kib, allowance):
    delta = mib(kib - bare_kib)
    ok = delta <= allowance
    print(f"{label:<34}{mib(kib):>8.0f} MiB{mib(bare_kib):>8.0f} MiB{delta:>+12.0f} MiB   <= bare + {allowance} MiB: {'met' if ok else 'NOT met'}")
    return ok
t("first frame, demo (12 use cases)", demo_ms, goal_ratio=1.5)
t("first frame, 10,000 use cases", big_ms, goal_ratio=3, goal_abs=1000)
t("  the same, first open after a change", first_ms, goal_ratio=3, goal_abs=1000)
m("memory (PSS), demo", demo_kib, 40)
m("memory (PSS), 10,000 use cases", big_kib, 100)
m("  the same, first open after a change", first_kib, 100)
PY
