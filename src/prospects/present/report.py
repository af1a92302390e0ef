"""``prospects report``: one self-contained HTML page with the projections, the model's
structure, the evidence behind it, the calibration fit, the scenario comparison and the
flows that explain the key changes. No network: inline SVG, CSS and a little plain JS.

Every piece of text from evidence files is escaped; the script reads only the DOM (data
attributes and text), never text pasted into it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..analysis import bands, summed
from .charts import fan_panels, median_lines
from .diagram import stock_flow_svg
from .evidence_table import FILTER_SCRIPT, evidence_table, timeline_svg
from .network import network_svg, relations_table
from .page import page
from .svg import esc
from .why import why_html

#: (anchor, heading) of each section, in order; one progress step each.
SECTIONS = (("projections", "Projections by scenario"),
            ("diagram", "Stock-and-flow diagram"),
            ("actors", "Actor network"),
            ("timeline", "Timeline of dated evidence"),
            ("evidence", "Evidence"),
            ("fit", "Calibration fit"),
            ("comparison", "Scenario comparison"),
            ("why", "Why: the flows behind the changes"))

EXTRA_CSS = """
nav ol{columns:2;font-size:.9em}.notes{background:#fff8e5;border:1px solid #ecd9a0;
padding:.5em 1em}.scn-pick{position:sticky;top:0;background:#fff;padding:.4em 0;z-index:2}
.scn[hidden]{display:none}.claims td:first-child{min-width:10em}
.claims td:nth-child(2){min-width:22em}
.claims tr:target{background:#fff3b0}.claims .used{font-size:.85em;color:#444}
.filters{margin:.5em 0}.why{margin-bottom:2em}
.why-body{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}.why-body figure{margin:0}
.why-body svg{width:480px}table.fit td.no{color:#b5542c;font-weight:600}
.wide{overflow-x:auto}h3{font-size:1.05em;margin-bottom:.3em}
@media print{.scn-pick{display:none}.claims tr{display:table-row!important}}
"""

PICK_SCRIPT = """
(function(){
var pick=document.getElementById('scn-pick');if(!pick)return;
var blocks=document.querySelectorAll('.scn');
function show(){blocks.forEach(function(b){b.hidden=b.getAttribute('data-scn')!==pick.value;});}
pick.addEventListener('change',show);show();})();
"""


def _projection_start(system, ds) -> np.datetime64:
    start = ds.attrs.get("projection_start", system.outlook.projection_start)
    return np.datetime64(f"{start}-01", "ns")


def _fan_section(system, ds) -> tuple[str, int]:
    """The scenario picker and every scenario's fan charts (all pre-rendered)."""
    t = ds["time"].values
    start = _projection_start(system, ds)
    scenarios = [str(s) for s in ds.scenario.values]
    names = [system.scenarios[s].name if s in system.scenarios else s for s in scenarios]
    figures: dict[int, list[str]] = {k: [] for k in range(len(scenarios))}
    for output in system.outlook.outputs:
        if not output.chart or output.variable not in ds:
            continue
        for k in range(len(scenarios)):
            figures[k].append(fan_panels(t, bands(ds.isel(scenario=k), output), output.label,
                                         output.unit, start, output.range))
    options = "".join(f"<option value='{k}'>{esc(n)}</option>" for k, n in enumerate(names))
    blocks = []
    for k, sid in enumerate(scenarios):
        scenario = system.scenarios.get(sid)
        about = f"<p class='muted'>{esc(scenario.description)}</p>" if scenario else ""
        blocks.append(f"<div class='scn' data-scn='{k}'><h3>{esc(names[k])}</h3>{about}"
                      + "".join(f"<figure>{svg}</figure>" for svg in figures[k]) + "</div>")
    n = sum(len(v) for v in figures.values())
    draws = ds.sizes["draw"]
    note = (f"{draws:,} paired draws per scenario; median line, 50% and 90% bands; the "
            f"dotted line marks the projection start ({ds.attrs.get('projection_start', '')}).")
    html_text = (f"<p class='muted'>{esc(note)}</p><div class='scn-pick'><label>Scenario "
                 f"<select id='scn-pick'>{options}</select></label></div>" + "".join(blocks))
    return html_text, n


def _fit_section(idata, rows) -> str:
    if idata is None:
        return ("<p>Calibration has not been run: no posterior was found, so calibrated "
                "parameters keep their priors throughout this report. Run "
                "<code>prospects calibrate</code> and then this report again.</p>")
    attrs = idata.posterior.attrs

    def share(x):
        return f"{100 * x:.0f}%"

    def interval(q):
        return f"{q[1]:,.4g} <span class='muted'>[{q[0]:,.4g}, {q[2]:,.4g}]</span>"

    body = "".join(
        f"<tr><td>{esc(r.observation)}</td><td><a href='#claim-{esc(r.claim)}'>{esc(r.claim)}"
        f"</a></td><td>{esc(r.claimed)}</td><td>{share(r.prior_share)}</td>"
        f"<td class='{'yes' if r.posterior_share >= 0.5 else 'no'}'>"
        f"{share(r.posterior_share)}</td><td>{interval(r.posterior)}</td>"
        f"<td>{'' if r.p_value is None else f'{r.p_value:.2f}'}</td></tr>"
        for r in rows)
    about = (f"Posterior: {esc(attrs.get('sampler', 'unknown sampler'))}; log evidence "
             f"{float(attrs.get('log_evidence', np.nan)):.2f} ± "
             f"{float(attrs.get('log_evidence_se', np.nan)):.2f}; max R-hat "
             f"{float(attrs.get('max_rhat', np.nan)):.3f}, min bulk ESS "
             f"{float(attrs.get('min_ess', np.nan)):,.0f}.")
    if float(attrs.get("max_rhat", 0)) > 1.01 or float(attrs.get("min_ess", 1e9)) < 400:
        about += (" <strong>The independent runs disagree or the sample is thin</strong>: "
                  "treat the posterior as provisional.")
    ident = _identifiability_note(idata)
    return (f"<p class='muted'>{about}</p><p>Each row: the share of prior-predictive and of "
            "posterior-predictive draws (drawn as the projections draw them) that satisfy "
            "the claim; the posterior predictive value, median [5%, 95%]; and for figures, "
            "the chance that a replicated figure lies above the claimed one (near 0 or 1: "
            f"the model cannot reproduce it).</p>{ident}"
            "<table class='fit'><thead><tr><th>observation</th><th>claim</th><th>claimed</th>"
            "<th>prior</th><th>posterior</th><th>posterior predictive</th><th>p-value</th>"
            f"</tr></thead><tbody>{body}</tbody></table>")


def _identifiability_note(idata) -> str:
    """What the evidence leaves open, said plainly."""
    if "identifiability" not in idata.groups():
        return ""
    from ..inference.posterior import correlated_pairs, not_identified

    ident = idata["identifiability"]
    weak = not_identified(ident)
    learned = [f"{n} ({c:.2f})" for n, c in sorted(
        zip(ident.parameter.values, ident.contraction.values, strict=True),
        key=lambda nc: -nc[1]) if n not in weak]
    pairs = [f"{a} and {b} ({rho:+.2f})" for a, b, rho in correlated_pairs(ident)]
    return (f"<p>Learned from the observations (contraction of the prior's variance): "
            f"{esc(', '.join(learned) or 'nothing')}.</p>"
            f"<p><strong>Not identified by the evidence</strong> (contraction below 0.1: the "
            f"posterior is about the prior): {esc(', '.join(weak) or 'none')}.</p>"
            + (f"<p>Correlated in the posterior: {esc('; '.join(pairs))}.</p>" if pairs else ""))


def _comparison_section(system, ds) -> tuple[str, int]:
    from ..projection import outcome_table, scenario_events

    outcomes = system.outlook.outcomes
    ids = [str(s) for s in ds.scenario.values]
    table = outcome_table(system, scenario_events(ds, outcomes), ids)
    head = "".join(f"<th title='{esc(o.label)}'>{esc(o.short)}</th>" for o in outcomes)
    rows = []
    for sid, group in table.groupby("scenario", sort=False):
        name = system.scenarios[sid].name if sid in system.scenarios else sid
        cells = "".join(f"<td>{r.p:.2f}<br><span class='muted'>\u00b1{r.se:.2f}</span></td>"
                        for r in group.itertuples())
        rows.append(f"<tr><th>{esc(name)}</th>{cells}</tr>")
    legend = "".join(f"<li><strong>{esc(o.short)}</strong>: {esc(o.label)}</li>"
                     for o in outcomes)
    se_max = float(table["se"].max()) if outcomes else 0.0
    t = ds["time"].values
    start = _projection_start(system, ds)
    labels = [system.scenarios[s].name if s in system.scenarios else s
              for s in map(str, ds.scenario.values)]
    charts = []
    for output in system.outlook.headline:
        med = summed(ds[output.variable]).median("draw").values / output.scale
        charts.append(median_lines(t, dict(zip(labels, med, strict=True)),
                                   f"Median {output.label}", output.unit, start))
    text = (f"<p>Probability of each outcome under each scenario, with its Monte Carlo "
            f"standard error (at most {se_max:.3f}) from {ds.sizes['draw']:,} paired draws. "
            "Differences between scenarios are paired: every scenario runs on the same "
            "parameter draws.</p>"
            f"<div class='wide'><table><thead><tr><th>scenario</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div><ul class='muted'>{legend}</ul>"
            + "".join(f"<figure>{svg}</figure>" for svg in charts))
    return text, len(charts)


def build_report(system, projection, idata=None, whys: Sequence = (), fit: Sequence = (), *,
                 draws: int = 0, seed: int = 0,
                 notes: Sequence[str] = (), progress: Callable[[int], None] | None = None,
                 stats: dict | None = None) -> str:
    """The report page. ``projection`` is a ``project()`` dataset; ``idata`` the posterior
    (None: priors); ``whys`` the explanations (``prospects.explain.explain_all``) over
    ``draws`` draws; ``fit`` the posterior's ``fit_table`` rows. It renders only: nothing
    here runs the engine.
    ``progress(1)`` is called after each of the ``len(SECTIONS)`` sections; ``stats`` (if
    given) receives counts."""
    def step():
        if progress:
            progress(1)

    charts = 0
    parts: dict[str, str] = {}
    parts["projections"], n = _fan_section(system, projection)
    charts += n
    step()
    parts["diagram"] = (
        "<p class='muted'>Stocks as boxes; flows as arrows into (left) and out of (right) "
        "them, from or to a cloud (outside the model) or another stock; under each flow, in "
        "grey, the variables its rate reads. Flow names link to the first claim behind them; "
        "hover for the doc and all claims.</p>"
        f"<figure class='wide'>{stock_flow_svg(system.model)}</figure>")
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
                         + evidence_table(ev, usage))
    step()
    parts["fit"] = _fit_section(idata, fit)
    step()
    parts["comparison"], n = _comparison_section(system, projection)
    charts += n
    step()
    parts["why"] = (
        "<p class='muted'>Same parameter sets as the projection ("
        + ("posterior" if idata is not None else "priors") + f"), {draws:,} draws.</p>"
        + "".join(why_html(w, system.scenarios[w.scenario].name
                           if w.scenario in system.scenarios else "") for w in whys))
    charts += len(whys)
    step()

    nav = "<nav><ol>" + "".join(f"<li><a href='#{a}'>{esc(h)}</a></li>"
                                for a, h in SECTIONS) + "</ol></nav>"
    calibrated = "posterior" if idata is not None else "priors (no calibration)"
    meta = (f"<p>{esc(system.model.doc)}. Model <code>{esc(system.model.name)}</code>: "
            f"{len(system.model.stocks)} stocks, {len(system.model.flows)} flows; "
            f"{len(system.evidence.claims)} claims. Parameters from the {calibrated}; "
            f"{projection.sizes['draw']:,} draws per scenario, seed "
            f"{esc(projection.attrs.get('seed', seed))}.</p>")
    notes_html = ("<div class='notes'>" + "".join(f"<p>{esc(n)}</p>" for n in notes)
                  + "</div>") if notes else ""
    body = "".join(f"<section id='{a}'><h2>{esc(h)}</h2>{parts[a]}</section>"
                   for a, h in SECTIONS)
    if stats is not None:
        stats.update(charts=charts, claims=len(ev.claims))
    content = f"<style>{EXTRA_CSS}</style>{meta}{notes_html}{nav}{body}"
    return page(f"{system.name.upper()} prospects: report", content,
                script=PICK_SCRIPT + FILTER_SCRIPT)
