"""Parse JSON and YAML documents into plain Python data plus a source map for positions.

Data comes from the fastest safe loader (json's C scanner, PyYAML's C loader when present). Positions are
looked up only when a finding needs one: JSON is scanned lazily from the text, YAML keeps its node tree.
"""
from __future__ import annotations

import bisect
import json
import re

import yaml

try:  # libyaml bindings: same safe semantics, several times faster
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on the platform
    from yaml import SafeLoader as _SafeLoader

MAX_DEPTH = 200


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
        self._line_starts: list[int] | None = None

    def position(self, pointer: tuple) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column), 1-based, of the key or item that holds `pointer`.

        Falls back to the nearest enclosing value that can be located.
        """
        while True:
            found = self._source_map.locate(pointer)
            if found is not None:
                return found
            if not pointer:
                return (1, 1, 1, 1)
            pointer = pointer[:-1]

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return self._line_starts

    def offset_to_position(self, offset: int) -> tuple[int, int]:
        starts = self._starts()
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1


def read_text(path: str, max_bytes: int) -> str:
    """Read a UTF-8 text file, turning every I/O and decoding failure into a DocumentError."""
    import os

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
        raise DocumentError(f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    if "\x00" in text:
        raise DocumentError("contains null bytes (a binary file?)")
    return text


def parse_document(path: str, text: str) -> Document:
    """Parse JSON or YAML (chosen by extension, JSON text is also valid YAML) into a Document."""
    if path.lower().endswith(".json"):
        return _parse_json(path, text)
    return _parse_yaml(path, text)


# --- JSON -------------------------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _parse_json(path: str, text: str) -> Document:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise DocumentError("JSON nested too deeply to read") from None
    doc = Document(path, text, data, None)
    doc._source_map = _JsonSourceMap(doc)
    return doc


class _JsonSourceMap:
    """Finds positions in JSON text on demand, scanning each container once and skipping values in C."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.text = doc.text
        # pointer of a container -> {key: (key_start, key_end, value_start)}
        self._children: dict[tuple, dict] = {}

    def locate(self, pointer: tuple):
        value_start = _WS.match(self.text, 0).end()
        key_span = (value_start, value_start + 1)
        for depth, part in enumerate(pointer):
            children = self._children.get(pointer[:depth])
            if children is None:
                children = self._scan(value_start)
                self._children[pointer[:depth]] = children
            entry = children.get(part)
            if entry is None and not isinstance(part, str):
                entry = children.get(str(part))
            if entry is None:
                return None
            key_start, key_end, value_start = entry
            key_span = (key_start, key_end)
        line, col = self.doc.offset_to_position(key_span[0])
        end_line, end_col = self.doc.offset_to_position(key_span[1])
        return (line, col, end_line, end_col)

    def _scan(self, start: int) -> dict:
        text, out = self.text, {}
        if start >= len(text) or text[start] not in "{[":
            return out
        is_list = text[start] == "["
        i = _WS.match(text, start + 1).end()
        index = 0
        close = "]" if is_list else "}"
        while i < len(text) and text[i] != close:
            if is_list:
                key, key_start, key_end = index, i, i + 1
                index += 1
            else:
                key_start = i
                key, i = json.decoder.scanstring(text, i + 1)
                key_end = i
                i = _WS.match(text, i).end() + 1  # the colon
                i = _WS.match(text, i).end()
            value_start = i
            _, i = _DECODER.raw_decode(text, i)
            out[key] = (key_start, key_end, value_start)
            i = _WS.match(text, i).end()
            if i < len(text) and text[i] == ",":
                i = _WS.match(text, i + 1).end()
        return out


# --- YAML -------------------------------------------------------------------------------------------------


MAX_FLOW_DEPTH = 1000  # libyaml composes recursively: far deeper input would overflow the C stack
MAX_INDENT = 2000
MAX_EXPANDED_NODES = 5_000_000  # what aliases may expand to (billion laughs)


def _check_yaml_shape(text: str) -> None:
    """Refuse, before libyaml sees them, inputs nested deep enough to crash a recursive parser."""
    if text.count("[") + text.count("{") > MAX_FLOW_DEPTH:
        depth = deepest = 0
        for ch in re.findall(r"[\[\]{}]", text):
            depth = depth + 1 if ch in "[{" else max(0, depth - 1)
            if depth > deepest:
                deepest = depth
                if deepest > MAX_FLOW_DEPTH:
                    raise DocumentError(f"nested deeper than {MAX_FLOW_DEPTH} levels")
    if re.search(r"^ {%d}" % (MAX_INDENT + 1), text, re.M):
        raise DocumentError(f"indented deeper than {MAX_INDENT} columns")


def _parse_yaml(path: str, text: str) -> Document:
    _check_yaml_shape(text)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            data = None
        else:
            _check_depth(node)
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "invalid YAML"
        if "another document" in reason:
            raise MultiDocumentError("several YAML documents in one file (an OpenAPI document is one)") from None
        raise DocumentError(
            f"invalid YAML: {reason}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise DocumentError("YAML nested too deeply to read") from None
    finally:
        loader.dispose()
    return Document(path, text, data, _YamlSourceMap(node))


def _check_depth(root) -> None:
    """Refuse documents nested deeper than MAX_DEPTH, or whose aliases expand to more than MAX_EXPANDED_NODES
    nodes (a "billion laughs" bomb), before anything that walks the data touches them."""
    sizes: dict[int, int] = {}
    stack = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        if depth > MAX_DEPTH:
            raise DocumentError(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.MappingNode):
            children = [value for pair in node.value for value in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            sizes[id(node)] = 1
            continue
        if done:
            sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child in children)
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                raise DocumentError(f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?)")
            continue
        if id(node) in sizes:
            continue
        sizes[id(node)] = 1  # in progress: a recursive alias counts once
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


class _YamlSourceMap:
    """Positions from the composed YAML node tree."""

    def __init__(self, root):
        self.root = root

    def locate(self, pointer: tuple):
        node = self.root
        mark_node = node
        if node is None:
            return None
        for part in pointer:
            if isinstance(node, yaml.MappingNode):
                found = _mapping_lookup(node, str(part))
                if found is None:
                    return None
                mark_node, node = found
            elif isinstance(node, yaml.SequenceNode):
                if not isinstance(part, int) or part >= len(node.value):
                    return None
                node = mark_node = node.value[part]
            else:
                return None
        start, end = mark_node.start_mark, mark_node.end_mark
        return (start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _mapping_lookup(node, key: str):
    merges = []
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            merges.append(value_node)
        elif isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    for merged in merges:  # `<<: *anchor` merge keys
        candidates = merged.value if isinstance(merged, yaml.SequenceNode) else [merged]
        for candidate in candidates:
            if isinstance(candidate, yaml.MappingNode):
                found = _mapping_lookup(candidate, key)
                if found:
                    return found
    return None
