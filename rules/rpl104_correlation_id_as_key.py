from replaylint.openapi.keys import intent_keys
from replaylint.rule import Example, Rule


class CorrelationIdAsKey(Rule):
    code = "RPL104"
    name = "correlation-id-as-key"
    severity = "warning"
    summary = "The only key-like input of a mutation is a tracing id"
    what = """
        Flags a mutating operation whose only key-like input is a tracing or correlation id: `X-Request-Id`,
        `X-Correlation-ID`, `traceparent`, `x-ms-client-request-id`, a `request_id` not described as an
        idempotency key. (It takes the place of RPL101 on that operation.)
    """
    why = """
        Proxies, load balancers and logging middleware mint tracing ids per attempt, often with `uuid4()`.
        A caller that repeats the call gets a new id, so the server cannot recognise the repeat: the id traces
        attempts, it does not name an intent. Using it as a key looks safe in review and dedupes nothing.
    """
    fix = """
        Add a real intent key (`Idempotency-Key` header). If the field really is a key, say so in its
        description ("idempotency key: a repeat with the same value returns the first result"), as Google's
        AIP-155 `request_id` does.
    """
    exempt = """
        `x-replaylint-allow: [{rule: RPL104, reason: "..."}]`, or `harm: none` with a reason.
    """
    references = """
        - Rails ActionDispatch::RequestId; Azure REST guidelines on x-ms-client-request-id
        - AEP-155: `idempotency_key` was renamed from `request_id` to keep request ids for tracing
    """
    bad = (
        Example("""
paths:
  /tasks:
    post:
      operationId: createTask
      parameters:
        - name: X-Request-Id
          in: header
          schema: {type: string, format: uuid}
      responses:
        "201": {description: created}
"""),
    )
    good = (
        Example("""
paths:
  /tasks:
    post:
      operationId: createTask
      parameters:
        - name: X-Request-Id
          in: header
          schema: {type: string, format: uuid}
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the original response.
          schema: {type: string}
      responses:
        "201": {description: created}
        "409": {description: in flight}
"""),
    )

    def check(self, spec):
        for op in spec.operations:
            if op.method not in ("POST", "PATCH") or not spec.needs_key(op) or spec.harm(op).level == "none":
                continue
            keys = spec.keys(op)
            tracing = [key for key in keys if key.kind == "tracing"]
            if tracing and not intent_keys(keys) and not op.unresolved_inputs:
                key = tracing[0]
                spec.report(
                    self, key.node,
                    f"{op.label} has no intent key; `{key.name}` is a tracing id, made per attempt, so a repeat "
                    "is not recognised",
                    "accept a required `Idempotency-Key` header; keep the tracing id for tracing",
                    op, detail=key.name,
                )
