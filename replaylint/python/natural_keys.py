"""Handlers whose repeat finds the first outcome by a natural key: get-or-create, upserts, and a lookup that
returns (or refuses with a conflict) what already exists before anything is made.

The fields such a handler looks up by (`url` and `owner`, a payment hash) name the intent: the same request
again makes nothing new. So RPL301 does not ask for another key. The shapes are narrow on purpose: a lookup
that only checks the caller (`if user.is_banned: raise`) or refuses when nothing is found
(`if not order: raise NotFound`) is not a natural key.
"""
from __future__ import annotations

import re

from .lazy import Visitor, cst
from .model import call_name, code_of, dotted, string_value
from .walk import calls_in, fast_visit, names_read, nodes_in

GET_OR_CREATE = frozenset("""get_or_create update_or_create aget_or_create aupdate_or_create first_or_create
    find_or_create get_or_insert upsert bulk_upsert on_conflict_do_nothing on_conflict_do_update
    on_duplicate_key_update""".split())  # not `merge` (a new object inserts) nor `find_one_and_update`
UPSERT_SQL = ("on conflict", "on duplicate key", "insert or ignore", "insert or replace", "merge into")
# Calls that make something: the first word of the call's name (`create`, `add_item`, `save`, `send_mail`).
MAKING_CALL_VERBS = frozenset("""create add insert save send place submit charge pay transfer refund capture enqueue
    publish delay apply bulk execute update sale payout process make issue withdraw deposit post credit debit
    increment incr top topup disburse mint""".split())
FOUND_CALLS = frozenset("""get first last one one_or_none scalar scalar_one_or_none find find_one find_first
    get_or_none exists count fetchone fetch_one""".split())
# What a branch that refuses a repeat says: "already exists", "You are already in a team", `resp.plugin_exists`,
# "name taken", 409; not "does not exist".
REPEAT_TEXT = (r"\balready (exists?|been|registered|taken|in use|joined|a member|in (a|the|this)|enabled|installed|"
               r"added|submitted|used|claimed|subscribed|verified|confirmed|have|has|belongs?)\b|\btwice\b|"
               r"(?<!not )(?<!n't )(?<!longer )(?<![a-z])exists(?![a-z])|duplicate|\btaken\b|\bin use\b")
CONFLICT_TEXT = re.compile(REPEAT_TEXT + r"|\bconflict|\b409\b|HTTP_409|unique", re.I)
REPEAT = re.compile(REPEAT_TEXT, re.I)  # said in words: a 409 alone is also "insufficient funds"
OPTION_KEYWORDS = frozenset("""defaults create_defaults upsert load options limit offset order_by sort
    active_only include exclude fields select_related prefetch_related""".split())


def natural_key(function: cst.FunctionDef, helpers: dict | None = None, harmful: bool = False) -> str | None:
    """What a handler looks the intent up by before it makes anything (`get_or_create(url, owner)`, `the
    lookup by url before it creates`), or None when it makes things without such a lookup. `helpers` are the
    module's own functions (name -> node): a handler that makes nothing itself but hands the work to one
    (`return await _create_client(data)`) is judged by that helper, one level down. `harmful`: the work
    moves money or sends mail, so only a refusal after a lookup guards it (not "already a member" of
    something else than what is made)."""
    found = _own_natural_key(function, harmful)
    if found or helpers is None or _makes(function.body):
        return found
    called = [helpers[call.func.value] for call in calls_in(function.body)
              if isinstance(call.func, cst.Name) and call.func.value in helpers]
    doing = [helper for helper in called if helper is not function and _makes(helper.body)]
    keys = [_own_natural_key(helper, harmful) for helper in doing]
    return keys[0] if keys and all(keys) else None


def _own_natural_key(function: cst.FunctionDef, harmful: bool = False) -> str | None:
    refused = _duplicate_refused(function, harmful)
    if refused:
        return refused
    lookups: dict[str, cst.Call] = {}
    created_names: set[str] = set()
    refusals: dict[str, tuple] = {}  # `errors` -> (what was appended to it, after a lookup?)
    upserts: list[str] = []
    scratch = scratch_names(function)
    built = _classes_built(function)
    for statement in _in_order(function.body.body):
        if isinstance(statement, cst.If):
            guard = _duplicate_guard(statement, lookups, frozenset() if harmful else built) or \
                _refuses_a_repeat(statement, refusals, lookups, harmful)
            if guard is not None and not upserts:
                return guard
            if isinstance(statement.test, cst.Name) and statement.test.value in created_names:
                if statement.orelse is not None and _makes(statement.orelse):
                    return None  # `else:` of `if created:` runs on every repeat
                continue  # `if created: send_mail(...)`: done once, with the record
            _note_refusal(statement, refusals, lookups)
        if isinstance(statement, cst.For):
            guard = _loop_guard(statement, lookups)
            if guard is not None and not upserts:
                return guard
        reads = _inside_lookups(statement)
        for call in calls_in(statement):
            name = call_name(call)
            if id(call) in reads:
                continue  # `Users.query.add_columns(...).filter_by(...).first()`: a query being built
            if not upserts and (name in GET_OR_CREATE or _upsert_keyword(call) or _upsert_sql(call)) and \
                    not _relative_upsert(call):
                upserts.append(_described(call))
            elif _is_making(call, scratch) or name in GET_OR_CREATE:
                return None  # made before any lookup, or after the one get-or-create: a repeat makes it again
        _note_bindings(statement, lookups, created_names)
    return upserts[0] if upserts else None


def _refusing(block) -> str | None:
    """The repeat a branch refuses, in its words, when it makes nothing and ends the request (`return`,
    `raise`, `abort(...)`): "already in a team", `resp.plugin_exists`; None otherwise."""
    if block is None or _makes(block):
        return None
    return _said(block) if _ends(block, abort=True) else None


def _said(node) -> str | None:
    """The string or name in which a repeat is refused (`'You are already in a team.'`), for the message."""
    if not REPEAT.search(code_of(node)):
        return None
    for part in _strings_and_names(node):
        text = string_value(part) if isinstance(part, cst.SimpleString) else \
            code_of(part) if isinstance(part, cst.FormattedString) else dotted(part)
        if text and REPEAT.search(text):
            return text if len(text) <= 60 else text[:57] + "..."
    return None


def _strings_and_names(block):
    found = []

    class _Collect(Visitor):
        def visit_SimpleString(self, node):
            found.append(node)

        def visit_FormattedString(self, node):
            found.append(node)  # f"A mount already exists with name {name}"
            return False

        def visit_Attribute(self, node):
            found.append(node)
            return False

        def visit_Name(self, node):
            found.append(node)

    fast_visit(block, _Collect())
    return found


def _after_lookup(test, lookups: dict) -> bool:
    """A test of what a lookup by fields found (a name bound to one, or a lookup call itself); not of the
    addressed resource (`teams.get(team_id)`)."""
    looked = [lookups[name] for name in names_read(test) if name in lookups]
    looked += [call for call in calls_in(test) if _is_lookup(call)]
    return any(not all(_id_like(field) for field in _fields(call) or ["id"]) for call in looked)


def _refuses_a_repeat(statement: cst.If, refusals: dict, lookups: dict, harmful: bool) -> str | None:
    """`if user.team_id: return error("You are already in a team")`, `if errors: return ...` after an
    `errors.append("name already taken")`, or `if free: <make> else: return "already joined"`: the handler
    refuses the repeat of what it has done, in its own words. When the work moves money or sends mail, only
    a refusal of what a lookup found counts."""
    kept = [refusals[name] for name in names_read(statement.test) if name in refusals]  # `if len(errors) > 0:`
    said, looked = (kept[0][0], any(k[1] for k in kept)) if kept else (None, False)
    if said is not None and _ends(statement.body) and not _makes(statement.body):
        return f"the refusal of a repeat ('{said}')" if looked or not harmful else None
    said = _refusing(statement.body)
    if said is None and isinstance(statement.orelse, cst.Else):
        said = _refusing(statement.orelse.body)
    if said is None or (harmful and not _after_lookup(statement.test, lookups)):
        return None
    return f"the refusal of a repeat ('{said}')"


def _ends(block, abort: bool = False) -> bool:
    """The block's last statement ends the request: a `return` or `raise` (and Flask's `abort(...)`)."""
    last = block.body[-1] if isinstance(block, cst.IndentedBlock) and block.body else None
    return isinstance(last, cst.SimpleStatementLine) and any(
        isinstance(s, (cst.Return, cst.Raise)) or (abort and isinstance(s, cst.Expr) and
                                                   isinstance(s.value, cst.Call) and call_name(s.value) == "abort")
        for s in last.body)


def _note_refusal(statement: cst.If, refusals: dict, lookups: dict) -> None:
    """`if user.team_id: errors.append("You are already in a team")`: a refusal kept to answer later."""
    body = statement.body
    if not isinstance(body, cst.IndentedBlock) or _makes(body):
        return
    for line in body.body:
        for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
            value = small.value if isinstance(small, cst.Expr) else None
            if isinstance(value, cst.Call) and call_name(value) == "append" and \
                    isinstance(value.func, cst.Attribute) and (holder := dotted(value.func.value)):
                said = _said(value)
                if said is not None:
                    earlier = refusals.get(holder, (said, False))
                    refusals[holder] = (earlier[0], earlier[1] or _after_lookup(statement.test, lookups))


def _loop_guard(statement: cst.For, lookups: dict) -> str | None:
    """`for url in found: if url.wallet == wallet.id: return url` over a lookup by fields: the match found is
    returned before anything is made."""
    looked = lookups.get(statement.iter.value) if isinstance(statement.iter, cst.Name) else None
    if looked is None or not isinstance(statement.target, cst.Name) or _makes(statement.body):
        return None
    target = statement.target.value
    returns = [node for node in nodes_in(statement.body, cst.Return)
               if node.value is not None and target in names_read(node.value)]
    fields = [field for field in _fields(looked) if not _id_like(field)]
    return f"the lookup by {', '.join(fields)}" if returns and fields else None


def _relative_upsert(call: cst.Call) -> bool:
    """`{"$inc": ...}`, `DO UPDATE SET n = n + 1`: an upsert that adds on every repeat."""
    text = code_of(call)
    return bool(re.search(r"\$(inc|push|addToSet)|SET\s+\w+\s*=\s*\w+\s*[-+]", text))


DUPLICATE_ERRORS = frozenset("IntegrityError UniqueViolation UniqueViolationError DuplicateKeyError "
                             "DuplicateKey UniqueConstraintError".split())


def _duplicate_refused(function: cst.FunctionDef, strict: bool = False) -> str | None:
    """`try: <create> except IntegrityError: return 409 "already exists"`: a unique constraint refuses the
    repeat. Nothing is made before that `try`, its handler ends the request (so what follows it runs only for
    a new row), and the error is answered as a duplicate (an IntegrityError is also a missing foreign key or
    a NULL)."""
    scratch = scratch_names(function)
    for statement in _in_order_all(function.body.body):
        if isinstance(statement, cst.With):
            continue  # its statements come next
        if not isinstance(statement, cst.Try):
            if _makes(statement, scratch):
                return None  # made before any unique constraint could refuse the repeat
            continue
        for handler in statement.handlers:
            caught = handler.type
            names = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
            errors = [(dotted(n) or "").rsplit(".", 1)[-1] for n in names if n is not None]
            error = next((e for e in errors if e in DUPLICATE_ERRORS), None)
            made = sum(1 for call in calls_in(statement.body) if _is_making(call, scratch))
            if error is not None and CONFLICT_TEXT.search(code_of(handler.body)) and \
                    _ends(handler.body) and made and (made == 1 or not strict):
                # `strict` (money or mail in the body): the insert alone, not a charge before it, in the `try`
                return f"a unique constraint (its {error} is answered as a duplicate)"
        if _makes(statement, scratch):
            return None
    return None


def _in_order_all(statements):
    for statement in statements:
        yield statement
        if isinstance(statement, cst.With):
            yield from _in_order_all(statement.body.body)


def _in_order(statements):
    """The statements of a body in order, looking into `with` and `try` blocks and the branch a view runs on
    a POST (`if request.method == "POST":`) or on a valid form (`if form.is_valid():`), not into other
    branches or loops."""
    for statement in statements:
        if isinstance(statement, cst.If) and (method_tested(statement.test) == "write" or _validates(statement.test)):
            yield from _in_order(statement.body.body)  # the POST branch, or the valid form's
        elif isinstance(statement, cst.If) and method_tested(statement.test) == "GET":
            orelse = statement.orelse  # `if request.method == "GET": ... elif request.method == "POST": ...`
            if isinstance(orelse, cst.If):
                yield from _in_order([orelse])
            elif isinstance(orelse, cst.Else):
                yield from _in_order(orelse.body.body)
        elif isinstance(statement, (cst.With, cst.Try)):
            yield from _in_order(statement.body.body)
            if isinstance(statement, cst.Try):
                for handler in statement.handlers:
                    yield from _in_order(handler.body.body)
                for extra in (statement.orelse, statement.finalbody):
                    if extra is not None:
                        yield from _in_order(extra.body.body)
        else:
            yield statement


VALIDATING_CALLS = frozenset("is_valid validate validate_on_submit".split())


def _validates(test) -> bool:
    return isinstance(test, cst.Call) and call_name(test) in VALIDATING_CALLS


def _inside_lookups(statement) -> set[int]:
    """The calls a lookup's chain is built of (`add_columns` in `X.query.add_columns(...).first()`)."""
    inside: set[int] = set()
    for call in calls_in(statement):
        if _is_lookup(call) and call_name(call) not in GET_OR_CREATE:
            node = call.func.value if isinstance(call.func, cst.Attribute) else None
            while node is not None:
                if isinstance(node, cst.Call):
                    inside.add(id(node))
                    node = node.func
                node = node.value if isinstance(node, cst.Attribute) else None
    return inside


def method_tested(test) -> str:
    """"write" for `request.method == "POST"` (or `in ("POST", "PUT")`), "GET" for `request.method == "GET"`,
    "" for any other test."""
    if not isinstance(test, cst.Comparison) or not (dotted(test.left) or "").endswith(".method"):
        return ""
    said = code_of(test.comparisons[0].comparator).upper()
    kind = "write" if any(f"{quote}{verb}{quote}" in said for verb in ("POST", "PUT", "PATCH") for quote in "\"'") \
        else "GET" if '"GET"' in said or "'GET'" in said else ""
    if type(test.comparisons[0].operator).__name__ in ("NotEqual", "NotIn"):
        return {"write": "GET", "GET": "write"}.get(kind, "")  # `request.method != "GET"`: the POST branch
    return kind


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
    return name in FOUND_CALLS or name.startswith(("get_", "find_", "fetch_", "lookup_", "load_", "select_")) or \
        ("_by_" in name and not _is_making(call))  # `links_by_target(url)`


def _classes_built(function) -> set[str]:
    """Classes the function builds a row of (`Item(...)`, `Item.create(...)`, `Item.objects.create(...)`)."""
    built = set()
    for call in calls_in(function.body):
        name = dotted(call.func) or ""
        owner = name.split(".")[0] if name.endswith((".create", ".objects.create")) else name.rsplit(".", 1)[-1]
        if owner[:1].isupper():
            built.add(owner)
    return built


def _duplicate_guard(statement: cst.If, lookups: dict, built: frozenset = frozenset()) -> str | None:
    """`if existing: return existing`, `if existing is not None: ...`, `if X.objects.filter(url=u).exists():
    return Response(status=409)`: an existence test of a lookup by fields, whose branch makes nothing and
    returns what was found or refuses the request as a duplicate (in words, or by any error when the class
    looked up is the one the function then builds: `if Item.find_by_name(n): raise InvalidUsage()`)."""
    test = statement.test
    if isinstance(test, cst.Name) and test.value in lookups:
        call, found = lookups[test.value], test.value
    elif isinstance(test, cst.Comparison) and _is_none_test(test, "IsNot") and isinstance(test.left, cst.Name) \
            and test.left.value in lookups:
        call, found = lookups[test.left.value], test.left.value
    elif _exists_call(test):
        call, found = test.expression if isinstance(test, cst.Await) else test, None
    elif isinstance(test, cst.BooleanOperation):
        return _refused_before_else(statement)  # `if user and ...filter(user=user).exists():`
    else:
        return None  # `if not order:`, `if account.balance < amount:`: not "the same thing exists"
    body = statement.body
    if _makes(body):
        return None
    if not _ends(body):
        return _refused_before_else(statement)
    returns_found = found is not None and found in names_read(body)
    same_class = (dotted(call.func) or "").split(".")[0] in built  # `if Item.find_by_name(...): raise` then `Item(...)`
    if not returns_found and not CONFLICT_TEXT.search(code_of(body)) and not same_class:
        return None
    fields = _fields(call)
    if not fields or all(_id_like(field) for field in fields):
        return None  # `teams.get(team_id)`, `get(pk=pk)`: the addressed resource, not what the request makes
    return f"the lookup by {', '.join(fields)}"


def _refused_before_else(statement: cst.If) -> str | None:
    """`if ticket.cc.filter(user=user).exists(): form.add_error(...) elif ...: ... else: <make>`: each branch
    tests that the thing exists and says it is a repeat, and only the last `else` makes it."""
    fields = []
    while isinstance(statement, cst.If):
        test = statement.test.expression if isinstance(statement.test, cst.Await) else statement.test
        lookup = test if _exists_call(test) else next((c for c in calls_in(test) if _is_lookup(c)), None) \
            if isinstance(test, cst.BooleanOperation) and test.operator.__class__.__name__ == "And" else None
        if lookup is None or _makes(statement.body) or not REPEAT.search(code_of(statement.body)):
            return None  # "already exists", "twice"; not "already refunded" or "already banned" (of another thing)
        fields += _fields(lookup)
        statement = statement.orelse
    if not isinstance(statement, cst.Else) or not fields or all(_id_like(f) for f in fields):
        return None
    return f"the lookup by {', '.join(dict.fromkeys(fields))}"


def _exists_call(test) -> bool:
    """`X.objects.filter(...).exists()`, `await repo.find_one({...})`, `db.query(X).filter(...).first()`."""
    test = test.expression if isinstance(test, cst.Await) else test
    return isinstance(test, cst.Call) and _is_lookup(test)


def _id_like(field: str) -> bool:
    return field in ("id", "pk", "uuid") or field.endswith(("_id", "_pk", "_uuid"))


def _is_none_test(test, operator: str) -> bool:
    return isinstance(test, cst.Comparison) and any(
        type(target.operator).__name__ == operator and dotted(target.comparator) == "None"
        for target in test.comparisons)


BY_FIELDS = re.compile(r"^(?:a?find|a?get|fetch|lookup|load|select)_(?:one_|first_)?by_(\w+)$")


def _fields(call: cst.Call) -> list[str]:
    """The fields a lookup (or get-or-create) matches on: its keywords (not `defaults`), and the attributes
    compared in it (`Endpoint.url == body.url`), along the whole call chain."""
    fields: list[str] = []
    named = BY_FIELDS.match(call_name(call))
    if named:  # `find_by_name(household, body["name"])`: the name says the field
        fields += named.group(1).split("_and_")
    node = call
    while isinstance(node, cst.Call):
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value not in OPTION_KEYWORDS and \
                    not isinstance(arg.value, (cst.SimpleString, cst.Integer, cst.List, cst.Dict)) and \
                    dotted(arg.value) not in ("True", "False", "None"):
                fields.append(arg.keyword.value)
            elif isinstance(arg.value, cst.Comparison) and isinstance(arg.value.left, cst.Attribute):
                fields.append(arg.value.left.attr.value)
            elif arg.keyword is None and isinstance(arg.value, (cst.Name, cst.Attribute)) and \
                    not (isinstance(arg.value, cst.Name) and arg.value.value[:1].isupper()):
                # `get_subscription(endpoint, account.id)`: the names of what it is looked up by
                fields.append(arg.value.value if isinstance(arg.value, cst.Name) else arg.value.attr.value)
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


ANSWERING_CALLS = frozenset("add_error add_errors add_message add_messages add_warning add_note".split())


def _is_making(call: cst.Call, scratch=frozenset()) -> bool:
    """A call that makes something (`create`, `add_item`, `save`, `send_mail`); not the `update` or `add` of a
    dict, list or set the function built itself (`scratch`: `payload.update(...)`)."""
    name = call_name(call)
    if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) and \
            call.func.value.value in scratch:
        return False
    if name in ANSWERING_CALLS:
        return False  # `form.add_error(...)`: says something to the caller, stores nothing
    first = name.split("_", 1)[0].lower()
    return first in MAKING_CALL_VERBS or name in ("add_all", "bulk_create")


def _makes(node, scratch=frozenset()) -> bool:
    return any(_is_making(call, scratch) for call in calls_in(node))


SCRATCH_CALLS = frozenset("dict list set to_dict model_dump copy deepcopy defaultdict OrderedDict".split())


def scratch_names(function: cst.FunctionDef) -> frozenset:
    """Names the function binds to a container it built (`payload = data.to_dict()`, `errors = []`)."""
    found = set()
    for assign in nodes_in(function.body, cst.Assign):
        value = assign.value
        built = isinstance(value, (cst.Dict, cst.List, cst.Set, cst.DictComp, cst.ListComp, cst.SetComp)) or \
            isinstance(value, cst.Call) and call_name(value) in SCRATCH_CALLS
        if built:
            found.update(t.target.value for t in assign.targets if isinstance(t.target, cst.Name))
    return frozenset(found)




# Calls that build an answer and change nothing: a handler that makes only these stores nothing (`ping`).
ANSWER_CALLS = frozenset("""dict list tuple set str int float bool len min max sum sorted round abs isinstance
    jsonify json dumps loads render render_template render_to_response redirect url_for reverse abort
    JsonResponse JSONResponse Response HttpResponse HTTPException PlainTextResponse HTMLResponse
    RedirectResponse HttpResponseRedirect HttpResponseBadRequest HttpResponseNotAllowed Http404 ValidationError
    json_response model_dump dict_ get now utcnow today time monotonic send_file send_from_directory
    StreamingResponse FileResponse make_response""".split())


# The first word of a call that only finds, computes or formats something (`get_config`, `sign_url`,
# `render_export`, `dump_csv`, `verify_password`): it stores nothing.
READ_CALL_VERBS = frozenset("""get fetch find load read list query filter select count exists lookup search compute
    calculate render format parse validate verify check sign encode decode dump dumps loads serialize
    deserialize export hash hexdigest digest quote unquote strftime strptime isoformat replace split join strip
    lower upper is has can resolve scan inspect describe preview estimate normalize url first all one scalar
    scalars items keys values current redirect""".split())  # not `build` nor `copy`: `build_order` may store it


class _Effects(Visitor):
    """Whether a body may write: a call that neither builds an answer, nor reads or computes by its name, nor
    makes an object it keeps to itself (`SocialShare(user_id=...)`), nor is a helper of the module that
    stores nothing; an assignment to anything but a local name; a `global`."""

    def __init__(self, helpers: dict, depth: int):
        self.found = False
        self.helpers, self.depth = helpers, depth

    def visit_Call(self, node) -> None:
        name = call_name(node)
        allowed = ANSWER_METHODS if isinstance(node.func, cst.Attribute) else ANSWER_CALLS
        if name in allowed or (isinstance(node.func, cst.Attribute) and name in ANSWER_CLASSES):
            return
        if (name.split("_", 1)[0].lower() in READ_CALL_VERBS and not _is_making(node)) or \
                (name[:1].isupper() and not any(_is_making(c) for arg in node.args for c in calls_in(arg.value))):
            return  # `get_config(...)`, `share.sign()`, `SocialShare(user_id=...)` kept to itself
        helper = self.helpers.get(name) if isinstance(node.func, cst.Name) else None
        if helper is not None and self.depth < 2 and stores_nothing(helper, self.helpers, self.depth + 1):
            return  # a helper of this module that stores nothing either
        self.found = True  # `r.set(k, v)`, `client.charge(...)`: may write

    def visit_AssignTarget(self, node) -> None:
        if not isinstance(node.target, cst.Name):
            self.found = True  # `order.paid = True`, `cache[k] = v`

    def visit_AugAssign(self, node) -> None:
        if not isinstance(node.target, cst.Name):
            self.found = True

    def visit_Global(self, node) -> None:
        self.found = True


ANSWER_METHODS = frozenset("""get json model_dump dict dumps loads isoformat strip lower upper format
    serializer_class get_serializer form_class get_form""".split())  # `self.serializer_class(data=...)`: kept
ANSWER_CLASSES = frozenset("""JsonResponse JSONResponse Response HttpResponse PlainTextResponse HTMLResponse
    json_response""".split())  # `web.json_response(...)`, `responses.JSONResponse(...)`


# FastAPI's markers of where a parameter comes from: they read the request, nothing more.
PARAMETER_MARKERS = frozenset("Form Body Query Header Path File Cookie".split())


def _passive_default(default: cst.Call) -> bool:
    """`Form()`, `Query(None)`, or a dependency named as a read or a check (`Depends(get_db_session)`,
    `Depends(verify_csrf_token)`): not one that does the work (`Depends(register_user)`)."""
    name = call_name(default)
    if name in PARAMETER_MARKERS:
        return True
    if name in ("Depends", "Security") and default.args:
        target = (dotted(default.args[0].value) or "").rsplit(".", 1)[-1]
        return target.split("_", 1)[0].lower() in READ_CALL_VERBS
    return False


def stores_nothing(function: cst.FunctionDef, helpers: dict | None = None, depth: int = 0) -> bool:
    """The body only reads, computes and answers (`ping`, `echo`, a signed share URL, an export streamed
    back): every call builds an answer, is named as finding or computing (`get_`, `sign`, `render`,
    `dump_csv`), makes an object it does not store, or is a helper of the module (`helpers`) that stores
    nothing in turn; it assigns only local names; and no parameter is a dependency that does the work
    (`Depends(register_user)`). Any other call may write, so it does not count."""
    if any(param.default is not None and isinstance(param.default, cst.Call) and not _passive_default(param.default)
           for param in (*function.params.params, *function.params.kwonly_params)):
        return False
    finder = _Effects(helpers or {}, depth)
    fast_visit(function.body, finder)
    return not finder.found
