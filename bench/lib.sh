# Set-up shared by the benches; sourced, not run:  . "$(dirname "$0")/lib.sh"
# It moves to the repository root and sets
#   OUT     where generated data and databases go (BENCH_OUT; default bench/out), reused by later runs
#   TARGET  the cargo target dir the binaries are built in (CARGO_TARGET_DIR; default ./target)
#   CLI     the release `capcall` binary (build it with bench_build)
# and defines
#   bench_build ARGS...   cargo build --release -q ARGS: the binaries a bench runs
#   bench_data N W        prints the directory of the generated CSVs of N use cases x W weekly rows
#                         (bench/gen_portfolio.py, generated once)
#   bench_portfolio N W   prints the path of a portfolio file of those CSVs with one scenario `bench`
#                         ($OUT/portfolio-N-W.sqlite; imported once with $CLI, moved into place whole)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
CLI=$TARGET/release/capcall

bench_build() {
  cargo build --release -q "$@"
}

bench_data() {
  local data="$OUT/data-$1-$2"
  [ -f "$data/observations.csv" ] || python3 bench/gen_portfolio.py "$data" "$1" "$2" >&2
  echo "$data"
}

bench_portfolio() {
  local db="$OUT/portfolio-$1-$2.sqlite" data
  if [ ! -f "$db" ]; then
    data=$(bench_data "$1" "$2")
    rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm" "$db.tmp.lock"
    "$CLI" --db "$db.tmp" init > /dev/null
    "$CLI" --db "$db.tmp" import use-cases "$data/use_cases.csv" > /dev/null
    "$CLI" --db "$db.tmp" import observations "$data/observations.csv" > /dev/null
    "$CLI" --db "$db.tmp" scenario new bench > /dev/null
    rm -f "$db.tmp.lock"
    mv "$db.tmp" "$db"
  fi
  echo "$db"
}
