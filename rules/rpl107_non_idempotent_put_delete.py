from replaylint.openapi.keys import intent_keys
from replaylint.openapi.semantics import creates_with_server_id
from replaylint.rule import Example, Rule


class NonIdempotentPutDelete(Rule):
    code = "RPL107"
    name = "non-idempotent-put-delete"
    severity = "warning"
    summary = "A PUT that is not idempotent in fact: it creates a new, server-named resource each time"
    what = """
        Flags a PUT to a collection (its path ends in a literal segment, and `201 Created` answers it) that
        creates a member the server names: an item route `/things/{id}` sits below it. Such a PUT takes no
        intent key. Singleton resources (`PUT /users/{id}/settings`,
        `PUT /config`) and PUTs that replace a whole collection (no 201) are idempotent and not flagged. A PUT
        or DELETE answered with 202 and no monitor is RPL108's case.
    """
    why = """
        Clients, proxies and SDKs retry PUT and DELETE automatically because RFC 9110 calls them idempotent.
        When a PUT actually creates a new resource each time, every automatic retry, and every replay by a
        caller who forgot, makes another one.
    """
    fix = """
        Let the client choose the id (`PUT /things/{thingId}`, with `If-None-Match: *` for create-only), or use
        POST with an `Idempotency-Key`.
    """
    exempt = """
        `x-replaylint-allow: [{rule: RPL107, reason: "..."}]` on the operation.
    """
    references = """
        - RFC 9110 §9.2.2 (idempotent methods) and §13.1.2 (If-None-Match: *)
        - Smithy resource lifecycle: `put` uses identifiers provided by the client
    """
    bad = (
        Example("""
paths:
  /invoices:
    put:
      operationId: putInvoice
      responses:
        "201":
          description: created
          headers:
            Location: {schema: {type: string}}
  /invoices/{invoiceId}:
    get:
      operationId: getInvoice
      parameters:
        - {name: invoiceId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the invoice}
"""),
    )
    good = (
        Example("""
paths:
  /invoices/{invoiceId}:
    put:
      operationId: putInvoice
      parameters:
        - {name: invoiceId, in: path, required: true, schema: {type: string}}
      responses:
        "201": {description: created}
        "200": {description: replaced}
    get:
      operationId: getInvoice
      parameters:
        - {name: invoiceId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the invoice}
  /users/{userId}/settings:
    put:
      operationId: putSettings
      parameters:
        - {name: userId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: stored}
"""),
    )

    def check(self, spec):
        for op in spec.operations:
            if op.method != "PUT" or not creates_with_server_id(op) or spec.harm(op).level == "none" \
                    or op.unresolved_inputs:
                continue
            if intent_keys(spec.keys(op)):
                continue
            spec.report(
                self, op.node,
                f"{op.label} creates a new resource the server names on every call: a retried or replayed PUT "
                "makes another one",
                "let the client choose the id (PUT to /collection/{id}) or use POST with an Idempotency-Key",
                op,
            )
