"""The flood check: 100,000 distinct alerts on 50 services (one prometheus integration each) in
batches of 100 at POST /api/v2/alerts, as fast as 16 connections go (retrying 429 after its
Retry-After), then wait for the correlator and count what the database holds.
Usage: flood.py <base url> <secrets file> <server pid> <label> <count command...>
Expected: one alert per distinct alert; per service, the first 10 alertnames each open an incident
and the 11th finds more than 10 new incidents in the last minute, so it opens a storm incident that
the remaining alertnames join: 50 x (10 + 1) = 550 incidents."""
import http.client
import os
import random
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

base, secrets_file, pid, label = sys.argv[1:5]
count_cmd = sys.argv[5:]
NAMES, INSTANCES, BATCH, CONNECTIONS = 20, 100, 100, 16
WAIT = int(os.environ.get("FLOOD_WAIT", "180"))  # seconds to wait for the correlator, from the first request
secrets = [s.strip() for s in open(secrets_file) if s.strip()]
now = datetime.now(timezone.utc)
starts, ends = now.strftime("%Y-%m-%dT%H:%M:%SZ"), (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def alert(s, n, i):
    return (f'{{"labels":{{"alertname":"Flood{n:02d}","service":"svc-{s:02d}","instance":"node-{i:03d}:9100","job":"node","severity":"warning"}},'
            f'"annotations":{{"summary":"Flood{n:02d} on node-{i:03d} of svc-{s:02d}"}},"startsAt":"{starts}","endsAt":"{ends}"}}')


requests = []
for s, secret in enumerate(secrets, 1):
    alerts = [alert(s, n, i) for n in range(1, NAMES + 1) for i in range(1, INSTANCES + 1)]
    random.Random(s).shuffle(alerts)  # a batch mixes alertnames, as a Prometheus evaluation does
    for k in range(0, len(alerts), BATCH):
        requests.append((secret, ("[" + ",".join(alerts[k:k + BATCH]) + "]").encode(), len(alerts[k:k + BATCH])))
random.Random(0).shuffle(requests)
total = sum(r[2] for r in requests)
host, port = base.split("//")[1].split(":")
lock = threading.Lock()
stats = {"accepted": 0, "429": 0, "other": 0}
queue = list(requests)


def ticks(p):
    try:
        f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except OSError:
        return 0


def hwm(p):
    for line in open(f"/proc/{p}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) // 1024
    return 0


def rss(p):
    for line in open(f"/proc/{p}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
    return 0


def worker():
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    while True:
        with lock:
            if not queue:
                return
            secret, body, n = queue.pop()
        while True:
            conn.request("POST", "/api/v2/alerts", body, {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"})
            response = conn.getresponse()
            response.read()
            with lock:
                if 200 <= response.status < 300:
                    stats["accepted"] += n
                elif response.status in (429, 503):
                    stats["429"] += 1
                else:
                    stats["other"] += 1
            if 200 <= response.status < 300 or response.status not in (429, 503):
                break
            time.sleep(float(response.getheader("Retry-After", "1")))


def count(sql):
    return int(subprocess.run(count_cmd + [sql], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])


cpu0 = ticks(pid)
start = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
sent_s = time.monotonic() - start
hwm_sent = hwm(pid)
backlog_at_end = count('SELECT count(*) FROM "AlertEvents" WHERE "ProcessedAt" IS NULL')
while True:
    left = count('SELECT count(*) FROM "AlertEvents" WHERE "ProcessedAt" IS NULL')
    if left == 0 or time.monotonic() - start > WAIT:
        break
    print(f"  [{label}] {time.monotonic() - start:.0f} s: correlator has {left:,} events to go; RSS {rss(pid)} MB", file=sys.stderr, flush=True)
    time.sleep(5)
caught_up_s = time.monotonic() - start
cpu_s = (ticks(pid) - cpu0) / 100
hz = 100
events = count('SELECT count(*) FROM "AlertEvents"')
processed = count('SELECT count(*) FROM "AlertEvents" WHERE "ProcessedAt" IS NOT NULL')
alerts = count('SELECT count(*) FROM "Alerts"')
unattached = count('SELECT count(*) FROM "Alerts" WHERE "IncidentId" IS NULL')
incidents = count('SELECT count(*) FROM "Incidents"')
groups = count('SELECT count(*) FROM (SELECT DISTINCT "ServiceId", "GroupKey" FROM "Alerts") g')
STORM = 10  # Correlator.StormThreshold
expected_incidents = len(secrets) * (min(NAMES, STORM) + (1 if NAMES > STORM else 0))
stored_ok = events == stats["accepted"] == total
ok = stored_ok and alerts == total and incidents == expected_incidents and unattached == 0 and left == 0
rate = processed / caught_up_s
print(f"**{label}**: {total:,} distinct alerts ({len(secrets)} services x {NAMES} alertnames x {INSTANCES} instances) in {len(requests):,} requests of {BATCH}, "
      f"{CONNECTIONS} connections. {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.\n")
print("| measure | value |\n|---|---:|")
for k, v in [("accepted (2xx) alerts", f"{stats['accepted']:,}"), ("429/503 answers (retried)", f"{stats['429']:,}"), ("other non-2xx", f"{stats['other']:,}"),
             ("time to send all, s", f"{sent_s:.1f}"), ("accepted alerts/s", f"{stats['accepted'] / sent_s:,.0f}"),
             ("correlator backlog when the last 2xx came", f"{backlog_at_end:,}"),
             ("time until the correlator caught up, s (from the first request)", f"{caught_up_s:.1f}" + ("" if left == 0 else f" (gave up, {left:,} left)")),
             ("AlertEvents stored / processed", f"{events:,} / {processed:,}"), ("Alerts", f"{alerts:,} (expected {total:,})"),
             ("Alerts without an incident", f"{unattached:,}"), ("distinct (service, alertname)", f"{groups:,}"),
             ("Incidents", f"{incidents:,} (expected {expected_incidents:,})"),
             ("peak RSS when all were sent / at the end, MB", f"{hwm_sent} / {hwm(pid)}"), ("Muster CPU s, whole check", f"{cpu_s:.1f}"),
             ("correlator rate, events/s (from the first request)", f"{rate:,.0f}"),
             ("verdict", "right number of incidents, none lost" if ok else
              ("all accepted alerts stored (none lost); the correlator had not caught up, so the incident count is not final" if stored_ok and left else "MISMATCH"))]:
    print(f"| {k} | {v} |")
print()
