"""The audit as plain data: what `--format json` prints and what the Markdown and HTML reports are drawn from,
so the three never disagree. Its shape is documented in docs/audit.md (schema_version 1)."""
from __future__ import annotations

from .. import __version__
from .score import PARTS, Audit, changes, hotspots, score

SCHEMA_VERSION = 1


def format_score(value) -> str:
    """`57.1`, or `–` when nothing is scored: how every report writes a score."""
    return "–" if value is None else f"{value:.1f}"


def score_change(now, before) -> float | None:
    """now − before, None when either is unknown, 0.0 below the one-decimal precision of a score."""
    if now is None or before is None:
        return None
    return 0.0 if abs(now - before) < 0.05 else round(now - before, 1)


def _finding(f) -> dict:
    return {"code": f.code, "severity": f.severity, "message": f.message, "fix": f.fix, "file": f.span.path,
            "line": f.span.line, "column": f.span.column, "anchor": f.anchor, "exempted": f.exempted,
            "reason": f.reason}


def label(entry: dict) -> str:
    """`POST /orders (createOrder)`, `POST /refunds refund_order`: how a person names the operation."""
    route = f"{entry['method']} {entry['path']}".strip() if entry["path"] else entry["method"]
    served = f", served by {entry['served_by']['name']}" if entry.get("served_by") else ""
    return f"{route} ({entry['name']}{served})" if entry["kind"] == "operation" and entry["name"] else \
        f"{route} {entry['name']}" if entry["kind"] == "handler" else route + (f" ({served[2:]})" if served else "")


def _operation(op) -> dict:
    e = op.entry
    return {"label": label(e), "api": e["api"], "kind": e["kind"], "method": e["method"], "path": e["path"], "name": e["name"],
            "anchor": e["anchor"], "file": e["file"], "line": e["line"], "harm": e["harm"], "weight": op.weight,
            "key": e["key"], "key_by_method": e["key_by_method"], "lookup": e["lookup"],
            "asynchronous": e["asynchronous"], "states": e["states"], "parts": op.parts,
            "replay_shaped": op.shaped, "before": op.before, "fixes": op.fixes, "served_by": e.get("served_by"),
            "findings": [_finding(f) for f in op.findings]}


def _scores(operations, before: bool = False) -> dict:
    return {"score": score(operations, before=before),
            **{part: score(operations, part, before=before) for part in PARTS}}


def audit_data(audit: Audit) -> dict:
    everything = [op for api in audit.apis for op in api.operations]
    better, worse = changes(audit)
    compared = audit.baseline is not None
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "replaylint", "version": __version__},
        "overall": {**_scores(everything), "operations": len(everything),
                    "scored": sum(1 for op in everything if op.weight),
                    "replay_shaped": sum(1 for op in everything if op.weight and op.shaped),
                    "before": _scores(everything, before=True) if compared else None},
        "apis": [{"name": api.name, "files": api.files, **_scores(api.operations),
                  "operations": len(api.operations), "scored": len(api.scored),
                  "replay_shaped": sum(1 for op in api.scored if op.shaped),
                  "before": _scores(api.operations, before=True) if compared else None}
                 for api in audit.apis],
        "operations": [_operation(op) for op in everything],
        "hotspots": [{"label": label(op.entry), "api": api.name, "anchor": op.entry["anchor"], "file": op.entry["file"],
                      "line": op.entry["line"], "harm": op.entry["harm"]["level"],
                      "missing": [part for part in PARTS if op.parts[part] == "no"], "fixes": op.fixes}
                     for api, op in hotspots(audit)],
        "change": {"against": audit.baseline,
                   "better": [{"label": label(op.entry), "api": api.name, "anchor": op.entry["anchor"],
                               "file": op.entry["file"]} for api, op in better],
                   "worse": [{"label": label(op.entry), "api": api.name, "anchor": op.entry["anchor"],
                              "file": op.entry["file"]} for api, op in worse]} if compared else None,
        "exemptions": audit.ledger,
        "other_findings": [_finding(f) for f in audit.other_findings if not f.exempted],
        "not_analysed": [{"file": p.path, "message": p.message, "line": p.line} for p in audit.problems],
        "not_scored": [{"name": api.name, "files": api.files, "operations": len(api.operations)}
                       for api in audit.not_scored],
    }
