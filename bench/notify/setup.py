"""The on-call set-up of bench/notify, written straight into the database as SQL, because the API for
escalation policies and schedules (/api/v1/escalation-policies, /api/v1/schedules) has not landed yet.
This is the only part that writes SQL: switch it to the API when it lands.

Usage: setup.py <sqlite|postgres> <mode> <slots> <channel id> <secrets out> [first slot]  > setup.sql
Writes SQL on standard output (feed it to sqlite3 or psql) and one events-integration secret per slot
to <secrets out>. A slot is its own person with one webhook contact method on the given channel, its
own escalation policy, and its own service with an `events` integration, so no two alerts page the
same contact method and the one-message-a-minute throttle never bundles them.
  mode latency:  policy = [step 1: the slot's person (delay 30 min)]
  mode escalate: policy = [step 1: one shared person with no contact method (delay 30 min), step 2: the
                 slot's person]; the benchmark then moves every step 2 to the same instant.
"""
import json
import secrets
import sys
from datetime import datetime, timezone

dialect, mode, slots, channel_id, secrets_out = sys.argv[1:6]
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
                  f"({q(service)},{q(f'nb-svc-{i}')},{false},{ts},{q(policy)});\n")
        out.write(f'INSERT INTO "Integrations" ("Id","ServiceId","Type","Name","Secret","Enabled","CreatedAt") VALUES '
                  f"({q(integration)},{q(service)},'events','bench',{q(secret)},{true},{ts});\n")
        sf.write(secret + "\n")
out.write("COMMIT;\n")
