"""Filter stage: per-file ignores, severity overrides, exemptions (kept and marked), RPL001 and RPL002."""
from __future__ import annotations

import fnmatch

from .config import Config, relative_to_root
from .model import Finding
from .registry import REGISTRY

SPEC_REASON_HINT = 'say why repeating it is harmless, e.g. reason: "appends a log line; duplicates are fine"'


def apply_filters(results, config: Config, enabled: set[str]) -> list[Finding]:
    overrides = _severity_overrides(config)
    ignored: dict[str, set[str]] = {}
    kept: set[Finding] = set()
    for result in results:
        batch = [_exempt(finding, result.exemptions) for finding in result.findings]
        batch.extend(_meta_findings(result.exemptions, enabled))
        for finding in batch:
            if finding.path not in ignored:
                ignored[finding.path] = ignored_codes(finding.path, config)
            if finding.code not in enabled or finding.code in ignored[finding.path]:
                continue
            if finding.code in overrides:
                finding = finding.with_(severity=overrides[finding.code])
            kept.add(finding)
    return sorted(kept, key=Finding.sort_key)


def ignored_codes(path: str, config: Config) -> set[str]:
    rel = relative_to_root(path, config.root)
    codes: set[str] = set()
    for glob, selectors in config.per_file_ignores.items():
        if fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(path, glob) or \
                fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], glob):
            for selector in selectors:
                codes |= REGISTRY.expand(selector)
    return codes


def _severity_overrides(config: Config) -> dict[str, str]:
    overrides = {}
    for selector, severity in config.severity.items():
        for code in REGISTRY.expand(selector):
            overrides[code] = severity
    return overrides


def _exempt(finding: Finding, exemptions) -> Finding:
    for exemption in exemptions:
        if exemption.kind != "allow" or not exemption.covers(finding.anchor, finding.span.line):
            continue
        if finding.code in REGISTRY.expand(exemption.selector):
            exemption.used = True
            return finding.with_(exempted=True, reason=exemption.reason)
    return finding


def _meta_findings(exemptions, enabled: set[str]) -> list[Finding]:
    out = []
    for exemption in exemptions:
        anchor = exemption.scope[1] if exemption.scope[0] in ("path", "op") else ""
        if exemption.kind == "harm" and exemption.selector != "none":
            continue
        if not exemption.reason:
            what = "harm: none" if exemption.kind == "harm" else f"the exemption of {exemption.selector}"
            out.append(Finding(
                "RPL001", "error", f"{what} gives no reason", exemption.reason_hint or SPEC_REASON_HINT,
                exemption.span, anchor, exemption.selector,
            ))
        named = REGISTRY.expand(exemption.selector) if exemption.kind == "allow" else set()
        if exemption.kind == "allow" and not exemption.used and not named:  # a typo must not pass as silence
            out.append(Finding(  # an error, as the same typo in config is
                "RPL002", "error", f"the exemption of {exemption.selector} names no rule",
                "use a rule's code (RPL201) or name (retry-only-key): `replaylint rules` lists them",
                exemption.span, anchor, exemption.selector,
            ))
        elif exemption.kind == "allow" and not exemption.used and named & enabled:
            out.append(Finding(
                "RPL002", "warning", f"the exemption of {exemption.selector} matches no finding",
                "remove the exemption: the rule it silences no longer fires here",
                exemption.span, anchor, exemption.selector,
            ))
    return out
