#!/usr/bin/env bash
# Benchmark (not a test): wall time to a verdict of `gwdoctor ssl` against `openssl s_client`
# on the same local TLS server (openssl s_server on 127.0.0.1 serving a generated
# root → intermediate → leaf chain).
#
#   bench/ssl.sh            # RUNS=20 by default; GWDOCTOR_BIN to use another binary
#
# gwdoctor does two handshakes per run (with and without SNI, to show SNI-dependent
# certificates) plus chain analysis; s_client does one handshake and no analysis.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-20}
BIN=${GWDOCTOR_BIN:-target/release/gwdoctor}
[ -x "$BIN" ] || cargo build --release --locked --bin gwdoctor
command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }

D=$(mktemp -d)
trap 'kill "${SERVER_PID:-0}" 2>/dev/null || true; rm -rf "$D"' EXIT
cd "$D"
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 30 -subj "/CN=bench root" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/CN=bench intermediate" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca.ext
openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -out int.pem -days 30 -extfile ca.ext 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -out leaf.pem -days 20 -extfile leaf.ext 2>/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -accept "$PORT" -cert leaf.pem -key leaf.key -cert_chain int.pem -quiet -naccept 100000 >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do (echo | openssl s_client -connect "127.0.0.1:$PORT" >/dev/null 2>&1) && break; sleep 0.1; done
cd - >/dev/null

ms() { date +%s%N; }
time_runs() {   # time_runs NAME CMD...: prints min and median wall ms over RUNS
  local name=$1; shift
  local t=()
  for _ in $(seq "$RUNS"); do
    local a; a=$(ms); "$@" >/dev/null 2>&1 || true; t+=($(( ($(ms) - a) / 1000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk -v n="$name" '{v[NR]=$1} END {printf "%-34s min %7.1f ms  median %7.1f ms  (%d runs)\n", n, v[1]/1000, v[int((NR+1)/2)]/1000, NR}'
}
echo "server: openssl s_server on 127.0.0.1:$PORT (leaf + intermediate, private root)"
time_runs "openssl s_client (1 handshake)" sh -c "echo | openssl s_client -connect 127.0.0.1:$PORT -servername localhost"
time_runs "gwdoctor ssl (2 handshakes+rules)" "$BIN" ssl "localhost:$PORT" --ca-file "$D/root.pem" --output json
"$BIN" ssl "localhost:$PORT" --ca-file "$D/root.pem" | head -3
