#!/usr/bin/env bash
# Benchmark (not a test): `gwdoctor cold-starts --log-file` against `grep -c 'Init Duration'`
# on the same generated Lambda log export, and peak memory at two file sizes.
#
#   bench/cold-starts.sh                 # 1 GB text file (generated once, ~15 s), 3 runs each
#   BENCH_SIZE_MB=256 bench/cold-starts.sh
#
# The file (bench/gen_lambda_logs.py, deterministic) is what `aws logs tail /aws/lambda/fn`
# prints: START, application lines, END, REPORT (some with an XRAY half on the next line),
# INIT_START before cold starts, a cold-start burst every few hours, a few failures. It is read
# once before timing so both tools read from the page cache. Reported per tool: best and
# median wall time, throughput (MB/s), peak RSS (/usr/bin/time -v "Maximum resident set size").
# Then gwdoctor's peak RSS on a file 1/8 the size: constant memory means about the same.
# The goal (issue 3): at least half of grep's throughput, constant memory.
#
# Environment: BENCH_SIZE_MB (1024), BENCH_RUNS (3), BENCH_FORMAT (text | jsonl),
#   GWDOCTOR_BIN (default $CARGO_TARGET_DIR or target, release build; built if missing),
#   BENCH_DIR (default target/bench).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE="${BENCH_SIZE_MB:-1024}"
RUNS="${BENCH_RUNS:-3}"
FORMAT="${BENCH_FORMAT:-text}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${GWDOCTOR_BIN:-$TARGET/release/gwdoctor}"
DIR="${BENCH_DIR:-$TARGET/bench}"
mkdir -p "$DIR"

if [ ! -x "$BIN" ]; then
  if [ -n "${GWDOCTOR_BIN:-}" ]; then echo "bench: GWDOCTOR_BIN=$BIN is not executable" >&2; exit 1; fi
  echo "bench: building $BIN (cargo build --release)" >&2
  (cd "$ROOT" && cargo build --release --locked --bin gwdoctor)
fi
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (GNU time) for peak RSS" >&2; exit 1; }

ext=log; [ "$FORMAT" = jsonl ] && ext=jsonl
gen() {   # gen FILE MB
  local want=$(( $2 * 1024 * 1024 ))
  if [ -f "$1" ] && [ "$(stat -c %s "$1")" -ge $(( want * 95 / 100 )) ] && [ "$(stat -c %s "$1")" -le $(( want * 105 / 100 )) ]; then
    return
  fi
  echo "bench: generating $1 ($2 MB, $FORMAT)" >&2
  python3 "$ROOT/bench/gen_lambda_logs.py" "$1" "$2" --format "$FORMAT"
}
BIG="$DIR/lambda-$SIZE.$ext"
SMALL_MB=$(( SIZE / 8 )); [ "$SMALL_MB" -ge 1 ] || SMALL_MB=1
SMALL="$DIR/lambda-$SMALL_MB.$ext"
gen "$BIG" "$SIZE"
gen "$SMALL" "$SMALL_MB"
BYTES=$(stat -c %s "$BIG")
cat "$BIG" > /dev/null   # page cache

# measure NAME CMD...: RUNS runs; prints "best median rss_kb"
measure() {
  local name=$1; shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$DIR/time.out" "$@" > "$DIR/$name.out" 2>/dev/null || true
    # GNU time prepends "Command exited with non-zero status N" (gwdoctor exits 1 on findings).
    read -r t m < <(tail -n 1 "$DIR/time.out")
    times+=("$t")
    [ "$m" -gt "$rss" ] && rss=$m
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -g)
  local best median
  best=$(head -1 <<<"$sorted")
  median=$(sed -n "$(( (RUNS + 1) / 2 ))p" <<<"$sorted")
  echo "$best $median $rss"
}

read -r g_best g_med g_rss < <(measure grep grep -c 'Init Duration' "$BIG")
read -r d_best d_med d_rss < <(measure gwdoctor "$BIN" cold-starts --log-file "$BIG" -o json)
read -r _ _ s_rss < <(measure gwdoctor-small "$BIN" cold-starts --log-file "$SMALL" -o json)

python3 - "$BYTES" "$g_best" "$g_med" "$g_rss" "$d_best" "$d_med" "$d_rss" "$s_rss" "$SMALL_MB" "$DIR/grep.out" "$DIR/gwdoctor.out" <<'PY'
import json, sys
b, gb, gm, gr, db, dm, dr, sr, small, grep_out, gw_out = sys.argv[1:]
mb = int(b) / 1e6
gb, gm, db, dm = map(float, (gb, gm, db, dm))
print(f"file: {mb:.0f} MB")
print(f"grep -c 'Init Duration':       best {gb:.2f} s  median {gm:.2f} s  {mb / gb:7.0f} MB/s  peak RSS {int(gr) / 1024:.0f} MB  ({open(grep_out).read().strip()} lines)")
print(f"gwdoctor cold-starts --log-file: best {db:.2f} s  median {dm:.2f} s  {mb / db:7.0f} MB/s  peak RSS {int(dr) / 1024:.0f} MB")
print(f"throughput ratio (gwdoctor / grep, best runs): {gb / db:.2f}  (goal >= 0.5)")
print(f"peak RSS on a {small} MB file: {int(sr) / 1024:.0f} MB (vs {int(dr) / 1024:.0f} MB on {mb:.0f} MB)")
try:
    f = json.load(open(gw_out))["cold_starts"]["functions"][0]
    print(f"gwdoctor read: {f['invocations']} invocations, {f['cold_starts']} cold starts, {len(f['spikes'])} spike minutes")
except Exception as e:  # noqa: BLE001
    print(f"gwdoctor output unreadable: {e}")
PY
