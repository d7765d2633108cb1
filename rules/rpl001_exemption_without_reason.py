from replaylint.rule import Example, Rule


class ExemptionWithoutReason(Rule):
    code = "RPL001"
    name = "exemption-without-reason"
    severity = "error"
    fixable = "safe"
    target = "meta"
    summary = "An exemption or `harm: none` that gives no reason"
    what = """
        Flags every exemption (`x-replaylint-allow`, `x-lint-ignore`, `# replaylint: allow[...]`) and every
        `harm: none` annotation that does not say why. The exemption still applies; this finding makes the
        missing reason visible and fails the build until someone writes it down.
    """
    why = """
        Exemptions are how a team records the measurable-harm policy: "repeating this is cheap because ...".
        Without the reason, the next reader cannot tell a deliberate decision from a silenced warning, and a
        caller that forgets what it did will meet a duplicate nobody decided to accept.
    """
    fix = """
        Add the reason next to the exemption: `reason: "appends a log line; duplicates are harmless"` in a spec,
        after `--` in Python (`# replaylint: allow[RPL201] -- a one-off script`).
    """
    exempt = """
        This rule cannot be exempted; deselect it (`ignore = ["RPL001"]`) if your team does not record reasons.
    """
    references = """
        - replaylint PRODUCT.md §4 (exemptions always carry a reason)
        - Ruff's RUF100 and Fixit's ignore/fixme split: suppressions are audited, not trusted
    """
    bad = (
        Example("""
paths:
  /audit-events:
    post:
      operationId: appendAuditEvent
      x-replaylint:
        harm: none
      responses:
        "204": {description: appended}
"""),
    )
    good = (
        Example("""
paths:
  /audit-events:
    post:
      operationId: appendAuditEvent
      x-replaylint:
        harm: none
        reason: appends a line to the audit log; a duplicate line is harmless
      responses:
        "204": {description: appended}
"""),
    )
