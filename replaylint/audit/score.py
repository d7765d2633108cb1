"""The replayability score, hotspots and exemptions ledger, from the inventory and the filtered findings.

The score of an API is the harm-weighted share of its operations that are replay-shaped: an intent key, a way
to read the outcome back, and explicit states (docs/audit.md defines it; the same input gives the same number).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..fingerprint import relative_path

WEIGHTS = {"high": 3, "measurable": 1, "none": 0}  # harm none is listed, not scored
PARTS = ("key", "lookup", "states")
# Which rules speak against which part of an operation's shape (findings are joined by file and anchor).
PART_RULES = {
    "key": {"RPL101", "RPL102", "RPL103", "RPL104", "RPL107", "RPL301", "RPL302"},
    "lookup": {"RPL105", "RPL303"},  # RPL106 (409/422 undocumented) is listed, but the outcome can be read back
    "states": {"RPL108", "RPL109", "RPL110", "RPL305"},
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
        return list(dict.fromkeys(f.fix for f in self.findings if not f.exempted))


@dataclass
class Api:
    name: str
    files: list[str]
    operations: list[Operation]

    @property
    def scored(self) -> list[Operation]:
        return [op for op in self.operations if op.weight]


@dataclass
class Audit:
    apis: list[Api]
    ledger: list[dict]
    other_findings: list  # findings about no listed operation (client code, status models, schemas)
    problems: list
    baseline: str | None = None  # what "before" is: a baseline file or a git ref


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
    """Each part: "no" when an unexempted finding of its rules is about the operation, "exempt" when every
    such finding is exempted (signed off with a reason), else "yes"; a key that is missing fails the lookup
    too (there is nothing to look up by)."""
    parts = {}
    for part in PARTS:
        against = [f for f in findings if f.code in PART_RULES[part]]
        parts[part] = "no" if any(not f.exempted for f in against) else "exempt" if against else "yes"
    if parts["key"] == "no" and entry["key"] is None and not entry["key_by_method"]:
        parts["lookup"] = "no"
    elif parts["key"] == "exempt" and parts["lookup"] == "yes" and entry["key"] is None:
        parts["lookup"] = "exempt"
    return parts


def build_audit(result, root, before_keys: list[str] | None = None, before_label: str | None = None) -> Audit:
    by_place: dict[tuple, list] = {}
    for finding in result.findings:
        by_place.setdefault((finding.path, finding.anchor), []).append(finding)
    before = _before_findings(before_keys, root) if before_keys is not None else None
    apis: dict[str, Api] = {}
    claimed = set()
    for entry in sorted(result.inventory, key=lambda e: (e["api"], e["file"], e["line"], e["anchor"])):
        place = (entry["file"], entry["anchor"])
        claimed.add(place)
        findings = by_place.get(place, [])
        op = Operation(entry, findings, judge(entry, findings))
        if before is not None:
            earlier = before.get((relative_path(entry["file"], root), entry["anchor"]), [])
            op.before = judge(entry, earlier)
        api = apis.setdefault(entry["api"], Api(entry["api"], [], []))
        if entry["file"] not in api.files:
            api.files.append(entry["file"])
        api.operations.append(op)
    others = [f for f in result.findings if (f.path, f.anchor) not in claimed]
    return Audit(sorted(apis.values(), key=lambda a: a.name), ledger(result), others, list(result.problems),
                 before_label)


class _Seen:
    """A finding as a baseline key remembers it: enough for `judge` (its rule; a baseline holds no exempted
    finding)."""

    exempted = False

    def __init__(self, code: str):
        self.code = code


def _before_findings(keys: list[str], root) -> dict[tuple, list]:
    """(file relative to the project root, anchor) -> the findings a baseline or git ref had there."""
    found: dict[tuple, list] = {}
    for key in keys:
        parts = key.split("|")
        if len(parts) >= 3:
            found.setdefault((parts[1], parts[2]), []).append(_Seen(parts[0]))
    return found


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
