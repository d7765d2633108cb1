"""Status values on both sides, as plain data: the status enums of a spec operation's answer, and the status
types of a Python module (Enum classes, and models whose status-named field is a Literal or such an Enum),
so RPL404 can compare what the spec promises with what the code can return."""
from __future__ import annotations

import ast
import re


def operation_statuses(op) -> list[dict]:
    """[{"field", "values", "span"}] of the status-named enums in the operation's 2xx answers (the answer
    itself, its list items, wrappers and the property naming its resource: `openapi.status.own_objects`)."""
    from ..openapi.schemas import enum_values, properties
    from ..openapi.status import own_objects, resource_words
    from ..vocabulary import is_status_name

    found, seen = [], set()
    own = resource_words(op)
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


def module_status_types(tree: ast.Module, module: str = "", package: bool = False) -> dict:
    """{"enums": {Name: values}, "models": {Name: [[field, values or None, type name], ...]}, "imports":
    {type name: qualified name}} of a module: every Enum/Choices class (a project's own `AutoEnum` too), every
    class with a status-named field, and where the types those fields name are imported from."""
    from .django_urls import _imports
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
    imports = _imports(tree, module, package)
    sources = {}  # type name -> where it comes from (`schemas.statuses.DeploymentStatus` through `schemas`)
    for node in _classes(tree.body):
        for statement in node.body if node.name in models else ():
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and \
                    is_status_name(statement.target.id):
                typed = _typed_name(statement.annotation)
                dotted = re.search(r"([\w.]*\b%s)\b" % re.escape(typed), ast.unparse(statement.annotation)) \
                    if typed else None
                head = dotted.group(1).split(".")[0] if dotted else ""
                if head in imports:
                    sources[typed] = imports[head] + dotted.group(1)[len(head):]
    return {"enums": enums, "models": models, "imports": sources} if enums or models else {}


def code_statuses(model_name: str, types: list[tuple[str, dict]], qualified: str = "") -> list[dict]:
    """[{"field", "values", "type"}] of the response model `model_name`, from the first module of `types`
    ((module name, its status types), nearest the handler first) that defines it. An Enum field is resolved
    where the model's module gets it: its own class, the module it imports it from, else the module nearest
    the model's (two modules may each have an `OrderStatus`)."""
    from .django_urls import same_module
    from .routes import folder

    owner = qualified.rpartition(".")[0]
    if owner:  # the model's own module first, when the handler's imports say which it is
        types = sorted(types, key=lambda pair: not same_module(pair[0], owner))
    for module, summary in types:
        fields = summary.get("models", {}).get(model_name)
        if not fields:
            continue
        found = []
        for field, values, typed in fields:
            values = values or _enum(typed, module, summary, types, same_module, folder)
            if values:
                found.append({"field": field, "values": values, "type": typed})
        return found
    return []


def _enum(name: str, module: str, summary: dict, types: list, same_module, folder) -> list | None:
    if name in summary.get("enums", {}):
        return summary["enums"][name]
    source = summary.get("imports", {}).get(name, "").rpartition(".")[0]
    if source:
        imported = [s for m, s in types if same_module(m, source) and name in s.get("enums", {})]
        return imported[0]["enums"][name] if imported else None  # imported from outside what was read
    near = sorted(((m, s) for m, s in types if name in s.get("enums", {})),
                  key=lambda pair: (folder(pair[0].replace(".", "/")) != folder(module.replace(".", "/")), pair[0]))
    return near[0][1]["enums"][name] if near else None


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
