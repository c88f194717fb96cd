#!/usr/bin/env python3
"""Move accuracy against wall-clock minutes for one or more Connect Four runs, as a CSV table and an SVG plot.

usage: scripts/accuracy-curve.py [--minutes 5,10,15] [--simulations 200] [--positions 500] [--in-run] [--from-csv FILE ...] OUT [LABEL=RUN_DIR ...]

For each run and each minute mark, the model the run had published by then (its metrics.jsonl gives each publication's
elapsed seconds) is measured with `selfplaybn evaluate --games 0`: move accuracy of the raw network and of the network
with search on the solver-labelled positions. Writes OUT.csv and OUT.svg (solid: with search, dashed: raw network).
The executable is $SELFPLAYBN (default: `dotnet run --project src/Trainer -c Release --`). With --in-run nothing is run:
the points are the run's own evaluations (the `accuracy` records of metrics.jsonl: raw network and search with
`evaluation.simulations`), each at the minute its model was published. --from-csv adds the series of an earlier OUT.csv
(a run whose folder is gone), so that old and new runs share one plot.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def publications(run_dir):
    """(version, elapsed seconds) of every publication, in order."""
    path = os.path.join(run_dir, "metrics.jsonl")
    if not os.path.exists(path):
        sys.exit(f"error: {run_dir}: no metrics.jsonl (not a run folder?)")
    result = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"error: {path}:{number}: {e}")
            if record.get("kind") == "publication":
                result.append((int(record["generation"]), float(record["elapsedSeconds"])))
    return result


def in_run(run_dir):
    """(minutes, version, raw, search) of every version the run's own evaluator measured, from metrics.jsonl."""
    published = dict(publications(run_dir))
    found = {}
    with open(os.path.join(run_dir, "metrics.jsonl"), encoding="utf-8") as f:
        for line in f:
            if '"accuracy"' not in line:
                continue
            record = json.loads(line)
            if record.get("kind") != "accuracy":
                continue
            player = record["player"]
            if player == "network" or player.startswith("search-"):
                found.setdefault(int(record["generation"]), {})["raw" if player == "network" else "search"] = round(100 * float(record["accuracy"]), 1)
    return [(published[v] / 60, v, a["raw"], a["search"]) for v, a in sorted(found.items())
            if v in published and "raw" in a and "search" in a]


def from_csv(path):
    """[(label, [(minutes, version, raw, search), ...]), ...] of a CSV this script wrote, in order of first appearance."""
    series = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError as e:
        sys.exit(f"error: {path}: {e.strerror}")
    if not lines or lines[0] != "label,minutes,version,raw,search":
        sys.exit(f"error: {path}: not a CSV of this script (header label,minutes,version,raw,search)")
    for number, line in enumerate(lines[1:], 2):
        fields = line.rsplit(",", 4)
        try:
            series.setdefault(fields[0], []).append((float(fields[1]), int(fields[2]), float(fields[3]), float(fields[4])))
        except (ValueError, IndexError):
            sys.exit(f"error: {path}:{number}: not label,minutes,version,raw,search")
    return list(series.items())


def measure(exe, run_dir, version, simulations, positions):
    command = exe + ["evaluate", run_dir, "--version", str(version), "--games", "0",
                     "--simulations", str(simulations), "--accuracy-positions", str(positions)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"error: {' '.join(command)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    found = re.findall(r"move accuracy, (raw network|network \+ \d+ simulations)[^|]*\| ([0-9.]+) %", done.stdout)
    if len(found) != 2:
        sys.exit(f"error: no move accuracy in the output of {' '.join(command)}:\n{done.stdout}")
    return float(found[0][1]), float(found[1][1])


def svg(series, minutes_max, title):
    width, height, left, right, top, bottom = 640, 400, 56, 150, 36, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    lo = min([v for s in series for p in s[1] for v in (p[2], p[3])] + [40.0])
    lo = max(0.0, 10 * int(lo // 10))
    hi = 100.0

    def x(m):
        return left + plot_w * m / minutes_max

    def y(v):
        return top + plot_h * (hi - v) / (hi - lo)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14">{title}</text>']
    for v in range(int(lo), 101, 10):
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v} %</text>')
    step = 5 if minutes_max <= 30 else 10
    for m in range(0, int(minutes_max) + 1, step):
        out.append(f'<text x="{x(m):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{m}</text>')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">minutes of training (2-core CPU)</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="black"/>')
    for i, (label, points) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        for column, dash in ((3, ""), (2, ' stroke-dasharray="5,4"')):
            path = " ".join(f"{x(p[0]):.1f},{y(p[column]):.1f}" for p in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            for p in points:
                out.append(f'<circle cx="{x(p[0]):.1f}" cy="{y(p[column]):.1f}" r="2.5" fill="{colour}"/>')
        ly = top + 16 + 34 * i
        out.append(f'<line x1="{left + plot_w + 10}" y1="{ly}" x2="{left + plot_w + 34}" y2="{ly}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{left + plot_w + 38}" y="{ly + 4}">{label}, search</text>')
        out.append(f'<line x1="{left + plot_w + 10}" y1="{ly + 15}" x2="{left + plot_w + 34}" y2="{ly + 15}" stroke="{colour}" stroke-width="2" stroke-dasharray="5,4"/>')
        out.append(f'<text x="{left + plot_w + 38}" y="{ly + 19}">{label}, raw</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", default="5,10,15", help="minute marks, comma-separated")
    parser.add_argument("--simulations", type=int, default=200)
    parser.add_argument("--positions", type=int, default=500)
    parser.add_argument("--in-run", action="store_true", help="plot the runs' own evaluations instead of measuring")
    parser.add_argument("--from-csv", action="append", default=[], metavar="FILE", help="add the series of an earlier OUT.csv")
    parser.add_argument("out", help="output prefix: OUT.csv and OUT.svg")
    parser.add_argument("runs", nargs="*", help="LABEL=RUN_DIR")
    args = parser.parse_args()
    try:
        marks = [float(m) for m in args.minutes.split(",")]
    except ValueError:
        sys.exit(f"error: --minutes must be numbers separated by commas, got {args.minutes!r}")
    exe = shlex.split(os.environ.get("SELFPLAYBN", "dotnet run --project src/Trainer -c Release --"))
    series = []
    rows = ["label,minutes,version,raw,search"]
    for path in args.from_csv:
        for label, points in from_csv(path):
            rows.extend(f"{label},{m:g},{v},{raw},{searched}" for m, v, raw, searched in points)
            series.append((label, points))
    if not series and not args.runs:
        sys.exit("error: nothing to plot: give LABEL=RUN_DIR or --from-csv FILE")
    for item in args.runs:
        if "=" not in item:
            sys.exit(f"error: {item!r} is not LABEL=RUN_DIR")
        label, run_dir = item.split("=", 1)
        points = []
        if args.in_run:
            points = in_run(run_dir)
            rows.extend(f"{label},{m:.2f},{v},{raw},{searched}" for m, v, raw, searched in points)
            series.append((label, points))
            continue
        pubs = publications(run_dir)
        for mark in marks:
            before = [v for v, s in pubs if s <= mark * 60 + 1e-9]
            if not before:
                continue
            version = before[-1]
            raw, searched = measure(exe, run_dir, version, args.simulations, args.positions)
            points.append((mark, version, raw, searched))
            rows.append(f"{label},{mark:g},{version},{raw},{searched}")
            print(f"{label}: {mark:g} min, model {version}: raw {raw} %, search {searched} %", flush=True)
        series.append((label, points))
    with open(args.out + ".csv", "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    with open(args.out + ".svg", "w", encoding="utf-8") as f:
        longest = max([p[0] for _, points in series for p in points] + marks)
        f.write(svg(series, longest, f"Connect Four: optimal moves on {args.positions} solver-labelled positions"))


if __name__ == "__main__":
    main()
