"""What drives the outcomes: the uncertainties and levers that move the headline outputs
(Sobol' total indices, from ``prospects.explore.sensitivity``), the combination of them in
which the group collapses (a PRIM box, from ``prospects.explore.discovery``), and the
feedback loops the system's ``mechanisms.yaml`` names, tagged R1, B1, ... as the diagram
shows them. Render only: the indices and the box are computed by the command."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis import when_text
from .charts import bar_chart
from .format import count, label_of, short_label, unit_text
from .svg import esc

#: Factors shown per output in the Sobol' charts.
TOP = 10


@dataclass(frozen=True)
class TaggedLoop:
    tag: str  # R1, B2, ...
    name: str
    reads: str  # reinforcing | balancing
    settled: bool  # the equations fix the polarity for every value the priors allow
    says: str
    mechanism: str
    path: tuple[str, ...]
    stocks: tuple[str, ...]


def named_loops(system) -> list[TaggedLoop]:
    """The loops ``mechanisms.yaml`` names, in checklist order, tagged by polarity."""
    from ..evidence import load_mechanisms
    from ..sd.loops import links, polarity
    from .model_doc import prior_ranges

    if not (system.folder / "mechanisms.yaml").exists():
        return []
    graph = links(system.model, prior_ranges(system))
    mechanisms = load_mechanisms(system.folder, system.evidence, graph)
    stocks = {s.name for s in system.model.stocks}
    counts = {"reinforcing": 0, "balancing": 0}
    out = []
    for mech in sorted(mechanisms.values(), key=lambda m: m.item):
        for loop in mech.loops:
            counts[loop.reads] += 1
            tag = f"{loop.reads[0].upper()}{counts[loop.reads]}"
            out.append(TaggedLoop(tag, loop.name, loop.reads,
                                  polarity(graph, loop.path) == loop.reads, loop.says,
                                  mech.title, tuple(loop.path),
                                  tuple(n for n in loop.path if n in stocks)))
    return out


def loops_table(system, loops: list[TaggedLoop]) -> str:
    """The named loops, each path in words (the identifiers on hover)."""
    if not loops:
        return "<p class='muted'>The system names no feedback loops (mechanisms.yaml).</p>"
    unsettled = " <span class='muted'>(as read; the equations alone do not settle it)</span>"
    rows = "".join(
        f"<tr id='loop-{esc(lp.tag)}'><td><strong>{esc(lp.tag)}</strong></td>"
        f"<td>{esc(lp.name)}</td><td>{esc(lp.reads)}{'' if lp.settled else unsettled}"
        f"</td><td>{esc(lp.says)}</td><td>{esc(lp.mechanism)}</td>"
        f"<td class='muted' title='{esc(' → '.join([*lp.path, lp.path[0]]))}'>"
        f"{esc(' → '.join(short_label(system, n) for n in [*lp.path, lp.path[0]]))}</td></tr>"
        for lp in loops)
    return ("<h3>Named feedback loops</h3><p class='muted'>Reinforcing (R) loops amplify a "
            "change, balancing (B) loops damp it. The polarity is the analyst's reading, "
            "checked against the equations.</p><div class='wide'><table class='loops'>"
            "<thead><tr><th>tag</th><th>loop</th><th>polarity</th><th>what it says</th>"
            "<th>mechanism</th><th>path</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


def factor_labels(system) -> dict[str, str]:
    """How each factor of ``explore.factors`` reads: a lever or an assumption by the name
    of the scenario whose intensity it is (the strongest of a group sharing a target);
    parameters by their labels."""
    from ..explore.factors import factors

    return {f.name: (f"{f.name.split(':')[0]}: {f.scenario.name}" if f.kind == "lever"
                     else label_of(system, f.name)) for f in factors(system)}


def _sensitivity(system, table, labels: dict[str, str]) -> tuple[str, int]:
    outputs = {o.variable: o for o in system.outlook.headline}
    charts = []
    for variable, rows in table[table.outcome.isin(list(outputs))].groupby("outcome",
                                                                           sort=False):
        rows = rows.sort_values("ST", ascending=False).head(TOP)
        q = np.column_stack([rows["ST"] - rows["ST_conf"], rows["ST"],
                             rows["ST"] + rows["ST_conf"]])
        output = outputs.get(variable)
        title = f"{output.label if output else variable}: total Sobol' index"
        charts.append(bar_chart([labels.get(f, f) for f in rows["factor"]],
                                np.clip(q, 0, None), title, "share of variance"))
    when = system.outlook.horizon
    text = (f"<p>Which uncertainties and levers move each headline output in "
            f"{esc(when_text(when))}: "
            "the total Sobol' index is the share of the output's variance a factor accounts "
            "for, alone and in interaction with others (whiskers: 95% bootstrap interval). "
            f"The {TOP} largest per output; each parameter drawn over its prior, each lever "
            "between off and full strength.</p>" + _sample_note(table)
            + "".join(f"<figure>{c}</figure>" for c in charts))
    return text, len(charts)


def _sample_note(table) -> str:
    """How large the design was, and what its Monte Carlo error means for reading it."""
    n, runs = table.attrs.get("base_samples"), table.attrs.get("runs")
    if not n:
        return ""
    return (f"<p class='muted'>Saltelli's design with N = {n:,} base samples ({runs:,} runs). "
            "The whiskers are its Monte Carlo error: where they are wide, the ranking of "
            "factors is not settled, and an index above 1 (the most a share can be) is "
            "error, not signal. Each fourfold N halves them (<code>prospects report "
            f"--sensitivity {4 * n}</code>, or <code>prospects sensitivity</code>).</p>")


def _discovery(system, box, labels: dict[str, str]) -> str:
    collapse = system.outlook.collapse
    output = next((o for o in system.outlook.outputs if o.variable == collapse.variable
                   and o.scale == 1), None)  # its unit as the charts say it ("people")
    unit = unit_text(output.unit if output is not None
                     else system.model.variables[collapse.variable].unit)
    rows = "".join(
        f"<tr><td>{esc(labels.get(r.factor, r.factor))}</td><td class='num'>{count(r.low)} "
        f"to {count(r.high)}</td><td class='num muted'>{count(r.full_low)} to "
        f"{count(r.full_high)}</td></tr>" for r in box.limits.itertuples())
    return (f"<h3>When does it collapse?</h3><p>{esc(collapse.label)} below "
            f"{count(collapse.below)}{esc(f' {unit}' if unit else '')} in "
            f"{esc(when_text(system.outlook.horizon))} happens in {100 * box.base_rate:.1f}% of "
            f"{box.draws:,} draws over the whole factor space. Inside the box below (PRIM), "
            f"it happens in {100 * box.density:.1f}% of draws; the box holds "
            f"{100 * box.coverage:.1f}% of all collapses and {100 * box.mass:.1f}% of the "
            "draws.</p><table class='prim'><thead><tr><th>factor</th><th>inside the box</th>"
            f"<th>full range</th></tr></thead><tbody>{rows}</tbody></table>")


def drivers_html(system, sensitivity=None, discovery=None) -> tuple[str, int]:
    """The section's HTML and the number of charts in it."""
    parts, charts = [], 0
    shown = sensitivity is not None and len(sensitivity)
    labels = factor_labels(system) if shown or discovery is not None else {}
    if shown:
        text, charts = _sensitivity(system, sensitivity, labels)
        parts.append(text)
    if discovery is not None:
        parts.append(_discovery(system, discovery, labels))
    if not parts:
        parts.append("<p class='muted'>Sensitivity and scenario discovery were not run for "
                     "this report (see <code>prospects report --help</code>).</p>")
    parts.append("<p>The model's named feedback loops are listed with the diagram "
                 "(<a href='#diagram'>Stock-and-flow diagram and feedback loops</a>).</p>")
    return "".join(parts), charts
