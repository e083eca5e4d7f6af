#!/usr/bin/env bash
# Prints the endpoint URL of a moto server (S3, EventBridge, SQS, Secrets Manager for the tests),
# starting one if none answers. Order: $MOTO_ENDPOINT if set (it must answer); else a server on
# 127.0.0.1:$DEPOT_MOTO_PORT (default 5055); else a moto_server started there in the background,
# logging to target/moto.log (installing PyPI's moto[server] with pip first if it is missing).
# Progress goes to stderr; only the URL goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "ensure-moto: $*" >&2; }

# moto's own API answers 200 on /moto-api/data.json: that tells moto from anything else.
answers() { curl -fsS -o /dev/null --max-time 3 "$1/moto-api/data.json" 2>/dev/null; }

python=$(command -v python3 || command -v python || true)

ensure_moto() {
  [ -n "$python" ] || { say "python3 is missing: install it (apt-get install python3 python3-pip)"; exit 1; }
  if ! "$python" -c 'import moto.server, flask, flask_cors' >/dev/null 2>&1; then
    say "installing moto[server] with pip"
    "$python" -m pip install -q 'moto[server]' >&2 \
      || "$python" -m pip install -q --break-system-packages 'moto[server]' >&2
  fi
}

if [ -n "${MOTO_ENDPOINT:-}" ]; then
  if answers "$MOTO_ENDPOINT"; then echo "$MOTO_ENDPOINT"; exit 0; fi
  say "MOTO_ENDPOINT is set but no moto server answers at $MOTO_ENDPOINT"; exit 1
fi

port="${DEPOT_MOTO_PORT:-5055}"
url="http://127.0.0.1:${port}"
if answers "$url"; then echo "$url"; exit 0; fi

ensure_moto
mkdir -p target
log="$PWD/target/moto.log"
say "starting moto_server on 127.0.0.1:${port} (log: target/moto.log)"
# python -m moto.server is moto_server without relying on PATH (pyenv shims, ~/.local/bin).
# setsid + nohup + no inherited descriptors: it outlives this script and make.
setsid nohup "$python" -m moto.server -H 127.0.0.1 -p "$port" </dev/null >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if answers "$url"; then echo "$url"; exit 0; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    say "moto_server exited"; tail -n 20 "$log" >&2; exit 1
  fi
  sleep 0.2
done
say "moto_server started but does not answer at $url after 20 s"; tail -n 20 "$log" >&2; exit 1
