"""The audit as Markdown that fits a pull-request comment and `$GITHUB_STEP_SUMMARY`: the score and its change,
a compact table per API, the hotspots, and what the exemptions ledger needs an auditor to look at."""
from __future__ import annotations

from ..audit.data import format_score as _score, score_change
from .escape import markdown_safe as md

PART_TITLES = {"key": "keyed", "lookup": "lookup", "states": "states"}
MAX_ROWS = 50  # a comment stays readable; the HTML and JSON reports hold everything


def _change(now, before) -> str:
    delta = score_change(now, before)
    if delta is None:
        return ""
    return " (±0)" if delta == 0 else f" ({'+' if delta > 0 else '−'}{abs(delta):.1f})"


def _bar(value) -> str:
    """A ten-cell bar in text, for a table that has no pictures."""
    if value is None:
        return ""
    filled = round(value / 10)
    return "▰" * filled + "▱" * (10 - filled)


def render_audit_markdown(data: dict) -> str:
    overall = data["overall"]
    before = overall["before"] or {}
    lines = ["## replaylint audit: replayability", ""]
    if overall["score"] is None:
        lines += ["No mutating operation with harm was found: nothing to score.", ""]
    else:
        lines += [f"**Score {_score(overall['score'])} / 100**{_change(overall['score'], before.get('score'))} "
                  f"{_bar(overall['score'])} — {overall['replay_shaped']} of {overall['scored']} scored operations "
                  f"are replay-shaped (weighted by harm: high ×3, measurable ×1).", ""]
        if data["change"]:
            lines += [f"Compared with {md(data['change']['against'])}: {len(data['change']['better'])} better, "
                      f"{len(data['change']['worse'])} worse.", ""]
    lines += ["| API | score | keyed | lookup | states | replay-shaped |", "|---|---:|---:|---:|---:|---:|"]
    for api in data["apis"][:MAX_ROWS]:
        was = api["before"] or {}
        lines.append(f"| {md(api['name'])} | {_score(api['score'])}{_change(api['score'], was.get('score'))} | "
                     f"{_score(api['key'])} | {_score(api['lookup'])} | {_score(api['states'])} | "
                     f"{api['replay_shaped']}/{api['scored']} |")
    if len(data["apis"]) > MAX_ROWS:
        lines.append(f"| … and {len(data['apis']) - MAX_ROWS} more | | | | | |")
    lines.append("")
    if data["hotspots"]:
        lines += ["### Fix first", "", "| operation | harm | missing | fix |", "|---|---|---|---|"]
        for spot in data["hotspots"]:
            fix = spot["fixes"][0] if spot["fixes"] else ""
            lines.append(f"| {md(spot['label'])} ({md(spot['api'])}, {md(spot['file'])}:{spot['line']}) | "
                         f"{spot['harm']} | {', '.join(PART_TITLES[p] for p in spot['missing'])} | {md(fix)} |")
        lines.append("")
    if data["change"] and (data["change"]["better"] or data["change"]["worse"]):
        lines += ["### Since the baseline", ""]
        for label, rows in (("better", data["change"]["better"]), ("worse", data["change"]["worse"])):
            for row in rows[:MAX_ROWS]:
                lines.append(f"- {label}: {md(row['label'])} ({md(row['api'])})")
        lines.append("")
    flagged = [row for row in data["exemptions"] if row["issue"]]
    lines += [f"### Exemptions: {len(data['exemptions'])}" +
              (f", {len(flagged)} to look at" if flagged else ""), ""]
    for row in flagged[:MAX_ROWS]:
        lines.append(f"- {md(row['file'])}:{row['line']} {md(row['what'])}: **{row['issue']}**")
    if flagged:
        lines.append("")
    if data["not_analysed"]:
        lines += [f"**{len(data['not_analysed'])} input(s) not analysed**: the score leaves them out.", ""]
        lines += [f"- {md(p['file'])}: {md(p['message'])}" for p in data["not_analysed"][:MAX_ROWS]] + [""]
    if data["not_scored"]:
        lines += ["APIs left out of the score because an input of theirs was not analysed: " +
                  ", ".join(md(api["name"]) for api in data["not_scored"]), ""]
    return "\n".join(lines)
