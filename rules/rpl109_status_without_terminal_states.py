from replaylint.rule import Example, Rule
from replaylint.vocabulary import TERMINAL_EXAMPLES, read_as



class StatusWithoutTerminalStates(Rule):
    code = "RPL109"
    name = "status-without-terminal-states"
    severity = "warning"
    summary = "A status enum of a mutation or monitor lacks a success or a failure state"
    what = """
        Flags a status-like enum (a property named `status`, `state`, `phase`, `stage`, `outcome`, ... whose
        values are lifecycle words) in the response of a mutating operation or a status monitor when it has no
        success state (`succeeded`, `completed`, `done`, ...) or no failure-or-cancel state (`failed`, `error`,
        `cancelled`, `expired`, ...). A sibling enum of the same object (`conclusion`, `result`) or an `error`
        field supplies missing terminal states. Enums that are not lifecycles (`priority`, `open/closed`) are
        ignored. A write answered with one status value (`scheduled`, `STARTED`) only acknowledges it and
        is reported too, unless other branches of the answer give the field its other values. A lifecycle
        in its own verbs is read from its participles: `uploading` beside `uploaded` is work in progress
        and its success. A value the words cannot place is read from what the spec says it means
        (`x-enum-descriptions`, `x-enum-varnames`, `oneOf` of `const` + `description`, a description that
        lists `CASE_CLOSED: lost or withdrawn`), and in a lifecycle the operation's own verb done is its
        success (`refunded` for `/refund`). An enum is judged on the operation it belongs to: the answer itself,
        its list items, and properties that wrap it (`data`, `result`, `operation`) or name its resource
        (`order` for POST /orders); a nested `customer` is judged where customers are the answer. A monitor is a
        GET below a 202 operation's path or beside its action (`POST /reports/generate` and `GET
        /reports/{id}`), or one named like one (`/operations/{id}`). Extra words come from config (`[states]`).
    """
    why = """
        A caller that comes back to ask "how did it go?" needs an answer that ends the question. If the work
        can fail but the status cannot say so, the caller polls forever or assumes success; if it cannot say
        success, it repeats work that was done.
    """
    fix = """
        Add the missing terminal states: at least one success (`succeeded`) and one failure (`failed`; also
        `cancelled` if work can be cancelled), as Azure's `NotStarted | Running | Succeeded | Failed | Canceled`.
    """
    exempt = """
        `x-replaylint-allow: [{rule: RPL109, reason: "..."}]` on the operation, or map your words in config:
        `[tool.replaylint.states] failed = ["bounced"]`.
    """
    references = """
        - Azure REST guidelines, long-running operation status monitor
        - Google AIP-216 (states) and AIP-151 (done + error/response)
        - TypeSpec `lro-status-missing`
    """
    bad = (
        Example("""
paths:
  /jobs/{jobId}:
    put:
      operationId: startJob
      parameters:
        - {name: jobId, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: the job
          content:
            application/json:
              schema:
                type: object
                properties:
                  status:
                    type: string
                    enum: [queued, running, succeeded]
    get:
      operationId: getJob
      parameters:
        - {name: jobId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the job}
"""),
    )
    good = (
        Example("""
paths:
  /jobs/{jobId}:
    put:
      operationId: startJob
      parameters:
        - {name: jobId, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: the job
          content:
            application/json:
              schema:
                type: object
                properties:
                  status:
                    type: string
                    enum: [queued, running, succeeded, failed, cancelled]
                  priority:
                    type: string
                    enum: [low, high]
    get:
      operationId: getJob
      parameters:
        - {name: jobId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the job}
"""),
    )

    def check(self, spec):
        for status in spec.status_enums:
            missing = spec.states.missing_terminals(status.combined)
            if missing:
                spec.report(
                    self, status.node,
                    f"`{status.name}` ({', '.join(map(str, status.values))}) returned by {status.op.label} has no "
                    f"{' and no '.join(missing)} state: a caller cannot tell when the work is over "
                    f"({read_as(status.combined)})",
                    f"add {' and '.join(TERMINAL_EXAMPLES[label] for label in missing)} to `{status.name}`",
                    status.op, detail=status.name,
                )
