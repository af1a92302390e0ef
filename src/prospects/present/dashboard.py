"""The interactive dashboard, run by ``prospects dashboard`` through ``streamlit run``.

Streamlit reruns this script on every widget change: the sidebar's levers (the scenario's
and the outlook's) become engine interventions, a 1,000-draw ensemble runs on cached
parameter draws and compiled model, and the fan charts of the outlook's headline outputs
are redrawn. Below the charts, a parameter panel shows a parameter's prior,
its posterior (if calibrated), unit, rationale and the claims behind it.

The system and posterior come from the environment (set by the command):
``PROSPECTS_SYSTEM`` (default ``isk``) and ``PROSPECTS_POSTERIOR`` (default
``<PROSPECTS_OUT or out>/<system>-posterior.nc`` if it exists, else the priors).

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

from prospects.analysis import QUANTILES

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
class Setup:
    """What stays fixed while levers move: the system and 1,000 parameter sets."""

    system: object
    params: dict[str, np.ndarray]  # one value per draw for every uncertain parameter
    idata: object | None
    source: str  # "posterior <path>" or "priors"


def load_setup(system_spec: str, posterior: str | None = None) -> Setup:
    """Load the system, draw its parameter sets once and compile its model."""
    from prospects.engine import compiled, sample
    from prospects.inference.posterior import load_posterior, parameter_sources
    from prospects.system import load_system

    system = load_system(system_spec)
    out = Path(os.environ.get("PROSPECTS_OUT") or "out")
    path = Path(posterior) if posterior else out / f"{system.name}-posterior.nc"
    idata = load_posterior(path, system) if posterior or path.exists() else None
    params = sample(parameter_sources(system, idata), DRAWS, SEED)
    compiled(system.model)
    return Setup(system, params, idata, f"posterior {path}" if idata is not None else "priors")


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
            notes.append(f"the lever on {lever.target} ends in {lever.end}, before the "
                         f"start {begin}")
            continue
        interventions.append(lever.intervention(f"{scenario.id}: {lever.target}", value,
                                                begin))
    for lever in system.outlook.levers:
        interventions += lever.interventions(outside.get(lever.id, lever.rest),
                                             start or system.outlook.projection_start)
    return interventions, notes


def ensemble(setup: Setup, interventions) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Times and, per headline output, quantiles (5, time) of the 1,000-draw ensemble
    (summed over the output's dimensions)."""
    from prospects.engine import simulate

    headline = setup.system.outlook.headline
    ds = simulate(setup.system.model, draws=DRAWS, params=setup.params, seed=SEED,
                  interventions=interventions,
                  outputs=list(dict.fromkeys(o.variable for o in headline)))
    bands = {}
    for output in headline:
        values = ds[output.variable].values
        values = values.reshape(values.shape[:2] + (-1,)).sum(axis=2) / output.scale
        bands[output.variable] = np.quantile(values, QUANTILES, axis=0)
    return ds["time"].values, bands


def median_at(times: np.ndarray, q: np.ndarray, month: str) -> float:
    return float(q[2][times == np.datetime64(f"{month}-01", "ns")][0])


def fan_chart(times: np.ndarray, q: np.ndarray, output):
    """A fan chart as (data, Vega-Lite spec): 90% and 50% bands and the median. Plain
    Vega-Lite, not Altair, because Altair's schema check costs more than the ensemble."""
    import pandas as pd

    frame = pd.DataFrame({"time": times, "q05": q[0], "q25": q[1], "q50": q[2],
                          "q75": q[3], "q95": q[4]})
    colour = "#1f5f8b"
    x = {"field": "time", "type": "temporal", "title": None}
    spec = {
        "title": output.label, "height": 230,
        "layer": [
            {"mark": {"type": "area", "opacity": 0.18, "color": colour},
             "encoding": {"x": x, "y": {"field": "q05", "type": "quantitative",
                                        "title": output.unit}, "y2": {"field": "q95"}}},
            {"mark": {"type": "area", "opacity": 0.35, "color": colour},
             "encoding": {"x": x, "y": {"field": "q25", "type": "quantitative"},
                          "y2": {"field": "q75"}}},
            {"mark": {"type": "line", "color": colour, "strokeWidth": 2},
             "encoding": {"x": x, "y": {"field": "q50", "type": "quantitative"},
                          "tooltip": [{"field": "time", "type": "temporal", "format": "%Y-%m"},
                                      {"field": "q50", "type": "quantitative",
                                       "title": "median", "format": ",.3~g"}]}},
        ],
    }
    return frame, spec


def prior_chart(spec, posterior: np.ndarray | None = None):
    """(data, Vega-Lite spec): the prior's density on a grid, with the posterior's histogram
    (as a density) if given."""
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
                                  "title": f"{spec.name} [{spec.unit}]"},
                            "y": {"field": "density", "type": "quantitative"}}}]
    if posterior is not None:
        heights, edges = np.histogram(posterior, bins=40, density=True)
        rows.append(pd.DataFrame({"x": edges[:-1], "x2": edges[1:], "density": heights,
                                  "what": "posterior"}))
        layers.insert(0, {"mark": {"type": "bar", "opacity": 0.45, "color": "#1f5f8b"},
                          "transform": [{"filter": "datum.what == 'posterior'"}],
                          "encoding": {"x": {"field": "x", "type": "quantitative"},
                                       "x2": {"field": "x2"},
                                       "y": {"field": "density", "type": "quantitative"}}})
    return pd.concat(rows, ignore_index=True), {"height": 220, "layer": layers}


# -- the page -------------------------------------------------------------------------------


def _slider_range(lever) -> tuple[float, float]:
    if lever.multiply is not None:
        return 0.0, max(3.0, 2.0 * lever.multiply)
    return 0.0, max(1.0, 2.0 * abs(lever.set))


def sidebar(st, setup: Setup):
    """The sidebar's widgets, as (scenario, interventions, notes)."""
    system = setup.system
    side = st.sidebar
    side.caption(as_written(f"System: {system.name}. {DRAWS:,} draws from the {setup.source}."))
    sid = side.selectbox("Scenario", list(system.scenarios), key="scenario",
                         format_func=lambda s: system.scenarios[s].name)
    scenario = system.scenarios[sid]
    side.text(scenario.description)
    values = []
    if scenario.levers:
        side.subheader("Scenario levers")
    for i, lever in enumerate(scenario.levers):
        kind, value = ("x", lever.multiply) if lever.multiply is not None else ("=", lever.set)
        low, high = _slider_range(lever)
        values.append(side.slider(as_written(f"{lever.target} {kind}"), low, high,
                                  float(value), 0.05, key=f"lever-{sid}-{i}"))
    outside = {}
    if system.outlook.levers:
        side.subheader("Outside actors")
    for lv in system.outlook.levers:
        label = as_written(lv.label)
        if lv.kind == "switch":
            outside[lv.id] = float(side.toggle(label, False, key=f"outside-{lv.id}",
                                               help=as_written(lv.help) or None))
        else:
            outside[lv.id] = side.slider(label, lv.low, lv.high, lv.rest,
                                         (lv.high - lv.low) / 40 or 0.05,
                                         key=f"outside-{lv.id}", help=as_written(lv.help) or None)
    months = start_months(system)
    default = min((lv.start for lv in scenario.levers if lv.start),
                  default=system.outlook.projection_start)
    start = side.select_slider("Levers start", months, value=min(max(default, months[0]),
                                                                 months[-1]),
                               key=f"start-{sid}")
    interventions, notes = lever_interventions(system, scenario, values, start, outside)
    return scenario, interventions, notes


def charts(st, setup: Setup, interventions) -> None:
    times, bands = ensemble(setup, interventions)
    month = setup.system.outlook.horizon
    columns = st.columns(2)
    for k, output in enumerate(setup.system.outlook.headline):
        with columns[k % 2]:
            frame, spec = fan_chart(times, bands[output.variable], output)
            st.vega_lite_chart(frame, spec, width="stretch")
            value = median_at(times, bands[output.variable], month)
            st.caption(as_written(f"median {output.label} {month}: "
                                  f"{value:,.{0 if value >= 100 else 2}f}"))


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
            frame, chart = prior_chart(spec, posterior)
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
        system_spec, os.environ.get("PROSPECTS_POSTERIOR") or None)
    scenario, interventions, notes = sidebar(st, setup)
    st.title(as_written(f"{setup.system.name}: {scenario.name}"))
    for note in notes:
        st.warning(as_written(f"Not applied: {note}."))
    charts(st, setup, interventions)
    st.caption(f"Median, 50% and 90% bands of {DRAWS:,} draws; the same draws under every "
               "setting, so differences are the levers' doing.")
    st.divider()
    st.header("Parameters")
    st.fragment(parameter_panel)(st, setup)


if __name__ == "__main__":
    main()
