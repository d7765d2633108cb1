"""Results cached by file content, configuration and version, in `.replaylint_cache/`.

One JSON file per (version, settings, rules) holds every file's result, keyed by a digest of its path and
content: a warm run reads one file instead of thousands. It is JSON, never pickle (the folder lives in the
linted project), and replaced atomically, so concurrent or interrupted runs leave the old file or the new one,
never half of one (a concurrent run's new entries may be lost: that only costs time). A spec's entry records
the files its `$ref`s read, and is used only while they are unchanged.
"""
from __future__ import annotations

import json
import os
import time
from functools import lru_cache
from pathlib import Path

from . import __version__
from .exemptions import Exemption
from .model import FileResult, Finding, Note, Problem, Span

FOLDER = ".replaylint_cache"


try:  # BLAKE2b from its own C module: hashlib would load OpenSSL, 2 ms of a 0.1 s warm run
    from _blake2 import blake2b as _hash
except ImportError:  # not CPython
    from hashlib import blake2b as _hash


def digest(text: str) -> str:
    return _hash(text.encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()


@lru_cache(maxsize=1)
def generation() -> str:
    """The cache folder of this replaylint: its version plus a digest of its own source files and rules, so an
    edited checkout or a reinstall with other code never reads results an older analysis wrote under the same
    version number. By content, not file times: two installs of the same code share one cache."""
    from .registry import rules_folders

    package = os.path.dirname(os.path.abspath(__file__))
    rules = rules_folders()
    hasher = _hash(digest_size=32)
    for folder in sorted({package, *rules}):
        for directory, subdirectories, files in os.walk(folder):
            subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__"
                                       and os.path.join(directory, d) not in rules)  # each file once
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    with open(path, "rb") as handle:
                        hasher.update(os.path.relpath(path, folder).encode() + b"\0" + handle.read() + b"\0")
    return f"{__version__}-{hasher.hexdigest()[:12]}"


class Cache:
    def __init__(self, root: Path, config, rules, extra: str = ""):
        self.folder = Path(root) / FOLDER / generation()
        material = "\n".join([config.fingerprint(), ",".join(sorted(r.code for r in rules)), extra])
        self.file = self.folder / f"{digest(material)[:32]}.json"
        self._entries: dict | None = None
        self._new: dict[str, dict] = {}
        self._paths: dict[str, str] = {}  # path -> key seen in this run

    def key(self, kind: str, path: str, content_digest: str) -> str:
        key = digest(f"{kind}\n{path}\n{content_digest}")
        self._paths[path] = key
        return key

    def _read(self) -> dict:
        return read_object(self.file)

    def load(self, key: str) -> FileResult | None:
        if self._entries is None:
            self._entries = self._read()
        data = self._entries.get(key)
        if not isinstance(data, dict):
            return None
        try:
            dependencies = data.get("dependencies", {})
            for dependency, expected in dependencies.items():
                if file_digest(dependency) != expected:
                    return None
            result = _result_from(data)
            consulted = set(data.get("consulted", ()))
            result.dependencies = [path for path in dependencies if path not in consulted]
            result.consulted = sorted(consulted)
            return result
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, result: FileResult, dependencies=()) -> None:
        """`dependencies` ($ref targets) and the modules the result consulted must be unchanged to use it."""
        data = _result_to(result)
        data["dependencies"] = {path: file_digest(path) for path in [*dependencies, *result.consulted]}
        data["consulted"] = list(result.consulted)
        self._new[key] = data

    def flush(self) -> None:
        """Write this run's new entries, keeping other files' entries and dropping stale ones of this run's."""
        if not self._new:
            return
        try:
            ensure_folder(self.folder)
            merged = self._read()
            current = set(self._paths.values())
            merged = {k: v for k, v in merged.items() if not (isinstance(v, dict) and
                                                              v.get("path") in self._paths and k not in current)}
            merged.update(self._new)
            _write(self.file, json.dumps(merged, separators=(",", ":")))
            self._entries = merged
            self._new = {}
        except OSError:
            pass  # a cache that cannot be written only costs time


FACTS_ENTRY = "\0facts"  # not a path: project-fact fingerprints by the digest of the files they come from


class FileStates:
    """What the last run saw of each input: (size, mtime) -> content digest, and whether the file feeds the
    project facts. A warm run trusts an unchanged size and mtime (as Ruff does) and reads only what changed.
    It also keeps the fingerprint of the facts last found from a set of fact files, so a warm run need not
    read them again."""

    def __init__(self, root: Path):
        self.file = Path(root) / FOLDER / generation() / "files.json"
        self._known = read_object(self.file)
        self._seen: dict[str, list] = {}

    def lookup(self, path: str, stat) -> tuple[str, bool] | None:
        record = self._known.get(path)
        if isinstance(record, list) and len(record) == 4 and record[:2] == [stat.st_size, stat.st_mtime_ns]:
            self._seen[path] = record
            return record[2], record[3]
        return None

    def record(self, path: str, stat, content_digest: str, fact_source: bool) -> None:
        self._seen[path] = [stat.st_size, stat.st_mtime_ns, content_digest, fact_source]

    def fact_sources(self) -> list[str]:
        """The files the last runs found holding project facts (route tables, middleware, key models): a run
        on a few files reads its facts from them too, so its findings and cache entries are the whole run's."""
        return sorted(path for path, record in self._known.items()
                      if isinstance(record, list) and len(record) == 4 and record[3] is True)

    def facts_fingerprint(self, sources_digest: str) -> str | None:
        known = self._seen.get(FACTS_ENTRY, self._known.get(FACTS_ENTRY))
        return known.get(sources_digest) if isinstance(known, dict) else None

    def remember_facts(self, sources_digest: str, fingerprint: str) -> None:
        known = self._known.get(FACTS_ENTRY)
        recent = list(known.items())[-7:] if isinstance(known, dict) else []  # a few input sets (pre-commit)
        self._seen[FACTS_ENTRY] = {**dict(recent), sources_digest: fingerprint}

    def save(self) -> None:
        if all(self._known.get(path) == record for path, record in self._seen.items()):
            return
        try:
            ensure_folder(self.file.parent)
            _write(self.file, json.dumps({**self._known, **self._seen}, separators=(",", ":")))
        except OSError:
            pass


class Listings:
    """What the last walk found in each folder of the project, kept while the folder's inode, mtime and ctime
    are unchanged: adding, removing or renaming an entry changes its folder's mtime, so a warm walk makes one
    stat per folder instead of listing it. Only folders below the project root that hold no symbolic link are
    kept (a link's target can change without its folder noticing), and only when their last change is older
    than the run by a margin (a change in the same clock tick would go unseen, as in git's "racy" index
    entries). Exclusions and `.gitignore` rules are still applied to every entry on every run.

    Each folder's record is one string, "inode/mtime.ctime/flags//sub-folders//files", names joined by "/"
    (the one character no name can hold): strings load from JSON in a third of the time of nested lists."""

    RACY_NS = 2_000_000_000

    def __init__(self, root: Path):
        self.file = Path(root) / FOLDER / generation() / "listings.json"
        self.root = os.path.realpath(root)
        self._known: dict | None = None  # read on the first lookup: a run on named files never needs it
        self._seen: dict[str, str] = {}
        self._tops: list[str] = []
        self._settled_before = time.time_ns() - self.RACY_NS

    def walking(self, top: str) -> None:
        """A walk starts at `top`: folders below it that it does not reach are gone or excluded now."""
        self._tops.append(top)

    def lookup(self, directory: str):
        """(listing or None, stamp): the listing ([sub-folders], [files], has .gitignore, has .git) when
        `directory` is unchanged; the stamp to `record` a fresh listing with (None: not to be kept).

        The stamp holds the inode, the mtime (an entry added, removed or renamed) and the ctime: the mtime
        alone misses a folder whose permissions changed, or whose mtime was set back (`tar -x`, `rsync -a`)
        after a change; setting it back moves the ctime."""
        if not directory.startswith(self.root + os.sep) and directory != self.root:
            return None, None
        try:
            stat = os.stat(directory)
        except OSError:
            return None, None
        if self._known is None:
            self._known = read_object(self.file)
        stamp = f"{stat.st_ino}/{stat.st_mtime_ns}.{stat.st_ctime_ns}/"
        record = self._known.get(directory)
        if isinstance(record, str) and record.startswith(stamp):
            listing = _parse_listing(record[len(stamp):])
            if listing is not None:
                self._seen[directory] = record
                return listing, stamp
        settled = max(stat.st_mtime_ns, stat.st_ctime_ns) < self._settled_before
        return None, (stamp if settled else None)

    def record(self, directory: str, stamp, subdirectories: list[str], files: list[str], has_gitignore: bool,
               has_git: bool) -> None:
        if stamp is not None:
            flags = int(has_gitignore) + 2 * int(has_git)
            self._seen[directory] = f"{stamp}{flags}//{'/'.join(subdirectories)}//{'/'.join(files)}"

    def save(self) -> None:
        if self._known is None:
            return  # no folder of the project was walked
        tops = tuple(top + os.sep for top in self._tops)
        kept = {directory: record for directory, record in self._known.items()
                if directory not in self._tops and not directory.startswith(tops)}
        if len(kept) + len(self._seen) == len(self._known) and \
                all(self._known.get(directory) is record for directory, record in self._seen.items()):
            return  # nothing new, nothing gone
        try:
            ensure_folder(self.file.parent)
            _write(self.file, json.dumps({**kept, **self._seen}, separators=(",", ":")))
        except OSError:
            pass


@lru_cache(maxsize=4096)
def _parse_listing(text: str):
    """(sub-folders, files, has .gitignore, has .git) from "flags//sub-folders//files", or None when the
    text is damaged (the cache file lives in the project: a name is never trusted to be a path). Memoised:
    most folders of a big tree share a body ("0////", "0//LC_MESSAGES//")."""
    parts = text.split("//")
    if len(parts) != 3 or parts[0] not in ("0", "1", "2", "3") or "\0" in text or (os.sep != "/" and os.sep in text):
        return None
    subdirectories = tuple(parts[1].split("/")) if parts[1] else ()
    files = tuple(parts[2].split("/")) if parts[2] else ()
    for names in (subdirectories, files):
        if "" in names or "." in names or ".." in names:
            return None
    flags = int(parts[0])
    return subdirectories, files, bool(flags & 1), bool(flags & 2)


def read_object(path: Path) -> dict:
    """A cache file's JSON object; a missing or damaged file is as good as an empty one."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError, RecursionError):
        return {}


def ensure_folder(folder: Path) -> None:
    """This generation's folder, made on first use (older generations can never be read again: removed), in
    a cache folder that git and backup tools know to skip."""
    top = folder.parent
    if not folder.is_dir():
        import shutil

        for old in top.glob("*/"):
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    ignore = top / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by replaylint\n*\n", encoding="utf-8")
    tag = top / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# replaylint cache\n", encoding="utf-8")


def file_digest(path: str) -> str | None:
    from .documents import buffer_for

    buffered = buffer_for(path)  # an editor's unsaved text: what the result was made from
    if buffered is not None:
        return _hash(buffered.encode("utf-8"), digest_size=32).hexdigest()
    try:
        with open(path, "rb") as handle:
            return _hash(handle.read(), digest_size=32).hexdigest()
    except OSError:
        return None


def _span_to(span: Span) -> list:
    return [span.path, span.line, span.column, span.end_line, span.end_column]


def _result_to(result: FileResult) -> dict:
    return {
        "path": result.path,
        "analysed": result.analysed,
        "findings": [[f.code, f.severity, f.message, f.fix, _span_to(f.span), f.anchor, f.detail, f.exempted, f.reason,
                      f.harm, f.harm_reason, f.method, f.route, f.operation_id] for f in result.findings],
        "problems": [[p.path, p.message, p.line, p.column] for p in result.problems],
        "notes": [[n.path, n.message, n.line, n.column] for n in result.notes],
        "exemptions": [[e.kind, e.selector, e.reason, _span_to(e.span),
                        [e.scope[0], sorted(e.scope[1]) if e.scope[0] == "lines" else e.scope[1]]
                        if len(e.scope) > 1 else [e.scope[0]], e.reason_hint] for e in result.exemptions],
        "inventory": result.inventory,
        "routes": result.routes,
    }


def _result_from(data: dict) -> FileResult:
    def scope(raw):
        if raw[0] == "lines":
            return ("lines", frozenset(raw[1]))
        return tuple(raw)

    return FileResult(
        data["path"],
        findings=[Finding(c, s, m, fx, Span(*span), *rest) for c, s, m, fx, span, *rest in data["findings"]],
        problems=[Problem(*p) for p in data["problems"]],
        notes=[Note(*n) for n in data["notes"]],
        exemptions=[Exemption(kind, selector, reason, Span(*span), scope(raw), reason_hint=hint)
                    for kind, selector, reason, span, raw, hint in data["exemptions"]],
        analysed=data["analysed"],
        inventory=data.get("inventory", []),
        routes=data.get("routes"),
    )


def _write(path, text: str) -> None:
    from .atomic import write_atomically  # tempfile (and random) only when a cache is written

    write_atomically(path, text)
