#!/usr/bin/env python3
"""Prints SQL that inserts N incidents fast (one INSERT ... SELECT over a number series), for SQLite or PostgreSQL.

Usage: seed.py sqlite|postgres N [end-iso]   (run after `muster serve` has started once: plans and device types exist)

What it makes, spread evenly over the 365 days before `end`:
- 20 services, 3 device types with targets, 2,000 devices in service;
- N incidents: levels L1 10%, L2 30%, L3 60%; a drill every 50th; every 97th still open; the rest
  acknowledged, investigating, repairing, (every other one mitigated), resolved, verified, closed, at
  times that vary with the number;
- a 'declared' and (when resolved) a 'status_changed' to resolved timeline entry each;
- a report naming a device for every 10th incident.
"""
import sys

dialect, n = sys.argv[1], int(sys.argv[2])
end = sys.argv[3] if len(sys.argv) > 3 else "2026-12-01 00:00:00"
span = 365 * 86400
step = span / n

if dialect == "sqlite":
    series = f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {{n}})"
    def ts(seconds):
        return f"strftime('%Y-%m-%d %H:%M:%S', '{end}', '-{span} seconds', '+' || CAST(({seconds}) AS INTEGER) || ' seconds')"
    true, false = "1", "0"
    begin, commit = "PRAGMA synchronous=OFF; BEGIN;", "COMMIT; ANALYZE;"
    pad = lambda expr, w: f"printf('%0{w}d', {expr})"
else:
    series = "WITH s(i) AS (SELECT generate_series(1, {n}))"
    def ts(seconds):
        return f"(timestamptz '{end}+00' - interval '{span} seconds' + make_interval(secs => ({seconds})::bigint))"
    true, false = "true", "false"
    begin, commit = "BEGIN;", "COMMIT; ANALYZE;"
    pad = lambda expr, w: f"lpad(({expr})::text, {w}, '0')"

declared = f"(i * {step})"
plan = "(SELECT \"ActiveVersionId\" FROM \"Plans\" WHERE \"Key\" = 'default')"
level = "CASE WHEN i % 10 = 0 THEN 'L1' WHEN i % 10 < 4 THEN 'L2' ELSE 'L3' END"
rank = "CASE WHEN i % 10 = 0 THEN 1 WHEN i % 10 < 4 THEN 2 ELSE 3 END"
open_ = "i % 97 = 0"
def at(offset):
    return f"CASE WHEN {open_} THEN NULL ELSE {ts(declared + ' + ' + offset)} END"

print(begin)
print(f"""{series.format(n=20)}
INSERT INTO "Services" ("Id", "Name", "Description", "TeamId", "PlanId", "KeepOpenWhenAlertsResolve", "EscalationPolicyId", "CreatedAt")
SELECT 'bench-svc-' || {pad('i', 2)}, 'bench service ' || {pad('i', 2)}, NULL, NULL, NULL, {false}, NULL, {ts('0')} FROM s;""")
print(f"""UPDATE "DeviceTypes" SET "FailureTarget" = 0.02 WHERE "Key" IN ('kiosk', 'card_reader');
UPDATE "DeviceTypes" SET "FailureTarget" = 0.05 WHERE "Key" = 'door';""")
print(f"""{series.format(n=2000)}
INSERT INTO "Devices" ("Id", "Code", "Name", "Type", "ServiceId", "Site", "Building", "Floor", "Area", "Status", "ReportToken", "CreatedAt")
SELECT 'bench-dev-' || {pad('i', 4)}, 'B-' || {pad('i', 4)}, 'device ' || i,
  CASE i % 3 WHEN 0 THEN 'kiosk' WHEN 1 THEN 'card_reader' ELSE 'door' END,
  'bench-svc-' || {pad('i % 20 + 1', 2)}, 'campus ' || (i % 5), 'building ' || (i % 40), NULL, NULL, 'in_service', 'bench-token-' || i, {ts('0')} FROM s;""")
resolved = at(f"(i % 14400) + 900")
closed = at(f"(i % 14400) + 1500")
print(f"""{series.format(n=n)}
INSERT INTO "Incidents" ("Id", "Number", "Title", "Description", "ServiceId", "PlanVersionId", "Drill", "Status", "StartedAt", "DeclaredAt",
  "AcknowledgedAt", "InvestigatingAt", "RepairingAt", "MitigatedAt", "ResolvedAt", "VerifiedAt", "ClosedAt", "UpdatedAt",
  "SeverityLevel", "SeverityRank", "RuleRank")
SELECT 'bench-inc-' || {pad('i', 8)}, 100000 + i, 'bench incident ' || i || ' 收费机故障', 'symptom ' || (i % 17),
  'bench-svc-' || {pad('i % 20 + 1', 2)}, {plan}, CASE WHEN i % 50 = 0 THEN {true} ELSE {false} END,
  CASE WHEN {open_} THEN 'triggered' ELSE 'closed' END, {ts(declared)}, {ts(declared)},
  {at('(i % 600) + 20')}, {at('(i % 900) + 60')}, {at('(i % 1800) + 120')},
  CASE WHEN i % 2 = 0 THEN {at('(i % 3600) + 600')} ELSE NULL END, {resolved}, {at('(i % 14400) + 1200')}, {closed},
  COALESCE({closed}, {ts(declared)}), {level}, {rank}, {rank}
FROM s;""")
print(f"""{series.format(n=n)}
INSERT INTO "TimelineEntries" ("IncidentId", "At", "Kind", "ActorId", "ActorName", "Note", "From", "To")
SELECT 'bench-inc-' || {pad('i', 8)}, {ts(declared)}, 'declared', NULL, 'bench', NULL, NULL, {level} FROM s;""")
print(f"""{series.format(n=n)}
INSERT INTO "TimelineEntries" ("IncidentId", "At", "Kind", "ActorId", "ActorName", "Note", "From", "To")
SELECT 'bench-inc-' || {pad('i', 8)}, {resolved}, 'status_changed', NULL, 'bench', '重启后恢复 restarted', 'repairing', 'resolved' FROM s WHERE NOT ({open_});""")
print(f"""{series.format(n=n // 10)}
INSERT INTO "Reports" ("Id", "DeviceId", "ServiceId", "Channel", "Symptom", "Scope", "Caller", "Phone", "HasPhoto", "ClientAddress", "ReceivedAt", "IncidentId", "ContactPurgedAt")
SELECT 'bench-rep-' || {pad('i', 8)}, 'bench-dev-' || {pad('(i * 7) % 2000 + 1', 4)}, 'bench-svc-' || {pad('(i * 10) % 20 + 1', 2)}, 'phone', 'No receipt',
  NULL, 'caller ' || i, NULL, {false}, NULL, {ts(f'i * 10 * {step}')}, 'bench-inc-' || {pad('i * 10', 8)}, NULL FROM s;""")
print(commit)
