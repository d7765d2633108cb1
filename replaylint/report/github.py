"""GitHub Actions workflow commands: each finding annotates the pull request's diff."""
from __future__ import annotations

from ..fingerprint import relative_path
from ..registry import REGISTRY
from .escape import terminal_safe

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    """Workflow-command escaping, after control characters are made visible (the log viewer would act on an
    ESC sequence taken from a linted file)."""
    text = terminal_safe(text, keep_newlines=True)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result, context) -> str:
    lines = []
    for finding in [f for f in result.findings if not f.exempted]:
        span = finding.span
        rule = REGISTRY.get(finding.code)
        title = f"{finding.code} {rule.name if rule else ''}".strip()
        props = (f"file={_property(relative_path(span.path, context.root))},line={span.line},col={span.column},"
                 f"endLine={span.end_line},endColumn={span.end_column},title={_property(title)}")
        lines.append(f"::{COMMANDS[finding.severity]} {props}::{_data(finding.message + '. Fix: ' + finding.fix)}")
    for problem in result.problems:
        where = f",line={problem.line}" if problem.line else ""
        lines.append(f"::error file={_property(relative_path(problem.path, context.root))}{where},"
                     f"title=replaylint::{_data(problem.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
