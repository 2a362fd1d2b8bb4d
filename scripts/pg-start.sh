#!/bin/bash
# Starts a throwaway PostgreSQL on 127.0.0.1 for the tests and benchmarks, as root or not,
# installing Debian's postgresql first where it is missing.
# Prints: PGPORT=<port> PGDATA=<dir>. Stop it with: scripts/pg-stop.sh <dir>
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z $PGBIN || ! -x $PGBIN/initdb ]]; then
  [[ $(id -u) == 0 ]] || { echo "pg-start: PostgreSQL is not installed; run: apt-get install -y postgresql" >&2; exit 1; }
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
PGPORT=${PGPORT:-$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')}
PGDATA=$(mktemp -d -t muster-pg.XXXXXX)
run() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[[ $(id -u) == 0 ]] && chown postgres:postgres "$PGDATA"
run "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres --no-sync >/dev/null
# fsync off: a test server's data is thrown away, so durability costs time for nothing.
run "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off ${PG_EXTRA_OPTS:-}" start >/dev/null
echo "PGPORT=$PGPORT PGDATA=$PGDATA"
