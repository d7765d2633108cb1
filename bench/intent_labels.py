#!/usr/bin/env python3
"""The key rules' precision and recall against operations and handlers labelled by hand, before the tool was
run on them: RPL301 for handler labels, RPL101 for spec-operation labels (told apart by their fields).

    python bench/intent_labels.py LABELS.json [--root DIR] [--python PY] [--show]

Handler labels (bench/labels/handlers-2026-12.json: six apps, 196 handlers): {"repo", "commit", "dir", "file",
"line", "function", "label", "reason"}. `dir` is one project under --root (fetch `repo` at `commit` there
first); replaylint runs on it as its own root, with no configuration. A finding matches a label of a method it
names ("POST handler ..."; a viewset's POST finding is not its PUT's) in the same file whose function it anchors
(within 60 lines), else one within 2 lines. Findings on no label are listed as unlabelled.

Spec labels (bench/labels/spec-operations-2026-12.json: Adyen Checkout, Lob, PayPal Invoicing, a Square subset,
145 operations): {"spec", "repo", "repo_path", "commit", "method", "path", "label", "reason"}. `spec` is a file
under --root. Only labelled operations count (a spec labelled in part is scored on that part).

Later rounds, labelled blind by other helpers on projects and specs not used before: `*-round2.json` (Django
helpdesk, Lemur, Bitcart, Home Assistant Supervisor; Plaid, Hetzner Cloud, Dropbox Sign), `*-round3.json`
(ihatemoney, joanie, Polar; MyParcel.com, bundled from its `root.json` into one file, and Open Payments),
`handlers-2026-12-round4.json` (flask-shop, byro, unified-ecommerce, freqtrade) and `handlers-2026-12-round5.json`
(django-shop, kitchenowl, microblog.pub; measured once on code written before it was labelled).

`label` is needs_key (a repeat does harm and nothing guards it), ok (no key needed, or one is there) or
debatable, which counts neither way. --root defaults to the folder of LABELS.json; `--python` runs another
installation (the version before a change) for a before/after pair in one sitting.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys


def findings(python: str, cwd: str, target: str, code: str) -> list[dict]:
    out = subprocess.run([python, "-m", "replaylint", "check", "--no-cache", "--select", code, "--output-format",
                          "json", "--exit-zero", target], cwd=cwd, capture_output=True, text=True)
    if out.returncode not in (0, 2) or not out.stdout.strip():  # 2: some inputs not analysed (listed as errors)
        sys.exit(f"{cwd}/{target}: replaylint failed: {out.stderr.strip()[-300:]}")
    return [f for f in json.loads(out.stdout)["findings"] if not f["exempted"]]


def handler_matches(finding: dict, label: dict) -> bool:
    if os.path.normpath(finding["path"]) != os.path.normpath(label["file"]):
        return False
    said = finding["message"].split(" ", 1)[0].split("/")  # "POST/PATCH handler ...": the methods it is about
    if label.get("method") and all(m.isupper() for m in said) and label["method"].upper() not in said:
        return False  # a viewset's finding about its POST is not one about its PUT
    name = label["function"].split(" (")[0]
    anchored = finding["anchor"].endswith("." + name) or finding["anchor"].endswith("." + name.split(".")[0])
    return (anchored and abs(finding["line"] - label["line"]) <= 60) or abs(finding["line"] - label["line"]) <= 2


def score_handlers(project: str, labels: list, python: str, shown: list) -> collections.Counter:
    found = findings(python, project, ".", "RPL301")
    used, count = set(), collections.Counter()
    for label in labels:
        hit = next((i for i, f in enumerate(found) if handler_matches(f, label)), None)
        if hit is not None:
            used.add(hit)
        _count(count, label, hit is not None, f"{label['file']}:{label['line']} {label['function']}", shown)
    unlabelled = [f for i, f in enumerate(found) if i not in used]
    shown += [f"   UNLABELLED {f['path']}:{f['line']} {f['anchor']}" for f in unlabelled]
    count["unlabelled"] = len(unlabelled)
    return count


def score_spec(root: str, spec: str, labels: list, python: str, shown: list) -> collections.Counter:
    found = {f["anchor"] for f in findings(python, root, spec, "RPL101")}
    count = collections.Counter()
    for label in labels:
        anchor = f"{label['method'].upper()} {label['path']}"
        _count(count, label, anchor in found, anchor, shown)
    return count


def _count(count: collections.Counter, label: dict, flagged: bool, where: str, shown: list) -> None:
    kind = label["label"]
    count["tp"] += kind == "needs_key" and flagged
    count["fp"] += kind == "ok" and flagged
    count["fn"] += kind == "needs_key" and not flagged
    if kind != "debatable" and (kind == "ok") == flagged:
        shown.append(f"   {'FP' if flagged else 'FN'} {where} | {label['reason'][:100]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels")
    parser.add_argument("--root", default="", help="where the projects or specs are (default: beside LABELS.json)")
    parser.add_argument("--python", default=sys.executable, help="the Python whose replaylint runs")
    parser.add_argument("--show", action="store_true", help="list false positives, misses and unlabelled findings")
    args = parser.parse_args()
    with open(args.labels, encoding="utf-8") as handle:
        labels = json.load(handle)
    root = args.root or os.path.dirname(os.path.abspath(args.labels))
    groups = collections.defaultdict(list)
    for label in labels:
        groups[label["spec"] if "spec" in label else label["dir"]].append(label)
    total = collections.Counter()
    for name, group in sorted(groups.items()):
        shown: list[str] = []
        count = score_spec(root, name, group, args.python, shown) if "spec" in group[0] else \
            score_handlers(os.path.join(root, name), group, args.python, shown)
        total.update(count)
        print(f"{name:40} " + " ".join(f"{k} {count[k]:3}" for k in ("tp", "fp", "fn", "unlabelled") if k in count))
        if args.show:
            print("\n".join(shown))
    precision = total["tp"] / max(1, total["tp"] + total["fp"])
    recall = total["tp"] / max(1, total["tp"] + total["fn"])
    print(f"{'total':40} " + " ".join(f"{k} {total[k]:3}" for k in ("tp", "fp", "fn")) +
          f"  precision {precision:.2f}  recall {recall:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
