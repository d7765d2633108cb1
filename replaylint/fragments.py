"""The OpenAPI specs of a project that `$ref` a fragment, directly or through other fragments.

Why: the pre-commit hook names the changed files, and a changed `paths/orders.yaml` is no spec by itself: the
specs that read it are linted instead (a finding written in the fragment keeps its place there). The project
is walked once a run, as discovery walks it (excludes and `.gitignore` apply). A file is parsed only when its
text holds an external `$ref` and names the fragment's file (a Semgrep-style prefilter); each `$ref` naming it
is then resolved by the analysis' own resolver (openapi.refs.Workspace): relative to the file that writes it,
never remote, never out of the project root.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote, unquote

from .discovery import SPEC_SUFFIXES, Ignorer, Inputs, _sniff_text, _walk
from .documents import DocumentError
from .openapi.model import spec_version
from .openapi.refs import Workspace, read_document

# a `$ref` whose value does not start with `#`: it may name another file (YAML or JSON, key quoted or not;
# the value's first character is matched, not looked ahead of, so no backtracking lets `'#/...'` through)
_EXTERNAL_REF = re.compile(rb"""\$ref['"]?\s*:\s*(?:['"](?!#)|[^'"#\s])""")


class RootFinder:
    """The specs that reach a named fragment, for one run: each project is walked and each file parsed at most
    once, however many fragments are named."""

    def __init__(self, ignorer: Ignorer, listings=None):
        self._ignorer = ignorer
        self._listings = listings
        self._projects: dict[str, _Project] = {}

    def roots_of(self, path: str) -> list[str]:
        """The specs (paths as discovery shows them) whose `$ref`s reach `path`; none when nothing does."""
        from .engine import ref_root  # the folder `$ref`s may not leave: the repository holding the file

        top = os.path.realpath(ref_root(path))
        project = self._projects.get(top)
        if project is None:
            project = self._projects[top] = _Project(top, self._ignorer, self._listings)
        return project.roots_of(os.path.realpath(path))


class _Project:
    def __init__(self, top: str, ignorer: Ignorer, listings=None):
        self.refs = _RefTargets(top)
        self.files = _files_with_external_refs(top, ignorer, listings)  # [(absolute, shown, text)]
        self._docs: dict = {}  # absolute path -> Document, or None when it cannot be parsed
        self._real: dict[str, str] = {}
        self._found: dict[str, list[str]] = {}
        self._named: dict[str, list[tuple[str, str]]] = {}

    def roots_of(self, target: str) -> list[str]:
        """Backwards from `target` (a real path): the files that `$ref` it, then those that `$ref` them..."""
        if target not in self._found:
            roots, reached, frontier = set(), {target}, [target]
            while frontier:
                current = frontier.pop()
                for absolute, shown in self._naming(os.path.basename(current)):
                    real = self.real(absolute)
                    if real in reached or not self._refers_to(absolute, current):
                        continue
                    reached.add(real)
                    frontier.append(real)  # on through specs too: a spec may use another's components
                    if spec_version(self._docs[absolute].data) is not None:
                        roots.add(shown)
            self._found[target] = sorted(roots)
        return self._found[target]

    def real(self, path: str) -> str:
        if path not in self._real:
            self._real[path] = os.path.realpath(path)
        return self._real[path]

    def _naming(self, name: str) -> list[tuple[str, str]]:
        """The prefilter: (absolute, shown) of the files whose text holds `name` as written or percent-encoded;
        each name searched for once a run (fragments of one spec lead to the same files)."""
        if name not in self._named:
            spellings = {name.encode("utf-8"), quote(name).encode("utf-8")}
            self._named[name] = [(absolute, shown) for absolute, shown, text in self.files
                                 if any(spelling in text for spelling in spellings)]
        return self._named[name]

    def _refers_to(self, path: str, target: str) -> bool:
        """Confirmed: a `$ref` written in `path` names `target` (first by its file name, then resolved)."""
        doc = self._document(path)
        if doc is None:
            return False
        name = os.path.basename(target)
        return any(os.path.basename(unquote(ref.partition("#")[0])) == name and
                   self.refs.target(ref, doc) == target for ref in _file_refs(doc.data))

    def _document(self, path: str):
        """`path` parsed (once), or None when it cannot be (the run reports that if it is one of its inputs)."""
        if path not in self._docs:
            try:
                self._docs[path] = read_document(path)
            except DocumentError:
                self._docs[path] = None
        return self._docs[path]


class _RefTargets(Workspace):
    """The file a `$ref` names, resolved as the analysis resolves it, without reading that file: `load` only
    records the path the resolver asks for (and refuses, so nothing is parsed or cached); the resolver's
    problems are not this search's to report."""

    def __init__(self, root: str):
        super().__init__(root)  # allow_remote stays False: a remote `$ref` is refused before any load
        self._asked: str | None = None

    def target(self, ref: str, doc) -> str | None:
        """The real path of the file `ref` (written in `doc`) names; None for a local, remote or refused one."""
        self._asked = None
        self.resolve(ref, doc, ())
        return self._asked

    def load(self, path: str):
        self._asked = path
        raise DocumentError("not read by the fragment search")

    def problem(self, doc, pointer, message) -> None:
        pass


def _file_refs(data):
    """Every `$ref` string in `data` that may name another file (not `#/...`, not a URL)."""
    stack, seen = [data], set()
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if id(value) in seen:  # YAML aliases share a value: once is enough
                continue
            seen.add(id(value))
            ref = value.get("$ref")
            if isinstance(ref, str) and ref and not ref.startswith("#") and "://" not in ref \
                    and not ref.startswith("//"):
                yield ref
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _files_with_external_refs(top: str, ignorer: Ignorer, listings=None) -> list[tuple[str, str, bytes]]:
    """(absolute path, path as shown, text) of each YAML/JSON file under `top` that a walk of discovery reaches
    and whose text holds a `$ref` that may name another file: the only files that can lead to a fragment."""
    found = []

    def visit(shown: str, explicit: bool, real: str | None = None) -> None:
        if shown.lower().endswith(SPEC_SUFFIXES):
            absolute = os.path.abspath(shown)
            text = _sniff_text(absolute)  # an editor's unsaved text, else the file's
            if text is not None and b"$ref" in text and _EXTERNAL_REF.search(text):
                found.append((absolute, shown, text))

    _walk(Path(top), ignorer, visit, Inputs(), listings)  # an unlistable folder is the run's walk to report
    return found

