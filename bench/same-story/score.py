#!/usr/bin/env python3
"""Scores `feedwatcher same-story --pairs` against the human judgments of ../shared/dedup/pairs.jsonl.

    python3 bench/same-story/score.py PAIRS.jsonl OUTPUT.jsonl [FIELD ...]

Counts only pairs whose same_story is true or false. Prints, for all pairs and for the headline pairs alone:
precision and recall at FeedWatcher's shipped threshold (its own "same" field), and the best F1 over every
threshold with the threshold that gives it. Each further FIELD (say "meaning" or "terms", printed by
`same-story --parts`) is scored on its own too: best F1 over thresholds.
"""
import json
import sys


def best_f1(rows):
    """rows: (score, truth). Sweeps thresholds at every distinct score; returns (f1, threshold)."""
    rows = sorted(rows, key=lambda r: -r[0])
    positives = sum(1 for _, t in rows if t)
    best, threshold, tp, fp, i = 0.0, None, 0, 0, 0
    while i < len(rows):
        score = rows[i][0]
        while i < len(rows) and rows[i][0] == score:
            tp += rows[i][1]
            fp += not rows[i][1]
            i += 1
        f1 = 2 * tp / (tp + fp + positives) if positives else 0
        if f1 > best:
            best, threshold = f1, score
    return best, threshold


def main(pairs_path, output_path, fields):
    truth = {}
    source = {}
    for line in open(pairs_path, encoding="utf-8"):
        p = json.loads(line)
        if p["same_story"] is not None:
            truth[p["id"]] = p["same_story"]
            source[p["id"]] = p["source"]
    out = {}
    for line in open(output_path, encoding="utf-8"):
        o = json.loads(line)
        out[o["id"]] = o
    missing = [i for i in truth if i not in out]
    if missing:
        sys.exit(f"{len(missing)} judged pairs have no output line, e.g. {missing[0]}")
    print("| pairs | judged | precision at shipped threshold | recall at shipped threshold | F1 at shipped threshold | best F1 | at threshold |")
    print("|---|---|---|---|---|---|---|")
    for name, keep in (("all", lambda i: True), ("headlines", lambda i: source[i].startswith("headlines/"))):
        ids = [i for i in truth if keep(i)]
        tp = sum(1 for i in ids if out[i]["same"] and truth[i])
        fp = sum(1 for i in ids if out[i]["same"] and not truth[i])
        fn = sum(1 for i in ids if not out[i]["same"] and truth[i])
        precision = tp / (tp + fp) if tp + fp else 0
        recall = tp / (tp + fn) if tp + fn else 0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0
        best, threshold = best_f1([(out[i]["score"], truth[i]) for i in ids])
        print(f"| {name} | {len(ids)} | {precision:.3f} | {recall:.3f} | {f1:.3f} | {best:.3f} | {threshold} |")
    for field in fields:
        for name, keep in (("all", lambda i: True), ("headlines", lambda i: source[i].startswith("headlines/"))):
            ids = [i for i in truth if keep(i)]
            best, threshold = best_f1([(out[i][field], truth[i]) for i in ids])
            print(f"{field} alone, {name}: best F1 {best:.3f} at {threshold}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
