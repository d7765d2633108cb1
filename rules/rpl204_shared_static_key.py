from replaylint.rule import Example, Rule

from ._python_client import key_prefilter, key_sinks


class SharedStaticKey(Rule):
    code = "RPL204"
    name = "shared-static-key"
    severity = "error"
    target = "python"
    in_test_code = False  # tests mint keys and declare throwaway apps on purpose
    prefilter = staticmethod(key_prefilter)
    summary = "A key value fixed for many requests"
    what = """
        Flags an intent key whose value is the same for many requests: a string literal, a module constant, a
        setting (`config("PAYPAL_REQUEST_ID")`, `os.environ[...]`, `app.config[...]`, Django `settings.X`), a
        default argument computed once when the function is defined (`key=str(uuid4())`), or a key placed in
        a session's or client's default headers (`session.headers["Idempotency-Key"] = ...`,
        `httpx.Client(headers={"Idempotency-Key": ...})`). Header *names* kept in constants are fine.
    """
    why = """
        The server remembers the first request made with a key and answers every later one with its result:
        with a shared key, the second order gets the first order's response and is never placed, or is
        rejected as a mismatched repeat.
    """
    fix = """
        Send a key per intent at the call site, derived from what the request is about.
    """
    exempt = """
        `# replaylint: allow[RPL204] -- reason` on the line or the line above.
    """
    references = """
        - Dropbox Sign: "Do not set one key as a default on an SDK client"
        - adyen-openapi#21: a constant key made every payment after the first fail
    """
    bad = (
        Example("""
import requests

session = requests.Session()
session.headers["Idempotency-Key"] = "checkout-service"


def pay(invoice):
    return session.post("https://api.example.com/payments", json={"invoice": invoice.id})
""", filename="example.py"),
        Example("""
import uuid

import requests


def pay(invoice, key=str(uuid.uuid4())):
    return requests.post("https://api.example.com/payments", json={"invoice": invoice.id},
                         headers={"Idempotency-Key": key})
""", filename="example.py"),
    )
    good = (
        Example("""
import requests

IDEMPOTENCY_HEADER = "Idempotency-Key"


def pay(session, invoice):
    return session.post("https://api.example.com/payments", json={"invoice": invoice.id},
                        headers={IDEMPOTENCY_HEADER: f"invoice-{invoice.id}"})
""", filename="example.py"),
    )

    def check(self, ctx):
        for info, _, sink in key_sinks(ctx):
            taint = sink.taint
            if sink.client_default:
                reason = "a default header of the session or client"
            elif taint is not None and taint.kind == "static":
                reason = taint.source
            else:
                continue
            ctx.report(
                self, sink.node,
                f"`{sink.key}` is {reason}: every request shares one key, so the server answers them all with "
                "the first one's result",
                "send a key per intent at the call site (e.g. built from the order id)",
                info.qualname, detail=sink.key,
            )
