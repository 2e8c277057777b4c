#!/usr/bin/env bash
# Benchmark (not a test): AWS calls and wall time of `gwdoctor trace` to the verdict for an id
# in an execution-log group holding 24 h of busy traffic (tests/emulator/seed_trace.py
# `trace-busy`: HOURS × PER_MINUTE requests, ~15 execution-log lines + 4-5 Lambda lines each),
# with and without --api, for a recent id (last hour) and an old one (needs the wide window).
#
#   bench/trace.sh                       # HOURS=24 PER_MINUTE=10 RUNS=3
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
HOURS=${HOURS:-24}; PER_MINUTE=${PER_MINUTE:-10}; RUNS=${RUNS:-3}; REGION=${BENCH_REGION:-ap-northeast-1}
BIN=${GWDOCTOR_BIN:-target/release/gwdoctor}
if [ -z "${GWDOCTOR_TEST_ENDPOINT:-}" ]; then
  [ -x "$BIN" ] || cargo build --release --locked --bin gwdoctor
  exec tests/emulator/with-emulator.sh env HOURS="$HOURS" PER_MINUTE="$PER_MINUTE" RUNS="$RUNS" GWDOCTOR_BIN="$BIN" "$0"
fi
EP=$GWDOCTOR_TEST_ENDPOINT
t0=$(date +%s)
out=$("$GWDOCTOR_EMULATOR_PYTHON" "$GWDOCTOR_SEED" trace-busy --region "$REGION" --hours "$HOURS" --per-minute "$PER_MINUTE")
echo "seeded $(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["log_events"], "log events over", '"$HOURS"', "h")' <<<"$out") in $(( $(date +%s) - t0 )) s"
api=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_id"])' <<<"$out")
recent=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["recent"])' <<<"$out")
old=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["old"])' <<<"$out")
printf '%-34s %-6s %-7s %s\n' "case" "calls" "median" "calls by operation"
run_case() {   # run_case NAME ARGS...
  local name=$1; shift
  local times=() ops=""
  for _ in $(seq "$RUNS"); do
    curl -sf -X DELETE "$EP/__calls" >/dev/null
    local a; a=$(date +%s%N)
    "$BIN" trace "$@" --region "$REGION" --since "$((HOURS + 1))h" -o json >/dev/null 2>&1 || true
    times+=($(( ($(date +%s%N) - a) / 1000000 )))
    ops=$(curl -sf "$EP/__calls?region=$REGION" | python3 -c 'import json,sys,collections; c=collections.Counter(x["op"] for x in json.load(sys.stdin)); print(sum(c.values()), " ".join(f"{k}={v}" for k,v in sorted(c.items())))')
  done
  local med; med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  printf '%-34s %-6s %-7s %s\n' "$name" "${ops%% *}" "${med}ms" "${ops#* }"
}
run_case "recent id, --api --stage" "$recent" --api "$api" --stage prod
run_case "recent id, --api" "$recent" --api "$api"
run_case "recent id, no --api" "$recent"
run_case "old id (wide window), --api --stage" "$old" --api "$api" --stage prod
run_case "old id (wide window), no --api" "$old"
