"""``prospects report``: one self-contained HTML page that opens with the answer (the
outcome probabilities under the status quo and what each lever changes), then the
projections by scenario, what drives them, why they move, the calibration fit, any
evaluation, and the model's structure and evidence. No network: inline SVG, CSS and a
little plain JS.

Every piece of text from evidence files is escaped; the script reads only the DOM (data
attributes and text), never text pasted into it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from .answer import answer_html
from .diagram import stock_flow_svg
from .drivers import drivers_html, loops_table, named_loops
from .evidence_table import FILTER_SCRIPT, evidence_table, timeline_svg
from .format import count, label_of, pct
from .network import network_svg, relations_table
from .page import page
from .scenarios import projections_html
from .svg import esc
from .why import why_html

#: (anchor, heading) of each section, in order; one progress step each. The evaluation
#: section appears only when vintages or a backtest are given.
SECTIONS = (("answer", "The answer: prospects and what changes them"),
            ("projections", "Projections by scenario"),
            ("drivers", "What drives the outcomes"),
            ("why", "Why: the flows behind the changes"),
            ("fit", "Calibration: fit and what the evidence decides"),
            ("evaluation", "Evaluation against later evidence"),
            ("diagram", "Stock-and-flow diagram and feedback loops"),
            ("actors", "Actor network"),
            ("timeline", "Timeline of dated evidence"),
            ("evidence", "Evidence"),
            ("about", "About this report"))

EXTRA_CSS = """
nav ol{columns:2;font-size:.9em}.notes{background:#fff8e5;border:1px solid #ecd9a0;
padding:.5em 1em}.scn-pick{position:sticky;top:0;background:#fff;padding:.4em 0;z-index:2;
border-bottom:1px solid #eee}.scn[hidden]{display:none}.claims td:first-child{min-width:10em}
.claims td:nth-child(2){min-width:22em}.legend{margin:.3em 0;font-size:.85em}
.legend .key{margin-right:1.2em;white-space:nowrap}.legend svg{vertical-align:middle}
.claims tr:target{background:#fff3b0}.claims .used{font-size:.85em;color:#444}
.filters{margin:.5em 0}.why{margin-bottom:2em}td.num,th.num{text-align:right;
white-space:nowrap}td.clear{font-weight:700}.lead{font-size:1.1em}
table.answer th{font-weight:normal;background:none}table.changes tr.median th,
table.changes tr.median td{border-top:2px solid #999}
.why-body{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}.why-body figure{margin:0}
table.fit td.no{color:#b5542c;font-weight:600}
.wide{overflow-x:auto}h3{font-size:1.05em;margin-bottom:.3em}
@media print{.scn-pick{display:none}.scn[hidden]{display:block}
.claims tr{display:table-row!important}}
"""

PICK_SCRIPT = """
(function(){
var pick=document.getElementById('scn-pick');if(!pick)return;
var blocks=document.querySelectorAll('.scn');
function show(){blocks.forEach(function(b){b.hidden=b.getAttribute('data-scn')!==pick.value;});}
function follow(){var el=document.getElementById(location.hash.slice(1));
if(el&&el.classList.contains('scn')){pick.value=el.getAttribute('data-scn');show();
el.scrollIntoView();}}
pick.addEventListener('change',show);window.addEventListener('hashchange',follow);show();
follow();})();
"""


def _fit_section(system, idata, rows) -> str:
    if idata is None:
        return ("<p>Calibration has not been run: no posterior was found, so calibrated "
                "parameters keep their priors throughout this report. Run "
                "<code>prospects calibrate</code> and then this report again.</p>")
    attrs = idata.posterior.attrs
    ev = system.evidence

    def interval(q):
        return (f"{count(q[1])} <span class='muted'>[{count(q[0])}, {count(q[2])}]</span>")

    body = "".join(
        f"<tr id='obs-{esc(r.observation)}'><td><a href='#claim-{esc(r.claim)}' "
        f"title='{esc(r.observation)}'>"
        f"{esc(ev.claims[r.claim].text if r.claim in ev.claims else r.claim)}</a></td>"
        f"<td>{esc(r.claimed)}</td><td class='num'>{pct(r.prior_share)}</td>"
        f"<td class='num {'yes' if r.posterior_share >= 0.5 else 'no'}'>"
        f"{pct(r.posterior_share)}</td><td class='num'>{interval(r.prior)}</td>"
        f"<td class='num'>{interval(r.posterior)}</td>"
        f"<td class='num'>{'' if r.p_value is None else f'{r.p_value:.2f}'}</td></tr>"
        for r in rows)
    most_prior = sum(r.prior_share >= 0.5 for r in rows)
    most_post = sum(r.posterior_share >= 0.5 for r in rows)
    about = (f"Posterior: {esc(attrs.get('sampler', 'unknown sampler'))}; log evidence "
             f"{float(attrs.get('log_evidence', np.nan)):.2f} \u00b1 "
             f"{float(attrs.get('log_evidence_se', np.nan)):.2f}; max R-hat "
             f"{float(attrs.get('max_rhat', np.nan)):.3f}, min bulk ESS "
             f"{float(attrs.get('min_ess', np.nan)):,.0f}.")
    if float(attrs.get("max_rhat", 0)) > 1.01 or float(attrs.get("min_ess", 1e9)) < 400:
        about += (" <strong>The independent runs disagree or the sample is thin</strong>: "
                  "treat the posterior as provisional.")
    return (f"<p class='muted'>{about}</p><p>{most_post} of {len(rows)} observations are "
            f"satisfied by most posterior-predictive draws, against {most_prior} of "
            f"{len(rows)} by most prior-predictive draws: the difference is what calibration "
            "bought. Each row: the share of prior- and of posterior-predictive draws (drawn "
            "as the projections draw them) that satisfy the claim; the model value under "
            "each, median [5%, 95%]; and for figures, the chance that a replicated figure "
            "lies above the claimed one (near 0 or 1: the model cannot reproduce it).</p>"
            "<div class='wide'><table class='fit'><thead><tr><th>observation (its claim)"
            "</th><th>claimed</th><th>prior share</th><th>posterior share</th>"
            "<th>prior predictive</th><th>posterior predictive</th><th>p-value</th>"
            f"</tr></thead><tbody>{body}</tbody></table></div>"
            + _identifiability(system, idata))


def _identifiability(system, idata) -> str:
    """Per parameter, what the evidence decided: prior and posterior 90% intervals,
    contraction, shift; strongly correlated pairs; what it left open, said plainly."""
    if "identifiability" not in idata.groups():
        return ""
    from ..inference.posterior import at_prior_edge, correlated_pairs, not_identified

    ident = idata["identifiability"]
    weak = set(not_identified(ident))
    edges = dict(at_prior_edge(ident))
    names = [str(n) for n in ident.parameter.values]
    order = np.argsort(-ident.contraction.values)
    rows = []
    for j in order:
        n = names[j]
        flags = []
        if n in weak:
            flags.append("not identified")
        if n in edges:
            flags.append(f"posterior piles at the prior's {edges[n]} edge")
        rows.append(
            f"<tr id='param-{esc(n)}'><td title='{esc(n)}'>{esc(label_of(system, n))}</td>"
            f"<td class='num'>{count(float(ident.prior_low[j]))} to "
            f"{count(float(ident.prior_high[j]))}</td>"
            f"<td class='num'>{count(float(ident.posterior_low[j]))} to "
            f"{count(float(ident.posterior_high[j]))}</td>"
            f"<td class='num'>{float(ident.contraction[j]):.2f}</td>"
            f"<td class='num'>{float(ident['shift'][j]):+.2f}</td>"
            f"<td>{esc('; '.join(flags))}</td></tr>")
    pairs = [f"{label_of(system, a)} and {label_of(system, b)} ({rho:+.2f})"
             for a, b, rho in correlated_pairs(ident)]
    weak_list = ", ".join(label_of(system, n) for n in names if n in weak) or "none"
    edge_list = "; ".join(f"{label_of(system, n)} ({side} edge)" for n, side in edges.items())
    return ("<h3>What the evidence identifies</h3>"
            f"<p><strong>Not identified by the evidence</strong> (contraction below "
            f"{ident.attrs['not_identified_below']:g}: the posterior is about the prior): "
            f"{esc(weak_list)}.</p>"
            + (f"<p><strong>At the prior's edge</strong> (the evidence pushes against what "
               f"the prior allows): {esc(edge_list)}.</p>" if edges else "")
            + (f"<p>Pairs correlated in the posterior (|rank correlation| above "
               f"{ident.attrs['correlated_above']:g}): {esc('; '.join(pairs))}.</p>"
               if pairs else "<p>No pair of parameters is strongly correlated.</p>")
            + "<p class='muted'>Contraction: 1 - posterior variance / prior variance (1: "
            "decided by the evidence, 0: untouched). Shift: the posterior mean's move, in "
            "prior standard deviations.</p><div class='wide'><table class='ident'><thead>"
            "<tr><th>parameter</th><th>prior 90%</th><th>posterior 90%</th>"
            "<th>contraction</th><th>shift</th><th>note</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def build_report(system, projection, idata=None, whys: Sequence = (), fit: Sequence = (), *,
                 differences: Sequence = (), sensitivity=None, discovery=None,
                 vintages=None, backtest=None, draws: int = 0, seed: int = 0,
                 notes: Sequence[str] = (), progress: Callable[[int], None] | None = None,
                 stats: dict | None = None) -> str:
    """The report page. ``projection`` is a ``project()`` dataset; ``idata`` the posterior
    (None: priors); ``whys`` the status quo's explanations (``explain_all``) and
    ``differences`` each lever's against it (``explain_levers``) over ``draws`` draws;
    ``fit`` the posterior's ``fit_table`` rows; ``sensitivity`` a Sobol table and
    ``discovery`` a PRIM box (``prospects.explore``); ``vintages`` the Dataset of
    ``prospects vintages``; ``backtest`` a ``Backtest``. It renders only: nothing here runs
    the engine. ``progress(1)`` is called after each section of ``sections(...)``;
    ``stats`` (if given) receives counts."""
    shown = sections(vintages is not None or backtest is not None)
    names = {s: sc.name for s, sc in system.scenarios.items()}
    parts: dict[str, str] = {}
    charts = 0

    def step():
        if progress:
            progress(1)

    parts["answer"] = answer_html(system, projection)
    step()
    proj = projections_html(system, projection, idata,
                            None if backtest is None else backtest.scored)
    parts["projections"] = proj.html
    charts += proj.charts
    step()
    parts["drivers"], n = drivers_html(system, sensitivity, discovery)
    charts += n
    step()
    flow_label = partial(label_of, system)
    panels = [why_html(w, names.get(w.scenario, ""), label=flow_label) for w in whys]
    panels += [why_html(w, names.get(w.scenario, ""), names.get(w.base, ""), flow_label)
               for w in sorted(differences, key=lambda w: w.scenario)]
    parts["why"] = (
        "<p class='muted'>Same parameter sets as the projection ("
        + ("posterior" if idata is not None else "priors") + f"), {draws:,} draws. Each "
        "panel names the stock it explains; it may be a part of an output charted above.</p>"
        + "".join(panels))
    charts += len(panels)
    step()
    parts["fit"] = _fit_section(system, idata, fit)
    step()
    if "evaluation" in dict(shown):
        parts["evaluation"], n = _evaluation(system, vintages, backtest)
        charts += n
        step()
    loops = named_loops(system)
    parts["diagram"] = (
        "<p class='muted'>Stocks as boxes; flows as arrows into (left) and out of (right) "
        "them, from or to a cloud (outside the model) or another stock; under each flow, in "
        "grey, the variables its rate reads. The tags on a stock (R1, B2, ...) name the "
        "feedback loops through it, listed below. Flow names link to the first claim behind "
        "them; hover for the doc and all claims.</p>"
        f"<figure class='wide'>{stock_flow_svg(system, loops)}</figure>"
        + loops_table(system, loops))
    charts += 1
    step()
    ev = system.evidence
    parts["actors"] = (
        "<p class='muted'>Arrows run from the actor to the one it acts on; each links to "
        "the first claim behind it (hover for all). The table lists every claim.</p>"
        f"<figure>{network_svg(ev)}</figure>{relations_table(ev)}")
    charts += 1
    step()
    parts["timeline"] = (
        "<p class='muted'>Claims with a period, sorted by start; faded bars have an open "
        "start or end. Labels link to the claims; colours show who asserts them.</p>"
        f"<figure class='wide'>{timeline_svg(ev)}</figure>")
    charts += 1
    step()
    usage = ev.claim_usage(system.claim_users())
    parts["evidence"] = (f"<p>{len(ev.claims)} claims from {len(ev.sources)} source(s); "
                         "'used by' names what in the model, its parameters, observations, "
                         "relations and scenarios cites each claim.</p>"
                         + evidence_table(ev, usage, _places(system, projection, idata, fit)))
    step()
    calibrated = "posterior" if idata is not None else "priors (no calibration)"
    parts["about"] = (
        f"<p>{esc(system.model.doc)}. Model <code>{esc(system.model.name)}</code>: "
        f"{len(system.model.stocks)} stocks, {len(system.model.flows)} flows; "
        f"{len(ev.claims)} claims. Parameters from the {calibrated}; "
        f"{projection.sizes['draw']:,} draws per scenario, seed "
        f"{esc(projection.attrs.get('seed', seed))}.</p>")
    step()
    nav = "<nav><ol>" + "".join(f"<li><a href='#{a}'>{esc(h)}</a></li>"
                                for a, h in shown) + "</ol></nav>"
    notes_html = ("<div class='notes'>" + "".join(f"<p>{esc(n)}</p>" for n in notes)
                  + "</div>") if notes else ""
    body = "".join(f"<section id='{a}'><h2>{esc(h)}</h2>{parts[a]}</section>"
                   for a, h in shown)
    if stats is not None:
        stats.update(charts=charts, claims=len(ev.claims))
    content = f"<style>{EXTRA_CSS}</style>{notes_html}{nav}{body}"
    return page(f"{system.name.upper()} prospects: report", content,
                script=PICK_SCRIPT + FILTER_SCRIPT)


def _places(system, projection, idata, fit) -> dict[str, str]:
    """Where on the page each 'used by' entry of the evidence table is (if anywhere)."""
    places = {f"relation:{r}": f"#rel-{r}" for r in system.evidence.relations}
    places.update({f"variable:{s.name}": f"#stock-{s.name}" for s in system.model.stocks})
    places.update({f"variable:{f.name}": f"#flow-{f.name}" for f in system.model.flows})
    places.update({f"scenario:{system.scenarios[s].name}": f"#scn-{s}"
                   for s in map(str, projection.scenario.values)})
    places.update({f"observation:{r.observation}": f"#obs-{r.observation}" for r in fit})
    if idata is not None and "identifiability" in idata.groups():
        places.update({f"parameter:{n}": f"#param-{n}"
                       for n in map(str, idata["identifiability"].parameter.values)})
    return places


def sections(evaluation: bool) -> list[tuple[str, str]]:
    """The sections a report has (the evaluation only if there is something to show)."""
    return [s for s in SECTIONS if evaluation or s[0] != "evaluation"]


def _evaluation(system, vintages, backtest) -> tuple[str, int]:
    from .revision import backtest_html, medians_table, revision_html

    out, n = [], 0
    if vintages is not None:
        shown = (system.outlook.status_quo
                 if system.outlook.status_quo in vintages.scenario.values else None)
        out.append("<h3>How the forecast was revised</h3>"
                   + medians_table(system, vintages, shown)
                   + revision_html(vintages, shown, system))
        n += 1
    if backtest is not None:
        out.append("<h3>Backtest</h3>" + backtest_html(system, backtest))
    return "".join(out), n
