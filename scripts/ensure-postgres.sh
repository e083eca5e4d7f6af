#!/usr/bin/env bash
# Prints the URL of a PostgreSQL server the tests and the demo can use, starting one if none
# answers. Order: $DATABASE_URL if set (it must answer); else a server on 127.0.0.1:5432 with
# trust auth; else a throwaway cluster under target/pg (installing Debian's postgresql package
# first if initdb is missing). Progress goes to stderr; only the URL goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "ensure-postgres: $*" >&2; }

ensure_client() {
  if ! command -v psql >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "installing Debian's postgresql package (psql, initdb, pg_ctl)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  fi
}

answers() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

ensure_client

if [ -n "${DATABASE_URL:-}" ]; then
  if answers "$DATABASE_URL"; then echo "$DATABASE_URL"; exit 0; fi
  say "DATABASE_URL is set but no PostgreSQL answers there"; exit 1
fi

default_url="postgres://postgres@127.0.0.1:5432/postgres"
if answers "$default_url"; then echo "$default_url"; exit 0; fi

port="${DEPOT_PG_PORT:-54329}"
url="postgres://postgres@127.0.0.1:${port}/postgres"
if answers "$url"; then echo "$url"; exit 0; fi

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir="$PWD/target/pg"
mkdir -p "$dir"
# initdb refuses to run as root: the cluster belongs to the postgres user.
run_as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown -R postgres "$dir"
  run_as=(runuser -u postgres --)
fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
  say "creating a throwaway cluster in $dir/data"
  "${run_as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
fi
say "starting PostgreSQL on 127.0.0.1:${port}"
"${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p ${port} -c listen_addresses=127.0.0.1 -k /tmp -c max_connections=200 -c fsync=off" start >&2 \
  || { cat "$dir/server.log" >&2; exit 1; }
answers "$url" || { say "the cluster started but does not answer at $url"; exit 1; }
echo "$url"
