from replaylint.openapi.keys import intent_keys
from replaylint.openapi.semantics import natural_key_field
from replaylint.policy import harm_evidence
from replaylint.rule import Example, Rule


class MutationWithoutIntentKey(Rule):
    code = "RPL101"
    name = "mutation-without-intent-key"
    severity = "by-harm"
    fixable = "safe"
    summary = "A mutating operation that accepts no intent key"
    what = """
        Flags POST and PATCH operations whose repetition would cause measurable harm and that accept no intent
        key: no `Idempotency-Key`-style header, no key field in the query or body (`idempotency_key`,
        `client_token`, `ClientRequestToken`, an AIP-155 `request_id` described as one), no client-chosen id
        (`?book_id=`, Kubernetes `metadata.name`) and no `If-Match` precondition. Keys shared through
        `components/parameters` count, and so do keys named in config (`keys.headers`, `keys.fields`,
        `keys.implicit`). POSTs that only read (`/search`, `:query`, `/validate`, `/token`), operations named as
        setting a value or a state unless their harm is high (`set-lfs-preference`, `follow-user`,
        `enable-feature`: the same value set twice is the same state) and webhook receivers are not mutations.
        A POST to an addressed item that the spec also reads or deletes (`POST /cards/{card_id}`, Stripe's
        and Lob's updates) and a state change or an assignment of one (`/{id}/cancel`, `/void`,
        `/servers/{id}/actions/poweron`, `/actions/change_type`, `/cancel/{id}`, or `/transfer/cancel` whose
        body requires the `transfer_id`) are not mutations unless the request names an amount or the summary
        says it sends. A create whose request requires a field the spec says is unique ("Name of the server.
        Must be unique per project") is refused when repeated: that field is its natural key. A PATCH counts
        only when it is relative: named as adding, sending or moving money (`addCartItems`, "Add
        quantity to ..."), or taking a JSON Patch (RFC 6902), whose `add` appends; a PATCH that assigns fields
        leaves the same state however often it is repeated, as a PUT does. Errors on high-harm operations
        (money, orders, messages), warnings otherwise; findings on a `deprecated: true` operation are info
        (config `deprecated = "same"` or `"ignore"`).
    """
    why = """
        A caller that times out, or an agent whose memory resets, cannot tell whether the first call happened.
        Without a key naming its intent, the only way forward is to call again, and the API creates a second
        order or payment. With a key chosen upstream ("subtask 3 of goal G"), any caller can repeat the call
        and the server answers with the outcome of the first.
    """
    fix = """
        Accept a required intent key: an `Idempotency-Key` header parameter (shared in
        `components/parameters`), or a client-chosen id (`PUT /orders/{orderId}`), and document what a repeat
        returns (see RPL105, RPL106).
    """
    exempt = """
        If repeating it is cheap (a log line, a metric), say so with a reason:
        `x-replaylint: {harm: none, reason: "..."}` on the operation, its path item or the root, or
        `harm.none = {"POST /logs" = "..."}` in config.
    """
    references = """
        - IETF draft-ietf-httpapi-idempotency-key-header
        - Stripe, "Idempotent requests": https://docs.stripe.com/idempotency
        - Google AIP-155 (request identification) and AIP-133 (user-specified ids)
        - Zalando RESTful API guidelines #229-#231
    """
    bad = (
        Example("""
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                sku: {type: string}
                quantity: {type: integer}
      responses:
        "201": {description: created}
"""),
        Example("""
paths:
  /carts/{cartId}/items:
    patch:
      operationId: addCartItems
      summary: Add the given quantity of each item to the cart
      parameters:
        - {name: cartId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the cart}
"""),
        Example("""
swagger: "2.0"
info: {title: Transfers, version: "1"}
paths:
  /transfers:
    post:
      operationId: createTransfer
      parameters:
        - name: body
          in: body
          schema:
            type: object
            properties:
              amount: {type: integer}
      responses:
        "201": {description: created}
""", filename="swagger.yaml"),
    )
    good = (
        Example("""
paths:
  /orders:
    post:
      operationId: createOrder
      parameters:
        - $ref: "#/components/parameters/IdempotencyKey"
      responses:
        "201": {description: created}
        "409": {description: a request with this key is still being processed}
        "422": {description: the key was already used with a different request}
components:
  parameters:
    IdempotencyKey:
      name: idempotency-key
      in: header
      required: true
      description: Names the intent. A repeat with the same key returns the original response.
      schema: {type: string, maxLength: 255}
"""),
        Example("""
paths:
  /orders/search:
    post:
      operationId: searchOrders
      responses:
        "200": {description: matching orders}
  /repos/{repo}/import/lfs:
    patch:
      operationId: setLfsPreference
      responses:
        "200": {description: the preference now in force}
  /profiles/{profileId}:
    patch:
      operationId: updateProfile
      parameters:
        - {name: profileId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: updated}
  /webhooks/payments:
    post:
      operationId: receivePaymentEvent
      summary: Receives payment events sent by the payment provider
      responses:
        "204": {description: received}
  /metrics:
    post:
      operationId: recordMetric
      x-replaylint:
        harm: none
        reason: a counter sample; a duplicate is within the metric's noise
      responses:
        "204": {description: recorded}
"""),
    )

    def check(self, spec):
        for op in spec.operations:
            if op.method not in ("POST", "PATCH") or not spec.needs_key(op):
                continue
            if spec.harm(op).level == "none":
                continue
            keys = spec.keys(op)
            if intent_keys(keys) or any(key.kind == "tracing" for key in keys):
                continue  # keyed, or RPL104's case: its only key-like input is a tracing id
            if op.unresolved_inputs:
                continue  # the key may be behind the broken `$ref` (reported as not analysed)
            if natural_key_field(op):
                continue  # a required field the spec says is unique: a repeat is refused as a duplicate
            harm = spec.harm(op)
            evidence = f" (high harm: {harm_evidence(harm)})" if harm.level == "high" else ""
            spec.report(
                self, op.node,
                f"{op.label} accepts no intent key: a caller that lost track of a first call cannot repeat it "
                f"without doing it twice{evidence}",
                "accept a required `Idempotency-Key` header (or a client-chosen id, as in PUT /things/{id}) "
                "and document what a repeat returns",
                op,
            )
