#!/usr/bin/env bash
# Benchmark (not a test): AWS calls and wall time of `gwdoctor latency` on a 50-method API.
#
#   bench/latency.sh                 # starts its own emulator (tests/emulator/with-emulator.sh)
#   GWDOCTOR_TEST_ENDPOINT=http://127.0.0.1:5001 bench/latency.sh    # reuse a running cwproxy
#
# Seeds the `bench-50` scenario (REST API bench-api, /r00../r49 -> 10 Lambda functions,
# detailed metrics, 60 minutes of data), then runs
#   target/release/gwdoctor latency --api <api_id> --since 1h --output json --region <region>
# BENCH_RUNS times with no added latency and BENCH_RUNS times with the proxy's round-trip
# latency set to BENCH_RTT_MS (POST /__rtt), and prints the AWS calls per run by service and
# operation (from the proxy's GET /__calls) and the wall time per run (min / median / max).
# With a fixed per-call latency, wall time ~ (calls on the critical path) x RTT: comparing it
# with calls x RTT shows how much gwdoctor overlaps its calls.
#
# Environment: BENCH_RUNS (5), BENCH_RTT_MS (50), BENCH_REGION (us-east-1),
#   GWDOCTOR_BIN (default target/release/gwdoctor, built with `cargo build --release` if
#   missing), BENCH_OUT (artifact dir, default target/bench/latency-<time>).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/bench/latency.sh"
RUNS="${BENCH_RUNS:-5}"
RTT_MS="${BENCH_RTT_MS:-50}"
REGION="${BENCH_REGION:-us-east-1}"
BIN="${GWDOCTOR_BIN:-$ROOT/target/release/gwdoctor}"

if [ ! -x "$BIN" ]; then
  if [ -n "${GWDOCTOR_BIN:-}" ]; then echo "bench: GWDOCTOR_BIN=$BIN is not executable" >&2; exit 1; fi
  echo "bench: $BIN missing: cargo build --release --locked --bin gwdoctor" >&2
  (cd "$ROOT" && cargo build --release --locked --bin gwdoctor)
fi

if [ -z "${GWDOCTOR_TEST_ENDPOINT:-}" ]; then
  # No emulator yet: run this script again inside one (it stops the emulator afterwards).
  exec "$ROOT/tests/emulator/with-emulator.sh" "$SELF" "$@"
fi

EP="${GWDOCTOR_TEST_ENDPOINT%/}"
PY="${GWDOCTOR_EMULATOR_PYTHON:-$ROOT/target/emulator/venv/bin/python}"
[ -x "$PY" ] || PY=python3
"$PY" -c 'import boto3' 2>/dev/null || { echo "bench: $PY has no boto3; run through tests/emulator/with-emulator.sh" >&2; exit 1; }
SEED="${GWDOCTOR_SEED:-$ROOT/tests/emulator/seed.py}"
OUT="${BENCH_OUT:-$ROOT/target/bench/latency-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

# Same environment as with-emulator.sh, also when reusing someone else's endpoint.
export AWS_ENDPOINT_URL="$EP"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
export AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export AWS_MAX_ATTEMPTS="${AWS_MAX_ATTEMPTS:-1}"

ctl() {   # ctl METHOD PATH [JSON]: call a cwproxy control endpoint, print the answer
  "$PY" - "$EP" "$@" <<'EOF'
import sys, urllib.request
ep, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(ep + path, data=data, method=method, headers={"Content-Type": "application/json"})
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(req, timeout=30) as r:
    sys.stdout.write(r.read().decode())
EOF
}
trap 'ctl POST /__rtt "{\"rtt_ms\": 0}" >/dev/null 2>&1 || true' EXIT
ctl POST /__rtt '{"rtt_ms": 0}' >/dev/null

# A reused endpoint may already hold a bench-api in this region: seed under unique names then
# (same ApiName would merge the metric series).
SUFFIX=()
if [ "$("$PY" - "$EP" "$REGION" <<'EOF'
import sys, boto3
from botocore.config import Config
gw = boto3.client("apigateway", endpoint_url=sys.argv[1], region_name=sys.argv[2], config=Config(proxies={}))
print(sum(1 for a in gw.get_rest_apis(limit=500)["items"] if a["name"] == "bench-api"))
EOF
)" != 0 ]; then
  SUFFIX=(--suffix "b$$")
fi
echo "bench: seeding bench-50 into $EP ($REGION)" >&2
"$PY" "$SEED" bench-50 --endpoint "$EP" --region "$REGION" "${SUFFIX[@]}" > "$OUT/seed.json"
API_ID="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_id"])' "$OUT/seed.json")"

CMD=("$BIN" latency --api "$API_ID" --since 1h --output json --region "$REGION")
echo "bench: ${CMD[*]}" >&2

run_phase() {   # run_phase LABEL RTT_MS
  local label=$1 rtt=$2 i t0 t1 rc
  ctl POST /__rtt "{\"rtt_ms\": $rtt}" >/dev/null
  for i in $(seq 1 "$RUNS"); do
    ctl DELETE /__calls >/dev/null
    t0=$(date +%s%N)
    rc=0
    "${CMD[@]}" >"$OUT/$label-$i.json" 2>"$OUT/$label-$i.err" </dev/null || rc=$?
    t1=$(date +%s%N)
    ctl GET /__calls >"$OUT/$label-$i.calls.json"
    echo "{\"start_ns\": $t0, \"wall_ns\": $((t1 - t0)), \"exit\": $rc}" >"$OUT/$label-$i.time.json"
    # 0 healthy, 1 findings, 2 inconclusive: all produce a report. Anything else is a crash.
    if [ "$rc" -gt 2 ]; then
      echo "bench: gwdoctor exited $rc (run $label-$i); stderr:" >&2
      tail -n 20 "$OUT/$label-$i.err" >&2
      exit 1
    fi
    printf 'bench: %-7s run %d: %6.3f s, exit %d\n' "$label" "$i" "$(echo "$t0 $t1" | awk '{print ($2-$1)/1e9}')" "$rc" >&2
  done
  ctl POST /__rtt '{"rtt_ms": 0}' >/dev/null
}

run_phase rtt0 0
run_phase "rtt$RTT_MS" "$RTT_MS"

"$PY" - "$OUT" "$RUNS" "$RTT_MS" "${CMD[*]}" <<'EOF'
import collections, json, os, statistics, sys
out, runs, rtt, cmd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
seed = json.load(open(os.path.join(out, "seed.json")))
phases = [("rtt0", 0.0), (f"rtt{sys.argv[3]}", rtt)]

def load(label, i, kind):
    return json.load(open(os.path.join(out, f"{label}-{i}.{kind}.json")))

problems = []
verdicts = collections.Counter()
for label, _ in phases:
    for i in range(1, runs + 1):
        try:
            rep = json.load(open(os.path.join(out, f"{label}-{i}.json")))
        except Exception as e:  # noqa: BLE001
            problems.append(f"{label}-{i}: output is not JSON ({e})")
            continue
        missing = [k for k in ("schema", "command", "target", "checks", "latency") if k not in rep]
        if missing:
            problems.append(f"{label}-{i}: missing top-level keys {missing}")
        v = (rep.get("latency") or {}).get("verdict") if isinstance(rep.get("latency"), dict) else None
        verdicts[json.dumps(v) if not isinstance(v, str) else v] += 1

print()
print(f"gwdoctor latency benchmark: {cmd}")
print(f"  API {seed['api_name']} ({seed['api_id']}): {sum(len(r['methods']) for r in seed['resources'])} methods, "
      f"{len(seed['functions'])} functions, {seed['minutes']} min of metrics, {runs} runs per phase")
print(f"  verdicts: " + ", ".join(f"{v} x{n}" for v, n in verdicts.items()))
exits = collections.Counter(load(l, i, "time")["exit"] for l, _ in phases for i in range(1, runs + 1))
print(f"  exit codes: " + ", ".join(f"{c} x{n}" for c, n in sorted(exits.items())))

# calls per run by service + operation (first phase; the second one is checked for equality)
per_run = {}
for label, _ in phases:
    per_run[label] = [collections.Counter((c["service"], c["op"]) for c in load(label, i, "calls"))
                      for i in range(1, runs + 1)]
keys = sorted(set().union(*[set(c) for runs_ in per_run.values() for c in runs_]))
print()
print("AWS calls per run (from cwproxy /__calls)")
print(f"  {'service':<12} {'operation':<36} {'calls/run':>10}")
for k in keys:
    vals = [c.get(k, 0) for runs_ in per_run.values() for c in runs_]
    shown = str(vals[0]) if min(vals) == max(vals) else f"{min(vals)}-{max(vals)}"
    print(f"  {k[0]:<12} {k[1]:<36} {shown:>10}")
totals = {label: [sum(c.values()) for c in runs_] for label, runs_ in per_run.items()}
allt = [t for ts in totals.values() for t in ts]
print(f"  {'total':<12} {'':<36} {(str(allt[0]) if min(allt) == max(allt) else f'{min(allt)}-{max(allt)}'):>10}")
errs = collections.Counter((c["service"], c["op"], c["status"]) for label, _ in phases for i in range(1, runs + 1)
                           for c in load(label, i, "calls") if (c.get("status") or 0) >= 400)
if errs:
    print("  error answers: " + ", ".join(f"{s}:{o} {st} x{n}" for (s, o, st), n in errs.items()))

print()
print("wall time per run")
print(f"  {'proxy rtt':>9} {'calls/run':>10} {'min':>8} {'median':>8} {'max':>8} {'calls x rtt':>12}")
med = {}
for label, r in phases:
    w = [load(label, i, "time")["wall_ns"] / 1e9 for i in range(1, runs + 1)]
    med[label] = statistics.median(w)
    calls = statistics.median(totals[label])
    serial = f"{calls * r / 1000:.2f} s" if r else "-"
    print(f"  {r:>6g} ms {calls:>10g} {min(w):>7.3f}s {med[label]:>7.3f}s {max(w):>7.3f}s {serial:>12}")
# where the time goes: process start -> first AWS call, first -> last call start, last call -> exit
print()
print(f"  {'proxy rtt':>9} {'to 1st call':>12} {'calls span':>11} {'after last':>11}   (medians)")
for label, r in phases:
    a, b, c = [], [], []
    for i in range(1, runs + 1):
        tm, ts = load(label, i, "time"), sorted(x["t"] for x in load(label, i, "calls"))
        if not ts or "start_ns" not in tm:
            continue
        t0, t1 = tm["start_ns"] / 1e9, (tm["start_ns"] + tm["wall_ns"]) / 1e9
        a.append(ts[0] - t0); b.append(ts[-1] - ts[0]); c.append(t1 - ts[-1])
    if a:
        print(f"  {r:>6g} ms {statistics.median(a):>11.3f}s {statistics.median(b):>10.3f}s {statistics.median(c):>10.3f}s")
(l0, _), (l1, r1) = phases
calls = statistics.median(totals[l1])
if r1:
    # With a fixed added latency, calls that wait for each other start >= rtt apart: count the
    # waves of call start times (gap > 0.6 x rtt) to get the round trips on the critical path.
    waves = []
    for i in range(1, runs + 1):
        ts = sorted(c["t"] for c in load(l1, i, "calls"))
        waves.append(1 + sum(1 for a, b in zip(ts, ts[1:]) if b - a > 0.6 * r1 / 1000) if ts else 0)
    w = statistics.median(waves)
    added = min(load(l1, i, "time")["wall_ns"] for i in range(1, runs + 1)) / 1e9 - \
        min(load(l0, i, "time")["wall_ns"] for i in range(1, runs + 1)) / 1e9
    print()
    print(f"  critical path at {r1:g} ms: {w:g} round trips for {calls:g} calls "
          f"({calls / w:.1f} calls per round trip; one after another would be {calls:g})" if w else
          "  no AWS calls seen")
    print(f"  min wall time grew by {added:.3f} s; {w:g} x {r1:g} ms = {w * r1 / 1000:.3f} s expected, "
          f"{calls * r1 / 1000:.3f} s if every call waited for the previous one")
print()
print(f"artifacts: {out}")
if problems:
    print("PROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
EOF
