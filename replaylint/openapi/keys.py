"""Recognise what an operation accepts as an intent key, and what only looks like one.

Kinds of key input:
- `intent`: a header, query, body or form field that names the caller's intent (Idempotency-Key, client_token,
  AIP-155 request_id described as a key, ...);
- `client-id`: a client-chosen resource id (PUT /things/{id}, AIP-133 `?thing_id=`, Kubernetes `metadata.name`);
- `precondition`: `If-Match` / `If-None-Match`, which make a repeat fail instead of applying twice;
- `implicit`: declared in config because the API accepts it without documenting it (Stripe);
- `tracing`: a request or correlation id: looks like a key, dedupes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..lazy import LazyRegex
from ..vocabulary import describes_key, is_intent_field, is_intent_header, is_tracing_name, singular_of, squash, words
from .model import Operation, is_param_segment, normalise_path, path_segments
from .refs import Node
from .schemas import nested_objects, properties


KEY_IN_WORDS = LazyRegex(r"idempotency[-_ ]?keys?\b", re.I)  # "each key is an idempotency-key"
DEDUPE_WORDS = LazyRegex(r"\b(ensur\w*|guarantee\w*|provid\w*|enabl\w*|for|allow\w*)\s+(the\s+)?"
                         r"(idempoten\w*|de-?dup\w*)|\bused\s+(to|for)\s+(de-?dup\w*|idempoten\w*)", re.I)
URL = LazyRegex(r"https?://\S+|\b[\w.-]+\.[a-z]{2,}/\S*", re.I)
NEGATION = LazyRegex(r"\b(not|no|never|instead of|unlike|other than)\b|n't\b")

VERSION_FIELDS = {squash(n) for n in ("version", "version_token", "etag", "expected_version", "lock_version",
                                      "if_match", "revision")}

KEY_KINDS = ("intent", "client-id", "precondition", "implicit")


@dataclass
class KeyInput:
    name: str
    location: str  # header | query | body | form | path | implicit
    kind: str  # intent | client-id | precondition | implicit | tracing
    required: bool
    node: Node | None  # the parameter or property; None for implicit keys
    schema: Node | None = None


class KeyFinder:
    """Finds key inputs of operations, with the config's extra header and field names."""

    def __init__(self, config):
        self.extra_headers = {squash(h) for h in config.key_headers}
        self.extra_fields = {squash(f) for f in config.key_fields}
        self.implicit = list(config.implicit_keys)

    def find(self, op: Operation) -> list[KeyInput]:
        found: list[KeyInput] = []
        for param in op.parameters:
            found.extend(self._from_parameter(op, param))
        for schema in op.body_schemas:
            found.extend(self._from_body(op, schema))
        found.extend(self._from_path(op))
        if op.method in ("POST", "PUT", "PATCH", "DELETE"):
            found.extend(KeyInput(name, "implicit", "implicit", False, None) for name in self.implicit)
        return found

    def _from_parameter(self, op: Operation, param: Node) -> list[KeyInput]:
        value = param.value
        name, location = value.get("name"), value.get("in")
        if not isinstance(name, str) or location not in ("header", "query", "formData", "cookie"):
            return []
        location = "form" if location == "formData" else location
        required = value.get("required") is True
        schema = param.get("schema")
        description = value.get("description") or (schema.value.get("description") if schema and schema.is_map()
                                                    else None)
        squashed = squash(name)
        if squashed in self.extra_headers or squashed in self.extra_fields:
            return [KeyInput(name, location, "intent", required, param, schema)]
        if _is_boolean(schema if schema is not None else param):  # 2.0 puts `type` on the parameter
            return []
        if location == "header":
            if squashed in ("ifmatch", "ifnonematch"):
                return [KeyInput(name, location, "precondition", required, param, schema)]
            if is_tracing_name(name):
                kind = "intent" if describes_key(description) else "tracing"
                return [KeyInput(name, location, kind, required, param, schema)]
            if is_intent_header(name):
                return [KeyInput(name, location, "intent", required, param, schema)]
            return []
        if is_tracing_name(name):
            kind = "intent" if describes_key(description) else "tracing"
            return [KeyInput(name, location, kind, required, param, schema)]
        if is_intent_field(name):
            return [KeyInput(name, location, "intent", required, param, schema)]
        if location == "query" and op.method == "POST" and _is_client_chosen_id(op, name):
            return [KeyInput(name, location, "client-id", required, param, schema)]
        return []

    def _from_body(self, op: Operation, schema: Node) -> list[KeyInput]:
        found = []
        for name, prop, required in properties(schema):
            found.extend(self._body_property(op, name, prop, required))
        if not any(key.kind == "intent" for key in found):
            # keys one or two levels down: a multipart JSON part, per-item keys of a bulk request
            for obj in nested_objects(schema, max_depth=3):
                if obj.identity == schema.identity:
                    continue
                for name, prop, _ in properties(obj):
                    found.extend(key for key in self._body_property(op, name, prop, False) if key.kind == "intent")
        item_params = op.spec.item_params.get(normalise_path(op.path), set())
        if op.method == "POST" and item_params:
            # POST /event-types with a required `name` that then addresses /event-types/{name}: a client-chosen id
            for name, prop, required in properties(schema):
                if required and squash(name) in item_params and _is_id_like(prop):
                    found.append(KeyInput(name, "body", "client-id", True, prop, prop))
        if op.method in ("POST", "PATCH") and any(is_param_segment(s) for s in path_segments(op.path)[-2:]):
            # optimistic concurrency on the resource the path names (`/invoices/{id}/cancel` with its `version`)
            for name, prop, required in properties(schema):
                if squash(name) in VERSION_FIELDS and (required or squash(name) != "version"):
                    found.append(KeyInput(name, "body", "precondition", required, prop, prop))
        return found

    def _body_property(self, op: Operation, name: str, prop: Node, required: bool) -> list[KeyInput]:
        description = prop.value.get("description") if prop.is_map() else None
        if _is_boolean(prop):
            return []  # `is_idempotent: true` says something of the request; a key is a value
        squashed = squash(name)
        if squashed in self.extra_fields:
            return [KeyInput(name, "body", "intent", required, prop, prop)]
        if is_tracing_name(name):
            return [KeyInput(name, "body", "intent" if describes_key(description) else "tracing", required, prop, prop)]
        if is_intent_field(name) or _described_as_the_key(description) or \
                (words(name)[-1:] in (("id",), ("key",), ("token",), ("reference",)) and _said_to_dedupe(description)):
            return [KeyInput(name, "body", "intent", required, prop, prop)]
        if squashed == "metadata" and op.method == "POST":
            meta = {n: (p, r) for n, p, r in properties(prop)}
            if "name" in meta and "generateName" in meta:  # Kubernetes ObjectMeta: name idempotency
                return [KeyInput("metadata.name", "body", "client-id", meta["name"][1], meta["name"][0])]
        return []

    def _from_path(self, op: Operation) -> list[KeyInput]:
        """A PUT to `/things/{id}` names its resource: the client chose the id, a repeat hits the same one.
        So does a POST to `/things/{id}` that a GET on the same path reads back (create at a chosen address)."""
        segments = path_segments(op.path)
        # a POST that creates (201) at an address the GET of the same path reads: the client chose the address
        addressed = op.method == "PUT" or (op.method == "POST" and "201" in op.responses and op.spec.has_get(op.path))
        if addressed and segments and is_param_segment(segments[-1]):
            name = segments[-1][1:segments[-1].index("}")]  # `{name}`, `{name}.json`
            param = next((p for p in op.parameters if p.value.get("name") == name and p.value.get("in") == "path"),
                         None)
            return [KeyInput(name, "path", "client-id", True, param or op.node)]
        return []


def _is_boolean(schema: Node | None) -> bool:
    """`type: boolean`, or 3.1's `type: [boolean, "null"]`."""
    kind = schema.value.get("type") if schema is not None and schema.is_map() else None
    return kind == "boolean" or (isinstance(kind, list) and "boolean" in kind and
                                 all(k in ("boolean", "null") for k in kind))


def _described_as_the_key(description) -> bool:
    """"Each key is an idempotency-key", not "this is not the Idempotency-Key (send that as a header)"."""
    return _said(KEY_IN_WORDS, description)


def _said_to_dedupe(description) -> bool:
    """Lago's `transaction_id`: "crucial for ensuring idempotency", "used to deduplicate events"; not a link
    to an idempotency guide, nor "is not idempotent"."""
    return _said(DEDUPE_WORDS, URL.sub(" ", description) if isinstance(description, str) else None)


def _said(pattern, text) -> bool:
    """`pattern` occurs in the text with no negation in the few words before it."""
    if not isinstance(text, str):
        return False
    return any(not NEGATION.search(text[max(0, match.start() - 24):match.start()].lower())
               for match in pattern.finditer(text))


def _is_id_like(schema: Node) -> bool:
    """A scalar that can name a resource (not an uploaded file or an object)."""
    value = schema.value if schema.is_map() else {}
    return value.get("type", "string") in ("string", "integer") and value.get("format") not in ("binary", "byte")


def _is_client_chosen_id(op: Operation, name: str) -> bool:
    """AIP-133: `POST /publishers/{p}/books?book_id=...` lets the client choose the new resource's id."""
    literal = op.literal_segments
    if not literal:
        return False
    noun = words(literal[-1].split(":")[0])
    if not noun:
        return False
    singular = singular_of(noun[-1])
    return squash(name) in (f"{singular}id", f"{singular}name")


def intent_keys(keys: list[KeyInput]) -> list[KeyInput]:
    return [key for key in keys if key.kind in KEY_KINDS]
