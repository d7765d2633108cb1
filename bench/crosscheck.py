"""The cross-check's cost on a cold run of a project that holds both a spec and its server code: `check
--no-cache` with the cross-check, against the same run with it off (`--ignore RPL4`), runs alternating,
medians of whole processes.

    python bench/crosscheck.py PROJECT [PROJECT ...] [--runs N]

The projects are real repositories fetched for the purpose (none is committed here); target: at most 1.20x.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("projects", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = [sys.executable, "-m", "replaylint", "check", ".", "--no-cache", "--exit-zero", "--output-format", "json"]
    print("| project | cross-check off | cross-check on | ratio |")
    print("|---|---:|---:|---:|")
    for project in map(Path, args.projects):
        if not project.is_dir():
            print(f"{project}: not found", file=sys.stderr)
            return 2
        walls: dict[str, list[float]] = {"off": [], "on": []}
        for repetition in range(args.runs + 1):  # the first round warms the disk cache and is not counted
            for name, extra in (("off", ["--ignore", "RPL4"]), ("on", [])):
                wall = timed([*base, *extra], project)
                if repetition:
                    walls[name].append(wall)
        off, on = statistics.median(walls["off"]), statistics.median(walls["on"])
        print(f"| {project.name} | {off:.2f} s | {on:.2f} s | {on / off:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
