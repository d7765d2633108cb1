"""Example text the cross-check rules share (each rule still shows it in its own docs)."""

# A keyed POST /orders whose outcome a caller can look up by the key: replay-shaped on the spec side.
SPEC_WITH_KEY = """
paths:
  /orders:
    post:
      operationId: createOrder
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the first order.
          schema: {type: string}
      responses:
        "201": {description: the order}
        "409": {description: a request with this key is still in flight}
    get:
      operationId: listOrders
      parameters:
        - {name: idempotency_key, in: query, schema: {type: string}}
      responses:
        "200": {description: the order made with this key, if any}
"""
