"""Run the cross-check rules (target "project") on the matched routes of a run, and add their findings to
the results of the files they are about, so exemptions, per-file ignores and severities apply as usual."""
from __future__ import annotations

from ..model import Finding, Span
from .match import Match, match_routes


class CrossCheck:
    """What a project rule receives: the matches, the handlers no operation matched, and `report`."""

    def __init__(self, specs: list[dict], modules: list[dict]):
        self.specs = specs
        self.modules = modules
        self.matches, self.unmatched = match_routes(specs, modules)
        self.reports: list[tuple] = []
        self.superseded: set[tuple[str, str, str]] = set()

    def report(self, rule, span: list, message: str, fix: str, anchor: str, detail: str = "") -> None:
        self.reports.append((rule, span, message, fix, anchor, detail))

    def supersede(self, code: str, file: str, anchor: str) -> None:
        """Leave out the finding of a single-input rule (`code`) at `file`/`anchor`: a cross-check finding
        says the same, and more (one defect, reported once)."""
        self.superseded.add((code, file, anchor))


def statistics(results) -> tuple[int, int] | None:
    """(operations matched to a handler, mutating operations in the specs) of a run; None with no pair."""
    specs, modules = _summaries(results)
    if not specs or not modules:
        return None
    matches, _ = match_routes(specs, modules)
    return len({id(m.operation) for m in matches}), sum(len(s["operations"]) for s in specs)


def cross_check(results, rules) -> None:
    """Add the findings of the project `rules` to `results` (nothing when the run holds no spec or no app)."""
    specs, modules = _summaries(results)
    if not specs or not modules or not rules:
        return
    cross = CrossCheck(specs, modules)
    for rule in rules:
        rule.check(cross)
    by_path = {result.path: result for result in results}
    for result in results:
        if any(file == result.path for _, file, _ in cross.superseded):
            result.findings = [f for f in result.findings
                               if (f.code, f.path, f.anchor) not in cross.superseded]
    for rule, span, message, fix, anchor, detail in cross.reports:
        target = by_path.get(span[0])
        if target is None:  # a `$ref`'d fragment: the finding belongs to the spec that was analysed
            continue
        target.findings.append(Finding(rule.code, rule.severity, message, fix, Span(*span), anchor, detail))


def _summaries(results) -> tuple[list[dict], list[dict]]:
    specs = [r.routes for r in results if r.routes and "operations" in r.routes]
    modules = [r.routes for r in results if r.routes and "handlers" in r.routes]
    return specs, modules


def where(match: Match | dict) -> str:
    """`shop/views.py:12` of a handler (or a match's handler)."""
    handler = match.handler if isinstance(match, Match) else match
    return f"{handler['span'][0]}:{handler['span'][1]}"
