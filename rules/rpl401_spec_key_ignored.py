from replaylint.rule import Example, Rule
from replaylint.rules._crosscheck import KEYED_HANDLER, SPEC_WITH_KEY


class SpecKeyIgnored(Rule):
    code = "RPL401"
    name = "spec-key-ignored"
    severity = "error"
    target = "project"
    summary = "The spec declares an intent key that the handler serving the operation never reads"
    what = """
        Flags a route handler that serves a spec operation declaring an intent key (an `Idempotency-Key`
        header, an `idempotency_key` body field) but never reads it: no `Header` parameter or body field of
        that name, no `request.headers[...]`, no idempotency middleware or decorator covering the route.
        Handlers are matched to operations by method and path shape (`{id}`, `<int:id>`, `:id` and Django
        regex groups alike, with the spec's servers/basePath, and under a mount prefix declared elsewhere when
        only one operation ends that way), or by connexion's `operationId`/`x-openapi-router-controller`.
        Where this rule fires, RPL301 on the same handler is left out: it is the same gap, and this finding
        says more.
    """
    why = """
        The spec is the contract clients are generated from: it tells every caller that a repeat with the same
        key is safe. When the server ignores the key, a client that forgot and retries places the order twice
        while believing it cannot.
    """
    fix = """
        Read the key in the handler (FastAPI: `idempotency_key: str = Header(..., alias="Idempotency-Key")`),
        look the key up before doing the work and store the outcome under it; or put the route behind an
        idempotency middleware. Remove the key from the spec only if repeats are really harmless.
    """
    exempt = """
        `# replaylint: allow[RPL401] -- reason` above the handler (a gateway in front of the app keeps the key).
    """
    references = """
        - IETF draft-ietf-httpapi-idempotency-key-header, section 2 (the resource's obligations)
    """
    bad = (
        Example("""
from fastapi import FastAPI

app = FastAPI()


@app.post("/orders")
async def create_order(order: dict):
    return await orders.insert(order)
""", filename="app.py", others=(("openapi.yaml", SPEC_WITH_KEY),)),
    )
    good = (
        Example(KEYED_HANDLER, filename="app.py", others=(("openapi.yaml", SPEC_WITH_KEY),)),
    )

    def check(self, cross):
        by_handler: dict[tuple, list] = {}  # a handler that serves several keyed operations: one finding
        for match in cross.matches:
            key = match.operation["key"]
            if key is not None and not match.handler["reads_key"] and not match.handler["library"]:
                by_handler.setdefault(tuple(match.handler["span"]), []).append(match)
        for matches in by_handler.values():
            first, key = matches[0], matches[0].operation["key"]
            served = " and ".join(match.operation["label"] for match in matches)
            cross.report(self, first.handler["span"],
                         f"`{first.handler['label']}` serves {served}, whose spec ({first.spec['file']}) "
                         f"declares the intent key `{key['name']}`, but it never reads it: a client that "
                         f"repeats with the same key gets the work done twice",
                         self.fix_line, first.handler["qualname"], key["name"])
            cross.supersede("RPL301", first.handler["span"][0], first.handler["qualname"])

    fix_line = ("read the key in the handler and look up / store the outcome by it (or use an idempotency "
                "middleware); remove it from the spec only if repeats are harmless")
