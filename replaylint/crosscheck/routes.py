"""The routes of one spec or one Python module, as plain data (cached with the file's result), and the one
path shape both sides are compared in."""
from __future__ import annotations

import functools
import re
from posixpath import dirname as folder  # `shop/views.py` -> `shop`
from urllib.parse import urlsplit

from ..python.lazy import cst

MUTATING = ("POST", "PUT", "PATCH", "DELETE")
PARAM = "{}"


def canonical(path: str) -> tuple[str, ...]:
    """The segments of a route with every parameter as `{}`: `/orders/{id}/`, `orders/<int:pk>`,
    `/orders/:id`, `/orders/{id:int}` and Django's `^orders/(?P<pk>[^/.]+)/$` are all ("orders", "{}")."""
    text = path.strip()
    if text.startswith("^"):  # a Django regex path: groups are parameters, escapes are literal
        return tuple(_regex_segment(segment) for segment in _regex_groups(text[1:].rstrip("$")).split("/")
                     if segment and segment != "?")
    segments = []
    for segment in text.split("/"):
        if segment:
            segments.append(PARAM if segment.startswith(":") and segment[1:].isidentifier()
                            else _params_in(segment))
    return tuple(segments)


REGEX_SYNTAX = re.compile(r"\\[dwsDWS]|(?<!\\)[+*?\[\]|]")  # a lone `.` (v1.0) reads as itself


def _regex_segment(segment: str) -> str:
    """A segment of a Django regex route: one that still matches many values (`\\d+`, `[a-z]+`) is a
    parameter; escapes are literal (`refund\\.json`)."""
    return PARAM if PARAM not in segment and REGEX_SYNTAX.search(segment) else segment.replace("\\", "")


def shown_path(path: str) -> str:
    """A route as a reader expects it: `/api/v1/messages` for Django's `^api/v1/messages/$`."""
    return "/" + "/".join(canonical(path)) if path.startswith("^") else path


def _params_in(segment: str) -> str:
    """`{Sid}.json` -> `{}.json`, `<int:pk>` -> `{}`."""
    out, depth_opened = [], None
    for char in segment:
        if depth_opened is None and char in "{<":
            depth_opened = "}" if char == "{" else ">"
            out.append(PARAM)
        elif depth_opened is not None:
            if char == depth_opened:
                depth_opened = None
        else:
            out.append(char)
    return "".join(out)


def _regex_groups(text: str) -> str:
    """Each top-level capturing `( … )` group as `{}` (a group may hold `/`, as `(?P<path>.+/)` does); an
    optional non-capturing group (`(?:extra/)?`) is left out, a plain one kept as its text."""
    text = re.sub(r"\(\?:[^()]*\)[?*]", "", text)
    text = re.sub(r"\(\?:([^()]*)\)", r"\1", text)
    out, depth, escaped = [], 0, False
    for char in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif char == "(":
            if depth == 0:
                out.append(PARAM)
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def spec_routes(spec, shown: str) -> dict:
    """What the cross-check needs of a spec: its base paths, whether a framework generated it, and per
    operation the method, path, names and declared intent key (with where it is declared)."""
    from ..openapi.keys import intent_keys
    from .status import operation_statuses

    root = spec.root.value
    operations = []
    for op in spec.operations:
        if op.method not in MUTATING:
            continue
        keys = [key for key in intent_keys(spec.keys(op)) if key.kind == "intent" and key.node is not None]
        key = keys[0] if keys else None
        span = op.node.span()
        if key is not None and key.node.span().path == span.path:  # else in a `$ref`'d fragment: at the op
            span = key.node.span()
        controller = op.node.value.get("x-openapi-router-controller") or \
            op.path_item.value.get("x-openapi-router-controller")
        operations.append({
            "method": op.method, "path": op.path, "anchor": op.anchor, "label": op.label,
            "operation_id": op.operation_id, "controller": controller if isinstance(controller, str) else "",
            "key": {"name": key.name, "in": key.location, "required": key.required} if key else None,
            "span": [span.path, span.line, span.column, span.end_line, span.end_column],
            "statuses": operation_statuses(op),
        })
    return {"file": shown, "bases": base_paths(root), "generated": generated_by(root), "operations": operations}


OPERATION_NAME = re.compile(r"""["']?(?:operationId|x-openapi-router-controller)["']?\s*:\s*["']?"""
                            r"""([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+)""")


def spec_named_modules(specs: list[str], text_of) -> frozenset:
    """The dotted names the specs route to (connexion's `operationId: shop.orders.create` and
    `x-openapi-router-controller: shop.payouts`), read from the texts with a regex before any analysis, so
    that the modules they name are read for their functions (and the cache knows when that changes)."""
    names = set()
    for path in specs:
        text = text_of(path) or ""
        if "operationId" in text or "x-openapi-router-controller" in text:
            names.update(OPERATION_NAME.findall(text))
    return frozenset(names)


def named_by_spec(module: str, names: frozenset) -> bool:
    """`shop.orders` is named by `shop.orders.create` (a function of it) or `shop.orders` (a controller),
    also under a root prefix (`src.shop.orders`)."""
    return bool(module) and bool(names) and spec_functions(module, names) != set()


def spec_functions(module: str, names: frozenset) -> set | None:
    """The functions of `module` that the specs name (`{"create"}`), None when a controller names the module
    itself (any of its functions may be meant), `set()` when none."""
    parts = module.split(".")
    tails = {".".join(parts[i:]) for i in range(len(parts)) if len(parts) - i >= 2} | {module}
    modules, functions = _spec_name_index(names)
    if any(tail in modules for tail in tails):
        return None
    found = set()
    for tail in tails:
        found |= functions.get(tail, set())
    return found


@functools.lru_cache(maxsize=8)
def _spec_name_index(names: frozenset) -> tuple[set, dict]:
    """(names that may be a controller module, {module tail: function names}) with every dotted tail of each
    name, so a module written under a root prefix (or the name under one) is found by a set lookup."""
    modules, functions = set(), {}
    for name in names:
        parts = name.split(".")
        for i in range(len(parts) - 1):
            modules.add(".".join(parts[i:]))
            owner = ".".join(parts[i:-1])
            if "." in owner or i == len(parts) - 2:
                functions.setdefault(owner, set()).add(parts[-1])
    return modules, functions


def base_paths(root: dict) -> list[str]:
    """The path prefixes the spec's servers (3.x) or basePath (2.0) put before every path."""
    bases = []
    if isinstance(root.get("basePath"), str):
        bases.append(root["basePath"])
    servers = root.get("servers")
    for server in servers if isinstance(servers, list) else []:
        url = server.get("url") if isinstance(server, dict) else None
        if isinstance(url, str):
            variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}
            for name, variable in variables.items():
                default = variable.get("default") if isinstance(variable, dict) else None
                if isinstance(default, str):
                    url = url.replace("{" + str(name) + "}", default)
            try:
                path = urlsplit(url).path if "://" in url else url
            except ValueError:  # `http://[::1` and friends: no base path to read
                continue
            if path.strip("/"):
                bases.append(path)
    return sorted(set(bases))


def generated_by(root: dict) -> str:
    """The framework that generated the spec from the code, when its fingerprints are there: FastAPI's
    validation-error schemas, flask-smorest's pagination schema, drf-spectacular's names. `""` when none."""
    schemas = root.get("components", {}).get("schemas", {}) if isinstance(root.get("components"), dict) else {}
    schemas = schemas if isinstance(schemas, dict) else {}
    if "HTTPValidationError" in schemas and "ValidationError" in schemas:
        return "fastapi"
    if "PaginationMetadata" in schemas or root.get("x-generator") == "flask-smorest":
        return "flask-smorest"
    security = root.get("components", {}).get("securitySchemes", {}) if schemas else {}
    if any(name.startswith("Patched") for name in schemas) and isinstance(security, dict) and \
            {"cookieAuth", "basicAuth", "tokenAuth"} & set(security):
        return "drf-spectacular"  # its PATCH bodies are `Patched<Serializer>`, its auth schemes these
    return ""


def python_routes(ctx, shown: str, named_by_spec: bool = False) -> dict | None:
    """The module's mutating route handlers: methods, path (with this module's router prefix), whether the
    handler reads an intent key (or a library keeps it), and whether the server rules judge it harmful; in a
    module that a spec names handlers in (`named_by_spec`), its public functions too."""
    from ..python.handlers import covered_by_library, framework_of
    from replaylint.rules._python_server import handler_label, mutating_handlers

    named = _named_functions(ctx, shown) if named_by_spec else []
    if not ctx.handlers and not named:
        return None
    harmful = {id(handler.node) for handler, _ in mutating_handlers(ctx)}
    handlers = []
    for handler in ctx.handlers:
        methods = sorted(set(handler.methods) & set(MUTATING))
        if not methods:
            continue
        (line, column), (end_line, end_column) = ctx.positions.of(handler.node)
        handlers.append({
            "methods": methods, "path": handler.path, "qualname": handler.qualname, "label": handler_label(handler),
            "reads_key": ctx.reads_key(handler),
            "library": covered_by_library(ctx.model, handler, ctx.facts) if ctx.facts is not None else False,
            "mutating": id(handler.node) in harmful,
            "action": _drf_action(ctx.model, handler),
            "mountable": not _on_an_app(ctx.model, handler),
            **_response_model(ctx.model, handler),
            **_router_of(ctx.model, handler),
            "span": [shown, line, column, end_line, end_column],
        })
    handlers += named
    return {"file": shown, "module": ctx.model.name or "", "framework": framework_of(ctx.model),
            "handlers": handlers} if handlers else None


def _named_functions(ctx, shown: str) -> list[dict]:
    """In a module a spec-first app's spec names (connexion), the functions it names (every public one when a
    controller names the module): matched by name only (`named_only`), never reported as a route missing
    from the spec."""
    from ..python.handlers import Handler, is_test_module_name

    if is_test_module_name(ctx.model.name or ""):
        return []
    from ..python.sources import mentions_key_name

    routed = {id(handler.info) for handler in ctx.handlers}
    named = spec_functions(ctx.model.name or "", ctx.config.spec_handlers)
    may_read = mentions_key_name(ctx.text)  # a module that names no key reads none (and asks no index)
    found = []
    for info in ctx.model.module_functions().values():
        if info.name.startswith("_") or id(info) in routed or (named is not None and info.name not in named):
            continue
        handler = Handler(info, None, set(), "", info.node.name)
        (line, column), (end_line, end_column) = ctx.positions.of(info.node.name)
        found.append({"methods": [], "path": "", "qualname": info.qualname, "label": info.name,
                      "reads_key": may_read and ctx.reads_key(handler), "library": False,
                      "mutating": False, "named_only": True, "action": None,
                      "span": [shown, line, column, end_line, end_column]})
    return found


def _drf_action(model, handler) -> list | None:
    """[detail, url_path] of a DRF `@action(detail=True, url_path="refund")`; None for other handlers."""
    from ..python.model import string_value

    for qualified, decorator in handler.info.decorators if handler.info else ():
        call = decorator.decorator
        if qualified.split(".")[-1] == "action" and isinstance(call, cst.Call):
            keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
            detail = keywords.get("detail")
            return [isinstance(detail, cst.Name) and detail.value == "True",
                    string_value(keywords["url_path"]) if "url_path" in keywords else None]
    return None


APP_FACTORIES = ("FastAPI", "Flask", "Starlette", "Quart", "Sanic", "Litestar")


def _on_an_app(model, handler) -> bool:
    """The route is declared on the application itself (`app = FastAPI()`, `@app.post(...)`), so its path is
    the full path: no prefix declared elsewhere can mount it deeper."""
    from ..python.model import dotted

    for _, decorator in handler.info.decorators if handler.info else ():
        call = decorator.decorator
        target = call.func.value if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) else None
        factory = model.constants.get(target.value) if isinstance(target, cst.Name) else None
        if isinstance(factory, cst.Call) and (dotted(factory.func) or "").split(".")[-1] in APP_FACTORIES:
            return True
    return False


def _response_model(model, handler) -> dict:
    """The class a handler answers with: `response_model=Order` on its route, else its return annotation
    (`-> Order`, `-> list[Order]`, `-> schemas.Order | None`), by name and as the imports qualify it."""
    from ..python.model import dotted

    expr = None
    for _, decorator in handler.info.decorators if handler.info else ():
        call = decorator.decorator
        for arg in call.args if isinstance(call, cst.Call) else ():
            if arg.keyword is not None and arg.keyword.value == "response_model":
                expr = arg.value
    returns = handler.info.node.returns if handler.info else None
    if expr is None and returns is not None:
        expr = returns.annotation
    name, node = _model_name(expr, dotted) if expr is not None else ("", None)
    qualified = (model.qualify(node) or "") if node is not None else ""
    return {"response_model": name, "response_model_qualified": qualified if "." in qualified else ""}


def _model_name(expr, dotted) -> tuple[str, object]:
    """(class name, the expression naming it) inside `list[...]`, `Optional[...]` and `... | None`."""
    if isinstance(expr, cst.Subscript) and expr.slice:  # list[Order], Optional[Order]
        element = expr.slice[0].slice
        return _model_name(element.value, dotted) if isinstance(element, cst.Index) else ("", None)
    if isinstance(expr, cst.BinaryOperation):  # Order | None
        left, right = _model_name(expr.left, dotted), _model_name(expr.right, dotted)
        return left if right[0] in ("", "None") else right if left[0] in ("", "None") else ("", None)
    name = (dotted(expr) or "").rsplit(".", 1)[-1]
    return (name, expr) if name[:1].isupper() or name == "None" else ("", None)


ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route"})


def _router_of(model, handler) -> dict:
    """The router or blueprint a route is declared on (`router` of `@router.post(...)`), which another
    module may mount under a prefix, and the prefix its constructor gives it (already in the route's path;
    Flask's `register_blueprint(url_prefix=)` replaces it)."""
    from ..python.handlers import _router_prefix

    for _, decorator in handler.info.decorators if handler.info else ():
        call = decorator.decorator
        func = call.func if isinstance(call, cst.Call) else None
        if isinstance(func, cst.Attribute) and func.attr.value in ROUTE_METHODS and isinstance(func.value, cst.Name):
            return {"router": func.value.value, "router_prefix": _router_prefix(model, call)}
    return {"router": "", "router_prefix": ""}
