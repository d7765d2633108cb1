from replaylint.crosscheck.routes import folder, shown_path
from replaylint.rule import Example, Rule
from replaylint.rules._crosscheck import SPEC_WITH_KEY as SPEC

HANDLERS = """
from fastapi import FastAPI, Header

app = FastAPI()


@app.post("/orders")
async def create_order(order: dict, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    return await orders.insert_once(order, idempotency_key)
"""

REFUND = """

@app.post("/refunds")
async def create_refund(refund: dict, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    return await refunds.insert_once(refund, idempotency_key)
"""


class RouteMissingFromSpec(Rule):
    code = "RPL403"
    name = "route-missing-from-spec"
    severity = "info"
    target = "project"
    summary = "A mutating route that no operation of the spec describes"
    what = """
        Flags a mutating route handler (one that RPL301 would judge: POST or PATCH that creates, sends or moves
        something) whose method and path match no operation of the spec that serves its code. A spec serves
        the code under the nearest folder above it that holds a spec (or what `[tool.replaylint.apis]` says),
        and only once at least one of its operations matched a handler of that code: a vendored third-party
        spec is not the app's contract. Only handlers whose path is known are judged, in a folder where some
        handler serves an operation of the spec (a second app in the same repository, such as a command-line
        tool's local callback server or an internal UI API, is not held to the public spec).
    """
    why = """
        What the spec does not describe, no generated client or reviewer sees: its key, its replay lookup and
        its states are unchecked promises, and callers who find the route anyway cannot know how to repeat it
        safely.
    """
    fix = """
        Add the operation to the spec, with its intent key and what a repeat returns; or, if the route is
        internal, exempt it with the reason.
    """
    exempt = """
        `# replaylint: allow[RPL403] -- reason` above the handler (an internal or admin route).
    """
    references = """
        - OpenAPI Specification 3.1, "Paths Object"
    """
    bad = (
        Example(HANDLERS + REFUND, filename="app.py", others=(("openapi.yaml", SPEC),)),
    )
    good = (
        Example(HANDLERS, filename="app.py", others=(("openapi.yaml", SPEC),)),
    )

    def check(self, cross):
        for api in cross.apis:
            specs = ", ".join(spec["file"] for spec in api.specs)
            served = {folder(match.module["file"]) for match in api.matches}
            for module, handler in api.unmatched:
                if handler["mutating"] and handler["path"] and (api.configured or folder(module["file"]) in served):
                    methods = "/".join(handler["methods"])
                    cross.report(self, handler["span"],
                                 f"{methods} {shown_path(handler['path'])} (`{handler['label']}`) is a mutating "
                                 f"route that no "
                                 f"operation of {specs} describes",
                                 "add the operation to the spec with its intent key and what a repeat returns",
                                 handler["qualname"])
