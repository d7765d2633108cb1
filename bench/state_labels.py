#!/usr/bin/env python3
"""Precision and recall of the state rules (RPL108–RPL110 on specs, RPL304 on Python) against status enums
labelled by hand before the tool was run on them.

    python bench/state_labels.py LABELS.json ROOT [--python PY] [--strict] [--show]

LABELS.json: {"labels": [{"file", "line", "rule", "debatable"?, "why"}]}; `file` is relative to ROOT/specs
or ROOT/python and starts with one folder per repository (`owner__repo/`), which is the project root of its
run. `rule` is missing-terminal (RPL109, RPL304), missing-progress (RPL110), no-monitor (RPL108) or none
(judged fine). A finding matches the label of its rule in the same file within TOLERANCE lines (a spec status
finding, at its property, also the `enum:` up to PROPERTY_LINES below; a 202 finding, also the label of its
operation anywhere in the repository's spec files); one that lands on a label of another rule, or on a `none`
label, is false; one near no label is unlabelled (listed with --show, counted neither way). Debatable labels
count neither way unless --strict.

Rounds in bench/labels: `states-2026-12.json`, `-round2.json` and `-round3.json` (Together, Onfido, ShipEngine,
Lago, Paystack, DigitalOcean; Saleor, NetBox, django-payments, Replicate, Runway, Mistral, ElevenLabs).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

RULES = {"RPL109": "missing-terminal", "RPL304": "missing-terminal", "RPL110": "missing-progress",
         "RPL108": "no-monitor"}
TOLERANCE = 3
PROPERTY_LINES = 15


def run(kind: str, project: Path, files: list[str], python: str) -> list[dict]:
    """The state findings of one repository's labelled files (specs one by one, Python as one project)."""
    codes = "RPL304" if kind == "python" else "RPL108,RPL109,RPL110"
    targets = ["."] if kind == "python" else files
    out = subprocess.run([python, "-m", "replaylint", "check", *targets, "--select", codes, "--output-format",
                          "json", "--no-cache", "--exit-zero", "--config", "/dev/null"], cwd=project,
                         capture_output=True, text=True)
    if not out.stdout.strip():
        sys.exit(f"{project}: {out.stderr.strip()}")
    found = json.loads(out.stdout)["findings"]
    return [{**f, "file": f"{project.name}/{f['path']}"} for f in found if not f["exempted"]]


def _near(finding: dict, label: dict) -> bool:
    """Within TOLERANCE lines; a spec's status finding points at the property, its label at the `enum:`
    keyword a few lines into it (after `type`, `description`, `example`)."""
    gap = label["line"] - finding["line"]
    return abs(gap) <= TOLERANCE or (finding["code"] in ("RPL109", "RPL110") and 0 <= gap <= PROPERTY_LINES)


def _same_operation(finding: dict, label: dict) -> bool:
    """A 202 finding and a label of the same operation in the same repository, wherever each points (a
    multi-file spec labelled at its path item, reported at the operation file that the item `$ref`s)."""
    return finding["code"] == "RPL108" and label["rule"] in ("no-monitor", "none") and \
        finding["file"].split("/")[0] == label["file"].split("/")[0] and \
        label.get("operation") == f"{finding.get('method')} {finding.get('route')}"


def score(labels: list[dict], found: list[dict], strict: bool):
    by_file = defaultdict(list)
    for label in labels:
        by_file[label["file"]].append(label)
    tallies = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "unlabelled": 0})
    matched, shown = set(), defaultdict(list)
    for finding in found:
        rule = RULES[finding["code"]]
        near = [label for label in by_file[finding["file"]] if _near(finding, label)] or \
            [label for label in labels if _same_operation(finding, label)]
        same = [label for label in near if label["rule"] == rule]
        if same:
            label = min(same, key=lambda l: abs(l["line"] - finding["line"]))
            matched.add(id(label))
            if label.get("debatable") and not strict:
                continue
            tallies[finding["code"]]["tp"] += 1
        elif near:
            label = min(near, key=lambda l: abs(l["line"] - finding["line"]))
            if label.get("debatable") and not strict:
                continue
            tallies[finding["code"]]["fp"] += 1
            shown["fp"].append((finding, label))
        else:
            tallies[finding["code"]]["unlabelled"] += 1
            shown["unlabelled"].append((finding, None))
    for label in labels:
        if label["rule"] != "none" and id(label) not in matched and (strict or not label.get("debatable")):
            code = {"missing-progress": "RPL110", "no-monitor": "RPL108"}.get(label["rule"]) or \
                ("RPL304" if label["kind"] == "python" else "RPL109")
            tallies[code]["fn"] += 1
            shown["fn"].append((None, label))
    return tallies, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels")
    parser.add_argument("root", type=Path)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    labels = json.loads(Path(args.labels).read_text())["labels"]
    found = []
    for kind in ("specs", "python"):
        mine = [label for label in labels if (args.root / kind / label["file"]).is_file()]
        for label in mine:
            label["kind"] = "python" if kind == "python" else "spec"
        projects = defaultdict(set)
        for label in mine:
            repo, _, rest = label["file"].partition("/")
            projects[repo].add(rest)
        for repo, files in sorted(projects.items()):
            found += run("python" if kind == "python" else "spec", args.root / kind / repo, sorted(files), args.python)
    tallies, shown = score(labels, found, args.strict)
    for code in sorted(tallies):
        t = tallies[code]
        precision = t["tp"] / (t["tp"] + t["fp"]) if t["tp"] + t["fp"] else float("nan")
        recall = t["tp"] / (t["tp"] + t["fn"]) if t["tp"] + t["fn"] else float("nan")
        print(f"{code}: precision {precision:.2f} recall {recall:.2f}  (tp {t['tp']}, fp {t['fp']}, fn {t['fn']}, "
              f"unlabelled {t['unlabelled']})")
    if args.show:
        for kind, items in shown.items():
            for finding, label in items:
                where = finding or label
                print(f"{kind}: {where.get('file')}:{where.get('line')} {finding['code'] if finding else label['rule']}"
                      f" | {(finding or {}).get('message', '')[:150]} | label: {(label or {}).get('rule', '-')} "
                      f"{(label or {}).get('why', '')[:150]}")


if __name__ == "__main__":
    main()
