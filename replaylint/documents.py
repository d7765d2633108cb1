"""Parse JSON and YAML documents into plain Python data plus a source map for positions.

Data comes from the fastest safe loader available: json's C scanner; for YAML, yaml-rs (a Rust loader) when it
is installed and the document needs nothing it lacks (merge keys), else PyYAML's C loader. Positions are looked
up only when a finding needs one (see positions.py).
"""
from __future__ import annotations

import bisect
import contextlib
import json

from .lazy import LazyRegex
from .positions import JsonScanner, SourceMap


class DocumentError(Exception):
    """A document that cannot be parsed; carries a 1-based position when one is known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class MultiDocumentError(DocumentError):
    """A YAML stream of several documents (Kubernetes manifests, ...): never an OpenAPI document."""


class Document:
    """One parsed file: its data and a way to find where any value in it is written."""

    def __init__(self, path: str, text: str, data, source_map):
        self.path = path
        self.text = text
        self.data = data
        self._source_map = source_map
        self._checkpoints: list[tuple[int, int]] = [(0, 1)]  # (offset, line) pairs already known

    def position(self, pointer: tuple) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column), 1-based, of the key or item that holds `pointer`.

        Falls back to the nearest enclosing value that can be located.
        """
        while True:
            found = self._source_map.locate(pointer)
            if found is not None:
                start, end = found
                return (*self.offset_to_position(start), *self.offset_to_position(end))
            if not pointer:
                return (1, 1, 1, 1)
            pointer = pointer[:-1]

    def offset_to_position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a text offset. Lines are counted from the nearest offset already
        converted, so a few findings in a big file cost a few short scans, not a table of every line."""
        checkpoints = self._checkpoints
        at = bisect.bisect_right(checkpoints, (offset, float("inf"))) - 1
        known, line = checkpoints[at]
        line += self.text.count("\n", known, offset)
        bisect.insort(checkpoints, (offset, line))
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1


# absolute path -> an editor's unsaved text, while a run is given them (the language server's checks, one at a
# time): a `$ref`'d fragment or a helper module open in the editor is read as it is there, not as on disk.
_BUFFERS: dict[str, str] = {}


@contextlib.contextmanager
def editor_buffers(texts: dict[str, str] | None):
    """Read `texts` (absolute path -> text) in place of those files for the duration of a run."""
    import os

    if not texts:
        yield
        return
    for path, text in texts.items():  # by the path as given and as resolved (a workspace behind a symlink)
        _BUFFERS[path] = _BUFFERS[os.path.realpath(path)] = text
    try:
        yield
    finally:
        _BUFFERS.clear()


def buffer_for(path: str) -> str | None:
    """The editor's text of `path` while a run is given one, else None."""
    import os

    if not _BUFFERS:
        return None
    found = _BUFFERS.get(os.path.abspath(path))
    return found if found is not None else _BUFFERS.get(os.path.realpath(path))


def read_text(path: str, max_bytes: int) -> str:
    """Read a UTF-8 text file, turning every I/O and decoding failure into a DocumentError."""
    import os

    buffered = buffer_for(path)
    if buffered is not None:
        return buffered
    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            raise DocumentError(f"larger than {max_bytes // (1024 * 1024) or 1} MB (the size cap)")
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise DocumentError(f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = _declared_python_encoding(path, raw, exc)
    if b"\x00" in raw:  # checked on the bytes: ten times faster than on the decoded text
        raise DocumentError("contains null bytes (a binary file?)")
    return text


_CODING = LazyRegex(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")  # PEP 263


def _declared_python_encoding(path: str, raw: bytes, error: UnicodeDecodeError) -> str:
    """A Python file that declares its encoding in a `# -*- coding: latin-1 -*-` comment on one of its first
    two lines, as Python reads it; any other file that is not UTF-8 is not analysed."""
    if path.lower().endswith((".py", ".pyi")):
        for line in raw.split(b"\n", 2)[:2]:
            match = _CODING.match(line)
            if match:
                name = match.group(1).decode("ascii", "replace")
                try:
                    return raw.decode(name)
                except LookupError:
                    raise DocumentError(f"declares an unknown encoding '{name}'") from None
                except UnicodeDecodeError as exc:
                    raise DocumentError(f"not {name} text as it declares (invalid byte at offset "
                                        f"{exc.start})") from None
    raise DocumentError(f"not UTF-8 text (invalid byte at offset {error.start})") from None


def parse_document(path: str, text: str) -> Document:
    """Parse JSON or YAML (chosen by extension, JSON text is also valid YAML) into a Document."""
    if path.lower().endswith(".json"):
        return _parse_json(path, text)
    from .yaml_documents import parse_yaml  # YAML libraries load only when a YAML file is read

    return parse_yaml(path, text)


# --- JSON -------------------------------------------------------------------------------------------------


def _parse_json(path: str, text: str) -> Document:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise DocumentError("JSON nested too deeply to read") from None
    scanner = JsonScanner(text)
    return Document(path, text, data, SourceMap(text, scanner.locate, scanner))


