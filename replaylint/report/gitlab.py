"""GitLab Code Quality report (a JSON list of issues) for merge-request widgets."""
from __future__ import annotations

import json

from ..fingerprint import fingerprint, relative_path, semantic_keys
from ..registry import REGISTRY

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def render(result, context) -> str:
    issues = []
    # by anchor: issues GitLab already tracks keep their fingerprints
    for finding, key in zip(result.findings, semantic_keys(result.findings, context.root, by_anchor=True)):
        if finding.exempted:
            continue  # keys are numbered over every finding, as in SARIF and baselines
        rule = REGISTRY.get(finding.code)
        issues.append({
            "type": "issue",
            "check_name": f"{finding.code} {rule.name if rule else ''}".strip(),
            "description": f"{finding.code}: {finding.message}",
            "content": {"body": f"Fix: {finding.fix}"},
            "categories": ["Bug Risk"],
            "severity": SEVERITY[finding.severity],
            "fingerprint": fingerprint(key),
            "location": {"path": relative_path(finding.path, context.root),
                         "lines": {"begin": finding.span.line, "end": max(finding.span.end_line, finding.span.line)}},
        })
    for problem in result.problems:
        issues.append({
            "type": "issue", "check_name": "replaylint not analysed", "description": problem.message,
            "categories": ["Bug Risk"], "severity": "blocker",
            "fingerprint": fingerprint(f"problem|{problem.path}|{problem.message}"),
            "location": {"path": relative_path(problem.path, context.root), "lines": {"begin": problem.line or 1}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=True) + "\n"
