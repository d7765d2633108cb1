"""A fast, read-only walk over libcst trees.

libcst's own `node.visit(visitor)` rebuilds every node it passes (it is built for transforms), which costs more
than parsing. Linting only reads, so this walk follows each node's child fields directly, skipping
whitespace and punctuation, and calls the same `visit_<Node>` / `leave_<Node>` methods a `CSTVisitor` has.
"""
from __future__ import annotations

import dataclasses

from .lazy import cst

_SKIP_PREFIXES = ("whitespace", "leading_lines", "lines_after", "lpar", "rpar", "comma", "semicolon", "lbrace",
                  "rbrace", "lbracket", "rbracket", "colon", "equal", "dot", "header", "footer", "newline",
                  "trailing_whitespace", "asynchronous", "operator", "star", "first_line", "empty_lines")
_FIELDS: dict[type, tuple[str, ...]] = {}
_METHODS: dict[tuple[type, type], tuple] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = tuple(f.name for f in dataclasses.fields(kind) if not f.name.startswith(_SKIP_PREFIXES))
        _FIELDS[kind] = fields
    return fields


def children(node: cst.CSTNode):
    """The child nodes that carry code, in field order (source order for statements and expressions)."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def _methods(visitor, kind: type) -> tuple:
    key = (type(visitor), kind)
    found = _METHODS.get(key)
    if found is None:
        name = kind.__name__
        found = (getattr(type(visitor), f"visit_{name}", None), getattr(type(visitor), f"leave_{name}", None))
        _METHODS[key] = found
    return found


def fast_visit(node: cst.CSTNode, visitor) -> None:
    """Walk `node` like `node.visit(visitor)` would, without rebuilding it; iterative, so deep code is safe."""
    stack: list = [(node, False)]
    while stack:
        current, leaving = stack.pop()
        visit, leave = _methods(visitor, type(current))
        if leaving:
            leave(visitor, current)
            continue
        if leave is not None:
            stack.append((current, True))
        if visit is None or visit(visitor, current) is not False:
            stack.extend((child, False) for child in reversed(list(children(current))))


class _Calls:
    def __init__(self):
        self.found: list = []

    def visit_Call(self, node) -> None:
        self.found.append(node)


class _Collect:
    """Nodes of one kind, not looking into nested functions (a class per kind, made once: see `nodes_in`)."""

    kind = ""

    def __init__(self):
        self.found: list = []

    def visit_FunctionDef(self, node) -> bool:
        if self.kind == "FunctionDef":
            self.found.append(node)
        return False


_COLLECTORS: dict = {}


def nodes_in(node, kind: type) -> list:
    """Every `kind` node below `node` in walk order (`cst.Return`, `cst.Assign`), not inside nested functions."""
    collector = _COLLECTORS.get(kind)
    if collector is None:
        collector = _COLLECTORS[kind] = type(f"_Collect{kind.__name__}", (_Collect,), {
            "kind": kind.__name__, f"visit_{kind.__name__}": lambda self, found: self.found.append(found)})
    finder = collector()
    fast_visit(node, finder)
    return finder.found


def calls_in(node) -> list:
    """Every call below `node` (itself included), in walk order: what the small "is there a call to ..."
    questions of the recognisers ask."""
    if node is None:
        return []
    finder = _Calls()
    fast_visit(node, finder)
    return finder.found


class _Reads:
    def __init__(self):
        self.names: set[str] = set()

    def visit_Name(self, name) -> None:
        self.names.add(name.value)

    def visit_Attribute(self, attribute) -> bool:
        fast_visit(attribute.value, self)
        return False

    def visit_Arg(self, arg) -> bool:
        fast_visit(arg.value, self)
        return False


def names_read(node) -> set[str]:
    """The names an expression or block reads: `uuid` of `uuid.uuid4()`, not the attribute `uuid4` nor a
    keyword's name (`key=` of `f(key=k)` reads only `k`)."""
    reads = _Reads()
    fast_visit(node, reads)
    return reads.names
