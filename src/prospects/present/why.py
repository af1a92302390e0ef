""""Why" panels: a stock's change over a window, and the flows behind it (computed by
``prospects.explain``), as HTML."""

from __future__ import annotations

import numpy as np

from ..analysis import number
from .charts import contribution_bars
from .svg import esc


def why_html(why, scenario_name: str = "") -> str:
    rows = sorted(why.rows, key=lambda r: -abs(r.quantiles[1]))
    chart = contribution_bars([r.label for r in rows], np.array([r.quantiles for r in rows]),
                              why.net, f"{why.label}: {why.first} to {why.last}", why.unit)
    body = "".join(
        f"<tr><td>{esc(r.label)}</td><td>{'in' if r.sign > 0 else 'out'}</td>"
        f"<td>{number(r.quantiles[1])}</td><td>{number(r.quantiles[0])} to "
        f"{number(r.quantiles[2])}</td><td class='muted'>{esc(r.doc)}</td></tr>" for r in rows)
    body += (f"<tr><th>net change</th><th></th><th>{number(why.net[1])}</th>"
             f"<th>{number(why.net[0])} to {number(why.net[2])}</th><th></th></tr>")
    where = f" under <em>{esc(scenario_name or why.scenario)}</em>" if why.scenario else ""
    note = (f"{esc(why.label)} went from a median of {number(why.start[1])} in "
            f"{esc(why.first)} to {number(why.end[1])} in {esc(why.last)}{where} "
            f"({esc(why.unit)}). Each flow's contribution is its sum over the months from "
            f"{esc(why.first)} up to {esc(why.last)} (outflows negative); median and 90% "
            "interval over the draws. Medians of the parts need not add up to the median of "
            "the whole.")
    if why.residual > 1e-6 * max(1.0, abs(why.net).max()):
        note += f" Largest gap between change and flows in a draw: {number(why.residual)}."
    return (f"<div class='why'><h3>{esc(why.label)}, {esc(why.first)} to {esc(why.last)}</h3>"
            f"<p class='muted'>{note}</p><div class='why-body'><figure>{chart}</figure>"
            "<table><thead><tr><th>flow</th><th>direction</th><th>median</th>"
            f"<th>90% interval</th><th>what it is</th></tr></thead><tbody>{body}</tbody>"
            "</table></div></div>")
