"""The interactive dashboard, run by ``prospects dashboard`` through ``streamlit run``.

Streamlit reruns this script on every widget change: the sidebar's levers (the scenario's
and the outlook's, each of its kind: a toggle for on/off, a slider otherwise) become
engine interventions, a 1,000-draw ensemble runs on cached parameter draws and compiled
model, and the fan charts of the outlook's headline outputs are redrawn over the status
quo's (cached, the same draws). The title names the levers that moved; a reset button
restores the status quo; the readout gives each headline median and each outlook
outcome's probability with its paired change against the status quo. Each lever's help
names the parameter, rationale and claims its range rests on; below, the same evidence in
full; with a vintages file, how the forecast was revised (``present.revision``'s chart
and evaluation table, as in the report); and a parameter panel with a parameter's prior,
its posterior (if calibrated), unit, rationale and the claims behind it.

The system, posterior and vintages come from the environment (set by the command):
``PROSPECTS_SYSTEM`` (default ``isk``), ``PROSPECTS_POSTERIOR`` (default
``<PROSPECTS_OUT or out>/<system>-posterior.nc`` if it exists, else the priors) and
``PROSPECTS_VINTAGES`` (a file the command checked; none if empty).

Text from evidence files is shown through ``st.text`` or, where Streamlit reads Markdown
(titles, captions, warnings, widget labels), through ``as_written`` (every punctuation mark
escaped, and web addresses broken by an invisible word joiner): no Markdown, no HTML, no
link. The
functions above ``main`` need no Streamlit runtime, so benchmarks/dashboard.py times them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from prospects.analysis import QUANTILES, time_point
from prospects.present.format import count, label_of, pct, points, unit_text

DRAWS = 1000
SEED = 0


WORD_JOINER = "\u2060"


def as_written(text) -> str:
    """``text`` for an element that reads Markdown, shown as written: every ASCII punctuation
    mark backslash-escaped (CommonMark), so no markup, link, image or HTML takes effect, and
    an invisible word joiner in ``://``, ``www.`` and ``@``, which GitHub Markdown would
    otherwise make into links however they are escaped."""
    text = re.sub(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", WORD_JOINER, str(text),
                  flags=re.IGNORECASE)
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


@dataclass
class Result:
    """One ensemble as the page shows it."""

    times: np.ndarray
    bands: dict[str, np.ndarray]  # per headline output, (5, time) quantiles in shown units
    events: np.ndarray  # (outcome, draw): does each outlook outcome happen in each draw?


@dataclass
class Setup:
    """What stays fixed while levers move: the system, 1,000 parameter sets and the status
    quo's ensemble on them."""

    system: object
    params: dict[str, np.ndarray]  # one value per draw for every uncertain parameter
    idata: object | None
    source: str  # "posterior <path>" or "priors"
    base: Result | None = None
    vintages: object | None = None  # the Dataset of `prospects vintages`, if given


def load_setup(system_spec: str, posterior: str | None = None,
               vintages: str | None = None) -> Setup:
    """Load the system, draw its parameter sets once, compile its model and run the
    status quo; read the vintages file if given."""
    from prospects.engine import compiled, sample
    from prospects.inference.posterior import load_posterior, parameter_sources
    from prospects.system import load_system

    system = load_system(system_spec)
    out = Path(os.environ.get("PROSPECTS_OUT") or "out")
    path = Path(posterior) if posterior else out / f"{system.name}-posterior.nc"
    idata = load_posterior(path, system) if posterior or path.exists() else None
    params = sample(parameter_sources(system, idata), DRAWS, SEED)
    compiled(system.model)
    setup = Setup(system, params, idata, f"posterior {path}" if idata is not None else "priors")
    if vintages:
        from prospects.files import read_netcdf

        setup.vintages = read_netcdf(Path(vintages), "vintages")
    base = system.scenarios.get(system.outlook.status_quo)
    setup.base = ensemble(setup, base.interventions() if base else [])
    return setup


def start_months(system) -> list[str]:
    """The months a lever may start in: every month of the run."""
    model = system.model
    first, last = (np.datetime64(d.isoformat()[:7], "M") for d in (model.start, model.stop))
    return [str(m) for m in np.arange(first, last + 1)]


def lever_interventions(system, scenario, values: list[float], start: str | None,
                        outside: dict[str, float]) -> tuple[list, list[str]]:
    """Interventions from the scenario's levers (with the slider values, moved to
    ``start``) and the outlook's levers (by id, at rest if missing); and notes on levers
    dropped."""
    interventions, notes = [], []
    for lever, value in zip(scenario.levers, values, strict=True):
        begin = start or lever.start
        if lever.end and begin and begin >= lever.end:
            notes.append(f"the lever on {label_of(system, lever.target)} ends in "
                         f"{lever.end}, before the start {begin}")
            continue
        interventions.append(lever.intervention(f"{scenario.id}: {lever.target}", value,
                                                begin))
    for lever in system.outlook.levers:
        interventions += lever.interventions(outside.get(lever.id, lever.rest),
                                             start or system.outlook.projection_start)
    return interventions, notes


def active_levers(system, scenario, values: list[float],
                  outside: dict[str, float]) -> list[str]:
    """The levers moved from where the scenario (or rest) has them, as people read them."""
    moved = []
    for lever, value in zip(scenario.levers, values, strict=True):
        own = lever.multiply if lever.multiply is not None else lever.set
        if value != own:
            moved.append(f"{label_of(system, lever.target)} "
                         f"{'x' if lever.multiply is not None else '='} {value:g}")
    for lever in system.outlook.levers:
        value = outside.get(lever.id, lever.rest)
        if value != lever.rest:
            moved.append(lever.label if lever.kind == "switch" else f"{lever.label} {value:g}")
    return moved


def ensemble(setup: Setup, interventions) -> Result:
    """The 1,000-draw ensemble: per headline output its quantiles (5, time), summed over
    the output's dimensions, and whether each outlook outcome happens in each draw."""
    from prospects.engine import simulate
    from prospects.system.outlook import events

    outlook = setup.system.outlook
    headline = outlook.headline
    ds = simulate(setup.system.model, draws=DRAWS, params=setup.params, seed=SEED,
                  interventions=interventions, outputs=outlook.asked)
    bands = {}
    for output in headline:
        values = ds[output.variable].values
        values = values.reshape(values.shape[:2] + (-1,)).sum(axis=2) / output.scale
        bands[output.variable] = np.quantile(values, QUANTILES, axis=0)
    return Result(ds["time"].values, bands, events(ds, outlook.outcomes))


def median_at(times: np.ndarray, q: np.ndarray, month: str) -> float:
    return float(q[2][times == time_point(month)][0])


def paired_outcomes(setup: Setup, result: Result, scenario_id: str):
    """Per outlook outcome: probability now, under the status quo, and the paired change
    with its standard error (a DataFrame of ``projection.outcome_table``'s columns)."""
    from prospects.projection import outcome_table

    base = setup.system.outlook.status_quo
    table = outcome_table(setup.system, np.stack([setup.base.events, result.events]),
                          [base, scenario_id])
    k = len(setup.system.outlook.outcomes)
    now = table.iloc[k:].reset_index(drop=True)
    now["p_base"] = table["p"].iloc[:k].to_numpy()
    return now


def outcome_table_html(table) -> str:
    """``paired_outcomes`` as an HTML table (every label escaped): outcome, probability,
    the status quo's, and the paired change with its standard error."""
    from prospects.present.svg import esc

    rows = "".join(f"<tr><td>{esc(r.label)}</td><td class='num'>{pct(r.p)}</td>"
                   f"<td class='num'>{pct(r.p_base)}</td><td class='num'>{points(r.diff)} "
                   f"(\u00b1{100 * r.diff_se:.1f})</td></tr>" for r in table.itertuples())
    return ("<table class='outcomes'><thead><tr><th>outcome</th><th>now</th>"
            "<th>status quo</th><th>change (paired s.e.)</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _format(q: np.ndarray) -> str:
    return ",.0f" if np.nanmax(np.abs(q)) >= 100 else ",.2f"


def fan_chart(times: np.ndarray, q: np.ndarray, output, reference: np.ndarray | None = None):
    """A fan chart as (data, Vega-Lite spec): 90% and 50% bands and the median, over the
    status quo's 90% band and median (grey) if ``reference`` is given. Plain Vega-Lite, not
    Altair, because Altair's schema check costs more than the ensemble."""
    import pandas as pd

    columns = {"time": times, "q05": q[0], "q25": q[1], "q50": q[2], "q75": q[3], "q95": q[4]}
    if reference is not None:
        columns.update(r05=reference[0], r50=reference[2], r95=reference[4])
    frame = pd.DataFrame(columns)
    colour, grey = "#1f5f8b", "#8c8c8c"
    fmt = _format(q)
    x = {"field": "time", "type": "temporal", "title": None}
    unit = unit_text(output.unit)

    def y(field, title=None):
        return {"field": field, "type": "quantitative", "title": title}

    layers = []
    tooltip = [{"field": "time", "type": "temporal", "format": "%Y-%m", "title": "month"},
               {"field": "q05", "type": "quantitative", "title": "5%", "format": fmt},
               {"field": "q50", "type": "quantitative", "title": "median", "format": fmt},
               {"field": "q95", "type": "quantitative", "title": "95%", "format": fmt}]
    if reference is not None:
        layers += [
            {"mark": {"type": "area", "opacity": 0.12, "color": grey},
             "encoding": {"x": x, "y": y("r05", unit), "y2": {"field": "r95"}}},
            {"mark": {"type": "line", "color": grey, "strokeDash": [4, 3]},
             "encoding": {"x": x, "y": y("r50")}}]
        tooltip.append({"field": "r50", "type": "quantitative", "title": "status quo median",
                        "format": fmt})
    layers += [
        {"mark": {"type": "area", "opacity": 0.18, "color": colour},
         "encoding": {"x": x, "y": y("q05", unit), "y2": {"field": "q95"}}},
        {"mark": {"type": "area", "opacity": 0.35, "color": colour},
         "encoding": {"x": x, "y": y("q25"), "y2": {"field": "q75"}}},
        {"mark": {"type": "line", "color": colour, "strokeWidth": 2},
         "encoding": {"x": x, "y": y("q50"), "tooltip": tooltip}},
    ]
    return frame, {"title": output.label, "height": 230, "layer": layers}


def prior_chart(system, spec, posterior: np.ndarray | None = None):
    """(data, Vega-Lite spec): the prior's density on a grid, with the posterior's histogram
    (as a density) if given; the axis names the parameter by its label."""
    import pandas as pd

    prior = spec.prior
    lo, hi = prior.ppf(np.array([0.001, 0.999]))
    if posterior is not None:
        lo, hi = min(lo, posterior.min()), max(hi, posterior.max())
    grid = np.linspace(lo, hi, 200)
    rows = [pd.DataFrame({"x": grid, "density": np.exp(prior.logpdf(grid)), "what": "prior"})]
    layers = [{"mark": {"type": "line", "color": "#b5542c"},
               "transform": [{"filter": "datum.what == 'prior'"}],
               "encoding": {"x": {"field": "x", "type": "quantitative",
                                  "title": label_of(system, spec.name) + (
                                      f" ({unit_text(spec.unit)})" if unit_text(spec.unit)
                                      else ""),
                                  "scale": {"zero": False}},
                            "y": {"field": "density", "type": "quantitative",
                                  "scale": {"zero": True}}}}]
    if posterior is not None:
        heights, edges = np.histogram(posterior, bins=40, density=True)
        rows.append(pd.DataFrame({"x": edges[:-1], "x2": edges[1:], "density": heights,
                                  "what": "posterior"}))
        layers.insert(0, {"mark": {"type": "bar", "opacity": 0.45, "color": "#1f5f8b"},
                          "transform": [{"filter": "datum.what == 'posterior'"}],
                          "encoding": {"x": {"field": "x", "type": "quantitative",
                                             "scale": {"zero": False}},
                                       "x2": {"field": "x2"},
                                       "y": {"field": "density", "type": "quantitative"},
                                       "y2": {"datum": 0}}})
    return pd.concat(rows, ignore_index=True), {"height": 220, "layer": layers}


# -- the page -------------------------------------------------------------------------------


def on_off(system, lever) -> float | None:
    """For a lever that switches a flag (it sets a parameter without a prior from 0 to 1
    or back), the flag's value when the lever is off; None for any other lever."""
    var = system.model.variables.get(lever.target)
    if (lever.set is None or var is None or var.kind != "param" or var.dims
            or lever.target in system.priors):
        return None
    default = float(var.default)
    return default if {default, float(lever.set)} == {0.0, 1.0} else None


def _slider_range(lever) -> tuple[float, float]:
    if lever.multiply is not None:
        return 0.0, max(3.0, 2.0 * lever.multiply)
    return 0.0, max(1.0, 2.0 * abs(lever.set))


LEVER_KEYS = ("lever-", "outside-", "start-")


def reset(st, system) -> None:
    """Back to the status quo: every lever to its default, the status-quo scenario."""
    for key in list(st.session_state):
        if str(key).startswith(LEVER_KEYS):
            del st.session_state[key]
    if system.outlook.status_quo in system.scenarios:
        st.session_state["scenario"] = system.outlook.status_quo


def sidebar(st, setup: Setup):
    """The sidebar's widgets, as (scenario, interventions, notes, moved levers)."""
    system = setup.system
    side = st.sidebar
    side.caption(as_written(f"System: {system.name}. {DRAWS:,} draws from the {setup.source}."))
    side.button("Reset to the status quo", on_click=reset, args=(st, system), key="reset",
                width="stretch")
    sid = side.selectbox("Scenario", list(system.scenarios), key="scenario",
                         format_func=lambda s: system.scenarios[s].name)
    scenario = system.scenarios[sid]
    side.text(scenario.description)
    values = []
    if scenario.levers:
        side.subheader("Scenario levers")
    for i, lever in enumerate(scenario.levers):
        multiply = lever.multiply is not None
        off = on_off(system, lever)
        tip = lever_help(system, [lever.target])
        if off is not None:  # a flag: on applies the scenario's value, off keeps the default
            label = f"{label_of(system, lever.target)} set to {lever.set:g}"
            on = side.toggle(as_written(label), True, key=f"lever-{sid}-{i}", help=tip)
            values.append(float(lever.set) if on else off)
            continue
        low, high = _slider_range(lever)
        label = f"{label_of(system, lever.target)} ({'x' if multiply else 'set to'})"
        values.append(side.slider(as_written(label), low, high,
                                  float(lever.multiply if multiply else lever.set), 0.05,
                                  key=f"lever-{sid}-{i}", help=tip))
    outside = {}
    if system.outlook.levers:
        side.subheader("Outside actors")
    for lv in system.outlook.levers:
        label = as_written(lv.label)
        tip = lever_help(system, lv.targets, lv.help) or None
        if lv.kind == "switch":
            outside[lv.id] = float(side.toggle(label, False, key=f"outside-{lv.id}", help=tip))
        else:
            outside[lv.id] = side.slider(label, lv.low, lv.high, lv.rest,
                                         (lv.high - lv.low) / 40 or 0.05,
                                         key=f"outside-{lv.id}", help=tip)
    months = start_months(system)
    default = min((lv.start for lv in scenario.levers if lv.start),
                  default=system.outlook.projection_start)
    start = side.select_slider("Levers start", months, value=min(max(default, months[0]),
                                                                 months[-1]),
                               key=f"start-{sid}")
    interventions, notes = lever_interventions(system, scenario, values, start, outside)
    return scenario, interventions, notes, active_levers(system, scenario, values, outside)


def charts(st, setup: Setup, result: Result, scenario_id: str) -> None:
    system = setup.system
    month = system.outlook.horizon
    base = setup.base
    columns = st.columns(2)
    for k, output in enumerate(system.outlook.headline):
        with columns[k % 2]:
            q = result.bands[output.variable]
            frame, spec = fan_chart(result.times, q, output, base.bands[output.variable])
            st.vega_lite_chart(frame, spec, width="stretch")
            value = median_at(result.times, q, month)
            change = value - median_at(base.times, base.bands[output.variable], month)
            unit = unit_text(output.unit)
            st.caption(as_written(f"median {output.label} {month}: {count(value)}"
                                  f"{f' {unit}' if unit else ''} ({count(change, signed=True)}"
                                  " against the status quo)"))
    st.subheader("Outcomes")
    table = paired_outcomes(setup, result, scenario_id)
    st.html(_styled(outcome_table_html(table)))
    st.caption(f"Probabilities over {DRAWS:,} draws; the change is paired: the status quo "
               "ran on the same parameter sets.")


def evidence_lines(system, name: str) -> list[str]:
    """What a lever's target is and rests on, as plain lines: the parameter or variable
    (label, identifier, rationale or doc), then each claim it cites."""
    ev = system.evidence
    spec = ev.parameters.get(name)
    var = system.model.variables.get(name)
    if spec is not None:
        cited, what = list(spec.claims), spec.rationale
    elif var is not None:
        cited, what = list(var.claims), var.doc
    else:
        cited, what = [], ""
    lines = [f"{label_of(system, name)} ({name}): {what}"]
    for cid in cited:
        claim = ev.claims.get(cid)
        if claim is not None:
            lines.append(f"claim {cid} ({claim.asserted_by}, credibility "
                         f"{claim.credibility}): {claim.text}")
    return lines


def lever_help(system, names, help_text: str = "") -> str:
    """A lever's hover help (Markdown-safe): what it does, then the evidence its range
    rests on, a paragraph a line."""
    lines = ([help_text] if help_text else []) + [
        line for name in names for line in evidence_lines(system, name)]
    return "\n\n".join(as_written(line) for line in lines)


def lever_evidence(st, setup: Setup, scenario) -> None:
    """What each lever touches and the evidence behind it, as plain text."""
    system = setup.system
    ev = system.evidence
    with st.expander("The evidence behind the levers"):
        targets = [(lv.label, lv.help, lv.targets) for lv in system.outlook.levers]
        targets += [(f"{scenario.name}: {label_of(system, lv.target)}", "", [lv.target])
                    for lv in scenario.levers]
        for label, help_text, names in targets:
            st.text(label + (f" - {help_text}" if help_text else ""))
            for name in names:
                first, *claims = evidence_lines(system, name)
                st.text(f"    {first}")
                for line in claims:
                    st.text(f"      {line}")
        for cid in scenario.claims:
            claim = ev.claims.get(cid)
            if claim is not None:
                st.text(f"Scenario '{scenario.name}' cites {cid}: {claim.text}")


def _scenario_name(system, ds, shown: str | None) -> str:
    sid = shown or str(ds["scenario"].values[0])
    return system.scenarios[sid].name if sid in system.scenarios else sid


def revision_chart(ds, scenario: str | None = None):
    """(data, Vega-Lite spec): each outcome's probability by vintage, the numbers of the
    report's revision chart (``revision.revision_series``), one coloured line each."""
    import pandas as pd

    from prospects.present.revision import revision_series

    vintages = [str(v) for v in ds["vintage"].values]
    frame = pd.concat([pd.DataFrame({"vintage": vintages, "p": p, "outcome": label})
                       for label, p in revision_series(ds, scenario).items()],
                      ignore_index=True)
    return frame, {
        "title": "Outcome probabilities by vintage", "height": 360,
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "vintage", "type": "ordinal", "title": "as of",
                  "sort": vintages, "axis": {"labelAngle": 0}},
            "y": {"field": "p", "type": "quantitative", "title": "probability",
                  "scale": {"domain": [0, 1]}, "axis": {"format": ".0%"}},
            "color": {"field": "outcome", "type": "nominal", "title": None,
                      "legend": {"orient": "right", "labelLimit": 300}},
            "tooltip": [{"field": "outcome"}, {"field": "vintage", "title": "as of"},
                        {"field": "p", "format": ".1%", "title": "probability"}]}}


def revisions(st, setup: Setup, scenario_id: str) -> None:
    """How the forecast was revised: the report's revision numbers as a chart, and its
    evaluation tables (every cell escaped there), in the chosen scenario if the vintages
    ran it."""
    from prospects.present.revision import SCORED, medians_table, scores_html

    ds = setup.vintages
    if ds is None:
        return
    shown = scenario_id if scenario_id in ds["scenario"].values else None
    st.header("How the forecast was revised")
    st.caption(as_written(
        f"From the vintages file, scenario {_scenario_name(setup.system, ds, shown)}: each "
        "outcome's probability as of each date, then each vintage's skill on the evidence "
        "published after it."))
    frame, spec = revision_chart(ds, shown)
    st.vega_lite_chart(frame, spec, width="stretch")
    st.html(_styled(medians_table(setup.system, ds, shown)))
    st.subheader(SCORED)
    st.html(_styled(scores_html(ds, setup.system)))


def _styled(table_html: str) -> str:
    """An HTML table with the report's table style (borders, padding, numbers aligned
    right), which Streamlit's own style leaves out of ``st.html``."""
    from prospects.present.page import TABLE_STYLE

    return f"<style>{TABLE_STYLE}</style>{table_html}"


def parameter_panel(st, setup: Setup) -> None:
    evidence = setup.system.evidence
    names = sorted(evidence.parameters)
    name = st.selectbox("Parameter", names, index=None, key="parameter",
                        placeholder="Choose a parameter")
    if name is None:
        return
    spec = evidence.parameters[name]
    left, right = st.columns([3, 2])
    with left:
        posterior = None
        if setup.idata is not None and name in setup.idata.posterior:
            posterior = np.asarray(setup.idata.posterior[name].values).ravel()
        st.text(f"{name}  [{spec.unit}]   default {spec.default}   prior {spec.prior}"
                + ("   (calibrated)" if posterior is not None else ""))
        if spec.prior.dist != "fixed":
            frame, chart = prior_chart(setup.system, spec, posterior)
            st.vega_lite_chart(frame, chart, width="stretch")
            st.caption("Line: prior density." + (" Bars: posterior." if posterior is not None
                                                 else ""))
        st.text("Rationale: " + spec.rationale)
    with right:
        st.markdown("**Claims behind it**")
        for cid in spec.claims:
            claim = evidence.claims.get(cid)
            with st.container(border=True):
                if claim is None:
                    st.text(f"{cid}: (not in claims.yaml)")
                    continue
                st.text(f"{cid} - asserted by {claim.asserted_by}, credibility "
                        f"{claim.credibility}")
                st.text(claim.text)
                st.text(f"Source: {claim.source}, {claim.locator}")
        if not spec.claims:
            st.text("No claims cited.")


def main() -> None:
    import streamlit as st

    system_spec = os.environ.get("PROSPECTS_SYSTEM", "isk")
    st.set_page_config(page_title=f"prospects: {system_spec}", layout="wide")
    setup = st.cache_resource(show_spinner="Loading the system")(load_setup)(
        system_spec, os.environ.get("PROSPECTS_POSTERIOR") or None,
        os.environ.get("PROSPECTS_VINTAGES") or None)
    scenario, interventions, notes, moved = sidebar(st, setup)
    title = f"{setup.system.name}: {scenario.name}"
    st.title(as_written(title + (f" with {'; '.join(moved)}" if moved else "")))
    for note in notes:
        st.warning(as_written(f"Not applied: {note}."))
    result = ensemble(setup, interventions)
    charts(st, setup, result, scenario.id)
    st.caption(f"Median, 50% and 90% bands of {DRAWS:,} draws, over the status quo's (grey, "
               "dashed median); the same draws under every setting, so differences are the "
               "levers' doing.")
    lever_evidence(st, setup, scenario)
    revisions(st, setup, scenario.id)
    st.divider()
    st.header("Parameters")
    st.fragment(parameter_panel)(st, setup)


if __name__ == "__main__":
    main()
