"""Follow key values inside one function, in source order: from sources (random, clock, tracing ids, fixed
values) through assignments, f-strings, `str()`, `.hex`, concatenation and calls, to key sinks
(`idempotency_key=`, `{"Idempotency-Key": ...}`, `headers[...] =`, `add_header(...)`).

Intraprocedural, like Semgrep OSS taint mode; helper functions that return random values count as sources
(of the same module, or of another module of the project through the project index). A random key is stable
only when it is found again by the intent: saved (on a record, by a persistence call) and minted only when a
lookup found none (`if not attempt: ...`, `existing.key or uuid4()`). A fresh key saved on a new record is
still fresh: a rerun makes a new record with a new key.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .lazy import Visitor, cst

from .walk import fast_visit

from .index import imported_kind
from .model import FunctionInfo, ModuleModel, call_name, dotted, string_value
from .sources import (CALL_SINKS, CLIENT_FACTORIES, CLOCK_SOURCES, DAY_METHODS, KEYWORD_SINKS_BY_METHOD,
                      PERSIST_VERBS, RANDOM_SOURCES, TIME_FORMAT, header_name, is_key_name, is_tracing_attribute,
                      is_tracing_header)
from ..vocabulary import squash, words


@dataclass
class Taint:
    kind: str  # random | clock | attempt | tracing | static
    source: str  # what it came from, for messages ("uuid.uuid4()", "the X-Request-Id header")
    node: cst.CSTNode
    loops: tuple = ()  # ids of the loops around the place it was made
    persisted: bool = False  # saved (on a record, or by a persistence call)
    guarded: bool = False  # made only when a lookup (by the intent) found none


@dataclass
class KeySink:
    node: cst.CSTNode  # where the key value is written (reported position)
    key: str  # the header, field or keyword name
    taint: Taint | None
    loops: tuple  # ids of the loops around the sink
    client_default: bool = False  # a session/client default header: shared by every request
    persisted: bool = False  # stable: the sink stores the key, or the key was found again by the intent
    saved_fresh: bool = False  # saved, but minted without a lookup: a rerun saves a new one


@dataclass
class Loop:
    id: int
    retry: bool


@dataclass
class FlowResult:
    sinks: list[KeySink] = field(default_factory=list)
    retry_loops: set = field(default_factory=set)
    calls: list[tuple[cst.Call, str | None]] = field(default_factory=list)  # (call, qualified name)
    retried_calls: set = field(default_factory=set)  # names of functions called inside a retry loop
    dict_keys: dict = field(default_factory=dict)  # local dict name -> string keys it was given (None: unknown)
    bindings: dict[str, tuple] = field(default_factory=dict)  # name -> (constructor, its first string argument)


def random_helpers(model: ModuleModel, extra_random=frozenset()) -> dict:
    """What in the module holds a random or clock value, by kind: functions that return one
    (`def new_key(): return str(uuid4())`), module functions by name, methods as `.name` (called on `self`,
    `cls` or their class); and attributes a method sets to one (`self.key = uuid4()` in `__init__`) as
    ("self", class qualname, attribute) -> (kind, where it comes from), unless the class saves it or also
    sets it from elsewhere. Methods are also kept as `Class.name`, for the project index. Helpers of other
    modules are asked of the project index (`model.index`)."""
    helpers: dict = {}
    methods = [f for f in model.functions if f.cls is not None and f.parent is None]
    functions = [*((f".{f.name}", f) for f in methods), *model.module_functions().items()]
    flows: dict[int, _Flow] = {}  # the last walk of each function: its `self.x = ...` are read below
    for walk in range(2):  # helpers of helpers: a second walk only when the first found some
        if walk and not helpers:
            break
        for name, info in functions:
            if name in helpers:
                continue
            flow = flows[id(info.node)] = _Flow(model, info, helpers, extra_random, frozenset(),
                                                collect_returns=True)
            fast_visit(info.node.body, flow)
            kinds = [t.kind for t in flow.returns if t is not None and _fresh(t.kind)]
            if kinds:
                helpers[name] = kinds[0]
                if info.cls is not None:
                    helpers[f"{info.cls.name}.{info.name}"] = kinds[0]
    random_attributes: dict[tuple, tuple[str, str]] = {}  # key -> (kind, where the value comes from)
    other_attributes: set[tuple] = set()
    for info in methods:
        flow = flows.get(id(info.node))
        if flow is None:
            continue
        saved = _saves(info.name)
        for attribute, taint in flow.self_attributes.items():
            key = ("self", info.cls.qualname, attribute)
            if taint is not None and _fresh(taint.kind) and not (saved or taint.persisted):
                random_attributes.setdefault(key, (taint.kind, f"{taint.source} (set in `{info.name}`, "
                                                               f"kept in `self.{attribute}`)"))
            else:
                other_attributes.add(key)
    helpers.update((key, origin) for key, origin in random_attributes.items() if key not in other_attributes)
    helpers.update((key, None) for key in other_attributes)  # set from elsewhere: a base's random one is replaced
    return helpers


def _fresh(kind: str) -> bool:
    """New on every call: random, the clock, or (in a module's summary) another module's helper, which the
    project index follows when asked."""
    return kind in ("random", "clock") or kind.startswith("ref:")


ATTEMPT_WORDS = frozenset("attempt attempts try tries retry retries n_try".split())


def _is_model_record(qualified: str | None, module: str) -> bool:
    """`TransactionEvent(idempotency_key=...)` with the class from a `models` module: a database record made
    with the key, stored before anything is sent (Django and SQLAlchemy apps keep models in `models`). Not an
    SDK's request model (`square.models.CreatePaymentRequest`) unless this project's own: that is sent."""
    if not qualified or "." not in qualified:
        return False
    *modules, name = qualified.split(".")
    if not name[:1].isupper() or "models" not in modules:
        return False
    local = qualified.startswith(".") or (bool(module) and modules[0] == module.split(".")[0])
    return local or not name.endswith(REQUEST_SHAPES)  # `orders.models.PaymentAttempt` of a sibling app


REQUEST_SHAPES = ("Request", "Params", "Parameters", "Body", "Input", "Options", "Payload", "Args")


def _is_manager_write(func) -> bool:
    """`Payment.objects.create(idempotency_key=...)`: Django's manager stores the key with the row."""
    return isinstance(func, cst.Attribute) and func.attr.value in ("create", "get_or_create", "update_or_create") \
        and isinstance(func.value, cst.Attribute) and func.value.attr.value == "objects"


def _makes_record(model: ModuleModel, call: cst.Call) -> bool:
    """A database record made by the call (a model of the project, or a Django manager write)."""
    return _is_model_record(model.qualify(call.func), model.name) or _is_manager_write(call.func)


def _saves(method: str) -> bool:
    """`save`, `persist`, `commit`, `store_key`, ...: a method of an object that stores the object itself."""
    return method.lower().startswith(("save", "persist", "store", "commit", "flush"))


def analyse_function(model: ModuleModel, info: FunctionInfo, helpers: dict, extra_random=frozenset(),
                     stable=frozenset(), extra_keys=frozenset()) -> FlowResult:
    flow = _Flow(model, info, helpers, extra_random, stable, extra_keys=extra_keys)
    flow.bind_parameters()
    fast_visit((info.node if isinstance(info.node, cst.Module) else info.node.body), flow)
    return flow.result


class _Flow(Visitor):
    def __init__(self, model, info, helpers, extra_random, stable, collect_returns=False, extra_keys=frozenset()):
        self.model = model
        self.index = model.index  # the project index: helpers of other modules
        self.info = info
        self.helpers = helpers
        self.extra_random = extra_random
        self.stable = stable
        self.extra_keys = extra_keys
        self.env: dict[str, Taint | None] = {}
        self.strings: dict[str, str] = {}  # names bound to a string literal in this function
        self.loops: list[Loop] = []
        self.result = FlowResult()
        self.returns: list[Taint | None] = []
        self.collect_returns = collect_returns
        self.self_attributes: dict[str, Taint | None] = {}  # attributes of `self` set here, with their values
        self.saved_self = False  # `self.save()` was called here
        self.guards: list[bool] = []  # per enclosing `if`: whether its test asks a lookup's answer
        self.lookups: set[str] = set()  # names bound to what a lookup returned (`attempt = ....first()`)

    # --- scope -------------------------------------------------------------------------------------------

    def visit_FunctionDef(self, node) -> bool:
        return False  # nested functions are analysed on their own

    def visit_ClassDef(self, node) -> bool:
        return False

    def bind_parameters(self) -> None:
        for param in self.info.params:
            name = param.name.value
            if param.default is not None:
                taint = self.taint(param.default)
                if taint is not None and taint.kind in ("random", "clock"):
                    # evaluated once, when the function is defined: one value shared by every call
                    self.env[name] = Taint("static", f"a default argument made once by {taint.source}", param)
                    continue
            if squash(name) in ("correlationid", "traceid", "traceparent", "xrequestid"):
                self.env[name] = Taint("tracing", f"the parameter `{name}`", param)

    # --- loops -------------------------------------------------------------------------------------------

    def visit_For(self, node: cst.For) -> None:
        self.loops.append(Loop(id(node), is_retry_loop(node, self.model)))
        if self.loops[-1].retry:
            self.result.retry_loops.add(id(node))
            if isinstance(node.target, cst.Name) and ATTEMPT_WORDS & set(words(node.target.value)):
                # `for attempt in range(3)`: new on every attempt (`for n in range(plan.count)` may number intents)
                self.env[node.target.value] = Taint("attempt", f"the attempt counter `{node.target.value}`",
                                                    node.target, self._loop_ids())

    def leave_For(self, original_node) -> None:
        self.loops.pop()

    def visit_While(self, node: cst.While) -> None:
        retry = is_retry_loop(node, self.model)
        self.loops.append(Loop(id(node), retry))
        if retry:
            self.result.retry_loops.add(id(node))

    def leave_While(self, original_node) -> None:
        self.loops.pop()

    def _loop_ids(self) -> tuple:
        return tuple(loop.id for loop in self.loops)

    # --- bindings ----------------------------------------------------------------------------------------

    # --- lookups before minting --------------------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        self.guards.append(self._asks_lookup(node.test))

    def leave_If(self, original_node) -> None:
        self.guards.pop()

    def _asks_lookup(self, expr) -> bool:
        """A test (or the left of `or`) that asks what a lookup found: a name bound to a lookup's answer, a
        key-named attribute (`if not order.idempotency_key`), or a lookup call itself (`.exists()`)."""
        if expr is None:
            return False
        finder = _LookupNames(self.lookups, self.extra_keys)
        fast_visit(expr, finder)
        return finder.found

    def _note_lookup(self, targets, value) -> None:
        inner = value.expression if isinstance(value, cst.Await) else value
        found = _is_lookup_call(inner) or (isinstance(inner, cst.BooleanOperation) and _is_lookup_call(inner.left))
        for target in targets:
            if isinstance(target, cst.Name):
                (self.lookups.add if found else self.lookups.discard)(target.value)
            elif isinstance(target, (cst.Tuple, cst.List)) and found:  # obj, created = get_or_create(...)
                self.lookups.update(e.value.value for e in target.elements if isinstance(e.value, cst.Name))

    def leave_Assign(self, original_node: cst.Assign) -> None:
        value = original_node.value
        self._note_lookup([t.target for t in original_node.targets], value)
        taint = self.taint(value)
        constructor = self._constructor(value)
        for target in original_node.targets:
            self._bind(target.target, taint, value, constructor)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if original_node.value is not None:
            self._bind(original_node.target, self.taint(original_node.value), original_node.value,
                       self._constructor(original_node.value))

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        target = original_node.target
        if isinstance(target, cst.Name):
            self.env[target.value] = self.env.get(target.value) or self.taint(original_node.value)

    def leave_NamedExpr(self, original_node: cst.NamedExpr) -> None:
        if isinstance(original_node.target, cst.Name):
            self.env[original_node.target.value] = self.taint(original_node.value)

    def visit_CompFor(self, node) -> None:
        if isinstance(node.target, cst.Name):
            self.env[node.target.value] = None

    def _constant_string(self, subscript) -> str | None:
        """`headers[IDEMPOTENCY_HEADER]`: a subscript by a name bound to a string here or at module level."""
        if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
            return None
        index = subscript.slice[0].slice.value
        if not isinstance(index, cst.Name):
            return None
        if index.value in self.strings:
            return self.strings[index.value]
        constant = self.model.constants.get(index.value)
        return string_value(constant) if constant is not None and index.value not in self.env else None

    def _bind(self, target, taint, value, constructor) -> None:
        if isinstance(target, cst.Name):
            if isinstance(value, cst.Dict):
                keys = [string_value(e.key) if isinstance(e, cst.DictElement) else None for e in value.elements]
                self.result.dict_keys[target.value] = None if None in keys else set(keys)
            else:
                self.result.dict_keys.pop(target.value, None)
            text = string_value(value) if value is not None else None
            if text is not None:
                self.strings[target.value] = text
            else:
                self.strings.pop(target.value, None)
            self.env[target.value] = taint
            if constructor:
                self.result.bindings[target.value] = constructor
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, None, None, None)
        elif isinstance(target, cst.Attribute):
            name = dotted(target)
            if name and constructor:
                self.result.bindings[name] = constructor
            if name == f"self.{target.attr.value}":
                self.env[name] = taint
                if not (isinstance(value, cst.Name) and value.value == "None"):  # a placeholder says nothing
                    self.self_attributes[target.attr.value] = taint
            # storing a random value on an object (not self) is how ORM rows are filled before save()
            if taint is not None and not (dotted(target.value) or "").startswith(("self", "cls")):
                taint.persisted = True
        elif isinstance(target, cst.Subscript):
            key = _subscript_key(target) or self._constant_string(target)
            owner = dotted(target.value)
            if owner in self.result.dict_keys and self.result.dict_keys[owner] is not None:
                if key is None:
                    self.result.dict_keys[owner] = None
                else:
                    self.result.dict_keys[owner].add(key)
            if key is not None and is_key_name(header_name(key), self.extra_keys):
                owner = target.value
                client_default = isinstance(owner, cst.Attribute) and owner.attr.value == "headers" and \
                    self._is_client(owner.value)
                self._sink(value, key, client_default=client_default, where=value)

    def _google_call(self, call: cst.Call, qualified: str | None) -> bool:
        """A Google Cloud request type or client method (`compute_v1.InsertInstanceRequest(...)`,
        `client.insert(...)` on a `google.cloud` client): its `request_id` is the AIP-155 idempotency key."""
        if qualified and qualified.startswith(GOOGLE_CLIENTS):
            return True
        owner = dotted(call.func.value) if isinstance(call.func, cst.Attribute) else None
        constructor = self.result.bindings.get(owner, ("", ""))[0] if owner else ""
        return constructor.startswith(GOOGLE_CLIENTS)

    def _constructor(self, value) -> tuple | None:
        return constructor_of(self.model, value)

    def _is_client(self, expr) -> bool:
        name = dotted(expr)
        if name is None:
            return False
        constructor = self.result.bindings.get(name, ("", ""))[0]
        if constructor and CLIENT_FACTORIES.search(constructor):
            return True
        last = name.split(".")[-1].lower()
        return "session" in last or last.endswith("client")

    # --- sinks -------------------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.model.qualify(node.func)
        self.result.calls.append((node, qualified))
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("update", "setdefault") and \
                dotted(node.func.value) in self.result.dict_keys:
            self.result.dict_keys[dotted(node.func.value)] = None  # grown by code we do not follow
        method = call_name(node)
        if any(loop.retry for loop in self.loops):
            self.result.retried_calls.add(method)
        client_call = bool(qualified and CLIENT_FACTORIES.search(qualified))
        record = _makes_record(self.model, node)
        for arg in node.args:
            if arg.keyword is None:
                continue
            keyword = arg.keyword.value
            if record and isinstance(arg.value, cst.Dict):  # `defaults={"idempotency_key": ...}`: stored, not sent
                for element in arg.value.elements:
                    name = string_value(element.key) if isinstance(element, cst.DictElement) else None
                    if name is not None and is_key_name(name, self.extra_keys):
                        self._sink(element.value, name, where=element.value, stored=True)
            if is_key_name(keyword, self.extra_keys) or KEYWORD_SINKS_BY_METHOD.get(method) == keyword or \
                    (keyword == "request_id" and self._google_call(node, qualified)):
                self._sink(arg.value, keyword, client_default=client_call, where=arg.value, stored=record)
            elif client_call and keyword in ("headers", "default_headers") and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement):
                        key = string_value(element.key)
                        if key is not None and is_key_name(key, self.extra_keys):
                            self._sink(element.value, key, client_default=True, where=element.value)
        if method in CALL_SINKS and len(node.args) >= 2:
            key = string_value(node.args[0].value)
            if key is not None and is_key_name(key, self.extra_keys):
                owner = node.func.value if isinstance(node.func, cst.Attribute) else None
                client_default = isinstance(owner, cst.Attribute) and owner.attr.value == "headers" and \
                    self._is_client(owner.value)
                self._sink(node.args[1].value, key, client_default=client_default, where=node.args[1].value)

    def leave_Call(self, original_node: cst.Call) -> None:
        func = original_node.func
        method = call_name(original_node)
        if method.lower() in PERSIST_VERBS or method.lower().startswith(("save", "store", "persist", "insert")):
            for arg in original_node.args:
                for taint in self._taints_in(arg.value):
                    taint.persisted = True
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value != "self" \
                and _saves(method) and self.env.get(func.value.value) is not None:
            self.env[func.value.value].persisted = True  # `attempt.save()`: the record and its key are stored
        if isinstance(func, cst.Attribute) and dotted(func.value) == "self" and _saves(method):
            self.saved_self = True  # self.save(): the object's fields are stored with it
            for name, taint in self.env.items():
                if name.startswith("self.") and taint is not None:
                    taint.persisted = True

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = string_value(element.key)
                if key is not None and is_key_name(key, self.extra_keys):
                    self._sink(element.value, key, where=element.value)

    def _sink(self, value, key: str, client_default: bool = False, where=None, stored: bool = False) -> None:
        if any(s.node is where for s in self.result.sinks):
            return  # the same value seen through a keyword and its dict
        taint = self.taint(value)
        if taint is None:
            static = self._static(value)
            if static is not None:
                taint = Taint("static", static, value)
        if taint is not None and stored:
            taint.persisted = True  # a later send of the record's key sends the stored one
        found_again = bool(taint and taint.persisted and taint.guarded)
        self.result.sinks.append(KeySink(where or value, key, taint, self._loop_ids(), client_default,
                                         stored or found_again, bool(taint and taint.persisted) and not found_again))

    def _static(self, value) -> str | None:
        text = string_value(value)
        if text is not None and text.strip():
            return f"the literal {text!r}"
        setting = _setting(self.model, value)
        if setting is not None:
            return f"the setting {setting}"
        if isinstance(value, cst.Name) and value.value not in self.env and value.value in self.model.constants:
            constant = self.model.constants[value.value]
            if string_value(constant) is not None or self.taint(constant) is not None:
                return f"the module constant {value.value}"
        return None

    def leave_Return(self, original_node: cst.Return) -> None:
        if self.collect_returns and original_node.value is not None:
            self.returns.append(self.taint(original_node.value))

    # --- taint -------------------------------------------------------------------------------------------

    def taint(self, expr) -> Taint | None:
        """The first source a value is made from, if any."""
        if expr is None:
            return None
        if isinstance(expr, cst.Name):
            return self.env.get(expr.value)
        if isinstance(expr, cst.Await):
            return self.taint(expr.expression)
        if isinstance(expr, cst.Call):
            return self._call_taint(expr)
        if isinstance(expr, cst.Attribute):
            if is_tracing_attribute(dotted(expr.value), expr.attr.value):
                return Taint("tracing", f"`{dotted(expr) or expr.attr.value}`", expr, self._loop_ids())
            if isinstance(expr.value, cst.Name) and expr.value.value == "self" and self.info.cls is not None:
                name = f"self.{expr.attr.value}"
                if name in self.env:
                    return self.env[name]
                origin = self._kept_on_instance(self.info.cls, expr.attr.value)
                if origin is not None:  # set once per object elsewhere: a new object (a new process) has a new one
                    taint = Taint(origin[0], origin[1], expr, persisted=self.saved_self)
                    self.env[name] = taint  # one value: a later save of it marks every use
                    return taint
            return self.taint(expr.value)
        if isinstance(expr, cst.Subscript):
            key = _subscript_key(expr)
            if key is not None and is_tracing_header(key) and _reads_headers(expr.value):
                return Taint("tracing", f"the {header_name(key)} header", expr, self._loop_ids())
            return self.taint(expr.value)
        if isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    taint = self.taint(part.expression)
                    if taint is not None:
                        return taint
            return None
        if isinstance(expr, cst.BinaryOperation):
            return self.taint(expr.left) or self.taint(expr.right)
        if isinstance(expr, cst.BooleanOperation):
            left = self.taint(expr.left)
            if left is None and isinstance(expr.operator, cst.Or) and self._asks_lookup(expr.left):
                return _guarded(self.taint(expr.right))  # `found.key or uuid4()`: minted only when none was found
            return left or self.taint(expr.right)
        if isinstance(expr, cst.IfExp):
            body = self.taint(expr.body)
            if body is None and self._asks_lookup(expr.test):
                return _guarded(self.taint(expr.orelse))
            return body or self.taint(expr.orelse)
        if isinstance(expr, (cst.Tuple, cst.List)):
            for element in expr.elements:
                taint = self.taint(element.value)
                if taint is not None:
                    return taint
        return None

    def _kept_on_instance(self, cls, attribute: str, depth: int = 0):
        """(kind, origin) when the class, or a base of it here or in another module, keeps a random value in
        `self.<attribute>` (set once per object: a new object, a new process, has a new one)."""
        key = ("self", cls.qualname, attribute)
        if key in self.helpers or depth > 4:
            return self.helpers.get(key)
        for base in cls.bases:
            origin = None
            local = self.model.classes.get(base)
            if local is not None and local is not cls:
                origin = self._kept_on_instance(local, attribute, depth + 1)
            elif self.index is not None and base:
                origin = self.index.attribute(self.model.path, base, attribute)
            if origin is not None:
                return tuple(origin)
        return None

    def _call_taint(self, call: cst.Call) -> Taint | None:
        taint = self._call_taint_unguarded(call)
        if taint is not None and taint.node is call and _fresh(taint.kind) and any(self.guards):
            taint.guarded = True  # made inside `if not attempt:`: only when the lookup found none
        if taint is not None and _makes_record(self.model, call):
            taint = dataclasses.replace(taint, persisted=True)  # the new record holds the key
        return taint

    def _call_taint_unguarded(self, call: cst.Call) -> Taint | None:
        qualified = self.model.qualify(call.func) or ""
        if qualified in self.stable:
            return None
        if qualified in RANDOM_SOURCES or qualified in self.extra_random:
            return Taint("random", f"{qualified}()", call, self._loop_ids())
        if qualified in CLOCK_SOURCES:
            return Taint("clock", f"{qualified}()", call, self._loop_ids())
        if isinstance(call.func, cst.Name) and call.func.value in self.helpers and call.func.value not in self.env:
            return Taint(self.helpers[call.func.value], f"{call.func.value}()", call, self._loop_ids())
        if isinstance(call.func, cst.Attribute) and f".{call.func.attr.value}" in self.helpers and \
                isinstance(call.func.value, cst.Name) and \
                (call.func.value.value in ("self", "cls") or call.func.value.value in self.model.classes):
            method = f".{call.func.attr.value}"
            return Taint(self.helpers[method], f"{call.func.value.value}{method}()", call, self._loop_ids())
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("get", "getlist", "get_header") and \
                call.args and _reads_headers(call.func.value):
            key = string_value(call.args[0].value)
            if key is not None and is_tracing_header(key):
                return Taint("tracing", f"the {header_name(key)} header", call, self._loop_ids())
        if isinstance(call.func, cst.Attribute) and self._day_of(call):
            return None  # now().date(), now().strftime("%Y-%m-%d"): a day, which can name an intent
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in ("default_factory", "default"):
                continue
            taint = self.taint(arg.value)
            if taint is not None:
                return taint
        imported = imported_kind(self.model, call.func, qualified)
        if imported is not None:  # a helper of another module of the project
            made = "a new random value" if imported == "random" else "the clock's reading"
            return Taint(imported, f"{qualified.lstrip('.')}() (it returns {made} on every call)", call,
                         self._loop_ids())
        if isinstance(call.func, cst.Attribute):  # methods of a tainted value: key.upper(), "{}".format(...)
            return self.taint(call.func.value)
        return None

    def _day_of(self, call) -> bool:
        method = call.func.attr.value
        if method not in DAY_METHODS and method != "strftime":
            return False
        taint = self.taint(call.func.value)
        if taint is None or taint.kind != "clock":
            return False
        if method == "strftime":
            fmt = string_value(call.args[0].value) if call.args else None
            return fmt is not None and not any(code in fmt for code in TIME_FORMAT)
        return True

    def _taints_in(self, expr) -> list[Taint]:
        found = []
        taint = self.taint(expr)
        if taint is not None:
            found.append(taint)
        if isinstance(expr, cst.Dict):
            for element in expr.elements:
                if isinstance(element, cst.DictElement):
                    found.extend(self._taints_in(element.value))
        return found


GOOGLE_CLIENTS = ("google.cloud.", "google.api_core.")  # AIP-155 `request_id` on their requests and methods


def _guarded(taint: Taint | None) -> Taint | None:
    return dataclasses.replace(taint, guarded=True) if taint is not None and _fresh(taint.kind) else taint


LOOKUP_METHODS = frozenset("""get first last one one_or_none scalar scalar_one_or_none scalars find find_one
    find_first get_or_none get_or_create update_or_create exists filter filter_by where select fetch fetchone
    fetch_one lookup load hget hgetall get_item query""".split())


def _is_lookup_call(expr) -> bool:
    """`Attempt.objects.filter(order=o).first()`, `cache.get(k)`, `session.scalar(select(...))`: reads that
    find what an earlier run saved."""
    while isinstance(expr, cst.Call):
        func = expr.func
        name = call_name(expr)
        if name in LOOKUP_METHODS or name.startswith(("get_", "find_", "fetch_", "lookup_", "load_")):
            return True
        expr = func.value if isinstance(func, cst.Attribute) else None
    return False


class _LookupNames(Visitor):
    def __init__(self, lookups: set[str], extra_keys):
        self.lookups = lookups
        self.extra_keys = extra_keys
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.lookups or is_key_name(node.value, self.extra_keys):
            self.found = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if is_key_name(node.attr.value, self.extra_keys):
            self.found = True

    def visit_Call(self, node: cst.Call) -> None:
        if _is_lookup_call(node):
            self.found = True


# Calls and mappings that read a deployment's settings: one value for every request the process sends.
SETTING_CALLS = frozenset("decouple.config os.getenv os.environ.get environ.get".split())
SETTING_MAPPINGS = frozenset("os.environ app.config current_app.config flask.current_app.config".split())


def _setting(model: ModuleModel, value) -> str | None:
    """`config("PAYPAL_REQUEST_ID")`, `os.environ["KEY"]`, `current_app.config["KEY"]`, Django's
    `settings.IDEMPOTENCY_KEY`: the name of the setting a value reads, or None."""
    if isinstance(value, cst.Call) and value.args and (model.qualify(value.func) or "") in SETTING_CALLS:
        return string_value(value.args[0].value)
    if isinstance(value, cst.Subscript) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Index):
        mapping = model.qualify(value.value) or dotted(value.value) or ""
        if mapping in SETTING_MAPPINGS:
            return string_value(value.slice[0].slice.value)
    if isinstance(value, cst.Attribute) and (model.qualify(value.value) or "") == "django.conf.settings":
        return value.attr.value
    return None


def constructor_of(model: ModuleModel, value) -> tuple | None:
    """(qualified callee, first string argument) of `x = boto3.client("ec2")`-style bindings."""
    if isinstance(value, cst.Await):
        value = value.expression
    if not isinstance(value, cst.Call):
        return None
    qualified = model.qualify(value.func)
    if qualified is None and isinstance(value.func, cst.Attribute):
        qualified = value.func.attr.value  # session.client("ec2"): the method name is what matters
    first = string_value(value.args[0].value) if value.args and value.args[0].keyword is None else None
    if first is None:
        first = next((string_value(a.value) for a in value.args if a.keyword and a.keyword.value == "service_name"),
                     None)
    return (qualified or "", first or "")


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    return string_value(node.slice[0].slice.value)


def _reads_headers(expr) -> bool:
    """`request.headers`, `request.META`, `req.headers`, `environ`, `self.request.headers`."""
    name = (dotted(expr) or "").split(".")[-1].lower()
    return name in ("headers", "meta", "environ", "header")


def is_retry_loop(node, model: ModuleModel) -> bool:
    """`for attempt in range(3):` or `while` with `try`, `continue` or `break`: a loop that retries (not
    `for order in orders:` over different intents)."""
    if isinstance(node, cst.While):
        return _contains_try_or_jump(node.body)
    if not isinstance(node, cst.For):
        return False
    iterable = node.iter
    if not isinstance(iterable, cst.Call):
        return False
    name = model.qualify(iterable.func) or ""
    if name in RETRY_ITERATORS:
        return True  # for attempt in tenacity.Retrying(...): with attempt: ...
    if name not in ("range", "itertools.count", "itertools.repeat", "count", "repeat"):
        return False
    return _contains_try_or_jump(node.body)


RETRY_ITERATORS = frozenset({"tenacity.Retrying", "tenacity.AsyncRetrying", "stamina.retry_context",
                             "tenacity.asyncio.AsyncRetrying"})


def _contains_try_or_jump(body) -> bool:
    finder = _TryFinder()
    fast_visit(body, finder)
    return finder.found


class _TryFinder(Visitor):
    def __init__(self):
        self.found = False

    def visit_Try(self, node) -> None:
        self.found = True

    def visit_Continue(self, node) -> None:
        self.found = True

    def visit_Break(self, node) -> None:
        self.found = True

    def visit_FunctionDef(self, node) -> bool:
        return False
