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
_UNIQUE_TRUE = LazyRegex(r"\bunique\s*=\s*True")
_SERVER_FILLED = LazyRegex(r"\b(default|primary_key|auto_now|auto_now_add|server_default|autoincrement)\s*=|"
                           r"AutoSlugField|AutoField|\bUUIDField\b")
_STRINGS = LazyRegex(r"""['"](\w+)['"]""")
UNIQUE_HINT = LazyRegex(r"\bunique\s*=\s*True|unique_together|UniqueConstraint")
MODEL_HOLDERS = ("Serializer", "Schema", "Service", "Repository", "Repo", "Form")
# A class naming its model: `model = Order`, `model_type = m.Team`, `model = get_user_model()`.
SERIALIZER_HINT = LazyRegex(r"^[ \t]+(?:model|model_type)\s*=\s*[\w.]+(?:\(\))?\s*$", re.M)
# Django's own user model: its `username` is unique, and the project does not write it.
DJANGO_USER = ("User", (("username",),))
DJANGO_AUTH = LazyRegex(r"\bdjango\.contrib\.auth\b|\bget_user_model\b")
NOT_NATURAL = frozenset("id pk uuid slug stripe_charge_id external_id transaction_id".split())


def _classes(text: str):
    """(name, bases, body) of each top-level class."""
    for match in _TOP_CLASS.finditer(text):
        after = _NEXT_TOP.search(text, match.end() + 1)
        yield match.group(1), match.group(2) or "", text[match.end():after.start() if after else len(text)]


def _chunks(body: str) -> list[str]:
    """The class body cut at its own indentation: each field with its continuation lines, each method (and
    nested class) whole, so a method's text never counts as a field's."""
    lines = body.split("\n")
    base = next((len(line) - len(line.lstrip()) for line in lines if line.strip() and
                 not line.lstrip().startswith("#")), 0)
    chunks: list[list[str]] = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if line.strip() and indent <= base:
            chunks.append([line])
        elif chunks:
            chunks[-1].append(line)
    return ["\n".join(chunk) for chunk in chunks]


_FIELD = LazyRegex(r"^[ \t]*(\w+)\s*(?::[^=\n]+)?=\s*")


def unique_models(text: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Model class -> the groups of fields that make its rows unique and that a client may send: each
    `unique=True` field the server does not fill, each `unique_together` tuple and each unconditional
    `UniqueConstraint(fields=...)`."""
    abstract_user = "AbstractUser" in text
    if not abstract_user and ("nique" not in text or not UNIQUE_HINT.search(text)):
        return {}  # no unique=, unique_together, UniqueConstraint, nor a user model that inherits `username`
    found: dict[str, tuple[tuple[str, ...], ...]] = {}
    for name, bases, body in _classes(text):
        groups: list[tuple[str, ...]] = []
        if abstract_user and re.search(r"\bAbstractUser\b", bases) and not re.search(r"^\s+username\s*=\s*None",
                                                                                    body, re.M):
            groups.append(("username",))  # Django's AbstractUser keeps `username` unique
        for chunk in _chunks(body):
            if chunk.lstrip().startswith(("def ", "async def ", "@")):
                continue
            if chunk.lstrip().startswith("class "):  # `class Meta:`
                together = re.search(r"unique_together\s*=\s*", chunk)
                if together:
                    value = _balanced(chunk, together.end())
                    inner = re.findall(r"[\[(]([^\[\]()]*)[\])]", value) or [value]
                    groups += [tuple(_STRINGS.findall(part)) for part in inner if _STRINGS.findall(part)]
                groups += _constraints(chunk)
                continue
            field = _FIELD.match(chunk)
            if field and field.group(1) == "__table_args__":
                groups += _constraints(chunk)
            elif field and _UNIQUE_TRUE.search(chunk) and not _SERVER_FILLED.search(chunk):
                groups.append((field.group(1),))
        groups = [g for g in dict.fromkeys(groups) if g and not any(f in NOT_NATURAL for f in g)]
        if groups:
            found[name] = tuple(groups)
    return found


def _balanced(text: str, start: int) -> str:
    """The expression that starts at `start`: up to the end of its line once its brackets are closed."""
    depth = 0
    for index in range(start, min(len(text), start + 2000)):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "\n" and depth <= 0:
            return text[start:index]
    return text[start:start + 2000]


def _constraints(text: str) -> list[tuple[str, ...]]:
    """The field groups of `UniqueConstraint(...)` calls without a `condition=` (a partial index)."""
    groups = []
    for constraint in re.finditer(r"UniqueConstraint\(([^)]{0,400})\)", text):
        inner = constraint.group(1)
        if "condition" in inner:
            continue
        listed = re.search(r"fields\s*=\s*[\[(]([^\])]*)", inner)
        fields = _STRINGS.findall(listed.group(1) if listed else inner.split("name=")[0])
        if fields:
            groups.append(tuple(fields))
    return groups


def serializer_models(text: str) -> dict[str, str]:
    """Class -> the model it creates rows of: a serializer's, schema's or model form's `Meta.model` (DRF,
    marshmallow, Django), a service's or repository's `model_type` (advanced-alchemy, Litestar)."""
    if "model" not in text or not SERIALIZER_HINT.search(text):
        return {}
    found = {}
    for name, _, body in _classes(text):
        if name.endswith(MODEL_HOLDERS):
            model = re.search(r"^[ \t]+(?:model|model_type)\s*=\s*([\w.]+)", body, re.M)
            if model:
                named = model.group(1).rsplit(".", 1)[-1]
                found[name] = "User" if named == "get_user_model" else named
    return found
