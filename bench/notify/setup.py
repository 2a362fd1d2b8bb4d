"""The on-call set-up of bench/notify, written straight into the database as SQL, because the API for
escalation policies and schedules (/api/v1/escalation-policies, /api/v1/schedules) has not landed yet.
This is the only part that writes SQL: switch it to the API when it lands.

Usage: setup.py <sqlite|postgres> <mode> <slots> <channel id> <secrets out> [first slot]  > setup.sql
       setup.py <sqlite|postgres> due <instant, UTC, yyyy-mm-dd hh:mm:ss.fffffff>       > due.sql
Writes SQL on standard output (feed it to sqlite3 or psql) and one events-integration secret per slot
to <secrets out>. A slot is its own person with one webhook contact method on the given channel, its
own escalation policy, and its own service with an `events` integration, so no two alerts page the
same contact method and the one-message-a-minute throttle never bundles them.
  mode latency:  policy = [step 1: the slot's person (delay 30 min)]
  mode escalate: policy = [step 1: one shared person with no contact method (delay 30 min), step 2: the
                 slot's person], NOT yet on the service, so the incidents open without paging.
  mode due:      attaches each bench service's policy and puts every bench incident in the state its
                 escalation has after step 1 fired: an `escalate` work item for step 2 (index 1),
                 started 30 min before <instant> and due at <instant>, the same for all. This is what
                 Paging/EscalationWork would have written, skipping 10,000 step-1 firings of set-up.
"""
import json
import secrets
import sys
from datetime import datetime, timedelta, timezone

dialect, mode = sys.argv[1:3]
if mode == "due":
    due = datetime.strptime(sys.argv[3][:26], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
    started = (due - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lit = (lambda t: f"'{t}'") if dialect == "sqlite" else (lambda t: f"'{t}+00'")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") + "0"
    print('BEGIN;')
    print('''UPDATE "Services" SET "EscalationPolicyId" = (SELECT p."Id" FROM "EscalationPolicies" p WHERE p."Name" = 'bench-' || substr("Services"."Name", 8))
  WHERE "Name" LIKE 'nb-svc-%';''')
    print(f'''INSERT INTO "WorkItems" ("Kind","Key","Payload","DueAt","Attempts","CreatedAt")
  SELECT 'escalate', 'escalate:' || i."Id", '{{"policyId":"' || s."EscalationPolicyId" || '","startedAt":"{started}","index":1}}', {lit(sys.argv[3])}, 0, {lit(now)}
  FROM "Incidents" i JOIN "Services" s ON s."Id" = i."ServiceId" WHERE s."Name" LIKE 'nb-svc-%';''')
    print('COMMIT;')
    sys.exit(0)
slots, channel_id, secrets_out = sys.argv[3:6]
first = int(sys.argv[6]) if len(sys.argv) > 6 else 0
slots = int(slots)
now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") + "0"
ts = f"'{now}'" if dialect == "sqlite" else f"'{now}+00'"
true = "1" if dialect == "sqlite" else "true"
false = "0" if dialect == "sqlite" else "false"


def q(s):
    return "'" + s.replace("'", "''") + "'"


def new_id():
    return secrets.token_hex(16)


out = sys.stdout
out.write("BEGIN;\n")
nobody = None
if mode == "escalate":
    nobody = new_id()
    out.write(f'INSERT INTO "People" ("Id","Email","DisplayName","Role","Language","Active","CreatedAt") VALUES '
              f"({q(nobody)},{q(f'nobody-{first}@bench.invalid')},{q(f'bench nobody {first}')},'responder','en',{true},{ts});\n")
with open(secrets_out, "w") as sf:
    for i in range(first, first + slots):
        person, method, policy, service, integration, secret = new_id(), new_id(), new_id(), new_id(), new_id(), secrets.token_hex(16)
        steps = [{"delayMinutes": 30, "targets": [{"type": "person", "id": person}]}]
        if mode == "escalate":
            steps.insert(0, {"delayMinutes": 30, "targets": [{"type": "person", "id": nobody}]})
        definition = json.dumps({"steps": steps, "repeatCount": 0, "repeatFromStep": 1})
        out.write(f'INSERT INTO "People" ("Id","Email","DisplayName","Role","Language","Active","CreatedAt") VALUES '
                  f"({q(person)},{q(f'nb{i}@bench.invalid')},{q(f'bench {i}')},'responder','en',{true},{ts});\n")
        out.write(f'INSERT INTO "ContactMethods" ("Id","PersonId","Type","Address","ChannelId","CreatedAt") VALUES '
                  f"({q(method)},{q(person)},'webhook',{q(f'bench-{i}')},{q(channel_id)},{ts});\n")
        out.write(f'INSERT INTO "EscalationPolicies" ("Id","Name","Definition","CreatedAt","UpdatedAt") VALUES '
                  f"({q(policy)},{q(f'bench-{i}')},{q(definition)},{ts},{ts});\n")
        out.write(f'INSERT INTO "Services" ("Id","Name","KeepOpenWhenAlertsResolve","CreatedAt","EscalationPolicyId") VALUES '
                  f"({q(service)},{q(f'nb-svc-{i}')},{false},{ts},{'NULL' if mode == 'escalate' else q(policy)});\n")
        out.write(f'INSERT INTO "Integrations" ("Id","ServiceId","Type","Name","Secret","Enabled","CreatedAt") VALUES '
                  f"({q(integration)},{q(service)},'events','bench',{q(secret)},{true},{ts});\n")
        sf.write(secret + "\n")
out.write("COMMIT;\n")
