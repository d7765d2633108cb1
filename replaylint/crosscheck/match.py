"""Which handler serves which spec operation.

A handler matches an operation of the same method when their paths have the same shape (parameters compared
as `{}`, names ignored), with or without the spec's base path; when the handler's mount prefix is declared in
another file (`include_router(prefix=)`, `url_prefix`, `include()`), a path that ends the operation's path
matches if no other operation of that spec ends the same way (never for a route declared on the app itself).
Spec-first apps are matched by name: connexion's `operationId: pkg.module.func` and
`x-openapi-router-controller`.
"""
from __future__ import annotations

from dataclasses import dataclass

from .routes import canonical


@dataclass
class Match:
    spec: dict  # the spec's route summary
    operation: dict
    module: dict  # the module's route summary
    handler: dict
    method: str


def match_routes(specs: list[dict], modules: list[dict]) -> tuple[list[Match], list[tuple[dict, dict]]]:
    """(matches, unmatched handlers as (module, handler)); every handler is matched at most once per method,
    and an operation to at most one handler (the first by file and line: the same route declared twice is
    the framework's business)."""
    by_name = {}
    shapes: dict[tuple, list] = {}
    for spec in specs:
        for op in spec["operations"]:
            for name in _handler_names(op):
                by_name.setdefault(name, []).append((spec, op))
            for base in ["", *spec["bases"]]:
                shape = canonical(base) + canonical(op["path"])
                shapes.setdefault((op["method"], shape), []).append((spec, op))
    matches, unmatched, taken = [], [], set()
    handlers = sorted(((module, handler) for module in modules for handler in module["handlers"]),
                      key=lambda pair: (pair[1]["qualname"] not in by_name, pair[0]["file"]))  # exact names first
    for module, handler in handlers:
        if handler.get("named_only"):  # a function that only a spec-first app's operationId routes
            for spec, op in _named(handler["qualname"], by_name):
                if id(op) not in taken:
                    taken.add(id(op))
                    matches.append(Match(spec, op, module, handler, op["method"]))
            continue
        found = False
        for method in handler["methods"]:
            pair = _find(module, handler, method, by_name, shapes, specs)
            if pair is not None:  # a second handler of an operation is in the spec all the same
                found = True
                if id(pair[1]) not in taken:
                    taken.add(id(pair[1]))
                    matches.append(Match(pair[0], pair[1], module, handler, method))
        if not found:
            unmatched.append((module, handler))
    return matches, unmatched


def _handler_names(op: dict) -> list[str]:
    """The dotted names a spec-first framework resolves the operation to."""
    names = []
    if "." in op["operation_id"]:
        names.append(op["operation_id"])
    if op["controller"] and op["operation_id"]:
        names.append(f"{op['controller']}.{op['operation_id']}")
    return names


def _named(qualname: str, by_name: dict) -> list[tuple[dict, dict]]:
    """The (spec, operation) pairs whose operationId (or controller + operationId) names `qualname`."""
    if not by_name:
        return []
    exact = by_name.get(qualname, [])
    return exact or [pair for name, pairs in sorted(by_name.items())
                     if qualname.endswith("." + name) or name.endswith("." + qualname) for pair in pairs]


def _find(module, handler, method, by_name, shapes, specs):
    named = [(spec, op) for spec, op in _named(handler["qualname"], by_name) if op["method"] == method]
    if named:
        return named[0]
    if not handler["path"]:
        return None
    shape = canonical(handler["path"])
    own = canonical(handler.get("own_path") or "")
    exact = shapes.get((method, shape)) or (shapes.get((method, own)) if own else None)
    if exact:  # the full path, else the router's own (a spec written without the mount prefix)
        return exact[0]
    if not shape or not handler.get("mountable", True):
        return None
    ending = [(spec, op) for spec in specs for op in spec["operations"]
              if op["method"] == method and _mounted(canonical(op["path"]), shape)]
    distinct = {canonical(op["path"]) for _, op in ending}  # copies of one spec (bundled, source) are one
    return ending[0] if len(distinct) == 1 else None


def _mounted(full: tuple, shape: tuple) -> bool:
    """`full` is `shape` under a literal prefix (a router mounted at `/v1/shop`), not under a parameter."""
    cut = len(full) - len(shape)
    return cut > 0 and full[cut:] == shape and "{}" not in full[:cut]
