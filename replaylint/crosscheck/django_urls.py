"""Django URL tables: the paths that `urls.py` modules give views written elsewhere.

A Django or DRF view declares no path of its own: `path("payouts/", views.PayoutView.as_view())`, a DRF
`router.register("orders", OrderViewSet)` and `include("shop.urls")` under `path("api/v1/", ...)` do. Each
module's table is read with `ast` (plain data, cached with the module's result); `resolve` joins the tables of
a run into the full path of every view.
"""
from __future__ import annotations

import ast

ROUTE_FUNCTIONS = {"path", "re_path", "url"}
VIEWSET_ROUTES = {"create", "update", "partial_update", "destroy"}
DETAIL_ACTIONS = {"update", "partial_update", "destroy"}


def urls_table(tree: ast.Module, module: str, package: bool) -> list[dict]:
    """The url entries of a module: views, includes and router registrations, with qualified targets."""
    imports = _imports(tree, module, package)
    entries = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1] if name else ""
        if last in ROUTE_FUNCTIONS and len(node.args) >= 2 and _string(node.args[0]) is not None:
            entry = _route_entry(_string(node.args[0]), node.args[1], imports)
            if entry:
                entries.append(entry)
        elif last == "register" and isinstance(node.func, ast.Attribute) and len(node.args) >= 2 and \
                _string(node.args[0]) is not None and (target := _qualify(node.args[1], imports)):
            entries.append({"route": _string(node.args[0]), "kind": "viewset", "target": target,
                            "router": _dotted(node.func.value) or ""})
    return entries


def _route_entry(route: str, view: ast.expr, imports: dict) -> dict | None:
    if isinstance(view, ast.Call) and _dotted(view.func) in ("include", "django.urls.include") or \
            isinstance(view, ast.Call) and (_dotted(view.func) or "").endswith(".include"):
        inner = view.args[0] if view.args else None
        if isinstance(inner, ast.Tuple) and inner.elts:  # include(("shop.urls", "shop")) / ((patterns, ns))
            inner = inner.elts[0]
        if (text := _string(inner)) is not None:
            return {"route": route, "kind": "include", "target": text}
        if isinstance(inner, ast.Attribute) and inner.attr == "urls":  # include(router.urls)
            return {"route": route, "kind": "router", "target": _dotted(inner.value) or ""}
        if inner is not None and (target := _qualify(inner, imports)):
            return {"route": route, "kind": "include", "target": target}
        return None
    if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr in ("as_view",
                                                                                                  "as_viewset"):
        view = view.func.value
    target = _qualify(view, imports)
    return {"route": route, "kind": "view", "target": target} if target else None


def resolve(tables: dict[str, list[dict]]) -> list[tuple[str, str]]:
    """(qualified view or viewset, full path) for every entry of every table, under the prefixes its module
    is included with (a module nobody includes is the root URLconf)."""
    found = []
    for module, entries in sorted(tables.items()):
        for prefix in _prefixes(module, tables, set()):
            mounted = {e["target"]: e["route"] for e in entries if e["kind"] == "router"}
            for entry in entries:
                if entry["kind"] == "view":
                    found.append((entry["target"], join(prefix, entry["route"])))
                elif entry["kind"] == "viewset":
                    found.append((entry["target"], join(prefix, mounted.get(entry["router"], ""),
                                                         entry["route"])))
    return found


def _prefixes(module: str, tables: dict, seen: set) -> list[str]:
    """The paths `module` is included under (`""` for a root URLconf; none along an include cycle)."""
    includers = [(other, entry["route"]) for other, entries in sorted(tables.items()) for entry in entries
                 if entry["kind"] == "include" and same_module(entry["target"], module)]
    if not includers:
        return [""]
    return [join(prefix, route) for other, route in includers if other not in seen
            for prefix in _prefixes(other, tables, seen | {module})]


def view_paths(handler: dict, resolved: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(method, path) a Django/DRF handler serves, from the resolved URL tables: a view class's method or a
    function view at its path, a viewset's `create`/`update`/... and `@action`s under the router's prefix."""
    qualname, methods = handler["qualname"], handler["methods"]
    paths = []
    for target, path in resolved:
        if _names(target, qualname):  # a function view, or the viewset/view class itself (its create)
            paths += [(method, path) for method in methods]
        elif _names(target, qualname.rsplit(".", 1)[0]):
            name = qualname.rsplit(".", 1)[1]
            if name in VIEWSET_ROUTES:  # the methods the analysis found (`update` serves PATCH too)
                paths += [(method, join(path, "{id}") if name in DETAIL_ACTIONS else path) for method in methods]
            elif handler.get("action") is not None:
                detail, url_path = handler["action"]
                paths += [(method, join(path, "{id}" if detail else "", url_path or name)) for method in methods]
            else:  # an APIView's post/patch/...
                paths += [(method, path) for method in methods]
    return paths


def _names(target: str, qualname: str) -> bool:
    """A URL table's target names the view: the same module (up to a root prefix), or a class of the same
    name re-exported by a package (`from management.views import GroupViewSet`, written in
    `management/group/view.py`)."""
    if same_module(target, qualname):
        return True
    name = target.rsplit(".", 1)[-1]
    return name[:1].isupper() and qualname.rsplit(".", 1)[-1] == name and \
        target.split(".")[0] in qualname.split(".")[:-1]


def same_module(a: str, b: str) -> bool:
    """Names that differ only by a root prefix (`src.shop.views` is `shop.views`; `urls` is not `shop.urls`)."""
    short, long = sorted((a, b), key=len)
    return a == b or ("." in short and long.endswith("." + short))


def join(*parts: str) -> str:
    """Django routes joined as the resolver does: `^api/` + `orders/(?P<pk>\\d+)/$` -> `^api/orders/(...)/`."""
    regex = any(part.startswith("^") for part in parts)
    text = "/".join(part.strip("^$").strip("/") for part in parts if part.strip("^$").strip("/"))
    return ("^" if regex else "/") + text


def _imports(tree: ast.Module, module: str, package: bool) -> dict[str, str]:
    names = {}
    base = module.split(".") if package else module.split(".")[:-1]
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                    alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            parts = base[:len(base) - (node.level - 1)] if node.level else []
            source = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                names[alias.asname or alias.name] = f"{source}.{alias.name}" if source else alias.name
    return names


def _qualify(expr, imports: dict) -> str | None:
    name = _dotted(expr)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    base = imports.get(head, head)
    return f"{base}.{rest}" if rest else base


def _dotted(expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        inner = _dotted(expr.value)
        return f"{inner}.{expr.attr}" if inner else None
    return None


def _string(expr) -> str | None:
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None
