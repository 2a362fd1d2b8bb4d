#!/bin/bash
# Publishes Muster as it runs in production (docs/operations.md): Release, framework-dependent,
# ReadyToRun for linux-x64, into bench/out/publish. Prints the path of the `muster` executable;
# the benchmarks start that. PUBLISH_R2R=false publishes without ReadyToRun (to compare).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/publish${PUBLISH_R2R:+-r2r-$PUBLISH_R2R}
dotnet publish src/Muster/Muster.csproj -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun="${PUBLISH_R2R:-true}" -o "$OUT" -nologo -v quiet >&2
echo "$PWD/$OUT/muster"
