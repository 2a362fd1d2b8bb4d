#!/bin/bash
# The reports page and the register export over N incidents (default 1,000,000) on SQLite and on a
# throwaway PostgreSQL. Seeds by direct SQL (seed.py), then times each request with curl: WARMUPS
# untimed requests, then RUNS timed runs (min / median / max seconds). Results: bench/out/reports-<db>.md
# Usage: bench/reports/run.sh [incidents] [runs]     ONLY=sqlite|postgres to run one
# Reuse a seeded database across runs: SQLITE_DIR=<dir> keeps (or reuses) the SQLite data directory;
# PGPORT=<port> PGDATA=<dir> from a running scripts/pg-start.sh reuses that server (left running).
# A database that already holds N or more incidents is not seeded again. SKIP_EXPORTS=1 skips the
# whole-year exports. WARMUPS=<n> untimed requests per URL first (default 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
RUNS=${2:-5}
OUT=bench/out
mkdir -p "$OUT"
# MUSTER_DLL=<path> times another build (such as an earlier commit's) instead of building this one.
# The build production runs (docs/operations.md): Release, ReadyToRun (bench/publish.sh); MUSTER_DLL names another.
if [[ -n ${MUSTER_DLL:-} ]]; then MUSTER=(dotnet "$MUSTER_DLL"); else MUSTER=("$(bench/publish.sh)"); fi
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

time_url() { # label url runs
  local label=$1 url=$2 runs=$3 times=()
  # WARMUPS requests first (default 3): a server that has run a while has its hot loops compiled
  # (.NET's tiered JIT recompiles a method after 30 calls), which one warm-up does not give the first URL.
  local code
  for _ in $(seq "${WARMUPS:-3}"); do
    code=$(curl -s --max-time 300 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$BASE$url" || true)
  done
  [[ $code == 200 ]] || { echo "| $label | \`$url\` | HTTP $code | | | | |" >> "$FILE"; return; }
  # The server's CPU time (user + system, in clock ticks) over the timed runs: less at the mercy of
  # the machine's load than the wall time.
  local cpu0; cpu0=$(awk '{print $14 + $15}' "/proc/$APP/stat")
  for _ in $(seq "$runs"); do
    times+=("$(curl -s --max-time 300 -o /tmp/reports-bench.body -w '%{time_total}' -H "Authorization: Bearer $KEY" "$BASE$url" || echo 999)")
  done
  local cpu1; cpu1=$(awk '{print $14 + $15}' "/proc/$APP/stat")
  local size; size=$(stat -c %s /tmp/reports-bench.body)
  python3 - "$label" "$url" "$size" "$(( (cpu1 - cpu0) * 1000 / $(getconf CLK_TCK) / runs ))" "${times[@]}" >> "$FILE" <<'PY'
import statistics, sys
label, url, size, cpu, *t = sys.argv[1:]
t = sorted(float(x) for x in t)
print(f"| {label} | `{url}` | {int(size):,} B | {t[0]:.3f} | {statistics.median(t):.3f} | {t[-1]:.3f} | {int(cpu):,} |")
PY
}

run_db() { # name args...
  local db=$1; shift
  FILE="$OUT/reports-$db.md"
  "${MUSTER[@]}" migrate "$@" >/dev/null
  KEY=$("${MUSTER[@]}" apikey create --name "bench $(date +%s%N)" --role viewer "$@")
  "${MUSTER[@]}" --urls "$BASE" "$@" --Logging:LogLevel:Default=Warning >/tmp/reports-bench-$db.log 2>&1 &
  APP=$!
  for _ in $(seq 300); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.5; done
  local started; started=$(date +%s.%N)
  local have
  if [[ $db == sqlite ]]; then
    have=$(sqlite3 "$DATA/muster.db" 'SELECT count(*) FROM "Incidents"')
  else
    have=$("$PGBIN/psql" -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -d muster_reports -c 'SELECT count(*) FROM "Incidents"')
  fi
  if (( have >= N )); then
    echo "reusing $have incidents" >&2
  elif [[ $db == sqlite ]]; then
    python3 bench/reports/seed.py sqlite "$N" | sqlite3 "$DATA/muster.db"
  else
    python3 bench/reports/seed.py postgres "$N" | "$PGBIN/psql" -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d muster_reports -v ON_ERROR_STOP=1 >/dev/null
  fi
  local seeded; seeded=$(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')")
  {
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "### $db: $N incidents (seeded by SQL in $seeded s), $(date -u '+%Y-%m-%d %H:%M UTC'), $RUNS runs after ${WARMUPS:-3} warm-ups"
    echo
    echo "| what | request | body | min s | median s | max s | server CPU ms per request |"
    echo "|---|---|---|---|---|---|---|"
  } > "$FILE"
  time_url "reports page, a month (~82k incidents)" "/reports?from=2026-11-01&to=2026-12-01" "$RUNS"
  time_url "summary JSON, a month" "/api/v1/reports/summary?from=2026-11-01&to=2026-12-01" "$RUNS"
  time_url "reports page, a quarter (~250k)" "/reports?from=2026-09-01&to=2026-12-01" "$RUNS"
  time_url "monthly report page" "/reports/monthly?month=2026-11" "$RUNS"
  time_url "register page, a month, first 100 rows" "/reports/register?from=2026-11-01&to=2026-12-01" "$RUNS"
  time_url "register.csv, a month" "/api/v1/reports/register.csv?from=2026-11-01&to=2026-12-01" "$RUNS"
  time_url "register.xlsx, a month" "/api/v1/reports/register.xlsx?from=2026-11-01&to=2026-12-01" "$RUNS"
  if [[ -z ${SKIP_EXPORTS:-} ]]; then
    time_url "register.csv, the whole year (1M rows)" "/api/v1/reports/register.csv?from=2025-12-01&to=2026-12-01" 1
    time_url "register.xlsx, the whole year (1M rows)" "/api/v1/reports/register.xlsx?from=2025-12-01&to=2026-12-01" 1
  fi
  echo >> "$FILE"
  echo "peak RSS of the server: $(grep VmHWM /proc/$APP/status 2>/dev/null | awk '{print $2/1024 " MiB"}')" >> "$FILE"
  kill "$APP"; wait "$APP" 2>/dev/null || true
  cat "$FILE"
}

if [[ ${ONLY:-sqlite} == sqlite || -z ${ONLY:-} ]]; then
  DATA=${SQLITE_DIR:-$(mktemp -d -t muster-reports.XXXXXX)}
  mkdir -p "$DATA"
  run_db sqlite --data-dir "$DATA"
  [[ -n ${SQLITE_DIR:-} ]] || rm -rf "$DATA"
fi
if [[ ${ONLY:-postgres} == postgres || -z ${ONLY:-} ]]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [[ -z ${PGPORT:-} || -z ${PGDATA:-} ]]; then
    eval "$(scripts/pg-start.sh)"
    trap 'scripts/pg-stop.sh "$PGDATA"' EXIT
  fi
  "$PGBIN/psql" -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -c "SELECT 1 FROM pg_database WHERE datname = 'muster_reports'" | grep -q 1 \
    || "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres muster_reports
  DATA=$(mktemp -d -t muster-reports.XXXXXX)
  run_db postgres --data-dir "$DATA" --database postgres --connection "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=muster_reports"
  rm -rf "$DATA"
fi
