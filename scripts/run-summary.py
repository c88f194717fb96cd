#!/usr/bin/env python3
"""Summarises a run folder's metrics.jsonl (what `selfplaybn train` writes): per publication, the self-play and
inference rates since the previous one (games/s, positions/s, network evaluations/s, average batch, the network's busy
share of wall time) beside the trainer's time for that generation, then the run's totals and its last evaluations.
The rates between publications are measured while the trainer trains, so they show whether training starves
inference. Usage: run-summary.py RUN_DIR [--markdown]"""
import json
import sys


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit("usage: run-summary.py RUN_DIR [--markdown]")
    path = args[0].rstrip("/") + "/metrics.jsonl"
    try:
        lines = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    except OSError as e:
        sys.exit(f"run-summary: cannot read {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        sys.exit(f"run-summary: {path} line {e.lineno}: not JSON ({e.msg})")
    pubs = [l for l in lines if l.get("kind") == "publication" and l.get("elapsedSeconds") is not None]
    rows, prev = [], None
    for p in pubs:
        if prev is not None and p.get("games") is not None and prev.get("games") is not None:
            dt = p["elapsedSeconds"] - prev["elapsedSeconds"]
            if dt > 0 and p.get("inferencePositions") is not None and prev.get("inferencePositions") is not None:
                evals = p["inferencePositions"] - prev["inferencePositions"]
                batches = (p.get("inferenceBatches") or 0) - (prev.get("inferenceBatches") or 0)
                busy = (p.get("inferenceBusySeconds") or 0) - (prev.get("inferenceBusySeconds") or 0)
                rows.append((p["generation"], p["elapsedSeconds"], (p["games"] - prev["games"]) / dt,
                             (p["positions"] - prev["positions"]) / dt, evals / dt,
                             evals / batches if batches > 0 else float("nan"), busy / dt, p.get("trainSeconds") or 0))
        prev = p
    md = "--markdown" in sys.argv
    header = ("generation", "at s", "games/s", "positions/s", "evaluations/s", "avg batch", "network busy", "train s")
    if md:
        print("| " + " | ".join(header) + " |")
        print("|" + "---:|" * len(header))
    else:
        print("  ".join(f"{h:>13}" for h in header))
    for g, t, gs, ps, es, b, busy, tr in rows:
        cells = (f"{g}", f"{t:.0f}", f"{gs:.1f}", f"{ps:,.0f}", f"{es:,.0f}", f"{b:.0f}", f"{busy:.0%}", f"{tr:.1f}")
        print(("| " + " | ".join(cells) + " |") if md else "  ".join(f"{c:>13}" for c in cells))
    if pubs:
        last = pubs[-1]
        t = last["elapsedSeconds"]
        if t and last.get("games") is not None:
            print(f"run: {last['generation']} generations in {t:.0f} s; {last['games']} games, {last['positions']} positions "
                  f"({last['games'] / t:.1f} games/s, {last['positions'] / t:,.0f} positions/s); "
                  f"{last.get('inferencePositions') or 0:,} network evaluations, busy {(last.get('inferenceBusySeconds') or 0) / t:.0%}")
    for kind in ("accuracy", "evaluation"):
        latest = {}
        for l in lines:
            if l.get("kind") == kind:
                latest[l.get("player") or l.get("opponent")] = l
        for who, l in latest.items():
            if kind == "accuracy":
                print(f"accuracy, model {l['generation']}, {who}: {l['accuracy']:.1%} ({l['correct']}/{l['positions']})")
            else:
                print(f"evaluation, model {l['generation']} vs {who}: +{l['wins']} ={l['draws']} -{l['losses']}")


if __name__ == "__main__":
    main()
