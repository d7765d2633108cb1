"""Shared helpers of the Python client-key rules (RPL201-RPL205): not a rule module itself."""
import re

from replaylint.lazy import LazyRegex
from replaylint.python.lazy import cst
from replaylint.python.model import dotted
from replaylint.python.sources import RETRY_DECORATORS, mentions_key_name
from replaylint.python.walk import calls_in

# Text shapes of a key sink: a key-named keyword or variable assigned (`idempotency_key=`), a key-named string
# used as a dict key or subscript (`"Idempotency-Key": `, `["Idempotency-Key"] =`), a header added by call, or
# an SDK call whose id is the key. Files without one are never parsed for the key rules. The key-name stems
# are checked first: the regex only runs on the few files that contain one.
SINK_CALLS = ("add_header", "putheader", "add_unredirected_header", "start_workflow", "start_execution")
_KEY_NAME = (r"(?:idempoten|de[-_]?dup|client[-_]?(?:request[-_]?)?token|request[-_]?token|creation[-_]?token|"
             r"caller[-_]?reference|paypal[-_]?request[-_]?id|unique[-_]?(?:request|transaction)[-_]?id|"
             r"operation[-_]?id|repeatability[-_]?request|client[-_]?order[-_]?id)")
_SINK_SHAPE = LazyRegex(
    _KEY_NAME + r"\w*\s*=(?!=)|"  # idempotency_key=..., client_token = ...
    + _KEY_NAME + r"[\w-]*[\"']\s*(?::|\]\s*=)|"  # {"Idempotency-Key": ...}, headers["X-Client-Token"] = ...
    r"[\"'](?:x-)?idempotency[-_]key[\"']|"  # a header name kept in a variable
    r"(?:add_header|putheader|setdefault|add_unredirected_header)\(\s*[\"']|start_workflow\(|start_execution\(",
    re.I)


_AIP155 = LazyRegex(r"\brequest_id\s*=(?!=)")  # Google Cloud's idempotency key on its request types


def key_prefilter(text: str) -> bool:
    if "google" in text and "request_id" in text and _AIP155.search(text) is not None:
        return True
    return (mentions_key_name(text) or any(call in text for call in SINK_CALLS)) and \
        _SINK_SHAPE.search(text) is not None


def key_sinks(ctx):
    """(function, flow, sink) for every key sink of every function of the module."""
    for info in ctx.model.scopes:
        flow = ctx.flow(info)
        for sink in flow.sinks:
            yield info, flow, sink


def regenerated_per_attempt(ctx, info, flow, sink) -> str | None:
    """Why a random key is made again for every attempt: a shared retry loop, a retry decorator, or a call
    from inside another function's retry loop."""
    taint = sink.taint
    if set(taint.loops) & set(sink.loops) & flow.retry_loops:
        return "inside the retry loop that sends it"
    local = ctx.model.module_functions()
    for qualified, decorator in info.decorators:
        if qualified in RETRY_DECORATORS or (qualified in local and "retry" in qualified.lower()):
            return f"inside a function retried by @{qualified}"
        if _retried_task(qualified, decorator, info):
            return f"inside a task that @{qualified} runs again on failure"
    for caller in ctx.model.functions:
        if caller is not info and info.name in ctx.flow(caller).retried_calls:
            return f"in `{info.name}`, which `{caller.name}` calls from its retry loop"
    return None


def _retried_task(qualified: str, decorator, info) -> bool:
    """A Celery task run again on failure: `@shared_task(autoretry_for=...)`, or one that calls
    `self.retry(...)` (each run makes its key again)."""
    if qualified.split(".")[-1] not in ("task", "shared_task"):
        return False
    call = decorator.decorator
    if isinstance(call, cst.Call) and any(arg.keyword is not None and arg.keyword.value == "autoretry_for"
                                          for arg in call.args):
        return True
    return any(dotted(found.func) == "self.retry" for found in calls_in(info.node.body))


def line_of(ctx, node) -> int:
    return ctx.positions.of(node)[0][0]
