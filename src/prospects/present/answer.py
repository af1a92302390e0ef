"""The answer the report opens with: under the status quo, the probability of each outcome
the outlook asks about, with its Monte Carlo error; then what each lever changes, paired
against the status quo on the same draws (the difference in each probability with its
paired standard error, and the change in the median of the first headline output),
levers sorted by the size of their largest effect; assumptions (developments nobody here
controls) apart from levers. Render only: it reads a projection's draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis import at, summed, when_text
from .format import counts, pct, points, unit_text
from .svg import esc


@dataclass
class Change:
    """One scenario against the status quo."""

    id: str
    name: str
    kind: str  # lever | assumption
    description: str
    diff: np.ndarray  # per outcome, paired difference of probability
    diff_se: np.ndarray
    median_change: float  # median of the headline output at the horizon, minus the base's

    @property
    def size(self) -> float:
        return float(np.max(np.abs(self.diff))) if self.diff.size else 0.0


@dataclass
class Answer:
    outcomes: list  # outlook outcomes
    base: str | None  # status-quo scenario id (None: not in the projection)
    base_name: str
    p: np.ndarray  # (outcome,) under the status quo, or (scenario, outcome) without one
    se: np.ndarray
    changes: list[Change]
    headline: object  # the outlook output whose median change is shown
    horizon: str
    draws: int
    scenario_names: list[str]


def answer(system, ds) -> Answer:
    """The numbers of the answer section from a projection dataset."""
    from ..projection import outcome_table, scenario_events

    outlook = system.outlook
    ids = [str(s) for s in ds.scenario.values]
    names = [system.scenarios[s].name for s in ids]
    table = outcome_table(system, scenario_events(ds, outlook.outcomes), ids)
    k = len(outlook.outcomes)
    p = table["p"].to_numpy().reshape(len(ids), k)
    se = table["se"].to_numpy().reshape(len(ids), k)
    headline = outlook.headline[0]
    base = outlook.status_quo if outlook.status_quo in ids else None
    if base is None:
        return Answer(outlook.outcomes, None, "", p, se, [], headline, outlook.horizon,
                      ds.sizes["draw"], names)
    b = ids.index(base)
    diff = table["diff"].to_numpy().reshape(len(ids), k)
    diff_se = table["diff_se"].to_numpy().reshape(len(ids), k)
    values = np.asarray(at(summed(ds[headline.variable]), outlook.horizon)) / headline.scale
    medians = np.median(values, axis=-1)
    changes = [Change(sid, names[i], system.scenarios[sid].kind,
                      system.scenarios[sid].description, diff[i], diff_se[i],
                      float(medians[i] - medians[b]))
               for i, sid in enumerate(ids) if i != b]
    changes.sort(key=lambda c: -c.size)
    return Answer(outlook.outcomes, base, names[b], p[b], se[b], changes, headline,
                  outlook.horizon, ds.sizes["draw"], names)


def _change_cell(d: float, se: float) -> str:
    """A paired difference; bold when it is more than twice its standard error."""
    clear = abs(d) > 2 * se and abs(d) >= 0.0005
    body = f"{points(d)}<br><span class='muted'>\u00b1{100 * se:.1f}</span>"
    return f"<td class='num{' clear' if clear else ''}'>{body}</td>"


def _changes_table(a: Answer, changes: list[Change], what: str) -> str:
    if not changes:
        return ""
    unit = unit_text(a.headline.unit)
    head = "".join(f"<th title='{esc(c.description)}'>{esc(c.name)}</th>" for c in changes)
    rows = []
    for j, outcome in enumerate(a.outcomes):
        cells = "".join(_change_cell(c.diff[j], c.diff_se[j]) for c in changes)
        rows.append(f"<tr><th>{esc(outcome.label)}</th>{cells}</tr>")
    medians = "".join(f"<td class='num'>{m}</td>"
                      for m in counts([c.median_change for c in changes], signed=True))
    rows.append(f"<tr class='median'><th>median {esc(a.headline.label.lower())} in "
                f"{esc(when_text(a.horizon))}{esc(f' ({unit})' if unit else '')}</th>"
                f"{medians}</tr>")
    return (f"<div class='wide'><table class='changes' data-kind='{what}'><thead><tr>"
            f"<th>change against the status quo</th>{head}</tr></thead><tbody>"
            f"{''.join(rows)}</tbody></table></div>")


def answer_html(system, ds) -> str:
    """The answer section's HTML."""
    a = answer(system, ds)
    if a.base is None:
        head = "".join(f"<th>{esc(n)}</th>" for n in a.scenario_names)
        rows = "".join(
            f"<tr><th>{esc(o.label)}</th>" + "".join(
                f"<td class='num'>{pct(a.p[i, j])}<br><span class='muted'>\u00b1"
                f"{100 * a.se[i, j]:.1f}</span></td>" for i in range(len(a.scenario_names)))
            + "</tr>" for j, o in enumerate(a.outcomes))
        return ("<p>The projection holds no status-quo scenario, so no change can be paired "
                f"against it. Probabilities from {a.draws:,} draws (\u00b1: Monte Carlo "
                "standard error, in percentage points):</p><table class='answer'><thead><tr>"
                f"<th>outcome</th>{head}</tr></thead><tbody>{rows}</tbody></table>")
    rows = "".join(
        f"<tr><th>{esc(o.label)}</th><td class='num'>{pct(a.p[j])}</td>"
        f"<td class='num muted'>\u00b1{100 * a.se[j]:.1f} pp</td></tr>"
        for j, o in enumerate(a.outcomes))
    levers = [c for c in a.changes if c.kind == "lever"]
    assumptions = [c for c in a.changes if c.kind == "assumption"]
    text = (f"<p class='lead'>Under the <strong>{esc(a.base_name)}</strong>, with "
            f"{a.draws:,} draws of every uncertain parameter:</p>"
            "<table class='answer'><thead><tr><th>outcome</th><th>probability</th>"
            f"<th>Monte Carlo error</th></tr></thead><tbody>{rows}</tbody></table>")
    if levers:
        text += ("<h3>What the levers change</h3><p>Each lever is an outside actor's choice, "
                 "run on the same draws as the status quo, so the difference is the lever's "
                 "doing: the change in each probability in percentage points, \u00b1 its "
                 "paired standard error; <strong>bold</strong> where the change is more than "
                 "twice that error. Levers are sorted by their largest change, the strongest "
                 "first. The last row is the change in the median.</p>"
                 + _changes_table(a, levers, "lever"))
    if assumptions:
        text += ("<h3>If the assumptions differ</h3><p>Developments nobody here controls, "
                 "against the status quo on the same draws: not choices, but how much the "
                 "answer rests on them.</p>" + _changes_table(a, assumptions, "assumption"))
    return text
