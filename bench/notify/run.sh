#!/bin/bash
# Notifications side by side with Alertmanager, on this machine, in one run:
#  1. latency: alert POST -> first notification at a local webhook receiver (bench/notify/receiver.py),
#     at RATES new alerts/s, for Debian's prometheus-alertmanager (group_by [alertname], group_wait 0s)
#     and Muster (SQLite; PostgreSQL with DBS=both), each started fresh for every rate (latency.py).
#  2. escalation: ESC_INCIDENTS incidents whose step 2 falls due at the same instant; lateness of
#     every step-2 notification, with a kill -9 of Muster during the escalations and another during the deliveries, each restarted at once; then exactly-once
#     checks in the database and at the receiver (escalate.py). SQLite, or PostgreSQL with ESC_DB=postgres.
# The on-call set-up (people, contact methods, policies, services) is written as SQL by setup.py
# until the escalation-policy API lands; everything else goes through Muster's API.
# Tables go to bench/out/notify/.
# Usage: bench/notify/run.sh [seconds per rate]   (default 10)
#   RATES="20 50 100"  WARMUP=5  DBS=sqlite|both (PostgreSQL rows, fsync on)  LATENCY_WAIT=30  ESC_LEAD=15  ONLY=latency|escalate  ESC_INCIDENTS=10000  KILL_AT=0.3  ESC_KILLS=2|0  ESC_DB=sqlite|postgres
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10}
RATES=${RATES:-20 50 100}
WARMUP=${WARMUP:-5}
ESC_INCIDENTS=${ESC_INCIDENTS:-10000}
KILL_AT=${KILL_AT:-0.3}
PORT_AM=5220 PORT_MUSTER=5221 PORT_RECV=5222
SECRET=bench-webhook-secret
OUT=bench/out/notify
mkdir -p "$OUT"
TMP=$(mktemp -d -t muster-nbench.XXXXXX)
PIDS=()
PGDATA=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n $PGDATA ]] && scripts/pg-stop.sh "$PGDATA" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The build production runs (docs/operations.md): Release, ReadyToRun (bench/publish.sh).
MUSTER=("$(bench/publish.sh)")
wait_http() { for _ in $(seq 1 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not ready: $1" >&2; return 1; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# start_receiver <log>: a fresh receiver writing to <log>; RECEIVER is its pid.
start_receiver() {
  : >"$1"
  python3 bench/notify/receiver.py $PORT_RECV "$1" "$SECRET" &
  RECEIVER=$!; PIDS+=("$RECEIVER")
  for _ in $(seq 1 100); do curl -s -o /dev/null -X POST -d '' "http://127.0.0.1:$PORT_RECV/ping" && break; sleep 0.05; done
  : >"$1"
}

start_am() {
  local dir=$TMP/am-$1
  mkdir -p "$dir"
  cat >"$dir/am.yml" <<YML
route:
  receiver: bench
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 24h
receivers:
  - name: bench
    webhook_configs:
      - url: http://127.0.0.1:$PORT_RECV/am
        send_resolved: false
YML
  prometheus-alertmanager --config.file="$dir/am.yml" --storage.path="$dir" --web.listen-address=127.0.0.1:$PORT_AM \
    --cluster.listen-address= --log.level=warn >"$dir/log" 2>&1 &
  SERVER=$!; PIDS+=("$SERVER")
  wait_http "http://127.0.0.1:$PORT_AM/-/ready"
}

# start_muster <label> <slots> <mode> <db args...>: a fresh Muster, a webhook channel to the receiver
# (API), then <slots> on-call slots (setup.py, SQL); SECRETS is the file of their routing keys.
start_muster() {
  local label=$1 slots=$2 mode=$3; shift 3
  local dir=$TMP/muster-$label
  mkdir -p "$dir"
  MUSTER_ARGS=("$@")
  KEY=$("${MUSTER[@]}" apikey create --name bench --role admin "$@" 2>>"$dir/log")
  "${MUSTER[@]}" --urls http://127.0.0.1:$PORT_MUSTER "$@" >>"$dir/log" 2>&1 &
  SERVER=$!; PIDS+=("$SERVER")
  wait_http "http://127.0.0.1:$PORT_MUSTER/healthz"
  local channel
  channel=$(curl -sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "{\"type\":\"webhook\",\"name\":\"bench receiver\",\"settings\":{\"url\":\"http://127.0.0.1:$PORT_RECV/muster\",\"secret\":\"$SECRET\"}}" \
    "http://127.0.0.1:$PORT_MUSTER/api/v1/channels" | jq -r .id)
  SECRETS=$dir/secrets.txt
  python3 bench/notify/setup.py "$DIALECT" "$mode" "$slots" "$channel" "$SECRETS" >"$dir/setup.sql"
  "${SQL[@]}" <"$dir/setup.sql" >/dev/null
}

sqlite_target() { DIALECT=sqlite; DB_ARGS=(--data-dir "$TMP/muster-$1/data"); SQL=(sqlite3 -cmd ".timeout 10000" "$TMP/muster-$1/data/muster.db"); }
pg_up() {
  # fsync on, as in bench/intake: a 2xx must mean on disk on both databases.
  eval "$(PG_EXTRA_OPTS='-c fsync=on -c synchronous_commit=on' scripts/pg-start.sh)"
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
}
pg_target() {
  [[ -n $PGDATA ]] || pg_up
  local db=nb_${1//-/_}
  "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$db"
  DIALECT=postgres
  DB_ARGS=(--database postgres --connection "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=$db;Maximum Pool Size=50")
  SQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$db" -q -v ON_ERROR_STOP=1)
}

versions() {
  echo "Muster $(git rev-parse --short HEAD) on .NET $(dotnet --list-runtimes | awk '/NETCore.App/ {v=$2} END {print v}'),"\
    "$(prometheus-alertmanager --version 2>&1 | head -n 1 | awk '{print "Alertmanager", $3}'), SQLite $(sqlite3 --version | cut -d' ' -f1),"\
    "Python $(python3 -c 'import platform; print(platform.python_version())'), $(nproc) cores"
}

if [[ ${ONLY:-latency} == latency ]]; then
  ROWS=$OUT/latency.tsv
  : >"$ROWS"
  echo "== latency: ${WARMUP}s warm-up + ${DURATION}s per rate; rates: $RATES; $(date -u '+%Y-%m-%d %H:%M UTC'); $(versions)" | tee "$OUT/latency-head.txt"
  for rate in $RATES; do
    slots=$(awk -v r="$rate" -v d="$DURATION" -v w="$WARMUP" 'BEGIN{printf "%d", r * (d + w)}')
    start_receiver "$TMP/recv-am-$rate.log"
    start_am "$rate"
    python3 bench/notify/latency.py am "http://127.0.0.1:$PORT_AM" - "$rate" "$WARMUP" "$DURATION" "$TMP/recv-am-$rate.log" "$SERVER" "Alertmanager" | tee -a "$ROWS"
    stop "$SERVER"; stop "$RECEIVER"
    for db in sqlite postgres; do
      [[ $db == postgres && ${DBS:-sqlite} != both ]] && continue
      label=lat-$db-$rate
      if [[ $db == sqlite ]]; then sqlite_target "$label"; name="Muster, SQLite"; else pg_target "$label"; name="Muster, PostgreSQL"; fi
      start_receiver "$TMP/recv-$label.log"
      start_muster "$label" "$slots" latency "${DB_ARGS[@]}"
      python3 bench/notify/latency.py muster "http://127.0.0.1:$PORT_MUSTER" "$SECRETS" "$rate" "$WARMUP" "$DURATION" "$TMP/recv-$label.log" "$SERVER" "$name" | tee -a "$ROWS"
      grep -c $'\tbad\t' "$TMP/recv-$label.log" | xargs -I{} echo "  (bad signatures at the receiver: {})" >&2 || true
      stop "$SERVER"; stop "$RECEIVER"
    done
  done
  python3 bench/notify/table.py latency "$ROWS" | tee "$OUT/latency.md"
fi

if [[ ${ONLY:-escalate} == escalate ]]; then
  if [[ ${ESC_DB:-sqlite} == postgres ]]; then
    label=esc-postgres
    pg_target "$label"
    DATABASE="postgresql:host=127.0.0.1 port=$PGPORT user=postgres dbname=nb_${label//-/_}"
    export PGBIN
  else
    label=esc-sqlite
    sqlite_target "$label"
    DATABASE=$TMP/muster-$label/data/muster.db
  fi
  start_receiver "$TMP/recv-$label.log"
  start_muster "$label" "$ESC_INCIDENTS" escalate "${DB_ARGS[@]}"
  echo "== escalation: $ESC_INCIDENTS incidents on ${ESC_DB:-sqlite}, kill -9 at $KILL_AT; $(date -u '+%Y-%m-%d %H:%M UTC'); $(versions)" >&2
  python3 bench/notify/escalate.py "http://127.0.0.1:$PORT_MUSTER" "$SECRETS" "$TMP/recv-$label.log" "$DATABASE" \
    "$SERVER" "$KILL_AT" "$TMP/muster-$label/log" "${MUSTER[@]}" --urls http://127.0.0.1:$PORT_MUSTER "${DB_ARGS[@]}" | tee "$OUT/escalate.md"
  stop "$SERVER"; stop "$RECEIVER"
fi
