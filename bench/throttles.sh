#!/usr/bin/env bash
# Benchmark (not a test): AWS calls and wall time of `gwdoctor throttles` over 500 functions.
#
#   bench/throttles.sh               # starts its own emulator (tests/emulator/with-emulator.sh)
#   GWDOCTOR_TEST_ENDPOINT=http://127.0.0.1:5001 bench/throttles.sh   # reuse a running cwproxy
#
# Seeds the `throttle-many` scenario with BENCH_FUNCTIONS - 5 fleet functions (+ the shop API's
# orders-fn/cart-fn and report/thumbs/mailer: BENCH_FUNCTIONS in all, default 500), a third of
# them active, every 40th with a reserved concurrency of 5 and one with 0, and fleet-fn-137
# filling the account's pool (limit 1000) at the peak: an account-concurrency incident in which
# ~170 functions are throttled. gwdoctor paces Lambda's control-plane calls to 10 per second
# (the account's quota is 15), so their number sets a floor on the wall time. Sets cwproxy's Lambda account settings to limit 1000 and the
# matching unreserved pool (POST /__lambda/account-settings: without an explicit value the stub
# would compute it with one internal moto call per function, an emulator cost real AWS does
# not have). Then runs
#   target/release/gwdoctor throttles --since 45m --output json --region <region> $BENCH_ARGS
# BENCH_RUNS times with no added latency and BENCH_RUNS times with the proxy's round-trip
# latency set to BENCH_RTT_MS (POST /__rtt), and prints the AWS calls per run by service and
# operation (from the proxy's GET /__calls) and the wall time per run (min / median / max).
#
# Environment: BENCH_RUNS (5), BENCH_RTT_MS (50), BENCH_REGION (us-east-1), BENCH_FUNCTIONS
#   (500), BENCH_ARGS (extra gwdoctor arguments), BENCH_SEED_ARGS (extra seed.py arguments, e.g.
#   --no-reservations: only fleet-fn-013's 0 is left, so no GetFunctionConcurrency is
#   needed for functions that ran), GWDOCTOR_BIN (default target/release/gwdoctor
#   under CARGO_TARGET_DIR or ./target, built with `cargo build --release` if missing),
#   BENCH_OUT (artifact dir, default target/bench/throttles-<time>).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/bench/throttles.sh"
RUNS="${BENCH_RUNS:-5}"
RTT_MS="${BENCH_RTT_MS:-50}"
REGION="${BENCH_REGION:-us-east-1}"
NFUNC="${BENCH_FUNCTIONS:-500}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${GWDOCTOR_BIN:-$TARGET/release/gwdoctor}"
read -r -a EXTRA <<<"${BENCH_ARGS:-}"

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
OUT="${BENCH_OUT:-$TARGET/bench/throttles-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

export AWS_ENDPOINT_URL="$EP"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
export AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export AWS_MAX_ATTEMPTS="${AWS_MAX_ATTEMPTS:-1}"

ctl() {   # ctl METHOD PATH [JSON]: call a cwproxy control endpoint, print the answer
  "$PY" - "$EP" "$@" <<'PYEOF'
import sys, urllib.request
ep, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(ep + path, data=data, method=method, headers={"Content-Type": "application/json"})
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(req, timeout=30) as r:
    sys.stdout.write(r.read().decode())
PYEOF
}
trap 'ctl POST /__rtt "{\"rtt_ms\": 0}" >/dev/null 2>&1 || true; ctl DELETE /__lambda/account-settings >/dev/null 2>&1 || true' EXIT
ctl POST /__rtt '{"rtt_ms": 0}' >/dev/null

# The fleet needs a region of its own (a reused endpoint may hold functions there already).
if [ "$("$PY" - "$EP" "$REGION" <<'PYEOF'
import sys, boto3
from botocore.config import Config
lam = boto3.client("lambda", endpoint_url=sys.argv[1], region_name=sys.argv[2], config=Config(proxies={}))
print(len(lam.list_functions(MaxItems=50).get("Functions", [])))
PYEOF
)" != 0 ]; then
  echo "bench: $REGION already has functions; use a fresh emulator or another BENCH_REGION" >&2
  exit 1
fi
echo "bench: seeding throttle-many with $NFUNC functions into $EP ($REGION)" >&2
t0=$(date +%s)
read -r -a SEED_ARGS <<<"${BENCH_SEED_ARGS:-}"
"$PY" "$SEED" throttle-many --functions "$((NFUNC - 5))" --endpoint "$EP" --region "$REGION" "${SEED_ARGS[@]}" > "$OUT/seed.json"
echo "bench: seeded in $(( $(date +%s) - t0 )) s" >&2
RESERVED="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["reserved_total"])' "$OUT/seed.json")"
ctl POST /__lambda/account-settings "{\"ConcurrentExecutions\": 1000, \"UnreservedConcurrentExecutions\": $((1000 - RESERVED))}" >/dev/null

CMD=("$BIN" throttles --since 45m --output json --region "$REGION" "${EXTRA[@]}")
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

"$PY" - "$OUT" "$RUNS" "$RTT_MS" "${CMD[*]}" <<'PYEOF'
import collections, json, os, statistics, sys
out, runs, rtt, cmd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
seed = json.load(open(os.path.join(out, "seed.json")))
phases = [("rtt0", 0.0), (f"rtt{sys.argv[3]}", rtt)]

def load(label, i, kind):
    return json.load(open(os.path.join(out, f"{label}-{i}.{kind}.json")))

problems, verdicts, reads = [], collections.Counter(), None
for label, _ in phases:
    for i in range(1, runs + 1):
        try:
            rep = json.load(open(os.path.join(out, f"{label}-{i}.json")))
        except Exception as e:  # noqa: BLE001
            problems.append(f"{label}-{i}: output is not JSON ({e})")
            continue
        t = rep.get("throttling") or {}
        verdicts[f"{t.get('cause')} (culprit {t.get('culprit')})"] += 1
        reads = t.get("reads")

print()
print(f"gwdoctor throttles benchmark: {cmd}")
print(f"  {len(seed['functions'])} functions ({len(seed['reserved'])} with a reservation, "
      f"reserved total {seed['reserved_total']}), {seed['minutes']} min of metrics, {runs} runs per phase")
print("  verdicts: " + ", ".join(f"{v} x{n}" for v, n in verdicts.items()))
if reads:
    print("  reads: " + ", ".join(f"{k} {v}" for k, v in reads.items()))
exits = collections.Counter(load(l, i, "time")["exit"] for l, _ in phases for i in range(1, runs + 1))
print("  exit codes: " + ", ".join(f"{c} x{n}" for c, n in sorted(exits.items())))

per_run = {label: [collections.Counter((c["service"], c["op"]) for c in load(label, i, "calls"))
                   for i in range(1, runs + 1)] for label, _ in phases}
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
for label, r in phases:
    w = [load(label, i, "time")["wall_ns"] / 1e9 for i in range(1, runs + 1)]
    calls = statistics.median(totals[label])
    serial = f"{calls * r / 1000:.2f} s" if r else "-"
    print(f"  {r:>6g} ms {calls:>10g} {min(w):>7.3f}s {statistics.median(w):>7.3f}s {max(w):>7.3f}s {serial:>12}")
(l0, _), (l1, r1) = phases
if r1:
    waves = []
    for i in range(1, runs + 1):
        ts = sorted(c["t"] for c in load(l1, i, "calls"))
        waves.append(1 + sum(1 for a, b in zip(ts, ts[1:]) if b - a > 0.6 * r1 / 1000) if ts else 0)
    w = statistics.median(waves)
    calls = statistics.median(totals[l1])
    added = min(load(l1, i, "time")["wall_ns"] for i in range(1, runs + 1)) / 1e9 - \
        min(load(l0, i, "time")["wall_ns"] for i in range(1, runs + 1)) / 1e9
    print()
    print(f"  critical path at {r1:g} ms: {w:g} round trips for {calls:g} calls "
          f"({calls / w:.1f} calls per round trip)" if w else "  no AWS calls seen")
    print(f"  min wall time grew by {added:.3f} s; {w:g} x {r1:g} ms = {w * r1 / 1000:.3f} s expected, "
          f"{calls * r1 / 1000:.3f} s if every call waited for the previous one")
print()
print(f"artifacts: {out}")
if problems:
    print("PROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
PYEOF
