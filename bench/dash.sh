#!/usr/bin/env bash
# Benchmark (not a test): `gwdoctor dash` in a real terminal (tmux), on the demo replay.
#
#   bench/dash.sh            # BENCH_RUNS (10) runs, 100x30 pane
#
# For each run: starts the release binary in a fresh detached tmux pane and polls the pane
# (tmux capture-pane, every few ms) until (1) the first frame is on the alternate screen and
# (2) the findings are on screen ("Verdict: backend"), then sends q and waits for the exit.
# Prints min / median / max of both. The polling costs a few ms per sample (one tmux client
# per poll), so the figures are upper bounds with that resolution. For comparison it also
# times `gwdoctor latency` on the same replay (process start to exit).
#
# In-process figures (TestBackend: first frame, redraws with 10,000 log lines) come from
# `cargo bench --bench dash`.
#
# Environment: BENCH_RUNS (10), GWDOCTOR_BIN (default target/release/gwdoctor; built with
# `cargo build --release` if missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${BENCH_RUNS:-10}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${GWDOCTOR_BIN:-$TARGET/release/gwdoctor}"
FIXTURE="$ROOT/fixtures/demo/incident.json"

command -v tmux >/dev/null || { echo "bench: tmux is required" >&2; exit 1; }
if [ ! -x "$BIN" ]; then
  if [ -n "${GWDOCTOR_BIN:-}" ]; then echo "bench: GWDOCTOR_BIN=$BIN is not executable" >&2; exit 1; fi
  (cd "$ROOT" && cargo build --release --locked --bin gwdoctor)
fi

WORK="$(mktemp -d)"
SOCK="$WORK/tmux.sock"
tm() { tmux -S "$SOCK" -f /dev/null "$@"; }
cleanup() { tm kill-server >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

now_ms() { date +%s%3N; }
stats() {  # stats NAME values...: min / median / max
  local name=$1; shift
  printf '%s\n' "$@" | sort -n | awk -v name="$name" '
    { v[NR] = $1 } END { printf "%-44s min %5d ms  median %5d ms  max %5d ms  (n=%d)\n", name, v[1], v[int((NR + 1) / 2)], v[NR], NR }'
}

first=() findings=() latency=()
for i in $(seq 1 "$RUNS"); do
  t0=$(now_ms)
  TERM=xterm-256color tm new-session -d -s dash -x 100 -y 30 \
    "'$BIN' dash --api demo --replay '$FIXTURE' --refresh 0 --log-file '$WORK/dash.log'"
  got_first=""
  while :; do
    pane="$(tm capture-pane -p -t dash 2>/dev/null || true)"
    if [ -z "$got_first" ] && [ "$(tm display-message -p -t dash '#{alternate_on}' 2>/dev/null)" = 1 ] \
      && grep -q 'gwdoctor dash' <<<"$pane"; then
      got_first=$(( $(now_ms) - t0 ))
    fi
    if grep -q 'Verdict: backend' <<<"$pane"; then
      findings+=( $(( $(now_ms) - t0 )) )
      break
    fi
    if [ $(( $(now_ms) - t0 )) -gt 20000 ]; then echo "bench: no findings after 20 s:" >&2; echo "$pane" >&2; exit 1; fi
  done
  first+=( "${got_first:-${findings[-1]}}" )
  tm send-keys -t dash q
  while tm has-session -t dash 2>/dev/null; do sleep 0.01; done
  t1=$(now_ms)
  "$BIN" latency --api demo --replay "$FIXTURE" >/dev/null || true
  latency+=( $(( $(now_ms) - t1 )) )
done

echo "gwdoctor dash in tmux (100x30), release binary, demo replay"
stats "first frame on screen" "${first[@]}"
stats "findings on screen" "${findings[@]}"
stats "gwdoctor latency, start to exit (reference)" "${latency[@]}"
