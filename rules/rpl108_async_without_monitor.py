from replaylint.openapi.semantics import accepted_responses, has_monitor
from replaylint.rule import Example, Rule


class AsyncWithoutMonitor(Rule):
    code = "RPL108"
    name = "async-without-monitor"
    severity = "warning"
    summary = "202 Accepted without a status resource to follow the work"
    what = """
        Flags a `202 Accepted` response that gives the caller no way to follow the work it started: no
        `Location`, `Operation-Location` or `Azure-AsyncOperation` header, no `x-ms-long-running-operation`, and
        no id (or ids) in the body with a GET that could read it (an item or jobs GET, or the collection's GET
        filtered by that id). An action on a resource (`POST /runs/{id}/cancel`) is followed on the
        resource only when the resource's GET shows a state: a policy whose `/apply` cascades cannot say how
        the cascade went.
    """
    why = """
        202 means "not done yet". A caller that is interrupted before the work ends, or a new caller picking up
        the task, must ask the server how it went. Without a status resource the only way to find out is to
        send the request again and start the work twice.
    """
    fix = """
        Return a `Location` (or `Operation-Location`) header naming a status resource, and a GET for it that
        reports not started / running / succeeded / failed.
    """
    exempt = """
        For fire-and-forget ingestion whose repetition is cheap, `x-replaylint: {harm: none, reason: "..."}`.
    """
    references = """
        - RFC 9110 §15.3.3 (202 Accepted)
        - Azure REST API guidelines: long-running operations and status monitors
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
        "202": {description: the export will start soon}
        "409": {description: in flight}
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
            Location:
              description: the status of the export
              schema: {type: string}
        "409": {description: in flight}
"""),
    )

    def check(self, spec):
        for op in spec.operations:
            if op.method in ("GET", "HEAD", "OPTIONS") or spec.harm(op).level == "none":
                continue  # a 202 on a read means "computing, ask again": the read is its own monitor
            for code, response in accepted_responses(op):
                if not has_monitor(op, response, spec.keys(op)):
                    spec.report(
                        self, op.response_node(code) or op.node,
                        f"{op.label} answers 202 Accepted with no way to follow the work: a caller who is "
                        "interrupted can only start it again",
                        "return a Location (or Operation-Location) header naming a status resource with a GET",
                        op, detail=code,
                    )
