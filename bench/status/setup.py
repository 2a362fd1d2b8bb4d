#!/usr/bin/env python3
"""Seeds the status page: eight services (unless there are some), one component per service,
a few incidents (open and resolved) with posts, and a maintenance window.
Usage: setup.py BASE_URL API_KEY"""
import json, sys, urllib.error, urllib.request
from datetime import datetime, timedelta, timezone

base, key = sys.argv[1].rstrip("/"), sys.argv[2]


def call(method, path, body=None, tries=3):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            text = r.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        if tries > 1 and e.code == 409:
            return call(method, path, body, tries - 1)
        raise Exception(f"{method} {path}: {e.code} {e.read().decode()}") from e


services = call("GET", "/services")
if not services:
    for zh, en in [("柜台缴费", "Counter payments"), ("一卡通", "Campus card"), ("快递柜", "Parcel lockers"), ("客服热线", "Hotline"),
                   ("网上银行", "Online banking"), ("自助终端", "Self-service kiosks"), ("移动支付", "Mobile payments"), ("门禁", "Door access")]:
        call("POST", "/services", {"name": en, "description": zh})
    services = call("GET", "/services")
components = []
for i, s in enumerate(services):
    c = call("POST", "/status/components", {"nameZh": s["name"] + "（服务）", "nameEn": s["name"], "order": i,
                                              "group": "线上 / Online" if i % 2 else None,
                                              "descriptionEn": s.get("description"), "serviceIds": [s["id"]]})
    components.append(c)
for i, s in enumerate(services[:4]):
    inc = call("POST", "/incidents", {"title": f"Seeded incident {i}", "serviceId": s["id"], "impact": {"affectedUsers": 50 * (i + 1)}})
    post = call("POST", "/status/posts", {"incidentId": inc["id"], "titleEn": f"Seeded incident {i}", "titleZh": f"示例事件 {i}"})
    call("POST", f"/status/posts/{post['id']}/updates", {"status": "identified"})
    if i % 2 == 0:
        call("POST", f"/incidents/{inc['id']}/resolve", {})
        call("POST", f"/status/posts/{post['id']}/updates", {"status": "resolved"})
now = datetime.now(timezone.utc)
call("POST", "/status/maintenance", {"titleZh": "数据库升级", "titleEn": "Database upgrade",
                                     "startsAt": (now + timedelta(hours=6)).isoformat(), "endsAt": (now + timedelta(hours=8)).isoformat(),
                                     "componentIds": [components[0]["id"]]})
print(json.dumps({"components": len(components), "services": [s["id"] for s in services]}))
