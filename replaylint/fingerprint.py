"""Semantic keys: what a finding is about, independent of line numbers.

A key is (rule, file relative to the project root, anchor, detail, occurrence): moving code around in a file
keeps it; a new violation of the same rule elsewhere gets a new key. Baselines, diff gating, SARIF
fingerprints and GitLab fingerprints all use it.
"""
from __future__ import annotations

import functools
import os
from collections import Counter
from pathlib import Path


def project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` (default: the working directory) with a `.git` entry (the git
    work tree), else `start` itself. Keys and Python module names are relative to it, so they do
    not depend on the working directory."""
    return _project_root(Path(os.path.realpath(start or Path.cwd())))


@functools.lru_cache(maxsize=64)
def _project_root(start: Path) -> Path:
    # A `.git` entry (a folder, or a file in worktrees and submodules) marks the work tree's top, as
    # `git rev-parse --show-toplevel` would say, without starting a process on every run.
    return next((d for d in [start, *start.parents] if (d / ".git").exists()), start)


def relative_path(path: str, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.resolve().relative_to(root).as_posix()
    except ValueError:
        try:
            return absolute.relative_to(root).as_posix()
        except ValueError:
            return absolute.as_posix()


def semantic_keys(findings, root: Path, by_anchor: bool = False) -> list[tuple[str, str, str, str, int]]:
    """One key per finding, in order: (rule, file, identity, detail, occurrence); findings with the same meaning
    are numbered by their order in the file. A tuple, so no field can be mistaken for another (paths and
    anchors may hold any character). The identity is a handler's route when known, else the anchor;
    `by_anchor`: always the anchor (the keys of baselines written before routes were known)."""
    seen: Counter = Counter()
    keys = []
    for finding in sorted(findings, key=lambda f: f.sort_key()):
        identity = finding.anchor if by_anchor else finding.identity
        base = (finding.code, relative_path(finding.path, root), identity, " ".join(finding.detail.split()))
        keys.append((finding, (*base, seen[base])))
        seen[base] += 1
    order = {id(f): k for f, k in keys}
    return [order[id(f)] for f in findings]


def fingerprint(key) -> str:
    """A stable id of a semantic key (or of any text): the same for the same meaning across runs."""
    text = key if isinstance(key, str) else "|".join(map(str, key))
    return sha256(text.encode("utf-8")).hexdigest()[:32]


def sha256(data: bytes):
    """hashlib, imported on first use: loading OpenSSL costs a few ms that a spec run without cache never needs."""
    import hashlib

    return hashlib.sha256(data)
