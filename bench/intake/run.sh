#!/bin/bash
# Intake side by side with Alertmanager: Debian's prometheus-alertmanager, Muster on SQLite and
# Muster on a throwaway PostgreSQL (fsync on), in one run on this machine, all driven by the same
# wrk and the same Lua-built bodies at POST /api/v2/alerts (batches of 1, 10, 100 alerts), plus
# Muster's PagerDuty-style events API (/v2/enqueue, batch 1). Then the flood check: 100,000
# distinct alerts on 50 services, counted in the database once the correlator has caught up.
# Every server is started fresh for every row (a new data folder or database), warmed up for
# WARMUP seconds with the same load, then measured. Tables go to bench/out/intake/.
# Muster runs with the demo organisation (`muster demo`: five services, each with its escalation
# policy and people to page), ten prometheus and ten events integrations on each service, so that
# correlation, escalation and delivery run for what comes in; ORG=bare gives 50 bare services instead.
# After each Muster row the script counts the concurrency retries in Muster's log and times how long
# the correlator takes to finish what was accepted.
# Usage: bench/intake/run.sh [seconds per row] [connections]   (defaults: 15 8)
#   ONLY=throughput|flood to run one half; FLOOD_DB=sqlite|postgres|both (default both);
#   DBS=sqlite to leave PostgreSQL out of the throughput rows; BATCHES="1 10 100"; ORG=demo|bare.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-15}
CONNECTIONS=${2:-8}
ORG=${ORG:-demo}
BATCHES=${BATCHES:-1 10 100}
THREADS=2
WARMUP=${WARMUP:-10} # .NET tiers its code up for tens of seconds on a busy 2-core machine; Go is compiled ahead of time
SERVICES=50 NAMES=20 INSTANCES=10 # 10,000 distinct alerts in the throughput rows
PORT_AM=5210 PORT_MUSTER=5211
OUT=bench/out/intake
mkdir -p "$OUT"
TMP=$(mktemp -d -t muster-ibench.XXXXXX)
ROWS=$OUT/rows.tsv
: >"$ROWS"
PIDS=()
PGDATA=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n $PGDATA ]] && scripts/pg-stop.sh "$PGDATA" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The build production runs (docs/operations.md): Release, ReadyToRun (bench/publish.sh).
MUSTER=("$(bench/publish.sh)")

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime+stime of one process (after the ")" field, no spaces in our names)
hwm_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# PostgreSQL's CPU: the postmaster and its children (backends, WAL writer, checkpointer) alive at the time.
pg_ticks() {
  local pm; pm=$(head -n 1 "$PGDATA/postmaster.pid"); local sum=0
  for p in $pm $(pgrep -P "$pm"); do sum=$((sum + $(ticks "$p"))); done
  echo $sum
}
wait_http() { for _ in $(seq 1 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not ready: $1" >&2; return 1; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

start_am() {
  local dir=$TMP/am-$1
  mkdir -p "$dir"
  cat >"$dir/am.yml" <<YML
route:
  receiver: blackhole
  group_by: [service, alertname]
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 24h
receivers:
  - name: blackhole
YML
  prometheus-alertmanager --config.file="$dir/am.yml" --storage.path="$dir" --web.listen-address=127.0.0.1:$PORT_AM \
    --cluster.listen-address= --log.level=warn >"$dir/log" 2>&1 &
  SERVER=$!; PIDS+=("$SERVER")
  wait_http "http://127.0.0.1:$PORT_AM/-/ready"
  # Alertmanager ignores the bearer: the same number of random 32-hex secrets keeps the bytes alike.
  for _ in $(seq 1 $SERVICES); do head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; echo; done >"$dir/prometheus.txt"
  SECRETS=$dir/prometheus.txt
}

# start_muster <label> <db args...>: a fresh Muster with SERVICES secrets of each kind (prometheus, events):
# with ORG=demo, the demo organisation's five services with SERVICES/5 integrations of each kind on each;
# with ORG=bare, SERVICES bare services with one of each.
start_muster() {
  local label=$1; shift
  local dir=$TMP/muster-$label
  mkdir -p "$dir"
  MUSTER_LOG=$dir/log
  MUSTER_ARGS=("$@")
  local key; key=$("${MUSTER[@]}" apikey create --name bench --role admin "$@" 2>>"$dir/log")
  [[ $ORG == demo ]] && "${MUSTER[@]}" demo "$@" >>"$dir/log" 2>&1
  "${MUSTER[@]}" --urls http://127.0.0.1:$PORT_MUSTER "$@" >>"$dir/log" 2>&1 &
  SERVER=$!; PIDS+=("$SERVER")
  wait_http "http://127.0.0.1:$PORT_MUSTER/healthz"
  local api=http://127.0.0.1:$PORT_MUSTER/api/v1 auth="Authorization: Bearer $key"
  : >"$dir/prometheus.txt"; : >"$dir/events.txt"
  local ids per
  if [[ $ORG == demo ]]; then
    ids=$(curl -sf -H "$auth" "$api/services" | jq -r '.[].id')
    per=$((SERVICES / $(wc -w <<<"$ids")))
  else
    ids=$(for s in $(seq -w 1 $SERVICES); do curl -sf -H "$auth" -H 'Content-Type: application/json' -d "{\"name\":\"svc-$s\"}" "$api/services" | jq -r .id; done)
    per=1
  fi
  for id in $ids; do
    for _ in $(seq 1 "$per"); do
      curl -sf -H "$auth" -H 'Content-Type: application/json' -d '{"type":"prometheus","name":"prometheus"}' "$api/services/$id/integrations" | jq -r .secret >>"$dir/prometheus.txt"
      curl -sf -H "$auth" -H 'Content-Type: application/json' -d '{"type":"events","name":"events"}' "$api/services/$id/integrations" | jq -r .secret >>"$dir/events.txt"
    done
  done
  SECRETS=$dir/prometheus.txt
  EVENT_SECRETS=$dir/events.txt
}

# settle <db kind>: seconds until the correlator has taken every accepted event (SQLite: the intake
# journal is past the cursor; PostgreSQL: no unprocessed AlertEvents), at most SETTLE_WAIT; and the
# concurrency retries Muster logged. Sets SETTLE_S and RETRIES.
settle() {
  local start=$SECONDS left
  while (( SECONDS - start < ${SETTLE_WAIT:-120} )); do
    if [[ $1 == sqlite ]]; then
      local data=${MUSTER_ARGS[1]}
      local cursor; cursor=$(sqlite3 "$data/muster.db" "SELECT coalesce((SELECT Value FROM Settings WHERE Key='intake-journal-cursor'),0)" 2>/dev/null || echo 0)
      left=$(sqlite3 "$data/muster.intake.db" "SELECT count(*) FROM Events WHERE Seq > $cursor" 2>/dev/null || echo 1)
    else
      local db; db=$(sed 's/.*Database=\([^;]*\).*/\1/' <<<"${MUSTER_ARGS[3]}")
      left=$("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$db" -tAq -c 'SELECT count(*) FROM "AlertEvents" WHERE "ProcessedAt" IS NULL' 2>/dev/null || echo 1)
    fi
    [[ $left == 0 ]] && break
    sleep 1
  done
  SETTLE_S=$(( SECONDS - start ))
  [[ ${left:-1} == 0 ]] || SETTLE_S=">${SETTLE_S}"
  RETRIES=$(grep -c "DbUpdateConcurrencyException" "$MUSTER_LOG" || true)
}

# measure <server> <api> <batch> <url> <lua> <lua args...>: warm-up, then one measured wrk run; one TSV row.
measure() {
  local server=$1 api=$2 batch=$3 url=$4 lua=$5; shift 5
  wrk -t$THREADS -c"$CONNECTIONS" -d"${WARMUP}s" -s "$lua" "$url" -- "$@" >/dev/null
  local load_before; load_before=$(loadavg)
  local t0 pg0=0; t0=$(ticks "$SERVER"); [[ $server == *PostgreSQL* ]] && pg0=$(pg_ticks)
  local line; line=$(wrk -t$THREADS -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$lua" "$url" -- "$@" | grep '^RESULT')
  local t1 pg1=0; t1=$(ticks "$SERVER"); [[ $server == *PostgreSQL* ]] && pg1=$(pg_ticks)
  local hwm; hwm=$(hwm_mb "$SERVER")
  local load_after; load_after=$(loadavg)
  eval "${line#RESULT }"
  SETTLE_S="" RETRIES=""
  if [[ $server == Muster,\ SQLite ]]; then settle sqlite; elif [[ $server == Muster,\ PostgreSQL ]]; then settle postgres; fi
  local hz; hz=$(getconf CLK_TCK)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$api" "$batch" "$seconds" "$ok" "$r429" "$other" "$sockerr" \
    "$p50_ms" "$p99_ms" "$(awk -v a=$t0 -v b=$t1 -v hz=$hz 'BEGIN{printf "%.1f", (b-a)/hz}')" \
    "$(awk -v a=$pg0 -v b=$pg1 -v hz=$hz 'BEGIN{printf "%.1f", (b-a)/hz}')" "$hwm" "$load_before" "$load_after" "$SETTLE_S" "$RETRIES" | tee -a "$ROWS"
}

pg_up() {
  # fsync on for this benchmark: a 2xx must mean on disk on both databases (pg-start.sh turns it off for tests).
  eval "$(PG_EXTRA_OPTS='-c fsync=on -c synchronous_commit=on' scripts/pg-start.sh)"
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
}
pg_db() { "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$1"; echo "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=$1;Maximum Pool Size=50"; }

if [[ ${ONLY:-throughput} == throughput ]]; then
  pg_up
  echo "== throughput: ${DURATION}s per row after ${WARMUP}s warm-up, wrk -t$THREADS -c$CONNECTIONS; $SERVICES secrets x $NAMES alertnames x $INSTANCES instances; ORG=$ORG"
  printf 'server\tapi\tbatch\tseconds\t2xx\t429\tother\tsockerr\tp50_ms\tp99_ms\tcpu_s\tpg_cpu_s\tpeak_rss_mb\tload_before\tload_after\tsettle_s\tretries\n' | tee "$OUT/header.tsv"
  for batch in $BATCHES; do
    start_am "b$batch"
    measure "Alertmanager 0.25" "/api/v2/alerts" "$batch" "http://127.0.0.1:$PORT_AM" bench/intake/alerts.lua "$SECRETS" "$batch" $NAMES $INSTANCES
    stop "$SERVER"
    start_muster "sqlite-b$batch" --data-dir "$TMP/muster-sqlite-b$batch/data"
    measure "Muster, SQLite" "/api/v2/alerts" "$batch" "http://127.0.0.1:$PORT_MUSTER" bench/intake/alerts.lua "$SECRETS" "$batch" $NAMES $INSTANCES
    if [[ $batch == 1 ]]; then
      stop "$SERVER"; start_muster "sqlite-events" --data-dir "$TMP/muster-sqlite-events/data"
      measure "Muster, SQLite" "/v2/enqueue" 1 "http://127.0.0.1:$PORT_MUSTER" bench/intake/events.lua "$EVENT_SECRETS" $NAMES $INSTANCES
    fi
    stop "$SERVER"
    [[ ${DBS:-both} == sqlite ]] && continue
    conn=$(pg_db "muster_b$batch")
    start_muster "pg-b$batch" --database postgres --connection "$conn"
    measure "Muster, PostgreSQL" "/api/v2/alerts" "$batch" "http://127.0.0.1:$PORT_MUSTER" bench/intake/alerts.lua "$SECRETS" "$batch" $NAMES $INSTANCES
    if [[ $batch == 1 ]]; then
      stop "$SERVER"; conn=$(pg_db muster_events); start_muster "pg-events" --database postgres --connection "$conn"
      measure "Muster, PostgreSQL" "/v2/enqueue" 1 "http://127.0.0.1:$PORT_MUSTER" bench/intake/events.lua "$EVENT_SECRETS" $NAMES $INSTANCES
    fi
    stop "$SERVER"
  done
  python3 bench/intake/table.py "$OUT/header.tsv" "$ROWS" "$DURATION" "$CONNECTIONS" | tee "$OUT/throughput.md"
  scripts/pg-stop.sh "$PGDATA" >/dev/null 2>&1 || true; PGDATA=""
fi

if [[ ${ONLY:-flood} == flood ]]; then
  FLOOD_OUT=$OUT/flood.md
  : >"$FLOOD_OUT"
  for db in sqlite postgres; do
    [[ ${FLOOD_DB:-both} == both || ${FLOOD_DB:-both} == "$db" ]] || continue
    if [[ $db == sqlite ]]; then
      start_muster flood-sqlite --data-dir "$TMP/muster-flood-sqlite/data"
      count=(sqlite3 "$TMP/muster-flood-sqlite/data/muster.db")
    else
      [[ -n $PGDATA ]] || pg_up
      conn=$(pg_db muster_flood)
      start_muster flood-pg --database postgres --connection "$conn"
      count=("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d muster_flood -tAq -c)
    fi
    python3 bench/intake/flood.py "http://127.0.0.1:$PORT_MUSTER" "$SECRETS" "$SERVER" "$db" "${count[@]}" | tee -a "$FLOOD_OUT"
    stop "$SERVER"
  done
fi
