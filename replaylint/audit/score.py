"""The replayability score, hotspots and exemptions ledger, from the inventory and the filtered findings.

The score of an API is the harm-weighted share of its operations that are replay-shaped: an intent key, a way
to read the outcome back, and explicit states (docs/audit.md defines it; the same input gives the same number).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..fingerprint import relative_path

WEIGHTS = {"high": 3, "measurable": 1, "none": 0}  # harm none is listed, not scored
PARTS = ("key", "lookup", "states")
# Which rules speak against which part of an operation's shape (findings are joined by file and anchor).
PART_RULES = {
    "key": {"RPL101", "RPL102", "RPL103", "RPL104", "RPL107", "RPL301", "RPL302", "RPL401", "RPL402"},
    "lookup": {"RPL105", "RPL303"},  # RPL106 (409/422 undocumented) is listed, but the outcome can be read back
    "states": {"RPL108", "RPL109", "RPL110", "RPL305", "RPL404"},
}
HOTSPOT_COUNT = 10


@dataclass
class Operation:
    entry: dict
    findings: list = field(default_factory=list)  # Findings about it, exempted ones included
    parts: dict = field(default_factory=dict)  # part -> "yes" | "no" | "exempt"
    before: dict | None = None  # the parts at the baseline, when one is given (None: not there then)

    @property
    def weight(self) -> int:
        return WEIGHTS[self.entry["harm"]["level"]]

    @property
    def shaped(self) -> bool:
        return all(self.parts[part] != "no" for part in PARTS)

    @property
    def fixes(self) -> list[str]:
        """The fixes of the replay gaps first (key, lookup, states; then the rest, such as a reason an exemption
        lacks), most severe first within each: the hotspot shows the first."""
        from ..model import SEVERITY_RANK

        gaps = set().union(*PART_RULES.values())
        ranked = sorted((f for f in self.findings if not f.exempted),
                        key=lambda f: (f.code not in gaps, -SEVERITY_RANK[f.severity]))
        return list(dict.fromkeys(f.fix for f in ranked))


@dataclass
class Api:
    name: str
    files: list[str]
    operations: list[Operation]

    @property
    def scored(self) -> list[Operation]:
        return [op for op in self.operations if op.weight]


@dataclass
class Before:
    """What the baseline or git ref knew: its findings by (file, anchor), files relative to the project root,
    and the operations that existed then (None: a baseline too old to say; every operation counts as there)."""

    label: str
    findings: dict = field(default_factory=dict)  # (file, anchor) -> [Seen]
    operations: set | None = None
    knows_exemptions: bool = True  # a baseline file holds no exempted finding; a git ref's run has them

    def at(self, place: tuple, now: list) -> list:
        """The findings of then about an operation. A baseline file cannot say what was exempted then: an
        exemption of today that the baseline has no entry for is taken to have been there too."""
        then = self.findings.get(place, [])
        if self.knows_exemptions:
            return then
        recorded = {seen.code for seen in then}
        return then + [f for f in now if f.exempted and f.code not in recorded]


@dataclass
class Seen:
    """A finding as a baseline or git ref remembers it: enough for `judge`."""

    code: str
    exempted: bool = False
    reason: str = ""


def before_from_baseline(label: str, entries: list[dict], operations) -> Before:
    found: dict[tuple, list] = {}
    for entry in entries:
        found.setdefault((entry["path"], entry["anchor"]), []).append(Seen(entry["code"]))
    return Before(label, found, operations, knows_exemptions=False)


def before_from_ref(label: str, findings: list[tuple], operations) -> Before:
    found: dict[tuple, list] = {}
    for code, file, anchor, exempted, reason in findings:
        found.setdefault((file, anchor), []).append(Seen(code, exempted, reason))
    return Before(label, found, operations)


@dataclass
class Audit:
    apis: list[Api]
    ledger: list[dict]
    other_findings: list  # findings about no listed operation (client code, status models, schemas)
    problems: list
    baseline: str | None = None  # what "before" is: a baseline file or a git ref
    not_scored: list = field(default_factory=list)  # APIs left out: a file of theirs was not analysed


def score(operations: list[Operation], part: str | None = None, before: bool = False) -> float | None:
    """100 x the harm-weighted share of operations that are replay-shaped (or that pass one part); None when
    nothing is scored. With `before`, the baseline's view (operations new since then are left out)."""
    total = shaped = 0
    for op in operations:
        parts = op.before if before else op.parts
        if not op.weight or parts is None:
            continue
        total += op.weight
        passed = parts[part] != "no" if part else all(parts[p] != "no" for p in PARTS)
        shaped += op.weight * passed
    return round(100 * shaped / total, 1) if total else None


def judge(entry: dict, findings: list) -> dict:
    """Each part: "no" when a finding of its rules is about the operation and not signed off (unexempted, or
    exempted without a reason), "exempt" when every such finding is exempted with a reason, else "yes"; a key
    that is missing fails the lookup too (there is nothing to look up by), and a key exempted on an operation
    with no key exempts its lookup (the same sign-off covers both)."""
    parts = {}
    for part in PARTS:
        against = [f for f in findings if f.code in PART_RULES[part]]
        parts[part] = "no" if any(not (f.exempted and f.reason.strip()) for f in against) else \
            "exempt" if against else "yes"
    if parts["key"] == "no" and entry["key"] is None and not entry["key_by_method"]:
        parts["lookup"] = "no"
    elif parts["key"] == "exempt" and parts["lookup"] == "yes" and entry["key"] is None:
        parts["lookup"] = "exempt"
    return parts


def build_audit(result, root, before: Before | None = None) -> Audit:
    by_place: dict[tuple, list] = {}
    for finding in result.findings:
        by_place.setdefault((finding.path, finding.anchor), []).append(finding)
    broken = {problem.path for problem in result.problems}
    apis: dict[str, Api] = {}
    claimed = set()
    inventory, served = join_spec_and_code(result.inventory, getattr(result, "crosscheck", {}))
    for entry in sorted(inventory, key=lambda e: (e["api"], e["file"], e["line"], e["anchor"])):
        place = (entry["file"], entry["anchor"])
        claimed.add(place)
        findings = by_place.get(place, [])
        if place in served:  # the handler that serves the operation: its findings are the operation's too
            claimed.add(served[place])
            findings = findings + by_place.get(served[place], [])
        op = Operation(entry, findings, judge(entry, findings))
        then = (relative_path(entry["file"], root), entry["anchor"])
        if before is not None and (before.operations is None or then in before.operations):
            op.before = judge(entry, before.at(then, findings))
        api = apis.setdefault(entry["api"], Api(entry["api"], [], []))
        if entry["file"] not in api.files:
            api.files.append(entry["file"])
        api.operations.append(op)
    others = [f for f in result.findings if (f.path, f.anchor) not in claimed]
    ordered = sorted(apis.values(), key=lambda a: a.name)
    scored = [api for api in ordered if not _touched(api, broken)]
    return Audit(scored, ledger(result), others, list(result.problems), before.label if before else None,
                 [api for api in ordered if api not in scored])


def join_spec_and_code(inventory: list[dict], crosscheck: dict) -> tuple[list[dict], dict]:
    """The inventory with each spec operation that a handler serves as one row (the handler named in
    `served_by`, the higher harm of the two, the handler's own row gone), and where each such handler is:
    {(spec file, operation anchor): (handler file, handler qualified name)}."""
    pairs = {(spec, anchor): (file, line, qualname, name)
             for api in (crosscheck or {}).get("apis", []) for spec, anchor, file, line, qualname, name in api["pairs"]}
    if not pairs:
        return inventory, {}
    handlers = {(e["file"], e["anchor"]): e for e in inventory if e["kind"] == "handler"}
    rank = {"none": 0, "measurable": 1, "high": 2}
    joined, gone, served = [], set(), {}
    for entry in inventory:
        pair = pairs.get((entry["file"], entry["anchor"])) if entry["kind"] == "operation" else None
        if pair is None:
            joined.append(entry)
            continue
        file, line, qualname, name = pair
        served[(entry["file"], entry["anchor"])] = (file, qualname)
        handler = handlers.get((file, qualname))
        entry = {**entry, "served_by": {"file": file, "line": line, "name": name}}
        if handler is not None:
            gone.add((file, qualname))
            if rank[handler["harm"]["level"]] > rank[entry["harm"]["level"]]:
                entry["harm"] = handler["harm"]
            if entry["key"] is None and handler["key"] is not None:
                entry["key"], entry["lookup"] = handler["key"], entry["lookup"] or handler["lookup"]
        joined.append(entry)
    return [e for e in joined if e["kind"] != "handler" or (e["file"], e["anchor"]) not in gone], served


def _touched(api: Api, broken: set[str]) -> bool:
    """Is a file the API is made of among those not analysed: its spec (a `$ref` that failed is reported at
    the root spec), or, for a Python app, a module beside its handlers (a route file that did not parse)."""
    if broken.intersection(api.files):
        return True
    if api.operations[0].entry["kind"] != "handler":
        return False
    folders = {os.path.dirname(file) for file in api.files}
    return any(os.path.dirname(path) in folders for path in broken)


def hotspots(audit: Audit, count: int = HOTSPOT_COUNT) -> list[tuple[Api, Operation]]:
    """The operations to fix first: highest harm, then the most parts missing (no key before no lookup
    before no states), then where they are, so the order is stable."""
    candidates = [(api, op) for api in audit.apis for op in api.operations if op.weight and not op.shaped]

    def rank(pair):
        api, op = pair
        missing = tuple(op.parts[part] == "no" for part in PARTS)
        return (-op.weight, -sum(missing), tuple(not m for m in missing), api.name, op.entry["file"],
                op.entry["line"])

    return sorted(candidates, key=rank)[:count]


def changes(audit: Audit) -> tuple[list, list]:
    """(better, worse): operations whose shape changed since the baseline, by the number of parts passed."""
    better, worse = [], []
    for api in audit.apis:
        for op in api.operations:
            if op.before is None or not op.weight:
                continue
            now = sum(op.parts[p] != "no" for p in PARTS)
            then = sum(op.before[p] != "no" for p in PARTS)
            if now > then:
                better.append((api, op))
            elif now < then:
                worse.append((api, op))
    return better, worse


def ledger(result) -> list[dict]:
    """Every exemption and harm annotation, with its reason and place, and what is wrong with it."""
    meta = {(f.span, f.code) for f in result.findings if f.code in ("RPL001", "RPL002")}  # at the exemption
    rows = []
    for path, exemption in result.exemptions:
        span = exemption.span
        scope = exemption.scope[1] if len(exemption.scope) > 1 and exemption.scope[0] != "lines" else \
            ("the whole file" if exemption.scope[0] == "file" else "the lines below")
        issue = "no reason" if (span, "RPL001") in meta else "matches nothing" if (span, "RPL002") in meta else ""
        rows.append({"kind": exemption.kind, "what": f"harm: {exemption.selector}" if exemption.kind == "harm"
                     else f"allow {exemption.selector}", "scope": scope, "reason": exemption.reason,
                     "file": span.path, "line": span.line, "issue": issue})
    return sorted(rows, key=lambda r: (r["file"], r["line"], r["what"]))
