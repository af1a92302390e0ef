"""How a forecast was revised, for the report and the dashboard: a chart of each outlook
outcome's probability by vintage, and the table of each vintage's skill on the evidence
published after it. Both read the Dataset of ``prospects vintages`` (render only)."""

from __future__ import annotations

import numpy as np

from .charts import PALETTE, RC, _pyplot, svg_text
from .svg import esc


def revision_chart(ds, scenario: str | None = None) -> str:
    """Inline SVG: one line per outcome, its probability (y) in each vintage (x, the as-of
    dates), in ``scenario`` (default: the first)."""
    import matplotlib as mpl

    plt = _pyplot()
    scenario = scenario or str(ds["scenario"].values[0])
    p = ds["outcome_p"].sel(scenario=scenario)
    dates = [str(v) for v in ds["vintage"].values]
    labels = [str(v) for v in ds["outcome_label"].values]
    with mpl.rc_context(RC):
        fig, ax = plt.subplots(figsize=(7.2, 3.0))
        x = np.arange(len(dates))
        for k, label in enumerate(labels):
            ax.plot(x, p.isel(outcome=k).values, color=PALETTE[k % len(PALETTE)],
                    linestyle=("-", "--", ":")[(k // len(PALETTE)) % 3], marker="o",
                    markersize=3, linewidth=1.3, label=label)
        ax.set_xticks(x, [f"as of {d}" for d in dates])
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("probability", fontsize=7)
        ax.set_title(f"Outcome probabilities by vintage ({scenario})")
        ax.grid(alpha=0.3, linewidth=0.5)
        ax.legend(fontsize=6.5, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
        fig.tight_layout()
        return svg_text(fig, tight=True)


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
