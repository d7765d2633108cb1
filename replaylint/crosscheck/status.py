"""Status values on both sides, as plain data: the status enums of a spec operation's answer, and the status
types of a Python module (Enum classes, and models whose status-named field is a Literal or such an Enum),
so RPL404 can compare what the spec promises with what the code can return."""
from __future__ import annotations

import ast


def operation_statuses(op) -> list[dict]:
    """[{"field", "values", "span"}] of the status-named enums in the operation's 2xx answers (the answer
    itself, its list items, wrappers and the property naming its resource: `openapi.status.own_objects`)."""
    from ..openapi.schemas import enum_values, properties
    from ..openapi.status import _resource_words, own_objects
    from ..vocabulary import is_status_name

    found, seen = [], set()
    own = _resource_words(op)
    for code, response in op.responses.items():
        if not code.startswith("2"):
            continue
        for schema in op.response_schemas(response):
            for obj in own_objects(schema, own):
                for name, prop, _ in properties(obj):
                    values = enum_values(prop) if is_status_name(name) else None
                    if values and prop.identity not in seen:
                        seen.add(prop.identity)
                        span = prop.span()
                        found.append({"field": name, "values": [str(v) for v in values],
                                      "span": [span.path, span.line, span.column, span.end_line, span.end_column]})
    return found


def module_status_types(tree: ast.Module) -> dict:
    """{"enums": {Name: values}, "models": {Name: [[field, values or None, type name], ...]}} of a module:
    every Enum/Choices class (a project's own `AutoEnum` too), and every class with a status-named field."""
    from replaylint.rules.rpl304_status_model_without_terminal_states import (
        _dotted, _enum_values, _is_enum_base, _literal_values, _typed_name)
    from ..vocabulary import is_status_name

    enums, models = {}, {}
    for node in _classes(tree.body):
        if any(_is_enum_base(base) or _dotted(base).endswith(("Enum", "Choices")) for base in node.bases):
            enums[node.name] = [str(v) for v in _enum_values(node)]
            continue
        fields = [[s.target.id, _literal_values(s.annotation) or None, _typed_name(s.annotation)]
                  for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                  and is_status_name(s.target.id)]
        if fields:
            models[node.name] = fields
    return {"enums": enums, "models": models} if enums or models else {}


def code_statuses(model_name: str, types: list[dict]) -> list[dict]:
    """[{"field", "values", "type"}] of the response model `model_name`, from the first module of `types`
    (ordered nearest first) that defines it; its Enum fields resolved in that module first, then in the
    others in order (two modules may each have an `OrderStatus`)."""
    for position, summary in enumerate(types):
        fields = summary.get("models", {}).get(model_name)
        if fields:
            nearest = [summary, *types[:position], *types[position + 1:]]
            enums = {}
            for other in reversed(nearest):  # the nearest definition of a name wins
                enums.update(other.get("enums", {}))
            return [{"field": field, "values": values or enums[typed], "type": typed}
                    for field, values, typed in fields if values or typed in enums]
    return []


def _classes(body: list):
    """The class definitions of a module and of the classes in it (also under `if`/`try` at module level),
    without walking every expression the way `ast.walk` would."""
    for statement in body:
        if isinstance(statement, ast.ClassDef):
            yield statement
            yield from _classes(statement.body)
        elif isinstance(statement, (ast.If, ast.Try)):
            yield from _classes(statement.body + statement.orelse + getattr(statement, "finalbody", []) +
                                [line for handler in getattr(statement, "handlers", []) for line in handler.body])
