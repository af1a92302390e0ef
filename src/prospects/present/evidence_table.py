"""The evidence: a timeline of dated claims (SVG) and the filterable table of every claim,
each row anchored as ``claim-<id>`` so charts and tables can link to it."""

from __future__ import annotations

from datetime import date

import numpy as np

from .format import count, unit_text
from .svg import claim_link, esc, lines, svg, text, tick, wrap

BY_COLOUR = {"author": "#1f5f8b", "group": "#b5542c", "rival": "#7a4f9a", "other": "#8a7a22"}
LABEL_W, LABEL_CHARS, LINE_H, AXIS_W = 400, 72, 12, 640


def _months(d: date) -> int:
    return d.year * 12 + d.month - 1


def dated_claims(evidence) -> list:
    """(claim, start, end) for claims with a period, sorted by start (open starts by end)."""
    rows = []
    for claim in evidence.claims.values():
        span = claim.span
        if span is None:
            continue
        rows.append((claim, span.start, span.end))
    return sorted(rows, key=lambda r: (r[1] or r[2], r[2] or r[1], r[0].id))


def timeline_svg(evidence) -> str:
    rows = dated_claims(evidence)
    if not rows:
        return svg(400, 30, text(10, 20, "No dated claims.", 11), "Timeline")
    ends = [d for _, s, e in rows for d in (s, e) if d is not None]
    first = _months(min(ends)) // 12 * 12
    last = (_months(max(ends)) // 12 + 1) * 12
    scale = AXIS_W / (last - first)

    def x(month: int) -> float:
        return LABEL_W + (month - first) * scale

    # each claim reads whole, wrapped over as many lines as it needs (its id is in the hover)
    labels = [wrap(claim.text, LABEL_CHARS, len(claim.text)) for claim, _, _ in rows]
    tops = np.cumsum([24] + [len(label) * LINE_H + 4 for label in labels])
    top, height = tops[0], tops[-1] + 28
    parts = []
    for year_month in range(first, last + 1, 12):
        xx = x(year_month)
        parts.append(f'<line x1="{xx:.1f}" y1="{top - 6}" x2="{xx:.1f}" y2="{height - 22}" '
                     'stroke="#ddd"/>')
        if year_month < last:
            parts.append(tick(xx + 6 * scale, 14, str(year_month // 12)))
            parts.append(tick(xx + 6 * scale, height - 8, str(year_month // 12)))
    for k, ((claim, start, end), label) in enumerate(zip(rows, labels, strict=True)):
        y, row_h = tops[k], tops[k + 1] - tops[k]
        if k % 2:
            parts.append(f'<rect x="0" y="{y}" width="{LABEL_W + AXIS_W + 10}" '
                         f'height="{row_h}" fill="#f7f7f7"/>')
        colour = BY_COLOUR.get(claim.asserted_by, "#444")
        x0 = x(_months(start)) if start else x(first)
        x1 = x(_months(end) + 1) if end else x(last)
        open_attr = ' fill-opacity="0.35"' if start is None or end is None else ""
        bar = (f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 3):.1f}" '
               f'height="{LINE_H - 3}" rx="2" fill="{colour}"{open_attr}/>')
        if start is None:
            bar += text(x0 + 2, y + LINE_H, "\u2026", 9, "start", "#fff")
        if end is None:
            bar += text(x1 - 2, y + LINE_H, "\u2192", 9, "end", "#222")
        text_lines = lines(LABEL_W - 8, y + LINE_H, label, 9.5, LINE_H, "end", "#123")
        tip = (f"{claim.period}: {claim.text} ({claim.asserted_by}, credibility "
               f"{claim.credibility}: {CREDIBILITY[claim.credibility]}) [{claim.id}]")
        parts.append(claim_link(claim.id, text_lines + bar, tip))
    legend_x = 10
    for who, colour in BY_COLOUR.items():
        parts.append(f'<rect x="{legend_x}" y="{height - 17}" width="12" height="9" '
                     f'fill="{colour}"/>' + text(legend_x + 16, height - 9, who, 9.5))
        legend_x += 70
    return svg(LABEL_W + AXIS_W + 20, height, "".join(parts), "Timeline of dated claims")


#: The Admiralty (NATO) grades: a claim's credibility, a source's reliability.
CREDIBILITY = {1: "confirmed by other sources", 2: "probably true", 3: "possibly true",
               4: "doubtful", 5: "improbable", 6: "truth cannot be judged"}
RELIABILITY = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
               "D": "not usually reliable", "E": "unreliable",
               "F": "reliability cannot be judged"}
SCALES = ("Credibility of a claim (Admiralty scale): " + "; ".join(
    f"{k} {v}" for k, v in CREDIBILITY.items()) + ". Reliability of a source: " + "; ".join(
    f"{k} {v}" for k, v in RELIABILITY.items()) + ".")


def _quantity(q) -> str:
    if q is None:
        return ""
    amount = count(q.value) if q.value is not None else f"{count(q.low)}\u2013{count(q.high)}"
    unit = unit_text(q.unit)
    return f"{amount}{f' {unit}' if unit else ''} ({q.measures})"


def _user(user: str, links: dict[str, str]) -> str:
    """A 'used by' entry ('parameter:x'), a link where the page has its place."""
    kind, _, name = user.partition(":")
    label = f"{kind} {name}"
    href = links.get(user)
    return f"<a href='{esc(href)}'>{esc(label)}</a>" if href else esc(label)


def evidence_table(evidence, usage: dict[str, list[str]],
                   links: dict[str, str] | None = None) -> str:
    """Every claim, with the filter controls above it (see ``FILTER_SCRIPT``); ``links``
    maps a 'used by' entry to its place on the page."""
    links = links or {}
    by_values = sorted({c.asserted_by for c in evidence.claims.values()})
    cred_values = sorted({c.credibility for c in evidence.claims.values()})
    controls = (
        "<div class='filters'><label>Filter <input type='search' id='ev-filter' "
        "placeholder='words in any column'></label> "
        "<label>asserted by <select id='ev-by'><option value=''>any</option>"
        + "".join(f"<option value='{esc(v)}'>{esc(v)}</option>" for v in by_values)
        + "</select></label> <label>credibility <select id='ev-cred'>"
        "<option value=''>any</option>"
        + "".join(f"<option value='{v}'>{v}</option>" for v in cred_values)
        + "</select></label> <span id='ev-count' class='muted'></span></div>")
    rows = []
    for claim in evidence.claims.values():
        users = usage.get(claim.id, [])
        used = "<br>".join(_user(u, links) for u in users) or (
            f"<span class='muted'>context: {esc(claim.context)}</span>" if claim.context
            else "<span class='muted'>unused</span>")
        source = evidence.sources.get(claim.source)
        locator = esc(claim.locator) + (
            f"<br><span class='muted' title='{esc(RELIABILITY.get(source.reliability, ''))}'>"
            f"{esc(source.id)}, reliability {esc(source.reliability)}</span>"
            if source else "")
        rows.append(
            f"<tr id='claim-{esc(claim.id)}' data-by='{esc(claim.asserted_by)}' "
            f"data-cred='{claim.credibility}'><td><code>{esc(claim.id)}</code></td>"
            f"<td>{esc(claim.text)}</td><td>{locator}</td><td>{esc(claim.asserted_by)}</td>"
            f"<td title='{esc(CREDIBILITY.get(claim.credibility, ''))}'>{claim.credibility} "
            f"<span class='muted'>{esc(CREDIBILITY.get(claim.credibility, ''))}</span></td>"
            f"<td>{esc(claim.period or '')}</td>"
            f"<td>{esc(_quantity(claim.quantity))}</td><td class='used'>{used}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("id", "claim", "locator", "asserted by",
                                             "credibility", "period", "quantity", "used by"))
    return (controls + f"<p class='muted'>{esc(SCALES)}</p>"
            f"<table id='claims' class='claims'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


FILTER_SCRIPT = """
(function(){
var box=document.getElementById('ev-filter'),by=document.getElementById('ev-by'),
cred=document.getElementById('ev-cred'),count=document.getElementById('ev-count');
if(!box)return;
var rows=Array.prototype.slice.call(document.querySelectorAll('#claims tbody tr'));
function apply(){var words=box.value.toLowerCase().split(/\\s+/).filter(Boolean),shown=0;
rows.forEach(function(r){var t=r.textContent.toLowerCase();
var ok=words.every(function(w){return t.indexOf(w)>=0;})
&&(!by.value||r.getAttribute('data-by')===by.value)
&&(!cred.value||r.getAttribute('data-cred')===cred.value);
r.style.display=ok?'':'none';if(ok)shown++;});
count.textContent=shown+' of '+rows.length+' claims';}
box.addEventListener('input',apply);by.addEventListener('change',apply);
cred.addEventListener('change',apply);
window.addEventListener('hashchange',function(){var id=location.hash.slice(1);
var el=document.getElementById(id);if(el&&el.style.display==='none'){box.value='';
by.value='';cred.value='';apply();el.scrollIntoView();}});
apply();})();
"""
