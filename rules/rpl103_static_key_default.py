from replaylint.openapi.model import MUTATING
from replaylint.rule import Example, Rule


class StaticKeyDefault(Rule):
    code = "RPL103"
    name = "static-key-default"
    severity = "error"
    summary = "An intent key parameter with a `default` value"
    what = """
        Flags an intent key (header, query or body field) whose schema or parameter declares a `default`.
        (`example:` is fine: it documents, it does not fill in.)
    """
    why = """
        Generated clients and gateways send the default when the caller gives none, so every caller that
        forgets the key shares one key: the server returns the first caller's stored response to all of them,
        or rejects them as mismatched repeats.
    """
    fix = """
        Remove the `default`; keep an `example`.
    """
    exempt = """
        `x-replaylint-allow: [{rule: RPL103, reason: "..."}]` on the operation.
    """
    references = """
        - IETF draft-ietf-httpapi-idempotency-key-header, Security considerations
        - Dropbox Sign: "Do not set one key as a default on an SDK client"
    """
    bad = (
        Example("""
paths:
  /notes:
    post:
      operationId: createNote
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the original response.
          schema: {type: string, default: "00000000-0000-0000-0000-000000000000"}
      responses:
        "201": {description: created}
        "409": {description: in flight}
"""),
    )
    good = (
        Example("""
paths:
  /notes:
    post:
      operationId: createNote
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the original response.
          schema: {type: string, example: "note-2026-11-28-standup"}
      responses:
        "201": {description: created}
        "409": {description: in flight}
"""),
    )

    def check(self, spec):
        for op in spec.operations:
            if op.method not in MUTATING:
                continue  # a read takes no intent key: finding keys of every GET is most of this rule's time
            for key in spec.keys(op):
                if key.kind != "intent" or key.node is None:
                    continue
                holder = next((n for n in (key.node, key.schema) if n is not None and n.is_map()
                               and "default" in n.value), None)
                if holder is not None:
                    spec.report(
                        self, holder.child("default"),
                        f"intent key `{key.name}` of {op.label} has a default value: every caller that omits "
                        "it shares one key",
                        f"remove the default of `{key.name}` (an example is fine)",
                        op, detail=key.name,
                    )
