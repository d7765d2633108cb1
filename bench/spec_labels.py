#!/usr/bin/env python3
"""RPL101's precision and recall against spec operations labelled by hand, before the tool was run on them.

    python bench/spec_labels.py LABELS.json [--root DIR] [--python PY] [--show]

LABELS.json: a list of {"spec", "repo", "repo_path", "commit", "method", "path", "label", "reason"}: `spec` is a
file name under --root (fetch `repo_path` of `repo` at `commit` there first; bench/labels/
spec-operations-2026-12.json: Adyen Checkout, Lob, PayPal Invoicing, a Square subset, 145 operations), `label`
one of needs_key, ok, debatable. Only labelled operations count (a spec labelled in part is scored on that
part); debatable ones count neither way.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels")
    parser.add_argument("--root", default="", help="where the specs are (default: beside LABELS.json)")
    parser.add_argument("--python", default=sys.executable, help="the Python whose replaylint runs")
    parser.add_argument("--show", action="store_true", help="list false positives and misses")
    args = parser.parse_args()
    with open(args.labels, encoding="utf-8") as handle:
        labels = json.load(handle)
    root = args.root or os.path.dirname(os.path.abspath(args.labels))
    by_spec = collections.defaultdict(list)
    for label in labels:
        by_spec[label["spec"]].append(label)
    total = collections.Counter()
    for spec, spec_labels in sorted(by_spec.items()):
        out = subprocess.run([args.python, "-m", "replaylint", "check", "--no-cache", "--select", "RPL101",
                              "--output-format", "json", "--exit-zero", spec], cwd=root, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{spec}: replaylint failed: {out.stderr.strip()[-300:]}")
        found = {f["anchor"] for f in json.loads(out.stdout)["findings"] if not f["exempted"]}
        count = collections.Counter()
        for label in spec_labels:
            anchor = f"{label['method'].upper()} {label['path']}"
            count[(label["label"], anchor in found)] += 1
            if args.show and label["label"] != "debatable" and (label["label"] == "ok") == (anchor in found):
                print(f"   {'FP' if anchor in found else 'FN'} {anchor} | {label['reason'][:100]}")
        row = {"tp": count[("needs_key", True)], "fp": count[("ok", True)], "fn": count[("needs_key", False)]}
        total.update(row)
        print(f"{spec:32} " + " ".join(f"{k} {v:3}" for k, v in row.items()))
    precision = total["tp"] / max(1, total["tp"] + total["fp"])
    recall = total["tp"] / max(1, total["tp"] + total["fn"])
    print(f"{'total':32} " + " ".join(f"{k} {total[k]:3}" for k in ("tp", "fp", "fn")) +
          f"  precision {precision:.2f}  recall {recall:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
