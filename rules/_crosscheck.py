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

# A FastAPI handler that reads the key, looks it up and stores the outcome by it.
KEYED_HANDLER = """
from fastapi import FastAPI, Header

app = FastAPI()


@app.post("/orders")
async def create_order(order: dict, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    existing = await orders.find_by_key(idempotency_key)
    if existing is not None:
        return existing
    return await orders.insert(order, idempotency_key=idempotency_key)
"""
