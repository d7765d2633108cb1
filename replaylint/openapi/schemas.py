"""Reading JSON Schemas in specs: properties through allOf/oneOf/anyOf, and nested walks, safe on cycles."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from .refs import Node

COMBINERS = ("allOf", "oneOf", "anyOf")
WALKED_KEYS = (*COMBINERS, "items", "properties", "additionalProperties")


def properties(schema: Node | None) -> list[tuple[str, Node, bool]]:
    """(name, property schema, required) of an object schema, merging allOf/oneOf/anyOf branches.

    Memoised per schema in its workspace: a spec's shared components are read by many operations and rules.
    """
    if schema is None or not schema.is_map():
        return []
    key = ("properties", schema.identity)
    cached = schema.ws.memo.get(key)
    if cached is None:
        cached = schema.ws.memo[key] = list(_properties(schema, set()))
    return cached


def _properties(schema: Node, seen: set) -> Iterator[tuple[str, Node, bool]]:
    if schema is None or not schema.is_map() or schema.identity in seen:
        return
    seen.add(schema.identity)
    required = schema.value.get("required")
    required = set(required) if isinstance(required, list) and all(isinstance(r, str) for r in required) else set()
    props = schema.get("properties")
    if props is not None:
        for name, prop in props.items():
            if isinstance(name, str):
                yield name, prop, name in required
    for combiner in COMBINERS:
        branches = schema.get(combiner)
        if branches is not None:
            for branch in branches.elements():
                yield from _properties(branch, seen)


def has_broken_ref(schema: Node | None, max_depth: int = 3) -> bool:
    """Does a schema, or one nested in it through properties, items and combiners as deep as keys are looked
    for (keys.py), go through a `$ref` that cannot be followed? Then whether it takes a key is unknown (the
    reference is reported where written). A schema met again nearer the top is walked again, so the answer
    does not depend on the order of properties."""
    stack, seen = [(schema, 0)], {}
    while stack:
        raw, depth = stack.pop()
        if raw is None or depth > max_depth:
            continue
        node = raw.deref()
        if node is None:
            return True
        if not node.is_map() or seen.get(node.identity, max_depth + 1) <= depth:
            continue
        seen[node.identity] = depth
        for key in WALKED_KEYS:
            child = node.child(key)
            if child is None:
                continue
            if key in COMBINERS:
                stack.extend((child.child(i), depth) for i in range(len(child.value))) \
                    if isinstance(child.value, list) else None
            elif key == "properties":
                props = child.deref()
                if props is None:
                    return True
                if props.is_map():
                    stack.extend((props.child(name), depth + 1) for name in props.value)
            else:  # items, additionalProperties
                stack.append((child, depth + 1))
    return False


def nested_objects(schema: Node, max_depth: int = 6, seen: dict | None = None) -> Iterator[Node]:
    """Every object schema reachable from `schema` through properties, items and combiners, each once.

    `seen` (identity -> shallowest depth walked) may be shared between calls so a whole spec is walked once;
    a schema met again nearer the top is walked again, so the depth limit cuts the same branches either way.
    """
    seen = {} if seen is None else seen
    stack = [(schema, 0)]
    while stack:
        node, depth = stack.pop()
        if node is None or not node.is_map() or depth > max_depth:
            continue
        previous = seen.get(node.identity)
        if previous is not None and previous <= depth:
            continue
        if previous is None:
            yield node
        seen[node.identity] = depth
        value = node.value
        for key in WALKED_KEYS:  # in this order: the walk (and so which operation meets a schema first) is stable
            if key not in value:
                continue
            child = node.get(key)
            if child is None:
                continue
            if key in COMBINERS:
                stack.extend((branch, depth) for branch in child.elements())
            elif key == "properties":
                stack.extend((prop, depth + 1) for _, prop in child.items())
            elif child.is_map():  # items, additionalProperties
                stack.append((child, depth + 1))


def enum_values(schema: Node) -> list | None:
    """The enum of a schema (also a `const`, through items, combiners and Azure's x-ms-enum), or None."""
    if schema is None or not schema.is_map():
        return None
    values = schema.value.get("enum")
    if isinstance(values, list):
        return values
    if "const" in schema.value:  # OpenAPI 3.1: `oneOf: [{const: shipped, description: ...}, ...]`
        return [schema.value["const"]]
    for combiner in COMBINERS:
        branches = schema.get(combiner)
        if branches is not None:
            merged = []
            for branch in branches.elements():
                merged.extend(enum_values(branch) or [])
            if merged:
                return merged
    return None




def value_texts(schema: Node, values: list) -> dict:
    """value -> what the spec says it means, for values the state words cannot place: `x-enum-descriptions`
    (a list beside the enum, or a map), `x-enum-varnames` (the names of integer values), Azure's `x-ms-enum`
    values, `oneOf` branches of `const` + `description`, or a description that lists `CASE_CLOSED: lost or
    withdrawn`. Anything of another shape is ignored (specs are input: a map where a list belongs must not
    stop the rule)."""
    if schema is None or not schema.is_map():
        return {}
    value = schema.value
    scalars = [v for v in values if _scalar(v)]
    texts: dict = {}
    for key in ("x-enum-descriptions", "x-enumDescriptions", "x-enum-varnames", "x-enumNames"):
        extra = value.get(key)
        if isinstance(extra, list) and len(extra) == len(values):
            texts.update((v, t) for v, t in zip(values, extra) if _scalar(v) and isinstance(t, str))
        elif isinstance(extra, dict):
            texts.update((v, extra[v]) for v in scalars if isinstance(extra.get(v), str))
    ms_enum = value.get("x-ms-enum")
    if isinstance(ms_enum, dict) and isinstance(ms_enum.get("values"), list):
        for entry in ms_enum["values"]:
            if isinstance(entry, dict) and _scalar(entry.get("value")) and isinstance(entry.get("description"), str):
                texts.setdefault(entry["value"], entry["description"])
    for combiner in COMBINERS:
        branches = schema.get(combiner) if combiner in value else None  # `$ref`'d branches resolved
        for branch in branches.elements() if branches is not None else ():  # nothing unless a list
            if not branch.is_map() or not isinstance(branch.value.get("description"), str):
                continue
            listed = [branch.value["const"]] if "const" in branch.value else branch.value.get("enum")
            for v in listed if isinstance(listed, list) else ():
                if _scalar(v):
                    texts.setdefault(v, branch.value["description"])
    description = value.get("description")
    if isinstance(description, str) and any(isinstance(v, str) and v not in texts for v in scalars):
        listed = described_values(description)
        texts.update((v, listed[v]) for v in scalars if isinstance(v, str) and v not in texts and v in listed)
    return texts


# `VALUE: meaning`, "`ended` means it completed" (the meaning runs on over a wrapped line, not past a blank
# one, nor onto a line that starts the next entry, nor into the next quoted value: "`a` means x, `b` means y").
_DESCRIBED = re.compile(r"(?:^|(?<=[\s,;(<>]))[`'\"*]*([\w.-]+)[`'\"*]*\s*(?::|-|–|=|means|is)\s+"
                        r"((?:[^\n;.<`]|\n(?![ \t]*(?:\n|[-*•]|[`'\"*]*[\w.-]+[`'\"*]*\s*(?::|-|–|=|means)\s)))+)")


@functools.lru_cache(maxsize=1024)
def described_values(description: str) -> dict[str, str]:
    """`{"CASE_CLOSED": "lost or withdrawn"}` from a description that lists its values, each meaning read to
    the end of its sentence; one pass per description, however many values and operations share it."""
    found: dict[str, str] = {}
    for match in _DESCRIBED.finditer(description):
        found.setdefault(match.group(1), match.group(2))
    return found


def _scalar(value) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)
