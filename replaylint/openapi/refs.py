"""`$ref`-aware views over parsed documents.

A `Node` is a value plus where it is written (document and JSON pointer). Reading a child through `Node.get`
follows `$ref`s, into other files too, so every value a rule looks at still knows its own file and line.
Resolution is confined to the project root; remote references are never fetched, only reported.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urljoin

from ..documents import Document, DocumentError, parse_document, read_text
from ..model import Problem, Span

MAX_FILE_BYTES = 50 * 1024 * 1024


class Workspace:
    """Loads a spec and the files its `$ref`s reach; remembers every reference that could not be followed."""

    def __init__(self, root: str | os.PathLike, display=lambda p: p, allow_remote: bool = False):
        self.root = Path(root).resolve()
        self.allow_remote = allow_remote  # fetch http(s) $refs only when the user asked
        self.display = display  # absolute path -> path shown to the user
        self._docs: dict[str, Document | DocumentError] = {}
        self.problems: list[Problem] = []
        self._problem_keys: set = set()
        self._resolved: dict[tuple[str, str], Node] = {}
        self.memo: dict = {}  # results of pure reads of the documents (schemas.properties), by node identity

    def loaded_paths(self, exclude: str = "") -> list[str]:
        """Every file this workspace read (parsed or not), for cache invalidation."""
        return sorted(path for path in self._docs if path != exclude)

    def close(self) -> None:
        """Forget the documents and every Node remembered (Nodes point back here: a reference cycle), so the
        documents are freed when the analysis ends instead of at a later garbage collection."""
        self._docs.clear()
        self._resolved.clear()
        self.memo.clear()

    def add(self, doc: Document) -> None:
        self._docs[doc.path] = doc

    def load(self, path: str) -> Document:
        cached = self._docs.get(path)
        if cached is None:
            try:
                cached = fetch_document(path) if path.startswith(("http://", "https://")) else read_document(path)
            except DocumentError as exc:
                cached = exc
            self._docs[path] = cached
        if isinstance(cached, DocumentError):
            raise cached
        return cached

    def problem(self, doc: Document, pointer: tuple, message: str) -> None:
        line, column, _, _ = doc.position(pointer)
        key = (doc.path, line, message)
        if key not in self._problem_keys:
            self._problem_keys.add(key)
            self.problems.append(Problem(self.display(doc.path), f"not analysed: {message}", line, column))

    def resolve(self, ref: str, doc: Document, at: tuple) -> "Node | None":
        """The node a `$ref` string written at `doc`/`at` points to, or None (and a recorded problem).

        Successes are cached (a spec names the same component thousands of times); failures are not, so each
        broken `$ref` is reported where it is written.
        """
        cached = self._resolved.get((doc.path, ref))
        if cached is not None:
            return cached
        node = self._resolve(ref, doc, at)
        if node is not None:
            self._resolved[(doc.path, ref)] = node
        return node

    def _resolve(self, ref: str, doc: Document, at: tuple) -> "Node | None":
        file_part, _, fragment = ref.partition("#")
        remote_base = doc.path.startswith(("http://", "https://"))
        if "://" in file_part or file_part.startswith("//") or (remote_base and file_part):
            url = urljoin(doc.path, file_part) if remote_base else file_part
            if not self.allow_remote:
                self.problem(doc, at, f"remote $ref '{ref}' was not fetched (pass --allow-remote-refs to follow it)")
                return None
            if not url.startswith(("http://", "https://")):
                self.problem(doc, at, f"$ref '{ref}' uses an unsupported scheme: refused")
                return None
            try:
                target_doc = self.load(url)
            except DocumentError as exc:
                self.problem(doc, at, f"remote $ref '{ref}' cannot be read: {exc.message}")
                return None
            file_part = ""
        else:
            target_doc = doc
        if file_part:
            target = (Path(doc.path).parent / unquote(file_part)).resolve()
            if not target.is_relative_to(self.root):
                self.problem(doc, at, f"$ref '{ref}' leaves the project root {self.root}: refused")
                return None
            try:
                target_doc = self.load(str(target))
            except DocumentError as exc:
                self.problem(doc, at, f"$ref '{ref}' cannot be read: {exc.message}")
                return None
        pointer = parse_pointer(fragment)
        if pointer is None:
            self.problem(doc, at, f"$ref '{ref}' has an invalid JSON pointer")
            return None
        value = walk(target_doc.data, pointer)
        if value is _MISSING:
            self.problem(doc, at, f"$ref '{ref}' points to nothing")
            return None
        return Node(self, target_doc, pointer, value)


MAX_REMOTE_BYTES = 10 * 1024 * 1024


def fetch_document(url: str) -> Document:
    """GET a remote spec fragment (only with --allow-remote-refs): bounded in time and size."""
    import urllib.request

    try:
        request = urllib.request.Request(url, headers={"User-Agent": "replaylint"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - http(s) checked by caller
            raw = response.read(MAX_REMOTE_BYTES + 1)
    except Exception as exc:  # any network failure is one line
        raise DocumentError(f"cannot fetch: {exc}") from None
    if len(raw) > MAX_REMOTE_BYTES:
        raise DocumentError(f"larger than {MAX_REMOTE_BYTES // (1024 * 1024)} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError("not UTF-8 text") from None
    return parse_document(url if url.endswith((".json", ".yaml", ".yml")) else url + ".yaml", text)


def read_document(path: str) -> Document:
    """Read and parse one spec file; every failure is a DocumentError."""
    return parse_document(path, read_text(path, MAX_FILE_BYTES))


_MISSING = object()


def parse_pointer(fragment: str) -> tuple | None:
    fragment = unquote(fragment)
    if fragment in ("", "/"):
        return () if fragment == "" else ("",)
    if not fragment.startswith("/"):
        return None
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in fragment[1:].split("/"))


def walk(data, pointer: tuple):
    """Follow a parsed JSON pointer through plain data; `_MISSING` when it leads nowhere."""
    for part in pointer:
        if isinstance(data, dict):
            if part in data:
                data = data[part]
            elif isinstance(part, str) and part.lstrip("-").isdigit() and int(part) in data:
                data = data[int(part)]  # YAML reads `200:` as an int key
            else:
                return _MISSING
        elif isinstance(data, list):
            try:
                data = data[int(part)]
            except (ValueError, IndexError):
                return _MISSING
        else:
            return _MISSING
    return data


class Node:
    """A value in a document, with its location. Children read through `get`/`items`/`elements` follow `$ref`."""

    __slots__ = ("ws", "doc", "pointer", "value")

    def __init__(self, ws: Workspace, doc: Document, pointer: tuple, value):
        self.ws = ws
        self.doc = doc
        self.pointer = pointer
        self.value = value

    def __repr__(self) -> str:
        return f"Node({self.doc.path}#{'/'.join(map(str, self.pointer))})"

    @property
    def identity(self) -> tuple:
        return (self.doc.path, self.pointer)

    def deref(self) -> "Node | None":
        """Follow a chain of `$ref`s to the value they name; None when broken or circular."""
        value = self.value
        if not (isinstance(value, dict) and isinstance(value.get("$ref"), str)):
            return self  # the common case: no `$ref`, nothing to allocate
        node, seen = self, set()
        while isinstance(node.value, dict) and isinstance(node.value.get("$ref"), str):
            if node.identity in seen:
                self.ws.problem(self.doc, self.pointer, f"$ref cycle through '{node.value['$ref']}'")
                return None
            seen.add(node.identity)
            node = self.ws.resolve(node.value["$ref"], node.doc, node.pointer + ("$ref",))
            if node is None:
                return None
        return node

    def child(self, key) -> "Node | None":
        """The raw child (no `$ref` following); None when absent."""
        value = self.value
        if isinstance(value, dict):
            if key in value:
                return Node(self.ws, self.doc, self.pointer + (key,), value[key])
            return None
        if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            return Node(self.ws, self.doc, self.pointer + (key,), value[key])
        return None

    def get(self, key) -> "Node | None":
        value = self.value
        if isinstance(value, dict):
            if key not in value:
                return None
            child = value[key]
            node = Node(self.ws, self.doc, self.pointer + (key,), child)
            return node.deref() if isinstance(child, dict) and "$ref" in child else node
        child = self.child(key)
        return child.deref() if child is not None else None

    def items(self):
        """(key, Node) for a mapping, `$ref`s followed, broken ones skipped."""
        if isinstance(self.value, dict):
            ws, doc, pointer = self.ws, self.doc, self.pointer
            for key, value in list(self.value.items()):
                node = Node(ws, doc, pointer + (key,), value)
                if isinstance(value, dict) and "$ref" in value:  # deref inline: most children have no `$ref`
                    node = node.deref()
                    if node is None:
                        continue
                yield key, node

    def elements(self):
        """Nodes of a list, `$ref`s followed, broken ones skipped."""
        if isinstance(self.value, list):
            ws, doc, pointer = self.ws, self.doc, self.pointer
            for index, value in enumerate(list(self.value)):
                node = Node(ws, doc, pointer + (index,), value)
                if isinstance(value, dict) and "$ref" in value:
                    node = node.deref()
                    if node is None:
                        continue
                yield node

    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    def span(self) -> Span:
        line, col, end_line, end_col = self.doc.position(self.pointer)
        return Span(self.ws.display(self.doc.path), line, col, end_line, end_col)
