"""The audit as one self-contained HTML page: no network, fonts or scripts from elsewhere (a Content Security
Policy forbids them), readable from disk and printable. Every string taken from the input is escaped; the
page's small script only sorts and filters rows that are already on it."""
from __future__ import annotations

from html import escape

from .. import __version__
from ..audit.data import format_score as _score, score_change

PART_TITLES = {"key": "Intent key", "lookup": "Lookup", "states": "States"}
VERDICT_TEXT = {"yes": "yes", "no": "no", "exempt": "exempt"}

STYLE = """
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--ink:#1f2328;--dim:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);margin:0 auto;max-width:1180px;
padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);
padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.dim{color:var(--dim)}.score{font-size:44px;font-weight:700;line-height:1}.delta{font-size:16px;margin-left:8px}
.up{color:var(--ok)}.down{color:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px;background:#fff;break-inside:avoid}
.card .name{font-weight:600;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:5px 6px;
text-align:left;vertical-align:top}th{background:var(--bg);position:sticky;top:0}
th.sortable{cursor:pointer;user-select:none}th.sortable::after{content:" \\2195";color:var(--dim)}
td code,li code{overflow-wrap:anywhere}td.where code{overflow-wrap:normal;white-space:nowrap}
.yes{color:var(--ok)}.no{color:var(--bad);font-weight:600}.exempt{color:var(--warn)}
.harm-high{color:var(--bad);font-weight:600}.harm-measurable{color:var(--warn)}.harm-none{color:var(--dim)}
.controls{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0}.controls input[type=search]{min-width:260px;padding:4px}
pre{background:var(--bg);padding:6px 8px;border-radius:6px;overflow-x:auto;margin:4px 0;font-size:12px}
.finding{margin:0 0 12px}.fix{color:var(--ok)}
@media print{.controls{display:none}th{position:static}body{max-width:none;padding:0}}
"""

SCRIPT = """
(function(){
  var table=document.getElementById('ops');if(!table)return;
  var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
  var text=document.getElementById('filter'),harm=document.getElementById('harm'),
      gaps=document.getElementById('gaps'),count=document.getElementById('shown');
  function apply(){
    var q=text.value.toLowerCase(),h=harm.value,g=gaps.checked,n=0;
    rows.forEach(function(r){
      var show=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&(!h||r.dataset.harm===h)&&
               (!g||r.dataset.shaped==='no');
      r.hidden=!show;if(show)n++;
    });
    count.textContent=n+' of '+rows.length;
  }
  [text,harm,gaps].forEach(function(e){e.addEventListener('input',apply);e.addEventListener('change',apply);});
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.classList.add('sortable');
    th.addEventListener('click',function(){
      var up=th.dataset.dir!=='asc';th.dataset.dir=up?'asc':'desc';
      rows.sort(function(a,b){
        var x=a.cells[i].dataset.sort||a.cells[i].textContent,y=b.cells[i].dataset.sort||b.cells[i].textContent;
        var nx=parseFloat(x),ny=parseFloat(y),c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);
        return up?c:-c;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  apply();
})();
"""


def e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _delta(now, before) -> str:
    change = score_change(now, before)
    if change is None:
        return ""
    if change == 0:
        return '<span class="delta dim">±0 since the baseline</span>'
    css, sign = ("up", "+") if change > 0 else ("down", "−")
    return f'<span class="delta {css}">{sign}{abs(change):.1f} since the baseline</span>'


def _bars(scores: dict, before: dict | None = None) -> str:
    """Three horizontal bars (keyed / lookup / states) in inline SVG; with a baseline, a thin bar under each
    shows where it was."""
    rows = []
    height = 22 if before else 16
    for index, part in enumerate(("key", "lookup", "states")):
        y = index * (height + 6)
        value = scores.get(part)
        width = 0 if value is None else 2.2 * value
        label = f"{PART_TITLES[part]}: {_score(value)}"
        rows.append(f'<text x="0" y="{y + 12}" font-size="12">{e(PART_TITLES[part])}</text>'
                    f'<rect x="80" y="{y}" width="220" height="14" fill="#eaeef2"/>'
                    f'<rect x="80" y="{y}" width="{width:.1f}" height="14" fill="#1a7f37"><title>{e(label)}</title>'
                    f'</rect><text x="306" y="{y + 12}" font-size="12">{_score(value)}</text>')
        if before:
            was = before.get(part)
            rows.append(f'<rect x="80" y="{y + 16}" width="{0 if was is None else 2.2 * was:.1f}" height="4" '
                        f'fill="#8c959f"><title>{e(f"at the baseline: {_score(was)}")}</title></rect>')
    total = 3 * (height + 6)
    return (f'<svg role="img" aria-label="keyed, lookup and states scores" width="340" height="{total}" '
            f'viewBox="0 0 340 {total}">{"".join(rows)}</svg>')


def _legend(data: dict, before: dict | None) -> str:
    """What the thin bars are, and the score then and now as one line: the trend since the baseline."""
    if not before:
        return ""
    return (f'<p class="dim">Thin grey bars: at {e(data["change"]["against"])}. Score then '
            f'{_score(before.get("score"))} → now {_score(data["overall"]["score"])}.</p>')


def _verdict(value, detail: str = "") -> str:
    return f'<td class="{e(value)}" data-sort="{e(value)}">{e(VERDICT_TEXT.get(value, value))}{detail}</td>'


def _served_by(op: dict) -> str:
    """Under a spec operation's place, the handler that serves it (when spec and code were matched)."""
    served = op.get("served_by")
    if not served:
        return ""
    return (f'<br><span class="dim">served by {e(served["name"])} '
            f'<code>{e(served["file"])}:{served["line"]}</code></span>')


def _key_cell(op: dict) -> str:
    key = op["key"]
    if key:
        required = "" if key["required"] is None else (" (required)" if key["required"] else " (optional)")
        return f'<code>{e(key["name"])}</code> <span class="dim">in {e(key["in"])}{e(required)}</span>'
    return '<span class="dim">the path names the target</span>' if op["key_by_method"] else "none"


def render_audit_html(data: dict, source_line=None) -> str:
    overall = data["overall"]
    parts = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
             f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
             f'style-src \'unsafe-inline\'; script-src \'unsafe-inline\'; img-src data:">'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">'
             f'<title>replaylint audit</title><style>{STYLE}</style></head><body>',
             '<h1>How replay-safe is this API?</h1>',
             f'<p class="dim">replaylint {e(__version__)} audit. An operation is <b>replay-shaped</b> when it takes '
             'an intent key, lets a caller read the outcome back by it, and reports explicit states. The score is '
             'the share of scored operations that are replay-shaped, weighted by harm (high ×3, measurable ×1; '
             'harm none is listed, not scored).</p>']
    before = overall.get("before") or None
    parts.append(f'<div class="card"><span class="score">{_score(overall["score"])}</span>'
                 f'<span class="dim"> / 100</span>{_delta(overall["score"], (before or {}).get("score"))}'
                 f'<p>{overall["replay_shaped"]} of {overall["scored"]} scored operations are replay-shaped '
                 f'({overall["operations"]} listed).</p>{_bars(overall, before)}{_legend(data, before)}</div>')
    parts.append(f'<h2>APIs ({len(data["apis"])})</h2><div class="cards">')
    for api in data["apis"]:
        parts.append(f'<div class="card"><div class="name">{e(api["name"])}</div>'
                     f'<div><span class="score" style="font-size:28px">{_score(api["score"])}</span>'
                     f'{_delta(api["score"], (api["before"] or {}).get("score"))}</div>'
                     f'<p class="dim">{api["replay_shaped"]}/{api["scored"]} replay-shaped · '
                     f'{e(", ".join(api["files"][:3]))}{" …" if len(api["files"]) > 3 else ""}</p>'
                     f'{_bars(api, api["before"])}</div>')
    parts.append('</div>')
    parts.append(_hotspots(data))
    parts.append(_changes(data))
    parts.append(_operations(data))
    parts.append(_findings(data, source_line))
    parts.append(_ledger(data))
    if data["not_analysed"]:
        parts.append(f'<h2>Not analysed ({len(data["not_analysed"])})</h2><p>The score leaves these out.</p><ul>' +
                     "".join(f'<li><code>{e(p["file"])}</code>: {e(p["message"])}</li>' for p in data["not_analysed"])
                     + "".join(f'<li>API left out of the score: {e(api["name"])}</li>' for api in data["not_scored"])
                     + '</ul>')
    parts.append(f'<script>{SCRIPT}</script></body></html>')
    return "".join(parts) + "\n"


def _hotspots(data: dict) -> str:
    if not data["hotspots"]:
        return '<h2>Fix first</h2><p>Nothing: every scored operation is replay-shaped.</p>'
    items = []
    for spot in data["hotspots"]:
        missing = ", ".join(PART_TITLES[p].lower() for p in spot["missing"])
        fix = f'<div class="fix">fix: {e(spot["fixes"][0])}</div>' if spot["fixes"] else ""
        items.append(f'<li><b>{e(spot["label"])}</b> <span class="harm-{e(spot["harm"])}">{e(spot["harm"])} harm'
                     f'</span> · missing {e(missing)} · <code>{e(spot["file"])}:{spot["line"]}</code>{fix}</li>')
    return f'<h2>Fix first</h2><ol>{"".join(items)}</ol>'


def _changes(data: dict) -> str:
    change = data["change"]
    if not change:
        return ""
    rows = "".join(f'<li class="{css}">{label}: {e(row["label"])} <span class="dim">({e(row["api"])})</span></li>'
                   for css, label, key in (("up", "better", "better"), ("down", "worse", "worse"))
                   for row in change[key])
    return (f'<h2>Since {e(change["against"])}</h2><p>{len(change["better"])} better, {len(change["worse"])} '
            f'worse.</p><ul>{rows}</ul>')


def _operations(data: dict) -> str:
    head = "".join(f"<th>{title}</th>" for title in ("API", "Operation", "Name", "Harm", "Intent key", "Lookup",
                                                      "States", "Replay-shaped", "Where"))
    rows = []
    rank = {"high": 3, "measurable": 2, "none": 1}
    for op in data["operations"]:
        harm = op["harm"]["level"]
        why = op["harm"]["reason"] or op["harm"]["source"]
        lookup = f' <span class="dim">{e(op["lookup"])}</span>' if op["lookup"] else ""
        states = f' <span class="dim">{e(", ".join(op["states"]))}</span>' if op["states"] else ""
        shaped = "yes" if op["replay_shaped"] else "no"
        rows.append(
            f'<tr data-harm="{e(harm)}" data-shaped="{shaped}"><td>{e(op["api"])}</td>'
            f'<td><code>{e(op["method"])} {e(op["path"] or "(route not known)")}</code></td><td>{e(op["name"])}</td>'
            f'<td class="harm-{e(harm)}" data-sort="{rank[harm]}" title="{e(why)}">{e(harm)}</td>'
            f'<td class="{e(op["parts"]["key"])}" data-sort="{e(op["parts"]["key"])}">{_key_cell(op)}</td>'
            f'{_verdict(op["parts"]["lookup"], lookup)}{_verdict(op["parts"]["states"], states)}'
            f'{_verdict(shaped)}<td class="where"><code>{e(op["file"])}:{op["line"]}</code>{_served_by(op)}</td></tr>')
    return ('<h2>Operations</h2><div class="controls"><input id="filter" type="search" '
            'placeholder="filter: path, name, file…" aria-label="filter operations">'
            '<select id="harm" aria-label="harm"><option value="">any harm</option><option>high</option>'
            '<option>measurable</option><option>none</option></select><label><input id="gaps" type="checkbox"> '
            'only the ones not replay-shaped</label><span id="shown" class="dim"></span></div>'
            f'<table id="ops"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _findings(data: dict, source_line) -> str:
    findings = [f for op in data["operations"] for f in op["findings"] if not f["exempted"]] + \
        data["other_findings"]
    if not findings:
        return ""
    by_rule: dict[str, list] = {}
    for finding in findings:
        by_rule.setdefault(finding["code"], []).append(finding)
    out = [f'<h2>Findings by rule ({len(findings)})</h2>']
    for code in sorted(by_rule):
        group = sorted(by_rule[code], key=lambda f: (f["file"], f["line"]))
        out.append(f'<h3>{e(code)} <span class="dim">({len(group)})</span></h3>')
        for finding in group:
            frame = source_line(finding["file"], finding["line"]) if source_line else None
            shown = f'<pre>{finding["line"]} | {e(frame[:240])}</pre>' if frame is not None else ""
            out.append(f'<div class="finding"><code>{e(finding["file"])}:{finding["line"]}</code> '
                       f'{e(finding["message"])}{shown}<div class="fix">fix: {e(finding["fix"])}</div></div>')
    return "".join(out)


def _ledger(data: dict) -> str:
    rows = "".join(
        f'<tr><td>{e(row["what"])}</td><td>{e(row["scope"])}</td><td>{e(row["reason"]) or "<i>none</i>"}</td>'
        f'<td><code>{e(row["file"])}:{row["line"]}</code></td>'
        f'<td class="{"no" if row["issue"] else "yes"}">{e(row["issue"] or "ok")}</td></tr>'
        for row in data["exemptions"])
    if not rows:
        return '<h2>Exemptions</h2><p>None: no operation is exempted or declared harmless in the code or specs.</p>'
    return ('<h2>Exemptions ledger</h2><p>What an auditor signs off: every exemption and harm annotation with its '
            'reason.</p><table><thead><tr><th>Exemption</th><th>Applies to</th><th>Reason</th><th>Where</th>'
            f'<th>Check</th></tr></thead><tbody>{rows}</tbody></table>')
