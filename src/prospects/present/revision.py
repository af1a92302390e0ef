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


def revision_html(ds, scenario: str | None = None) -> str:
    """The revision chart with its legend, then the evaluation table (if scored)."""
    labels = list(revision_series(ds, scenario))
    keys = legend([(f"{colour} {dash}".strip(), label) for (colour, dash), label
                   in zip(series_colours(len(labels)), labels, strict=True)])
    table = evaluation_table(ds) if evaluation_rows(ds) else (
        f"<p class='muted'>{NOTHING_SCORED}</p>")
    return (f"<figure>{revision_chart(ds, scenario)}</figure>{keys}<h3>{SCORED}</h3>"
            f"<p class='muted'>{SKILL_NOTE}</p>{table}")


def evaluation_rows(ds) -> list[dict]:
    """Per vintage, ``prospects.inference.backtest.skill`` of its rolling-origin scores:
    figures scored, mean CRPS, CRPS skill against climatology, 90% coverage; events, mean
    Brier score and Brier skill. Empty if the Dataset holds no scores."""
    from ..inference.backtest import skill

    names = [n for n in ds.data_vars if str(n).startswith("score_")]
    if not names:
        return []
    frame = ds[names].to_dataframe().reset_index()
    frame = frame.rename(columns={n: str(n).removeprefix("score_") for n in names} | {
        "scored": "id", "scored_kind": "kind"})
    return skill(frame[frame["lead"].notna()], ["vintage"]).to_dict("records")


def evaluation_table(ds) -> str:
    """``evaluation_rows`` as an HTML table (every cell escaped)."""
    headings = ("vintage", "figures", "mean CRPS", "CRPS skill", "90% coverage", "events",
                "mean Brier", "Brier skill")
    keys = ("vintage", "figures", "mean_crps", "crps_skill", "coverage_90", "events",
            "mean_brier", "brier_skill")

    def cell(value) -> str:
        if isinstance(value, float):
            return "—" if np.isnan(value) else f"{value:.3g}"
        return str(value)

    body = "".join("<tr>" + "".join(f"<td>{esc(cell(row[k]))}</td>" for k in keys) + "</tr>"
                   for row in evaluation_rows(ds))
    head = "".join(f"<th>{esc(h)}</th>" for h in headings)
    return (f'<table class="evaluation"><thead><tr>{head}</tr></thead><tbody>{body}'
            "</tbody></table>")


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
                   f"<tbody>{rows}</tbody></table>")
    return "".join(out)
