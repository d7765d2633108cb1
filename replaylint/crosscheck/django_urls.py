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
MAX_DEPTH = 64  # include() lists nested deeper than this are not read (a guard, not a limit people reach)


def urls_table(tree: ast.Module, module: str, package: bool) -> list[dict]:
    """The url entries of a module: views, includes and router registrations, with qualified targets. A
    list of patterns included under a route (`include([path(...)])`, or a module-level list included by
    name) gives its entries under that route, not at the top."""
    imports = _imports(tree, module, package)
    lists = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             and isinstance(node.value, (ast.List, ast.Tuple)) for target in node.targets
             if isinstance(target, ast.Name) and target.id != "urlpatterns"}
    nested = {id(call) for value in _included_lists(tree, lists) for call in ast.walk(value)
              if isinstance(call, ast.Call)}
    entries = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in nested:
            entries += _entries(node, "", imports, lists, 0)
    return entries


def _entries(call: ast.Call, prefix: str, imports: dict, lists: dict, depth: int) -> list[dict]:
    last = (_dotted(call.func) or "").rsplit(".", 1)[-1]
    if last in ROUTE_FUNCTIONS:
        route, view = _string(_argument(call, 0, "route")), _argument(call, 1, "view")
        if route is None or view is None:
            return []
        route = join(prefix, route) if prefix else route
        patterns = _pattern_list(view, lists)
        if patterns is not None:  # include([...]): its routes under this one
            return [entry for inner in patterns.elts if depth < MAX_DEPTH
                    for entry in _entries(inner, route, imports, lists, depth + 1)]
        entry = _route_entry(route, view, imports)
        return [entry] if entry else []
    if last == "register" and isinstance(call.func, ast.Attribute) and len(call.args) >= 2 and \
            _string(call.args[0]) is not None and (target := _qualify(call.args[1], imports)):
        return [{"route": _string(call.args[0]), "kind": "viewset", "target": target,
                 "router": _dotted(call.func.value) or ""}]
    return []


def _included_lists(tree: ast.Module, lists: dict) -> list:
    return [patterns for node in ast.walk(tree) if isinstance(node, ast.Call) and _is_include(node)
            and (patterns := _pattern_list(node, lists)) is not None]


def _pattern_list(view, lists: dict):
    """The list of patterns an `include(...)` holds (written inline or named), else None."""
    if not (isinstance(view, ast.Call) and _is_include(view) and view.args):
        return None
    inner = view.args[0]
    if isinstance(inner, ast.Tuple) and inner.elts and isinstance(inner.elts[0], (ast.List, ast.Name)):
        inner = inner.elts[0]  # include((patterns, "namespace"))
    if isinstance(inner, ast.Name) and inner.id in lists:
        inner = lists[inner.id]
    if isinstance(inner, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Call) for e in inner.elts):
        return inner
    return None


def _is_include(call: ast.Call) -> bool:
    return (_dotted(call.func) or "").rsplit(".", 1)[-1] == "include"


def _argument(call: ast.Call, position: int, keyword: str):
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _route_entry(route: str, view: ast.expr, imports: dict) -> dict | None:
    if isinstance(view, ast.Call) and _is_include(view):
        inner = view.args[0] if view.args else None
        if isinstance(inner, ast.Tuple) and inner.elts:  # include(("shop.urls", "shop"))
            inner = inner.elts[0]
        if (text := _string(inner)) is not None:
            return {"route": route, "kind": "include", "target": text}
        if isinstance(inner, ast.Attribute) and inner.attr == "urls":  # include(router.urls)
            return {"route": route, "kind": "router", "target": _qualify(inner.value, imports) or ""}
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
    is included with (a module nobody includes is the root URLconf); a router's viewsets under the routes
    that mount its `.urls`, in this module or in another."""
    found = []
    for module, entries in sorted(tables.items()):
        prefixes = _prefixes(module, tables, set())
        for entry in entries:
            if entry["kind"] == "view":
                found += [(entry["target"], join(prefix, entry["route"])) for prefix in prefixes]
            elif entry["kind"] == "viewset":
                found += [(entry["target"], join(mount, entry["route"]))
                          for mount in _mounts(module, entry["router"], tables) or prefixes]
    return found


def _mounts(module: str, router: str, tables: dict) -> list[str]:
    """The full paths where `router` of `module` has its `.urls` included."""
    mounts = []
    for other, entries in sorted(tables.items()):
        for entry in entries:
            here = other == module and entry["target"] == router
            if entry["kind"] == "router" and (here or same_module(entry["target"], f"{module}.{router}")):
                mounts += [join(prefix, entry["route"]) for prefix in _prefixes(other, tables, set())]
    return mounts


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
