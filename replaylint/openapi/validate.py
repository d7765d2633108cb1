"""Optional structural validation with openapi-spec-validator (`--validate`): its errors become notes.

It is slow on big specs, so it is opt-in. Only self-contained documents are handed to it: the validator
resolves `$ref`s itself, and replaylint never lets anything fetch remote or out-of-project references.
"""
from __future__ import annotations

from ..model import Note
from .model import spec_version

MAX_NOTES = 20


def validation_notes(doc, shown_path: str) -> list[Note]:
    if _has_external_refs(doc.data):
        return [Note(shown_path, "structure not validated: the document has $refs to other files")]
    version = spec_version(doc.data)
    try:
        errors = _schema_errors(doc.data, version) or _semantic_errors(doc.data, version)
    except Exception as exc:  # the validator's own failures must not stop linting
        return [Note(shown_path, f"structure not validated: {type(exc).__name__}: {str(exc)[:200]}")]
    notes = []
    for error in errors[:MAX_NOTES]:
        pointer = tuple(getattr(error, "absolute_path", None) or getattr(error, "path", None) or ())
        line, column, _, _ = doc.position(pointer)
        where = "/".join(str(p) for p in pointer) or "(root)"
        message = getattr(error, "message", str(error)).splitlines()[0][:300]
        notes.append(Note(shown_path, f"invalid OpenAPI {version} at {where}: {message}", line, column))
    if len(errors) > MAX_NOTES:
        notes.append(Note(shown_path, f"more structural errors not shown (first {MAX_NOTES} listed)"))
    return notes


def _schema_errors(data, version: str) -> list:
    """The JSON Schema of the OpenAPI version: robust on any input."""
    from openapi_spec_validator import schemas

    validator = {"2.0": schemas.openapi_v2_schema_validator, "3.0": schemas.openapi_v30_schema_validator,
                 "3.1": schemas.openapi_v31_schema_validator}[version]
    return _first(validator.iter_errors(data))


def _semantic_errors(data, version: str) -> list:
    """The validator's further checks (duplicate operationIds, path parameters, ...), once the shape is right."""
    from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    validator = {"2.0": OpenAPIV2SpecValidator, "3.0": OpenAPIV30SpecValidator,
                 "3.1": OpenAPIV31SpecValidator}[version]
    return _first(validator(data).iter_errors())


def _first(errors) -> list:
    found = []
    for error in errors:
        found.append(error)
        if len(found) > MAX_NOTES:
            break
    return found


def _has_external_refs(data) -> bool:
    return any(not ref.startswith("#") for ref in _refs(data))


def _refs(data):
    stack = [data]
    seen = set()
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
