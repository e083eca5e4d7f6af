#!/usr/bin/env bash
# Prints the endpoint URL of the moto server that EXECUTES Step Functions state machines (the
# tests of the synthesized runner and dispatcher state machines), starting it if none answers:
# scripts/moto-sfn-server.py on 127.0.0.1:$DEPOT_MOTO_SFN_PORT (default 5057), logging to
# target/moto-sfn.log. It is its own process, apart from scripts/ensure-moto.sh's server: its
# settings (state machines executed, service integrations calling back into the same server,
# Batch and Lambda without Docker, mocked integrations) are fixed when it starts, and would change
# what the other tests' moto does. Progress goes to stderr; only the URL goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "ensure-moto-sfn: $*" >&2; }
# The mock configuration endpoint answers 405 to a GET only on this server: that tells it from a
# plain moto (or anything else) on the port.
answers() {
  [ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 3 "$1/_depot/sfn-mock-config" 2>/dev/null)" = 405 ]
}

port="${DEPOT_MOTO_SFN_PORT:-5057}"
url="http://127.0.0.1:${port}"
if answers "$url"; then echo "$url"; exit 0; fi

# The same moto as scripts/ensure-moto.sh (it installs moto[server] when missing).
scripts/ensure-moto.sh >/dev/null
python=$(command -v python3 || command -v python)
mkdir -p target
log="$PWD/target/moto-sfn.log"
say "starting the Step Functions moto server on 127.0.0.1:${port} (log: target/moto-sfn.log)"
setsid nohup "$python" scripts/moto-sfn-server.py "$port" </dev/null >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if answers "$url"; then echo "$url"; exit 0; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    say "moto-sfn-server.py exited"; tail -n 20 "$log" >&2; exit 1
  fi
  sleep 0.2
done
say "moto-sfn-server.py started but does not answer at $url after 20 s"; tail -n 20 "$log" >&2; exit 1
