"""Where a value is written: positions for JSON pointers, found only when a finding needs one.

Specs are loaded into plain data by the fastest loader available; positions come afterwards, from the text:

- `LineIndex`: one regex pass collects every key that starts a line (YAML block mappings and sequences,
  pretty-printed JSON) with its indentation; a pointer is then followed block by block with bisection. This
  covers nearly every position a rule asks for, at a fraction of the cost of a second parse.
- `JsonScanner`: for what the index cannot answer in JSON (minified files, array items), containers are scanned
  lazily, skipping values with json's C decoder, each container once.
- YAML that the index cannot answer falls back to PyYAML's node tree (`yaml_node_locator`), built on demand.
"""
from __future__ import annotations

import json
import re

from .lazy import LazyRegex

_KEY = r"(?P<key>\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\n]|'')*'|[^ \t\n#\"'\[\]{},&*!|>%@`-][^\n]*?|-[^ \t\n][^\n]*?)"
_ITEM_KEY = LazyRegex(r"-[ ]+" + _KEY + r"[ \t]*:(?=[ \t]|$)")
_FIRST_LINE = LazyRegex(r"^(?P<indent>[ ]*)(?:(?P<dash>-)(?=[ \t]|$)|[^ \t\n#{}\[\]])", re.M)  # JSON: skip `{` lines


def _key_text(raw: str) -> str | None:
    if raw.startswith('"'):
        if "\\" not in raw:
            return raw[1:-1]
        try:
            return json.loads(raw)
        except ValueError:
            return None
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    return raw


class LineIndex:
    """Keys and sequence items that start lines (YAML block style, pretty-printed JSON), read container by
    container: the direct children of a block are found by one regex scan of that block at its children's
    indentation, only for the blocks a lookup passes through."""

    def __init__(self, text: str):
        self.text = text
        self._children: dict[int, tuple] = {}  # parent offset -> (kind, keys {key: (start, end)} | item starts)
        self._key_patterns: dict[int, re.Pattern] = {}
        self._item_patterns: dict[int, re.Pattern] = {}

    def _line_end(self, offset: int) -> int:
        end = self.text.find("\n", offset)
        return len(self.text) if end < 0 else end

    def _key_pattern(self, indent: int) -> re.Pattern:
        """Keys at exactly `indent`: the pattern starts with a literal newline and spaces, which the regex engine
        finds with a fast substring search instead of trying every position."""
        pattern = self._key_patterns.get(indent)
        if pattern is None:
            pattern = self._key_patterns[indent] = re.compile("\n" + " " * indent + _KEY + r"[ \t]*:(?=[ \t\r]|$)",
                                                              re.M)
        return pattern

    def _lines_at(self, pattern: re.Pattern, start: int, end: int):
        """Matches of a newline-led pattern for lines starting in [start, end), the first line included."""
        if start == 0:  # the text's first line has no newline before it: match it with one prepended
            first = pattern.match("\n" + self.text[:self._line_end(0) + 1])
            if first is not None:
                yield first, -1
        for match in pattern.finditer(self.text, max(start - 1, 0), end):
            yield match, 0

    def _contents(self, start: int, end: int, indent: int, item: bool):
        """The direct children of the block (start, end): ("map", (indent, {key: (span, block end)})) or
        ("seq", (indent, [(offset, block end)])). A child's block ends where its next sibling's line starts (or
        where the parent's block ends). An item's first key shares the line of its dash (`- name: x`)."""
        cached = self._children.get(start)
        if cached is not None:
            return cached
        result = ("none", None)
        inline = _ITEM_KEY.match(self.text, start) if item else None
        if inline is not None:
            child = inline.start("key") - (self.text.rfind("\n", 0, start) + 1)
            found = [(inline.group("key"), inline.start("key"), inline.end("key"), start)]
            found += [(m.group("key"), m.start("key"), m.end("key"), m.start() + 1)
                      for m in self._key_pattern(child).finditer(self.text, self._line_end(start), end)]
            result = ("map", (child, _siblings(found, end)))
        else:
            first = _FIRST_LINE.search(self.text, self._line_end(start) if start >= 0 else 0, end)
            if first is not None:
                child = len(first.group("indent"))
                is_item = first.group("dash") is not None
                if child > indent or (is_item and child == indent and not item):
                    if is_item:
                        pattern = self._item_patterns.get(child)
                        if pattern is None:
                            pattern = self._item_patterns[child] = re.compile("\n" + " " * child + r"-(?=[ \t\r]|$)",
                                                                               re.M)
                        starts = [m.start() + 1 for m in pattern.finditer(self.text, max(first.start() - 1, 0), end)]
                        ends = starts[1:] + [end]
                        result = ("seq", (child, [(line + child, stop) for line, stop in zip(starts, ends)]))
                    else:
                        found = [(m.group("key"), m.start("key") + shift, m.end("key") + shift,
                                  m.start() + 1 + shift) for m, shift in
                                 self._lines_at(self._key_pattern(child), first.start(), end)]
                        result = ("map", (child, _siblings(found, end)))
        self._children[start] = result
        return result

    def locate(self, pointer: tuple) -> tuple[int, int] | None:
        """(start, end) offsets of the key or item that holds `pointer`, or None when the index cannot tell."""
        start, end, indent, item = -1, len(self.text), -1, False
        span = None
        for part in pointer:
            kind, contents = self._contents(start, end, indent, item)
            if kind == "seq" and isinstance(part, int):
                child, entries = contents
                if part >= len(entries):
                    return None
                offset, end = entries[part]
                span, item = (offset, offset + 1), True
            elif kind == "map":
                child, keys = contents
                entry = keys.get(str(part))
                if entry is None:
                    return None
                span, end = entry
                item = False
            else:
                return None
            start, indent = span[0], child
        return span


def _siblings(found: list, end: int) -> dict:
    """{key: ((key start, key end), block end)} from (raw key, start, end, line start) in order."""
    keys: dict[str, tuple] = {}
    for index, (raw, key_start, key_end, _) in enumerate(found):
        key = _key_text(raw)
        if key is not None and key not in keys:
            block_end = found[index + 1][3] if index + 1 < len(found) else end
            keys[key] = ((key_start, key_end), block_end)
    return keys


class JsonScanner:
    """Positions in JSON text found by scanning containers lazily, skipping values in C, each container once."""

    _WS = LazyRegex(r"[ \t\n\r]*")
    _DECODER = json.JSONDecoder()

    def __init__(self, text: str):
        self.text = text
        self._children: dict[tuple, dict] = {}  # pointer of a container -> {key: (key_start, key_end, value)}

    def locate(self, pointer: tuple) -> tuple[int, int] | None:
        return self.locate_from(None, (), pointer)

    def locate_from(self, key_end: int | None, prefix: tuple, rest: tuple) -> tuple[int, int] | None:
        """Continue from the value after the key that ends at `key_end` (the root when None)."""
        if key_end is None:
            value_start = self._WS.match(self.text, 0).end()
        else:
            colon = self._WS.match(self.text, key_end).end()
            value_start = self._WS.match(self.text, colon + 1).end()
        span = (value_start, value_start + 1)
        pointer = prefix + tuple(rest)
        for depth in range(len(prefix), len(pointer)):
            part = pointer[depth]
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
            span = (key_start, key_end)
        return span

    def _scan(self, start: int) -> dict:
        text, out = self.text, {}
        if start >= len(text) or text[start] not in "{[":
            return out
        is_list = text[start] == "["
        close = "]" if is_list else "}"
        i = self._WS.match(text, start + 1).end()
        index = 0
        while i < len(text) and text[i] != close:
            if is_list:
                key, key_start, key_end = index, i, i + 1
                index += 1
            else:
                key_start = i
                key, i = json.decoder.scanstring(text, i + 1)
                key_end = i
                i = self._WS.match(text, i).end() + 1  # the colon
                i = self._WS.match(text, i).end()
            value_start = i
            _, i = self._DECODER.raw_decode(text, i)
            out[key] = (key_start, key_end, value_start)
            i = self._WS.match(text, i).end()
            if i < len(text) and text[i] == ",":
                i = self._WS.match(text, i + 1).end()
        return out


class SourceMap:
    """Offsets for pointers: the line index first, then the format's own slower way (for JSON, continued
    from the deepest container the index found, so only small containers are scanned)."""

    def __init__(self, text: str, fallback, json_scanner: "JsonScanner | None" = None):
        self.text = text
        self._fallback = fallback  # (pointer) -> (start, end) offsets, or None
        self._json = json_scanner
        self._index: LineIndex | None = None

    def locate(self, pointer: tuple):
        if self._index is None:
            self._index = LineIndex(self.text)
        found = self._index.locate(pointer) if pointer else None
        if found is not None:
            return found
        if self._json is not None:
            for cut in range(len(pointer) - 1, 0, -1):
                prefix = self._index.locate(pointer[:cut])
                if prefix is not None:
                    return self._json.locate_from(prefix[1], pointer[:cut], pointer[cut:])
        return self._fallback(pointer)
