"""Alert POST -> first notification at the local webhook receiver, at a steady rate of NEW alerts.
Usage: latency.py <muster|am> <base url> <secrets file or -> <rate/s> <warm-up s> <seconds> <receiver log> <server pid> <label>
Alert k is named nb-<k>. Muster: POST /v2/enqueue (events API) with slot k's routing key, so every
alert opens a new incident on its own service, paging its own person (see setup.py). Alertmanager:
POST /api/v2/alerts with one alert whose alertname is nb-<k> (route group_by [alertname], group_wait 0s).
Open loop: alert k is sent at start + k/rate by one of 8 keep-alive connections, whatever the
answers before it; its send time is taken just before the request is written. Latency = the
receiver's arrival time of the first request naming nb-<k> minus that send time (one clock: the
same machine). The warm-up alerts are sent and delivered like the others, and left out of the figures.
Prints one TSV row."""
import http.client
import json
import os
import queue
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

kind, base, secrets_file, rate, warmup, seconds, receiver_log, pid, label = sys.argv[1:10]
rate, warmup, seconds = float(rate), float(warmup), float(seconds)
WAIT = float(os.environ.get("LATENCY_WAIT", "30"))  # seconds after the last send to wait for the last notification
total = int(rate * (warmup + seconds))
first_measured = int(rate * warmup)
secrets = [s.strip() for s in open(secrets_file)] if secrets_file != "-" else []
if kind == "muster" and len(secrets) < total:
    sys.exit(f"need {total} slots, have {len(secrets)}")
host, port = base.split("//")[1].split(":")
sent_at = [0.0] * total
answer = [None] * total
answer_ms = [0.0] * total
work = queue.Queue()


def body(k):
    token = f"nb-{k:06d}"
    if kind == "muster":
        return "/v2/enqueue", json.dumps({"routing_key": secrets[k], "event_action": "trigger", "dedup_key": token,
                                          "payload": {"summary": f"{token} bench alert", "source": "bench", "severity": "critical"}})
    now = datetime.now(timezone.utc)
    return "/api/v2/alerts", json.dumps([{"labels": {"alertname": token, "job": "bench", "severity": "critical"},
                                          "annotations": {"summary": f"{token} bench alert"},
                                          "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat()}])


def worker():
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    while (k := work.get()) is not None:
        path, data = body(k)
        t = time.time()
        sent_at[k] = t
        try:
            conn.request("POST", path, data.encode(), {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            answer[k] = r.status
        except OSError as e:
            answer[k] = type(e).__name__
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
        answer_ms[k] = (time.time() - t) * 1000


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


def arrivals():
    first = {}
    with open(receiver_log) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3 and parts[2].startswith("nb-"):
                k = int(parts[2][3:])
                t = float(parts[0])
                if k not in first or t < first[k]:
                    first[k] = t
    return first


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1)]


threads = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
for t in threads:
    t.start()
load_before = open("/proc/loadavg").read().split()[:3]
start = time.time() + 0.2
cpu0 = None
for k in range(total):
    due = start + k / rate
    if k == first_measured:
        cpu0 = ticks(pid)
    delay = due - time.time()
    if delay > 0:
        time.sleep(delay)
    work.put(k)
for _ in threads:
    work.put(None)
for t in threads:
    t.join()
last_send = time.time()
measured = range(first_measured, total)
while True:
    got = arrivals()
    if all(k in got for k in measured) or time.time() - last_send > WAIT:
        break
    time.sleep(0.5)
cpu_s = (ticks(pid) - (cpu0 or 0)) / 100
send_span = max(sent_at[k] for k in measured) - min(sent_at[k] for k in measured)
lat = [(got[k] - sent_at[k]) * 1000 for k in measured if k in got]
accepted = sum(1 for k in measured if isinstance(answer[k], int) and 200 <= answer[k] < 300)
post_ms = [answer_ms[k] for k in measured]
load_after = open("/proc/loadavg").read().split()[:3]
print("\t".join(str(x) for x in [
    label, f"{rate:g}", len(measured), accepted, len(lat), len(measured) - len(lat),
    f"{pct(lat, 50):.0f}", f"{pct(lat, 90):.0f}", f"{pct(lat, 99):.0f}", f"{max(lat) if lat else float('nan'):.0f}",
    f"{pct(post_ms, 50):.1f}", f"{pct(post_ms, 99):.1f}",
    f"{len(measured) / send_span:.1f}" if send_span > 0 else "-",
    f"{cpu_s:.1f}", hwm(pid), " ".join(load_before), " ".join(load_after)]), flush=True)
