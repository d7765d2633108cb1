"""Status and state enums of mutations and monitors, classified by the state vocabulary (RPL109, RPL110)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..vocabulary import is_status_name, squash, words
from .model import MUTATING, Operation, normalise_path, path_segments
from .refs import Node
from .schemas import COMBINERS, enum_values, properties, value_texts
from .semantics import MONITOR_SEGMENTS, REPORT_SEGMENTS, accepted_responses

# Sibling fields that carry the failure of the work, so the status itself need not (AIP-151 `error`, GitHub's
# `conclusion`).
FAILURE_PROPERTIES = {squash(n) for n in ("error", "errors", "failure_reason", "failure_code", "failure_message",
                                          "last_error", "error_message", "error_code", "failure", "conclusion",
                                          "outcome")}


@dataclass
class StatusEnum:
    name: str
    node: Node  # the property schema holding the enum
    values: list
    classified: dict  # kind -> values, for this enum
    combined: dict  # kind -> values, with sibling status enums and error fields of the same object
    op: Operation
    asynchronous: bool = False  # reached from a 202 response or a status monitor
    acknowledgement: bool = False  # one value that only says the write was taken (`scheduled`, `STARTED`)


def find_status_enums(spec) -> list[StatusEnum]:
    """Every lifecycle-like status enum in responses of mutating operations and monitors, once each."""
    found: dict[tuple, StatusEnum] = {}
    monitors = _monitor_routes(spec)
    targets = []  # (asynchronous, op, code): async first, so a schema seen there is not walked again as sync
    for op in spec.operations:
        monitor = op.method == "GET" and normalise_path(op.path) in monitors
        if op.method in MUTATING or monitor:
            targets.extend((monitor or code == "202", op, code) for code in op.responses if code.startswith("2"))
    acknowledgements: dict[tuple, list] = {}  # (operation, field) -> its one-value enums
    lifecycles: set[tuple] = set()  # (operation, field) of every operation whose answer has the field's lifecycle
    for asynchronous, op, code in sorted(targets, key=lambda t: not t[0]):
        own = resource_words(op)
        whole = op.method == "GET" and _names_a_monitor(op)
        for schema in op.response_schemas(op.responses[code]):
            for obj in own_objects(schema, own, whole=whole):
                _collect(spec, obj, op, asynchronous, found, acknowledgements, lifecycles)
    return [*found.values(), *_acknowledged(acknowledgements, lifecycles)]


class _OneValue(NamedTuple):
    """A status field answered with one value, as one object of an answer holds it."""

    name: str
    prop: Node
    values: list
    classified: dict
    failure_field: bool
    op: Operation


def _acknowledged(acknowledgements: dict[tuple, list[_OneValue]], lifecycles: set[tuple]) -> list[StatusEnum]:
    """A write whose answer's status has one value that says taken, not done (`scheduled`, `STARTED`) only
    acknowledges it: one finding per operation and field, judged on every value the field has in that answer
    (the branches of a `oneOf` may each hold one)."""
    out = []
    for key, members in acknowledgements.items():
        if key in lifecycles:
            continue  # another branch of the answer holds the field's whole lifecycle
        combined: dict[str, list] = {}
        for member in members:
            for kind, values in member.classified.items():
                combined.setdefault(kind, [])
                combined[kind] += [value for value in values if value not in combined[kind]]
        if any(member.failure_field for member in members):
            combined.setdefault("failed", []).append("(error field)")
        values = list(dict.fromkeys(value for member in members for value in member.values))
        first = members[0]
        out.append(StatusEnum(first.name, first.prop, values, combined, combined, first.op, acknowledgement=True))
    return out


# Properties that wrap the operation's own result rather than name another resource.
WRAPPERS = frozenset("data attributes result results item items value values operation job task run response payload "
                     "record entity resource body".split())


def _names_a_monitor(op: Operation) -> bool:
    """`GET /videos/{id}/status`, `GET /operations/{id}`: a route that exists to report on work, so every part
    of its answer (`ingest.status`, `encoding.status`) is about that work."""
    literal = [s.lower() for s in op.literal_segments]
    return bool(literal) and literal[-1] in REPORT_SEGMENTS


def own_objects(schema: Node, own_words: frozenset, depth: int = 0, seen: set | None = None, whole: bool = False):
    """The object schemas that describe what the operation itself made or reports on: the response, its list
    items and combiners, and properties that wrap it (`data`, `result`, `operation`) or name its resource
    (`order` in the answer of POST /orders). A nested `customer` or `payment_method` is another resource: its
    status is judged where that resource is the answer, not here. `whole`: a monitor's answer, all of it
    (two levels down) about the work."""
    seen = set() if seen is None else seen
    if schema is None or not schema.is_map() or depth > 4 or schema.identity in seen:
        return
    seen.add(schema.identity)
    yield schema
    value = schema.value
    for key in (*COMBINERS, "items", "additionalProperties"):
        child = schema.get(key) if key in value else None
        if child is None:
            continue
        for branch in (child.elements() if key in COMBINERS else [child]):
            yield from own_objects(branch, own_words, depth, seen, whole)
    for name, prop, _ in properties(schema):
        if squash(name) in WRAPPERS or squash(name) in own_words or (whole and depth < 2):
            yield from own_objects(prop, own_words, depth + 1, seen, whole)


def resource_words(op: Operation) -> frozenset:
    """`order`, `orders` for POST /orders and POST /orders/{id}/cancel: the last literal noun of the path."""
    found = set()
    for segment in reversed(op.literal_segments):
        for word in words(segment.split(":")[0].split(".")[0]):
            found.update((word, word[:-1] if word.endswith("s") else word, word[:-3] + "y" if word.endswith("ies")
                          else word))
        if len(found) >= 2:
            break
    return frozenset(squash(w) for w in found)


def _verbs(op: Operation) -> tuple[str, ...]:
    """The verbs an operation is named by (`refund` in POST /charges/{id}/refund or refundCharge): what its
    answer's `refunded` says was done."""
    named = [w for s in op.literal_segments for w in words(s.split(":")[-1])][-1:]
    return tuple(dict.fromkeys([*named, *words(op.operation_id)[:1]]))


def _collect(spec, obj: Node, op: Operation, asynchronous: bool, found: dict, acknowledgements: dict,
             lifecycles: set) -> None:
    props = properties(obj)
    statuses = []
    failure_field = any(squash(name) in FAILURE_PROPERTIES for name, _, _ in props)
    for name, prop, _ in props:
        if not is_status_name(name) or (prop.is_map() and prop.value.get("deprecated") is True):
            continue  # a deprecated field is on its way out: not worth a finding
        values = enum_values(prop)
        if not values:
            continue
        classified = spec.states.classify(values, value_texts(prop, values), _verbs(op))
        resting = spec.states.is_resource_state(classified, values) and \
            not (asynchronous and "in-progress" in classified)  # a 202's thing in flight can fail unseen
        if spec.states.is_lifecycle(classified, values) and not resting:
            statuses.append((name, prop, values, classified))
            lifecycles.add((op.anchor, squash(name)))
        elif len(values) == 1 and set(classified) & {"not-started", "in-progress"} and op.method in MUTATING:
            # `scheduled`, `STARTED`: taken, not done (a one-value `success` or `deleted` is a plain answer)
            acknowledgements.setdefault((op.anchor, squash(name)), []).append(
                _OneValue(name, prop, values, classified, failure_field, op))
    if not statuses:
        return
    combined: dict[str, list] = {}
    for _, _, _, classified in statuses:
        for kind, values in classified.items():
            combined.setdefault(kind, []).extend(values)
    if failure_field:
        combined.setdefault("failed", []).append("(error field)")
    for name, prop, values, classified in statuses:
        existing = found.get(prop.identity)
        if existing is not None:
            existing.asynchronous = existing.asynchronous or asynchronous
            continue
        found[prop.identity] = StatusEnum(name, prop, values, classified, combined, op, asynchronous)


def _monitor_routes(spec) -> set[str]:
    """GET routes that report on started work: below an operation that answers 202, or named like a monitor."""
    routes = set()
    async_bases = set()
    for op in spec.operations:
        if accepted_responses(op):
            base = normalise_path(op.path)
            async_bases.add(base)
            parent, _, last = base.rpartition("/")
            if parent and not last.startswith("{}"):  # POST /reports/generate answers 202: GET /reports/{id}
                async_bases.add(parent)
    for route, methods in spec.routes.items():
        if "GET" not in methods:
            continue
        if {s.lower() for s in path_segments(route)} & MONITOR_SEGMENTS:
            routes.add(route)
        elif async_bases and _below_a_parameter_of(route, async_bases):
            routes.add(route)
    return routes


def _below_a_parameter_of(route: str, bases: set[str]) -> bool:
    """`/jobs/{}` or `/jobs/{}/result` below the base `/jobs`: one set lookup per segment (not a scan of every
    base for every route, which grows with the square of the operations)."""
    parts = route.split("/")
    return any(part.startswith("{}") and "/".join(parts[:index]) in bases for index, part in enumerate(parts))
