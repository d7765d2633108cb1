"""Server side: recognise mutating route handlers (FastAPI/Starlette, Flask, Django, DRF, aiohttp, Litestar,
Falcon, Tornado) and whether they take an intent key, by their own code or through a recognised library."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..lazy import LazyRegex
from .lazy import Visitor, cst

from .walk import calls_in, fast_visit, nodes_in

from ..openapi.semantics import INBOUND_SEGMENTS, MUTATING_VERBS, READ_VERBS, is_deletion, sets_a_state
from ..vocabulary import squash, words
from .model import (ClassInfo, FunctionInfo, ModuleModel, build_model, call_name, call_verb, code_of, dotted,
                    is_constructor_call, string_value)
from ..policy import HIGH_HARM_NOUNS
from .sources import header_name, is_key_name
from .natural_keys import method_tested
from .unique_models import DJANGO_AUTH, DJANGO_USER, serializer_models, unique_models

HTTP_VERBS = {"post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE", "get": "GET"}
MUTATING = {"POST", "PATCH"}  # PUT and DELETE name their target: idempotent unless the code says otherwise
VIEW_BASES = LazyRegex(
    r"^(django\.views\.(generic\.)?\w*View|rest_framework\.(views|generics|viewsets|mixins)\.\w+|"
    r"flask\.views\.(MethodView|View)|flask_restful\.Resource|flask_restx\.Resource|flask_smorest\.\w+|"
    r"starlette\.endpoints\.HTTPEndpoint|tornado\.web\.RequestHandler|aiohttp\.web\.View|"
    r"litestar\.Controller|ninja\.\w+)$"
)
VIEW_SUFFIXES = ("View", "ViewSet", "APIView", "Endpoint", "RequestHandler", "MethodView", "Controller")
# Class views that create on POST without the class defining `post` or `create`.
IMPLICIT_CREATE = LazyRegex(r"(^|\.)(CreateAPIView|ListCreateAPIView|ModelViewSet|CreateModelMixin|CreateView)$")
METHOD_NAMES = {"post": "POST", "patch": "PATCH", "put": "PUT", "delete": "DELETE", "create": "POST",
                "partial_update": "PATCH", "update": "PUT", "destroy": "DELETE", "on_post": "POST",
                "on_patch": "PATCH", "on_put": "PUT", "on_delete": "DELETE", "do_POST": "POST", "do_PATCH": "PATCH",
                "do_PUT": "PUT", "do_DELETE": "DELETE"}  # do_*: the standard library's BaseHTTPRequestHandler
LIBRARY_DECORATORS = LazyRegex(r"^(idempotency_key\.decorators\.(idempotency_key|idempotency_key_manual)|"
                                r"aws_lambda_powertools\.utilities\.idempotency\.\w*idempotent\w*)$")
EXEMPT_DECORATORS = LazyRegex(r"(^|\.)idempotency_key_exempt$")
NOT_COVERAGE = LazyRegex(r"^pytest_idempotent\.")
DJANGO_ALL = LazyRegex(r"[\"']idempotency_key\.middleware\.IdempotencyKeyMiddleware[\"']")
DJANGO_OPT_IN = LazyRegex(r"[\"']idempotency_key\.middleware\.ExemptIdempotencyKeyMiddleware[\"']")
ASGI_MIDDLEWARE = LazyRegex(r"(add_middleware|Middleware)\(\s*IdempotencyHeaderMiddleware\b")
ASGI_FRAMEWORKS = ("fastapi", "starlette", "litestar", "quart", "sanic", "blacksheep")
DJANGO_FRAMEWORKS = ("django", "rest_framework")
LOGGING_CALLS = LazyRegex(r"^(print|logging\.\w+|(\w+\.)*(log|logger|_logger|_log|LOG|LOGGER|structlog\w*)\.\w+)$")


@dataclass
class Handler:
    info: FunctionInfo | None  # None for class views that inherit their create handler
    cls: ClassInfo | None
    methods: set[str]
    path: str
    node: cst.CSTNode  # where to report: the function (or class) name

    @property
    def qualname(self) -> str:
        return self.info.qualname if self.info else self.cls.qualname


@dataclass
class ProjectFacts:
    """Idempotency middleware configured anywhere in the project.

    Django middleware (a settings list) covers every Django view. ASGI middleware covers the app module that
    adds it and the modules that module imports (its routers), for the methods it applies to.
    """

    django_middleware: str = ""  # "" | "all" | "opt-in"
    asgi_apps: tuple = ()  # (module name, imported module names, methods) per app that adds the middleware
    key_models: frozenset = frozenset()  # names of classes anywhere in the project that declare a key field
    routes: tuple = ()  # (qualified function, methods, path, registering module) of routes declared elsewhere
    unique_models: tuple = ()  # (model class, fields a client sends that make its rows unique)
    serializer_models: tuple = ()  # (serializer class, the model its Meta names)
    refusers: frozenset = frozenset()  # forms, serializers and `Class.method`s that refuse what already exists

    @classmethod
    def from_texts(cls, texts: dict, packages=frozenset()) -> "ProjectFacts":
        """`texts` maps module names to source (`packages`: the names that are `__init__` modules). Middleware
        counts only where code configures it: a quoted dotted path (Django settings) or an
        `add_middleware(...)`/`Middleware(...)` call (ASGI). Route tables in test code are fixtures."""
        facts = cls()
        apps = []
        models: set[str] = set()
        routes: list[tuple] = []
        for module, text in texts.items():
            if "IdempotencyKeyMiddleware" in text:  # literal checks first: the regexes are slower scans
                if DJANGO_OPT_IN.search(text):
                    facts.django_middleware = facts.django_middleware or "opt-in"
                elif DJANGO_ALL.search(text):
                    facts.django_middleware = "all"
            for match in ASGI_MIDDLEWARE.finditer(text) if "IdempotencyHeaderMiddleware" in text else ():
                call = text[match.end():match.end() + 600]
                methods = re.search(r"applicable_methods\s*=\s*[\[(]([^\])]*)[\])]", call.split(")\n")[0])
                found = re.findall(r"['\"](\w+)['\"]", methods.group(1)) if methods else ["POST", "PATCH"]
                apps.append((module, _imported_modules(text), frozenset(m.upper() for m in found)))
            models |= _key_models(text)
            if not is_test_module_name(module) and registers_routes(text):
                routes.extend(_routes_registered_for_others(module, text, module in packages))
        unique: dict = {}
        serializers: dict = {}
        if any(DJANGO_AUTH.search(text) for text in texts.values() if "auth" in text or "get_user_model" in text) \
                and not any(re.search(r"^class User\b", text, re.M) for text in texts.values() if "class User" in text):
            unique[DJANGO_USER[0]] = DJANGO_USER[1]  # Django's own user model, when the project writes no `User`
        for text in texts.values():  # by class name: one name defined twice differently is not trusted
            for name, groups in unique_models(text).items():
                unique[name] = groups if unique.get(name, groups) == groups else ()
            for name, model in serializer_models(text).items():
                serializers[name] = model if serializers.get(name, model) == model else ""
        facts.refusers = frozenset(name for text in texts.values() if may_refuse(text) for name in _refusers_of(text))
        facts.unique_models = tuple(sorted((k, v) for k, v in unique.items() if v))
        facts.serializer_models = tuple(sorted((k, v) for k, v in serializers.items() if v))
        facts.asgi_apps = tuple(apps)
        facts.key_models = frozenset(models)
        facts.routes = tuple(sorted(set(routes)))
        return facts

    def routes_in(self, module: str) -> dict[str, tuple[set[str], str]]:
        """Functions of `module` that another module registers as routes: name -> (methods, path). Module
        names may differ by a prefix (`src.shop.views` is `shop.views`: roots differ between projects), but a
        module found only by its end must sit in the package tree of the module that registers it (`views`
        imported by `svc_a.routes` is `svc_a.views`, not `svc_b.views`)."""
        found = {}
        for qualified, methods, path, registrar in self.routes:
            owner, _, function = qualified.rpartition(".")
            if owner.startswith(ANY_CLASS):  # `*.start`, `*APIApps.start`: an instance's method
                found[qualified] = (set(methods), path)
            elif module == owner or owner.endswith("." + module) or (
                    module.endswith("." + owner) and registrar.startswith(module[:-len(owner)])):
                found[function] = (set(methods), path)
        return found

    def routes_declared_for(self, module: str, text: str) -> bool:
        """Whether another module registers a function this text defines, or a handler method it defines."""
        for name in self.routes_in(module):
            function = name.rpartition(".")[2] if name.startswith(ANY_CLASS) else name
            if f"def {function}" in text and _definition(function, name != function).search(text):
                return True
        return False

    def fingerprint(self) -> str:
        """A stable text of the facts (sets sorted: `repr` of a set changes between processes)."""
        apps = sorted((module, sorted(imported), sorted(methods)) for module, imported, methods in self.asgi_apps)
        return repr((self.django_middleware, apps, sorted(self.key_models), self.routes, self.unique_models,
                     self.serializer_models, sorted(self.refusers)))

    def unique_fields(self, model: str) -> tuple:
        """The groups of fields that make `model`'s rows unique (by class name), or ()."""
        return dict(self.unique_models).get(model.rsplit(".", 1)[-1], ())

    def serializer_model(self, serializer: str) -> str:
        return dict(self.serializer_models).get(serializer.rsplit(".", 1)[-1], "")

    def asgi_methods(self, module: str) -> frozenset:
        methods: frozenset = frozenset()
        for app, imported, app_methods in self.asgi_apps:
            if module == app or any(module == name or module.endswith("." + name) for name in imported):
                methods |= app_methods
        return methods


# A module that may refuse a repeat: a string says so ("... already exists") or a raise names an error for it.
REFUSAL_HINT = LazyRegex(r"""["'][^"'\n]*\b(?:[Aa]lready|[Dd]uplicate)\b|raise\s+[\w.]*(?:Already|Duplicate|Exists)""")


def may_refuse(text: str) -> bool:
    return ("lready" in text or "uplicate" in text or "Exists" in text) and bool(REFUSAL_HINT.search(text))


_DEF_LINE = LazyRegex(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)", re.M)


_CODE_LINE = LazyRegex(r"^([ \t]*)[^\s)\]}]", re.M)  # not `) -> None:` closing a signature
REFUSING_LINE = LazyRegex(r"raise|Error|error")  # the words are an error raised or answered, not a docstring


def _refusers_of(text: str) -> set[str]:
    """Classes and `Class.method`s that refuse a repeat, by regex passes (this runs before any analysis, on
    every file that says "already"; `index.refusers` parses the modules a handler imports): a function whose
    line that says so (or raises an error named so) also raises or answers an error, ending where the code
    comes back to the function's indentation; a validator's class (WTForms appends the error)."""
    classes = [(m.start(), len(m.group(1)), m.group(2)) for m in _CLASS_LINE.finditer(text)]
    functions = [(m.start(), len(m.group(1)), m.group(2)) for m in _DEF_LINE.finditer(text)]
    lines = [(m.start(), len(m.group(1))) for m in _CODE_LINE.finditer(text)]
    ends: dict[int, int] = {}
    found = set()
    for hint in REFUSAL_HINT.finditer(text):
        at = bisect.bisect_left(functions, (hint.start(),)) - 1
        if at < 0:
            continue
        start, indent, method = functions[at]
        if start not in ends:  # the first later line of code at the def's indentation or less
            after = bisect.bisect_right(lines, (start, 1 << 30))
            ends[start] = next((offset for offset, depth in lines[after:] if depth <= indent), len(text))
        line_start = text.rfind("\n", 0, hint.start()) + 1
        line = text[line_start:text.find("\n", hint.start()) % (len(text) + 1)]
        if hint.start() > ends[start] or not REFUSING_LINE.search(line):
            continue  # after the function ended, or words that are not an error (a docstring, a comment)
        owner = bisect.bisect_left(classes, (start,)) - 1
        while owner >= 0 and classes[owner][1] >= indent:
            owner -= 1
        validator = method.startswith(("validate", "clean"))
        name = f"{classes[owner][2]}.{method}" if owner >= 0 else method
        found.add(name)
        if validator and owner >= 0:
            found.add(classes[owner][2])
    return found


_CLASS_LINE = LazyRegex(r"^([ \t]*)class\s+(\w+)", re.M)
_FIELD_LINE = LazyRegex(r"^([ \t]+)(\w+)[ \t]*:", re.M)  # `idempotency_key: str` (or `else:`: names are checked)


def _key_models(text: str) -> set[str]:
    """Classes whose body declares a field named like an intent key (`idempotency_key: str`), so a handler
    that takes one as its body model in another module reads a key. Regex passes, not a parse: this runs on
    every file that mentions a key, before any analysis. Upper-case names are constants, not fields."""
    fields = [field for field in _FIELD_LINE.finditer(text) if is_key_field_name(field.group(2))]
    if not fields:
        return set()
    classes = [(m.start(), len(m.group(1)), m.group(2)) for m in _CLASS_LINE.finditer(text)]
    found = set()
    for field in fields:
        indent = len(field.group(1))
        before = bisect.bisect_left(classes, (field.start(),)) - 1
        while before >= 0 and classes[before][1] >= indent:
            before -= 1
        if before >= 0:
            found.add(classes[before][2])
    return found


def _imported_modules(text: str) -> set[str]:
    """Module names an app module imports (`from .routers import orders` -> routers.orders), dots stripped."""
    names = set()
    for match in re.finditer(r"^\s*from\s+([\w.]+)\s+import\s+\(?([\w, \n]+)", text, re.M):
        base = match.group(1).lstrip(".")
        for item in re.split(r"[,\s]+", match.group(2)):
            if item and item != "as":
                names.add(f"{base}.{item}" if base else item)
        if base:
            names.add(base)
    for match in re.finditer(r"^\s*import\s+([\w.]+)", text, re.M):
        names.add(match.group(1))
    return names


def find_handlers(model: ModuleModel, registered: dict | None = None) -> list[Handler]:
    """Route handlers of the module: decorated, class views, Django function views, and functions registered by
    a call, here or (`registered`, from the project facts) in another module."""
    handlers: list[Handler] = []
    view_classes = _concrete_views(model, _view_classes(model))
    for info in model.functions:
        decorated = _decorated_handlers(model, info)
        handlers.extend(decorated[1:])
        handler = decorated[0] if decorated else None
        if handler is None and info.cls is not None and info.cls.name in view_classes and info.parent is None:
            method = METHOD_NAMES.get(info.name) or ("POST" if info.name == "form_valid" and
                                                     _makes_from_a_form(model, info.cls) else None)
            if method:
                # DRF's `update` serves PATCH too (partial_update calls it)
                methods = {"PUT", "PATCH"} if info.name == "update" else {method}
                handler = Handler(info, info.cls, methods, "", info.node.name)
        if handler is None and info.cls is None and info.parent is None and \
                (_django_style(model, info) or _wsgi_style(info)):
            methods = _checked_methods(info)
            if methods:
                handler = Handler(info, None, methods, "", info.node.name)
        if handler is not None:
            handlers.append(handler)
    calls = _RouteCalls(model)
    fast_visit(model.module, calls)
    functions = model.module_functions()
    found = [(functions[target.value], methods, path) for target, methods, path in calls.found
             if isinstance(target, cst.Name) and target.value in functions]
    found += [(functions[name], methods, path) for name, (methods, path) in (registered or {}).items()
              if name in functions]
    by_method = {method: (methods, path)
                 for target, methods, path in calls.found if (method := _instance_method(model, target))}
    for name, (methods, path) in {**by_method, **(registered or {})}.items():
        if name.startswith(ANY_CLASS):
            cls, _, method = name[len(ANY_CLASS):].partition(".")
            found += [(info, methods, path) for info in _handler_methods(model, method)
                      if not cls or info.cls.name in _lineage(model, cls)]
    known = {id(h.info.node) for h in handlers if h.info is not None}
    for info, methods, path in found:
        if id(info.node) not in known:
            known.add(id(info.node))
            handlers.append(Handler(info, None, methods, path, info.node.name))
    for name, cls in view_classes.items():
        defined = {f.name for f in model.functions if f.cls is cls}
        if any(_creates_implicitly(base) for base in cls.bases) and not defined & {"post", "create"} \
                and not IMPLICIT_CREATE.search(cls.name):
            handlers.append(Handler(None, cls, {"POST"}, "", cls.node.name))
    return handlers


class _RouteCalls(Visitor):
    """Handlers registered by a call rather than a decorator: aiohttp `web.post("/x", handler)` and
    `router.add_post(...)`, Starlette `Route("/x", handler, methods=[...])`, FastAPI `add_api_route`,
    Flask `add_url_rule(..., view_func=handler, methods=[...])`."""

    def __init__(self, model: ModuleModel):
        self.found: list[tuple[cst.BaseExpression, set[str], str]] = []  # (handler expression, methods, path)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else (func.value if isinstance(func, cst.Name)
                                                                         else "")
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        methods, path, target = set(), "", None
        if last in HTTP_VERBS and len(positional) >= 2:
            methods, path, target = {HTTP_VERBS[last]}, string_value(positional[0]) or "", positional[1]
        elif last.startswith("add_") and last[4:] in HTTP_VERBS and len(positional) >= 2:
            methods, path, target = {HTTP_VERBS[last[4:]]}, string_value(positional[0]) or "", positional[1]
        elif last in ("add_route", "route") and len(positional) >= 3 and \
                (string_value(positional[0]) or "").lower() in HTTP_VERBS:
            methods = {string_value(positional[0]).upper()}
            path, target = string_value(positional[1]) or "", positional[2]
        elif last in ("Route", "add_api_route", "add_url_rule", "api_route", "route") and positional:
            path = string_value(positional[0]) or ""
            target = keywords.get("view_func") or keywords.get("endpoint") or \
                (positional[1] if len(positional) > 1 and not string_value(positional[1]) else None)
            methods = _string_list(keywords["methods"]) if "methods" in keywords else {"GET"}
        if path.startswith("/") and isinstance(target, (cst.Name, cst.Attribute)):
            self.found.append((target, methods, path))


ANY_CLASS = "*"  # the owner of a route registered as `handler.add_message`, an instance's method


def _instance_method(model: ModuleModel, target) -> str | None:
    """`h.add_message` where `h` is an instance or a class (not an imported module): `*.add_message`, or
    `*APIApps.start` when the module binds `h = APIApps()` (two classes' `start` are two routes)."""
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and \
            target.value.value not in model.imports:
        owner = target.value.value
        cls = _instances(model).get(owner, owner if owner[:1].isupper() else "")
        return f"{ANY_CLASS}{cls}.{target.attr.value}"
    return None


def _lineage(model: ModuleModel, cls: str) -> set[str]:
    """A class and the bases this module writes for it (a method a route names may be inherited)."""
    seen, queue = set(), [cls]
    while queue and len(seen) < 20:
        name = queue.pop()
        if name not in seen:
            seen.add(name)
            queue += [b.rsplit(".", 1)[-1] for b in model.classes[name].bases] if name in model.classes else []
    return seen


def _instances(model: ModuleModel) -> dict[str, str]:
    """Names the module binds to one class's instance anywhere (`api_apps = APIApps()`): name -> class name.
    A name bound to two classes is left out."""
    if model.instances is None:
        found: dict[str, set] = {}

        class _Bindings(Visitor):
            def visit_Assign(self, node):
                for target in node.targets:
                    self._bind(dotted(target.target), node.value)

            def visit_AnnAssign(self, node):
                if node.value is not None:
                    self._bind(dotted(node.target), node.value)

            def _bind(self, name, value):
                # `api_apps = APIApps()`, `self._api_host: APIHost = APIHost()`, `api_host = self._api_host`
                cls = (dotted(value.func) or "").rsplit(".", 1)[-1] if isinstance(value, cst.Call) else ""
                alias = dotted(value) if isinstance(value, (cst.Name, cst.Attribute)) else None
                if name:
                    found.setdefault(name, set()).add(cls if cls[:1].isupper() else "=" + alias if alias else "")

        fast_visit(model.module, _Bindings())
        single = {name: next(iter(classes)) for name, classes in found.items() if len(classes) == 1}
        model.instances = {name: single.get(cls[1:], "") if cls.startswith("=") else cls
                           for name, cls in single.items()}
    return model.instances


def _definition(function: str, method: bool) -> re.Pattern:
    """`def create_order(` / `async def add_message(\n        self, request`, across line breaks."""
    params = r"\s*self\s*,\s*request\b" if method else ""
    return re.compile(rf"\bdef\s+{re.escape(function)}\s*\({params}")


def is_test_module_name(module: str) -> bool:
    """Test code by its module name: tests/ folders, test_*.py, *_test.py, conftest.py."""
    parts = module.split(".")
    last = parts[-1] if parts else ""
    return bool({"tests", "test", "testing"} & set(parts[:-1])) or last.startswith("test_") or \
        last.endswith("_test") or last in ("conftest", "tests", "test")


def _handler_methods(model: ModuleModel, name: str) -> list[FunctionInfo]:
    """Methods called `name` taking `(self, request)` in a module of a web framework: class-based handlers
    (aiohttp's `class Handler: async def add_message(self, request)`)."""
    if not framework_of(model):
        return []
    return [info for info in model.functions if info.cls is not None and info.parent is None and info.name == name
            and [p.name.value for p in info.params[:2]] == ["self", "request"]]


# Calls that can register a handler defined elsewhere (literal checks: they run on every Python input, so the
# `add_` ones only where `add_` is written at all).
ADD_ROUTE_STEMS = ("add_url_rule", "add_api_route", "add_route", "add_post", "add_patch")


# A registration at a literal path, on a line that is not a decorator (decorated handlers are found in their
# own module).
_REGISTRATION_CALL = LazyRegex(
    r"^[ \t]*(?=[^@\s])[^\n]*?\b(?:add_url_rule|add_api_route|add_route|add_post|add_patch|Route|post|patch|route)"
    r"\(\s*(?:[\"'](?:POST|PATCH|post|patch)[\"']\s*,\s*)?[\"']/", re.M)


def registers_routes(text: str) -> bool:
    """A call that registers a route at a literal path (`add_post("/orders", ...)`, `Route("/x", ...)`): the
    literal stems first, the regex only on the few texts holding one."""
    stems = ("add_" in text and any(stem in text for stem in ADD_ROUTE_STEMS)) or "Route(" in text or \
        "web." in text
    return stems and _REGISTRATION_CALL.search(text) is not None


def _routes_registered_for_others(module: str, text: str, package: bool = False) -> list[tuple]:
    """(qualified function, methods, path, this module) of the POST/PATCH routes this module registers with a
    handler defined elsewhere (`app.router.add_post("/orders", views.create_order)`). A parse, under the same
    guards as any analysed file (size, generated code, nesting): these files are few."""
    from .analyse import MAX_PYTHON_BYTES, ast_check, is_generated  # the analysis imports this module

    if len(text) > MAX_PYTHON_BYTES or is_generated(text) or ast_check(text)[0] != "ok":
        return []  # said when the file itself is analysed
    try:
        model = build_model(cst.parse_module(text), module)
    except Exception:  # noqa: BLE001 - a fact not found costs a finding, never the run
        return []
    calls = _RouteCalls(model)
    fast_visit(model.module, calls)
    local = model.module_functions()
    found = []
    for target, methods, path in calls.found:
        if not methods & MUTATING:
            continue
        method = _instance_method(model, target)
        if method is not None:  # the class's module is not known here: any handler class's method of that name
            found.append((method, tuple(sorted(methods)), path, module))
            continue
        qualified = model.qualify(target)
        if not qualified or (isinstance(target, cst.Name) and target.value in local):
            continue
        qualified = _absolute(qualified, module, package)
        if qualified and "." in qualified:
            found.append((qualified, tuple(sorted(methods)), path, module))
    return found


def _absolute(name: str, module: str, package: bool) -> str | None:
    """`.views.create` imported in `shop.routes` -> `shop.views.create` (in the package `shop`'s own
    `__init__`, `.` is `shop` itself); None when the dots climb above the project."""
    dots = len(name) - len(name.lstrip("."))
    if not dots:
        return name
    base = module.split(".") if package else module.split(".")[:-1]
    if dots - 1 > len(base) or (dots - 1 == len(base) and not base):
        return None
    base = base[:len(base) - (dots - 1)]
    return ".".join([*base, name[dots:]]) if base else None


FALCON_RESPONDERS = frozenset({"on_get", "on_post", "on_put", "on_patch", "on_delete"})


def _django_style(model: ModuleModel, info: FunctionInfo) -> bool:
    """A plain function view: Django imported, `request` as the first parameter; not a helper that takes the
    request and plainly returns no response (a form factory, a path cleaner)."""
    params = info.params
    if not params or params[0].name.value != "request" or framework_of(model) not in DJANGO_FRAMEWORKS:
        return False
    return bool(info.decorators) or not _returns_no_response(info.node)


def _wsgi_style(info: FunctionInfo) -> bool:
    """A raw WSGI application, `def app(environ, start_response)`, which serves what its method tests name."""
    names = [param.name.value for param in info.params[:2]]
    return len(names) == 2 and names[0] == "environ" and names[1] == "start_response"


def _returns_no_response(node: cst.FunctionDef) -> bool:
    """Every `return` gives nothing, a literal, or a form (`forms.Form(...)`, `TitleForm(request.POST)`, a
    name bound to one: `form = form_class(request.POST) ... return form`)."""
    forms = {target.target.value for statement in calls_assigned(node.body)
             for target in statement.targets if isinstance(target.target, cst.Name)
             if (dotted(statement.value.func) or "").split(".")[-1].lower().endswith(("form", "form_class"))}

    class _Returns(Visitor):
        returns = 0
        plain = 0

        def visit_FunctionDef(self, inner) -> bool:
            return False  # a nested function's returns are its own

        def visit_Return(self, ret) -> None:
            self.returns += 1
            value = ret.value
            if isinstance(value, cst.Name) and value.value in forms:
                self.plain += 1
                return
            func = (dotted(value.func) or "").split(".")[-1] if isinstance(value, cst.Call) else None
            if value is None or isinstance(value, (cst.SimpleString, cst.Integer, cst.ConcatenatedString,
                                                   cst.FormattedString)) or \
                    (isinstance(value, cst.Name) and value.value in ("None", "True", "False")) or \
                    (func is not None and func.lower().endswith("form")):
                self.plain += 1

    finder = _Returns()
    fast_visit(node.body, finder)
    return finder.returns == finder.plain


class _Assigned(Visitor):
    def __init__(self):
        self.found = []

    def visit_Assign(self, node) -> None:
        if isinstance(node.value, cst.Call):
            self.found.append(node)

    def visit_FunctionDef(self, inner) -> bool:
        return False


def calls_assigned(body) -> list:
    """The `name = call(...)` assignments below `body` (not in nested functions)."""
    finder = _Assigned()
    fast_visit(body, finder)
    return finder.found


def _checked_methods(info: FunctionInfo) -> set[str]:
    """Methods a view branches on: `if request.method == "POST":`, `request.method in ("POST", "PATCH")`, and
    WSGI's `environ["REQUEST_METHOD"]` (also through `.get`)."""
    found: set[str] = set()

    class _Checks(Visitor):
        def visit_Comparison(self, node):
            if dotted(node.left) != "request.method" and not _wsgi_method(node.left):
                return
            for target in node.comparisons:
                if isinstance(target.operator, (cst.Equal, cst.In)):
                    found.update(m for m in _string_list(target.comparator) if m in ("POST", "PATCH"))

    fast_visit(info.node.body, _Checks())
    return found


def _wsgi_method(expr) -> bool:
    if isinstance(expr, cst.Subscript) and dotted(expr.value) == "environ" and len(expr.slice) == 1:
        index = expr.slice[0].slice
        return isinstance(index, cst.Index) and string_value(index.value) == "REQUEST_METHOD"
    return isinstance(expr, cst.Call) and dotted(expr.func) == "environ.get" and bool(expr.args) and \
        string_value(expr.args[0].value) == "REQUEST_METHOD"


def _view_classes(model: ModuleModel) -> dict[str, ClassInfo]:
    views: dict[str, ClassInfo] = {}
    for info in model.functions:  # Falcon resources are plain classes with on_<method> responders
        if info.cls is not None and info.name in FALCON_RESPONDERS and info.cls.name in model.classes:
            views[info.cls.name] = info.cls
    changed = True
    while changed:  # local subclasses of views are views
        changed = False
        for name, cls in model.classes.items():
            if name in views:
                continue
            if any(_is_view_base(base) or base.split(".")[-1] in views for base in cls.bases):
                views[name] = cls
                changed = True
    candidates = {f.cls.name for f in model.functions if f.cls is not None and f.name in METHOD_NAMES}
    for name in candidates - set(views):  # a view whose base view is written in another module of the project
        cls = model.classes.get(name)
        if cls is not None and any(_view_elsewhere(model.index, model.path, base) for base in cls.bases
                                   if _from_an_import(model, base)):
            views[name] = cls
    return views


FORM_VIEWS = frozenset("FormView CreateView BaseCreateView BaseFormView".split())


def _makes_from_a_form(model: ModuleModel, cls: ClassInfo) -> bool:
    """A Django `FormView` or `CreateView` (here or through this module's own bases): its `form_valid` is what
    a POST does. An `UpdateView`'s saves the addressed object, as a PUT would."""
    return bool(_lineage(model, cls.name) & FORM_VIEWS)


def _from_an_import(model: ModuleModel, base: str) -> bool:
    """A base class an import names: `from app.auth import AuthenticatedResource` (qualified as
    `app.auth.AuthenticatedResource`), `import app.base` then `app.base.View`, or a relative import."""
    return base.startswith(".") or _imported(model, base.split(".")[0]) or \
        (model.index is not None and base in model.imports.values())


def _view_elsewhere(index, importer: str, base: str) -> bool:
    """An imported class that extends a framework view, through bases written in other modules of the project."""
    return index is not None and any(_is_view_base(written) for *_, bases in index.ancestors(importer, base)
                                     for written in bases)


def _concrete_views(model: ModuleModel, views: dict[str, ClassInfo]) -> dict[str, ClassInfo]:
    """The views that are routes. Framework-style base views (`BaseCreateView`, `*Mixin`, a view other classes
    here extend) declare behaviour for subclasses; the routes are the subclasses. But a handler method a
    concrete subclass inherits without redefining it serves that subclass's route: the base is kept, and
    reported where the code is written. A framework's own views (Django's `ProcessFormView`) serve the apps
    built on it. One pass over the module's classes and methods, whatever their number."""
    if model.name.split(".")[0] in FRAMEWORK_PACKAGES:
        return {}
    extended_by: dict[str, list[ClassInfo]] = {}
    for other in model.classes.values():
        for base in {base.split(".")[-1] for base in other.bases}:
            extended_by.setdefault(base, []).append(other)
    handlers: dict[int, set[str]] = {}
    for info in model.functions:
        if info.cls is not None and info.parent is None and info.name in METHOD_NAMES:
            handlers.setdefault(id(info.cls), set()).add(info.name)

    def inherited(cls: ClassInfo) -> bool:
        own = handlers.get(id(cls), set())
        return any(own - handlers.get(id(sub), set()) for sub in extended_by[cls.name] if not _abstract_by_name(sub))

    return {name: cls for name, cls in views.items()
            if not _abstract_by_name(cls) and (cls.name not in extended_by or inherited(cls))}


def _creates_implicitly(base: str) -> bool:
    """DRF's and Django's generic create views (a `ModelViewSet` of another library is not DRF's); a bare
    name is one this module's imports do not explain (a star import): taken at its word."""
    return bool(IMPLICIT_CREATE.search(base)) and ("." not in base or base.startswith(("rest_framework.",
                                                                                         "django.")))


FRAMEWORK_PACKAGES = frozenset({*DJANGO_FRAMEWORKS, *ASGI_FRAMEWORKS, "flask", "flask_restful", "flask_restx",
                                "aiohttp", "falcon", "tornado"})


def _abstract_by_name(cls: ClassInfo) -> bool:
    return cls.name.startswith(("Base", "Abstract", "Generic")) or cls.name.endswith("Mixin")


def _is_view_base(base: str) -> bool:
    return bool(VIEW_BASES.match(base)) or base.split(".")[-1].endswith(VIEW_SUFFIXES)


def _decorated_handlers(model: ModuleModel, info: FunctionInfo) -> list[Handler]:
    """A function under route decorators: one handler per path, the methods of stacked decorators added up
    (`@r.put("/acl")` over `@r.patch("/acl")`); a route without a path joins the first path."""
    by_path: dict[str, set[str]] = {}
    for qualified, decorator in info.decorators:
        route = _route_decorator(model, info, qualified, decorator)
        if route is not None:
            by_path.setdefault(route.path, set()).update(route.methods)
    if "" in by_path and len(by_path) > 1:
        pathless = by_path.pop("")
        by_path[next(iter(by_path))].update(pathless)
    return [Handler(info, info.cls, methods, path, info.node.name) for path, methods in by_path.items()]


def _route_decorator(model: ModuleModel, info: FunctionInfo, qualified: str, decorator) -> Handler | None:
    """The route one decorator declares (`@app.post("/x")`, `@require_POST`, DRF's `@api_view`), or None."""
    expr = decorator.decorator
    call = expr if isinstance(expr, cst.Call) else None
    last = qualified.split(".")[-1]
    methods: set[str] = set()
    path = ""
    if call is not None:
        path = _path_argument(call, model.constants)
        if path:
            path = _join_paths(_router_prefix(model, call), path)
    if last in HTTP_VERBS and (path or _is_framework(qualified)) and (call is not None or _is_framework(qualified)):
        methods = {HTTP_VERBS[last]}
    elif last in ("route", "api_route", "add_route") and call is not None:
        methods = _methods_keyword(call, default={"GET"})
    elif last == "require_POST" or qualified.endswith("require_POST"):
        methods = {"POST"}
    elif last == "require_http_methods" and call is not None and call.args:
        methods = _string_list(call.args[0].value)
    elif last == "api_view" and qualified.startswith(("rest_framework", "api_view")):
        methods = _string_list(call.args[0].value) if call is not None and call.args else {"GET"}
        if call is not None:
            methods |= _methods_keyword(call, default=set())
    elif last == "action" and qualified.startswith(("rest_framework", "action")) and call is not None:
        methods = _methods_keyword(call, default={"GET"})
    if methods:
        return Handler(info, info.cls, methods, path, info.node.name)
    return None


SIGNATURE_HEADER = LazyRegex(r"(?i)^(?:http_)?[\w-]*signature(?:[-_]\d+|[-_]256)?$")  # X-Slack-Signature, ...


def _verifies_a_sender(node: cst.FunctionDef) -> bool:
    """A handler that reads a signature header (`X-Slack-Signature`, `Stripe-Signature`, `X-Hub-Signature-256`)
    receives events another system sends: it dedupes by the sender's event id, not by a client's key."""
    class _Headers(Visitor):
        found = False

        def visit_SimpleString(self, string) -> None:
            text = string_value(string)
            if text is not None and SIGNATURE_HEADER.match(text):
                self.found = True

    finder = _Headers()
    fast_visit(node.body, finder)
    return finder.found


IDEMPOTENT_METHODS = ("get", "head", "delete", "put")


def _delegates_to_idempotent(node: cst.FunctionDef) -> bool:
    """`def post(self, request): return self.get(request)` (or `self.delete(...)`, as Django's DeleteView
    forms do): a POST answered like a GET, DELETE or PUT, which a repeat cannot do twice."""
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return False
    statement = body[0].body[0]
    value = statement.value if isinstance(statement, (cst.Return, cst.Expr)) else None
    func = value.func if isinstance(value, cst.Call) else None
    if not isinstance(func, cst.Attribute) or func.attr.value not in IDEMPOTENT_METHODS:
        return False
    owner = func.value
    return (isinstance(owner, cst.Name) and owner.value == "self") or \
        (isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super")


def _is_framework(qualified: str) -> bool:
    return qualified.startswith(("litestar.", "starlite.", "sanic.", "blacksheep.", "robyn."))


def _path_argument(call: cst.Call, constants=None) -> str:
    """The route's literal path, or a module constant's (`ADMIN_ROUTE = "/_admin/hosts"`)."""
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value in ("path", "rule", "url"):
            value = arg.value
            if constants and isinstance(value, cst.Name) and value.value in constants:
                value = constants[value.value]
            text = string_value(value)
            if text is not None and (text.startswith("/") or text == ""):
                return text or "/"
            if arg.keyword is None:
                break
    return ""


ROUTER_FACTORIES = ("APIRouter", "Blueprint", "Router", "RouteTableDef", "Namespace")
PREFIX_KEYWORDS = ("prefix", "url_prefix", "path")


def _router_prefix(model: ModuleModel, call: cst.Call) -> str:
    """The prefix of the router a route is declared on, when this module makes it: `router =
    APIRouter(prefix="/orders")`, `bp = Blueprint("shop", __name__, url_prefix="/shop")`."""
    router = call.func.value if isinstance(call.func, cst.Attribute) else None
    factory = model.constants.get(router.value) if isinstance(router, cst.Name) else None
    if not isinstance(factory, cst.Call) or not (dotted(factory.func) or "").endswith(ROUTER_FACTORIES):
        return ""
    for arg in factory.args:
        if arg.keyword is not None and arg.keyword.value in PREFIX_KEYWORDS:
            text = string_value(arg.value)
            return text if text and text.startswith("/") else ""
    return ""


def _join_paths(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix.rstrip("/") + ("" if path == "/" else "/" + path.lstrip("/")) or "/"


def _methods_keyword(call: cst.Call, default: set[str]) -> set[str]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "methods":
            return _string_list(arg.value)
    return set(default)


def _string_list(expr) -> set[str]:
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return {text.upper() for e in expr.elements if (text := string_value(e.value)) is not None}
    text = string_value(expr)
    return {text.upper()} if text else set()


# --- what the handler does ------------------------------------------------------------------------------------


AUTH_WORDS = frozenset("login logout signin signout token authtoken authenticate oauth impersonate".split())
NAME_PREFIXES = frozenset("api do handle on async".split())  # `api_lnurlscan`, `do_export`: the verb follows


def handler_deletes_or_sets_status(handler: Handler) -> bool:
    """`OrderItemDeleteView.post`, `UpdateOrderStatus.post`, `change_status`, `cancel_payment`, `settle`,
    `ticket_cc_del`: done again, the thing is gone or in the state all the same, whatever the harm of the
    resource (an order set to shipped twice is shipped)."""
    addressed = _addresses(handler)
    return any(is_deletion(name) or _removes(name) or _changes_a_status(name) or _changes_a_state(name) or
               (addressed and (name == ("start",) or name[0] in ADDRESSED_STATE_VERBS - {"start"}))
               for name in _handler_names(handler))


# How Python handlers name a removal, first or last (`attachment_del`, `cleanup_logs`, `remove_member`); not
# `remove_funds` (a money noun) nor `delete_and_refund` (another verb that makes).
REMOVAL_WORDS = frozenset("delete del destroy purge erase remove rm uninstall cleanup prune wipe unregister".split())


def _removes(name: tuple) -> bool:
    if not name or not ({name[0], name[-1]} & REMOVAL_WORDS):
        return False
    return not set(name) & (MONEY_NOUNS | (MUTATING_VERBS - REMOVAL_WORDS - {"set", "update"}))


# Verbs that move an existing thing into a state: a repeat finds it there (`cancel`, `settle`, `revoke`); they
# name no new thing, so they say "an existing one" without a route parameter.
STATE_CHANGE_VERBS = frozenset("""cancel settle stop close requeue reject revoke decline reload restart pause
    resume suspend unsuspend activate deactivate enable disable archive unarchive lock unlock expire void clear
    disconnect accept approve dismiss resolve reopen mute unmute ban unban restart reboot shutdown freeze thaw
    repair reinstall uninstall""".split())
# Verbs that bring an addressed thing to a state (`POST /apps/{slug}/start`) but make a new thing when nothing
# is addressed (`StartThreadView`, `start_trial`).
# `start` only alone: `start_subscription` makes one.
ADDRESSED_STATE_VERBS = frozenset("start rebuild restore sync resync finalize rotate approve".split())


def _is_parameter(segment: str) -> bool:
    """`{slug}` (FastAPI, aiohttp), `<int:pk>` (Flask, Django), `:id` (Litestar-style)."""
    return segment.startswith(("{", "<", ":"))


def _literal_segments(handler: Handler) -> list[str]:
    """The path's segments that are not parameters: the words a route names its work with."""
    return [s for s in handler.path.split("/") if s and not _is_parameter(s)]


def _addresses(handler: Handler) -> bool:
    """The route names one existing thing: a parameter in its path (`/apps/{slug}/start`)."""
    return any(_is_parameter(s) for s in handler.path.split("/"))
EDIT_VERBS = frozenset("edit update modify change rename".split())


# Calls that do more than store what an edit assigns (`update_order` that then notifies the customer).
EFFECT_WORDS = frozenset("""send notify email mail deliver charge pay transfer refund capture publish enqueue dispatch
    invite""".split())


def edits_addressed(handler: Handler) -> bool:
    """`edit_bill` of `/bills/<bill_id>/edit`, `update_member`: named as editing the thing its path addresses,
    and changing nothing relative to what is stored (`balance += amount` is more than an edit)."""
    named = [name for name in _handler_names(handler) if name[:1] and name[0] in EDIT_VERBS]
    return handler.info is not None and _addresses(handler) and \
        any(not set(name) & MAKING_WORDS for name in named) and \
        not relative_change(handler, by_path=False) and not any(
            call_verb(call) in EFFECT_WORDS for call in calls_in(handler.info.node.body))


MAKING_WORDS = frozenset("create add send pay charge transfer place submit book capture refund invite".split())


def _changes_a_state(name: tuple) -> bool:
    return bool(set(name) & STATE_CHANGE_VERBS) and not set(name) & MAKING_WORDS


# "Deprecated: use POST /v2/payments", "DEPRECATED.", "This endpoint is deprecated"; not "Deprecated fields ..."
DEPRECATED_NOTICE = re.compile(r"deprecated\s*([:.!\-—(]|$)|this (endpoint|route|view|api|operation) is deprecated",
                               re.I)


def is_deprecated(handler: Handler) -> bool:
    """Marked as on its way out: `@deprecated`, a route's `deprecated=True`, or a docstring that says so
    (`.. deprecated::`, "Deprecated: use ...")."""
    info = handler.info
    if info is None:
        return False
    for qualified, decorator in info.decorators:
        if qualified.rsplit(".", 1)[-1] == "deprecated":
            return True
        call = decorator.decorator
        if isinstance(call, cst.Call) and any(arg.keyword is not None and arg.keyword.value == "deprecated" and
                                              dotted(arg.value) == "True" for arg in call.args):
            return True
    body = info.node.body.body if isinstance(info.node.body, cst.IndentedBlock) else []
    first = body[0] if body else None
    if isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Expr):
        text = string_value(first.body[0].value) or ""
        return ".. deprecated::" in text or bool(DEPRECATED_NOTICE.match(text.strip()))
    return False


def names_a_making(handler: Handler) -> bool:
    """Its function, class or path names something made, sent or moved (`create_order`, `TransferView`,
    `/payouts`): a body that calls nothing is then a stub of that work, not a read."""
    segments = _literal_segments(handler)
    named = {w for name in _handler_names(handler) for w in name} | {w for s in segments for w in words(s)}
    return bool(named & (MUTATING_VERBS | HIGH_HARM_NOUNS))


def handler_sets_a_state(handler: Handler) -> bool:
    """Named as setting a value or a state (`set_language`, `/unfollow`, `FollowUserView.post`); only a hint,
    so callers weigh harm. A class view's method is named by its class."""
    segments = _literal_segments(handler)
    return any(sets_a_state(name) for name in _handler_names(handler)) or \
        bool(segments and sets_a_state(words(segments[-1])))


VIEW_WORDS = frozenset("view views viewset api apiview endpoint handler resource controller".split())
STATUS_WORDS = frozenset("status state stage phase".split())


def _handler_names(handler: Handler) -> list[tuple]:
    """The words that name what a handler does: its function's name, and for a method named after an HTTP
    verb (`post`, `create`) its class's name without the view words (`OrderItemDeleteView` -> order item
    delete)."""
    names = []
    if handler.info is not None:
        names.append(tuple(words(handler.info.name)))
    if handler.cls is not None and (handler.info is None or handler.info.name in METHOD_NAMES):
        own = tuple(w for w in words(handler.cls.name) if w not in VIEW_WORDS)
        names.append(own)
        verb = next((i for i, w in enumerate(own) if w in MUTATING_VERBS or w in READ_VERBS or
                     w in ("change", "mark")), None)
        if verb is not None and verb > 0:  # `OrderItemDelete`: the verb after its object
            names.append(own[verb:])
    return [n for n in names if n]


def _changes_a_status(name: tuple) -> bool:
    """`change_status`, `UpdateOrderStatus`, `mark_state`: an assignment of a state (a repeat finds it set)."""
    return bool(set(name) & STATUS_WORDS) and bool(set(name) & {"change", "update", "set", "mark"}) and \
        not set(name) & {"create", "add", "send", "pay", "charge", "transfer", "refund", "capture"}


# Read words that also name a read when they end a handler's name (`cron_preview`).
TRAILING_READS = frozenset("""preview search lookup validate validation estimate calculate calculation simulate
    simulation render compare diff lint suggest suggestions autocomplete parse decode translate export""".split())


NOT_RELATIVE_CALLS = frozenset("""add_argument add_header add_route add_url_rule add_middleware add_event_handler
    capture_exception capture_message add_breadcrumb add_note""".split())
RELATIVE_CALLS = frozenset("""bulk_create get_or_create send_mail sendmail delay apply_async incrby""".split())
RELATIVE_VERBS = frozenset("""create add append extend insert send push enqueue increment incr charge pay transfer
    refund capture redeem book place submit""".split())  # the first word of a call's name: `add_extras`


# Receivers that keep a record of what was done (`log_service.create(...)`, `audit.add(...)`): a second entry
# is the cheap side effect a log line is.
RECORD_KEEPERS = frozenset("log logs logger audit audits auditlog".split())  # not `order.history`: a relation
# Parameters that hold the request's payload: adding to them changes nothing stored.
PAYLOAD_NAMES = frozenset("data body payload args kwargs params json request_data".split())


def _incidental(call: cst.Call, local: frozenset) -> bool:
    """A call on a record keeper, or on the payload or a container the function built (`data["to"].append(x)`)."""
    if not isinstance(call.func, cst.Attribute):
        return False
    receiver = call.func.value
    while isinstance(receiver, (cst.Attribute, cst.Subscript, cst.Call)):
        receiver = receiver.func if isinstance(receiver, cst.Call) else receiver.value
    root = receiver.value if isinstance(receiver, cst.Name) else ""
    holder = dotted(call.func.value) or ""
    return root in local or bool(RECORD_KEEPERS & set(words(holder.replace(".", "_"))))


def _local_names(function) -> frozenset:
    """The payload parameters and the containers a function builds itself."""
    from .natural_keys import scratch_names

    params = {p.name.value for p in (*function.params.params, *function.params.kwonly_params)}
    return frozenset(params & PAYLOAD_NAMES) | scratch_names(function)


class _Relative(Visitor):
    """What in a body changes what is stored relative to itself: `+=`, `F("n") + 1`, `x.on = not x.on`, a call
    that adds, appends, sends or charges (`session.add(x)` of a loaded row only marks it changed; a log entry
    and an append to the request's own data are incidental); "" if nothing does."""

    def __init__(self, local=frozenset(), calls: bool = True):
        self.found = ""
        self.local = local
        self.calls = calls

    def visit_AugAssign(self, node) -> None:
        self.found = self.found or f"adds to `{dotted(node.target) or 'a value'}`"

    def visit_Assign(self, node) -> None:
        value = node.value
        if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Not) and \
                any(_same(target.target, value.expression) for target in node.targets):
            # a toggle: a repeat undoes the first call
            self.found = self.found or f"toggles `{dotted(value.expression)}` (a repeat undoes the first call)"
        elif isinstance(value, cst.BinaryOperation) and type(value.operator).__name__ in ("Add", "Subtract") and \
                any(_same_place(target.target, value.left) for target in node.targets):
            # `wallet.balance = wallet.balance + amount`, `cart[sku] = cart[sku] + qty`
            self.found = self.found or f"adds to `{code_of(value.left)}`"

    def visit_Call(self, node) -> None:
        name = call_name(node)
        if not self.calls:
            return
        if name in ("add", "add_all") and not any(is_constructor_call(arg.value) for arg in node.args):
            return  # `session.add(order)`: a row already loaded is marked changed, nothing is added
        if name in NOT_RELATIVE_CALLS or {"token", "jwt"} & set(words(name)) or _incidental(node, self.local):
            return  # a request parser's argument, an error report, a signed token, a log: nothing stored grows
        if {"or", "update"} <= set(words(name)) or "upsert" in words(name):
            return  # `create_or_update(id, data)`: an upsert of the addressed thing
        if name in RELATIVE_CALLS or (words(name) or [""])[0] in RELATIVE_VERBS:
            self.found = self.found or f"calls {dotted(node.func) or name}()"

    def visit_BinaryOperation(self, node) -> None:
        if any(isinstance(side, cst.Call) and (dotted(side.func) or "").split(".")[-1] == "F"
               for side in (node.left, node.right)):
            self.found = self.found or "adds to a stored value (`F(...)`)"  # relative to what is stored


def _same(left, right) -> bool:
    return dotted(left) is not None and dotted(left) == dotted(right)


def _same_place(left, right) -> bool:
    """The same attribute or item, written the same way (`cart.items[sku]` both sides)."""
    return isinstance(left, (cst.Attribute, cst.Subscript)) and code_of(left) == code_of(right)


def changes_relatively(handler: Handler, by_path: bool = True, calls: bool = True) -> bool:
    """A PATCH (or PUT) that does more than assign fields (see `relative_change`); `calls=False`: only by what
    it assigns (an increment, a toggle), its calls judged by the caller."""
    return bool(relative_change(handler, by_path, calls))


def relative_change(handler: Handler, by_path: bool = True, calls: bool = True) -> str:
    """What makes a PATCH (or PUT) more than an assignment of fields, said for a reader: an increment
    (`+=`, `F("n") + 1`), a toggle, a call that appends, adds to a relation, sends or enqueues, or a
    sub-resource made (`by_path`: `PATCH /vouchers/{code}/redemptions`); "" when it only assigns, which
    leaves the same state however often it is repeated."""
    if handler.info is None:
        return ""  # DRF's own `update`/`partial_update`: the serializer assigns the fields
    segments = [s for s in handler.path.split("/") if s]
    if by_path and segments and not _is_parameter(segments[-1]) and any(_is_parameter(s) for s in segments[:-1]):
        return f"makes a member of `{segments[-1]}`"  # `PATCH /vouchers/{code}/redemptions`
    finder = _Relative(_local_names(handler.info.node), calls)
    fast_visit(handler.info.node.body, finder)
    return finder.found


# The first word of a call that makes, sends, starts or moves something (`create_user`, `form.save()` of a
# form, `send_invoice`, `deploy`): a POST that calls one is more than an assignment.
MAKING_CALL_WORDS = frozenset("""create add insert save send place submit charge pay transfer refund capture enqueue
    publish delay apply bulk execute process make issue withdraw deposit post credit debit increment incr topup
    disburse mint append extend push register upload install import generate book order invite notify emit
    dispatch trigger schedule spawn launch deploy build copy clone duplicate fork checkout purchase buy sell
    request run start reserve redeem claim new do perform backup snapshot deliver email mail sms text
    message""".split())
# Words anywhere in a call's name that hand work to run later or elsewhere (`background_task`, `enqueue_job`).
DEFERRED_WORDS = frozenset("task tasks job jobs background queue worker thread celery".split())
RECORD_NOUNS = RECORD_KEEPERS - {"logger"}  # what a log entry is called
STORING_WORDS = frozenset("add save insert create put persist store merge commit append extend".split())
HELPER_CLASSES = ("Form", "Serializer", "Schema", "Validator", "Parser", "Request", "Response", "Error",
                  "Exception")
RESPONSE_NAME = re.compile(r"^(resp|response|res|rsp)$")
RESPONSE_SETTERS = frozenset("set_status set_header set_cookie set_signed_cookie set_secure_cookie".split())
RELATIVE_UPDATE = re.compile(r"\$(inc|push|addToSet)\b|\bSET\s+\w+\s*=\s*\w+\s*[-+]", re.I)
# Receivers whose `save()` makes a row (a Django form or a DRF serializer built from the request).
MAKER_RECEIVERS = frozenset("form serializer formset".split())


class _Assignments(Visitor):
    """Whether a body assigns fields (`app.boot = body["boot"]`, `set_config(k, v)`, `model.set_json_key(...)`)
    and calls nothing that makes, sends or starts something."""

    def __init__(self, local=frozenset(), bound_forms=False):
        self.assigns = False
        self.makes = False
        self.local = local
        self.bound_forms = bound_forms  # the view binds its forms to an existing row: their `save()` edits it
        self.built: set[str] = set()
        self.stores_new = False  # a row built here is stored: `db.add(Shipment(...))`, `payment.save()`

    def visit_Assign(self, node) -> None:
        if is_constructor_call(node.value) and not (dotted(node.value.func) or "").endswith(HELPER_CLASSES):
            # `payment = Payment(...)`: made when a later call stores it (`payment.save()`, `db.add(payment)`)
            self.built |= {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}

    def visit_AssignTarget(self, node) -> None:
        target = node.target
        while isinstance(target, (cst.Attribute, cst.Subscript)):
            target = target.value
        if target is not node.target and not (isinstance(target, cst.Name) and RESPONSE_NAME.match(target.value)):
            self.assigns = True  # `app.boot = ...`, `registries[host] = ...`; not `resp.media = ...`

    def visit_Call(self, node) -> None:
        name = call_name(node)
        first = (words(name) or ("",))[0]
        receiver = words(dotted(node.func.value) or "") if isinstance(node.func, cst.Attribute) else ()
        if _incidental(node, self.local):
            return  # `log_service.create(...)`, `payload.update(...)`
        if RELATIVE_UPDATE.search(code_of(node)):
            self.makes = True  # `update_one(..., {"$inc": ...})`: adds on every repeat
        elif (first in ("set", "update") or name == "setattr") and name not in RESPONSE_SETTERS:
            self.assigns = True
        elif first == "save" and set(receiver) & MAKER_RECEIVERS and self.bound_forms:
            self.assigns = True  # `form.save()` of a form made with `instance=` the row the view shows
        elif (first in MAKING_CALL_WORDS and not (first == "save" and not set(receiver) & MAKER_RECEIVERS)) or \
                DEFERRED_WORDS & set(words(name)):
            self.makes = True  # `x.save()` of a loaded row stores what was assigned; a form's makes a row
        receiver_name = node.func.value.value if isinstance(node.func, cst.Attribute) and \
            isinstance(node.func.value, cst.Name) else ""
        built_here = receiver_name in self.built or any(
            is_constructor_call(arg.value) or (isinstance(arg.value, cst.Name) and arg.value.value in self.built)
            for arg in node.args)
        if first in STORING_WORDS and built_here:
            # `session.add(Order(...))`, `repo.put(item)` of an item built here, `payment.save()`
            self.makes = self.stores_new = True
        if set(receiver) & MONEY_NOUNS:
            self.makes = True  # `stripe.PaymentIntent.confirm(...)`: money moves, whatever the verb

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_If(self, node) -> bool:
        if method_tested(node.test) == "GET":  # the GET branch of a GET-and-POST view renders a form
            if node.orelse is not None:
                fast_visit(node.orelse, self)
            return False
        return True


DEFERRING_CALLS = frozenset("add_task delay apply_async enqueue send_task create_task run_in_executor".split())


DEFERRING_VERBS = frozenset("enqueue schedule background spawn dispatch defer".split())


def defers_work(function) -> bool:
    """Hands work to run later or elsewhere: `background.add_task(...)`, `job.delay()`, `enqueue_export(...)`;
    not a read that names a worker or a queue (`read_work_queues`)."""
    return any(call_name(call) in DEFERRING_CALLS or call_verb(call) in DEFERRING_VERBS
               for call in calls_in(function.body))


# Answers that hand a file back: a POST answered so is a download (an export, a report), not a making.
FILE_ANSWERS = frozenset("send_file send_from_directory FileResponse StreamingResponse FileWrapper".split())


def answers_a_file(handler: Handler) -> bool:
    """Returns a file (`send_file(backup, as_attachment=True)`, `FileResponse(...)`) and calls nothing that
    makes, sends or starts something: an export or a report downloaded by POST."""
    if handler.info is None:
        return False
    calls = calls_in(handler.info.node.body)
    returned = [r.value for r in nodes_in(handler.info.node.body, cst.Return) if r.value is not None]
    return any(isinstance(value, cst.Call) and call_name(value) in FILE_ANSWERS for value in returned) and \
        not any(call_name(call) not in FILE_ANSWERS and (call_verb(call) in MAKING_CALL_WORDS or
                                                        DEFERRED_WORDS & set(words(call_name(call))))
                for call in calls)


def keeps_records(handler: Handler) -> bool:
    """Named as making log entries (`ActivityLogViewSet`, `create_audit_event`, `/activity-log`)."""
    segments = _literal_segments(handler)
    names = [*_handler_names(handler), *(words(s) for s in segments[-1:])]
    return any(set(name[1:]) & RECORD_NOUNS for name in names)  # `ActivityLog`, `/audit-log`; not `log_payment`


def only_assigns(handler: Handler) -> bool:
    """A handler whose body sets fields or settings of something that exists (`user.team_id = team.id`,
    `set_config(...)`, `app.options = ...; app.save()`) and makes, sends, starts or adds nothing: the same
    request twice leaves the same state, whatever its method."""
    named = {w for name in _handler_names(handler) for w in name}
    if handler.info is None or named & (MAKING_WORDS | MINTING_WORDS) or relative_change(handler, by_path=False):
        return False  # `create_payment` that fills a `Payment()` field by field makes a payment
    finder = _assignments(handler)
    return finder.assigns and not finder.makes


def stores_new_rows(handler: Handler) -> bool:
    """The body builds a row and stores it (`db.session.add(Transaction(...))`): more than a state change."""
    return handler.info is not None and _assignments(handler).stores_new


# A class view that builds its form on an existing row: `form_kwargs["instance"] = ...`, `get_form(instance=...)`.
BOUND_FORM = LazyRegex(r"""\binstance\s*=(?!=)|\[\s*['"]instance['"]\s*\]""")
FORM_BUILDERS = frozenset("get_form_kwargs get_form get_form_class".split())


def _binds_forms(cls: ClassInfo) -> bool:
    """The class builds its forms on an existing row: its `get_form_kwargs`/`get_form` pass `instance=`."""
    if cls.binds_forms is None:
        cls.binds_forms = any(isinstance(statement, cst.FunctionDef) and statement.name.value in FORM_BUILDERS and
                              bool(BOUND_FORM.search(code_of(statement))) for statement in cls.node.body.body)
    return cls.binds_forms


def _assignments(handler: Handler) -> "_Assignments":
    bound = handler.cls is not None and _binds_forms(handler.cls)
    finder = _Assignments(_local_names(handler.info.node), bound)
    fast_visit(handler.info.node.body, finder)
    return finder


RECEIVER_WORDS = frozenset("webhook webhooks hook hooks callback callbacks".split())


def is_receiver(handler: Handler) -> bool:
    """A webhook or callback receiver, or a handler that hands the work to an idempotent method: the sender's
    event id, not a caller's key, is what a repeat carries."""
    name = handler.info.name if handler.info else handler.cls.name
    owner_words = words(handler.cls.name) if handler.cls else []
    if set(owner_words) & RECEIVER_WORDS or set(words(name)) & RECEIVER_WORDS:
        return True  # `PaymentWebhook.post`, `mailgun_unsubscribe_hook`, `USSDCallbackView.post`
    return handler.info is not None and (_delegates_to_idempotent(handler.info.node) or
                                         _verifies_a_sender(handler.info.node))


# An account step a one-time token or code completes (`reset_password_with_token`, `finalize_email_verification`,
# `fido2_complete_registration`): a repeat finds the token spent or the value already set.
ACCOUNT_SECRETS = frozenset("password passwords email passkey webauthn fido fido2 mfa otp totp".split())
ACCOUNT_NOUNS = frozenset("user users account accounts passkey webauthn fido fido2".split())  # whose registration
ACCOUNT_STEPS = frozenset("""reset verify verification confirm confirmation activate complete finalize
    finish""".split())
ACCOUNT_REQUESTS = frozenset("request forgot remind reminder send resend invite".split())  # these mail someone


def completes_an_account_step(handler: Handler) -> bool:
    """Named as finishing a password reset, an email verification or a registration; not as asking for one
    (`forgot_password`, `resend_verification`: each repeat sends another mail)."""
    named = {w for name in _handler_names(handler) for w in name}
    secret = named & ACCOUNT_SECRETS or ("registration" in named and named & ACCOUNT_NOUNS)
    if not (secret and named & ACCOUNT_STEPS) or named & ACCOUNT_REQUESTS or handler.info is None:
        return False  # not `complete_registration` of an event: a seat reserved again
    return not any(set(words(call_name(call))) & (EFFECT_WORDS - {"email"}) or
                   (call_verb(call) in MAKING_CALL_WORDS - {"save", "update", "set", "add"}) or
                   (call_name(call) == "add" and any(is_constructor_call(arg.value) for arg in call.args))
                   for call in calls_in(handler.info.node.body))  # no mail sent, nothing new made (a loaded
    # row added back to the session only marks it changed)


# Calls that end the caller's session: a handler that does so and makes nothing is a sign-out, however named.
SIGN_OUT_CALLS = frozenset("logout logout_user sign_out signout log_out forget_login".split())


def signs_out(handler: Handler) -> bool:
    """`session.clear()` or `logout_user()` and nothing that makes, sends or starts something: a second
    sign-out finds the session gone."""
    if handler.info is None:
        return False
    calls = calls_in(handler.info.node.body)
    ends = [c for c in calls if call_name(c) in SIGN_OUT_CALLS or dotted(c.func) in ("session.clear", "session.flush")]
    return bool(ends) and all(c in ends or _answers_or_reads(c) for c in calls)


# Calls that build the answer to a sign-out or a finished account step: a redirect, a message, a page.
ANSWER_BUILDERS = frozenset("""redirect url_for reverse flash render render_template jsonify abort HttpResponseRedirect
    JsonResponse Response RedirectResponse success info error warning validate validate_on_submit is_valid _
    gettext lazy_gettext ngettext""".split())


def _answers_or_reads(call: cst.Call) -> bool:
    """Builds the answer or reads (`redirect(url_for(...))`, `messages.success(...)`, `form.validate()`,
    `get_user(...)`): not `gateway.settle_cart(cart)`, which may move money."""
    from .natural_keys import READ_CALL_VERBS

    name = call_name(call)
    return name in ANSWER_BUILDERS or name.endswith("Form") or (words(name) or ("",))[0] in READ_CALL_VERBS


MINTING_WORDS = frozenset("mint generate issue register new".split())
SIGN_IN_CLASSES = frozenset("oauth oauth2 openid openidconnect saml sso".split())


def is_read_by_name(handler: Handler) -> bool:
    """Named as a search, a login, a token, a preview or a validation: only a hint, which what the body does
    (`body_makes_harm`) overrules."""
    name = handler.info.name if handler.info else handler.cls.name
    owner_words = [w for w in words(handler.cls.name) if w not in VIEW_WORDS] if handler.cls else []
    if AUTH_WORDS & (set(owner_words) | set(words(name))) or (owner_words and owner_words[0] in READ_VERBS):
        return True
    if handler.info is not None and defers_work(handler.info.node):
        return False  # `start_export` that hands a job to a worker: async work, whatever its name
    if handler.cls is not None and (squash(handler.cls.name) in SIGN_IN_CLASSES or
                                    squash(handler.cls.name).endswith(("login", "callback", "signin"))):
        return True  # `OAuth2.post`, `SAMLLogin.post`: a sign-in
    if len(owner_words) > 1 and owner_words[-1] in TRAILING_READS and not MUTATING_VERBS & set(owner_words):
        return True  # `CertificateExport.post`, `AddressLookupView.post`
    while words(name) and words(name)[0] in NAME_PREFIXES and len(words(name)) > 1:
        name = name.split("_", 1)[1] if "_" in name else name[len(words(name)[0]):]  # `api_fiat_convert`
    segments = _literal_segments(handler)
    last = segments[-1] if segments else ""
    name_words = words(name)
    path_words = words(last)
    if path_words and (squash(last) in READ_VERBS or path_words[0] in READ_VERBS) and \
            not MUTATING_VERBS & set(path_words[1:]):
        return True
    if name_words and name_words[0] in READ_VERBS and not MUTATING_VERBS & set(name_words[1:]):
        return True
    if len(name_words) > 1 and name_words[-1] in TRAILING_READS and not MUTATING_VERBS & set(name_words):
        return True  # `cron_preview`, `address_lookup`; not `order_list` (a Django list view creates on POST)
    everything = set(name_words) | {squash(s) for s in segments}
    return bool(everything & (INBOUND_SEGMENTS | {"webhook", "webhooks", "callback", "callbacks"}))


# Money and order nouns (not messages: `client.messages.create` is also how an LLM is asked), and the verbs that
# make one: the body's calls that make a handler a mutation of high harm whatever its name says.
MONEY_NOUNS = HIGH_HARM_NOUNS - {"sms", "message", "messages", "call", "calls", "fax", "faxes"}
MAKING_VERBS = frozenset("create charge capture transfer pay refund place submit add save insert".split())
MESSAGE_CALLS = frozenset("send_mail send_mass_mail sendmail send_email send_sms mail_admins mail_managers".split())
MAIL_NOUNS = frozenset("email emails mail mails sms invitation invitations invite newsletter letter".split())


def _sends_to_people(name: str) -> bool:
    """`send_mail`, `send_team_invitation_email`, `send_welcome_sms`: mail or a text sent to a person."""
    named = words(name)
    return name in MESSAGE_CALLS or (named[:1] == ("send",) and bool(MAIL_NOUNS & set(named[1:])))


def body_makes_harm(handler: Handler) -> str | None:
    """The first call of a handler's own body that moves money, makes an order-like record or sends mail to
    people (`stripe.PaymentIntent.create(...)`, `Payment.objects.create(...)`, `db.session.add(Order(...))`,
    `send_mail(...)`), as written; None when there is none."""
    if handler.info is None:
        return None
    for call in calls_in(handler.info.node.body):
        if _sends_to_people(call_name(call)):
            return f"{dotted(call.func) or call_name(call)}()"  # mail or a message sent to people
        verb = call_verb(call)
        if verb not in MAKING_VERBS:
            continue
        named = dotted(call.func) or ""
        made = [dotted(arg.value.func) or "" for arg in call.args if isinstance(arg.value, cst.Call)]
        if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Call):
            made.append(dotted(call.func.value.func) or "")  # `Payment(...).save()`
        for text in (named.rsplit(".", 1)[0] if "." in named else "", *made):
            if MONEY_NOUNS & set(words(text.replace(".", "_"))):
                return f"{named or call_name(call)}()"
    return None


def _names_a_key(text: str, extra=frozenset()) -> bool:
    """A string that is a key's name (`Idempotency-Key`, `HTTP_IDEMPOTENCY_KEY`, `client_token`), not prose or
    SQL that merely mentions idempotency."""
    if len(text) > 64 or any(c.isspace() for c in text):
        return False
    key = header_name(text)
    return is_key_name(key, extra) and (squash(key).endswith(("key", "token", "id", "reference")) or
                                         squash(key) in extra)


class KeyEvidence(Visitor):
    """Does a function body read an intent key: a key-named string, identifier or attribute anywhere in it."""

    def __init__(self, extra=frozenset()):
        self.extra = extra
        self.found: cst.CSTNode | None = None

    def _check(self, node, text: str | None) -> None:
        if self.found is None and text and (is_key_name(header_name(text), self.extra) or "idempoten" in text.lower()):
            self.found = node

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        text = string_value(node)
        if text and _names_a_key(text, self.extra):
            self._check(node, text)

    def visit_SimpleStatementLine(self, node) -> bool:
        """A statement that is only a string (a docstring) is prose, not a read."""
        return not (len(node.body) == 1 and isinstance(node.body[0], cst.Expr) and
                    isinstance(node.body[0].value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)))

    def visit_DictElement(self, node: cst.DictElement) -> bool:
        fast_visit(node.value, self)  # a key-named dict key is a header or field being sent, not read
        return False

    def visit_Assign(self, node: cst.Assign) -> bool:
        for target in node.targets:  # headers["Idempotency-Key"] = ... sends; the value may still read one
            if not isinstance(target.target, cst.Subscript):
                fast_visit(target.target, self)
        fast_visit(node.value, self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self._check(node, node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._check(node, node.attr.value)


def reads_key(model: ModuleModel, handler: Handler, extra=frozenset(), key_models=frozenset()) -> bool:
    if handler.info is None:
        return False
    if _key_evidence(extra, handler.info.node.params, handler.info.node.body):
        return True
    functions = model.module_functions()
    for name in _called_names(handler.info.node.body):  # `key = _idem(request)`: a helper that reads it
        helper = functions.get(name)
        if helper is not None and helper is not handler.info and _key_evidence(extra, helper.node.body):
            return True
    if any(_imported_reads_key(model, call.func) for call in calls_in(handler.info.node.body)):
        return True  # `key = utils.idempotency_key(request)`: a helper of another module
    if _injects_key(model, handler, extra):
        return True
    for param in handler.info.params:  # a body model (here or imported) that carries the key
        annotation = param.annotation.annotation if param.annotation else None
        for name in _names_in(annotation):
            cls = model.classes.get(name)
            if (cls is not None and class_has_key_field(cls, extra)) or (cls is None and name in key_models):
                return True
            if cls is None and _imported(model, name) and model.index.is_key_model(model.path, model.imports[name]):
                return True
    return False


def function_reads_key(info: FunctionInfo, extra=frozenset()) -> bool:
    """A function (a helper, a dependency, a decorator and its wrapper) whose parameters or code read a key."""
    return not isinstance(info.node, cst.Module) and _key_evidence(extra, info.node.params, info.node.body)


def _imported(model: ModuleModel, name: str) -> bool:
    """A local name an import gives, with a project index to ask about it."""
    return model.index is not None and name in model.imports


def _imported_reads_key(model: ModuleModel, expr) -> bool:
    """A callable of another module of the project that reads a key (`Depends(get_idempotency_key)`, an
    imported decorator, a dependency class's `__call__`/`__init__`)."""
    name = dotted(expr)
    if name is None or not _imported(model, name.split(".")[0]):
        return False
    qualified = model.qualify(expr)
    return any(model.index.reads_key(model.path, target)
               for target in (qualified, f"{qualified}.__call__", f"{qualified}.__init__"))


def _key_evidence(extra, *nodes) -> bool:
    evidence = KeyEvidence(extra)
    for node in nodes:
        fast_visit(node, evidence)
    return evidence.found is not None


def _injects_key(model: ModuleModel, handler: Handler, extra=frozenset()) -> bool:
    """A dependency of this module that reads the key, injected by the framework: `key: str =
    Depends(intent_key)`, `ctx: Intent = Depends()`, `key: IntentKey` (an `Annotated[str, Header(...)]`
    alias), or `dependencies=[Depends(require_key)]` on the route; dependencies of dependencies too. A
    dependency reads its headers through its own parameters, so they count (a helper called in the body does
    not: its parameters are what the handler passes, and neither does a class merely named in an annotation)."""
    functions = model.module_functions()
    methods = {(f.cls.name, f.name): f for f in model.functions if f.cls is not None and f.parent is None}
    node = handler.info.node
    found, pending = _injected_by(model, node.params, extra)
    decorators = [d.decorator for _, d in handler.info.decorators if isinstance(d.decorator, cst.Call)]
    pending += [name for decorator in decorators for name in _dependency_targets(decorator)]
    seen = {handler.info.name}
    while pending and not found:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        readers = [functions.get(name), methods.get((name, "__call__")), methods.get((name, "__init__"))]
        if not any(readers) and _imported_reads_key(model, cst.Name(name)):
            return True
        for reader in filter(None, readers):
            if _key_evidence(extra, reader.node.params, reader.node.body):
                return True
            found, more = _injected_by(model, reader.node.params, extra)
            if found:
                return True
            pending += more
    return found


def _injected_by(model: ModuleModel, params, extra) -> tuple[bool, list[str]]:
    """(whether an `Annotated` alias of this module in the parameters reads the key, the names the parameters
    have injected: `Depends(intent_key)`, and the class of `ctx: Intent = Depends()`)."""
    targets = _dependency_targets(params)
    for param in [*params.params, *params.kwonly_params]:
        annotation = param.annotation.annotation if param.annotation else None
        names = _names_in(annotation)
        for name in names:
            alias = model.constants.get(name)
            if alias is not None:
                if _key_evidence(extra, alias):
                    return True, []
                targets += _dependency_targets(alias)
        if _bare_dependency(param.default) or _bare_dependency(annotation):
            targets += [name for name in names if name in model.classes]
    return False, targets


def _bare_dependency(expr) -> bool:
    """`Depends()` with nothing to call: FastAPI injects the annotation's class."""
    return any(_is_dependency_marker(call) and not call.args for call in calls_in(expr))


DEPENDENCY_MARKERS = ("Depends", "Security", "Provide", "Inject")


def _is_dependency_marker(call: cst.Call) -> bool:
    return (dotted(call.func) or "").split(".")[-1] in DEPENDENCY_MARKERS


def _dependency_targets(expr) -> list[str]:
    """Names a framework injects: `Depends(intent_key)`, `Depends(RequireKey())`, `Security(...)`."""
    targets = []
    for call in calls_in(expr):
        if _is_dependency_marker(call) and call.args:
            target = call.args[0].value
            target = target.func if isinstance(target, cst.Call) else target
            if isinstance(target, cst.Name):
                targets.append(target.value)
    return targets


def _called_names(body) -> set[str]:
    return {call.func.value for call in calls_in(body) if isinstance(call.func, cst.Name)}


def _names_in(expr) -> list[str]:
    names = []
    if expr is None:
        return names

    class _Names(Visitor):
        def visit_Name(self, node):
            names.append(node.value)

    fast_visit(expr, _Names())
    return names


def class_has_key_field(cls: ClassInfo, extra=frozenset()) -> bool:
    """A field named like a key, and not a flag (`is_idempotent: bool` says something of the request)."""
    for statement in class_statements(cls):
        if isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Name):
            flag = dotted(statement.annotation.annotation) in ("bool", "typing.Optional[bool]")
            if is_key_field_name(statement.target.value, extra) and not flag:
                return True
    return False


def is_key_field_name(name: str, extra=frozenset()) -> bool:
    """A model field named like an intent key; upper-case names are constants (`IDEMPOTENCY_HEADER: Final`)."""
    return not name.isupper() and is_key_name(name, extra)


def class_statements(cls: ClassInfo):
    """The small statements of a class body (`serializer_class = X`, `model = Order`, `key: str`)."""
    body = cls.node.body
    if isinstance(body, cst.IndentedBlock):
        for line in body.body:
            if isinstance(line, cst.SimpleStatementLine):
                yield from line.body


def covered_by_library(model: ModuleModel, handler: Handler, facts: ProjectFacts) -> bool:
    """Decorators of recognised libraries (django-idempotency-key, powertools, a local decorator that reads a
    key), or middleware of the handler's own framework."""
    framework = framework_of(model)
    decorators = list(handler.info.decorators) if handler.info else []
    if handler.cls is not None:
        decorators += [(q, d) for q, d in _class_decorators(handler)]
    names = [q for q, _ in decorators]
    if any(EXEMPT_DECORATORS.search(q) for q in names):
        return False
    for qualified, decorator in decorators:
        if NOT_COVERAGE.match(qualified):
            continue
        if LIBRARY_DECORATORS.match(qualified):
            return True
        if "idempoten" in qualified.lower():
            local = model.module_functions().get(qualified)
            if local is None or _reads_key_anywhere(local.node.body):
                return True  # imported from elsewhere, or defined here and reading a key
        target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        if _imported_reads_key(model, target):
            return True  # a decorator of another module of the project that reads the key
        if qualified.endswith("method_decorator") and isinstance(decorator.decorator, cst.Call):
            inner = decorator.decorator.args[0].value if decorator.decorator.args else None
            if "idempoten" in (dotted(inner) or "").lower():
                return True
    if facts.django_middleware == "all" and framework in DJANGO_FRAMEWORKS:
        return True
    return framework in ASGI_FRAMEWORKS and bool(handler.methods & facts.asgi_methods(model.name))


def framework_of(model: ModuleModel) -> str:
    """The web framework a module imports first (`fastapi`, `django`, `flask`, ...), or ""."""
    for qualified in model.imports.values():
        root = qualified.lstrip(".").split(".")[0]
        if root in ASGI_FRAMEWORKS or root in DJANGO_FRAMEWORKS or root in ("flask", "aiohttp", "falcon", "tornado"):
            return root
    return ""


def _reads_key_anywhere(node) -> bool:
    evidence = KeyEvidence()
    fast_visit(node, evidence)
    return evidence.found is not None


def _class_decorators(handler: Handler):
    for decorator in handler.cls.node.decorators:
        target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        yield (dotted(target) or ""), decorator


def is_logging_call(qualified: str | None) -> bool:
    return bool(qualified and LOGGING_CALLS.match(qualified))
