"""Handlers that move one addressed thing to a state: `order = self.get_object(); order.withdraw()`,
`parcel = get_object_or_404(Parcel, pk=pk); mark_shipped(parcel)`.

A repeat finds the thing in the state the first call left it in (a withdrawn order is withdrawn, and its state
machine refuses the second withdrawal), so such a handler needs no intent key, whatever its name. The shape is
narrow: every call that could write is made on the looked-up thing (a method of it or of its parts) or takes
it as an argument, nothing new is built, nothing from the request's body is passed along (also through a
local: `amount = request.data["amount"]`), no call names a new thing or a message (`order.create_refund(...)`,
`invoice.send()`, `create_payment(order=order)` make one again on every repeat), and money moves only as the
thing's own argument-less step (`invoice.pay()`; not `payments.transfer(wallet, ...)`).
"""
from __future__ import annotations

from ..vocabulary import words
from .lazy import cst
from .handlers import NAME_PREFIXES
from .model import call_name, call_verb, dotted
from .walk import calls_in, nodes_in

# Calls that look one existing thing up by what the route names.
ADDRESSING_CALLS = frozenset("""get_object get_object_or_404 aget_object_or_404 get_or_404 first_or_404
    one_or_404 get_instance""".split())
# Lookups that address a thing when they are given the route's parameter (`Order.objects.get(pk=pk)`,
# `await order_service.get(session, auth_subject, id)`).
LOOKUP_CALLS = frozenset("get get_by_id get_one get_or_none find_one first one one_or_none scalar_one".split())
# A call's first word that makes a new thing or a message, on the addressed thing or beside it.
# A payment's own transitions (`pay` an invoice, `capture` an authorisation, `refund` a charge whole) find it
# done on a repeat; a `charge` or a `bill` moves new money each time.
NEW_THING_VERBS = frozenset("""create add insert new make build copy clone duplicate fork generate issue send
    notify email mail sms text message invite remind publish post append extend push enqueue book order
    purchase buy register upload import mint deposit credit debit topup increment incr charge bill""".split())
# Calls that only read or check what they are given (a lookup by the body's id is not work done again).
LOOKUP_VERBS = frozenset("get find filter fetch load lookup select query validate check is has exists parse".split())
# Calls that move money: a transition only when the addressed thing does it to itself, with nothing passed.
MONEY_VERBS = frozenset("""pay capture refund confirm transfer withdraw payout disburse process settle void
    reverse authorize authorise""".split())
REQUEST_DATA = frozenset("data POST json body form get_json FILES".split())
HANDLER_PLUMBING = frozenset("self cls request req session db auth_subject user current_user pk id".split())


def transitions_addressed(handler, making_words: frozenset) -> bool:
    """The handler looks one existing thing up and every call that could write (`making_words`, the first word
    of a call's name) only moves that thing to a state. Rows built and stored are the caller's to rule out."""
    if handler.info is None:
        return False
    function = handler.info.node
    path_parameters = route_parameters(handler.path)
    addressed = _addressed_names(function, path_parameters | _detail_parameters(handler))
    if not addressed:
        return False
    named = [w for w in words(handler.info.name) if w not in NAME_PREFIXES]
    if named and named[0] in NEW_THING_VERBS:
        return False  # `add_order_note` of `/orders/{id}/notes`: a new thing under the addressed one
    body_names = _body_derived(function, _request_names(handler, path_parameters))
    for call in calls_in(function.body):
        first = call_verb(call)
        if first in NEW_THING_VERBS:
            return False  # `invoice.send()`, `create_payment(order=order)`: made again on every repeat
        passes_body = any(_root(arg.value) in body_names or _reads_request_data(arg.value) for arg in call.args)
        if passes_body and first not in LOOKUP_VERBS:
            return False  # `account.withdraw(amount)`, `annotate(order, note)`: what the body says, done again
        if first in MONEY_VERBS and not (_on(call, addressed) and not call.args):
            return False  # `payments.transfer(wallet, ...)`, `stripe.PaymentIntent.confirm(order.intent)`: money
            # moves by another's hand; only the addressed thing's own `invoice.pay()` finds itself done
        if first in making_words and not (_on(call, addressed) or
                                          any(_root(arg.value) in addressed for arg in call.args)):
            return False  # `payment_backend.capture(...)`: work on something else
    return True


def _body_derived(function, names: set[str]) -> set[str]:
    """The body's own parameters and the locals assigned from them or from the request's data, in order
    (`amount = request.data["amount"]`, `data = await request.json()`)."""
    names = set(names)
    for node in nodes_in(function.body, cst.Assign):
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        reads_body = _root(value) in ("request", "req") and isinstance(value, cst.Call) and \
            call_name(value) in ("json", "get_json", "body", "form")  # `data = await request.json()`
        if _reads_request_data(value) or _root(value) in names or reads_body:
            names |= {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}
    return names


def route_parameters(path: str) -> set[str]:
    """`id` of `/orders/{id}/withdraw`, `pk` of `<int:pk>`, `slug` of `:slug`."""
    names = set()
    for segment in path.split("/"):
        if segment.startswith("{"):
            names.add(segment.strip("{}").split(":", 1)[0])  # `{id:int}`
        elif segment.startswith("<"):
            names.add(segment.strip("<>").rsplit(":", 1)[-1])  # `<int:pk>`
        elif segment.startswith(":"):
            names.add(segment[1:])
    return names


def _detail_parameters(handler) -> set[str]:
    """`pk` for DRF's `@action(detail=True)`: the router addresses one object."""
    for _, decorator in handler.info.decorators:
        call = decorator.decorator
        if isinstance(call, cst.Call) and (dotted(call.func) or "").rsplit(".", 1)[-1] == "action" and any(
                arg.keyword is not None and arg.keyword.value == "detail" and dotted(arg.value) == "True"
                for arg in call.args):
            return {"pk"}
    return set()


def _addressed_names(function, parameters: set[str]) -> set[str]:
    """Names bound to the thing the route addresses: from `self.get_object()`, `get_object_or_404(...)`, or a
    lookup given one of the route's parameters."""
    found = set()
    for node in nodes_in(function.body, cst.Assign):
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        if not isinstance(value, cst.Call):
            continue
        name = call_name(value)
        given = {_root(arg.value) for arg in value.args} & parameters
        if name in ADDRESSING_CALLS or (name in LOOKUP_CALLS and given):
            found |= {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}
    return found


def _request_names(handler, path_parameters: set[str]) -> set[str]:
    """Parameters that can carry the request's body (not the route's own, not plumbing or dependencies)."""
    names = set()
    for param in handler.info.params:
        name = param.name.value
        if name in path_parameters or name in HANDLER_PLUMBING or name.startswith("_"):
            continue
        default = param.default
        if isinstance(default, cst.Call) and call_name(default) in ("Depends", "Security", "Path"):
            continue
        names.add(name)
    return names


def _reads_request_data(expr) -> bool:
    """`request.data.get("amount")`, `request.POST["x"]`, `await request.json()`."""
    chain = []
    while isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call, cst.Await)):
        if isinstance(expr, cst.Attribute):
            chain.append(expr.attr.value)
        expr = expr.func if isinstance(expr, cst.Call) else expr.expression if isinstance(expr, cst.Await) \
            else expr.value
    return isinstance(expr, cst.Name) and expr.value in ("request", "req") and bool(chain) and \
        chain[-1] in REQUEST_DATA


def _on(call, addressed: set[str]) -> bool:
    return isinstance(call.func, cst.Attribute) and _root(call.func.value) in addressed


def _root(expr) -> str:
    """The name an expression starts from: `order` of `order.flow.update`, of `order.items[0]`."""
    while isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call, cst.Await)):
        expr = expr.func if isinstance(expr, cst.Call) else expr.expression if isinstance(expr, cst.Await) \
            else expr.value
    return expr.value if isinstance(expr, cst.Name) else ""
