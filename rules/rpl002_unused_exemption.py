from replaylint.rule import Example, Rule


class UnusedExemption(Rule):
    code = "RPL002"
    name = "unused-exemption"
    severity = "warning"
    target = "meta"
    summary = "An exemption that matches no finding"
    what = """
        Flags an exemption (`x-replaylint-allow`, `x-lint-ignore`, `# replaylint: allow[...]`) for a rule that
        is enabled but does not fire where the exemption is written, and, as an error (like the same typo in
        config), one that names no rule at all.
    """
    why = """
        Stale exemptions hide future regressions: when the operation changes again, the old exemption silences
        a finding nobody reviewed. Keeping only live exemptions keeps the policy honest.
    """
    fix = """
        Delete the exemption.
    """
    exempt = """
        Deselect the rule (`ignore = ["RPL002"]`). Exemptions for rules that are not enabled are never reported.
    """
    references = """
        - Ruff RUF100 (unused-noqa)
    """
    bad = (
        Example("""
paths:
  /orders/{orderId}:
    put:
      operationId: putOrder
      x-replaylint-allow:
        - rule: RPL101
          reason: legacy endpoint
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: stored}
    get:
      operationId: getOrder
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the order}
"""),
    )
    good = (
        Example("""
paths:
  /orders:
    post:
      operationId: createOrder
      x-replaylint-allow:
        - rule: RPL101
          reason: legacy endpoint, replaced by PUT /orders/{orderId}; removal tracked in API-123
      responses:
        "201": {description: created}
"""),
    )
