from replaylint.rule import Example, Rule

REPLAY_CODES = ("400", "409", "422", "4XX", "4xx")


class ReplayResponsesUndocumented(Rule):
    code = "RPL106"
    name = "replay-responses-undocumented"
    severity = "info"
    summary = "A keyed operation documents no conflict (409) or mismatch (400/422) response"
    what = """
        Flags an operation with an intent key that documents none of the responses a repeat can get: 409
        Conflict (the first request with this key is still in flight) and 400 or 422 (the key was reused with a
        different request). Any of 400, 409, 422 or a `4XX` range is accepted, because vendors differ.
    """
    why = """
        A caller replaying a request needs to know what "already in progress" and "this key means something
        else" look like, or it will treat them as ordinary failures and retry forever, or give up on work
        that is about to succeed.
    """
    fix = """
        Document `409` (in flight; retry later with the same key) and `422` or `400` (key reused with a different
        payload), ideally as problem+json with a link to your idempotency documentation.
    """
    exempt = """
        `x-replaylint-allow: [{rule: RPL106, reason: "..."}]`.
    """
    references = """
        - IETF draft-ietf-httpapi-idempotency-key-header: 409 for concurrent requests, 422 for reuse
        - Zalando #230, Stripe and Merge answer 400 on mismatch; Increase answers 409
    """
    bad = (
        Example("""
paths:
  /refunds:
    post:
      operationId: createRefund
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the original response.
          schema: {type: string}
      responses:
        "201": {description: created}
"""),
    )
    good = (
        Example("""
paths:
  /refunds:
    post:
      operationId: createRefund
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the original response.
          schema: {type: string}
      responses:
        "201": {description: created}
        "409": {description: a request with this key is still being processed}
        "422": {description: the key was used with a different request}
"""),
    )

    def check(self, spec):
        for op in spec.operations:
            if not spec.needs_key(op) or spec.harm(op).level == "none":
                continue
            keys = [key for key in spec.keys(op) if key.kind == "intent"]
            if not keys or any(code in op.responses for code in REPLAY_CODES):
                continue
            spec.report(
                self, op.node.child("responses") or op.node,
                f"{op.label} takes `{keys[0].name}` but documents no 409 (still in flight) or 400/422 (key reused "
                "with a different request) response",
                "document 409 for a request with this key in flight and 422 (or 400) for a key reused with a "
                "different payload",
                op, detail=keys[0].name,
            )
