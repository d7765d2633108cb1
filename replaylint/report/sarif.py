"""SARIF 2.1.0 for GitHub code scanning and other viewers: one run, every rule described, repo-relative
URIs, semantic fingerprints (alerts survive line shifts), exemptions as suppressions, inputs not analysed as
tool execution notifications."""
from __future__ import annotations

import json

from .. import __version__
from ..fingerprint import fingerprint, relative_path, semantic_keys
from ..registry import REGISTRY
from .docs import help_uri, rule_markdown

LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str, root) -> str:
    """A URI reference (SARIF 3.4.3): `v2 #1.py` would otherwise read as path `v2 ` and fragment `1.py`."""
    from urllib.parse import quote

    return quote(relative_path(path, root), safe="/")


def render(result, context) -> str:
    rules = list(REGISTRY)
    index = {rule.code: i for i, rule in enumerate(rules)}
    root = context.root
    results = []
    # by anchor: alerts code scanning already tracks keep their fingerprints
    for finding, key in zip(result.findings, semantic_keys(result.findings, root, by_anchor=True)):
        span = finding.span
        item = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": LEVELS[finding.severity],
            "message": {"text": f"{finding.message}. Fix: {finding.fix}"},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(span.path, root), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": span.line, "startColumn": span.column,
                               "endLine": max(span.end_line, span.line),
                               "endColumn": span.end_column if span.end_line > span.line else
                               max(span.end_column, span.column + 1)},
                },
                **({"logicalLocations": [{"fullyQualifiedName": finding.anchor}]} if finding.anchor else {}),
            }],
            "partialFingerprints": {"replaylint/v1": fingerprint(key)},
        }
        if finding.exempted:
            item["suppressions"] = [{"kind": "inSource", "justification": finding.reason}]
        results.append(item)
    notifications = [{
        "level": "error",
        "message": {"text": problem.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(problem.path, root), "uriBaseId": "%SRCROOT%"},
            **({"region": {"startLine": problem.line, "startColumn": problem.column or 1}} if problem.line else {}),
        }}],
    } for problem in result.problems]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "replaylint",
                "semanticVersion": __version__,
                "informationUri": help_uri(None),
                "rules": [_rule(rule) for rule in rules],
            }},
            "automationDetails": {"id": "replaylint/"},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
            "invocations": [{"executionSuccessful": not result.problems,
                             "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def _rule(rule) -> dict:
    docs = rule.docs()
    level = {"error": "error", "warning": "warning", "info": "note"}.get(rule.severity, "warning")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(docs["what"].split())},
        "help": {"text": f"{' '.join(docs['why'].split())} Fix: {' '.join(docs['fix'].split())}",
                 "markdown": rule_markdown(rule)},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["replayability", rule.target], "precision": "high",
                       "problem.severity": "recommendation" if level == "note" else level},
    }
