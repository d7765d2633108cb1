from replaylint.rule import Example, Rule

from ._python_client import key_prefilter, key_sinks, regenerated_per_attempt


class KeyRegeneratedPerAttempt(Rule):
    code = "RPL202"
    name = "key-regenerated-per-attempt"
    severity = "error"
    target = "python"
    fixable = "safe"
    in_test_code = False  # tests mint keys and declare throwaway apps on purpose
    prefilter = staticmethod(key_prefilter)
    summary = "The key is made inside the retry loop or `@retry` function that resends it"
    what = """
        Flags a random or clock key made inside the loop that retries the request (`for attempt in range(3)`
        or `while` with `try`/`except`, `continue` or `break`), or inside a function decorated with tenacity's
        `@retry`, `backoff.on_exception` or `stamina.retry`, and a key made from the retry loop's attempt
        counter (`f"{invoice.id}-{attempt}"`). Loops over different intents (`for order in orders:`) are not
        retries.
    """
    why = """
        This breaks even plain retry: every attempt carries a new key, so when the first attempt reached the
        server and only the answer was lost, the second attempt is a new intent and the work is done twice.
    """
    fix = """
        Make the key once, before the loop (and better, as RPL201 says, derive it from the intent or take it
        as a parameter), and send the same key on every attempt.

        `replaylint check --fix` does the first part in a loop that plainly retries (`for attempt in
        range(3)`, tenacity's `Retrying`): the statement that makes the key moves to just before the loop (a
        key made where it is sent becomes `idempotency_key = ...` there). With `--unsafe-fixes`, a
        module-level function that tenacity, backoff or stamina retries is split: its name goes to an
        undecorated function that makes the key once and calls the retried one, renamed `_<name>_attempt`
        with the key as a keyword-only parameter (callers' calls keep working; what the retry library hangs
        on the function moves with it). No fix where the key reads anything but imported modules and builtins
        (the attempt counter, the order, a value a guard checks), in a `while` loop, or in a method.
    """
    exempt = """
        `# replaylint: allow[RPL202] -- reason` on the line or the line above.
    """
    references = """
        - tenacity, backoff and stamina documentation (decorated functions run again from the top)
        - IETF draft-ietf-httpapi-idempotency-key-header: the same key on every retry
    """
    bad = (
        Example("""
import uuid

import requests


def send_payout(payout):
    for attempt in range(3):
        key = uuid.uuid4().hex
        try:
            return requests.post("https://api.example.com/payouts", json=payout,
                                 headers={"Idempotency-Key": key}, timeout=10)
        except requests.Timeout:
            continue
""", filename="example.py"),
        Example("""
import uuid

import requests
from tenacity import retry, stop_after_attempt


@retry(stop=stop_after_attempt(3))
def send_payout(payout):
    return requests.post("https://api.example.com/payouts", json=payout,
                         headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
""", filename="example.py"),
        Example("""
import stripe


def pay(invoice):
    for attempt in range(3):
        try:
            return stripe.Invoice.pay(invoice.id, idempotency_key=f"{invoice.id}-{attempt}")
        except stripe.error.APIConnectionError:
            continue
""", filename="example.py"),
    )
    good = (
        Example("""
import requests


def send_payouts(payouts):
    for payout in payouts:
        requests.post("https://api.example.com/payouts", json=payout,
                      headers={"Idempotency-Key": f"payout-{payout['id']}"}, timeout=10)


def send_payout(payout, key):
    for attempt in range(3):
        try:
            return requests.post("https://api.example.com/payouts", json=payout,
                                 headers={"Idempotency-Key": key}, timeout=10)
        except requests.Timeout:
            continue
""", filename="example.py"),
    )

    def check(self, ctx):
        for info, flow, sink in key_sinks(ctx):
            taint = sink.taint
            if taint is None or taint.kind not in ("random", "clock", "attempt") or sink.client_default or \
                    sink.persisted:
                continue
            why = regenerated_per_attempt(ctx, info, flow, sink)
            harm = ctx.harm(info.qualname, info.name)
            if why is None or harm.level == "none":
                continue
            ctx.report(
                self, sink.node,
                f"`{sink.key}` is made from {taint.source} {why}: every attempt is a new intent, so an attempt "
                "whose answer was lost is done again",
                "make the key once, outside the retry, from the intent (or take it as a parameter)",
                info.qualname, detail=sink.key, harm=harm,
            )
