from replaylint.rule import Example, Rule


class OptionalIntentKey(Rule):
    code = "RPL102"
    name = "optional-intent-key"
    severity = "info"
    fixable = "unsafe"
    summary = "The intent key exists but is optional on a high-harm operation"
    what = """
        Flags an intent key (header, query or body field) declared `required: false` (or not listed in the body
        schema's `required`) on an operation whose harm is high: payments, orders, transfers, messages.
    """
    why = """
        An optional key protects only the callers who remember to send it. The first caller that forgets, often
        a new agent or a hand-written script, gets duplicate payments on its retries, and the API cannot tell
        it apart from a deliberate second purchase. Many large APIs keep keys optional for compatibility, so
        this is information, not a failure.
    """
    fix = """
        Make the key `required: true` and answer 400 when it is missing (IETF draft), or plan the change with
        a deprecation window.
    """
    exempt = """
        `x-replaylint-allow: [{rule: RPL102, reason: "optional for backward compatibility until v3"}]`.
    """
    references = """
        - IETF draft-ietf-httpapi-idempotency-key-header, "missing key: 400 Bad Request"
        - Google AIP-155 (request_id is optional by design)
    """
    bad = (
        Example("""
paths:
  /payments:
    post:
      operationId: createPayment
      parameters:
        - name: Idempotency-Key
          in: header
          required: false
          description: A repeat with the same key returns the original response.
          schema: {type: string, maxLength: 64}
      responses:
        "201": {description: created}
        "409": {description: in flight}
"""),
    )
    good = (
        Example("""
paths:
  /payments:
    post:
      operationId: createPayment
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the original response.
          schema: {type: string, maxLength: 64}
      responses:
        "201": {description: created}
        "409": {description: in flight}
"""),
    )

    def check(self, spec):
        for op in spec.operations:
            if not spec.needs_key(op) or spec.harm(op).level != "high":
                continue
            keys = [key for key in spec.keys(op) if key.kind == "intent"]
            if keys and not any(key.required for key in keys):
                key = keys[0]
                spec.report(
                    self, key.node.child("required") or key.node,
                    f"{op.label} moves money or messages, but its intent key `{key.name}` is optional: callers "
                    "that omit it get duplicates on every retry",
                    f"mark `{key.name}` as required and answer 400 when it is missing",
                    op, detail=key.name,
                )
