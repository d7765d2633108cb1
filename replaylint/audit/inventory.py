"""The audit's inventory: every mutating operation of a spec and every mutating handler of Python code, with
what the analysis knows of its replay shape (harm, intent key, read-back, states).

Entries are plain dicts (JSON-ready, cached with the file's result). Findings are not copied in: the audit
joins them by file and anchor after the filter stage, so exemptions and baselines apply as in `check`.
"""
from __future__ import annotations

from ..openapi.keys import intent_keys
from ..openapi.semantics import accepted_responses, natural_key_field, read_back_evidence

REPLAY_METHODS = ("POST", "PATCH", "PUT", "DELETE")


def _harm(harm) -> dict:
    return {"level": harm.level, "reason": harm.reason, "source": harm.source}


def spec_inventory(spec, path: str) -> list[dict]:
    """POST and PATCH operations that need a key by the rules' own judgement (not searches or logins), and
    every PUT and DELETE (which name their target: the path is the key)."""
    title = spec.root.value.get("info", {}).get("title") if isinstance(spec.root.value.get("info"), dict) else None
    api = title if isinstance(title, str) and title.strip() else path
    statuses: dict[str, list] = {}
    for status in spec.status_enums:
        statuses.setdefault(status.op.anchor, []).append(status)
    entries = []
    for op in spec.operations:
        if op.method not in REPLAY_METHODS or (op.method in ("POST", "PATCH") and not spec.needs_key(op)):
            continue
        keys = [key for key in intent_keys(spec.keys(op)) if key.kind in ("intent", "client-id", "implicit")]
        key = keys[0] if keys else None
        natural = None if key or op.method not in ("POST", "PATCH") else natural_key_field(op)
        asynchronous = bool(list(accepted_responses(op)))
        entries.append({
            "api": api, "file": path, "kind": "operation", "anchor": op.anchor, "method": op.method,
            "path": op.path, "name": op.operation_id, "line": op.node.span().line,
            "harm": _harm(spec.harm(op)),
            "key": {"name": key.name, "in": key.location, "required": key.required} if key else
            {"name": f"natural key: the unique `{natural}`", "in": "body", "required": True} if natural else None,
            "key_by_method": op.method in ("PUT", "DELETE"),
            "lookup": read_back_evidence(op, keys) if keys else None,
            "asynchronous": asynchronous,
            "states": sorted({str(v) for status in statuses.get(op.anchor, []) for v in status.values}),
        })
    return entries


def python_inventory(ctx, path: str) -> list[dict]:
    """POST and PATCH handlers that the server rules judge mutating, grouped by app (the top package and
    the framework it imports)."""
    from replaylint.python.handlers import covered_by_library, framework_of
    from replaylint.rules._python_server import handler_label, mutating_handlers, natural_key_of

    framework = framework_of(ctx.model) or "python"
    package = (ctx.model.name or path).rpartition(".")[0] or ctx.model.name or path  # the app's package
    entries = []
    for handler, harm in mutating_handlers(ctx):
        keyed = ctx.reads_key(handler)
        library = covered_by_library(ctx.model, handler, ctx.facts) if ctx.facts is not None else False
        natural = None if keyed or library else natural_key_of(handler, ctx.facts, ctx.model)
        methods = sorted(handler.methods & {"POST", "PATCH"})
        entries.append({
            "api": f"{package} ({framework})", "file": path, "kind": "handler", "anchor": handler.qualname,
            "method": "/".join(methods), "path": handler.path, "name": handler_label(handler),
            "line": ctx.positions.of(handler.node)[0][0],
            "harm": _harm(harm),
            "key": {"name": f"natural key: {natural}" if natural else "idempotency library" if library else
                    "read in the handler", "in": "code", "required": None} if keyed or library or natural else None,
            "key_by_method": False,
            "lookup": ("kept by the library" if library else "looked up in the handler") if keyed or library or
            natural else None,
            "asynchronous": False,
            "states": [],
        })
    return entries
