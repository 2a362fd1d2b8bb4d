"""Markdown tables of bench/notify. Usage: table.py latency <rows.tsv>"""
import sys

kind, rows = sys.argv[1], sys.argv[2]
if kind == "latency":
    print("| server | new alerts/s (target) | sent/s (real) | alerts | 2xx | notified | missing after 30 s | p50 ms | p90 ms | p99 ms | max ms "
          "| POST p50 ms | POST p99 ms | server CPU s | CPU ms/alert | peak RSS MB | load before / after |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for line in open(rows):
        f = line.rstrip("\n").split("\t")
        if len(f) < 17:
            continue
        label, rate, n, ok, got, missing, p50, p90, p99, mx, post50, post99, real, cpu, rss, lb, la = f[:17]
        per = f"{float(cpu) * 1000 / int(n):.1f}" if int(n) else "-"
        print(f"| {label} | {rate} | {real} | {n} | {ok} | {got} | {missing} | {p50} | {p90} | {p99} | {mx} | {post50} | {post99} | {cpu} | {per} | {rss} | {lb} / {la} |")
