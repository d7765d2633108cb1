"""The JSON interface (stable, documented in the README): findings, errors and a summary."""
from __future__ import annotations

import json
from collections import Counter

from .. import __version__
from ..registry import REGISTRY


def finding_dict(finding) -> dict:
    rule = REGISTRY.get(finding.code)
    span = finding.span
    return {
        "code": finding.code,
        "name": rule.name if rule else "",
        "severity": finding.severity,
        "message": finding.message,
        "fix": finding.fix,
        "path": span.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "anchor": finding.anchor,
        "method": finding.method or None,
        "route": finding.route or None,
        "operation_id": finding.operation_id or None,
        "harm": finding.harm or None,
        "harm_reason": finding.harm_reason or None,
        "exempted": finding.exempted,
        "reason": finding.reason,
    }


def render(result, context) -> str:
    failing = [f for f in result.findings if not f.exempted]
    document = {
        "version": __version__,
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [
            {"path": p.path, "message": p.message, **({"line": p.line} if p.line else {}),
             **({"column": p.column} if p.column else {})}
            for p in result.problems
        ],
        "notes": [{"path": n.path, "message": n.message, "line": n.line} for n in result.notes],
        "summary": {
            "files_analysed": result.files_analysed,
            "findings": len(failing),
            "exempted": len(result.findings) - len(failing),
            "by_severity": dict(sorted(Counter(f.severity for f in failing).items())),
            "by_code": dict(sorted(Counter(f.code for f in failing).items())),
            "errors": len(result.problems),
            "apis": getattr(result, "crosscheck", {}).get("apis", []),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"
