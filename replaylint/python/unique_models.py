"""Models whose rows are unique by fields a client sends (`username`, `(code, product_class)`), and the
serializers that create them: project facts, read with regexes before any analysis.

A handler that creates such a row from the request is refused (or answered with the first row) when it is
repeated: the unique fields are its natural key. A field that the server fills (`default=uuid4`,
`primary_key`, an auto slug) names no intent, so it does not count.
"""
from __future__ import annotations

import re

from ..lazy import LazyRegex

_TOP_CLASS = LazyRegex(r"^class\s+(\w+)\s*(?:\(([^)]*)\))?\s*:", re.M)
_NEXT_TOP = LazyRegex(r"^\S", re.M)
_STATEMENT = LazyRegex(r"^([ \t]+)(\w+)\s*(?::[^=\n]+)?=\s*", re.M)
_UNIQUE_TRUE = LazyRegex(r"\bunique\s*=\s*True")
_SERVER_FILLED = LazyRegex(r"\b(default|primary_key|auto_now|auto_now_add|server_default|autoincrement)\s*=|"
                           r"AutoSlugField|AutoField|\bUUIDField\b")
_STRINGS = LazyRegex(r"""['"](\w+)['"]""")
UNIQUE_HINT = LazyRegex(r"\bunique\s*=\s*True|unique_together|UniqueConstraint")
MODEL_HOLDERS = ("Serializer", "Schema", "Service", "Repository", "Repo")
SERIALIZER_HINT = LazyRegex(r"class\s+\w+(?:Serializer|Schema|Service|Repository|Repo)\b")
NOT_NATURAL = frozenset("id pk uuid slug".split())


def _classes(text: str):
    """(name, bases, body) of each top-level class."""
    for match in _TOP_CLASS.finditer(text):
        after = _NEXT_TOP.search(text, match.end() + 1)
        yield match.group(1), match.group(2) or "", text[match.end():after.start() if after else len(text)]


def _statements(body: str):
    """(indent, name, text) of each assignment in a class body, with its continuation lines."""
    found = list(_STATEMENT.finditer(body))
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(body)
        yield len(match.group(1)), match.group(2), body[match.start():end]


def unique_models(text: str) -> dict[str, tuple[str, ...]]:
    """Model class -> the fields that make its rows unique and that a client may send: `unique=True` fields
    the server does not fill, and the fields of `unique_together` / `UniqueConstraint(fields=...)`."""
    if not UNIQUE_HINT.search(text):
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for name, _, body in _classes(text):
        fields: list[str] = []
        statements = list(_statements(body))
        indent = min((i for i, _, _ in statements), default=0)
        for depth, field, statement in statements:
            if field == "unique_together":
                fields += _STRINGS.findall(statement)
            elif depth == indent and _UNIQUE_TRUE.search(statement) and not _SERVER_FILLED.search(statement):
                fields.append(field)
        for constraint in re.finditer(r"UniqueConstraint\(([^)]*)\)", body):
            inner = constraint.group(1)
            listed = re.search(r"fields\s*=\s*[\[(]([^\])]*)", inner)
            fields += _STRINGS.findall(listed.group(1) if listed else inner.split("name=")[0])
        fields = [f for f in dict.fromkeys(fields) if f not in NOT_NATURAL]
        if fields:
            found[name] = tuple(fields)
    return found


def serializer_models(text: str) -> dict[str, str]:
    """Class -> the model it creates rows of: a serializer's or schema's `Meta.model` (DRF, marshmallow), a
    service's or repository's `model_type` (advanced-alchemy, Litestar)."""
    if not SERIALIZER_HINT.search(text):
        return {}
    found = {}
    for name, _, body in _classes(text):
        if name.endswith(MODEL_HOLDERS):
            model = re.search(r"^\s+(?:model|model_type)\s*=\s*([\w.]+)", body, re.M)
            if model:
                found[name] = model.group(1).rsplit(".", 1)[-1]
    return found
