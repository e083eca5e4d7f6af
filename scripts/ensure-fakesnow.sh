#!/usr/bin/env bash
# Prints the endpoint URL of a fakesnow server (a Snowflake emulator backed by DuckDB, for the
# Snowflake engine's tests), starting one if none answers. Order: $FAKESNOW_ENDPOINT if set (it
# must answer); else a server on 127.0.0.1:$DEPOT_FAKESNOW_PORT (default 5056); else a fakesnow
# server started there in the background, logging to target/fakesnow.log (installing PyPI's
# fakesnow[server] and snowflake-connector-python<4 with pip first if they are missing: fakesnow
# imports the connector, and its 4.x+ releases break that import).
# Progress goes to stderr; only the URL goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "ensure-fakesnow: $*" >&2; }

# fakesnow answers a login request with JSON that says `"success"`; anything else listening on
# the port (or nothing) does not. The request body is fakesnow's minimum for a login.
answers() {
  curl -fsS --max-time 3 -X POST -H 'Content-Type: application/json' \
    -d '{"data":{"ACCOUNT_NAME":"probe","LOGIN_NAME":"probe","PASSWORD":"probe","SESSION_PARAMETERS":{}}}' \
    "$1/session/v1/login-request" 2>/dev/null | grep -q '"success"'
}

python=$(command -v python3 || command -v python || true)

ensure_fakesnow() {
  [ -n "$python" ] || { say "python3 is missing: install it (apt-get install python3 python3-pip)"; exit 1; }
  if ! "$python" -c 'import fakesnow.server, snowflake.connector, uvicorn' >/dev/null 2>&1; then
    say "installing fakesnow[server] and snowflake-connector-python<4 with pip"
    "$python" -m pip install -q 'fakesnow[server]' 'snowflake-connector-python<4' >&2 \
      || "$python" -m pip install -q --break-system-packages 'fakesnow[server]' 'snowflake-connector-python<4' >&2
  fi
}

if [ -n "${FAKESNOW_ENDPOINT:-}" ]; then
  if answers "$FAKESNOW_ENDPOINT"; then echo "$FAKESNOW_ENDPOINT"; exit 0; fi
  say "FAKESNOW_ENDPOINT is set but no fakesnow server answers at $FAKESNOW_ENDPOINT"; exit 1
fi

port="${DEPOT_FAKESNOW_PORT:-5056}"
url="http://127.0.0.1:${port}"
if answers "$url"; then echo "$url"; exit 0; fi

ensure_fakesnow
mkdir -p target
log="$PWD/target/fakesnow.log"
say "starting fakesnow on 127.0.0.1:${port} (log: target/fakesnow.log)"
# python -m fakesnow is the fakesnow command without relying on PATH (pyenv shims, ~/.local/bin).
# setsid + nohup + no inherited descriptors: it outlives this script and make.
setsid nohup "$python" -m fakesnow -s -p "$port" </dev/null >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
  if answers "$url"; then echo "$url"; exit 0; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    say "fakesnow exited"; tail -n 20 "$log" >&2; exit 1
  fi
  sleep 0.2
done
say "fakesnow started but does not answer at $url after 30 s"; tail -n 20 "$log" >&2; exit 1
