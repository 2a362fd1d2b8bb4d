#!/usr/bin/env bash
# Runs the whole test suite: format check, build, pure rules, the HTTP suite on SQLite and on
# PostgreSQL, and the browser tests in Debian's Chromium, with Debian's Alertmanager as a real
# client of the intake. Installs what is missing first (PostgreSQL, Chromium, Alertmanager, aiosmtpd) when
# run as root. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
# The email channel's tests send to a real SMTP server, Debian's aiosmtpd (Debian's python3, not one earlier on PATH).
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]]; then
    echo "test.sh: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
  echo "== installing ${missing[*]} from Debian"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || exit 2
fi

echo "== build"
dotnet build Muster.slnx -v quiet -nologo -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }

echo "== dotnet format --verify-no-changes"
format_failed=0
dotnet format Muster.slnx --verify-no-changes --no-restore -v quiet || format_failed=1

echo "== PostgreSQL"
pg=$(scripts/pg-start.sh) || { echo "test.sh: could not start PostgreSQL" >&2; exit 2; }
eval "$pg"
trap 'scripts/pg-stop.sh "$PGDATA" >/dev/null 2>&1 || true' EXIT
export MUSTER_TEST_PG="Host=127.0.0.1;Port=$PGPORT;Username=postgres"

results=TestResults
rm -rf "$results"
run() { # name, project, extra args...
  local name=$1 project=$2; shift 2
  echo "== $name"
  dotnet test "$project" --no-build -v quiet -nologo --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" "$@"
}
run domain tests/Muster.Domain.Tests
run http-sqlite tests/Muster.Tests
MUSTER_TEST_DATABASE=postgres run http-postgres tests/Muster.Tests --filter "FullyQualifiedName!~CliTests&FullyQualifiedName!~ResourceTests&FullyQualifiedName!~CrashTests"
run browser tests/Muster.Browser.Tests

echo "== took $((SECONDS / 60)) min $((SECONDS % 60)) s"
python3 - "$results" "$format_failed" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    c = ET.parse(path).find(".//t:Counters", ns)
    p, f = int(c.get("passed")), int(c.get("failed")) + int(c.get("error")) + int(c.get("timeout")) + int(c.get("aborted"))
    print(f"   {path.split('/')[-1][:-4]:<14} {p:>4} passed, {f} failed")
    passed += p; failed += f
if sys.argv[2] == "1":
    print("   dotnet format found files to change: run 'dotnet format Muster.slnx'")
    failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
PY
