from __future__ import annotations

import re

from replaylint.lazy import LazyRegex
from replaylint.python.lazy import cst

from replaylint.python.flow import constructor_of
from replaylint.python.model import dotted, string_value
from replaylint.python.payment_http import local_values, mentions_payment_host, payment_call_without_key
from replaylint.python.sources import (BOTO3_MANUAL_TOKENS, BOTO3_TOKENS, STRIPE_LOW_HARM, STRIPE_MUTATIONS,
                                       is_key_name)
from replaylint.rule import Example, Rule


class SdkCallWithoutKey(Rule):
    code = "RPL203"
    name = "sdk-call-without-key"
    severity = "warning"
    target = "python"
    in_test_code = False  # tests mint keys and declare throwaway apps on purpose
    needles = LazyRegex(r"^\s*(import stripe\b|from stripe import|import boto3|from boto3\b)|StripeClient\(|"
                        r"stripe_client\(", re.M | re.I)

    def prefilter(self, text: str) -> bool:
        return mentions_payment_host(text) or \
            (("stripe" in text or "boto3" in text or "StripeClient" in text) and bool(self.needles.search(text)))
    summary = "A mutating SDK call passes no key, so the SDK invents one per call"
    what = """
        Flags raw HTTP POSTs (`requests`, `httpx`, `aiohttp`, any client's `.post`) to payment endpoints that
        move money (Stripe's `/v1/payment_intents`, `/v1/charges`, `/v1/refunds`; PayPal's
        `/v2/checkout/orders`; Adyen, Checkout.com, GoCardless, Mollie, Square) without the key those APIs
        take (`Idempotency-Key`, `PayPal-Request-Id`, `Cko-Idempotency-Key`, Square's `idempotency_key`
        field); headers built elsewhere and `**kwargs` are given the benefit of the doubt. Flags Stripe calls
        that create, confirm, capture, refund, pay or cancel (`stripe.PaymentIntent.create`,
        `client.payment_intents.create` on a `StripeClient`, also one a project helper named for it returns,
        `get_stripe_client()`) without `idempotency_key` (keyword or in `options`); catalogue and setup objects
        (`Customer`, `Product`, `Price`, `Coupon`, `PaymentMethod`, `SetupIntent`, ...) are left out: a
        duplicate of one is clutter, not a second charge. It flags boto3 operations that take an idempotency
        token (`ec2.run_instances` `ClientToken`, `cloudformation.create_stack` `ClientRequestToken`,
        `stepfunctions.start_execution` `name`, ...) called without it. Calls that pass `**kwargs` are not flagged: the key may be inside.
    """
    why = """
        These SDKs fill a missing key with a fresh random value for each call. That survives the SDK's own
        network retries, but not a process restart or a caller that forgets: the next call gets another key
        and creates a second charge or instance.
    """
    fix = """
        Pass a key that names the intent: `idempotency_key=f"order-{order.id}-charge"`,
        `ClientToken=f"deploy-{release.id}"`.
    """
    exempt = """
        `# replaylint: allow[RPL203] -- reason` on the line or the line above.
    """
    references = """
        - stripe-python `_api_requestor.py`: a missing Idempotency-Key is generated per request
        - botocore `generate_idempotent_uuid` handler
        - Smithy `@idempotencyToken`: clients MAY fill it when it is not provided
    """
    bad = (
        Example("""
import stripe


def charge(order):
    return stripe.PaymentIntent.create(amount=order.total, currency="eur", customer=order.customer_id)
""", filename="example.py"),
        Example("""
import boto3

ec2 = boto3.client("ec2")


def start_worker(image):
    return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
""", filename="example.py"),
        Example("""
import requests

PAYPAL = "https://api-m.paypal.com"


def create_order(cart, token):
    return requests.post(f"{PAYPAL}/v2/checkout/orders", json={"intent": "CAPTURE", "purchase_units": cart.units},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
""", filename="example.py"),
    )
    good = (
        Example("""
import boto3
import requests
import stripe

ec2 = boto3.client("ec2")
client = stripe.StripeClient("sk_test_...")


def charge(order):
    return stripe.PaymentIntent.create(amount=order.total, currency="eur", customer=order.customer_id,
                                       idempotency_key=f"order-{order.id}-charge")


def charge_v2(order):
    return client.payment_intents.create(params={"amount": order.total, "currency": "eur"},
                                         options={"idempotency_key": f"order-{order.id}-charge"})


def start_worker(release, image):
    return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, ClientToken=f"release-{release.id}")


def list_charges():
    return stripe.Charge.list(limit=3)


def create_paypal_order(cart, token):
    return requests.post("https://api-m.paypal.com/v2/checkout/orders", json={"intent": "CAPTURE"},
                         headers={"Authorization": f"Bearer {token}", "PayPal-Request-Id": f"cart-{cart.id}"})
""", filename="example.py"),
    )

    def check(self, ctx):
        module_bindings = {name: constructor_of(ctx.model, value) for name, value in ctx.model.constants.items()}
        class_bindings: dict[str, dict] = {}
        for info in ctx.model.functions:
            if info.cls is not None:
                for name, binding in ctx.flow(info).bindings.items():
                    if name.startswith("self."):
                        class_bindings.setdefault(info.cls.qualname, {})[name] = binding
        for info in ctx.model.scopes:  # module-level code (scripts) too
            flow = ctx.flow(info)
            bindings = {**{k: v for k, v in module_bindings.items() if v},
                        **(class_bindings.get(info.cls.qualname, {}) if info.cls else {}), **flow.bindings}
            values = {**ctx.model.constants, **local_values(info.node)} if info.name != "<module>" else \
                ctx.model.constants
            for call, qualified in flow.calls:
                raw = payment_call_without_key(call, values)
                if raw is not None:
                    api, endpoint = raw
                    key = api.header or api.field
                    ctx.report(
                        self, call,
                        f"POST to {api.name}'s `{endpoint}` sends no `{key}`: nothing tells a repeat from new "
                        "work, so a retry after a timeout or a restart moves the money again",
                        f"send `{key}` with a value that names the intent (e.g. built from the order id)",
                        info.qualname, detail=f"{api.name} {endpoint}",
                    )
                    continue
                missing = _missing_key(ctx.model, call, qualified or "", bindings, flow.dict_keys)
                if missing is None:
                    continue
                what, key, filled = missing
                why = "the SDK makes a new key per call" if filled else "nothing tells a repeat from new work"
                ctx.report(
                    self, call,
                    f"{what} is called without `{key}`: {why}, so a repeat after a restart does the work again",
                    f"pass `{key}=` with a value that names the intent (e.g. built from the order id)",
                    info.qualname, detail=what,
                )


def _missing_key(model, call: cst.Call, qualified: str, bindings, dict_keys=None) -> tuple[str, str, bool] | None:
    """(the call, the key it leaves out, whether the SDK fills one in per call), or None."""
    if not isinstance(call.func, cst.Attribute):
        return None
    method = call.func.attr.value
    method = method[:-len("_async")] if method.endswith("_async") else method  # stripe's `create_async`
    spread: set[str] = set()
    for arg in call.args:
        if arg.star == "**":  # `**params`: known only when params is a dict built right here
            keys = (dict_keys or {}).get(dotted(arg.value) or "", None)
            if keys is None:
                return None
            spread |= keys
    if any(is_key_name(key) for key in spread):
        return None
    receiver = dotted(call.func.value) or ""
    root_binding = _binding(receiver, bindings)
    if root_binding is None and isinstance(call.func.value, cst.Call):  # boto3.resource("ec2").create_instances()
        root_binding = constructor_of(model, call.func.value)
        receiver = root_binding[1] if root_binding else ""
        bindings = {receiver: root_binding}
    if qualified.startswith("stripe.") and method in STRIPE_MUTATIONS and qualified.count(".") >= 2:
        if not _passes_key(call) and qualified.split(".")[-2] not in STRIPE_LOW_HARM:
            return qualified, "idempotency_key", True
    elif root_binding and _stripe_client(root_binding[0]) and method in STRIPE_MUTATIONS:
        if not _passes_key(call) and receiver.split(".")[-1] not in STRIPE_LOW_HARM:
            return f"{receiver}.{method}", "idempotency_key", True
    elif root_binding and root_binding[0].split(".")[-1] in ("client", "resource") and receiver in bindings:
        token = BOTO3_TOKENS.get(root_binding[1], {}).get(method)
        if token and token not in spread and \
                not any(arg.keyword is not None and arg.keyword.value == token for arg in call.args):
            return f"{root_binding[1]}.{method}", token, (root_binding[1], method) not in BOTO3_MANUAL_TOKENS
    return None


def _stripe_client(constructor: str) -> bool:
    """`stripe.StripeClient(...)`, or a project helper named for one (`get_stripe_client(app.config)`)."""
    last = constructor.rsplit(".", 1)[-1]
    return last.endswith("StripeClient") or ("stripe" in last.lower() and "client" in last.lower())


def _binding(receiver: str, bindings):
    parts = receiver.split(".")
    for end in range(len(parts), 0, -1):
        binding = bindings.get(".".join(parts[:end]))
        if binding:
            return binding
    return None


def _passes_key(call: cst.Call) -> bool:
    for arg in call.args:
        if arg.keyword is not None and is_key_name(arg.keyword.value) and \
                not (isinstance(arg.value, cst.Name) and arg.value.value == "None"):  # `idempotency_key=None`
            return True
        if isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                if isinstance(element, cst.DictElement) and is_key_name(string_value(element.key) or ""):
                    return True
        if arg.keyword is not None and arg.keyword.value in ("options", "request_options", "extra_headers") and \
                not isinstance(arg.value, cst.Dict):
            return True  # built elsewhere: the key may be inside
    return False
