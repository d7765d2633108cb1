"""Shared helpers of the Python server rules (RPL301-RPL305): not a rule module itself."""
from __future__ import annotations

from replaylint.lazy import LazyRegex
from replaylint.python.lazy import Visitor, cst

from replaylint.python.walk import calls_in, fast_visit

from replaylint.python.handlers import (MAKING_CALL_WORDS, MONEY_NOUNS, MUTATING, RECORD_KEEPERS, answers_a_file,
                                        body_makes_harm, calls_assigned, changes_relatively, class_statements,
                                        completes_an_account_step, edits_addressed, handler_deletes_or_sets_status,
                                        handler_sets_a_state, is_logging_call, is_read_by_name, is_receiver,
                                        keeps_records, names_a_making, only_assigns, signs_out, stores_new_rows)
from replaylint.python.index import imported_kind
from replaylint.python.transitions import transitions_addressed
from replaylint.vocabulary import singular_of, words
from replaylint.python.natural_keys import stores_nothing
from replaylint.policy import Harm
from replaylint.python.model import call_name, dotted, is_constructor_call, string_value
from replaylint.python.sources import CLOCK_SOURCES, RANDOM_SOURCES, header_name, is_key_name

# A route can only be declared if one of these is written in the file.
ROUTE_NEEDLES = LazyRegex(r"@[\w.]+\.(post|patch|route|api_route)\(|"
                           r"def (post|patch|on_post|on_patch|do_POST|do_PATCH)\(|REQUEST_METHOD|"
                           r"require_POST|require_http_methods|api_view|@action|@post|@patch|ViewSet|APIView|"
                           r"CreateView|FormView|CreateModelMixin|RequestHandler|MethodView|HTTPEndpoint|Route\(|"
                           r"add_url_rule|add_(?:post|patch|route|api_route)\(|web\.(?:post|patch)\(|"
                           r"request\.method\s*(?:==|in\b)")


def mutating_handlers(ctx) -> list:
    """(handler, harm) of POST or PATCH routes that are not reads, logins, webhook receivers or cheap
    assignments. Found once per file for every rule."""
    if "mutating_handlers" not in ctx.memo:
        ctx.memo["mutating_handlers"] = list(_mutating_handlers(ctx))
    return ctx.memo["mutating_handlers"]


def _mutating_handlers(ctx):
    helpers = {name: info.node for name, info in ctx.model.module_functions().items()}
    for handler in ctx.handlers:
        relative_put = "PUT" in handler.methods and not handler.methods & MUTATING and \
            changes_relatively(handler, by_path=False)  # `balance += amount`, a toggle: a repeat changes more
        if not (handler.methods & MUTATING or relative_put) or is_receiver(handler):
            continue
        harmful = body_makes_harm(handler)  # money moved or an order made: a mutation, whatever its name
        if harmful is None and (is_read_by_name(handler) or completes_an_account_step(handler) or signs_out(handler)):
            continue  # a search, a login, a password reset finished with its one-time token
        if harmful is None and answers_a_file(handler):
            continue  # `send_file(export_ctf())`: an export downloaded by POST
        if harmful is None and _does_what_its_get_does(handler, ctx.handlers):
            continue  # `POST /pair_candles` with the filters in a body: the GET of the same path, longer
        if handler.methods & MUTATING == {"PATCH"} and not changes_relatively(handler):
            continue  # assigns fields of an addressed resource: a repeat leaves the same state
        if harmful is None and only_assigns(handler):
            continue  # a POST that sets fields or settings: the same request twice, the same state
        if harmful is None and edits_addressed(handler):
            continue  # `edit_bill` of `/bills/<bill_id>/edit`: an assignment, whatever the thing's harm
        if harmful is None and keeps_records(handler):
            continue  # `ActivityLogViewSet.create`: a second log entry is the cheap side effect a log line is
        if harmful is None and handler_deletes_or_sets_status(handler) and not stores_new_rows(handler):
            continue  # a name is a hint: `approve_loan` that calls stripe.Transfer.create moves money, and
            # `finalize_cart` that adds a `Shipment(...)` makes one
        if not stores_new_rows(handler) and not changes_relatively(handler, by_path=False, calls=False) and \
                transitions_addressed(handler, MAKING_CALL_WORDS):
            continue  # `order = self.get_object(); order.withdraw()`: a repeat finds it withdrawn, whatever
            # the harm of an order (the money a new one would move is not moved again)
        if handler.info is not None and stores_nothing(handler.info.node, helpers) and not names_a_making(handler):
            continue  # `ping`, `echo`: calls nothing that could write, and is not named as making something
        def_line = ctx.positions.of(handler.node)[0][0]
        name = handler.info.name if handler.info else handler.cls.name
        if handler.cls is not None and handler.info is not None:
            name = f"{handler.cls.name}.{name}"  # `TransferView.post`: the class says what the method does
        harm = ctx.harm(handler.qualname, name, handler, def_line)
        if harmful is not None and harm.source in ("words", "default") and harm.level != "high":
            harm = Harm("high", f"it calls {harmful}", "code")
        if harm.level == "none" or (harm.level != "high" and handler_sets_a_state(handler)):
            continue  # cheap, or `set_language`: setting the same value twice is the same state
        yield handler, harm


def _does_what_its_get_does(handler, handlers) -> bool:
    """A POST whose path is also a GET route of the module and whose body makes the same calls as that GET's
    (`GET /pair_history?...` and `POST /pair_history` with a body, both `return rpc.history(...)`): a read
    whose parameters are too long for a query string."""
    if handler.info is None or not handler.path:
        return False
    whole = {param.name.value for param in handler.info.params if not (
        isinstance(param.default, cst.Call) and call_name(param.default) in ("Depends", "Security"))} - {"self", "cls"}
    if any(isinstance(arg.value, cst.Name) and arg.value.value in whole
           for call in calls_in(handler.info.node.body) for arg in call.args):
        return False  # `forward(request)`, `save(payload)`: the whole request handed on, which a GET has not
    made = _calls_made(handler.info.node)
    return bool(made) and any("GET" in other.methods and not other.methods & MUTATING and other.path == handler.path
                              and other.info is not None and made <= _calls_made(other.info.node)
                              for other in handlers if other is not handler)


def _calls_made(function) -> set:
    """(callee, number of arguments) of each call: `rpc.blacklist()` reads where `rpc.blacklist(pairs)` adds."""
    return {(dotted(call.func), len(call.args)) for call in calls_in(function.body) if dotted(call.func)}


def natural_key_of(handler, facts=None, model=None) -> str | None:
    """What the handler looks the intent up by before making anything (`get_or_create(url, owner)`), or the
    unique fields of the row it creates from the request (`unique username of User`), if so. `model`: the
    module, whose own functions a handler may hand the work to."""
    from replaylint.python.natural_keys import natural_key

    helpers = {name: info.node for name, info in model.module_functions().items()} if model is not None else None
    harmful = body_makes_harm(handler) is not None
    found = natural_key(handler.info.node, helpers, harmful) if handler.info is not None else None
    if found:
        return found
    refused = _refused_elsewhere(handler, model, harmful, facts) if model is not None and handler.info else None
    if refused or facts is None or not facts.unique_models or harmful:
        return refused  # a unique row does not guard the money moved or the mail sent beside it
    return _unique_row(handler, facts, model)


MONEY_WORDS = MONEY_NOUNS | frozenset("pay charge transfer refund capture withdraw payout send mail".split())


# Method names too common to tell one service's method from another's by name alone.
COMMON_METHODS = frozenset("""create add update save post put patch run execute process handle call dispatch get
    set delete remove validate clean send start stop new make build apply perform submit""".split())


def _refused_elsewhere(handler, model, harmful: bool, facts=None) -> str | None:
    """A form or serializer whose validator refuses what already exists (`ProjectForm.validate_id` raising
    "A project with this id already exists"), or, when no money moves and no mail is sent, a service that
    raises so (`customer_service.create` raising "Customer already exists"): the repeat is refused before
    anything is made again. The class or function is this module's or another module's of the project; a
    form or serializer the project defines is also found by its name (`self.serializer_class(...)`, a class
    an app loader hands over), and a service method by its name when only one class of the project refuses
    with a method of that name (`self.sys_apps.install`, passed on to a background task)."""
    import ast

    from replaylint.python.index import refusers

    if model.refusers is None:
        try:  # the tree the analysis parsed; a model built alone is parsed here
            model.refusers = refusers(model.ast_tree or ast.parse(model.module.code))
        except (SyntaxError, ValueError, RecursionError):
            model.refusers = []
    project = facts.refusers if facts is not None else frozenset()
    typed = {param.name.value: model.qualify(param.annotation.annotation) or ""
             for param in handler.info.params if param.annotation is not None}
    for call in calls_in(handler.info.node.body):
        name = dotted(call.func) or ""
        holder, _, method = name.rpartition(".")
        if holder in typed and typed[holder]:  # `customer_service: CustomerService`
            local, qualified = typed[holder].rsplit(".", 1)[-1] + "." + method, typed[holder] + "." + method
        elif name in ("self.serializer_class", "self.form_class", "self.get_serializer", "self.get_form") and \
                handler.cls is not None:  # the view's own serializer or form
            local = _class_attribute(handler.cls, "serializer_class" if "serializer" in name else "form_class")
            qualified = model.qualify(cst.parse_expression(local)) if local else ""
        else:
            local, qualified = name, model.qualify(call.func) or ""
        is_class = local.rsplit(".", 1)[-1][:1].isupper()
        if not is_class and (harmful or set(words(local.replace(".", "_"))) & MONEY_WORDS):
            continue  # a service may move the money (`pay_invoice`) or send the mail before it refuses
        imported = name.split(".")[0] in model.imports or holder in typed
        elsewhere = imported and model.index is not None and bool(qualified) and \
            model.index.refuses_repeats(model.path, qualified)
        located = imported and model.index is not None and bool(qualified) and \
            model.index.lookup(model.path, qualified) is not None  # its own module has answered
        by_name = (not located and (local.rsplit(".", 1)[-1] in project if is_class else
                                    _one_refusing_method(project, holder, [method]))) or \
            _one_refusing_method(project, holder, _methods_passed(call))  # handed on, not called here
        if local in model.refusers or elsewhere or by_name:
            return f"the refusal of a repeat by {local}" if not is_class else \
                f"the refusal of a repeat by {local}'s validation"
    return None


def _methods_passed(call) -> list:
    """(holder, method) of methods handed on to be called (`background_task(self, self.sys_apps.install, slug)`)."""
    return [(dotted(arg.value.value) or "", arg.value.attr.value) for arg in call.args
            if isinstance(arg.value, cst.Attribute)]


def _one_refusing_method(project: frozenset, holder: str, methods: list) -> bool:
    """A method that exactly one class of the project refuses a repeat with, not a common name, reached
    through a holder named like that class (`self.sys_apps.install` and `AppManager.install`; not
    `billing.enroll` and `EventService.enroll`)."""
    for method in methods:
        where, method = method if isinstance(method, tuple) else (holder, method)
        owners = [name.rpartition(".")[0] for name in project if "." in name and name.rpartition(".")[2] == method]
        if method and method not in COMMON_METHODS and len(owners) == 1 and \
                {singular_of(w) for w in words(where.replace(".", "_"))} & \
                {singular_of(w) for w in words(owners[0])} - {"self", "service", "manager", "sys"}:
            return True
    return False


def _unique_row(handler, facts, model=None) -> str | None:
    """A create of a model whose rows are unique by fields the request gives: DRF's generic create through
    the view's `serializer_class`, a serializer built from `data=`, `Model.objects.create(field=...)` /
    `Model(field=...)` with a unique field passed a value (not a call that could make one up), or a service
    function of another module that builds such a row from its own required parameters
    (`service.create(**data)` where `def create(name, ...)` makes `Role(name=name)`)."""
    models = []
    if handler.cls is not None and handler.info is None:
        models.append((facts.serializer_model(_class_attribute(handler.cls, "serializer_class")), None))
    if handler.info is not None:
        typed = {param.name.value: dotted(param.annotation.annotation) or ""
                 for param in handler.info.params if param.annotation is not None}
        request_names = {param.name.value for param in handler.info.params} - {"self", "cls"} | {"request"}
        for assign in calls_assigned(handler.info.node.body):  # `data = request.get_json()`
            if _from_request(assign.value.func if isinstance(assign.value, cst.Call) else assign.value,
                             request_names):
                request_names |= {t.target.value for t in assign.targets if isinstance(t.target, cst.Name)}
        schemas = {target.target.value: dotted(assign.value.func) or "" for assign in calls_assigned(handler.info.node.body)
                   for target in assign.targets if isinstance(target.target, cst.Name)}
        for call in calls_in(handler.info.node.body):
            name = dotted(call.func) or ""
            if name.endswith("Serializer") and any(a.keyword is not None and a.keyword.value == "data"
                                                   for a in call.args):
                models.append((facts.serializer_model(name), None))  # `XSerializer(data=request.data)`
                continue
            if call_name(call) == "load" and isinstance(call.func, cst.Attribute):
                schema = call.func.value  # `XSchema().load(...)`, or `schema = XSchema(); schema.load(...)`
                built = schemas.get(schema.value) if isinstance(schema, cst.Name) else \
                    dotted(schema.func) if isinstance(schema, cst.Call) else None
                if built and built.endswith("Schema"):
                    models.append((facts.serializer_model(built), None))
                    continue
            holder, _, method = name.rpartition(".")
            if handler.cls is not None and method == "save" and holder in ("form", "serializer"):
                models.append((_view_model(handler.cls, facts), None))  # `form_valid(self, form): form.save()`
                continue
            if holder in typed and method in ("create", "add", "create_one"):  # `roles: RoleService`
                models.append((facts.serializer_model(typed[holder]), None))
                continue
            elsewhere = _rows_made_elsewhere(call, model, facts, request_names)
            if elsewhere:
                models.extend(elsewhere)
                continue
            for made in _rows_made(call):
                given = {a.keyword.value for a in made.args
                         if a.keyword is not None and _from_request(a.value, request_names)}
                owner = dotted(made.func) or ""
                for suffix in (".objects.create", ".create"):
                    owner = owner[:-len(suffix)] if owner.endswith(suffix) else owner
                if RECORD_KEEPERS & set(words(owner.rsplit(".", 1)[-1])):
                    continue  # `LogEntry.objects.create(...)` beside the row: a second entry is a log line
                models.append((owner, given))
    found = None
    for model, given in models:
        groups = facts.unique_fields(model) if model else ()
        named = next((group for group in groups if given is None or
                      all(f in given or f + "_id" in given for f in group)), None)
        if not named:
            return None  # a row made that nothing makes unique: a repeat makes it again
        found = found or f"the unique {', '.join(named)} of {model.rsplit('.', 1)[-1]}"
    return found


def _class_attribute(cls, name: str) -> str:
    """What a class body assigns to `name` (`serializer_class = OrderSerializer`), as written; "" if nothing."""
    return next((dotted(small.value) or "" for small in class_statements(cls)
                 if isinstance(small, cst.Assign) and dotted(small.targets[0].target) == name), "")


def _view_model(cls, facts) -> str:
    """The model a class view's form or serializer saves: its `form_class`'s or `serializer_class`'s model,
    else the view's own `model = Account`."""
    for name in ("form_class", "serializer_class"):
        model = facts.serializer_model(_class_attribute(cls, name))
        if model:
            return model
    return _class_attribute(cls, "model")


def _rows_made_elsewhere(call, model, facts, request_names: set) -> list:
    """(model, fields) of the unique rows an imported service function builds from its required parameters,
    when the handler passes it what the request gave (`service.create(**data)`, `users.create(name=body.name)`)."""
    if model is None or model.index is None or not isinstance(call.func, (cst.Attribute, cst.Name)):
        return []
    head = (dotted(call.func) or "").split(".")[0]
    if head not in model.imports or not any(_from_request(a.value, request_names) for a in call.args):
        return []
    rows = model.index.rows_made_by(model.path, model.qualify(call.func) or "")
    spread = any(a.star == "**" and _from_request(a.value, request_names) for a in call.args)  # `**data`
    positional = [a for a in call.args if a.keyword is None and not a.star]
    given = {a.keyword.value for a in call.args if a.keyword is not None and _from_request(a.value, request_names)}
    passed = [a for a in positional if not (isinstance(a.value, cst.Name) and a.value.value in ("None", "True",
                                                                                              "False"))]
    from_request = spread or (passed and all(_from_request(a.value, request_names) for a in passed))
    # a unique field counts only when the request gives it (not `handle=uuid4().hex`)
    return [(cls, set(fields) if from_request else set(fields) & given) for cls, fields in rows
            if fields and facts.unique_fields(cls)]


def _from_request(value, request_names: set) -> bool:
    """A value the request gave: a handler parameter, or an attribute or item of one (`body.url`,
    `request.POST["url"]`, `data["email"]`, `data.get("email")`); not another call (which could make one up), a
    literal or None."""
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "get":
        value = value.func.value  # `data.get("password")`
    while isinstance(value, (cst.Attribute, cst.Subscript)):
        value = value.value
    return isinstance(value, cst.Name) and value.value in request_names


def _rows_made(call: cst.Call) -> list:
    """The rows a call makes: `X.objects.create(...)`/`X.create(...)` itself, the `X(...)` that
    `session.add(...)` or `X(...).save()` stores."""
    name = dotted(call.func) or ""
    owner = name.rsplit(".", 2)
    if name.endswith((".objects.create", ".create")) and owner[0][:1].isupper():
        return [call]
    if call_name(call) in ("add", "add_all", "save"):
        stored = [a.value for a in call.args] if call_name(call) != "save" else \
            [call.func.value] if isinstance(call.func, cst.Attribute) else []
        return [v for v in stored if is_constructor_call(v)]
    return []


def handler_label(handler) -> str:
    """`create_order`, or `TransferView.post` for a method of a class view."""
    if handler.info is None:
        return handler.cls.name
    return f"{handler.cls.name}.{handler.info.name}" if handler.cls is not None else handler.info.name


def mentions_random(ctx, expr) -> str | None:
    """The random or clock source an expression calls or names (`uuid4`, `lambda: str(uuid.uuid4())`)."""
    found = []
    extra = set(ctx.config.random_factories)

    class _Finder(Visitor):
        def visit_Name(self, node):
            self._check(node)

        def visit_Attribute(self, node):
            self._check(node)
            return dotted(node) is None  # `uuid.uuid4` is one name; `uuid4().hex` holds a call to look into

        def _check(self, node):
            qualified = ctx.model.qualify(node) or ""
            if qualified in RANDOM_SOURCES or qualified in CLOCK_SOURCES or qualified in extra:
                found.append(qualified)
            elif isinstance(node, cst.Name) and node.value in ctx.helpers:
                found.append(node.value)  # a helper of this module that returns a random value
            elif imported_kind(ctx.model, node, qualified) in ("random", "clock"):
                found.append(qualified)  # a helper of another module of the project

    fast_visit(expr, _Finder())
    return found[0] if found else None


def key_string_in(expr, extra=frozenset()) -> str | None:
    """A key name written as a string anywhere in an expression (`request.headers.get("Idempotency-Key")`)."""
    found = []

    class _Finder(Visitor):
        def visit_SimpleString(self, node):
            text = string_value(node)
            if text and is_key_name(header_name(text), extra):
                found.append(text)

    fast_visit(expr, _Finder())
    return found[0] if found else None


def is_logging(ctx, call: cst.Call) -> bool:
    return is_logging_call(ctx.model.qualify(call.func) or dotted(call.func))
