#!/usr/bin/env python3
"""Changes incidents and status posts RATE times a second until killed: declares an incident,
posts it, adds identified and monitoring updates, resolves the incident and posts resolved, over
and over on the seeded services. Every call is a write that makes the status page rebuild.
Usage: churn.py BASE_URL API_KEY RATE"""
import itertools, json, sys, time, urllib.error, urllib.request

base, key, rate = sys.argv[1].rstrip("/"), sys.argv[2], float(sys.argv[3])


def call(method, path, body=None, tries=3):
    """One write; a 409 (paging changed the incident at the same moment) is tried again, as a person would."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        if tries > 1 and e.code == 409:
            return call(method, path, body, tries - 1)
        raise


services = [s["id"] for s in call("GET", "/services")]
done = errors = 0
start = time.monotonic()
for n in itertools.count():
    service = services[n % len(services)]
    try:
        t0 = time.monotonic()
        inc = call("POST", "/incidents", {"title": f"Churn {n}", "serviceId": service, "impact": {"affectedUsers": 100}})
        done += 1; time.sleep(max(0, 1 / rate - (time.monotonic() - t0)))
        post = call("POST", "/status/posts", {"incidentId": inc["id"], "titleEn": f"Churn {n}", "titleZh": f"变动 {n}"})
        done += 1; time.sleep(1 / rate)
        for status in ("identified", "monitoring"):
            call("POST", f"/status/posts/{post['id']}/updates", {"status": status})
            done += 1; time.sleep(1 / rate)
        call("POST", f"/incidents/{inc['id']}/resolve", {})
        done += 1; time.sleep(1 / rate)
        call("POST", f"/status/posts/{post['id']}/updates", {"status": "resolved"})
        done += 1; time.sleep(1 / rate)
    except Exception as e:  # keep going: the point is load, and the count shows failures
        errors += 1
        print(f"churn error: {e}", file=sys.stderr, flush=True)
        time.sleep(1 / rate)
    elapsed = time.monotonic() - start
    print(json.dumps({"writes": done, "errors": errors, "per_second": round(done / elapsed, 2)}), flush=True)
