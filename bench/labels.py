#!/usr/bin/env python3
"""Precision and recall per kind against files labelled by hand, before the tool was run on them.

    python bench/labels.py LABELS.json SRC [--strict] [--show]

LABELS.json: {"files": [...], "labels": [{"file", "line", "kind", "why", "debatable"?}]}, paths relative to
SRC, whose first folder level is one project each (`owner__repo/`): replaylint runs on each project as its own
root, with no configuration. A finding matches a label of its kind in the same file within three lines (a call
over several lines). Debatable labels, and findings on them, count neither way unless --strict.

`bench/labels/keys-2026-12.json` is a round of client key labels (kind "key" only: 31 files of 17 payment and SDK
projects, with their `repos` and commits); score its key row, since its handlers are not labelled.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

KINDS = {"RPL201": "key", "RPL202": "key", "RPL203": "key", "RPL204": "key", "RPL205": "key",
         "RPL301": "handler", "RPL304": "status-py", "RPL108": "spec-status", "RPL109": "spec-status",
         "RPL110": "spec-status"}
TOLERANCE = 3


def findings(src: Path, projects: set[str], python: str) -> list[dict]:
    found = []
    for project in sorted(projects):
        out = subprocess.run([python, "-m", "replaylint", "check", ".", "--output-format", "json", "--no-cache",
                              "--exit-zero"], cwd=src / project, capture_output=True, text=True)
        data = json.loads(out.stdout)
        for finding in data["findings"]:
            if finding["code"] in KINDS and not finding["exempted"]:
                found.append({**finding, "file": f"{project}/{Path(finding['path']).as_posix()}"})
    return found


def score(labels: dict, found: list[dict], strict: bool):
    files = set(labels["files"])
    wanted = [label for label in labels["labels"] if label["file"] in files]
    found = [f for f in found if f["file"] in files]
    matched_labels, matched_findings, ignored = set(), set(), set()
    for i, finding in enumerate(found):
        kind = KINDS[finding["code"]]
        for j, label in enumerate(wanted):
            if j in matched_labels or label["kind"] != kind or label["file"] != finding["file"]:
                continue
            if abs(label["line"] - finding["line"]) <= TOLERANCE:
                matched_labels.add(j)
                matched_findings.add(i)
                break
        else:
            continue
    table = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    misses, alarms = [], []
    for j, label in enumerate(wanted):
        if label.get("debatable") and not strict:
            ignored.add(j)
            continue
        if j in matched_labels:
            table[label["kind"]]["tp"] += 1
        else:
            table[label["kind"]]["fn"] += 1
            misses.append(label)
    debatable_hits = {i for i, f in enumerate(found) if i in matched_findings and
                      any(wanted[j].get("debatable") and not strict for j in matched_labels
                          if wanted[j]["file"] == f["file"] and abs(wanted[j]["line"] - f["line"]) <= TOLERANCE)}
    for i, finding in enumerate(found):
        if i not in matched_findings:
            table[KINDS[finding["code"]]]["fp"] += 1
            alarms.append(finding)
    return table, misses, alarms, len(ignored), len(debatable_hits)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels")
    parser.add_argument("src")
    parser.add_argument("--strict", action="store_true", help="count debatable labels as true findings")
    parser.add_argument("--show", action="store_true", help="list misses and false alarms")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    labels = json.loads(Path(args.labels).read_text(encoding="utf-8"))
    src = Path(args.src)
    projects = {f.split("/")[0] for f in labels["files"]}
    found = findings(src, projects, args.python)
    table, misses, alarms, ignored, _ = score(labels, found, args.strict)
    print(f"{len(labels['files'])} files in {len(projects)} projects; {ignored} debatable labels set aside"
          if not args.strict else f"{len(labels['files'])} files in {len(projects)} projects (strict)")
    print("| kind | labels | findings | true | precision | recall |\n|---|---:|---:|---:|---:|---:|")
    for kind in ("key", "handler", "status-py", "spec-status"):
        row = table[kind]
        tp, fp, fn = row["tp"], row["fp"], row["fn"]
        precision = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
        recall = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
        print(f"| {kind} | {tp + fn} | {tp + fp} | {tp} | {precision} | {recall} |")
    if args.show:
        for label in misses:
            print(f"MISS  {label['kind']:11} {label['file']}:{label['line']}  {label['why'][:100]}")
        for finding in alarms:
            print(f"ALARM {finding['code']:11} {finding['file']}:{finding['line']}  {finding['message'][:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
