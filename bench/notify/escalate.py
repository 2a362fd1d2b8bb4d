"""N incidents whose step 2 falls due at the same instant; kill -9 twice part-way; exactly once afterwards.
Usage: escalate.py <base url> <secrets file> <receiver log> <database> <server pid> <kill at fraction> <server log> <muster command...>
<database> is the SQLite file, or postgresql:<libpq connection string> (read with $PGBIN/psql).
1. One trigger event per slot (POST /v2/enqueue, 16 connections): N new incidents, on services with
   no policy yet, so nothing pages (setup.py escalate).
2. When the correlator has made all N, `setup.py due` attaches the policies and writes every
   incident's step-2 work item, due at the same instant T (LEAD seconds ahead).
3. From T on, kill -9 Muster and start it again at once on the same database, twice: during the
   escalations (once <kill at> x N step-2 notifications are written) and during the deliveries (once
   half the incidents have had their message at the receiver).
4. Wait until every incident was notified and nothing is queued (or DEADLINE s after T), then count:
   lateness at the receiver (first arrival - T) and in the database (SentAt - T), step-2 notifications
   per incident in the database, deliveries per incident at the receiver, and duplicates by id.
Prints a markdown block."""
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

base, secrets_file, receiver_log, db_path, pid, kill_at, server_log = sys.argv[1:8]
muster_cmd = sys.argv[8:]
pid, kill_at = int(pid), float(kill_at)
LEAD = float(os.environ.get("ESC_LEAD", "15"))          # seconds from writing the work items to T
DEADLINE = float(os.environ.get("ESC_DEADLINE", "420"))  # seconds after T to give up waiting
KILLS = int(os.environ.get("ESC_KILLS", "2"))  # 0: a run without restarts, for the lateness alone
secrets = [s.strip() for s in open(secrets_file) if s.strip()]
N = len(secrets)
host, port = base.split("//")[1].split(":")
t_start = time.time()


PG = db_path.startswith("postgresql:")


def rows(sql):
    """Every row of a query, as tuples (strings on PostgreSQL, where NULL reads as '')."""
    if PG:
        out = subprocess.run([os.path.join(os.environ["PGBIN"], "psql"), db_path[len("postgresql:"):], "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                             capture_output=True, text=True, check=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines()]
    with sqlite3.connect(db_path, timeout=30) as c:
        return c.execute(sql).fetchall()


def scalar(sql):
    return int(rows(sql)[0][0])


def script(sql):
    if PG:
        subprocess.run([os.path.join(os.environ["PGBIN"], "psql"), db_path[len("postgresql:"):], "-q", "-v", "ON_ERROR_STOP=1"], input=sql, text=True, check=True)
    else:
        with sqlite3.connect(db_path, timeout=30) as c:
            c.executescript(sql)


def ticks(p):
    try:
        f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except OSError:
        return 0


def hwm(p):
    try:
        for line in open(f"/proc/{p}/status"):
            if line.startswith("VmHWM"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def log(msg):
    print(f"  [escalate {time.time() - t_start:5.0f} s] {msg}", file=sys.stderr, flush=True)


# 1. N new incidents through the events API.
todo = list(range(N))
lock = threading.Lock()
refused = Counter()


def sender():
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    while True:
        with lock:
            if not todo:
                return
            k = todo.pop()
        body = json.dumps({"routing_key": secrets[k], "event_action": "trigger", "dedup_key": f"nb-{k:06d}",
                           "payload": {"summary": f"nb-{k:06d} bench escalation", "source": "bench", "severity": "critical"}}).encode()
        while True:
            conn.request("POST", "/v2/enqueue", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if 200 <= r.status < 300:
                break
            refused[r.status] += 1
            time.sleep(float(r.getheader("Retry-After", "1")))


threads = [threading.Thread(target=sender) for _ in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
log(f"{N} events accepted ({dict(refused) or 'none refused'}); waiting for the correlator")
while (made := scalar('SELECT count(*) FROM "Incidents" i JOIN "Services" s ON s."Id" = i."ServiceId" WHERE s."Name" LIKE \'nb-svc-%\'')) < N:
    if time.time() - t_start > 300:
        sys.exit(f"the correlator made only {made} of {N} incidents")
    time.sleep(1)
setup_s = time.time() - t_start

# 2. Every step 2 due at T.
T = datetime.now(timezone.utc) + timedelta(seconds=LEAD)
T_text = T.strftime("%Y-%m-%d %H:%M:%S.%f") + "0"
T_unix = T.timestamp()
sql = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "setup.py"), "postgres" if PG else "sqlite", "due", T_text],
                     capture_output=True, text=True, check=True).stdout
script(sql)
committed = time.time()
if committed > T_unix:
    log(f"the due items were committed {committed - T_unix:.1f} s AFTER T: raise ESC_LEAD; lateness below includes it")
due = scalar(f'SELECT count(*) FROM "WorkItems" WHERE "Kind" = \'escalate\' AND "DueAt" = \'{T_text}{"+00" if PG else ""}\'')
log(f"{made} incidents in {setup_s:.0f} s; {due} step-2 work items due at {T_text} UTC, committed {T_unix - committed:.1f} s before it")
while time.time() < T_unix:
    time.sleep(0.05)
cpu0 = ticks(pid)
load_at_t = " ".join(open("/proc/loadavg").read().split()[:3])


def receiver_lines():
    with open(receiver_log) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 4 and p[2].startswith("nb-"):
                yield float(p[0]), int(p[2][3:]), p[3], p[4]


# 3. Kill -9 twice, restarting at once each time: during the escalations (when <kill at> x N step-2
# notifications exist in the database: the escalate items write them) and during the deliveries
# (when half the incidents have had their message at the receiver).
kills = []  # (phase, seconds after T, seconds until /healthz answered again)
cpu_s = 0.0
peak = []
server = None


def kill_and_restart(phase, pid):
    global server, cpu_s
    cpu_s += (ticks(pid) - (cpu0 if not kills else cpu_restart[0])) / 100
    peak.append(hwm(pid))
    os.kill(pid, signal.SIGKILL)
    at = time.time()
    server = subprocess.Popen(muster_cmd, stdout=open(server_log, "a"), stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            c = http.client.HTTPConnection(host, int(port), timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    kills.append((phase, at - T_unix, time.time() - at))
    cpu_restart[0] = ticks(server.pid)
    log(f"kill -9 during the {phase}, {at - T_unix:.1f} s after T; ready again {time.time() - at:.1f} s later")
    return server.pid


cpu_restart = [0]
current = pid
last_log = time.time()
while True:
    arrived = len({k for _, k, _, _ in receiver_lines()})
    if not kills and KILLS > 0:
        written = scalar('SELECT count(*) FROM "Notifications" WHERE "Step" = 2')
        if written >= kill_at * N:
            current = kill_and_restart(f"escalations ({written:,} of {N:,} step-2 notifications written, {arrived:,} delivered)", current)
    elif len(kills) == 1 and KILLS > 1 and arrived >= N / 2:
        current = kill_and_restart(f"deliveries ({arrived:,} of {N:,} delivered)", current)
    if len(kills) == KILLS and arrived >= N:
        left = scalar('SELECT count(*) FROM "Notifications" WHERE "Status" = \'queued\'') + \
            scalar('SELECT count(*) FROM "WorkItems" WHERE "Kind" IN (\'escalate\', \'notify\')')
        if left == 0:
            break
    if time.time() - T_unix > DEADLINE:
        log("deadline reached")
        break
    if time.time() - last_log >= 30:
        last_log = time.time()
        log(f"{arrived} of {N} incidents notified")
    # The escalations take about a second now: look often until the kill during them has happened.
    time.sleep(0.02 if KILLS > 0 and not kills else 0.5)
done_s = time.time() - T_unix
cpu_s += (ticks(current) - (cpu_restart[0] if kills else cpu0)) / 100
peak.append(hwm(current))
killed_at = T_unix + kills[0][1] if kills else None
load_end = " ".join(open("/proc/loadavg").read().split()[:3])

# 4. Counts.
token_of = dict(rows('SELECT a."IncidentId", a."DedupKey" FROM "Alerts" a JOIN "Services" s ON s."Id" = a."ServiceId" WHERE s."Name" LIKE \'nb-svc-%\''))
pages = rows('SELECT "Id", "IncidentId", "Status", "SentAt", "Attempts", "CreatedAt" FROM "Notifications" WHERE "Step" = 2')
per_incident = Counter(r[1] for r in pages)
status = Counter(r[2] for r in pages)
incident_ids = set(token_of)
db_counts = Counter(per_incident.get(i, 0) for i in incident_ids)


def parse(t):
    """A UTC time as SQLite (2026-12-07 16:34:35.9436310) or PostgreSQL (… 16:34:35.943631+00, or no fraction) writes it."""
    if not t:
        return None
    t = t.split("+")[0]
    if "." not in t:
        t += ".0"
    return datetime.strptime(t[:26].ljust(26, "0"), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()


fired_late = sorted((parse(r[5]) - T_unix) * 1000 for r in pages if r[5])
db_late = sorted((parse(r[3]) - T_unix) * 1000 for r in pages if r[3])
recv = list(receiver_lines())
first = {}
keys = defaultdict(list)
for t, k, key, _ in recv:
    first[k] = min(first.get(k, t), t)
    keys[k].append(key)
late = sorted((first[k] - T_unix) * 1000 for k in first)
before_kill = sorted((first[k] - T_unix) * 1000 for k in first if first[k] < killed_at) if killed_at else late
after_kill = sorted((first[k] - T_unix) * 1000 for k in first if killed_at and first[k] >= killed_at)
same_key_dups = {k: v for k, v in keys.items() if len(v) > len(set(v))}
diff_key_dups = {k: v for k, v in keys.items() if len(set(v)) > 1}
recv_counts = Counter(len(keys.get(k, [])) for k in range(N))
bad = sum(1 for *_, s in recv if s == "bad")


def pct(v, p):
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))] if v else float("nan")


def row(name, v):
    return f"| {name} | {len(v):,} | {pct(v, 50):,.0f} | {pct(v, 90):,.0f} | {pct(v, 99):,.0f} | {max(v) if v else float('nan'):,.0f} |"


print(f"**{N:,} incidents, step 2 due at the same instant T, kill -9 {'twice' if KILLS == 2 else f'{KILLS} times'}** (Muster on {'PostgreSQL' if PG else 'SQLite'}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
      f"load average {load_at_t} at T, {load_end} at the end). Set-up (events in, correlator done): {setup_s:.0f} s; the due items committed {T_unix - committed:.1f} s before T. "
      + " ".join(f"kill -9 during the {ph}, {at:.1f} s after T, /healthz again {ready:.1f} s later." for ph, at, ready in kills)
      + f" All done {done_s:.0f} s after T.\n")
print("| lateness after the due instant T, ms | messages | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|")
print(row("the step fired: step-2 page written (CreatedAt)", fired_late))
print(row("first arrival at the receiver, per incident", late))
print(row("… of those that arrived before the first kill", before_kill))
print(row("… of those that arrived after it", after_kill))
print(row("SentAt in the database (step-2 notifications sent)", db_late))
print()
print("| check | value |\n|---|---:|")
for k, v in [
    ("incidents", f"{len(incident_ids):,}"),
    ("step-2 notifications in the database, by status", ", ".join(f"{s} {n:,}" for s, n in sorted(status.items()))),
    ("incidents with 0 / 1 / more than 1 step-2 notification (database)",
     f"{db_counts.get(0, 0):,} / {db_counts.get(1, 0):,} / {sum(n for c, n in db_counts.items() if c > 1):,}"),
    ("incidents with 0 / 1 / more than 1 delivery at the receiver",
     f"{recv_counts.get(0, 0):,} / {recv_counts.get(1, 0):,} / {sum(n for c, n in recv_counts.items() if c > 1):,}"),
    ("… repeated deliveries with the same Idempotency-Key (allowed: a retry of one message)",
     f"{len(same_key_dups):,}" + (f" ({', '.join(f'nb-{k:06d} x{len(v)} id {v[0]}' for k, v in list(same_key_dups.items())[:5])})" if same_key_dups else "")),
    ("… incidents paged twice under different ids (a double page)",
     f"{len(diff_key_dups):,}" + (f" ({', '.join(f'nb-{k:06d}: ' + ' '.join(sorted(set(v))) for k, v in list(diff_key_dups.items())[:5])})" if diff_key_dups else "")),
    ("bad signatures at the receiver", f"{bad:,}"),
    ("Muster CPU s from T to the end (all three processes)", f"{cpu_s:.1f}"),
    ("Muster peak RSS MB (each process)", " / ".join(str(m) for m in peak)),
    ("step-2 messages per second, T to the end", f"{len(late) / done_s:,.1f}"),
]:
    print(f"| {k} | {v} |")
print()
if server:
    server.terminate()
    server.wait(30)
