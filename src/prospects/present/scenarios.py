"""The projections, scenario by scenario, comparable at a glance: every scenario's fans
drawn over the status quo's (grey) on axes shared by all scenarios, and for the headline
outputs the paired difference fan (per draw, the scenario minus the status quo on the same
parameter sets), so that a difference is seen against its uncertainty. The claimed figures
are marked on the fans, with the self-report factor applied as the model reads them, and
a backtest's later figures in green.
Render only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis import bands, quantiles, summed, time_point, when_text
from .charts import Mark, fan_chart, legend, y_limits
from .format import count, unit_text
from .svg import esc

#: The kinds of observation drawn as a range (low, high): either end may be open.
RANGES = ("interval", "soft_interval", "normal", "at_most", "at_least")


@dataclass
class Projections:
    html: str
    charts: int


def _bias_factor(system, idata, name: str) -> float:
    """The self-report factor's median: posterior if calibrated, else prior."""
    if idata is not None and name in idata.posterior:
        return float(np.median(idata.posterior[name].values))
    return float(system.evidence.parameters[name].prior.ppf(np.array([0.5]))[0])


def claim_marks(system, idata, t, later=None) -> dict[tuple[str, str], list[Mark]]:
    """Claimed figures by (variable, panel label) for the fans: observations of a range
    or bound on a whole output or on one member of a split output. ``later``: a
    backtest's ``BacktestFile``, whose figures are marked instead, as later ones."""
    from ..inference.likelihood import build_targets

    ev = system.evidence if later is None else later.evidence
    outputs = {o.variable: o for o in system.outlook.outputs}
    marks: dict[tuple[str, str], list[Mark]] = {}
    targets = (build_targets(system) if later is None else
               build_targets(system, later.observations, ev.claims))
    observations = ev.observations if later is None else later.observations
    for target in targets:
        output = outputs.get(target.variable)
        if output is None or target.kind not in RANGES:
            continue
        if target.select:
            if not output.split or list(target.select) != [output.split]:
                continue
            panel = str(target.select[output.split])
        else:
            panel = output.label
        scale = output.scale
        low = None if target.low is None else target.low / scale
        high = None if target.high is None else target.high / scale
        obs = observations[target.id]
        claim = ev.claims.get(obs.claim)
        label = f"{'later figure (backtest)' if later else 'claimed'}: {target.claimed}"
        if claim is not None:
            label += f" (asserted by {claim.asserted_by}: {claim.text})"
        adjusted = None
        if target.bias:
            b = _bias_factor(system, idata, target.bias)
            adjusted = tuple(None if v is None else v / b for v in (low, high))
            shown = " to ".join(count(v) for v in adjusted if v is not None)
            label += (f"; as the model reads it, divided by the self-report factor "
                      f"{b:.2f}: {shown}")
        first = t[min(target.months)]
        last = t[min(max(target.months), len(t) - 1)]
        marks.setdefault((target.variable, panel), []).append(
            Mark(first, last, low, high, label, adjusted, later is not None))
    return marks


def _difference(ds, output, k: int, b: int) -> np.ndarray:
    """(5, time) quantiles over draws of scenario ``k`` minus scenario ``b``, per draw."""
    da = summed(ds[output.variable])
    return np.asarray(quantiles(da.isel(scenario=k) - da.isel(scenario=b))) / output.scale


def projections_html(system, ds, idata=None, later=None) -> Projections:
    """The scenario picker and every scenario's charts (all pre-rendered, one shown), the
    claimed figures on them, and ``later``'s (a backtest's ``BacktestFile``) if given."""
    t = ds["time"].values
    start = time_point(ds.attrs.get("projection_start", system.outlook.projection_start))
    ids = [str(s) for s in ds.scenario.values]
    names = [system.scenarios[s].name for s in ids]
    base = system.outlook.status_quo
    b = ids.index(base) if base in ids else None
    marks = claim_marks(system, idata, t)
    later_marks = claim_marks(system, idata, t, later) if later is not None else {}
    for key, found in later_marks.items():
        marks.setdefault(key, []).extend(found)
    outputs = [o for o in system.outlook.outputs if o.chart and o.variable in ds]
    per = {}
    for o in outputs:
        every = bands(ds.transpose("scenario", "draw", "time", ...), o)  # (5, scenario, time)
        per[id(o)] = [{p: q[:, k] for p, q in every.items()} for k in range(len(ids))]
    limits = {}
    for o in outputs:
        panel_marks = [m for key, ms in marks.items() if key[0] == o.variable for m in ms]
        limits[id(o)] = y_limits([q for panels in per[id(o)] for q in panels.values()],
                                 panel_marks, o.range)
    headline = [o for o in system.outlook.headline if o.chart and o.variable in ds]
    diffs, diff_limits = {}, {}
    if b is not None:
        for o in headline:
            diffs[id(o)] = {k: _difference(ds, o, k, b) for k in range(len(ids)) if k != b}
            diff_limits[id(o)] = y_limits(list(diffs[id(o)].values()))
    blocks, charts = [], 0
    for k, sid in enumerate(ids):
        scenario = system.scenarios[sid]
        figures = []
        if b is not None and k != b:
            for o in headline:
                unit = unit_text(o.unit)
                figures.append(fan_chart(
                    t, {o.label: diffs[id(o)][k]},
                    f"{o.label}: {names[k]} minus {names[b]}", unit, start,
                    diff_limits[id(o)], zero=True))
        for o in outputs:
            panels = per[id(o)][k]
            ref = per[id(o)][b] if b is not None and k != b else None
            figures.append(fan_chart(
                t, panels, o.label, unit_text(o.unit), start, limits[id(o)], ref,
                {p: marks.get((o.variable, p), []) for p in panels}))
        charts += len(figures)
        kind = {"baseline": "the baseline", "lever": "a lever (an outside actor's choice)",
                "assumption": "an assumption (a development nobody here controls)"}
        blocks.append(
            f"<div class='scn' id='scn-{esc(sid)}' data-scn='{k}'><h3>{esc(names[k])}</h3>"
            f"<p class='muted'>{esc(scenario.description)} This scenario is "
            f"{kind[scenario.kind]}.</p>"
            + "".join(f"<figure>{f}</figure>" for f in figures) + "</div>")
    options = "".join(f"<option value='{k}'>{esc(n)}</option>" for k, n in enumerate(names))
    items = [("median", "median"), ("band50", "50% band"), ("band90", "90% band")]
    if b is not None:
        items.append(("reference", f"{names[b]} (90% band and median; on small panels, "
                                   "the median)"))
    if marks:
        items += [("claimed", "claimed figure"),
                  ("adjusted", "the same as the model reads it (self-report factor applied)")]
    if later_marks:
        items.append(("later", "later figure, published after the projection start "
                               "(the backtest's)"))
    note = (f"{ds.sizes['draw']:,} paired draws per scenario. Every scenario's charts share "
            "one y axis per output, so switching scenario keeps the scale; the dotted line "
            f"marks the projection start ({when_text(ds.attrs.get('projection_start', ''))}). "
            + ("Above each scenario's charts, the paired difference from the status quo: the "
               "band is where the scenario's effect lies once the shared uncertainty is "
               "taken out." if b is not None else ""))
    html_text = (f"<p class='muted'>{esc(note)}</p><div class='scn-pick'><label>Scenario "
                 f"<select id='scn-pick'>{options}</select></label>{legend(items)}</div>"
                 + "".join(blocks))
    return Projections(html_text, charts)
