from replaylint.rule import Example, Rule

from ._python_client import key_prefilter, key_sinks, line_of, regenerated_per_attempt


class RetryOnlyKey(Rule):
    code = "RPL201"
    name = "retry-only-key"
    severity = "by-harm"
    target = "python"
    in_test_code = False  # tests mint keys and declare throwaway apps on purpose
    prefilter = staticmethod(key_prefilter)
    summary = "A key sent by a function is made in that same function from a random or clock source"
    what = """
        Follows values inside each function from random and clock sources (`uuid4()`, `uuid1()`, `secrets`,
        `random`, `os.urandom`, `time.time()`, `datetime.now()`, ulid, nanoid, shortuuid, helper functions of the
        same module that return them, and `random-factories` from config) through assignments, f-strings,
        `str()`, `.hex`, `format` and concatenation to key sinks: `idempotency_key=`-style keywords,
        `Idempotency-Key`-style header values, `headers[...] =`, SDK options (Stripe `idempotency_key`, boto3
        `ClientToken`, ...). Helpers count wherever they are written: in this module, or in another module of
        the project (`from app.utils import new_key`, also re-exported by a package `__init__`), found through
        the project index. Keys from parameters, loaded objects, configured `factories`, `uuid5`/`uuid3` or
        hashes of intent fields are stable. A key kept on `self` (`self.key = uuid4()` in `__init__`, also of a
        base class in another module) is as new as the object: flagged, unless the class saves it.

        Saving is not enough: a key saved with a new record, or by a persistence call, and sent is still new on
        every run (a rerun makes a new record with a new key). It is stable only when it is found again by the
        intent: read back from a record looked up by the intent (`get_or_create(order=...)`, `filter(...).first()
        or create(...)`), or minted only when such a lookup found none (`if attempt is None:`,
        `cache.get(intent) or ...`).
    """
    why = """
        A key made inside the function that sends it is new on every call. It protects against a transport
        retry inside this call, but a caller that forgets what it did, or a new process picking up the task,
        calls the function again and sends a new key: the server sees a new intent and does the work twice.
    """
    fix = """
        Take the key as a parameter chosen where the intent is chosen, derive it from the intent
        (`uuid5(NAMESPACE, f"order-{order.id}-capture")`), or look the intent's record up first and mint the key
        only when there is none (`Attempt.objects.get_or_create(order=order, defaults={"key": uuid4()})`).
    """
    exempt = """
        `# replaylint: allow[RPL201] -- reason` on the line or the line above.
    """
    references = """
        - "Why we design APIs for replay, not retry" (replaylint's founding essay)
        - Stripe: "use V4 UUIDs or another random string"; Increase: "pre-allocate in your system"
    """
    bad = (
        Example("""
import uuid

import requests


def create_order(cart):
    key = str(uuid.uuid4())
    return requests.post(
        "https://api.example.com/orders",
        json={"cart": cart.id},
        headers={"Idempotency-Key": key},
    )
""", filename="example.py"),
        Example("""
import time

import stripe


def charge(customer, amount):
    return stripe.PaymentIntent.create(
        customer=customer, amount=amount, currency="eur", idempotency_key=f"charge-{time.time()}"
    )
""", filename="example.py"),
        Example("""
import uuid

import requests


class Checkout:
    def __init__(self, cart):
        self.cart = cart
        self.idempotency_key = uuid.uuid4().hex  # once per object: a new process makes a new one

    def submit(self):
        return requests.post("https://api.example.com/orders", json={"cart": self.cart.id},
                             headers={"Idempotency-Key": self.idempotency_key})
""", filename="example.py"),
        Example("""
import uuid

import requests


def create_order_saved_key(cart, db):
    key = str(uuid.uuid4())
    db.save_pending_order(cart.id, key)  # saved, but never looked up: a rerun saves another
    return requests.post("https://api.example.com/orders", json={"cart": cart.id}, headers={"Idempotency-Key": key})


def refund(order):
    attempt = RefundAttempt.objects.create(order=order, idempotency_key=uuid.uuid4())  # a new row every run
    return requests.post("https://api.example.com/refunds", json={"order": order.id},
                         headers={"Idempotency-Key": str(attempt.idempotency_key)})
""", filename="example.py"),
    )
    good = (
        Example("""
import uuid

import requests

ORDERS = uuid.UUID("6f1c8a52-7d0e-4c1b-9a57-3f0d2a9c5e11")


def create_order(cart, idempotency_key):
    return requests.post("https://api.example.com/orders", json={"cart": cart.id},
                         headers={"Idempotency-Key": idempotency_key})


def create_order_for_cart(cart):
    key = str(uuid.uuid5(ORDERS, f"cart-{cart.id}"))
    return requests.post("https://api.example.com/orders", json={"cart": cart.id}, headers={"Idempotency-Key": key})


def create_order_found_again(cart, cache):
    key = cache.get(f"order-key:{cart.id}")
    if not key:  # minted once per cart: a rerun finds the first one
        key = str(uuid.uuid4())
        cache.set(f"order-key:{cart.id}", key)
    return requests.post("https://api.example.com/orders", json={"cart": cart.id}, headers={"Idempotency-Key": key})


def refund_once(order):
    attempt, _ = RefundAttempt.objects.get_or_create(order=order, defaults={"idempotency_key": uuid.uuid4()})
    return requests.post("https://api.example.com/refunds", json={"order": order.id},
                         headers={"Idempotency-Key": str(attempt.idempotency_key)})


class PendingOrder(Model):
    def save(self, *args, **kwargs):
        if not self.idempotency_key:
            self.idempotency_key = uuid.uuid4().hex  # stored with the row before anything is sent
        super().save(*args, **kwargs)

    def submit(self):
        return requests.post("https://api.example.com/orders", json={"order": self.id},
                             headers={"Idempotency-Key": self.idempotency_key})
""", filename="example.py"),
    )

    def check(self, ctx):
        for info, flow, sink in key_sinks(ctx):
            taint = sink.taint
            if taint is None or taint.kind not in ("random", "clock") or sink.client_default or sink.persisted:
                continue
            if regenerated_per_attempt(ctx, info, flow, sink):
                continue  # RPL202
            harm = ctx.harm(info.qualname, info.name)
            if harm.level == "none":
                continue
            made = "" if taint.node is sink.node or line_of(ctx, taint.node) == line_of(ctx, sink.node) else \
                f" on line {line_of(ctx, taint.node)}"
            saved = " and saved without a lookup first (a rerun saves a new one)" if sink.saved_fresh else ""
            ctx.report(
                self, sink.node,
                f"`{sink.key}` is made from {taint.source}{made}{saved} in `{info.name}`: a caller that forgets and "
                "calls again sends a new key, so the work is done twice",
                "take the key as a parameter, derive it from the intent (uuid5 over stable ids), or look the "
                "intent's record up first and mint a key only when there is none",
                info.qualname, detail=sink.key, severity=ctx.severity_for(harm), harm=harm,
            )
