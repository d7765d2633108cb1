from replaylint.rule import Example, Rule
from replaylint.vocabulary import StateVocabulary, squash

SPEC = """
paths:
  /exports:
    post:
      operationId: startExport
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the first export.
          schema: {type: string}
      responses:
        "201":
          description: the export
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
                  status: {type: string, enum: [queued, running, succeeded, failed, cancelled]}
        "409": {description: an export with this key is in flight}
    get:
      operationId: findExport
      parameters:
        - {name: idempotency_key, in: query, schema: {type: string}}
      responses:
        "200": {description: the export started with this key, if any}
  /exports/{exportId}:
    get:
      operationId: getExport
      parameters:
        - {name: exportId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the export}
"""

HANDLER = """
import enum

from fastapi import FastAPI, Header
from pydantic import BaseModel

app = FastAPI()


class ExportStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
{extra}

class Export(BaseModel):
    id: str
    status: ExportStatus


@app.post("/exports", response_model=Export)
async def start_export(idempotency_key: str = Header(..., alias="Idempotency-Key")):
    return await exports.start_once(idempotency_key)
"""


class StatusValuesDisagree(Rule):
    code = "RPL404"
    name = "status-values-disagree"
    severity = "warning"
    target = "project"
    summary = "The status values the code can return and the spec's status enum differ"
    what = """
        Compares the status enum of a spec operation's answer with the status field of the response model of
        the handler that serves it (`response_model=` or the return annotation; the field's `Literal[...]` or
        `Enum`, also one written in another module) and flags the values only one side has, naming the
        terminal ones (success, failure, cancellation). Two lists are compared only when they share at least
        half of the shorter one (else they are different things in fields of the same name), and only for
        handlers that name their response model.
    """
    why = """
        A caller who comes back after forgetting decides from the status whether the work is over. A terminal
        value the spec lacks (`failed` returned but not documented) breaks generated clients that validate the
        enum, exactly when the outcome matters; a terminal value only the spec has (`failed` documented, never
        returned) tells the caller to wait for an end the code never reports.
    """
    fix = """
        Make the two lists agree: add the missing value to the spec's enum or to the code's Enum/Literal (and
        return it where the work fails), or remove the one that cannot happen.
    """
    exempt = """
        `# replaylint: allow[RPL404] -- reason` above the handler (a value kept for old clients).
    """
    references = """
        - The founding essay: "a way to distinguish in progress from done from not started"
        - OpenAPI Specification 3.1, "Schema Object" (`enum`)
    """
    bad = (
        Example(HANDLER.format(extra=""), filename="app.py", others=(("openapi.yaml", SPEC),)),
    )
    good = (
        Example(HANDLER.format(extra='    CANCELLED = "cancelled"\n'), filename="app.py", others=(("openapi.yaml", SPEC),)),
    )

    def check(self, cross):
        states = StateVocabulary(cross.config.states if cross.config else None)
        for match in cross.matches:
            for code_field in cross.code_statuses(match):
                spec_field = _counterpart(code_field, match.operation.get("statuses", []))
                if spec_field is None:
                    continue
                only_code = _squashed(code_field["values"]) - _squashed(spec_field["values"])
                only_spec = _squashed(spec_field["values"]) - _squashed(code_field["values"])
                if not only_code and not only_spec:
                    continue
                said = []
                if only_spec:
                    said.append(f"the spec's `{spec_field['field']}` lists "
                                f"{_names(states, spec_field, only_spec)} that "
                                f"`{code_field['type'] or code_field['field']}` never has")
                if only_code:
                    said.append(f"the code can return {_names(states, code_field, only_code)}, which the "
                                f"spec's enum lacks")
                cross.report(self, match.handler["span"],
                             f"`{match.handler['label']}` answers {match.operation['label']}, but "
                             f"{' and '.join(said)}: a caller cannot rely on the status to know where the work "
                             f"stands",
                             "make the status values agree: add the missing value to the spec's enum or to the "
                             "code's Enum/Literal, or remove the one that cannot happen",
                             match.handler["qualname"], code_field["field"])


def _counterpart(code_field: dict, spec_fields: list[dict]) -> dict | None:
    """The spec's field of the same name that tells the same enum (an answer may hold `status` twice: its
    own and a wrapped item's); the one sharing the most values."""
    same_name = [s for s in spec_fields if squash(s["field"]) == squash(code_field["field"])
                 and _same_enum(code_field["values"], s["values"])]
    return max(same_name, key=lambda s: len(_squashed(s["values"]) & _squashed(code_field["values"])),
               default=None)


def _same_enum(code: list, spec: list) -> bool:
    """Two lists that share at least half of the shorter one are one enum told twice; lists that share less
    are two different things that happen to sit in fields of the same name (a wrapper's and the item's)."""
    common = _squashed(code) & _squashed(spec)
    return bool(common) and 2 * len(common) >= min(len(_squashed(code)), len(_squashed(spec)))


def _squashed(values: list) -> set[str]:
    return {squash(str(v)) for v in values}


def _names(states: StateVocabulary, field: dict, wanted: set[str]) -> str:
    """`cancelled` (a failure state), `paused`: the values, with the terminal role of each when known."""
    roles = {squash(v): kind for kind, values in states.classify(field["values"]).items() for v in values}
    labels = {"succeeded": "a success state", "failed": "a failure state", "cancelled": "a cancellation state"}
    return ", ".join(f"`{v}`" + (f" ({labels[roles[squash(str(v))]]})" if roles.get(squash(str(v))) in labels else "")
                     for v in field["values"] if squash(str(v)) in wanted)
