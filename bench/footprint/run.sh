#!/bin/bash
# Footprint side by side with Alertmanager: start to ready on a warm start, CPU spent to get there,
# and idle memory, for Muster on SQLite (the published ReadyToRun build, bench/publish.sh) and
# Debian's prometheus-alertmanager, in one run on this machine.
# Each server gets a new data folder; its first start (which creates the database) and one warm
# start are not counted; then RUNS warm starts on that same folder are measured:
#   ready_ms  from just before exec to the first 200 of the readiness URL (curl every 10 ms),
#   cpu_ms    utime + stime of the process at that moment (/proc/<pid>/stat; steadier than ready_ms
#             on a busy machine),
#   rss_mb    VmRSS (/proc/<pid>/status) after IDLE seconds of idling once ready.
# Prints each run, then the medians, with the load average before and after.
# Usage: bench/footprint/run.sh [runs] [idle seconds]     (defaults: 5 10)
#   MUSTER_ENV="DOTNET_gcServer=1 ..."  extra environment for Muster (to compare settings)
#   MUSTER_BIN=path/to/muster           a build other than bench/publish.sh's
#   ONLY=muster|alertmanager
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
IDLE=${2:-10}
PORT_AM=5230 PORT_MUSTER=5231
TMP=$(mktemp -d -t muster-fbench.XXXXXX)
SERVER=""
cleanup() { [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

if [[ -z ${MUSTER_BIN:-} ]]; then
  MUSTER_BIN=$(bench/publish.sh)
fi
HZ=$(getconf CLK_TCK)
now_ns() { date +%s%N; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
cpu_ms() { awk -v hz="$HZ" '{printf "%d", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# one <label> <ready url> <counted: 1|0> <command...>: starts the command, waits for ready, idles, prints a row.
one() {
  local label=$1 url=$2 counted=$3; shift 3
  local load0; load0=$(loadavg)
  local t0; t0=$(now_ns)
  "$@" >>"$TMP/$label.log" 2>&1 &
  SERVER=$!
  local ready=""
  for _ in $(seq 1 3000); do
    if curl -sf -o /dev/null --max-time 2 "$url"; then ready=$(now_ns); break; fi
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.01
  done
  [[ -n $ready ]] || { echo "$label did not get ready; its log:" >&2; tail -n 20 "$TMP/$label.log" >&2; exit 1; }
  local cpu; cpu=$(cpu_ms "$SERVER")
  sleep "$IDLE"
  local rss; rss=$(rss_mb "$SERVER")
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
  if [[ $counted == 1 ]]; then
    printf '%s\t%d\t%d\t%s\t%s\t%s\n' "$label" $(((ready - t0) / 1000000)) "$cpu" "$rss" "$load0" "$(loadavg)" | tee -a "$TMP/rows.tsv"
  else
    printf '%s (not counted)\t%d\t%d\t%s\t%s\t%s\n' "$label" $(((ready - t0) / 1000000)) "$cpu" "$rss" "$load0" "$(loadavg)"
  fi
}

muster() {
  local data=$TMP/muster-data
  # shellcheck disable=SC2086
  local cmd=(env ${MUSTER_ENV:-} "$MUSTER_BIN" --urls "http://127.0.0.1:$PORT_MUSTER" --data-dir "$data")
  one "Muster, first start" "http://127.0.0.1:$PORT_MUSTER/readyz" 0 "${cmd[@]}"
  one "Muster" "http://127.0.0.1:$PORT_MUSTER/readyz" 0 "${cmd[@]}"
  for _ in $(seq 1 "$RUNS"); do one "Muster" "http://127.0.0.1:$PORT_MUSTER/readyz" 1 "${cmd[@]}"; done
}

alertmanager() {
  local dir=$TMP/am
  mkdir -p "$dir"
  cat >"$dir/am.yml" <<YML
route:
  receiver: blackhole
receivers:
  - name: blackhole
YML
  local cmd=(prometheus-alertmanager --config.file="$dir/am.yml" --storage.path="$dir" --web.listen-address=127.0.0.1:$PORT_AM
    --cluster.listen-address= --log.level=warn)
  one "Alertmanager, first start" "http://127.0.0.1:$PORT_AM/-/ready" 0 "${cmd[@]}"
  one "Alertmanager" "http://127.0.0.1:$PORT_AM/-/ready" 0 "${cmd[@]}"
  for _ in $(seq 1 "$RUNS"); do one "Alertmanager" "http://127.0.0.1:$PORT_AM/-/ready" 1 "${cmd[@]}"; done
}

echo "== footprint: $RUNS warm starts each, RSS after ${IDLE}s idle; $(date -u '+%Y-%m-%d %H:%M UTC'); Muster $(git rev-parse --short HEAD)," \
  ".NET $(dotnet --list-runtimes | awk '/NETCore.App/ {v=$2} END {print v}'), $(prometheus-alertmanager --version 2>&1 | head -n 1 | awk '{print "Alertmanager", $3}'), $(nproc) cores" \
  "${MUSTER_ENV:+; MUSTER_ENV=$MUSTER_ENV}"
printf 'server\tready_ms\tcpu_ms\trss_mb\tload_before\tload_after\n'
: >"$TMP/rows.tsv"
[[ ${ONLY:-muster} == muster ]] && muster
[[ ${ONLY:-alertmanager} == alertmanager ]] && alertmanager
echo
python3 - "$TMP/rows.tsv" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, ready, cpu, rss, l0, l1 = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append((int(ready), int(cpu), float(rss), float(l0.split()[0]), float(l1.split()[0])))
print("| server | ready, median (min–max) | CPU to ready, median | idle RSS, median | load average (1 min) |")
print("|---|---|---|---|---|")
for name, r in rows.items():
    ready = [x[0] for x in r]; cpu = [x[1] for x in r]; rss = [x[2] for x in r]; load = [x[3] for x in r] + [x[4] for x in r]
    print(f"| {name} | {statistics.median(ready):.0f} ms ({min(ready)}–{max(ready)}) | {statistics.median(cpu):.0f} ms "
          f"| {statistics.median(rss):.1f} MiB | {min(load):.1f}–{max(load):.1f} |")
PY
