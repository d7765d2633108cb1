from replaylint.crosscheck.check import where
from replaylint.rule import Example, Rule
from replaylint.rules._crosscheck import KEYED_HANDLER as HANDLER, SPEC_WITH_KEY

SPEC_WITHOUT_KEY = """
paths:
  /orders:
    post:
      operationId: createOrder
      responses:
        "201": {description: the order}
"""


class UndeclaredKey(Rule):
    code = "RPL402"
    name = "undeclared-key"
    severity = "warning"
    target = "project"
    summary = "The handler reads an intent key that the spec does not declare"
    what = """
        Flags a spec operation whose handler reads or requires an intent key (a `Header` parameter, a
        `request.headers[...]` read, an idempotency middleware) while the operation declares none. Reported at
        the operation, where the fix goes; when a framework generated the spec from the code (FastAPI,
        drf-spectacular, flask-smorest), at the handler. Where this rule fires, RPL101 on the same operation is
        left out: it is the same gap, and this finding says more.
    """
    why = """
        Clients generated from the spec never send a key they were not told about, so the server's
        deduplication never engages: every repeat does the work again, and a handler that requires the key
        rejects every generated client.
    """
    fix = """
        Declare the key on the operation (a required `Idempotency-Key` header parameter, shared under
        `components/parameters`) and document what a repeat returns.
    """
    exempt = """
        `x-replaylint-allow: [{rule: RPL402, reason: ...}]` on the operation.
    """
    references = """
        - IETF draft-ietf-httpapi-idempotency-key-header, section 2.7 (the key in the API's documentation)
    """
    bad = (
        Example(SPEC_WITHOUT_KEY, filename="openapi.yaml", others=(("app.py", HANDLER),)),
    )
    good = (
        Example(SPEC_WITH_KEY, filename="openapi.yaml", others=(("app.py", HANDLER),)),
    )

    def check(self, cross):
        for match in cross.matches:
            handler = match.handler
            if match.operation["key"] is not None or not (handler["reads_key"] or handler["library"]):
                continue
            at_code = bool(match.spec["generated"])
            span = handler["span"] if at_code else match.operation["span"]
            anchor = handler["qualname"] if at_code else match.operation["anchor"]
            cross.report(self, span,
                         f"`{handler['label']}` ({where(match)}) reads an intent key that "
                         f"{match.operation['label']} in {match.spec['file']} does not declare: clients "
                         f"generated from the spec never send it, so repeats are not deduplicated",
                         "declare the key on the operation (a required `Idempotency-Key` header parameter) and "
                         "document what a repeat returns", anchor)
            cross.supersede("RPL101", match.spec["file"], match.operation["anchor"])
