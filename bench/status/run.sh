#!/bin/bash
# The public status page under load: requests per second and p99 latency of GET /status with
# hundreds of connections while a script changes incidents and posts a few times a second,
# against the same machine's ceiling for a static file (wwwroot/css/muster.css) from the same
# Kestrel. Muster runs in Release on SQLite with `muster demo`, seeded by setup.py (a component per
# service, incidents open and resolved with posts, a maintenance window).
# Usage: bench/status/run.sh [seconds per row] [churn writes per second]   (defaults: 20 4)
# Rows go to bench/out/status/rows.tsv; the table is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20}
RATE=${2:-4}
WARMUP=${WARMUP:-10}
THREADS=2
PORT=5220
BASE=http://127.0.0.1:$PORT
OUT=bench/out/status
mkdir -p "$OUT"
TMP=$(mktemp -d -t muster-sbench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# The build production runs (docs/operations.md): Release, ReadyToRun (bench/publish.sh).
MUSTER=("$(bench/publish.sh)")
DB=(--data-dir "$TMP/data")
"${MUSTER[@]}" demo "${DB[@]}" >/dev/null 2>>"$TMP/log"
KEY=$("${MUSTER[@]}" apikey create --name bench --role admin "${DB[@]}" 2>>"$TMP/log")
"${MUSTER[@]}" --urls "$BASE" "${DB[@]}" >>"$TMP/log" 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
for _ in $(seq 1 200); do curl -sf -o /dev/null "$BASE/healthz" && break; sleep 0.1; done
python3 bench/status/setup.py "$BASE" "$KEY" >"$TMP/setup.json"

STATUS_BYTES=$(curl -s "$BASE/status" | wc -c)
STATIC_BYTES=$(curl -s "$BASE/css/muster.css" | wc -c)
echo "== /status is $STATUS_BYTES bytes, /css/muster.css $STATIC_BYTES bytes; ${DURATION}s per row after ${WARMUP}s warm-up; wrk -t$THREADS"

ROWS=$OUT/rows.tsv
printf 'url\tconnections\tchurn_writes_per_s\trequests_per_s\tp50_ms\tp99_ms\tnon_2xx\tsocket_errors\tload_before\n' >"$ROWS"
# row <label> <url> <connections> <churn rate or 0>
row() {
  local label=$1 url=$2 conns=$3 churn=$4 churner=""
  if [[ $churn != 0 ]]; then
    python3 bench/status/churn.py "$BASE" "$KEY" "$churn" >"$TMP/churn-$label-$conns.log" 2>&1 &
    churner=$!; PIDS+=("$churner")
  fi
  wrk -t$THREADS -c"$conns" -d"${WARMUP}s" "$url" >/dev/null
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  local result; result=$(wrk -t$THREADS -c"$conns" -d"${DURATION}s" --latency "$url")
  local writes="0"
  if [[ -n $churner ]]; then
    kill "$churner" 2>/dev/null || true; wait "$churner" 2>/dev/null || true
    writes=$(tail -n 1 "$TMP/churn-$label-$conns.log" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read() or "{}").get("per_second", "?"))' 2>/dev/null || echo "?")
  fi
  echo "$result" >"$OUT/wrk-$label-$conns.txt"
  local rps p50 p99 non2xx sockerr
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$result")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$result")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$result")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$result"); non2xx=${non2xx:-0}
  sockerr=$(awk '/Socket errors/ {print $0}' <<<"$result" | tr -d ',' | awk '{print $4+$6+$8+$10}'); sockerr=${sockerr:-0}
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$conns" "$writes" "$rps" "$p50" "$p99" "$non2xx" "$sockerr" "$load" | tee -a "$ROWS"
}

for c in 200 400; do
  row static "$BASE/css/muster.css" "$c" 0
  row status "$BASE/status" "$c" 0
  row status-churn "$BASE/status" "$c" "$RATE"
done
row history-churn "$BASE/status/history" 200 "$RATE"
echo
column -t -s $'\t' "$ROWS"
echo "server log: $TMP/log"
