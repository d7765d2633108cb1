"""Raw HTTP calls to payment APIs that move money (`requests.post("https://api.stripe.com/v1/charges")`)
without the key those APIs take for it.

Payment teams call these APIs with a plain HTTP client as often as through an SDK, and then no SDK fills in a
key either. Each entry names the API, where its money-moving endpoints live and how a key is sent: a header
(Stripe, Adyen, PayPal's `PayPal-Request-Id`, Checkout.com's `Cko-Idempotency-Key`) or a body field (Square).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lazy import cst
from .model import call_name, dotted, string_value


@dataclass(frozen=True)
class PaymentApi:
    name: str
    url: re.Pattern  # matched against the URL's text (its literal parts)
    header: str = ""  # the key header, when the key is a header
    field: str = ""  # the key field, when it is in the JSON body


PAYMENT_APIS = (
    PaymentApi("Stripe", re.compile(r"api\.stripe\.com/v1/(payment_intents|charges|refunds|transfers|payouts|"
                                    r"topups|subscriptions|invoices/[^/]+/pay|"
                                    r"payment_intents/[^/]+/(confirm|capture))", re.I), header="Idempotency-Key"),
    PaymentApi("PayPal", re.compile(r"paypal\.com/(v2/checkout/orders|v2/payments/|v1/payments/payouts)", re.I),
               header="PayPal-Request-Id"),
    PaymentApi("Adyen", re.compile(r"adyen(payments)?\.com/.*(/payments|/refunds|/captures|/payouts|"
                                   r"/transfers)", re.I), header="Idempotency-Key"),  # checkout-test.adyen.com
    PaymentApi("Checkout.com", re.compile(r"checkout\.com/(payments|transfers|payouts)", re.I),
               header="Cko-Idempotency-Key"),
    PaymentApi("GoCardless", re.compile(r"gocardless\.com/(payments|refunds|payouts|instalment_schedules)", re.I),
               header="Idempotency-Key"),
    PaymentApi("Mollie", re.compile(r"api\.mollie\.com/v2/(payments|refunds|orders)", re.I),
               header="Idempotency-Key"),
    PaymentApi("Square", re.compile(r"squareup(sandbox)?\.com/v2/(payments|refunds|orders)", re.I),
               field="idempotency_key"),
)
# Literal texts one of which a file must hold for a payment endpoint to be written in it (`in` is a C scan:
# this runs on every Python file).
HOST_TEXTS = ("api.stripe.com", "paypal.com", "adyen.com", "adyenpayments.com", "api.checkout.com",
              "api.sandbox.checkout.com", "gocardless.com", "api.mollie.com", "squareup.com", "squareupsandbox.com")


PATH_TEXTS = ("/payment_intents", "/charges", "/refunds", "/transfers", "/payouts", "/topups", "/subscriptions",
              "/pay", "/checkout/orders", "/payments", "/captures", "/orders", "/instalment_schedules")


def mentions_payment_host(text: str) -> bool:
    """A payment API's host and one of its money-moving paths are both written in the file (apart, as in
    `f"{STRIPE}/v1/charges"`): an SDK that names the host but builds paths elsewhere is not parsed for it."""
    return any(host in text for host in HOST_TEXTS) and any(path in text for path in PATH_TEXTS)
HTTP_POSTS = frozenset("post request fetch".split())


def payment_call_without_key(call: cst.Call, constants: dict) -> tuple[PaymentApi, str] | None:
    """(the API, the endpoint as written) of a POST to a money-moving endpoint that sends no key; None when
    the call is not one, or when it may carry a key this reading cannot see (`headers=headers` built
    elsewhere, `**kwargs`)."""
    name = call_name(call)
    if name not in HTTP_POSTS:
        return None
    args = list(call.args)
    if name in ("request", "fetch"):  # `requests.request("POST", url, ...)`, `session.fetch("POST", ...)`
        if not args or (string_value(args[0].value) or "").upper() != "POST":
            return None
        args = args[1:]
    url = next((a.value for a in args if a.keyword is None), None) or \
        next((a.value for a in args if a.keyword is not None and a.keyword.value == "url"), None)
    text = _text_of(url, constants) if url is not None else ""
    api = next((api for api in PAYMENT_APIS if api.url.search(text)), None)
    if api is None:
        return None
    if any(a.star == "**" for a in call.args):
        return None  # the key may be inside
    for arg in call.args:
        if arg.keyword is None:
            continue
        if api.header and arg.keyword.value == "headers":
            keys = _literal_keys(arg.value)
            if keys is None or api.header.lower() in keys:
                return None  # a key, or headers this reading cannot see into
        if api.field and arg.keyword.value in ("json", "data"):
            keys = _literal_keys(arg.value)
            if keys is None or api.field in keys:
                return None
    match = api.url.search(text)
    return api, match.group(0)


def _text_of(expr, constants: dict, depth: int = 0) -> str:
    """The literal text of a URL expression: strings, f-strings' literal parts, `+` and `%`/`.format`
    templates, and module constants (`BASE + "/v1/charges"`)."""
    if depth > 4 or expr is None:
        return ""
    value = string_value(expr)
    if value is not None:
        return value
    if isinstance(expr, cst.FormattedString):
        return "".join(part.value if isinstance(part, cst.FormattedStringText) else
                       _text_of(part.expression, constants, depth + 1) for part in expr.parts)
    if isinstance(expr, cst.ConcatenatedString):
        return _text_of(expr.left, constants, depth + 1) + _text_of(expr.right, constants, depth + 1)
    if isinstance(expr, cst.BinaryOperation):
        return _text_of(expr.left, constants, depth + 1) + _text_of(expr.right, constants, depth + 1)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format":
        template = _text_of(expr.func.value, constants, depth + 1)  # `"{}/v1/charges".format(STRIPE_API)`
        positional = [_text_of(a.value, constants, depth + 1) for a in expr.args if a.keyword is None]
        for index, text in enumerate(positional):
            template = template.replace("{}", text, 1).replace("{%d}" % index, text)
        for arg in expr.args:
            if arg.keyword is not None:
                template = template.replace("{%s}" % arg.keyword.value, _text_of(arg.value, constants, depth + 1))
        return template
    name = dotted(expr)
    if name in constants:
        return _text_of(constants[name], constants, depth + 1)
    return ""


def _literal_keys(expr) -> set[str] | None:
    """The lower-cased keys of a dict literal (`{"Idempotency-Key": k}`, `dict(idempotency_key=k)`); None
    when the value is anything else (a variable, a merged dict), whose keys cannot be read here."""
    if isinstance(expr, cst.Dict):
        keys = set()
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                return None  # `{**base, ...}`: base may hold the key
            key = string_value(element.key)
            if key is None:
                return None
            keys.add(key.lower())
        return keys
    if isinstance(expr, cst.Call) and dotted(expr.func) == "dict" and \
            all(a.keyword is not None for a in expr.args):
        return {a.keyword.value.lower() for a in expr.args}
    return None


def local_values(function) -> dict:
    """Names a function binds once to a value (`url = f"{BASE}/v1/charges"`): where a URL is often built."""
    found: dict = {}
    counts: dict = {}
    for statement in getattr(getattr(function, "body", None), "body", ()):
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and \
                    isinstance(small.targets[0].target, cst.Name):
                name = small.targets[0].target.value
                counts[name] = counts.get(name, 0) + 1
                found[name] = small.value
    return {name: value for name, value in found.items() if counts[name] == 1}
