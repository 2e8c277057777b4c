#!/usr/bin/env bash
# Benchmark (not a test): `gwdoctor cold-starts --log-file` against `grep -c 'Init Duration'`
# on the same generated Lambda log export, and peak memory at two file sizes.
#
#   bench/cold-starts.sh                 # 1 GB text file (generated once, ~15 s), 7 rounds
#   BENCH_SIZE_MB=256 bench/cold-starts.sh
#
# The file (bench/gen_lambda_logs.py, deterministic) is what `aws logs tail /aws/lambda/fn`
# prints: START, application lines, END, REPORT (some with an XRAY half on the next line),
# INIT_START before cold starts, a cold-start burst every few hours, a few failures. It is read
# once before timing so both tools read from the page cache. Each round runs grep, then
# gwdoctor. Reported per tool: best and median wall time, throughput (MB/s), peak RSS
# (GNU time's "Maximum resident set size"); and the per-round throughput ratio.
# Then gwdoctor's peak RSS on a file 1/8 the size: constant memory means about the same.
# The goal (issue 3): at least half of grep's throughput, constant memory.
#
# Environment: BENCH_SIZE_MB (1024), BENCH_RUNS (rounds, 7), BENCH_FORMAT (text | jsonl),
#   GWDOCTOR_BIN (default $CARGO_TARGET_DIR or target, release build; built if missing),
#   BENCH_DIR (default target/bench).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE="${BENCH_SIZE_MB:-1024}"
RUNS="${BENCH_RUNS:-7}"
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

# run NAME CMD...: one timed run; prints "seconds rss_kb".
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$DIR/time.out" "$@" > "$DIR/$name.out" 2>/dev/null || true
  # GNU time prepends "Command exited with non-zero status N" (gwdoctor exits 1 on findings).
  tail -n 1 "$DIR/time.out"
}

# Rounds of grep then gwdoctor, back to back: a shared machine's speed drifts over a minute,
# and a ratio of two runs taken seconds apart is steadier than one of two separate series.
: > "$DIR/rounds.txt"
for _ in $(seq "$RUNS"); do
  read -r gt gm < <(run grep grep -c 'Init Duration' "$BIG")
  read -r dt dm < <(run gwdoctor "$BIN" cold-starts --log-file "$BIG" -o json)
  echo "$gt $gm $dt $dm" >> "$DIR/rounds.txt"
done
read -r _ s_rss < <(run gwdoctor-small "$BIN" cold-starts --log-file "$SMALL" -o json)
# The big file again, with a window of the small file's minutes: memory follows the minutes
# kept (per-minute series), not the bytes read.
w_rss=""
if [ "$FORMAT" = text ]; then
  read -r WSTART WEND < <(python3 - "$SMALL" <<'PY'
import datetime, sys
lines = open(sys.argv[1], "rb").read().splitlines()
stamps = [l.split(b" ", 1)[0].decode() for l in (lines[0], lines[-1])]
t = [datetime.datetime.fromisoformat(s) for s in stamps]
fmt = lambda d: d.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
print(fmt(t[0]), fmt(t[1] + datetime.timedelta(minutes=1)))
PY
)
  read -r _ w_rss < <(run gwdoctor-window "$BIN" cold-starts --log-file "$BIG" --start "$WSTART" --end "$WEND" -o json)
fi

python3 - "$BYTES" "$DIR/rounds.txt" "$s_rss" "$SMALL_MB" "$DIR/grep.out" "$DIR/gwdoctor.out" "$w_rss" <<'PY'
import json, statistics, sys
b, rounds, sr, small, grep_out, gw_out, wr = sys.argv[1:]
mb = int(b) / 1e6
r = [list(map(float, l.split())) for l in open(rounds) if l.strip()]
g = sorted(x[0] for x in r)
d = sorted(x[2] for x in r)
gr = max(x[1] for x in r)
dr = max(x[3] for x in r)
ratios = sorted(x[0] / x[2] for x in r)
print(f"file: {mb:.0f} MB, {len(r)} rounds (grep then gwdoctor, back to back)")
print(f"grep -c 'Init Duration':         best {g[0]:.2f} s  median {statistics.median(g):.2f} s  {mb / g[0]:6.0f} MB/s  peak RSS {gr / 1024:.0f} MB  ({open(grep_out).read().strip()} lines)")
print(f"gwdoctor cold-starts --log-file: best {d[0]:.2f} s  median {statistics.median(d):.2f} s  {mb / d[0]:6.0f} MB/s  peak RSS {dr / 1024:.0f} MB")
print(f"throughput ratio gwdoctor/grep per round: median {statistics.median(ratios):.2f}  min {ratios[0]:.2f}  max {ratios[-1]:.2f}  (best vs best {g[0] / d[0]:.2f}; goal >= 0.5)")
def minutes(path):
    try:
        return sum(len(f["minutes"]) for f in json.load(open(path))["cold_starts"]["functions"])
    except Exception:  # noqa: BLE001
        return "?"
small_out = gw_out.replace("gwdoctor.out", "gwdoctor-small.out")
print(f"peak RSS, whole {mb:.0f} MB file: {dr / 1024:.0f} MB ({minutes(gw_out)} minutes kept)")
print(f"peak RSS, whole {small} MB file: {int(sr) / 1024:.0f} MB ({minutes(small_out)} minutes kept)")
if wr:
    print(f"peak RSS, {mb:.0f} MB file read with the {small} MB file's window: {int(wr) / 1024:.0f} MB ({minutes(gw_out.replace('gwdoctor.out', 'gwdoctor-window.out'))} minutes kept)")
try:
    f = json.load(open(gw_out))["cold_starts"]["functions"][0]
    print(f"gwdoctor read: {f['invocations']} invocations, {f['cold_starts']} cold starts, {len(f['spikes'])} spike minutes")
except Exception as e:  # noqa: BLE001
    print(f"gwdoctor output unreadable: {e}")
PY
