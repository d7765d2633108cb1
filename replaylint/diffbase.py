"""`check --diff-base REF`: report only findings that are new since a git ref (Semgrep's --baseline-commit).

The ref's tree is written from git's objects into a temporary folder and analysed with the same settings;
findings are compared by semantic key, so code that merely moved is not new.
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from .fingerprint import project_root, semantic_keys


class DiffBaseError(Exception):
    pass


def base_keys(ref: str, paths: list[str], config, select=None, ignore=None, configs=None) -> list[str]:
    return base_state(ref, paths, config, select, ignore, configs=configs)[0]


def base_state(ref: str, paths: list[str], config, select=None, ignore=None, inventory: bool = False,
               configs=None):
    """At `ref`: (semantic keys, findings as (code, file, anchor, exempted, reason), operations as (file,
    anchor)), files relative to the repository (operations only with `inventory`, for `audit --diff-base`).
    `configs` (a hierarchy.ConfigFinder): each file of the ref takes the config its path has today."""
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
        moved = _MovedConfigs(root, base, inventory, configs)
        base_config = moved.moved(config)
        existing = [p for p in mapped if os.path.lexists(p)]  # paths new since the ref have no findings there
        if not existing:
            return [], [], set()
        result = run(existing, base_config, select=select, ignore=ignore,
                     configs=moved if configs is not None else None)
        findings = [(f.code, relative_path(f.path, base), f.anchor, f.exempted, f.reason) for f in result.findings]
        operations = {(relative_path(e["file"], base), e["anchor"]) for e in result.inventory}
        return semantic_keys(result.findings, base), findings, operations


class _MovedConfigs:
    """Today's settings for the files of the exported ref: the config of the same path in the work tree, its
    root moved into the export (where per-file ignores and excludes are matched). One object per config, so
    the hierarchy groups the ref's files as it groups today's."""

    def __init__(self, root: Path, base: Path, inventory: bool, configs=None):
        self.root, self.base, self.inventory, self.configs = root, base, inventory, configs
        self._moved: dict[int, object] = {}

    def moved(self, config):
        if id(config) not in self._moved:
            try:
                where = self.base / Path(config.root).resolve().relative_to(self.root)
            except ValueError:
                where = self.base
            self._moved[id(config)] = (config, dataclasses.replace(config, root=where, inventory=self.inventory))
        return self._moved[id(config)][1]

    def config_for(self, path: str):
        """The config of `path` (a file of the export) as the same file in the work tree has it."""
        try:
            today = self.root / Path(os.path.abspath(path)).relative_to(self.base)
        except ValueError:
            today = Path(path)
        return self.moved(self.configs.config_for(str(today)))


def _inside_git(root: Path) -> bool:
    try:
        out = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.stdout.strip() == "true"


def _export(root: Path, ref: str, target: Path) -> None:
    """Write the ref's tree into `target`, blob by blob (`git ls-tree`, `git cat-file --batch`). Not with `git
    archive`: it leaves out paths marked `export-ignore` and rewrites `export-subst` files, and the findings
    at the ref are those of the tree as it was."""
    if ref.startswith("-") or not ref.strip():
        raise DiffBaseError(f"--diff-base {ref!r}: not a git ref")
    blobs = _blobs(_git(root, ref, ["ls-tree", "-r", "-z", "--full-tree", ref]))
    contents = _git(root, ref, ["cat-file", "--batch"], "".join(f"{oid}\n" for _, oid, _ in blobs).encode())
    at, links = 0, []
    for mode, _, path in blobs:  # each answer: "<oid> blob <size>\n<content>\n", in the order asked
        header_end = contents.index(b"\n", at)
        size = int(contents[at:header_end].split()[2])
        if _contained(target, target / path):  # never written through a link (one a case-folding disk matches)
            _write(target, path, mode, contents[header_end + 1:header_end + 1 + size])
            if mode == "120000":
                links.append(target / path)
        at = header_end + 1 + size + 1
    _drop_escaping_links(target, links)


def _contained(target: Path, path: Path) -> bool:
    """Whether `path`, its links resolved on disk, is inside `target` (which is resolved already)."""
    return os.path.commonpath([str(target), os.path.realpath(path)]) == str(target)


def _drop_escaping_links(target: Path, links: list[Path]) -> None:
    """Links whose target, resolved on disk through the other links, leaves the export are removed: the text
    of one link cannot tell (`x -> up/../../f` with `up -> ..`). Until none is left, as a removal can change
    what another resolves to."""
    escaping = [link for link in links if os.path.islink(link) and not _contained(target, link)]
    while escaping:
        for link in escaping:
            os.unlink(link)
        escaping = [link for link in links if os.path.islink(link) and not _contained(target, link)]


def _blobs(listing: bytes) -> list[tuple[str, str, str]]:
    """(mode, object id, path) of the files `git ls-tree -r -z` lists; submodules are left out, as `git archive`
    leaves them."""
    blobs = []
    for entry in filter(None, listing.split(b"\0")):  # "<mode> <type> <object>\t<path>"
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, oid = meta.decode("ascii").split()
        path = os.fsdecode(raw_path)
        if kind == "blob" and _inside(path):
            blobs.append((mode, oid, path))
    return blobs


def _git(root: Path, ref: str, args: list[str], stdin: bytes | None = None) -> bytes:
    try:
        process = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DiffBaseError(f"--diff-base {ref}: cannot run git: {exc}") from None
    if process.returncode != 0:
        reason = process.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffBaseError(f"--diff-base {ref}: {reason[-1] if reason else f'git {args[0]} failed'}")
    return process.stdout


def _inside(path: str) -> bool:
    """Whether a path of the tree stays inside the export (a crafted tree may hold `..`, `.git`, or on
    Windows a backslash that splits a name into folders)."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and not (os.sep == "\\" and "\\" in path) and \
        not {"..", ".git"} & {p.lower() for p in parts}


def _write(target: Path, path: str, mode: str, data: bytes) -> None:
    """One file of the tree; a symbolic link only when it points inside the tree (as tar's "data" filter)."""
    destination = target / path
    destination.parent.mkdir(parents=True, exist_ok=True)
    if mode != "120000":
        destination.write_bytes(data)
        return
    link = os.fsdecode(data)
    if not link.startswith("/") and _inside(posixpath.normpath(posixpath.join(posixpath.dirname(path), link))):
        try:
            os.symlink(link, destination)
        except OSError:  # no privilege to make links (Windows): the file is missing at the base, as a new one
            pass
