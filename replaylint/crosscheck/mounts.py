"""Routers mounted in another module: `app.include_router(orders.router, prefix="/shop")` (FastAPI),
`app.register_blueprint(shop.bp, url_prefix="/api")` (Flask). Each module's mounts and router constructors
are read with `ast` (plain data, cached with its result); `prefixes` gives a router the full prefixes it is
served under, through routers mounted in routers, or says it cannot know (a prefix that is not a literal)."""
from __future__ import annotations

import ast

from .django_urls import _argument, _dotted, _imports, _qualify, _string, join, same_module

# call -> (keyword of the prefix, keyword of the router, whether the prefix replaces the router's own)
MOUNT_CALLS = {"include_router": ("prefix", "router", False), "register_blueprint": ("url_prefix", "blueprint", True)}
ROUTER_FACTORIES = {"APIRouter": "prefix", "Blueprint": "url_prefix"}
MAX_DEPTH = 16


def mounts_table(tree: ast.Module, module: str, package: bool) -> list[dict]:
    """[{"target": qualified router, "into": what it is mounted on, "prefix": str or None (not a literal),
    "replaces": bool}] and [{"router": qualified name, "own_prefix": str}] of routers made here."""
    imports = _imports(tree, module, package)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and \
                isinstance(node.value, ast.Call):
            keyword = ROUTER_FACTORIES.get((_dotted(node.value.func) or "").rsplit(".", 1)[-1])
            prefix = next((k.value for k in node.value.keywords if k.arg == keyword), None) if keyword else None
            if prefix is not None and _string(prefix):
                found.append({"router": f"{module}.{node.targets[0].id}", "own_prefix": _string(prefix)})
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and
                node.func.attr in MOUNT_CALLS):
            continue
        prefix_keyword, router_keyword, replaces = MOUNT_CALLS[node.func.attr]
        target = _qualify(_argument(node, 0, router_keyword), imports) if _argument(node, 0, router_keyword) \
            is not None else None
        given = next((k.value for k in node.keywords if k.arg == prefix_keyword), None)
        into = _dotted(node.func.value)
        if target and into:
            found.append({"target": target if "." in target else f"{module}.{target}", "into": f"{module}.{into}",
                          "prefix": "" if given is None else _string(given), "replaces": replaces})
    return found


def prefixes(router: str, mounts: list[dict], seen: frozenset = frozenset()) -> list[tuple[str, bool]] | None:
    """(full prefix, whether it replaces the router's own) for each place `router` is served under; [] when
    nothing mounts it; None when a link of the chain is not known (a prefix that is not a literal)."""
    found = []
    for mount in mounts:
        if "target" not in mount or not same_module(mount["target"], router) or mount["into"] in seen:
            continue
        if mount["prefix"] is None or len(seen) > MAX_DEPTH:
            return None
        outer = prefixes(mount["into"], mounts, seen | {router})
        if outer is None:
            return None
        own = next((m["own_prefix"] for m in mounts if "router" in m and same_module(m["router"], mount["into"])), "")
        for prefix, _ in outer or [("", False)]:
            found.append((join(prefix, own, mount["prefix"]) if prefix or own or mount["prefix"] else "",
                          mount["replaces"]))
    return found
