from replaylint.openapi.semantics import can_read_back
from replaylint.rule import Example, Rule


class NoReplayLookup(Rule):
    code = "RPL105"
    name = "no-replay-lookup"
    severity = "info"
    summary = "A keyed or client-id operation whose outcome a new caller cannot read back"
    what = """
        Flags an operation that takes an intent key or a client-chosen id but gives a caller who forgot no way to
        learn what happened: no documented replay of the stored response (a description saying a repeat returns
        the original response, or an `Idempotent-Replayed` response header), no GET that takes the key or the
        client id, and no operation monitor for 202 responses.
    """
    why = """
        A key makes a repeat safe, but replay also needs the answer: "has this been done, and what came of it?".
        If the only way to ask is to repeat the write, and the API does not promise to return the first outcome,
        a caller with a reset memory is left guessing.
    """
    fix = """
        Document that a repeat with the same key returns the original response, or add a lookup:
        `GET /orders?idempotency_key=...`, `GET /orders/{orderId}` for client-chosen ids, or a status monitor.
    """
    exempt = """
        `x-replaylint-allow: [{rule: RPL105, reason: "lookup served by the reporting API"}]`.
    """
    references = """
        - Increase: list endpoints filter by idempotency_key
        - Google AIP-155: a repeat returns the previous response
        - Stripe: a repeat returns the saved response, including errors
    """
    bad = (
        Example("""
paths:
  /transfers:
    post:
      operationId: createTransfer
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          schema: {type: string}
      responses:
        "201": {description: created}
        "409": {description: in flight}
"""),
        Example("""
paths:
  /devices/{deviceId}:
    put:
      operationId: registerDevice
      parameters:
        - {name: deviceId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: registered}
"""),
    )
    good = (
        Example("""
paths:
  /transfers:
    post:
      operationId: createTransfer
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          schema: {type: string}
      responses:
        "201": {description: created}
        "409": {description: in flight}
    get:
      operationId: listTransfers
      parameters:
        - {name: idempotency_key, in: query, schema: {type: string}}
      responses:
        "200": {description: the transfer made with this key, if any}
  /devices/{deviceId}:
    put:
      operationId: registerDevice
      parameters:
        - {name: deviceId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: registered}
    get:
      operationId: getDevice
      parameters:
        - {name: deviceId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the device}
"""),
    )

    def check(self, spec):
        for op in spec.operations:
            if op.method not in ("POST", "PATCH", "PUT", "DELETE") or spec.harm(op).level == "none":
                continue
            if op.method in ("POST", "PATCH") and not spec.needs_key(op):
                continue
            keys = [key for key in spec.keys(op) if key.kind in ("intent", "client-id")]
            if op.method == "DELETE" or not keys or can_read_back(op, keys):
                continue
            key = keys[0]
            spec.report(
                self, op.node,
                f"{op.label} takes `{key.name}` but a caller who forgot the outcome cannot read it back: no "
                "documented replay, no GET by that key, no status monitor",
                f"document that a repeat with the same `{key.name}` returns the original response, or add a GET "
                "that looks the result up by it",
                op, detail=key.name,
            )
