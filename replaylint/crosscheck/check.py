"""Run the cross-check rules (target "project") on the matched routes of a run, and add their findings to
the results of the files they are about, so exemptions, per-file ignores and severities apply as usual."""
from __future__ import annotations

from dataclasses import replace

from ..model import Finding, Span
from .apis import Api, group_apis
from .django_urls import join, resolve, view_paths
from .match import Match, match_routes
from .mounts import prefixes
from .routes import folder


class CrossCheck:
    """What a project rule receives: the APIs of the run (each a spec or specs and the code they serve), the
    matches of all of them, and `report`."""

    def __init__(self, specs: list[dict], modules: list[dict], config=None, status_types=None):
        self.config = config
        self.status_types: dict[str, tuple] = status_types or {}  # file -> (module, its Enums and status models)
        self.apis: list[Api] = []
        for api in group_apis(specs, modules, getattr(config, "apis", None), _relative_to(config)):
            api.matches, api.unmatched = match_routes(api.specs, api.modules)
            if not api.configured:  # a spec none of whose operations the code serves is not its contract
                api.specs = [spec for spec in api.specs if any(m.spec is spec for m in api.matches)]
            same = next((known for known in self.apis if known.specs == api.specs), None)
            if same is not None:  # modules that reached the same contract by different ways: one API
                same.modules += api.modules
                same.matches += api.matches
                same.unmatched += api.unmatched
            elif api.specs:
                self.apis.append(api)
        self.matches: list[Match] = [match for api in self.apis for match in api.matches]
        named = {api.name for api in self.apis if api.configured}
        self.unused_apis = sorted(set(getattr(config, "apis", None) or {}) - named)  # named no spec or no code
        self.reports: list[tuple] = []
        self.superseded: set[tuple[str, str, str, str]] = set()
        self.rule = None  # the rule being run (whose finding supersedes)

    def report(self, rule, span: list, message: str, fix: str, anchor: str, detail: str = "") -> None:
        self.reports.append((rule, span, message, fix, anchor, detail))

    def code_statuses(self, match: Match) -> list[dict]:
        """The status fields of the handler's response model, its own module's types first."""
        from .status import code_statuses

        name = match.handler.get("response_model")
        if not name:
            return []
        own = match.module["file"]
        nearest = sorted(self.status_types, key=lambda f: (f != own, folder(f) != folder(own), f))
        return code_statuses(name, [self.status_types[f] for f in nearest],
                             match.handler.get("response_model_qualified", ""))

    def supersede(self, code: str, file: str, anchor: str) -> None:
        """Leave out the finding of a single-input rule (`code`) at `file`/`anchor`: a cross-check finding
        says the same, and more (one defect, reported once)."""
        self.superseded.add((code, file, anchor, self.rule.code if self.rule else ""))


def statistics(cross: "CrossCheck | None") -> dict:
    """Per API of a run: its name, spec files, operations matched to a handler, mutating operations, and the
    matched pairs (spec file, operation, handler file, line, qualified name, label) that the audit joins."""
    return {"apis": [{"name": api.name, "specs": [spec["file"] for spec in api.specs],
                      "matched": len({id(m.operation) for m in api.matches}),
                      "operations": sum(len(spec["operations"]) for spec in api.specs),
                      "unmatched_handlers": len(api.unmatched),
                      "pairs": sorted({(m.spec["file"], m.operation["anchor"], m.handler["span"][0],
                                        m.handler["span"][1], m.handler["qualname"], m.handler["label"])
                                       for m in api.matches})}
                     for api in (cross.apis if cross else [])]}


def cross_check(results, rules, config=None) -> "CrossCheck | None":
    """Add the findings of the project `rules` to `results`; the cross-check made (None when the run holds
    no spec or no Python route)."""
    specs, modules = _summaries(results)
    if not specs or not modules:
        return None
    types = {r.routes["file"]: (r.routes["module"], r.routes["status_types"]) for r in results
             if r.routes and "status_types" in r.routes}
    cross = CrossCheck(specs, modules, config, types)
    for rule in rules:
        cross.rule = rule
        rule.check(cross)
    by_path = {result.path: result for result in results}
    ignored = _ignored_by_file(config)
    superseded = {(code, file, anchor) for code, file, anchor, by in cross.superseded
                  if by not in ignored(file)}  # a finding ignored for the file leaves the one it replaced
    for result in results:
        if any(file == result.path for _, file, _ in superseded):
            result.findings = [f for f in result.findings if (f.code, f.path, f.anchor) not in superseded]
    _move_generated_to_code(cross, by_path)
    _consistent_harm(cross, by_path)
    for rule, span, message, fix, anchor, detail in cross.reports:
        target = by_path.get(span[0])
        if target is None:  # a `$ref`'d fragment: the finding belongs to the spec that was analysed
            continue
        target.findings.append(Finding(rule.code, rule.severity, message, fix, Span(*span), anchor, detail))
    return cross


# A spec finding and the Python finding that says the same of the handler serving the operation.
SAME_DEFECT = {"RPL101": {"RPL301", "RPL401"}}


HARM_ORDER = {"none": 0, "measurable": 1, "high": 2}


def _consistent_harm(cross: CrossCheck, by_path: dict) -> None:
    """One operation, in the spec and in its handler, is one problem with one harm: when the spec's key
    finding (RPL101) and the handler's (RPL301) judge it differently, the lower side takes the higher level,
    and says where the evidence is."""
    from ..policy import SEVERITY_BY_HARM

    for match in cross.matches:
        spec_result = by_path.get(match.spec["file"])
        code_result = by_path.get(match.handler["span"][0])
        if spec_result is None or code_result is None:
            continue
        spec_side = [f for f in spec_result.findings if f.code == "RPL101" and f.anchor == match.operation["anchor"]]
        code_side = [f for f in code_result.findings if f.code == "RPL301" and f.anchor == match.handler["qualname"]]
        if not spec_side or not code_side or not spec_side[0].harm or not code_side[0].harm:
            continue
        spec_finding, code_finding = spec_side[0], code_side[0]
        if HARM_ORDER.get(spec_finding.harm, 0) == HARM_ORDER.get(code_finding.harm, 0):
            continue
        high, low, low_result, where = (spec_finding, code_finding, code_result, f"the spec's {match.operation['anchor']}") \
            if HARM_ORDER.get(spec_finding.harm, 0) > HARM_ORDER.get(code_finding.harm, 0) else \
            (code_finding, spec_finding, spec_result, f"its handler `{match.handler['qualname']}`")
        if low.severity != SEVERITY_BY_HARM.get(low.harm):
            continue  # a severity set by config or by a deprecation: left as set
        reason = f"from {where}: {high.harm_reason}"
        raised = replace(low, harm=high.harm, harm_reason=reason, severity=SEVERITY_BY_HARM[high.harm],
                         message=f"{low.message} ({high.harm} harm, {reason})")
        low_result.findings = [raised if f is low else f for f in low_result.findings]


def _move_generated_to_code(cross: CrossCheck, by_path: dict) -> None:
    """A spec generated from the code (FastAPI, drf-spectacular, flask-smorest) is fixed in the code: the
    findings about its matched operations are reported once, at the handler (left out where a Python rule
    already says the same there), so exemptions and fixes happen where the code is written."""
    for match in cross.matches:
        spec_result = by_path.get(match.spec["file"])
        code_result = by_path.get(match.handler["span"][0])
        if not match.spec["generated"] or spec_result is None or code_result is None:
            continue
        at_handler = {f.code for f in code_result.findings if f.anchor == match.handler["qualname"]}
        kept = []
        for finding in spec_result.findings:
            exemption = _spec_exemption(finding, spec_result.exemptions)
            if finding.anchor != match.operation["anchor"] or exemption is not None:
                kept.append(finding)  # an exemption written in the spec (`openapi_extra`) is honoured there
            elif ({finding.code} | SAME_DEFECT.get(finding.code, set())) & at_handler:
                continue  # the handler's finding says it already
            else:
                code_result.findings.append(replace(
                    finding, span=Span(*match.handler["span"]), anchor=match.handler["qualname"],
                    message=f"{finding.message} (in {match.spec['file']}, generated from this handler)"))
        spec_result.findings = kept


def _spec_exemption(finding: Finding, exemptions):
    """The spec's own `x-replaylint-allow` that covers `finding`, if any."""
    from ..registry import REGISTRY

    return next((e for e in exemptions if e.kind == "allow" and e.covers(finding.anchor, finding.span.line)
                 and finding.code in REGISTRY.expand(e.selector)), None)


def _ignored_by_file(config):
    """The codes `per-file-ignores` drops for a file (nothing without a config)."""
    if config is None or not config.per_file_ignores:
        return lambda path: set()
    from ..filtering import ignored_codes

    return lambda path: ignored_codes(path, config)


def _relative_to(config):
    """A shown path as the config root sees it (configured API globs are written from there)."""
    if config is None:
        return lambda path: path
    from ..config import relative_to_root

    return lambda path: relative_to_root(path, config.root)


def _summaries(results) -> tuple[list[dict], list[dict]]:
    specs = [r.routes for r in results if r.routes and "operations" in r.routes]
    modules = [r.routes for r in results if r.routes and "handlers" in r.routes]
    tables = {r.routes["module"]: r.routes["urls"] for r in results if r.routes and "urls" in r.routes}
    if tables:
        resolved = resolve(tables)
        modules = [_with_django_paths(module, resolved) for module in modules]
    mounts = [mount for r in results if r.routes for mount in r.routes.get("mounts", ())]
    if mounts:
        modules = [_with_mount_prefixes(module, mounts) for module in modules]
    return specs, modules


def _with_mount_prefixes(module: dict, mounts: list) -> dict:
    """The module with each route of a router mounted elsewhere under its full path (one route per prefix):
    then the path is known, and no longer matched by its ending."""
    handlers = []
    for handler in module["handlers"]:
        found = prefixes(f"{module['module']}.{handler['router']}", mounts) \
            if handler.get("router") and handler["path"] else None
        handlers += [{**handler, "path": _mounted_path(prefix, replaces, handler), "mountable": False,
                      "own_path": handler["path"]} for prefix, replaces in found or ()] or [handler]
    return {**module, "handlers": handlers}


def _mounted_path(prefix: str, replaces: bool, handler: dict) -> str:
    """The route's path under a mount prefix; Flask's `url_prefix` at registration replaces the blueprint's."""
    path, own = handler["path"], handler.get("router_prefix") or ""
    if replaces and own and path.startswith(own):
        path = path[len(own):] or "/"
    return join(prefix, path) if prefix else path


def _with_django_paths(module: dict, resolved: list) -> dict:
    """The module with each Django/DRF view that declares no path of its own as one route per (method, path)
    the URL tables give it."""
    handlers = []
    for handler in module["handlers"]:
        routes = view_paths(handler, resolved) if not handler["path"] else []
        handlers += [{**handler, "methods": [method], "path": path} for method, path in routes] or [handler]
    return {**module, "handlers": handlers}


def where(match: Match | dict) -> str:
    """`shop/views.py:12` of a handler (or a match's handler)."""
    handler = match.handler if isinstance(match, Match) else match
    return f"{handler['span'][0]}:{handler['span'][1]}"
