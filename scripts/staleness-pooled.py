#!/usr/bin/env python3
"""Pools the per-generation rows of several `selfplaybn study staleness` results files (one per run, e.g. runs with
different EMA decays) and prints Spearman's rank correlation of the staleness meter with the head-to-head score across
all snapshots: does the meter order snapshots by what staleness costs them?

    scripts/staleness-pooled.py studies/ttt-0.9/studies/staleness/results.jsonl studies/ttt-0.999/studies/staleness/results.jsonl
"""
import json
import sys


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1  # ties share their average rank
        i = j + 1
    return result


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / (sxx * syy) ** 0.5


def main(files):
    rows = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
        rows += [r for r in lines[1:]]  # the first line holds the settings
    score = [(r["wins"] + r["draws"] / 2) / (r["wins"] + r["draws"] + r["losses"]) for r in rows]
    print(f"{len(rows)} snapshots from {len(files)} runs")
    print(f"Spearman, mean gap vs precise score: {spearman([r['meanGap'] for r in rows], score):+.2f}")
    print(f"Spearman, log-variance gap vs precise score: {spearman([r['logVarianceGap'] for r in rows], score):+.2f}")
    fresh = [(r["freshLossEma"] - r["freshLossPrecise"], s) for r, s in zip(rows, score) if r.get("freshLossEma") is not None]
    if len(fresh) >= 3:
        print(f"Spearman, fresh-loss gap vs precise score: {spearman([a for a, _ in fresh], [b for _, b in fresh]):+.2f} (n = {len(fresh)})")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
