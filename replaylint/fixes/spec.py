"""Spec fixes: text edits that leave everything else in the file byte for byte as it was.

Edits are computed on the text with positions from PyYAML's composer (YAML and JSON alike: a JSON document
is YAML in flow style), so comments, order, quoting and indentation stay the author's. A fix is made only
where the shape is one this module knows how to edit; anything else is left for a person.

- RPL101 (safe): a shared `Idempotency-Key` header parameter, defined once (`components/parameters`, or the
  root `parameters` of Swagger 2.0) and referenced from each flagged operation.
- RPL102 (unsafe: clients that do not send the key start failing): the optional key made required.
"""
from __future__ import annotations

import json
from . import Edit, apply

PARAMETER_NAME = "IdempotencyKey"
KEY_DESCRIPTION = ("A key the caller chooses for this intent: a repeat with the same key returns the first "
                   "outcome instead of doing the work again.")


def edits(text: str, json_style: bool, findings, unsafe: bool = False) -> tuple[list[Edit], int]:
    """The edits that fix the fixable `findings` of one spec file (those whose anchor is `METHOD /path`), and
    how many findings they fix."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return [], 0
    if not isinstance(root, yaml.MappingNode):
        return [], 0
    doc = _Doc(text, root, json_style)
    found: list[Edit] = []
    fixed = 0
    keyless = sorted({f.anchor for f in findings if f.code == "RPL101" and " " in f.anchor})
    if keyless:
        definition: list[Edit] = []
        reference = doc.key_parameter(definition)
        referenced = {anchor: doc.reference_from(anchor, reference) for anchor in keyless} \
            if reference is not None else {}
        references = [edit for edits_ in referenced.values() for edit in edits_]
        if references:  # a definition nothing refers to is no fix (a path item written in another file)
            found += definition + references
            fixed += sum(1 for f in findings if f.code == "RPL101" and referenced.get(f.anchor))
    if unsafe:
        for finding in findings:
            if finding.code == "RPL102":
                required = doc.make_required(finding.span.line, finding.span.column)
                found += required
                fixed += bool(required)
    if found and not _only_additions(text, apply(text, found), json_style):
        return [], 0  # a shape this module misjudged: leave the file to a person rather than change its meaning
    return found, fixed


def _only_additions(before: str, after: str, json_style: bool) -> bool:
    """The fixed file still parses, and its data is the old data plus what fixes add (a `$ref` item, the key
    parameter, the mappings that hold it, `required: true`), nothing moved or lost."""
    from ..documents import DocumentError, parse_document

    name = "fixed.json" if json_style else "fixed.yaml"  # the engine's own (fastest safe) loaders
    try:
        return _contains(parse_document(name, before).data, parse_document(name, after).data)
    except DocumentError:
        return False


def _contains(old, new) -> bool:
    if isinstance(old, dict):
        return isinstance(new, dict) and all(k in new and _contains(v, new[k]) for k, v in old.items()) and \
            all(_added(k, new[k]) for k in new.keys() - old.keys())
    if isinstance(old, list):
        return isinstance(new, list) and len(new) >= len(old) and \
            all(_contains(a, b) for a, b in zip(old, new)) and all(_added("", item) for item in new[len(old):])
    return old == new or (old is False and new is True)


def _added(key, value) -> bool:
    """What a fix may add: a `$ref` to a parameter, the key parameter itself, `required: true`, and the
    `parameters`/`components` mappings or lists that hold only those."""
    if key == "required":
        return value is True
    if isinstance(value, dict):
        if set(value) == {"$ref"}:
            return "/parameters/" in str(value["$ref"])
        if value.get("name") == "Idempotency-Key" and value.get("in") == "header":
            return True
        return key in ("components", "parameters") and all(_added(k, v) for k, v in value.items())
    if isinstance(value, list):
        return key == "parameters" and all(_added("", item) for item in value)
    return False


class _Doc:
    """One spec's node tree with positions, and the edits that add to it in its own style."""

    def __init__(self, text: str, root, json_style: bool):
        self.text = text
        self.root = root
        self.json = json_style
        self.swagger = _get(root, "swagger") is not None
        self.shared = _shared_nodes(root)  # written once, reached twice (an anchor and its aliases)
        self.unit = self._indent_unit()
        self.dash = self._dash_offset()

    def _indent_unit(self) -> str:
        """One level of the file's indentation (`  `, four spaces, a tab), read from the first mapping
        nested under the root: new blocks are written with it."""
        for _, value in self.root.value:
            if _is_mapping(value) and value.value and not (value.flow_style and not self.json):
                first = value.value[0][0]
                if value.flow_style and first.start_mark.line == value.start_mark.line:
                    continue  # `{...}` opened on the key's line says nothing of the indentation
                prefix = self._prefix(first)
                outer = self._prefix(self.root.value[0][0])
                if prefix.startswith(outer) and prefix[len(outer):].strip(" \t") == "" and len(prefix) > len(outer):
                    return prefix[len(outer):]
        return "  "

    def _dash_offset(self) -> str:
        """What goes between a key and the `-` of its block list's items: `  ` (indented) or nothing."""
        import yaml

        stack = [self.root]
        while stack:
            node = stack.pop()
            if _is_mapping(node):
                for key, value in node.value:
                    if _is_sequence(value) and value.value and not value.flow_style:
                        dash = self.text.rfind("-", 0, value.value[0].start_mark.index)
                        return " " * max(0, dash - self._line_start(dash) - key.start_mark.column)
                    stack.append(value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        return self.unit if self.unit.strip() == "" and "\t" not in self.unit else "  "

    def _prefix(self, node) -> str:
        """The whitespace a node's line starts with, as written (spaces or tabs)."""
        start = self._line_start(node.start_mark.index)
        prefix = self.text[start:node.start_mark.index]
        return prefix if prefix.strip() == "" else " " * node.start_mark.column

    # --- the shared parameter -------------------------------------------------------------------------

    def key_parameter(self, edits: list) -> str | None:
        """The `$ref` to a header parameter named Idempotency-Key, defining it (into `edits`) when the spec
        has none; None where the spec's shape is not one this module edits."""
        section = ("parameters",) if self.swagger else ("components", "parameters")
        prefix = "#/parameters/" if self.swagger else "#/components/parameters/"
        holder = _path(self.root, section)
        if holder is not None:
            for key, value in holder.value:
                name, where = _scalar(_get(value, "name")), _scalar(_get(value, "in"))
                if (name or "").lower() == "idempotency-key" and where == "header":
                    return prefix + key.value
            taken = {key.value for key, _ in holder.value}
            entry = next((n for n in (PARAMETER_NAME, PARAMETER_NAME + "Header", PARAMETER_NAME + "2")
                          if n not in taken), None)
            if entry is None:
                return None
        else:
            entry = PARAMETER_NAME
        definition = {"name": "Idempotency-Key", "in": "header", "required": True, "description": KEY_DESCRIPTION}
        definition.update({"type": "string"} if self.swagger else {"schema": {"type": "string"}})
        edit = self._add_entry(section, entry, definition)
        if edit is None:
            return None
        edits.append(edit)
        return prefix + entry

    def _add_entry(self, section: tuple, key: str, value) -> Edit | None:
        """Add `key: value` to the mapping at `section`, making the missing mappings on the way."""
        node, depth = self.root, 0
        while depth < len(section):
            child = _get(node, section[depth])
            if child is None:
                break
            node, depth = child, depth + 1
        if not _is_mapping(node):
            return None
        nested: object = value
        for name in reversed((*section[depth:], key)[1:]):
            nested = {name: nested}
        return self._insert_into_mapping(node, (*section[depth:], key)[0], nested)

    # --- a `$ref` from an operation ---------------------------------------------------------------------

    def reference_from(self, anchor: str, reference: str) -> list[Edit]:
        method, _, route = anchor.partition(" ")
        operation = _path(self.root, ("paths", route, method.lower()))
        if not _is_mapping(operation) or id(operation) in self.shared or \
                id(_get(operation, "parameters")) in self.shared:
            return []  # an edit there would change every operation that shares the node
        item = {"$ref": reference}
        parameters = _get(operation, "parameters")
        if parameters is None:
            edit = self._insert_into_mapping(operation, "parameters", [item], first=True)
            return [edit] if edit else []
        if not _is_sequence(parameters):
            return []
        edit = self._append_to_sequence(parameters, item)
        return [edit] if edit else []

    # --- RPL102 -------------------------------------------------------------------------------------------

    def make_required(self, line: int, column: int) -> list[Edit]:
        """The parameter mapping written at (line, column): `required: false` made true, or added."""
        target = _mapping_at(self.root, line - 1, column - 1)
        if target is None:
            return []
        required = _get(target, "required")
        if required is not None:
            if (_scalar(required) or "").lower() in ("false", "no", "off"):
                return [Edit(required.start_mark.index, required.end_mark.index, "true")]
            return []
        edit = self._insert_into_mapping(target, "required", True, first=False)
        return [edit] if edit else []

    # --- writing in the file's own style ------------------------------------------------------------------

    def _insert_into_mapping(self, mapping, key: str, value, first: bool = False) -> Edit | None:
        if mapping.flow_style or self.json:
            return self._insert_flow(mapping, key, value, first)
        if not mapping.value:
            return None
        keys = [k for k, _ in mapping.value]
        block = _yaml_block(key, value, self._prefix(keys[0]), self.unit, self.dash)
        if first:
            at = self._line_start(keys[0].start_mark.index)
            return Edit(at, at, block)
        at = len(self.text) if mapping is self.root else self._line_end(_last_position(mapping))
        return Edit(at, at, self._lead(at) + block)

    def _insert_flow(self, mapping, key: str, value, first: bool) -> Edit | None:
        keys = [k for k, _ in mapping.value]
        if not keys:
            at = mapping.start_mark.index + 1
            return Edit(at, at, f"{self._flow(key)}: {self._flow(value)}")
        multiline = keys[0].start_mark.line != mapping.start_mark.line
        neighbour = keys[0] if first else keys[-1]
        pad = self._prefix(neighbour) if multiline else ""
        rendered = f"{self._flow(key)}: {self._flow(value, pad if multiline else None)}"
        separator = ",\n" + pad if multiline else ", "
        if first:
            at = keys[0].start_mark.index
            return Edit(at, at, rendered + separator)
        at = mapping.value[-1][1].end_mark.index
        return Edit(at, at, separator + rendered)

    def _append_to_sequence(self, sequence, item) -> Edit | None:
        items = sequence.value
        if sequence.flow_style or self.json:
            if not items:
                at = sequence.start_mark.index + 1
                return Edit(at, at, self._flow(item))
            last = items[-1]
            multiline = last.start_mark.line != sequence.start_mark.line
            pad = self._prefix(last) if multiline else ""
            separator = ",\n" + pad if multiline else ", "
            return Edit(last.end_mark.index, last.end_mark.index,
                        separator + self._flow(item, pad if multiline else None))
        if not items:
            return None
        dash = self.text.rfind("-", 0, items[0].start_mark.index)
        indent = self.text[self._line_start(dash):dash]
        at = self._line_end(_last_position(sequence))
        return Edit(at, at, self._lead(at) + indent + "- " + _yaml_item(item) + "\n")

    def _flow(self, value, pad: str | None = None) -> str:
        """`value` in flow style: JSON in a JSON file, laid out over lines in its indentation when written
        at `pad` among keys one per line; inline YAML otherwise."""
        if not self.json:
            return _yaml_inline(value)
        if pad is None or not isinstance(value, (dict, list)) or len(json.dumps(value)) <= 40:
            return json.dumps(value, ensure_ascii=False)
        return json.dumps(value, ensure_ascii=False, indent=self.unit).replace("\n", "\n" + pad)

    def _lead(self, at: int) -> str:
        """A newline before text added at the very end of a file that does not end with one."""
        return "" if at == 0 or self.text[at - 1:at] == "\n" else "\n"

    def _line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def _line_end(self, offset: int) -> int:
        if offset > 0 and self.text[offset - 1] == "\n":
            return offset  # a block scalar ends where the next line starts
        end = self.text.find("\n", offset)
        return len(self.text) if end == -1 else end + 1


def _yaml_inline(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml_key(k)}: {_yaml_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_inline(v) for v in value) + "]"
    return _yaml_scalar(value)


def _yaml_scalar(value) -> str:
    if value is True:
        return "true"
    if isinstance(value, str) and (value.startswith(("#", "$", "{", "[", "-")) or ": " in value or
                                   value.lower() in ("true", "false", "null", "yes", "no")):
        return json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    return str(value)


def _yaml_item(value) -> str:
    """A block sequence item: `$ref: "#/…"` for a one-key mapping, as people write it."""
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        return f"{_yaml_key(key)}: {_yaml_inline(inner)}"
    return _yaml_inline(value)


def _yaml_key(key: str) -> str:
    return key if key == "$ref" else _yaml_scalar(key)


def _yaml_block(key: str, value, pad: str, unit: str, dash: str) -> str:
    """`key: value` as a YAML block at `pad`, nested by `unit`, list items `dash` in from their key."""
    if isinstance(value, dict):
        return f"{pad}{_yaml_key(key)}:\n" + "".join(_yaml_block(child, inner, pad + unit, unit, dash)
                                                     for child, inner in value.items())
    if isinstance(value, list):
        return f"{pad}{_yaml_key(key)}:\n" + "".join(f"{pad}{dash}- {_yaml_item(v)}\n" for v in value)
    return f"{pad}{_yaml_key(key)}: {_yaml_scalar(value)}\n"


def _shared_nodes(root) -> set[int]:
    """The ids of collection nodes reached more than once (a YAML anchor and its aliases)."""
    import yaml

    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            continue
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        stack.extend(v for pair in node.value for v in pair) if isinstance(node, yaml.MappingNode) \
            else stack.extend(node.value)
    return shared


def _get(node, key: str):
    if not _is_mapping(node):
        return None
    for k, v in node.value:
        if getattr(k, "value", None) == key:
            return v
    return None


def _path(node, keys: tuple):
    for key in keys:
        node = _get(node, key)
        if node is None:
            return None
    return node


def _scalar(node) -> str | None:
    import yaml

    return node.value if isinstance(node, yaml.ScalarNode) else None


def _is_mapping(node) -> bool:
    import yaml

    return isinstance(node, yaml.MappingNode)


def _is_sequence(node) -> bool:
    import yaml

    return isinstance(node, yaml.SequenceNode)


def _last_position(node) -> int:
    """Where the last value written inside `node` ends (a block node's own end mark may lie lines below)."""
    import yaml

    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node.end_mark.index


def _mapping_at(node, line: int, column: int):
    """The mapping whose first key (or the key naming it) is at 0-based (line, column)."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.MappingNode) and (key.start_mark.line, key.start_mark.column) == (line, column):
                return value
            found = _mapping_at(value, line, column)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:  # an item named by its `-`, its `{` or one of its keys
            if isinstance(item, yaml.MappingNode) and (
                    (item.start_mark.line == line and item.start_mark.column >= column) or
                    any((k.start_mark.line, k.start_mark.column) == (line, column) for k, _ in item.value)):
                return item
            found = _mapping_at(item, line, column)
            if found is not None:
                return found
    return None
