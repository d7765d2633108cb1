"""The OpenAPI view the spec rules read: a spec, its operations, their inputs and outputs, `$ref`s followed.

Works the same on Swagger 2.0 and OpenAPI 3.0/3.1; rules never look at version differences.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from ..lazy import LazyRegex
from .refs import Node
from .schemas import has_broken_ref

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_TEMPLATE_PARAM = LazyRegex(r"\{[^}/]*\}")


def why_not_a_spec(data) -> str:
    """Why parsed data is no OpenAPI document, for the one-line problem that says so."""
    if data is None:
        return "the file is empty"
    if not isinstance(data, dict):
        return f"the top level is {'a list' if isinstance(data, list) else 'a scalar'}, not a mapping"
    for key in ("openapi", "swagger"):
        if key in data:
            return f"its `{key}` field is not a version number"
    return "no top-level openapi or swagger key"


def spec_version(data) -> str | None:
    """'2.0', '3.0' or '3.1' for an OpenAPI document, None for anything else."""
    if not isinstance(data, dict):
        return None
    if "swagger" in data:
        return "2.0"
    version = data.get("openapi")
    if isinstance(version, str) and version.startswith("3.1"):
        return "3.1"
    if isinstance(version, (str, float, int)):
        return "3.0"
    return None


@lru_cache(maxsize=8192)  # every rule asks for the routes of every operation
def normalise_path(path: str) -> str:
    """`/orders/{orderId}` and `/orders/{id}` are the same route; `/responses?beta=true` is `/responses`."""
    return _TEMPLATE_PARAM.sub("{}", _route(path).rstrip("/") or "/")


def path_segments(path: str) -> list[str]:
    return [segment for segment in _route(path).split("/") if segment]


def _route(path: str) -> str:
    """A path key without the query or fragment some specs add to tell variants apart (not OpenAPI, but
    seen: `/responses/input_tokens?beta=true`)."""
    return path.split("?", 1)[0].split("#", 1)[0]


def is_param_segment(segment: str) -> bool:
    """`{orderId}`, and Twilio's `{CallSid}.json` (a parameter with a format suffix)."""
    if not segment.startswith("{"):
        return False
    end = segment.find("}")
    return end == len(segment) - 1 or (end > 0 and segment[end + 1:end + 2] == "." and
                                       segment[end + 2:].isalnum())


@dataclass
class Operation:
    spec: "Spec"
    method: str  # upper case
    path: str
    node: Node
    path_item: Node

    @property
    def anchor(self) -> str:
        return f"{self.method} {self.path}"

    @cached_property
    def literal_segments(self) -> list[str]:
        """The path's segments that are not parameters (`orders`, `refunds` of /orders/{id}/refunds): its
        nouns and verbs, which many heuristics read."""
        return [segment for segment in path_segments(self.path) if not is_param_segment(segment)]

    @property
    def operation_id(self) -> str:
        value = self.node.value.get("operationId")
        return value if isinstance(value, str) else ""

    @property
    def label(self) -> str:
        """How messages name the operation: `POST /orders (createOrder)`."""
        return f"{self.anchor} ({self.operation_id})" if self.operation_id else self.anchor

    @property
    def deprecated(self) -> bool:
        return self.node.value.get("deprecated") is True

    @property
    def tags(self) -> list[str]:
        tags = self.node.value.get("tags")
        return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []

    @property
    def text(self) -> str:
        """Summary and description, for heuristics that read what the author wrote."""
        parts = [self.node.value.get(key) for key in ("summary", "description")]
        return " ".join(part for part in parts if isinstance(part, str))

    @cached_property
    def parameters(self) -> list[Node]:
        """Path-level and operation-level parameters; the operation's win on the same (name, in)."""
        merged: dict[tuple, Node] = {}
        for owner in (self.path_item, self.node):
            params = owner.get("parameters")
            if params is None:
                continue
            for param in params.elements():
                if param.is_map():
                    name, location = param.value.get("name"), param.value.get("in")
                    merged[(str(name).lower(), location)] = param
        return list(merged.values())

    @cached_property
    def unresolved_inputs(self) -> bool:
        """A parameter, request body or body schema behind a `$ref` that could not be followed: what the
        operation accepts is unknown (the broken reference is reported as not analysed)."""
        for owner in (self.path_item, self.node):
            params = owner.child("parameters")
            if params is not None and isinstance(params.value, list):
                if any(param.deref() is None for param in (params.child(i) for i in range(len(params.value)))):
                    return True
        body = self.node.child("requestBody")
        if body is not None and body.deref() is None:
            return True
        resolved = body.deref() if body is not None else None
        content = resolved.get("content") if resolved is not None and resolved.is_map() else None
        for _, media in content.items() if content is not None else ():
            if media.is_map() and has_broken_ref(media.child("schema")):
                return True
        return any(param.value.get("in") == "body" and has_broken_ref(param.child("schema"))
                   for param in self.parameters)  # Swagger 2.0

    @cached_property
    def body_schemas(self) -> list[Node]:
        """Schemas of the request body: every media type of 3.x `requestBody`, or the 2.0 `in: body` param."""
        schemas = []
        body = self.node.get("requestBody")
        if body is not None and body.is_map():
            content = body.get("content")
            for _, media in content.items() if content is not None else ():
                schema = media.get("schema") if media.is_map() else None
                if schema is not None:
                    schemas.append(schema)
        for param in self.parameters:
            if param.value.get("in") == "body":
                schema = param.get("schema")
                if schema is not None:
                    schemas.append(schema)
        return schemas

    @cached_property
    def responses(self) -> dict[str, Node]:
        responses = self.node.get("responses")
        if responses is None:
            return {}
        return {str(code): response for code, response in responses.items() if response.is_map()}

    def response_node(self, code: str) -> Node | None:
        """Where the response `code` is written in the operation (not where a `$ref` leads)."""
        responses = self.node.get("responses")
        if responses is None or not responses.is_map():
            return None
        for key in responses.value:
            if str(key) == code:
                return responses.child(key)
        return None

    def response_headers(self, response: Node) -> dict[str, Node]:
        headers = response.get("headers")
        if headers is None:
            return {}
        return {str(name).lower(): header for name, header in headers.items()}

    def response_schemas(self, response: Node) -> list[Node]:
        schemas = []
        content = response.get("content")
        if content is not None:
            for _, media in content.items():
                schema = media.get("schema") if media.is_map() else None
                if schema is not None:
                    schemas.append(schema)
        schema = response.get("schema")  # Swagger 2.0
        if schema is not None:
            schemas.append(schema)
        return schemas

    def extension(self, name: str):
        return self.node.value.get(name)


class Spec:
    """One OpenAPI document and everything rules need to ask about it."""

    def __init__(self, root: Node, config):
        self.root = root
        self.config = config
        self.version = spec_version(root.value)
        self.reports: list[tuple] = []

    def close(self) -> None:
        """Drop everything read from the document (operations point back to the spec: a reference cycle).
        The spec is unusable afterwards."""
        vars(self).clear()

    @cached_property
    def operations(self) -> list[Operation]:
        ops = []
        paths = self.root.get("paths")
        if paths is None or not paths.is_map():
            return ops
        for path, item in paths.items():
            if not isinstance(path, str) or not item.is_map():
                continue
            for method in METHODS:
                op = item.get(method)
                if op is not None and op.is_map():
                    ops.append(Operation(self, method.upper(), path, op, item))
        return ops

    @cached_property
    def routes(self) -> dict[str, dict[str, Operation]]:
        """normalised path -> {METHOD: operation}."""
        table: dict[str, dict[str, Operation]] = {}
        for op in self.operations:
            table.setdefault(normalise_path(op.path), {})[op.method] = op
        return table

    @cached_property
    def get_filters(self) -> dict[str, set[str]]:
        """squashed query/header parameter name -> routes of GET operations that take it."""
        from ..vocabulary import squash

        index: dict[str, set[str]] = {}
        for op in self.operations:
            if op.method == "GET":
                for param in op.parameters:
                    if param.value.get("in") in ("query", "header"):
                        index.setdefault(squash(str(param.value.get("name"))), set()).add(normalise_path(op.path))
        return index

    @cached_property
    def item_params(self) -> dict[str, set[str]]:
        """collection route -> squashed names of the parameter that addresses its items (/things/{thing_id})."""
        from ..vocabulary import squash

        index: dict[str, set[str]] = {}
        for op in self.operations:
            segments = path_segments(op.path)
            if len(segments) >= 2 and is_param_segment(segments[-1]) and not is_param_segment(segments[-2]):
                collection = normalise_path("/" + "/".join(segments[:-1]))
                index.setdefault(collection, set()).add(squash(segments[-1][1:-1]))
        return index

    def has_get(self, path: str) -> bool:
        return "GET" in self.routes.get(normalise_path(path), {})

    def report(self, rule, node: Node, message: str, fix: str, op: Operation | None = None, detail: str = "",
               severity: str | None = None) -> None:
        self.reports.append((rule, node, message, fix, op, detail, severity))
