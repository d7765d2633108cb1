"""Analyse one OpenAPI document: build the Spec view, run the enabled spec rules, collect findings."""
from __future__ import annotations

from functools import cached_property

from ..documents import Document
from ..exemptions import Exemption, spec_exemptions
from ..model import FileResult, Finding, Note
from ..policy import SEVERITY_BY_HARM, Harm, config_harm, default_harm, deprecated_severity, harm_evidence, word_harm
from ..rule import run_checks
from ..vocabulary import StateVocabulary
from .keys import KeyFinder
from .model import Operation, Spec
from .refs import Node, Workspace
from .semantics import is_assignment, needs_key
from .status import find_status_enums


class SpecAnalysis(Spec):
    """A Spec plus the policy and recognisers configured for this run; what spec rules receive."""

    def __init__(self, root: Node, config):
        super().__init__(root, config)
        self.key_finder = KeyFinder(config)
        self.states = StateVocabulary(config.states)
        self.exemptions: list[Exemption] = spec_exemptions(self)
        self._keys: dict[str, list] = {}
        self._needs_key: dict[str, bool] = {}
        self._harm: dict[str, Harm] = {}
        self._harm_notes: dict[tuple, Exemption] = {
            e.scope: e for e in self.exemptions if e.kind == "harm" and not e.problems
        }

    @cached_property
    def status_enums(self):
        """Status enums of mutations and monitors, found once for RPL109 and RPL110."""
        return find_status_enums(self)

    def keys(self, op: Operation):
        if op.anchor not in self._keys:
            self._keys[op.anchor] = self.key_finder.find(op)
        return self._keys[op.anchor]

    def needs_key(self, op: Operation) -> bool:
        """`needs_key`, except that an operation named as setting a value (`set-lfs-preference`) needs none
        unless its harm is high: setting the same value twice is the same state, but a name is only a hint,
        and `setExpressCheckout` starts a payment."""
        if op.anchor not in self._needs_key:
            needed = needs_key(op)
            if needed and is_assignment(op) and self.harm(op).level != "high":
                needed = False
            self._needs_key[op.anchor] = needed
        return self._needs_key[op.anchor]

    def harm(self, op: Operation) -> Harm:
        """The operation's harm level (computed once: every key rule asks)."""
        if op.anchor not in self._harm:
            self._harm[op.anchor] = self._find_harm(op)
        return self._harm[op.anchor]

    def _find_harm(self, op: Operation) -> Harm:
        for scope in (("op", op.anchor), ("path", op.path)):
            note = self._harm_notes.get(scope)
            if note is not None:
                note.used = True
                return Harm(note.selector, note.reason, "annotation")
        configured = config_harm(self.config, op.anchor, op.operation_id, tuple(op.tags))
        if configured is not None:
            return configured
        note = self._harm_notes.get(("file",))
        if note is not None:
            note.used = True
            return Harm(note.selector, note.reason, "annotation")
        literal = op.literal_segments
        return word_harm(op.operation_id, literal[-1] if literal else "", op.tags) or _money_in_body(op) or \
            default_harm(self.config)


def _money_in_body(op: Operation) -> Harm | None:
    """A request that names an amount (`amount`, `funding_amount`, `amount_cents`) moves money: high harm."""
    from .semantics import money_field

    if op.method not in ("POST", "PATCH", "PUT"):
        return None
    name = money_field(op)
    return Harm("high", f"its request sets `{name}`", "words") if name else None


def analyse_spec(doc: Document, config, rules, root, display) -> FileResult:
    """Run `rules` (spec rules already selected) on one parsed OpenAPI document."""
    ws = Workspace(root, display, allow_remote=config.allow_remote_refs)
    ws.add(doc)
    spec = SpecAnalysis(Node(ws, doc, (), doc.data), config)
    try:
        return _run_rules(spec, ws, doc, rules, display)
    finally:
        spec.close()
        ws.close()


def _run_rules(spec: SpecAnalysis, ws: Workspace, doc: Document, rules, display) -> FileResult:
    result = FileResult(display(doc.path))
    run_checks(rules, spec, result)
    seen = set()
    for rule, node, message, fix, op, detail, severity in spec.reports:
        if severity is None:
            severity = SEVERITY_BY_HARM[spec.harm(op).level] if rule.severity == "by-harm" else rule.severity
        if op is not None and op.deprecated:
            severity = deprecated_severity(spec.config, severity)
            if severity is None:
                continue  # `deprecated = "ignore"`: an operation on its way out is not reported
        harm = spec.harm(op) if op is not None else None
        finding = Finding(rule.code, severity, message, fix, node.span(), op.anchor if op else "", detail,
                          harm=harm.level if harm else "", harm_reason=harm_evidence(harm) if harm else "",
                          method=op.method if op else "", route=op.path if op else "",
                          operation_id=op.operation_id if op else "")
        key = (finding.code, finding.span, finding.anchor, finding.detail)
        if key not in seen:
            seen.add(key)
            result.findings.append(finding)
    result.problems.extend(ws.problems)
    for exemption in spec.exemptions:
        for text in exemption.problems:
            result.notes.append(Note(exemption.span.path, text, exemption.span.line, exemption.span.column))
    result.exemptions = [e for e in spec.exemptions if not e.problems]
    result.dependencies = ws.loaded_paths(exclude=doc.path)
    if spec.config.crosscheck:
        from ..crosscheck.routes import spec_routes

        result.routes = spec_routes(spec, result.path)
    if spec.config.inventory:
        from ..audit.inventory import spec_inventory

        result.inventory = spec_inventory(spec, result.path)
    return result
