from replaylint.policy import deprecated_severity, harm_evidence
from replaylint.python.handlers import covered_by_library, is_deprecated, relative_change
from replaylint.rule import Example, Rule

from ._python_server import ROUTE_NEEDLES, handler_label, mutating_handlers, natural_key_of


class HandlerWithoutIntentKey(Rule):
    code = "RPL301"
    name = "handler-without-intent-key"
    severity = "by-harm"
    target = "python"
    in_test_code = False  # tests mint keys and declare throwaway apps on purpose
    needles = ROUTE_NEEDLES
    summary = "A mutating route handler that neither declares nor reads an intent key"
    what = """
        Flags POST and PATCH route handlers of FastAPI and Starlette (`@app.post`, `@router.patch`,
        `api_route(methods=...)`), Flask (`route(methods=...)`, `MethodView`), Django (`require_POST`,
        `require_http_methods`, class views' `post`/`patch`), DRF (`APIView`, `ViewSet.create` and
        `partial_update`, `@api_view`, `@action(methods=...)`, `CreateAPIView` without its own `create`),
        aiohttp, Litestar, Falcon, Tornado, the standard library's `BaseHTTPRequestHandler.do_POST` and raw
        WSGI apps that test `environ["REQUEST_METHOD"]` (also when a route table in another module registers the handler:
        `app.router.add_post("/orders", views.create_order)`, Starlette `Route(...)` lists) that take no
        intent key: no `Header` parameter or body field named like `Idempotency-Key`/`idempotency_key`, no read
        of `request.headers[...]` or `request.META["HTTP_IDEMPOTENCY_KEY"]`, and no coverage by
        django-idempotency-key (decorators or middleware), asgi-idempotency-header middleware or
        aws-lambda-powertools `@idempotent`. Searches, logins, webhook receivers (by name, or by the sender's
        signature header they check, or by their class: `PaymentWebhook.post`), assignments that are not
        high-harm (`set_language`, `follow_user`: the same value set twice is the same state), deletions and
        status changes (`OrderItemDeleteView.post`, `UpdateOrderStatus.post`: done again, the thing is gone or
        in that state all the same), PATCH handlers that only assign fields of the addressed resource (a PATCH
        is reported when it increments, appends, adds, sends, enqueues or creates a member of a
        sub-collection) and apps declared in test code are not flagged. A PUT is flagged when it changes
        what is stored relative to itself (`balance += amount`, a toggle `x.on = not x.on`, a call that adds
        or sends). A handler that finds the first outcome by a natural key is not flagged: get-or-create,
        an upsert, a lookup that returns what exists (or refuses a duplicate) before anything is made, a
        refusal of the repeat in the handler's own words before anything is made ("You are already in a
        team", an errors list answered first, an `else` that refuses; when the work moves money or sends mail,
        only a refusal of what a lookup by fields found), an answered IntegrityError, or a create of a model
        whose rows are unique by a field the request gives (`unique=True` without a server default,
        `unique_together`, `UniqueConstraint`, Django's own `User.username`, found through DRF serializers,
        marshmallow schemas, typed services and service functions of other modules that build the row from
        their own parameters). A same-module helper the handler hands the work to is read one level down.
        Neither is a POST that only finds, computes and answers (calls named as reads or computations,
        objects it keeps to itself, helpers that store nothing) and is not named as making something, a POST
        that only assigns fields or settings (`set_config(k, v)`, `app.boot = ...; app.save()`), an edit,
        state change or removal of an existing thing (`edit_bill` of `/bills/<id>/edit`, `cancel`, `settle`,
        `POST /apps/{slug}/start`, `ticket_cc_del`), a log or audit entry, nor a private request helper no URL
        table routes to. A GET-and-POST view is judged by its POST branch. Django `FormView`/`CreateView`
        `form_valid` is the POST handler. A view whose base class is written in
        another module of the project (`class OrderCreate(ServiceHandler)`) is a view when that base is one. A
        name is only a hint: a handler named like a read or a token endpoint whose body moves money or makes an
        order-like record (`stripe.PaymentIntent.create`, `Payment.objects.create`, `db.session.add(Order(...))`)
        is flagged, with high harm. Neither are these, whatever their names: a handler that looks one
        addressed thing up (`self.get_object()`, `get_object_or_404`, a lookup given the route's id) and only
        moves it to a state (`order.withdraw()`, `invoice.pay()`, a call that takes it), building nothing and
        passing nothing from the body (a `charge`, `send`, `create` or `add` on it is still flagged); a class
        view whose form is bound to the row it shows (`instance=`); a refusal found in a form, serializer or
        service of another module, by import, by a singleton (`customer = CustomerService()`), or by name when
        only one class of the project refuses so (an error named for a repeat, `AppAlreadyInstalledError`,
        counts as the words); a POST answered with a file (an export); a POST that makes the same calls as
        the GET of its path; a sign-out; the end of a password reset or an email verification that sends
        nothing. Errors on high-harm handlers, warnings otherwise.
    """
    why = """
        A client that timed out cannot tell whether its order was placed. Without a key naming its intent,
        calling again places a second order; with one, the handler can look up the first outcome and return it.
    """
    fix = """
        Accept a required `Idempotency-Key` header (FastAPI: `idempotency_key: str = Header(...)`), look up
        and store the outcome by it, or put the route behind an idempotency middleware or decorator.
    """
    exempt = """
        `# replaylint: harm=none -- reason` above the handler when repeating it is cheap, or
        `# replaylint: allow[RPL301] -- reason`.
    """
    references = """
        - IETF draft-ietf-httpapi-idempotency-key-header
        - django-idempotency-key, asgi-idempotency-header, aws-lambda-powertools idempotency
    """
    bad = (
        Example("""
from fastapi import FastAPI

app = FastAPI()


@app.post("/orders")
async def create_order(order: dict):
    return {"id": 1}
""", filename="example.py"),
        Example("""
from rest_framework.views import APIView
from rest_framework.response import Response


class TransferView(APIView):
    def post(self, request):
        return Response({"id": 1}, status=201)
""", filename="example.py"),
    )
    good = (
        Example("""
from fastapi import FastAPI, Header

app = FastAPI()


@app.post("/orders")
async def create_order(order: dict, idempotency_key: str = Header(...)):
    return await orders.place_once(idempotency_key, order)


@app.post("/orders/search")
async def search_orders(query: dict):
    return []


@app.post("/preferences/language")
async def set_language(language: str):
    return {"language": language}


# replaylint: harm=none -- a page-view counter; a duplicate count is noise
@app.post("/views")
async def count_view(page: str):
    return {}
""", filename="example.py"),
        Example("""
from fastapi import Depends, FastAPI, Header

app = FastAPI()


def intent_key(idempotency_key: str = Header(..., alias="Idempotency-Key")) -> str:
    return idempotency_key


@app.post("/payments")
async def create_payment(amount: int, key: str = Depends(intent_key)):
    return await payments.charge_once(key, amount)
""", filename="example.py"),
    )

    def check(self, ctx):
        for handler, harm in mutating_handlers(ctx):
            if ctx.reads_key(handler) or covered_by_library(ctx.model, handler, ctx.facts) or \
                    natural_key_of(handler, ctx.facts, ctx.model):
                continue  # a key, a library that keeps one, or a natural key looked up before anything is made
            severity = ctx.severity_for(harm)
            if is_deprecated(handler):
                severity = deprecated_severity(ctx.config, severity)
                if severity is None:
                    continue  # `deprecated = "ignore"`
            method = "/".join(sorted(handler.methods & {"POST", "PATCH"})) or "PUT"  # a relative PUT
            where = f" {handler.path}" if handler.path else ""
            evidence = f" (high harm: {harm_evidence(harm)})" if harm.level == "high" else ""
            if method == "PUT":  # a PUT is repeatable by nature: say what makes this one not
                evidence += f"; a PUT, but it {relative_change(handler, by_path=False)}"
            ctx.report(
                self, handler.node,
                f"{method}{where} handler `{handler_label(handler)}` takes no intent key: a client "
                f"that lost the answer cannot repeat the call without doing the work twice{evidence}",
                "accept a required Idempotency-Key header and look up / store the outcome by it "
                "(or use an idempotency middleware)",
                handler.qualname, severity=severity, harm=harm, handler=handler,
            )
