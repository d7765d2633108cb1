"""Run the cross-check rules (target "project") on the matched routes of a run, and add their findings to
the results of the files they are about, so exemptions, per-file ignores and severities apply as usual."""
from __future__ import annotations

from ..model import Finding, Span
from .apis import Api, group_apis
from .match import Match, match_routes


class CrossCheck:
    """What a project rule receives: the APIs of the run (each a spec or specs and the code they serve), the
    matches of all of them, and `report`."""

    def __init__(self, specs: list[dict], modules: list[dict], config=None):
        self.apis: list[Api] = []
        for api in group_apis(specs, modules, getattr(config, "apis", None), _relative_to(config)):
            api.matches, api.unmatched = match_routes(api.specs, api.modules)
            if not api.configured:  # a spec none of whose operations the code serves is not its contract
                api.specs = [spec for spec in api.specs if any(m.spec is spec for m in api.matches)]
            if api.specs:
                self.apis.append(api)
        self.matches: list[Match] = [match for api in self.apis for match in api.matches]
        self.reports: list[tuple] = []
        self.superseded: set[tuple[str, str, str]] = set()

    def report(self, rule, span: list, message: str, fix: str, anchor: str, detail: str = "") -> None:
        self.reports.append((rule, span, message, fix, anchor, detail))

    def supersede(self, code: str, file: str, anchor: str) -> None:
        """Leave out the finding of a single-input rule (`code`) at `file`/`anchor`: a cross-check finding
        says the same, and more (one defect, reported once)."""
        self.superseded.add((code, file, anchor))


def statistics(cross: "CrossCheck | None") -> dict:
    """Per API of a run: its name, spec files, operations matched to a handler, mutating operations."""
    return {"apis": [{"name": api.name, "specs": [spec["file"] for spec in api.specs],
                      "matched": len({id(m.operation) for m in api.matches}),
                      "operations": sum(len(spec["operations"]) for spec in api.specs),
                      "unmatched_handlers": len(api.unmatched)} for api in (cross.apis if cross else [])]}


def cross_check(results, rules, config=None) -> "CrossCheck | None":
    """Add the findings of the project `rules` to `results`; the cross-check made (None when the run holds
    no spec or no Python route)."""
    specs, modules = _summaries(results)
    if not specs or not modules:
        return None
    cross = CrossCheck(specs, modules, config)
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
    return cross


def _relative_to(config):
    """A shown path as the config root sees it (configured API globs are written from there)."""
    if config is None:
        return lambda path: path
    from ..config import relative_to_root

    return lambda path: relative_to_root(path, config.root)


def _summaries(results) -> tuple[list[dict], list[dict]]:
    specs = [r.routes for r in results if r.routes and "operations" in r.routes]
    modules = [r.routes for r in results if r.routes and "handlers" in r.routes]
    return specs, modules


def where(match: Match | dict) -> str:
    """`shop/views.py:12` of a handler (or a match's handler)."""
    handler = match.handler if isinstance(match, Match) else match
    return f"{handler['span'][0]}:{handler['span'][1]}"
