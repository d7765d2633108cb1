"""`--statistics`: how many findings each rule has, with a total line (also when there are none), as text or
(with `--output-format json`) as JSON for dashboards."""
from __future__ import annotations

import json
from collections import Counter

from ..model import SEVERITY_RANK
from ..registry import REGISTRY


def statistics(result) -> dict:
    """Counts of the findings that are not exempted: a row per rule and severity, most frequent first."""
    visible = [f for f in result.findings if not f.exempted]
    counts = Counter((f.code, f.severity) for f in visible)
    rows = []
    for (code, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = REGISTRY.get(code)
        rows.append({"code": code, "name": rule.name if rule else "", "severity": severity, "count": count,
                     "fixable": bool(rule and rule.fixable)})
    by_severity = Counter(f.severity for f in visible)
    return {
        "rules": rows,
        "total": len(visible),
        "by_severity": {s: by_severity[s] for s in sorted(by_severity, key=lambda s: -SEVERITY_RANK[s])},
        "exempted": len(result.findings) - len(visible),
        "files_analysed": result.files_analysed,
        "errors": len(result.problems),
        "files_not_analysed_in_full": len({problem.path for problem in result.problems}),
    }


def render_text(result, context) -> str:
    from .text import crosscheck_lines, files_count

    data = statistics(result)
    lines = [f"{row['count']:6d}  {row['code']}  {row['name']:<34} [{row['severity']}]" for row in data["rules"]]
    findings = f"finding{'s' if data['total'] != 1 else ''}"
    total = f"{data['total']:6d}  {findings} in {files_count(data['files_analysed'])} analysed"
    if data["exempted"]:
        total += f" ({data['exempted']} exempted)"
    if data["errors"]:
        total += f"; {files_count(data['files_not_analysed_in_full'])} not analysed in full"
    lines.append(total)
    lines.extend(crosscheck_lines(result))
    return "\n".join(lines) + "\n"


def render_json(result, context) -> str:
    return json.dumps(statistics(result), indent=2) + "\n"
