"""Turns run.sh's rows (TSV) into the markdown table of bench/RESULTS.md, with Muster / Alertmanager ratios."""
import csv
import sys

header, rows_file, duration, connections = sys.argv[1:5]
names = open(header).read().strip().split("\t")
rows = [dict(zip(names, line)) for line in csv.reader(open(rows_file), delimiter="\t") if line]
am = {r["batch"]: float(r["2xx"]) * int(r["batch"]) / float(r["seconds"]) for r in rows if r["server"].startswith("Alertmanager")}
am_rows = {r["batch"]: r for r in rows if r["server"].startswith("Alertmanager")}

print(f"wrk -t2 -c{connections}, {duration} s per row after a warm-up; each server started fresh for each row.\n")
print("| server | API | batch | accepted alerts/s | × Alertmanager | requests/s (2xx) | 429 | other non-2xx | wrk timeouts (> 2 s) | p50 ms | p99 ms | server CPU s (% of wall) | CPU ms / 1,000 alerts | PostgreSQL CPU s | peak RSS MB | load avg before → after | correlated within s | concurrency retries |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
for r in rows:
    batch, seconds, ok = int(r["batch"]), float(r["seconds"]), int(r["2xx"])
    alerts = ok * batch / seconds
    ref = am.get(r["batch"])
    ratio = "" if r["server"].startswith("Alertmanager") or not ref else f"{alerts / ref:.3f}"
    cpu, pg = float(r["cpu_s"]), float(r["pg_cpu_s"])
    print(f"| {r['server']} | `{r['api']}` | {batch} | {alerts:,.0f} | {ratio} | {ok / seconds:,.0f} | {int(r['429']):,} | {int(r['other']):,} | {int(r['sockerr']):,} "
          f"| {float(r['p50_ms']):.2f} | {float(r['p99_ms']):.2f} | {cpu:.1f} ({100 * cpu / seconds:.0f} %) | {1000 * (cpu + pg) / max(ok * batch, 1) * 1000:,.0f} "
          f"| {'' if not r['server'].endswith('PostgreSQL') else f'{pg:.1f}'} | {r['peak_rss_mb']} | {r['load_before']} → {r['load_after']} "
          f"| {r.get('settle_s', '')} | {r.get('retries', '')} |")
