#!/usr/bin/env python3
"""Sums per-kernel GPU time from `ncu --csv --metrics gpu__time_duration.sum` output, by kernel name.

Used to see where a decode step's time goes (bench/RESULTS.md): profile a window of consecutive kernel
launches of a decode loop, then divide by the number of steps the window covers.
    ncu --clock-control none --metrics gpu__time_duration.sum --csv --launch-skip N --launch-count C \
        basalt-generate ... > ncu.csv
    bench/ncu_breakdown.py ncu.csv [STEPS]
"""
import csv
import collections
import sys


def main():
    path = sys.argv[1]
    steps = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    with open(path, newline="") as f:
        lines = [l for l in f if l.startswith('"')]
    total = collections.Counter()
    count = collections.Counter()
    for row in csv.DictReader(lines):
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        value = float(row["Metric Value"].replace(",", ""))
        unit = row.get("Metric Unit", "nsecond")
        scale = {"nsecond": 1e-3, "usecond": 1.0, "msecond": 1e3}.get(unit, 1e-3)
        name = row["Kernel Name"].split("(")[0][:90]
        total[name] += value * scale
        count[name] += 1
    grand = sum(total.values())
    print(f"{'kernel':90s} {'calls':>6s} {'us total':>10s} {'us/call':>8s} {'share':>6s}")
    for name, us in total.most_common():
        print(f"{name:90s} {count[name]:6d} {us:10.1f} {us / count[name]:8.2f} {us / grand:6.1%}")
    print(f"total {grand:.1f} us over {sum(count.values())} kernels; per step ({steps:g} steps): {grand / steps:.1f} us")


if __name__ == "__main__":
    main()
