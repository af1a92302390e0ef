""""Why" panels: a stock's change over a window and the flows behind it, or why a scenario
ends elsewhere than the status quo (the paired differences of the same), as HTML. The
numbers come from ``prospects.explain``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .charts import PALETTE, bar_chart
from .format import count, unit_text
from .svg import esc


def why_html(why, scenario_name: str = "", base_name: str = "",
             label: Callable[[str], str] | None = None) -> str:
    """One panel. ``scenario_name``/``base_name``: how the scenario and, for a paired
    difference (``why.base`` set), the status quo are called; ``label``: how a flow's name
    reads (default: the flow's own label). A flow's doc is shown where it says more than
    its label."""
    rows = sorted(why.rows, key=lambda r: -abs(r.quantiles[1]))
    names = {r.flow: label(r.flow) if label else r.label for r in rows}
    labels = [names[r.flow] for r in rows] + ["net change"]
    docs = {r.flow: r.doc if r.doc.rstrip(".") != names[r.flow] else "" for r in rows}
    what = any(docs.values())
    q = np.vstack([np.array([r.quantiles for r in rows]).reshape(-1, 3), why.net[None, :]])
    colours = [PALETTE[2] if r.quantiles[1] >= 0 else PALETTE[1] for r in rows] + [PALETTE[0]]
    unit = unit_text(why.unit)
    scenario = esc(scenario_name or why.scenario)
    if why.base:
        title = f"{why.label}: {scenario_name or why.scenario} minus {base_name or why.base}"
        heading = (f"Why <em>{scenario}</em> differs from <em>{esc(base_name or why.base)}"
                   f"</em>: {esc(why.label)}, {esc(why.first)} to {esc(why.last)}")
        note = (f"Explains the stock <strong>{esc(why.label)}</strong>{unit and f' ({esc(unit)})'}"
                f". Per draw (the same parameter sets in both), the scenario's value minus the "
                f"status quo's: the stock ends {count(why.net[1], signed=True)} apart "
                f"(median; 90% interval {count(why.net[0], signed=True)} to "
                f"{count(why.net[2], signed=True)}), and each bar is how much more (or less) "
                "a flow added over the window. Medians of the parts need not add up to the "
                "median of the whole.")
    else:
        title = f"{why.label}: {why.first} to {why.last}"
        heading = f"{esc(why.label)}, {esc(why.first)} to {esc(why.last)}"
        where = f" under <em>{scenario}</em>" if why.scenario else ""
        note = (f"Explains the stock <strong>{esc(why.label)}</strong>{unit and f' ({esc(unit)})'}"
                f": from a median of {count(why.start[1])} in {esc(why.first)} to "
                f"{count(why.end[1])} in {esc(why.last)}{where}. Each flow's contribution is "
                f"its sum over the months from {esc(why.first)} up to {esc(why.last)} "
                "(outflows negative); median and 90% interval over the draws. Medians of the "
                "parts need not add up to the median of the whole.")
    if why.residual > 1e-4 * max(1.0, abs(why.net).max()):  # projections keep float32
        note += f" Largest gap between change and flows in a draw: {count(why.residual)}."
    chart = bar_chart(labels, q, title, unit, colours)
    body = "".join(
        f"<tr><td title='{esc(r.flow)}'>{esc(names[r.flow])}</td>"
        f"<td>{'in' if r.sign > 0 else 'out'}</td>"
        f"<td class='num'>{count(r.quantiles[1], signed=True)}</td>"
        f"<td class='num'>{count(r.quantiles[0], signed=True)} to "
        f"{count(r.quantiles[2], signed=True)}</td>"
        + (f"<td class='muted'>{esc(docs[r.flow])}</td>" if what else "") + "</tr>"
        for r in rows)
    body += (f"<tr><th>net change</th><th></th><th class='num'>"
             f"{count(why.net[1], signed=True)}</th><th class='num'>"
             f"{count(why.net[0], signed=True)} to {count(why.net[2], signed=True)}</th>"
             + ("<th></th>" if what else "") + "</tr>")
    return (f"<div class='why'><h3>{heading}</h3><p class='muted'>{note}</p>"
            f"<div class='why-body'><figure>{chart}</figure>"
            "<table><thead><tr><th>flow</th><th>direction</th><th>median</th>"
            "<th>90% interval</th>" + ("<th>what it is</th>" if what else "")
            + f"</tr></thead><tbody>{body}</tbody></table></div></div>")
