"""Words shared by the spec and Python analyses: intent-key names, tracing ids, status words.

Names are compared normalised (case-insensitive; `-`, `_` and spaces alike), so `Idempotency-Key`,
`idempotency_key` and `IDEMPOTENCY-KEY` are one name. Config extends every list.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .lazy import LazyRegex

# --- names ------------------------------------------------------------------------------------------------


_NOT_ALNUM = LazyRegex(r"[^a-z0-9]")


@lru_cache(maxsize=8192)  # the same property and header names come back thousands of times
def squash(name: str) -> str:
    """`X-Idempotency_Key` -> `xidempotencykey`: the form all name comparisons use."""
    return _NOT_ALNUM.sub("", name.lower())


def singular_of(word: str) -> str:
    """`orders` -> `order`, `policies` -> `policy`, `addresses` -> `address` (the nouns of paths)."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ses") or word.endswith("xes"):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


_CAMEL = LazyRegex(r"([a-z0-9])([A-Z])")
_ACRONYM = LazyRegex(r"([A-Z]+)([A-Z][a-z])")
_SEPARATORS = LazyRegex(r"[^a-zA-Z0-9]+")


@lru_cache(maxsize=8192)  # operation names are split by several rules
def words(name: str) -> tuple[str, ...]:
    """Split camelCase, snake_case, kebab-case and path text into lower-case words."""
    spaced = _ACRONYM.sub(r"\1 \2", _CAMEL.sub(r"\1 \2", name))
    return tuple(w for w in _SEPARATORS.split(spaced.lower()) if w)


# Headers that carry an intent key (besides anything containing "idempoten").
INTENT_HEADER_NAMES = (
    "PayPal-Request-Id", "Repeatability-Request-ID", "X-Unique-Transaction-ID", "Operation-Id",
    "Client-Token", "X-Client-Token", "Client-Request-Token", "X-Client-Request-Token", "X-Dedup-Key",
    "X-Deduplication-Id", "Request-Idempotency-Key",
)
INTENT_HEADERS = {squash(h) for h in INTENT_HEADER_NAMES}
# Body and query fields that carry an intent key (besides anything containing "idempoten" or "dedup").
INTENT_FIELD_NAMES = (
    "idempotency_key", "idempotencyToken", "client_token", "clientToken", "client_request_token",
    "ClientRequestToken", "caller_reference", "CallerReference", "unique_request_id", "operation_id_key",
    "client_order_id", "newClientOrderId",  # trading APIs (Binance, Coinbase): the client's id dedupes the order
)
INTENT_FIELDS = {squash(f) for f in INTENT_FIELD_NAMES}
# Names that are tracing or correlation ids: never intent keys, whatever they are called.
TRACING_NAMES = {
    squash(h)
    for h in (
        "X-Request-Id", "Request-Id", "X-Correlation-Id", "Correlation-Id", "traceparent", "tracestate",
        "x-ms-client-request-id", "x-ms-request-id", "client-request-id", "X-Amzn-Trace-Id", "X-Amzn-RequestId",
        "X-B3-TraceId", "X-B3-SpanId", "X-Trace-Id", "Trace-Id", "X-Cloud-Trace-Context", "Heroku-Request-Id",
        "X-Client-Request-Id", "X-Span-Id", "X-Transaction-Id", "X-Session-Id", "X-Tracking-Id", "Request-Context",
        "X-Request-Context", "uber-trace-id", "sentry-trace", "X-Flow-Id", "Flow-Id",
    )
}
# `request_id`-like names are keys only when described as such (Google AIP-155) ...
AMBIGUOUS_REQUEST_IDS = {squash(n) for n in ("request_id", "requestId", "x-request-id", "client_request_id")}
# ... which the description says with one of these words.
KEY_DESCRIPTION = LazyRegex(r"idempoten|dedup|de-dup|duplicate|retr(y|ies|ied)|replay|same request", re.I)


def is_intent_header(name: str, extra: set[str] = frozenset()) -> bool:
    key = squash(name)
    return "idempoten" in key or key in INTENT_HEADERS or key in extra


def is_intent_field(name: str, extra: set[str] = frozenset()) -> bool:
    """A body or query field named like a key, or like a key header (Azure's `repeatabilityRequestId`); not
    `operation_id`, which as a field names a long-running operation."""
    key = squash(name)
    return "idempoten" in key or "dedup" in key or key in INTENT_FIELDS or key in extra or \
        (key in INTENT_HEADERS and key != "operationid")


def is_tracing_name(name: str) -> bool:
    key = squash(name)
    return key in TRACING_NAMES or key in AMBIGUOUS_REQUEST_IDS or "correlation" in key or key.endswith("traceid")


def describes_key(description) -> bool:
    return isinstance(description, str) and bool(KEY_DESCRIPTION.search(description))


# --- states -----------------------------------------------------------------------------------------------

STATE_WORDS = {
    "not-started": """notstarted pending queued submitted accepted received scheduled created new open waiting
        validating draft initialized initialised requested enqueued unprocessed""",
    "in-progress": """running inprogress processing started executing active creating updating deleting
        provisioning finalizing finalising intransit retry retrying cancelling canceling pendingredrive
        suspending working sending receiving inflight ongoing building deploying starting stopping
        transferring uploading importing exporting""",
    "succeeded": """succeeded success successful completed complete done finished fulfilled paid settled
        approved captured delivered successcriteriamet sent available published built deployed merged
        applied verified posted ready connected passed fixed authorised authorized valid won processed ok
        signed provisioned registered consumed chargeable redeemed resolved confirmed enabled purchased online""",
    "failed": """failed failure error errored declined decline rejected timedout timeout terminated aborted
        failuretarget undelivered bounced reversed returned refused denied dismissed invalidated unverified
        incomplete invalid lost stuck""",
    "cancelled": """canceled cancelled revoked voided void expired deleted withdrawn superseded""",
}
COMPOUND_QUALIFIERS = {"not", "non", "un", "pre", "partially", "partial"}
JOB_WORDS = {"queued", "scheduled", "submitted", "enqueued", "waiting"}  # these make `ready` the end of a job
TERMINAL_EXAMPLES = {"success": "a success state (succeeded)", "failure": "failure states (failed, cancelled)"}
ROLE_NAMES = {"not-started": "not started", "in-progress": "in progress", "succeeded": "success",
              "failed": "failure", "cancelled": "cancel"}


def read_as(classified: dict[str, list]) -> str:
    """`read as not started: queued; in progress: running; success: done`: which value took which role, so a
    user can see why a state was missed (and add a word under `[states]`)."""
    parts = [f"{ROLE_NAMES[kind]}: {', '.join(map(str, values))}" for kind, values in classified.items()
             if kind in ROLE_NAMES]
    return f"read as {'; '.join(parts)}" if parts else "no value read as a state"
RESTING_SUCCESS = {"active", "available", "enabled", "ready", "connected", "online"}
RELEASE_WORDS = {"resolved", "released", "lifted", "expired"}  # how a hold ends
# Words of a service that rests (a sandbox, an endpoint, a session): beside them `running` is how it is up,
# not work under way.
RESTING_WORDS = {"paused", "stopped", "idle", "sleeping", "suspended", "hibernated", "scaledtozero", "off",
                 "offline", "standby"}
FILTER_WORDS = {"all", "any"}  # `[open, closed, all]`: a filter over states, not a state
INDETERMINATE = {"unknown", "unspecified", "stateunspecified", "statusunspecified"}
STATUS_WORDS = ("state", "status", "phase", "stage", "outcome", "condition", "conclusion", "result")
_STATUS_ENDINGS = STATUS_WORDS + tuple(word + "s" for word in STATUS_WORDS)


def is_status_name(name: str) -> bool:
    """`status`, `jobState`, `run_phases`: a name that ends in a status word."""
    return squash(name).endswith(_STATUS_ENDINGS)


class StateVocabulary:
    """Classifies status values into not-started / in-progress / succeeded / failed / cancelled."""

    def __init__(self, extra: dict[str, list[str]] | None = None):
        self.kinds: dict[str, set[str]] = {kind: set(text.split()) for kind, text in STATE_WORDS.items()}
        for kind, extra_words in (extra or {}).items():
            self.kinds.setdefault(kind, set()).update(squash(word) for word in extra_words)

    def classify(self, values, texts: dict | None = None, verbs=()) -> dict[str, list[str]]:
        """kind -> the values of that kind, for the values that are words of the vocabulary. A value the words
        cannot place is read from what the spec says it means (`texts`: value -> description or name), or
        from the operation's own verbs (`refunded` in the answer of `/refund`)."""
        found: dict[str, list[str]] = {}
        normalised = {value: squash(str(value)) for value in values if isinstance(value, (str, int)) and
                      not isinstance(value, bool)}
        for value, word in normalised.items():
            if word in INDETERMINATE:
                continue
            kind = self._kind(word) or self._compound_kind(str(value)) or self._described_kind((texts or {}).get(value))
            if kind:
                found.setdefault(kind, []).append(str(value))
        self._done_by_the_operation(normalised, found, verbs)
        self._participle_pairs(normalised, found)
        here = set(normalised.values())

        def holds(kind: str, word: str) -> bool:
            return "succeeded" not in found and any(squash(v) == word for v in found.get(kind, []))

        # An approval lifecycle (pending -> accepted | declined): "accepted" is its success.
        if holds("not-started", "accepted") and {"declined", "rejected", "denied", "refused"} & here:
            self._success_is(found, "not-started", "accepted")
        # With no other success and no work in progress, "accepted" is how the lifecycle ends well (invitations).
        if holds("not-started", "accepted") and "in-progress" not in found and len(found) > 1:
            self._success_is(found, "not-started", "accepted")
        # A sandbox that can pause is up when it runs (a queued job is not).
        if holds("in-progress", "running") and RESTING_WORDS & here and not JOB_WORDS & here:
            self._success_is(found, "in-progress", "running")
        # `active` is a resting success state for resources (AIP-216) but "in progress" for jobs.
        if holds("in-progress", "active"):
            self._success_is(found, "in-progress", "active")
        return found

    @staticmethod
    def _success_is(found: dict, kind: str, word: str) -> None:
        """The values of `kind` that are `word` are the lifecycle's success (what its other values say)."""
        moved = [v for v in found[kind] if squash(v) == word]
        found[kind] = [v for v in found[kind] if v not in moved]
        if not found[kind]:
            del found[kind]
        found["succeeded"] = moved

    @staticmethod
    def _done_by_the_operation(normalised: dict, found: dict, verbs) -> None:
        """`refunded` in the answer of `/refund`: the operation's own verb, done, is its success; only in a
        lifecycle the other values make already (`[active, disconnected]` of `/disconnect` is a link's
        resting state, not work that ends)."""
        if len(found) < 2 or "succeeded" in found:
            return
        done_words = {squash(verb) + ending for verb in verbs for ending in ("ed", "d")}
        known = {value for values in found.values() for value in values}
        done = [str(value) for value, word in normalised.items() if word in done_words and str(value) not in known]
        if done:
            found["succeeded"] = done

    def _described_kind(self, text) -> str | None:
        """The one state kind the words of a value's description name (`lost or withdrawn`, a failure and a
        cancel, is a failure); the few words after `not`/`no`/`never` do not count."""
        if not isinstance(text, str):
            return None
        kinds, negated = set(), 0
        for word in words(text)[:12]:
            if word in ("not", "no", "never", "without", "nor"):
                negated = 3  # `has not yet been completed`: the next few words are negated
                continue
            kind = None if negated else self._kind(squash(word))
            negated = max(0, negated - 1)
            if kind:
                kinds.add(kind)
        if kinds <= {"failed", "cancelled"} and len(kinds) == 2:
            return "failed"  # lost or withdrawn: it ended badly either way
        return kinds.pop() if len(kinds) == 1 else None

    @staticmethod
    def _participle_pairs(normalised: dict, found: dict) -> None:
        """`uploading` beside `uploaded`, `releasing` beside `released`: an enum that names work by its
        present participle and its end by the past one says which is which, whatever the verb. Once it does,
        its other unknown `-ing` values are work in progress too (`applying` beside `releasing`)."""
        known = {value for values in found.values() for value in values}
        unknown = {value: word for value, word in normalised.items() if str(value) not in known}
        going = {word[:-3] for word in normalised.values() if word.endswith("ing") and len(word) > 5}
        done = [value for value, word in unknown.items() if word.endswith("ed") and word[:-2] in going]
        if not done:
            return
        found.setdefault("succeeded", []).extend(str(value) for value in done)
        more = [str(value) for value, word in unknown.items() if word.endswith("ing") and len(word) > 5]
        if more:
            found.setdefault("in-progress", []).extend(more)

    def _kind(self, word: str) -> str | None:
        for kind, vocabulary in self.kinds.items():
            if word in vocabulary or (kind == "not-started" and word.startswith("requires")):
                return kind
        return None

    def _compound_kind(self, value: str) -> str | None:
        """`ACTION_FAILED`, `INTERNAL_ERROR`, `provisioning-failed`: the state a compound's last word says;
        its first only for a failure or a wait (`failed_retryable`, `pending_review`). Not `partially_paid`
        nor `ready_for_review`, which are on the way, nor negations."""
        parts = words(value)
        if len(parts) < 2 or parts[0] in COMPOUND_QUALIFIERS:
            return None
        if parts[0] in ("successfully", "success"):
            return "succeeded"  # `successfully_initialized`, `success_partial`: done, however it says the rest
        first = self._kind(parts[0])
        return self._kind(parts[-1]) or (first if first in ("failed", "cancelled", "not-started") else None)

    @staticmethod
    def missing_terminals(classified: dict[str, list[str]]) -> list[str]:
        """"success" and/or "failure" when the lifecycle cannot say it (RPL109, RPL304)."""
        return [label for kinds, label in ((("succeeded",), "success"), (("failed", "cancelled"), "failure"))
                if not any(kind in classified for kind in kinds)]

    def is_lifecycle(self, classified: dict[str, list[str]], values=()) -> bool:
        """Two values of two kinds at least, and not a filter over states (`[pending, running, all]`)."""
        if any(isinstance(v, str) and squash(v) in FILTER_WORDS for v in values):
            return False
        return sum(len(v) for v in classified.values()) >= 2 and len(classified) >= 2

    @staticmethod
    def is_resource_state(classified: dict[str, list[str]], values=()) -> bool:
        """The state of a resource (AIP-216), not of an operation, so nothing is missing: success only through
        resting words (active, available) and no failure; a thread that is `open` or `closed` (a discussion,
        a ticket, a pull request); or a hold that is `active` until it is resolved (two values)."""
        success = {squash(v) for v in classified.get("succeeded", [])}
        started = {squash(v) for v in classified.get("not-started", [])}
        progress = {squash(v) for v in classified.get("in-progress", [])}
        failures = len(classified.get("failed", [])) + len(classified.get("cancelled", []))
        if {"open", "closed"} <= {squash(str(v)) for v in values} and not progress and not started & JOB_WORDS:
            return True  # not `[open, queued, running, closed]`: work in it
        if progress == {"active"} and len(values) == 2 and success & RELEASE_WORDS and not failures:
            return True  # `[active, resolved]`; not `[active, completed]`, a run that can fail
        return bool(success) and success <= RESTING_SUCCESS and not failures and not started & JOB_WORDS
