"""How a forecast was revised, for the report and the dashboard: a chart of each outlook
outcome's probability by vintage, and the table of each vintage's skill on the evidence
published after it. Both read the Dataset of ``prospects vintages`` (render only)."""

from __future__ import annotations

import numpy as np

from .charts import legend, line_chart, series_colours
from .svg import esc


def revision_series(ds, scenario: str | None = None) -> dict[str, np.ndarray]:
    """Per outcome label, its probability in each vintage, in ``scenario`` (default: the
    first)."""
    scenario = scenario or str(ds["scenario"].values[0])
    p = ds["outcome_p"].sel(scenario=scenario)
    return {str(label): p.isel(outcome=k).values
            for k, label in enumerate(ds["outcome_label"].values)}


def revision_chart(ds, scenario: str | None = None) -> str:
    """Inline SVG: one line per outcome, its probability (y) in each vintage (x, the as-of
    dates), in ``scenario`` (default: the first)."""
    return line_chart([f"as of {v}" for v in ds["vintage"].values],
                      revision_series(ds, scenario),
                      "Outcome probabilities by vintage", "probability", (0.0, 1.0))


#: The evaluation table's heading, its note, and what stands in for it with no scores.
SCORED = "How each vintage scored on the evidence published after it"
SKILL_NOTE = ("CRPS skill and Brier skill: 1 - score / climatology's score (the prior "
              "predictive); above 0 beats it. Coverage: share of later figures inside the "
              "90% band.")
NOTHING_SCORED = "No vintage has later evidence to be scored on."


def revision_html(ds, scenario: str | None = None, system=None) -> str:
    """The revision chart with its legend, then the evaluation (``scores_html``)."""
    labels = list(revision_series(ds, scenario))
    keys = legend([(f"{colour} {dash}".strip(), label) for (colour, dash), label
                   in zip(series_colours(len(labels)), labels, strict=True)])
    return (f"<figure>{revision_chart(ds, scenario)}</figure>{keys}<h3>{SCORED}</h3>"
            + scores_html(ds, system))


def medians_table(system, ds, scenario: str | None = None) -> str:
    """Each headline output's median at each projection date, per vintage, with its
    change from the vintage before (in ``scenario``, default the first); empty if the
    Dataset holds no headline quantiles."""
    from ..analysis import at
    from .format import count, unit_text

    shown = [o for o in system.outlook.headline if o.variable in ds
             and "quantile" in ds[o.variable].dims]
    if not shown:
        return ""
    scenario = scenario or str(ds["scenario"].values[0])
    vintages = [str(v) for v in ds["vintage"].values]
    rows = []
    for o in shown:
        median = ds[o.variable].sel(scenario=scenario, quantile=0.5)
        unit = unit_text(o.unit)
        for when in system.outlook.projection_dates:
            try:
                values = np.asarray(at(median, when).transpose("vintage").values) / o.scale
            except KeyError:  # a date the file does not hold
                continue
            cells = "".join(
                f"<td class='num'>{count(v)}" + ("" if k == 0 else
                                                 f" <span class='muted'>("
                                                 f"{count(v - values[k - 1], signed=True)})"
                                                 "</span>") + "</td>"
                for k, v in enumerate(values))
            rows.append(f"<tr><td>{esc(o.label)}{esc(f' ({unit})' if unit else '')}, "
                        f"{esc(when)}</td>{cells}</tr>")
    head = "".join(f"<th>as of {esc(v)}</th>" for v in vintages)
    return ("<p class='muted'>Headline medians by vintage; in brackets, the change from "
            "the vintage before.</p><table class='medians'><thead><tr><th>output, date</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def scores_html(ds, system=None) -> str:
    """What the evaluation shows under its heading: skill per vintage, then per vintage
    and lead time, then the new observations that moved each vintage's posterior most
    (named as people read them with ``system``)."""
    if not evaluation_rows(ds):
        return f"<p class='muted'>{NOTHING_SCORED}</p>" + movers_table(ds, system=system)
    return (f"<p class='muted'>{SKILL_NOTE}</p>{evaluation_table(ds)}"
            "<p class='muted'>The same, per lead time (months from the vintage to the end "
            f"of the figure's or event's period):</p>{evaluation_table(ds, by_lead=True)}"
            + reliability_html(scores_frame(ds)) + movers_table(ds, system=system))


def scores_frame(ds):
    """The rolling-origin scores of a vintages Dataset as backtest rows (one per vintage
    and scored observation, with its lead band); None if it holds no scores."""
    from ..inference.backtest import lead_band

    names = [n for n in ds.data_vars if str(n).startswith("score_")]
    if not names:
        return None
    frame = ds[names].to_dataframe().reset_index()
    frame = frame.rename(columns={n: str(n).removeprefix("score_") for n in names} | {
        "scored": "id", "scored_kind": "kind"})
    frame = frame[frame["lead"].notna()].copy()
    frame["band"] = [lead_band(m) for m in frame["lead"]]
    return frame


def evaluation_rows(ds, by_lead: bool = False) -> list[dict]:
    """Per vintage (and lead band of a year if ``by_lead``),
    ``prospects.inference.backtest.skill`` of its rolling-origin scores: figures scored,
    mean CRPS, CRPS skill against climatology, 90% coverage; events, mean Brier score and
    Brier skill. Empty if the Dataset holds no scores."""
    from ..inference.backtest import skill

    frame = scores_frame(ds)
    if frame is None:
        return []
    return skill(frame, ["vintage", "band"] if by_lead else ["vintage"]).to_dict("records")


def reliability_html(table) -> str:
    """The events' reliability table (``prospects.inference.backtest.reliability``: events
    binned by predicted probability, the share of each bin that happened), or nothing
    with too few events."""
    from ..inference.backtest import reliability

    bins = None if table is None else reliability(table)
    if bins is None:
        return ""
    body = "".join(f"<tr><td>{b['from']:.1f} to {b['to']:.1f}</td><td class='num'>"
                   f"{b['events']}</td><td class='num'>{esc(_cell(b['mean_p']))}</td>"
                   f"<td class='num'>{esc(_cell(b['happened']))}</td></tr>"
                   for b in bins.to_dict("records"))
    return ("<p class='muted'>Reliability of the events' probabilities: the events binned "
            "by the probability given them; where forecasts are reliable, the share that "
            "happened is near the mean probability.</p><table class='reliability'><thead>"
            "<tr><th>probability</th><th>events</th><th>mean probability</th>"
            f"<th>share happened</th></tr></thead><tbody>{body}</tbody></table>")


def _cell(value) -> str:
    if isinstance(value, float):
        return "—" if np.isnan(value) else f"{value:.3g}"
    return str(value)


def evaluation_table(ds, by_lead: bool = False) -> str:
    """``evaluation_rows`` as an HTML table (every cell escaped)."""
    headings = ("vintage",) + (("lead time",) if by_lead else ()) + (
        "figures", "mean CRPS", "CRPS skill", "90% coverage", "events", "mean Brier",
        "Brier skill")
    keys = ("vintage",) + (("band",) if by_lead else ()) + (
        "figures", "mean_crps", "crps_skill", "coverage_90", "events", "mean_brier",
        "brier_skill")
    body = "".join("<tr>" + "".join(f"<td>{esc(_cell(row[k]))}</td>" for k in keys) + "</tr>"
                   for row in evaluation_rows(ds, by_lead))
    head = "".join(f"<th>{esc(h)}</th>" for h in headings)
    kind = "evaluation-lead" if by_lead else "evaluation"
    return (f'<table class="{kind}"><thead><tr>{head}</tr></thead><tbody>{body}'
            "</tbody></table>")


def movers_table(ds, most: int = 5, system=None) -> str:
    """Per vintage, the new observations whose mean log-likelihood changed most from the
    earlier vintage's posterior to this one's (``loglik_change``), largest first; with
    ``system``, each named by what it measures and its period (its id on hover)."""
    if "loglik_change" not in ds:
        return ""
    change = ds["loglik_change"]
    rows = []
    for vintage in change["vintage"].values:
        values = change.sel(vintage=vintage)
        found = [(str(o), float(v)) for o, v in zip(values["new"].values, values.values,
                                                    strict=True) if np.isfinite(v)]
        for obs, value in sorted(found, key=lambda r: -abs(r[1]))[:most]:
            rows.append(f"<tr><td>{esc(vintage)}</td><td title='{esc(obs)}'>"
                        f"{esc(observation_label(system, obs))}</td>"
                        f"<td class='num'>{value:+.2f}</td></tr>")
    if not rows:
        return ""
    return ("<p class='muted'>What moved each vintage: the new observations whose mean "
            "log-likelihood changed most from the earlier vintage's posterior to this "
            f"one's (up to {most} a vintage).</p><table class='movers'><thead><tr>"
            "<th>vintage</th><th>new observation</th><th>change</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def observation_label(system, oid: str) -> str:
    """An observation as people read it: the label of the variable it measures and its
    period ("Fighters, 2018-06"); its id if ``system`` does not know it."""
    from .format import label_of

    spec = None if system is None else system.evidence.observations.get(oid)
    if spec is None:
        return oid
    return label_of(system, spec.variable) + (f", {spec.period}" if spec.period else "")


def backtest_html(system, bt) -> str:
    """A backtest (``prospects.inference.backtest.Backtest``): per observation its score
    and the baselines', then the coverage of the bands."""
    from ..inference.backtest import FIGURES
    from .format import count, label_of, pct

    df, summary = bt.table, bt.summary
    figures, events = df[df["kind"].isin(FIGURES)], df[~df["kind"].isin(FIGURES)]
    out = [f"<p>Scenario <em>{esc(system.scenarios[bt.scenario].name)}</em>, projected from "
           f"{esc(bt.projection_start)}, scored on {len(df)} later observation(s).</p>"]
    if len(figures):
        rows = "".join(
            f"<tr><td title='{esc(r['id'])}'>{esc(label_of(system, r['variable']))}, "
            f"{esc(r['period'])}</td><td class='num'>{count(r['observed'])}</td>"
            f"<td class='num'>{count(r['median'])} [{count(r['5%'])}, {count(r['95%'])}]</td>"
            f"<td>{'yes' if r['in90'] else 'no'}</td><td class='num'>{count(r['crps'])}</td>"
            + "".join(f"<td class='num'>{count(r[f'crps_{b}'])}</td>"
                      for b in ("persistence", "trend", "climatology")) + "</tr>"
            for r in figures.to_dict("records"))
        out.append(
            "<table class='backtest'><thead><tr><th>figure</th><th>observed</th>"
            "<th>projected median [90%]</th><th>in 90%</th><th>CRPS</th><th>persistence</th>"
            f"<th>trend</th><th>climatology</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p class='muted'>CRPS: lower is better; the last three columns are the "
            f"baselines' CRPS on the same figure. Coverage of the 90% band: "
            f"{pct(summary['coverage_90'])} (nominal 90%), of the 50% band: "
            f"{pct(summary['coverage_50'])}.</p>")
    if len(events):
        rows = "".join(
            f"<tr><td title='{esc(r['id'])}'>{esc(label_of(system, r['variable']))}, "
            f"{esc(r['period'])}</td><td>{'yes' if r['observed'] else 'no'}</td>"
            f"<td class='num'>{pct(r['p'])}</td><td class='num'>{r['brier']:.3f}</td>"
            f"<td class='num'>{r['brier_climatology']:.3f}</td></tr>"
            for r in events.to_dict("records"))
        out.append("<table class='backtest'><thead><tr><th>event</th><th>happened</th>"
                   "<th>p</th><th>Brier</th><th>climatology's Brier</th></tr></thead>"
                   f"<tbody>{rows}</tbody></table>" + reliability_html(df))
    return "".join(out)
