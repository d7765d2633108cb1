from replaylint.rule import Example, Rule
from replaylint.vocabulary import read_as


class StatusWithoutProgressStates(Rule):
    code = "RPL110"
    name = "status-without-progress-states"
    severity = "info"
    summary = "A status enum of async work cannot say \"not started\" or \"in progress\""
    what = """
        Flags a status-like enum reached from a `202 Accepted` response or a status monitor (a GET below an
        operation that answers 202, or under `/operations`, `/jobs`, `/tasks`, `/status`) when it has only
        terminal states: nothing like `pending`, `queued`, `running` or `in_progress`. Synchronous operations,
        whose result is final when it is returned, are not flagged.
    """
    why = """
        Replay needs three answers, not two: "not started" (safe to send), "in progress" (wait, do not send
        again) and "done". A status with only `succeeded | failed` forces a caller who asks too early to guess,
        and a guess of "not started" sends the work twice.
    """
    fix = """
        Add non-terminal states: `not_started` or `pending`, and `running` or `in_progress`.
    """
    exempt = """
        `x-replaylint-allow: [{rule: RPL110, reason: "..."}]` on the operation.
    """
    references = """
        - Azure REST guidelines: NotStarted, Running, Succeeded, Failed, Canceled
        - Google AIP-216: -ING states for transitions, -ED states for rest
    """
    bad = (
        Example("""
paths:
  /exports:
    post:
      operationId: startExport
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the original response.
          schema: {type: string}
      responses:
        "202":
          description: accepted
          headers:
            Location: {schema: {type: string}}
        "409": {description: in flight}
  /exports/{exportId}:
    get:
      operationId: getExport
      parameters:
        - {name: exportId, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: the export
          content:
            application/json:
              schema:
                type: object
                properties:
                  state:
                    type: string
                    enum: [succeeded, failed]
"""),
    )
    good = (
        Example("""
paths:
  /exports:
    post:
      operationId: startExport
      parameters:
        - name: Idempotency-Key
          in: header
          required: true
          description: A repeat with the same key returns the original response.
          schema: {type: string}
      responses:
        "202":
          description: accepted
          headers:
            Location: {schema: {type: string}}
        "409": {description: in flight}
  /exports/{exportId}:
    get:
      operationId: getExport
      parameters:
        - {name: exportId, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: the export
          content:
            application/json:
              schema:
                type: object
                properties:
                  state:
                    type: string
                    enum: [not_started, running, succeeded, failed]
"""),
    )

    def check(self, spec):
        for status in spec.status_enums:
            if not status.asynchronous or status.acknowledgement or "not-started" in status.combined or \
                    "in-progress" in status.combined:
                continue  # an acknowledgement's one value is RPL109's
            spec.report(
                self, status.node,
                f"`{status.name}` ({', '.join(map(str, status.values))}) of "
                f"{'the status monitor ' if status.op.method == 'GET' else 'the async operation '}{status.op.label} "
                "cannot say \"not started\" or \"in progress\": a caller asking early must guess "
                f"({read_as(status.combined)})",
                f"add non-terminal states to `{status.name}` (e.g. not_started, running)",
                status.op, detail=status.name,
            )
