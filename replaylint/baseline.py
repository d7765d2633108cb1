"""Baselines: record today's findings by meaning, then report only what is new.

The file lists semantic keys (rule, file, anchor, detail, occurrence), not lines, so inserting lines,
reordering operations or moving a function inside its file keeps entries matching. Entries that no longer
match are reported, so the file only shrinks (`replaylint baseline --prune` removes them). It also lists the
mutating operations of the day (file and anchor), so `replaylint audit --baseline` can tell an operation that
was clean then from one that did not exist.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .atomic import write_atomically
from .fingerprint import semantic_keys

FORMAT = "replaylint-baseline/1"


class BaselineError(Exception):
    pass


@dataclass
class BaselineMatch:
    kept: list = field(default_factory=list)  # findings not in the baseline (reported)
    matched: int = 0
    matched_keys: set = field(default_factory=set)  # today's keys of the findings an entry matched
    stale: list[tuple] = field(default_factory=list)  # entries no finding matched


FIELDS = ("code", "path", "anchor", "detail", "occurrence")  # an entry, and the semantic key it stands for


def entry_keys(findings, root: Path) -> list[tuple]:
    return [key for finding, key in zip(findings, semantic_keys(findings, root)) if not finding.exempted]


def write_baseline(path: str, findings, root: Path, keep_only: set[tuple] | None = None, others=(),
                   operations=None) -> int:
    """Write today's findings (those in `keep_only`, when given) and `others`: entries about files this run did
    not analyse, which it cannot judge and so keeps. `operations`: (file, anchor) of each mutating operation."""
    keys = entry_keys(findings, root)
    if keep_only is not None:
        keys = [key for key in keys if key in keep_only]
    entries = [dict(zip(FIELDS, key)) for key in sorted({*keys, *others})]
    document = {"format": FORMAT, "tool": f"replaylint {__version__}", "entries": entries}
    if operations is not None:
        document["operations"] = [{"path": file, "anchor": anchor} for file, anchor in sorted(set(operations))]
    try:
        write_atomically(path, json.dumps(document, indent=2) + "\n")
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return len(entries)


def read_baseline(path: str) -> list[tuple]:
    return baseline_keys(read_baseline_document(path)[0])


def baseline_keys(entries: list[dict]) -> list[tuple]:
    return [tuple(entry[name] for name in FIELDS) for entry in entries]


def read_baseline_document(path: str) -> tuple[list[dict], set[tuple[str, str]] | None]:
    """(entries, operations): the findings recorded and the (file, anchor) of the operations of then (None
    in a baseline written before replaylint recorded them)."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with `replaylint baseline -o {path}`)") \
            from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a readable baseline file: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT or \
            not isinstance(document.get("entries"), list):
        raise BaselineError(f"{path}: not a replaylint baseline (expected \"format\": \"{FORMAT}\")")
    entries = []
    for entry in document["entries"]:
        try:
            fields = {name: entry[name] for name in ("code", "path", "anchor", "detail")}
            if not all(isinstance(value, str) for value in fields.values()):
                raise TypeError
            entries.append({**fields, "occurrence": int(entry["occurrence"])})
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{path}: malformed baseline entry {str(entry)[:80]}") from None
    operations = document.get("operations")
    if operations is None:
        return entries, None
    try:
        return entries, {(op["path"], op["anchor"]) for op in operations
                         if isinstance(op["path"], str) and isinstance(op["anchor"], str)}
    except (KeyError, TypeError):
        raise BaselineError(f"{path}: malformed \"operations\" list") from None


def apply_baseline(findings, keys: list[tuple], root: Path, covered: set[str] | None = None) -> BaselineMatch:
    """Drop findings whose key is in the baseline; exempted findings pass through untouched. An entry is stale
    only if its file was analysed (`covered`, root-relative; None: every file): a run on some files (a
    pre-commit hook) cannot tell whether the others' entries still match."""
    remaining = Counter(keys)
    match = BaselineMatch()
    for finding, key, by_anchor in zip(findings, semantic_keys(findings, root),
                                       semantic_keys(findings, root, by_anchor=True)):
        if finding.exempted:
            match.kept.append(finding)
            continue
        known = key if remaining[key] > 0 else by_anchor if remaining[by_anchor] > 0 else None
        if known is None:  # by_anchor: an entry written before the handler's route named it
            match.kept.append(finding)
        else:
            remaining[known] -= 1
            match.matched += 1
            match.matched_keys.add(key)  # an entry matched by its anchor is kept under today's key
    match.stale = sorted(key for key, count in remaining.items() for _ in range(count)
                         if covered is None or judged(key, covered, root))
    return match


def judged(key: tuple, covered: set[str], root: Path) -> bool:
    """Can this run tell whether the entry still matches: its file was analysed, or no longer exists."""
    return file_judged(key[1], covered, root)


def file_judged(path: str, covered: set[str], root: Path) -> bool:
    if path in covered:
        return True
    try:
        return not (root / path).exists()
    except (OSError, ValueError):  # a name the file system refuses: no file of the project
        return False
