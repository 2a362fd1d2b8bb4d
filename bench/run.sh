#!/bin/bash
# Builds the list/incident-page harness in Release and runs it on SQLite (a temp folder) and on a
# throwaway PostgreSQL (scripts/pg-start.sh, stopped afterwards). Tables go to bench/out/.
# Usage: bench/run.sh [incidents] [requests]     (defaults: 100000 500)
set -euo pipefail
cd "$(dirname "$0")/.."
INCIDENTS=${1:-100000}
REQUESTS=${2:-500}
OUT=bench/out
mkdir -p "$OUT"

dotnet build bench/Muster.Bench/Muster.Bench.csproj -c Release -nologo -v quiet
BENCH=(dotnet bench/Muster.Bench/bin/Release/net10.0/Muster.Bench.dll --incidents "$INCIDENTS" --requests "$REQUESTS")

echo "== SQLite"
"${BENCH[@]}" --database sqlite --out "$OUT/sqlite.md" ${BENCH_ARGS:-} | grep -v '^{"Timestamp"'

echo "== PostgreSQL"
eval "$(scripts/pg-start.sh)"
trap 'scripts/pg-stop.sh "$PGDATA"' EXIT
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres muster_bench
"${BENCH[@]}" --database postgres --connection "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=muster_bench" \
  --out "$OUT/postgres.md" ${BENCH_ARGS:-} | grep -v '^{"Timestamp"'

echo
cat "$OUT/sqlite.md" "$OUT/postgres.md"
