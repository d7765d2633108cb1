#!/usr/bin/env python3
"""RPL301's precision and recall against route handlers labelled by hand, before the tool was run on them.

    python bench/handler_labels.py LABELS.json [--root DIR] [--python PY] [--show]

LABELS.json: a list of {"repo", "commit", "dir", "file", "line", "function", "label", "reason"}: `dir` is one
project, relative to --root (replaylint runs on it as its own root, with no configuration); fetch `repo` at
`commit` there first (bench/labels/handlers-2026-12.json: six apps, 196 handlers); `file` relative to it, `line` the handler's `def` or
decorator, `function` `Class.method` or `func` (a trailing " (...)" note is ignored), `label` one of needs_key
(a repeat does harm and nothing guards it), ok (no key needed, or one is there) and debatable. A finding
matches the label in the same file whose function it anchors (within 60 lines), else one within 2 lines.
Debatable labels count neither way; findings on no label are listed as unlabelled. `--python` runs another
installation (the version before a change) for a before/after pair in one sitting.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys


def findings(project: str, python: str) -> list[dict]:
    out = subprocess.run([python, "-m", "replaylint", "check", "--no-cache", "--select", "RPL301", "--output-format",
                          "json", "--exit-zero", "."], cwd=project, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{project}: replaylint failed: {out.stderr.strip()[-300:]}")
    return [f for f in json.loads(out.stdout)["findings"] if not f["exempted"]]


def matches(finding: dict, label: dict) -> bool:
    if os.path.normpath(finding["path"]) != os.path.normpath(label["file"]):
        return False
    name = label["function"].split(" (")[0]
    anchored = finding["anchor"].endswith("." + name) or finding["anchor"].endswith("." + name.split(".")[0])
    return (anchored and abs(finding["line"] - label["line"]) <= 60) or abs(finding["line"] - label["line"]) <= 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels")
    parser.add_argument("--root", default="", help="where the projects are (default: beside LABELS.json)")
    parser.add_argument("--python", default=sys.executable, help="the Python whose replaylint runs")
    parser.add_argument("--show", action="store_true", help="list false positives, misses and unlabelled findings")
    args = parser.parse_args()
    with open(args.labels, encoding="utf-8") as handle:
        labels = json.load(handle)
    root = args.root or os.path.dirname(os.path.abspath(args.labels))
    projects = collections.defaultdict(list)
    for label in labels:
        projects[os.path.join(root, label["dir"])].append(label)
    total = collections.Counter()
    for project, project_labels in sorted(projects.items()):
        found = findings(project, args.python)
        used, count, shown = set(), collections.Counter(), []
        for label in project_labels:
            hit = next((i for i, f in enumerate(found) if matches(f, label)), None)
            if hit is not None:
                used.add(hit)
            count[(label["label"], hit is not None)] += 1
            if (label["label"] == "ok") == (hit is not None) and label["label"] != "debatable":
                kind = "FP" if hit is not None else "FN"
                shown.append(f"   {kind} {label['file']}:{label['line']} {label['function']} | {label['reason'][:100]}")
        unlabelled = [f for i, f in enumerate(found) if i not in used]
        shown += [f"   UNLABELLED {f['path']}:{f['line']} {f['anchor']}" for f in unlabelled]
        row = {"tp": count[("needs_key", True)], "fp": count[("ok", True)], "fn": count[("needs_key", False)],
               "unlabelled": len(unlabelled)}
        total.update(row)
        print(f"{os.path.basename(project.rstrip('/')):40} " + " ".join(f"{k} {v:3}" for k, v in row.items()))
        if args.show:
            print("\n".join(shown))
    precision = total["tp"] / max(1, total["tp"] + total["fp"])
    recall = total["tp"] / max(1, total["tp"] + total["fn"])
    print(f"{'total':40} " + " ".join(f"{k} {total[k]:3}" for k in ("tp", "fp", "fn", "unlabelled")) +
          f"  precision {precision:.2f}  recall {recall:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
