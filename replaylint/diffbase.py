"""`check --diff-base REF`: report only findings that are new since a git ref (Semgrep's --baseline-commit).

The ref's tree is exported with `git archive` into a temporary folder and analysed with the same settings;
findings are compared by semantic key, so code that merely moved is not new.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .fingerprint import project_root, semantic_keys


class DiffBaseError(Exception):
    pass


def base_keys(ref: str, paths: list[str], config, select=None, ignore=None) -> list[str]:
    return base_state(ref, paths, config, select, ignore)[0]


def base_state(ref: str, paths: list[str], config, select=None, ignore=None, inventory: bool = False):
    """At `ref`: (semantic keys, findings as (code, file, anchor, exempted, reason), operations as (file,
    anchor)), files relative to the repository (operations only with `inventory`, for `audit --diff-base`)."""
    from .engine import run
    from .fingerprint import relative_path

    root = project_root()
    if not (root / ".git").exists() and not _inside_git(root):
        raise DiffBaseError(f"--diff-base {ref}: {root} is not inside a git repository (or git is not installed)")
    with tempfile.TemporaryDirectory(prefix="replaylint-base-") as folder:
        base = Path(folder).resolve()
        _export(root, ref, base)
        (base / ".git").mkdir(exist_ok=True)  # the export is the repository: `$ref`s may not leave it
        mapped = []
        for path in paths or ["."]:
            relative = Path(os.path.abspath(path)).resolve()
            try:
                mapped.append(str(base / relative.relative_to(root)))
            except ValueError:
                raise DiffBaseError(f"--diff-base: {path} is outside the repository {root}") from None
        config_root = Path(config.root).resolve()
        try:
            base_config = dataclasses.replace(config, root=base / config_root.relative_to(root), inventory=inventory)
        except ValueError:
            base_config = dataclasses.replace(config, root=base, inventory=inventory)
        existing = [p for p in mapped if os.path.lexists(p)]  # paths new since the ref have no findings there
        if not existing:
            return [], [], set()
        result = run(existing, base_config, select=select, ignore=ignore)
        findings = [(f.code, relative_path(f.path, base), f.anchor, f.exempted, f.reason) for f in result.findings]
        operations = {(relative_path(e["file"], base), e["anchor"]) for e in result.inventory}
        return semantic_keys(result.findings, base), findings, operations


def _inside_git(root: Path) -> bool:
    try:
        out = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.stdout.strip() == "true"


def _export(root: Path, ref: str, target: Path) -> None:
    if ref.startswith("-") or not ref.strip():
        raise DiffBaseError(f"--diff-base {ref!r}: not a git ref")
    try:
        process = subprocess.run(["git", "archive", "--format=tar", ref], cwd=root, capture_output=True,
                                 timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DiffBaseError(f"--diff-base {ref}: cannot run git: {exc}") from None
    if process.returncode != 0:
        reason = process.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffBaseError(f"--diff-base {ref}: {reason[-1] if reason else 'git archive failed'}")
    archive = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)
    archive.write(process.stdout)
    archive.seek(0)
    with tarfile.open(fileobj=archive) as tar:
        try:
            tar.extractall(target, filter="data")  # refuses absolute paths, links out of the folder, devices
        except TypeError:  # Python < 3.11.4: extract regular files and folders only, inside the target
            for member in tar.getmembers():
                if (member.isfile() or member.isdir()) and not member.name.startswith("/") and ".." not in \
                        Path(member.name).parts:
                    tar.extract(member, target)
