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
        `ClientToken`, ...). Keys from parameters, loaded objects, configured `factories`, `uuid5`/`uuid3` or
        hashes of intent fields are stable. A random key saved before it is sent is not flagged. A key kept on
        `self` (`self.key = uuid4()` in `__init__`) is as new as the object: flagged, unless the class saves it.
    """
    why = """
        A key made inside the function that sends it is new on every call. It protects against a transport
        retry inside this call, but a caller that forgets what it did, or a new process picking up the task,
        calls the function again and sends a new key: the server sees a new intent and does the work twice.
    """
    fix = """
        Take the key as a parameter chosen where the intent is chosen, derive it from the intent
        (`uuid5(NAMESPACE, f"order-{order.id}-capture")`), or generate it once and save it with the intent
        before the first send.
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


def create_order_saved_key(cart, db):
    key = str(uuid.uuid4())
    db.save_pending_order(cart.id, key)
    return requests.post("https://api.example.com/orders", json={"cart": cart.id}, headers={"Idempotency-Key": key})


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
            ctx.report(
                self, sink.node,
                f"`{sink.key}` is made from {taint.source}{made} in `{info.name}`: a caller that forgets and calls "
                "again sends a new key, so the work is done twice",
                "take the key as a parameter, derive it from the intent (uuid5 over stable ids), or save it "
                "before the first send",
                info.qualname, detail=sink.key, severity=ctx.severity_for(harm),
            )
