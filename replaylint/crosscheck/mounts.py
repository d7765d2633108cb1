"""Routers mounted in another module: `app.include_router(orders.router, prefix="/shop")` (FastAPI),
`app.register_blueprint(shop.bp, url_prefix="/api")` (Flask). Each module's mounts are read with `ast` (plain
data, cached with its result); `prefixes` gives a router the full prefixes it is served under, through
routers mounted in routers."""
from __future__ import annotations

import ast

from .django_urls import _dotted, _imports, _qualify, _string, join, same_module

MOUNT_CALLS = {"include_router": "prefix", "register_blueprint": "url_prefix"}


def mounts_table(tree: ast.Module, module: str, package: bool) -> list[dict]:
    """[{"target": qualified router, "into": the router or app it is mounted on, "prefix": str}]."""
    imports = _imports(tree, module, package)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args and
                node.func.attr in MOUNT_CALLS):
            continue
        target = _qualify(node.args[0], imports)
        prefix = next((_string(k.value) for k in node.keywords if k.arg == MOUNT_CALLS[node.func.attr]), "")
        into = _dotted(node.func.value)
        if target and prefix is not None and into:
            found.append({"target": target if "." in target else f"{module}.{target}",
                          "into": f"{module}.{into}", "prefix": prefix})
    return found


def prefixes(router: str, mounts: list[dict], seen: frozenset = frozenset()) -> list[str]:
    """The prefixes `router` (`shop.orders.router`) is served under: each mount of it, under the prefixes of
    what it is mounted into; [] when nothing mounts it."""
    found = []
    for mount in mounts:
        if same_module(mount["target"], router) and mount["into"] not in seen:
            outer = prefixes(mount["into"], mounts, seen | {router}) or [""]
            found += [join(prefix, mount["prefix"]) if mount["prefix"] or prefix else "" for prefix in outer]
    return found
