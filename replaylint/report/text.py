"""Human output: `path:line:col: CODE [severity] message`, the source line with a caret, and the fix."""
from __future__ import annotations

import os
import sys
from collections import Counter

from ..model import SEVERITY_RANK
from .escape import terminal_safe

COLORS = {"error": "31", "warning": "33", "info": "36", "code": "1", "dim": "2", "fix": "32"}


class Style:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, kind: str, text: str) -> str:
        return f"\x1b[{COLORS[kind]}m{text}\x1b[0m" if self.enabled else text


def use_color(stream=None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _location(finding) -> str:
    return f"{terminal_safe(finding.path)}:{finding.span.line}:{finding.span.column}"


def _label(finding, style) -> str:
    """`[warning]`, or for an exempted finding `[exempted: the reason]` (it does not fail the run)."""
    if finding.exempted:
        return style("dim", f"[exempted: {terminal_safe(finding.reason or '(no reason given)')}]")
    return f"[{style(finding.severity, finding.severity)}]"


def render_concise(result, context) -> str:
    style = context.style
    lines = []
    for finding in context.visible(result.findings):
        lines.append(f"{_location(finding)}: {style('code', finding.code)} {_label(finding, style)} "
                     f"{terminal_safe(finding.message)}")
    lines.extend(_summary(result, context))
    return "\n".join(lines) + "\n"


def render_full(result, context) -> str:
    style = context.style
    out = []
    for finding in context.visible(result.findings):
        out.append(f"{_location(finding)}: {style('code', finding.code)} {_label(finding, style)} "
                   f"{terminal_safe(finding.message)}")
        source = context.source_line(finding.path, finding.span.line)
        if source is not None:
            number = str(finding.span.line)
            pad = " " * len(number)
            excerpt, column = source_window(source.expandtabs(1), finding.span.column)
            shown = terminal_safe(excerpt)
            width = 1
            if finding.span.end_line == finding.span.line:
                width = max(1, finding.span.end_column - finding.span.column)
            out.append(style("dim", f"{pad} |"))
            out.append(style("dim", f"{number} | ") + shown)
            out.append(style("dim", f"{pad} | ") + " " * (column - 1) +
                       style(finding.severity, "^" * min(width, max(1, len(shown) - column + 1))))
            out.append(style("dim", f"{pad} = ") + style("fix", "fix: ") + terminal_safe(finding.fix))
        else:
            out.append(f"  = fix: {terminal_safe(finding.fix)}")
        out.append("")
    out.extend(_summary(result, context))
    return "\n".join(out) + "\n"


SOURCE_WIDTH = 160  # characters of a source line shown under a finding


def source_window(line: str, column: int) -> tuple[str, int]:
    """The part of a long line (a minified spec is one line of megabytes) around `column`, marked with `…`
    where cut, and the column within it. Short lines are shown whole."""
    column = min(column, len(line) + 1)  # a position past the end (a span that ends the line) marks the end
    if len(line) <= SOURCE_WIDTH:
        return line, column
    start = max(0, min(column - 1 - SOURCE_WIDTH // 4, len(line) - SOURCE_WIDTH))
    end = start + SOURCE_WIDTH
    prefix, suffix = ("…" if start else ""), ("…" if end < len(line) else "")
    return prefix + line[start:end] + suffix, column - start + len(prefix)


def crosscheck_lines(result) -> list[str]:
    """One line per API whose spec and code were matched: how much of the spec the code was found to serve."""
    lines = []
    for api in getattr(result, "crosscheck", {}).get("apis", []):
        unmatched = api["unmatched_handlers"]
        lines.append(f"cross-check: {', '.join(api['specs'])}: {api['matched']} of {api['operations']} mutating "
                     f"operations matched to a handler"
                     + (f"; {unmatched} mutating route{'s' if unmatched != 1 else ''} in no operation"
                        if unmatched else ""))
    return lines


def _summary(result, context) -> list[str]:
    visible = [f for f in result.findings if not f.exempted]
    by_severity = Counter(f.severity for f in visible)
    exempted = sum(1 for f in result.findings if f.exempted)
    if not visible:
        line = f"No findings in {files_count(result.files_analysed)}."
    else:
        parts = [f"{by_severity[s]} {s}{'s' if by_severity[s] != 1 and s != 'info' else ''}"
                 for s in sorted(by_severity, key=lambda s: -SEVERITY_RANK[s])]
        located = len({f.path for f in visible})  # a spec's findings may sit in the files its `$ref`s read
        analysed = f", from {files_count(result.files_analysed)} analysed" if located != result.files_analysed else ""
        line = f"Found {len(visible)} finding{'s' if len(visible) != 1 else ''} ({', '.join(parts)}) in " \
               f"{files_count(located)}{analysed}."
    if exempted and not context.show_exempted:
        line += f" {exempted} exempted (shown with --show-exempted)."
    if result.problems:  # a file that could not be read, or a part of one (a broken `$ref`, a rule skipped)
        line += f" {files_count(len({p.path for p in result.problems}))} not analysed in full (listed below)."
    return [line]


def files_count(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"
