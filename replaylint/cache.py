"""Results cached by file content, configuration and version, in `.replaylint_cache/`.

Entries are JSON (never pickle: the folder lives in the linted project) written atomically, so concurrent runs
and interrupted runs can only leave complete entries or none. A spec's entry also records the files its
`$ref`s read, and is used only while they are unchanged.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from . import __version__
from .exemptions import Exemption
from .model import FileResult, Finding, Note, Problem, Span

FOLDER = ".replaylint_cache"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Cache:
    def __init__(self, root: Path, config, rules, extra: str = ""):
        self.folder = Path(root) / FOLDER / __version__
        material = "\n".join([__version__, config.fingerprint(), ",".join(sorted(r.code for r in rules)), extra])
        self.salt = digest(material)
        self._ready = False

    def key(self, kind: str, path: str, text: str) -> str:
        return digest(f"{self.salt}\n{kind}\n{path}\n{digest(text)}")

    def load(self, key: str) -> FileResult | None:
        try:
            with open(self.folder / key[:2] / f"{key}.json", encoding="utf-8") as handle:
                data = json.load(handle)
            for dependency, expected in data.get("dependencies", {}).items():
                if _file_digest(dependency) != expected:
                    return None
            return _result_from(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, result: FileResult, dependencies=()) -> None:
        try:
            self._prepare()
            data = _result_to(result)
            data["dependencies"] = {path: _file_digest(path) for path in dependencies}
            folder = self.folder / key[:2]
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out)
            os.replace(temporary, folder / f"{key}.json")
        except OSError:
            pass  # a cache that cannot be written only costs time

    def _prepare(self) -> None:
        if self._ready:
            return
        top = self.folder.parent
        top.mkdir(parents=True, exist_ok=True)
        ignore = top / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by replaylint\n*\n", encoding="utf-8")
        tag = top / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# replaylint cache\n", encoding="utf-8")
        self._ready = True


def _file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _span_to(span: Span) -> list:
    return [span.path, span.line, span.column, span.end_line, span.end_column]


def _result_to(result: FileResult) -> dict:
    return {
        "path": result.path,
        "analysed": result.analysed,
        "findings": [[f.code, f.severity, f.message, f.fix, _span_to(f.span), f.anchor, f.detail, f.exempted, f.reason]
                     for f in result.findings],
        "problems": [[p.path, p.message, p.line, p.column] for p in result.problems],
        "notes": [[n.path, n.message, n.line, n.column] for n in result.notes],
        "exemptions": [[e.kind, e.selector, e.reason, _span_to(e.span),
                        [e.scope[0], sorted(e.scope[1]) if e.scope[0] == "lines" else e.scope[1]]
                        if len(e.scope) > 1 else [e.scope[0]]] for e in result.exemptions],
    }


def _result_from(data: dict) -> FileResult:
    def scope(raw):
        if raw[0] == "lines":
            return ("lines", frozenset(raw[1]))
        return tuple(raw)

    return FileResult(
        data["path"],
        findings=[Finding(c, s, m, fx, Span(*span), a, d, e, r) for c, s, m, fx, span, a, d, e, r in data["findings"]],
        problems=[Problem(*p) for p in data["problems"]],
        notes=[Note(*n) for n in data["notes"]],
        exemptions=[Exemption(kind, selector, reason, Span(*span), scope(raw))
                    for kind, selector, reason, span, raw in data["exemptions"]],
        analysed=data["analysed"],
    )
