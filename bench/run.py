#!/usr/bin/env python3
"""Benchmark replaylint against its peers on the same inputs, alternating runs, and write bench/RESULTS.md.

    python bench/run.py                 # everything: peers, corpus specs, Python trees, warm, pre-commit, scale
    python bench/run.py --runs 3        # fewer repetitions
    python bench/run.py --smoke         # replaylint only, on the bundled fixtures, one run (used by the tests)

Peers (Spectral, Redocly, Semgrep) are installed by ../shared/bench/install-peers.sh into $PEERS (default
~/.cache/replaylint-bench/peers); inputs come from ../shared/corpus (specs) and the Python trees of
../shared/corpus/get-python-trees.sh. Every run is a whole process timed from outside with GNU time: wall
seconds and peak RSS. Medians over --runs runs after one warm-up; replaylint and the peers alternate inside
each repetition so that machine noise hits them alike.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
BENCH = SHARED / "bench"
CORPUS = SHARED / "corpus"
SPECS = {
    "github": CORPUS / "openapi" / "github-api.json",
    "stripe": CORPUS / "openapi" / "stripe-spec3.yaml",
    "kubernetes": CORPUS / "openapi" / "kubernetes-swagger.json",
    "twilio": CORPUS / "openapi" / "twilio-api-v2010.yaml",
}
TIME = "/usr/bin/time"


def timed(command: list[str], cwd: Path | None = None, env=None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one whole process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as record:
        if Path(TIME).exists():
            full = [TIME, "-f", "%e %M", "-o", record.name, *command]
        else:  # no GNU time: wall clock only
            full = command
        started = time.perf_counter()
        process = subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        peak = float("nan")
        if full[0] == TIME:
            fields = record.read().split()
            if len(fields) >= 2:
                wall, peak = float(fields[-2]), float(fields[-1]) / 1024
    return wall, peak, process.stdout


class Case:
    def __init__(self, tool: str, input_name: str, command: list[str], count, cwd: Path | None = None,
                 before=None, env=None):
        self.tool, self.input, self.command, self.count, self.cwd, self.before = \
            tool, input_name, command, count, cwd, before
        self.env = env
        self.walls: list[float] = []
        self.peaks: list[float] = []
        self.findings = "-"

    def run_once(self, record: bool) -> None:
        if self.before:
            self.before()
        wall, peak, out = timed(self.command, self.cwd, self.env)
        if record:
            self.walls.append(wall)
            self.peaks.append(peak)
            try:
                self.findings = self.count(out)
            except Exception as exc:  # a peer's report we cannot read: say so in the table
                self.findings = f"n/a ({type(exc).__name__})"

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")

    @property
    def peak(self) -> float:
        return statistics.median(self.peaks) if self.peaks else float("nan")


def replaylint(*args: str) -> list[str]:
    return [sys.executable, "-m", "replaylint", "check", *args]


def count_replaylint(out: str) -> int:
    return sum(1 for f in json.loads(out)["findings"] if not f["exempted"])


def count_spectral(report: Path):
    return lambda out: len(json.loads(report.read_text()))


def count_redocly(out: str):
    totals = json.loads(out)["totals"]
    return totals["errors"] + totals["warnings"]


def count_semgrep(report: Path):
    return lambda out: len(json.loads(report.read_text())["results"])


def drop_cache(folder: Path):
    return lambda: shutil.rmtree(folder / ".replaylint_cache", ignore_errors=True)


def peer_cases(peers: Path, out: Path, python_trees: dict[str, Path], spec_names) -> dict:
    spectral = peers / "node_modules" / ".bin" / "spectral"
    redocly = peers / "node_modules" / ".bin" / "redocly"
    semgrep = peers / "venv" / "bin" / "semgrep"
    peer_python = peers / "venv" / "bin" / "python"
    cases: dict[str, list[Case]] = {}
    for name in spec_names:
        spec = SPECS[name]
        report = out / f"spectral.{name}.json"
        group = cases.setdefault(name, [])
        if spectral.exists():
            group.append(Case("spectral (our rule)", name, [str(spectral), "lint", "-r", str(BENCH / "replay.spectral.yaml"),
                                                            "-f", "json", "-o", str(report), str(spec)],
                              count_spectral(report)))
        if redocly.exists():
            group.append(Case("redocly (our rule)", name, [str(redocly), "lint", "--config", str(BENCH / "redocly.yaml"),
                                                           "--format", "json", str(spec)], count_redocly))
        floor = "json" if spec.suffix == ".json" else "yaml-c"
        if peer_python.exists():
            group.append(Case(f"floor: {'json.load' if floor == 'json' else 'PyYAML C loader'}", name,
                              [str(peer_python), str(BENCH / "parse-bounds.py"), floor, str(spec)], lambda o: "-"))
    for name, tree in python_trees.items():
        report = out / f"semgrep.{name}.json"
        group = cases.setdefault(name, [])
        if semgrep.exists():
            group.append(Case("semgrep (taint rule)", name, [str(semgrep), "scan", "--metrics=off", "--disable-version-check",
                                                             "--config", str(BENCH / "replay.semgrep.yaml"), "--json",
                                                             "-o", str(report), "--project-root", str(tree), str(tree)],
                              count_semgrep(report), env={**os.environ, "SEMGREP_SEND_METRICS": "off"}))
        if peer_python.exists():
            group.append(Case("floor: ast.parse", name, [str(peer_python), str(BENCH / "parse-bounds.py"), "ast",
                                                         str(tree)], lambda o: "-"))
    return cases


def make_tree(source: Path, target: Path, files: int) -> Path:
    """A tree of `files` Python files made by copying `source`'s files round-robin under new names."""
    if target.exists():
        return target
    originals = sorted(source.rglob("*.py"))
    for index in range(files):
        original = originals[index % len(originals)]
        destination = target / f"copy{index // len(originals)}" / original.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(original, destination)
    return target


def make_spec(source: Path, target: Path, factor: int) -> Path:
    """The spec with its paths duplicated `factor` times (as JSON, so every copy is one more set of ops)."""
    if target.exists():
        return target
    text = source.read_text(encoding="utf-8")
    data = json.loads(text) if source.suffix == ".json" else __import__("yaml").load(text, Loader=getattr(
        __import__("yaml"), "CSafeLoader", None) or __import__("yaml").SafeLoader)
    paths = data["paths"]
    data["paths"] = {f"/copy{i}{path}" if i else path: item for i in range(factor) for path, item in paths.items()}
    target.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    return target


def targets(groups: dict[str, list[Case]]) -> list[str]:
    """The issue's targets, checked against this run's medians."""
    def wall(group: str, prefix: str) -> float | None:
        case = next((c for c in groups.get(group, []) if c.tool.startswith(prefix)), None)
        return case.wall if case and case.walls else None

    checks = [
        ("github: replaylint <= 0.1 x Spectral", "github", "replaylint", "spectral", 0.1),
        ("github: replaylint < Redocly", "github", "replaylint", "redocly", 1.0),
        ("github: replaylint <= 2.5 x json.load floor", "github", "replaylint", "floor", 2.5),
        ("github: audit <= 1.5 x check", "github", "replaylint audit", "replaylint", 1.5),
        ("stripe: replaylint < Redocly", "stripe", "replaylint", "redocly", 1.0),
        ("stripe: replaylint <= 0.3 x Spectral", "stripe", "replaylint", "spectral", 0.3),
        ("django cold: replaylint <= Semgrep", "django", "replaylint, cold", "semgrep", 1.0),
        ("sdks cold: replaylint <= Semgrep", "sdks", "replaylint, cold", "semgrep", 1.0),
        ("django warm <= 0.1 x cold", "django", "replaylint, warm", "replaylint, cold", 0.1),
        ("sdks warm <= 0.1 x cold", "sdks", "replaylint, warm", "replaylint, cold", 0.1),
    ]
    rows = ["## Targets", "", "| target | measured ratio | met |", "|---|---:|:---:|"]
    for label, group, ours, theirs, limit in checks:
        a, b = wall(group, ours), wall(group, theirs)
        if a is None or b is None or b == 0:
            continue
        ratio = a / b
        rows.append(f"| {label} | {ratio:.2f} | {'yes' if ratio <= limit else 'no'} |")
    for group in ("django", "sdks"):
        one = wall(group, "replaylint, one file")
        if one is not None:
            rows.append(f"| {group}: one changed file (pre-commit) <= 0.3 s | {one:.2f} s | {'yes' if one <= 0.3 else 'no'} |")
    github = groups.get("github", [])
    ours = next((c for c in github if c.tool == "replaylint"), None)
    redocly = next((c for c in github if c.tool.startswith("redocly")), None)
    if ours and redocly and ours.peaks and redocly.peaks:
        rows.append(f"| github: peak memory <= Redocly's | {ours.peak:.0f} / {redocly.peak:.0f} MiB | "
                    f"{'yes' if ours.peak <= redocly.peak else 'no'} |")
    return rows + [""] if len(rows) > 4 else []


def _input_size(label: str) -> int | None:
    """`replaylint, Stripe paths x4 (15 MB)` -> 4; `replaylint, 4000 files, cold` -> 4000."""
    match = re.search(r"\bx(\d+)\b|\b(\d+) files\b", label)
    return int(match.group(1) or match.group(2)) if match else None


def scale_summary(groups: dict[str, list[Case]]) -> list[str]:
    """How time and memory grow with input size, from this run's scale cases: the growth exponent between the
    smallest and the largest input (1 is linear, 2 quadratic) and the marginal time per added unit."""
    rows = []
    for name, cases in groups.items():
        if not name.startswith("scale"):
            continue
        sized = sorted(((size, case) for case in cases if case.walls and (size := _input_size(case.tool))),
                       key=lambda pair: pair[0])
        if len(sized) < 2:
            continue
        (small, first), (large, last) = sized[0], sized[-1]
        time_exponent = math.log(last.wall / first.wall) / math.log(large / small)
        memory_exponent = math.log(last.peak / first.peak) / math.log(large / small) if first.peak else float("nan")
        steps = [(b.wall - a.wall) / (size_b - size_a) for (size_a, a), (size_b, b) in zip(sized, sized[1:])]
        unit = "copy of the paths" if name.endswith("spec") else "file"
        rows.append(f"- **{name}**: {large // small}x the input takes {last.wall / first.wall:.1f}x the time "
                    f"(growth exponent {time_exponent:.2f}; 1 is linear, 2 quadratic) and {last.peak / first.peak:.1f}x "
                    f"the peak memory (exponent {memory_exponent:.2f}). Marginal time per added {unit}: "
                    + ", ".join(f"{1000 * step:.2f} ms" for step in steps)
                    + (" (flat or falling: no step grows faster than its input)." if all(
                        later <= earlier * 1.25 for earlier, later in zip(steps, steps[1:])) else
                       " (rising: look for a step that is worse than linear)."))
    return ["## Scale", "", *rows, ""] if rows else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peers", type=Path, default=Path(os.environ.get("PEERS", Path.home() / ".cache" /
                                                                          "replaylint-bench" / "peers")))
    parser.add_argument("--pytrees", type=Path, default=Path(os.environ.get("PYTREES", Path.home() / ".cache" /
                                                                            "replaylint-corpus" / "python")))
    parser.add_argument("--no-install", action="store_true", help="do not install missing peers")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="replaylint only, bundled fixtures, one run")
    parser.add_argument("-o", "--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    env_note = f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}"
    work = Path(tempfile.mkdtemp(prefix="replaylint-bench-"))
    groups: dict[str, list[Case]] = {}

    if args.smoke:
        runs, warmup = 1, 0
        demo = ROOT / "fixtures" / "demo"
        groups["demo"] = [Case("replaylint", "demo", replaylint(str(demo), "--no-cache", "--output-format", "json",
                                                                "--exit-zero"), count_replaylint)]
    else:
        runs, warmup = args.runs, 1
        if not args.no_install and not (args.peers / "node_modules").exists():
            subprocess.run(["bash", str(BENCH / "install-peers.sh")], env={**os.environ, "PEERS": str(args.peers)},
                           check=False)
        trees = {}
        if (args.pytrees / "django").exists():
            trees["django"] = args.pytrees / "django"
        if (args.pytrees / "stripe").exists() and (args.pytrees / "openai").exists():
            sdks = work / "sdks"
            shutil.copytree(args.pytrees / "stripe", sdks / "stripe")
            shutil.copytree(args.pytrees / "openai", sdks / "openai")
            trees["sdks"] = sdks
        spec_names = [name for name, path in SPECS.items() if path.exists()]
        groups = peer_cases(args.peers, work, trees, spec_names)
        for name in spec_names:
            # cwd is a scratch folder: run from the checkout, `python -m` would import the source tree instead of
            # the installed package (and, under PYTHONDONTWRITEBYTECODE, recompile it on every run)
            groups[name].insert(0, Case("replaylint", name, replaylint(str(SPECS[name]), "--no-cache",
                                                                       "--output-format", "json", "--exit-zero"),
                                        count_replaylint, cwd=work))
            if name == "github":  # the audit reads the same analysis: its cost over `check` is the report
                groups[name].insert(1, Case("replaylint audit (html)", name, [
                    sys.executable, "-m", "replaylint", "audit", str(SPECS[name]), "--no-cache", "--format", "html",
                    "-o", os.devnull], lambda out: "-", cwd=work))
        for name, tree in trees.items():
            cold = Case("replaylint, cold", name, replaylint(".", "--output-format", "json", "--exit-zero"),
                        count_replaylint, cwd=tree, before=drop_cache(tree))
            warm = Case("replaylint, warm (cache, nothing changed)", name,
                        replaylint(".", "--output-format", "json", "--exit-zero"), count_replaylint, cwd=tree)
            one = next(tree.rglob("views/generic/edit.py"), None) or \
                next(tree.rglob("lib/streaming/agents/_streams.py"), None) or next(tree.rglob("*.py"))
            single = Case("replaylint, one file (pre-commit)", name,
                          replaylint(str(one.relative_to(tree)), "--output-format", "json", "--exit-zero"),
                          count_replaylint, cwd=tree)
            no_index = Case("replaylint, cold, no project index", name,
                            replaylint(".", "--no-cache", "--output-format", "json", "--exit-zero"), count_replaylint,
                            cwd=tree, env={**os.environ, "REPLAYLINT_NO_INDEX": "1"})
            single_cold = Case("replaylint, one file, no cache (index read from source)", name,
                               replaylint(str(one.relative_to(tree)), "--no-cache", "--output-format", "json",
                                          "--exit-zero"), count_replaylint, cwd=tree)
            serial = Case("replaylint, cold, -j 1", name, replaylint(".", "-j", "1", "--no-cache", "--output-format",
                                                                      "json", "--exit-zero"), count_replaylint, cwd=tree)
            groups[name][0:0] = [cold, serial, no_index, warm, single, single_cold]
        if not args.no_scale and SPECS["stripe"].exists():
            for factor in (1, 2, 4, 8):
                spec = make_spec(SPECS["stripe"], work / f"stripe-x{factor}.json", factor)
                groups.setdefault("scale: spec", []).append(
                    Case(f"replaylint, Stripe paths x{factor} ({spec.stat().st_size // 1_000_000} MB)", "scale",
                         replaylint(str(spec), "--no-cache", "--output-format", "json", "--exit-zero"),
                         count_replaylint, cwd=work))
            if "sdks" in trees:
                for files in (1000, 4000, 16000):
                    tree = make_tree(trees["sdks"], work / f"tree{files}", files)
                    groups.setdefault("scale: tree", []).append(
                        Case(f"replaylint, {files} files, cold", "scale",
                             replaylint(".", "--no-cache", "--output-format", "json", "--exit-zero"),
                             count_replaylint, cwd=tree))

    for repetition in range(warmup + runs):
        for cases in groups.values():
            for case in cases:  # replaylint and its peers alternate within each repetition
                case.run_once(record=repetition >= warmup)

    lines = ["# replaylint benchmark results", "",
             f"Generated by `python bench/run.py{' --smoke' if args.smoke else f' --runs {runs}'}` on {env_note}, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Medians of {runs} run(s) after "
             f"{warmup} warm-up; whole processes timed with GNU time; runs of each tool alternate.", ""]
    for name, cases in groups.items():
        ours = next((c for c in cases if c.tool.startswith("replaylint")), None)
        lines += [f"## {name}", "", "| tool | wall s (median) | peak MiB | findings | replaylint / this |",
                  "|---|---:|---:|---:|---:|"]
        for case in cases:
            ratio = f"{ours.wall / case.wall:.2f}" if ours and case is not ours and case.wall > 0 else ""
            lines.append(f"| {case.tool} | {case.wall:.3f} | {case.peak:.0f} | {case.findings} | {ratio} |")
        lines.append("")
    lines += scale_summary(groups)
    lines += targets(groups)
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print(args.output.read_text())
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
