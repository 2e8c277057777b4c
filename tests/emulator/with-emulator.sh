#!/usr/bin/env bash
# Start moto_server + cwproxy.py on 127.0.0.1, run the given command against them, and stop
# both on every exit path (success, failure, Ctrl-C, TERM). The command's exit code is
# passed through.
#
# Usage:  tests/emulator/with-emulator.sh COMMAND [ARGS...]
#   e.g.  tests/emulator/with-emulator.sh cargo test --locked
#
# Works from any working directory; the command runs in the caller's directory.
#
# Environment (all optional):
#   MOTO_PORT, PROXY_PORT  ports to listen on (default: a free port each, picked at start)
#   EMU_DIR                state dir (default: <repo>/target/emulator): venv + logs
#   GWDOCTOR_PYTHON        python used to create the venv (default: python3)
#   EMU_READY_TIMEOUT      seconds to wait for each server (default: 60)
#
# Exported to the command:
#   AWS_ENDPOINT_URL, GWDOCTOR_TEST_ENDPOINT   http://127.0.0.1:$PROXY_PORT (the proxy)
#   MOTO_URL                                    http://127.0.0.1:$MOTO_PORT (raw moto)
#   AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY=testing, AWS_REGION/AWS_DEFAULT_REGION=us-east-1,
#   AWS_MAX_ATTEMPTS=1, AWS_CONFIG_FILE=/dev/null, AWS_SHARED_CREDENTIALS_FILE=/dev/null,
#   AWS_EC2_METADATA_DISABLED=true
#   GWDOCTOR_EMULATOR_PYTHON                    the venv's python (has boto3)
#   GWDOCTOR_SEED                               absolute path of seed.py
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
EMU_DIR="${EMU_DIR:-$ROOT/target/emulator}"
VENV="$EMU_DIR/venv"
VPY="$VENV/bin/python"
PY="${GWDOCTOR_PYTHON:-python3}"
READY_TIMEOUT="${EMU_READY_TIMEOUT:-60}"
# Pin all three: cwproxy.py relies on botocore's CBOR codec and on boto3 using JSON for CloudWatch.
PIP_PKGS=('moto[server]==5.2.5' 'boto3==1.44.5' 'botocore==1.44.5')

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 64
fi

log() { echo "with-emulator: $*" >&2; }
die() { echo "with-emulator: error: $*" >&2; exit 1; }

mkdir -p "$EMU_DIR/logs"

# ---------------------------------------------------------------- venv (cached under target/)
venv_ok() {
  [ -x "$VPY" ] && [ -x "$VENV/bin/moto_server" ] \
    && [ "$(cat "$VENV/.gwdoctor-pins" 2>/dev/null)" = "${PIP_PKGS[*]}" ] \
    && "$VPY" -c 'import moto, boto3, botocore' >/dev/null 2>&1
}

setup_venv() {
  command -v "$PY" >/dev/null 2>&1 \
    || die "'$PY' not found: install Python 3 (3.11 is what the harness is tested with) or set GWDOCTOR_PYTHON"
  if [ ! -x "$VPY" ] || ! "$VPY" -c 'import sys' >/dev/null 2>&1; then
    if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      die "'$PY -m venv' is not available (no venv/ensurepip module).
  On Debian/Ubuntu install it with:  apt-get install -y python3-venv
  or point GWDOCTOR_PYTHON at a Python that has venv (e.g. a pyenv build)."
    fi
    rm -rf "$VENV"
    log "creating venv in $VENV"
    "$PY" -m venv "$VENV" || { rm -rf "$VENV"; die "'$PY -m venv $VENV' failed (see above); on Debian: apt-get install -y python3-venv"; }
  fi
  log "installing ${PIP_PKGS[*]} (first run only, ~40 s)"
  local t0=$SECONDS
  "$VPY" -m pip install -q --disable-pip-version-check "${PIP_PKGS[@]}" \
    || die "pip install failed (see above); the venv is in $VENV"
  printf '%s' "${PIP_PKGS[*]}" > "$VENV/.gwdoctor-pins"
  log "venv ready in $((SECONDS - t0)) s"
}

if ! venv_ok; then
  # Serialise venv creation between concurrent runs when flock(1) is there.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$EMU_DIR/.venv.lock"
    flock 9
    venv_ok || setup_venv
    flock -u 9
    exec 9>&-
  else
    setup_venv
  fi
fi

# ---------------------------------------------------------------- ports
free_port() {   # a port the kernel considers free right now on 127.0.0.1
  "$VPY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
MOTO_PORT="${MOTO_PORT:-$(free_port)}"
PROXY_PORT="${PROXY_PORT:-$(free_port)}"
while [ "$PROXY_PORT" = "$MOTO_PORT" ]; do PROXY_PORT="$(free_port)"; done

# ---------------------------------------------------------------- start, always stop
MOTO_LOG="$EMU_DIR/logs/moto.$$.log"
PROXY_LOG="$EMU_DIR/logs/proxy.$$.log"
MOTO_PID="" PROXY_PID="" CMD_PID=""

stop() {
  local rc=$?
  trap - EXIT INT TERM
  local pids=() p
  for p in "$CMD_PID" "$PROXY_PID" "$MOTO_PID"; do   # CMD_PID is set only while it runs
    if [ -n "$p" ]; then pids+=("$p"); kill "$p" 2>/dev/null || true; fi
  done
  # Give them ~5 s to exit, then KILL (only the PIDs started here).
  if [ "${#pids[@]}" -gt 0 ]; then
    for _ in $(seq 50); do
      local alive=""
      for p in "${pids[@]}"; do
        if kill -0 "$p" 2>/dev/null; then alive=1; fi
      done
      [ -z "$alive" ] && break
      sleep 0.1
    done
    for p in "${pids[@]}"; do
      if kill -0 "$p" 2>/dev/null; then kill -9 "$p" 2>/dev/null || true; fi
    done
    wait "${pids[@]}" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then
    for f in "$PROXY_LOG" "$MOTO_LOG"; do
      if [ -s "$f" ]; then
        echo "---- last lines of $f" >&2
        tail -n 15 "$f" >&2 || true
      fi
    done
  else
    rm -f "$PROXY_LOG" "$MOTO_LOG"
  fi
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
"$VPY" "$SCRIPT_DIR/cwproxy.py" "$PROXY_PORT" "http://127.0.0.1:$MOTO_PORT" >"$PROXY_LOG" 2>&1 &
PROXY_PID=$!

# wait_ready PID PORT PATH: wait until process PID itself listens on 127.0.0.1:PORT and
# GET PATH answers 2xx; fail if the process dies, or after EMU_READY_TIMEOUT seconds.
wait_ready() {
  "$VPY" - "$1" "$2" "$3" "$READY_TIMEOUT" <<'EOF'
import os, sys, time, urllib.request
pid, port, path, limit = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
url = f"http://127.0.0.1:{port}{path}"
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # ignore http_proxy


def listens():
    """True if pid owns a LISTEN socket on port (Linux /proc); None if that can't be told.
    Guards against answering from some other server that already holds the port."""
    try:
        inodes = set()
        for name in ("/proc/net/tcp", "/proc/net/tcp6"):
            if os.path.exists(name):
                with open(name) as f:
                    for line in f.readlines()[1:]:
                        c = line.split()
                        if c[3] == "0A" and int(c[1].rsplit(":", 1)[1], 16) == port:
                            inodes.add(c[9])
        fds = f"/proc/{pid}/fd"
        for fd in os.listdir(fds):
            try:
                link = os.readlink(os.path.join(fds, fd))
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                return True
        return False
    except OSError:
        return None


deadline = time.monotonic() + limit
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"with-emulator: error: process {pid} exited before {url} was ready (port taken?)")
    if listens() is not False:
        try:
            with opener.open(url, timeout=2) as r:
                if 200 <= r.status < 300:
                    break
        except Exception:
            pass
    if time.monotonic() > deadline:
        sys.exit(f"with-emulator: error: {url} not ready after {limit:g} s")
    time.sleep(0.1)
EOF
}
wait_ready "$MOTO_PID" "$MOTO_PORT" /moto-api/data.json || exit 1
wait_ready "$PROXY_PID" "$PROXY_PORT" /__health || exit 1
log "moto_server on 127.0.0.1:$MOTO_PORT (pid $MOTO_PID), cwproxy on 127.0.0.1:$PROXY_PORT (pid $PROXY_PID)"

# ---------------------------------------------------------------- environment
# A developer's real AWS settings must not leak into the tests.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN \
  AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI
for v in $(compgen -e | grep '^AWS_ENDPOINT_URL_' || true); do unset "$v"; done
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PROXY_PORT"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export AWS_MAX_ATTEMPTS=1
export GWDOCTOR_TEST_ENDPOINT="http://127.0.0.1:$PROXY_PORT"
export MOTO_URL="http://127.0.0.1:$MOTO_PORT"
export GWDOCTOR_EMULATOR_PYTHON="$VPY"
export GWDOCTOR_SEED="$SCRIPT_DIR/seed.py"

# Run the command in the background and wait for it, so that TERM/INT reach the trap at once
# (bash defers traps while a foreground child runs). Keep its stdin when there is one.
if { : <&0; } 2>/dev/null; then
  "$@" <&0 &
else
  "$@" &
fi
CMD_PID=$!
set +e
wait "$CMD_PID"
rc=$?
set -e
CMD_PID=""
exit "$rc"
