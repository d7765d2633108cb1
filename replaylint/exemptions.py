"""Exemptions written in the linted files, always with a reason.

OpenAPI, on an operation, a path item or the root:
    x-replaylint: {harm: none, reason: "..."}                 the harm level of what it covers
    x-replaylint-allow: [{rule: RPL105, reason: "..."}]      a rule allowed where it is written
    x-lint-ignore: [RPL105] or {RPL105: "reason"}            the tool-neutral form (vacuum), honoured too
An exemption without a reason still applies, and is itself reported (RPL001); one that exempts nothing is
reported as unused (RPL002).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import HARM_LEVELS, Span


# What an editor's "allow this here" action writes where the reason goes: it reads as no reason (RPL001 keeps
# failing) until a person replaces it.
REASON_PLACEHOLDER = "<why this is safe>"


@dataclass
class Exemption:
    kind: str  # allow | harm
    selector: str  # a rule code, prefix or name (allow); the level (harm)
    reason: str
    span: Span
    scope: tuple  # ("file",) | ("path", "/orders") | ("op", "POST /orders") | ("lines", frozenset of lines)
    used: bool = False
    problems: list[str] = field(default_factory=list)
    reason_hint: str = ""  # how to give the missing reason in the file's own syntax (RPL001's fix); "" for specs

    def __post_init__(self):
        if self.reason.strip() == REASON_PLACEHOLDER:
            self.reason = ""

    def covers(self, anchor: str, line: int = 0) -> bool:
        kind = self.scope[0]
        if kind == "file":
            return True
        if kind == "lines":
            return line in self.scope[1]
        if kind == "path":
            return anchor.partition(" ")[2] == self.scope[1]
        return anchor == self.scope[1] or anchor.startswith(self.scope[1] + ".")


def spec_exemptions(spec) -> list[Exemption]:
    """Every exemption annotation of a spec: root, then path items, then operations."""
    found: list[Exemption] = []
    root = spec.root
    found.extend(_annotations(root, ("file",)))
    paths = root.get("paths")
    if paths is not None and paths.is_map():
        for path, item in paths.items():
            if item.is_map():
                found.extend(_annotations(item, ("path", path)))
    for op in spec.operations:
        found.extend(_annotations(op.node, ("op", op.anchor)))
    return found


def _annotations(owner, scope: tuple) -> list[Exemption]:
    found = []
    harm = owner.child("x-replaylint")
    if harm is not None:
        found.extend(_harm_annotation(harm, scope))
    for key in ("x-replaylint-allow", "x-lint-ignore"):
        allow = owner.child(key)
        if allow is not None:
            found.extend(_allow_annotation(allow, scope))
    return found


def _harm_annotation(node, scope) -> list[Exemption]:
    value = node.value
    span = node.span()
    if isinstance(value, str):  # x-replaylint: none
        value = {"harm": value}
    if not isinstance(value, dict):
        return [Exemption("harm", "", "", span, scope, problems=["x-replaylint must be a mapping with harm and reason"])]
    level, reason = value.get("harm"), value.get("reason", "")
    exemption = Exemption("harm", str(level).lower() if level is not None else "", _text(reason), span, scope)
    unknown = set(value) - {"harm", "reason"}
    if exemption.selector not in HARM_LEVELS:
        exemption.problems.append(f"x-replaylint harm must be one of {', '.join(HARM_LEVELS)}, got {level!r}")
    if unknown:
        exemption.problems.append(f"x-replaylint accepts harm and reason, not {', '.join(sorted(map(str, unknown)))}")
    return [exemption]


def _allow_annotation(node, scope) -> list[Exemption]:
    """A list of {rule, reason}, a list of codes, a single code, or a mapping code -> reason."""
    value = node.value
    entries: list[tuple] = []
    if isinstance(value, str):
        entries.append((value, "", node))
    elif isinstance(value, dict):
        entries.extend((rule, reason, node.child(rule)) for rule, reason in value.items())
    elif isinstance(value, list):
        for index, item in enumerate(value):
            child = node.child(index)
            if isinstance(item, dict):
                entries.append((item.get("rule", ""), item.get("reason", ""), child))
            else:
                entries.append((item, "", child))
    found = []
    for rule, reason, where in entries:
        exemption = Exemption("allow", str(rule).strip(), _text(reason), (where or node).span(), scope)
        if not exemption.selector:
            exemption.problems.append("an x-replaylint-allow entry needs a rule")
        found.append(exemption)
    return found


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""
