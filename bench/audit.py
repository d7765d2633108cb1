"""The audit's cost over `check` on the same spec, runs alternating, medians of whole processes.

    python bench/audit.py [SPEC] [--runs N]     # default: ../shared/corpus/openapi/github-api.json, 5 runs
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "openapi" / "github-api.json"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("spec", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not Path(args.spec).exists():
        print(f"{args.spec}: not found (the corpus lives in ../shared/corpus)", file=sys.stderr)
        return 2
    base = [sys.executable, "-m", "replaylint"]
    cases = {"check (json)": [*base, "check", args.spec, "--no-cache", "--output-format", "json", "--exit-zero"],
             **{f"audit ({fmt})": [*base, "audit", args.spec, "--no-cache", "--format", fmt, "-o", os.devnull]
                for fmt in ("json", "markdown", "html")}}
    walls: dict[str, list[float]] = {name: [] for name in cases}
    for repetition in range(args.runs + 1):  # the first round warms the disk cache and is not counted
        for name, command in cases.items():
            wall = timed(command)
            if repetition:
                walls[name].append(wall)
    check = statistics.median(walls["check (json)"])
    print(f"{Path(args.spec).name}: medians of {args.runs} alternating runs")
    for name, values in walls.items():
        median = statistics.median(values)
        print(f"  {name:16} {median:6.2f} s  {median / check:4.2f} x check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
