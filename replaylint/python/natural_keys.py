"""Handlers whose repeat finds the first outcome by a natural key: get-or-create, upserts, and a lookup that
returns (or refuses with a conflict) what already exists before anything is made.

The fields such a handler looks up by (`url` and `owner`, a payment hash) name the intent: the same request
again makes nothing new. So RPL301 does not ask for another key. The shapes are narrow on purpose: a lookup
that only checks the caller (`if user.is_banned: raise`) or refuses when nothing is found
(`if not order: raise NotFound`) is not a natural key.
"""
from __future__ import annotations

from .lazy import Visitor, cst
from .model import call_name, dotted, string_value
from .walk import calls_in, fast_visit, names_read

GET_OR_CREATE = frozenset("""get_or_create update_or_create aget_or_create aupdate_or_create first_or_create
    find_or_create get_or_insert find_one_and_update upsert bulk_upsert merge on_conflict_do_nothing
    on_conflict_do_update on_duplicate_key_update""".split())
UPSERT_SQL = ("on conflict", "on duplicate key", "insert or ignore", "insert or replace", "merge into")
# Calls that make something: the first word of the call's name (`create`, `add_item`, `save`, `send_mail`).
MAKING_WORDS = frozenset("""create add insert save send place submit charge pay transfer refund capture enqueue
    publish delay apply bulk execute""".split())
FOUND_CALLS = frozenset("""get first last one one_or_none scalar scalar_one_or_none find find_one find_first
    get_or_none exists count fetchone fetch_one""".split())
CONFLICT_WORDS = ("exist", "already", "duplicate", "conflict", "409", "unique")


def natural_key(function: cst.FunctionDef) -> str | None:
    """What a handler looks the intent up by before it makes anything (`get_or_create(url, owner)`, `the
    lookup by url before it creates`), or None when it makes things without such a lookup."""
    refused = _duplicate_refused(function)
    if refused:
        return refused
    lookups: dict[str, cst.Call] = {}
    created_names: set[str] = set()
    upserts: list[str] = []
    for statement in _in_order(function.body.body):
        if isinstance(statement, cst.If):
            guard = _duplicate_guard(statement, lookups)
            if guard is not None and not _makes(statement.test):
                return guard
            if names_read(statement.test) & created_names:
                continue  # `if created: send_mail(...)`: done once, with the record
        for call in calls_in(statement):
            name = call_name(call)
            if name in GET_OR_CREATE or _upsert_keyword(call) or _upsert_sql(call):
                upserts.append(_described(call))
            elif _is_making(call):
                return None  # made before any lookup: a repeat makes it again
        _note_bindings(statement, lookups, created_names)
    return upserts[0] if upserts else None


DUPLICATE_ERRORS = frozenset("IntegrityError UniqueViolation UniqueViolationError DuplicateKeyError "
                             "DuplicateKey UniqueConstraintError".split())


class _DuplicateErrors(Visitor):
    """The unique-constraint errors a body catches."""

    def __init__(self):
        self.found = ""

    def visit_ExceptHandler(self, node) -> None:
        caught = node.type
        names = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
        for name in names:
            last = (dotted(name) or "").rsplit(".", 1)[-1]
            if last in DUPLICATE_ERRORS:
                self.found = last

    def visit_FunctionDef(self, node) -> bool:
        return False


def _duplicate_refused(function: cst.FunctionDef) -> str | None:
    """`try: ... create ... except IntegrityError: return 409`: a unique constraint refuses the repeat."""
    finder = _DuplicateErrors()
    fast_visit(function.body, finder)
    return f"a unique constraint (its {finder.found} is answered)" if finder.found else None


def _in_order(statements):
    """The statements of a body in order, looking into `with` and `try` blocks (not into branches or loops)."""
    for statement in statements:
        if isinstance(statement, (cst.With, cst.Try)):
            yield from _in_order(statement.body.body)
            if isinstance(statement, cst.Try) and statement.finalbody is not None:
                yield from _in_order(statement.finalbody.body.body)
        else:
            yield statement


def _note_bindings(statement, lookups: dict, created_names: set) -> None:
    """`existing = ...first()` (a lookup) and `obj, created = X.objects.get_or_create(...)` (its flag)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return
    for small in statement.body:
        if not isinstance(small, cst.Assign) or len(small.targets) != 1:
            continue
        target, value = small.targets[0].target, small.value
        value = value.expression if isinstance(value, cst.Await) else value
        if not isinstance(value, cst.Call):
            continue
        if isinstance(target, cst.Name) and _is_lookup(value):
            lookups[target.value] = value
        elif isinstance(target, cst.Tuple) and len(target.elements) == 2 and call_name(value) in GET_OR_CREATE:
            flag = target.elements[1].value
            if isinstance(flag, cst.Name):
                created_names.add(flag.value)


def _is_lookup(call: cst.Call) -> bool:
    """`X.objects.filter(...).first()`, `session.get(X, k)`, `repo.find_by_url(u)`, `get_object_or_none(...)`."""
    name = call_name(call)
    return name in FOUND_CALLS or name.startswith(("get_", "find_", "fetch_", "lookup_", "load_", "select_"))


def _duplicate_guard(statement: cst.If, lookups: dict) -> str | None:
    """`if existing: return existing`, `if X.objects.filter(url=u).exists(): return Response(status=409)`:
    what was found is returned, or the request is refused as a conflict."""
    test = statement.test
    if isinstance(test, cst.UnaryOperation) or _is_none_test(test, "Is"):
        return None  # `if not order:` / `if order is None:`: a not-found check
    found = [name for name in names_read(test) if name in lookups]
    direct = [call for call in calls_in(test) if _is_lookup(call)]
    if not found and not direct:
        return None
    last = statement.body.body[-1] if statement.body.body else None
    ends = isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, (cst.Return, cst.Raise)) for s in last.body)
    if not ends:
        return None
    body_text = cst.Module([]).code_for_node(statement.body).lower()
    returns_found = any(name in names_read(statement.body) for name in found)
    if not returns_found and not any(word in body_text for word in CONFLICT_WORDS):
        return None
    call = lookups[found[0]] if found else direct[0]
    fields = _fields(call)
    if not fields:
        return None  # `teams.get(team_id)`: the addressed resource, not what the request would make
    return f"the lookup by {', '.join(fields)}"


def _is_none_test(test, operator: str) -> bool:
    return isinstance(test, cst.Comparison) and any(
        type(target.operator).__name__ == operator and dotted(target.comparator) == "None"
        for target in test.comparisons)


def _fields(call: cst.Call) -> list[str]:
    """The fields a lookup (or get-or-create) matches on: its keywords (not `defaults`), and the attributes
    compared in it (`Endpoint.url == body.url`), along the whole call chain."""
    fields: list[str] = []
    node = call
    while isinstance(node, cst.Call):
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value not in ("defaults", "create_defaults", "upsert"):
                fields.append(arg.keyword.value)
            elif isinstance(arg.value, cst.Comparison) and isinstance(arg.value.left, cst.Attribute):
                fields.append(arg.value.left.attr.value)
            elif isinstance(arg.value, cst.Dict):  # `find_one({"name": ...})`
                fields += [key for e in arg.value.elements if isinstance(e, cst.DictElement)
                           and (key := string_value(e.key)) and not key.startswith("$")]
        func = node.func
        node = func.value if isinstance(func, cst.Attribute) else None
    return list(dict.fromkeys(reversed(fields)))


def _described(call: cst.Call) -> str:
    fields = _fields(call)
    name = call_name(call) or "upsert"
    return f"{name}({', '.join(fields)})" if fields else f"{name}()"


def _upsert_keyword(call: cst.Call) -> bool:
    """`collection.update_one(..., upsert=True)`."""
    return any(arg.keyword is not None and arg.keyword.value == "upsert" and dotted(arg.value) == "True"
               for arg in call.args)


def _upsert_sql(call: cst.Call) -> bool:
    """`cursor.execute("INSERT ... ON CONFLICT (url) DO NOTHING")`."""
    for arg in call.args:
        text = (string_value(arg.value) or "").lower()
        if text and any(marker in text for marker in UPSERT_SQL):
            return True
    return False


def _is_making(call: cst.Call) -> bool:
    name = call_name(call)
    first = name.split("_", 1)[0].lower()
    return first in MAKING_WORDS or name in ("add_all", "bulk_create")


def _makes(node) -> bool:
    return any(_is_making(call) for call in calls_in(node))




# Calls that build an answer and change nothing: a handler that makes only these stores nothing (`ping`).
ANSWER_CALLS = frozenset("""dict list tuple set str int float bool len min max sum sorted round abs isinstance
    jsonify json dumps loads render render_template render_to_response redirect url_for reverse abort
    JsonResponse JSONResponse Response HttpResponse HTTPException PlainTextResponse HTMLResponse
    RedirectResponse HttpResponseRedirect HttpResponseBadRequest HttpResponseNotAllowed Http404 ValidationError
    json_response model_dump dict_ get now utcnow today time monotonic""".split())


class _Effects(Visitor):
    """Whether a body may write: a call other than an answer builder, an assignment to anything but a local
    name, an `await`, a `global`."""

    def __init__(self):
        self.found = False

    def visit_Call(self, node) -> None:
        if call_name(node) not in ANSWER_CALLS:
            self.found = True

    def visit_AssignTarget(self, node) -> None:
        if not isinstance(node.target, cst.Name):
            self.found = True  # `order.paid = True`, `cache[k] = v`

    def visit_AugAssign(self, node) -> None:
        self.found = True

    def visit_Await(self, node) -> None:
        self.found = True

    def visit_Global(self, node) -> None:
        self.found = True


def stores_nothing(function: cst.FunctionDef) -> bool:
    """The body calls nothing but answer builders (`JSONResponse`, `jsonify`, `dict`) and assigns nothing but
    local names: `ping`, `echo`, a POST that only answers. Any other call may write, so it does not count."""
    finder = _Effects()
    fast_visit(function.body, finder)
    return not finder.found
