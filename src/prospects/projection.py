"""Projections: posterior-predictive ensembles per scenario, and the outcomes analysts ask
about, with their Monte Carlo error.

Every scenario runs on the same parameter draws and random streams as the status quo, so
differences between scenarios are paired. With a posterior, every draw is one whole
parameter set from its particles (every uncertain parameter jointly); without one, each
parameter is drawn from its prior.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .analysis import QUANTILES, standard_error
from .evidence import EvidenceError
from .inference.posterior import parameter_sources
from .system import System
from .system.outlook import Outcome


def project(
    system: System,
    idata=None,
    scenarios: Sequence[str] | None = None,
    draws: int = 1000,
    seed: int = 0,
    outputs: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
    client=None,
):
    """Ensembles per scenario, stacked on a ``scenario`` dimension (float32 values).
    ``client``: a Dask client (or scheduler address) to run the chunks of draws on."""
    from .engine import simulate

    ids, sources, outputs, kinds = _setup(system, idata, scenarios, outputs)

    def runs():
        for sid in ids:
            yield simulate(system.model, draws=draws, priors=sources, seed=seed,
                           interventions=system.scenarios[sid].interventions(),
                           outputs=outputs, client=client, kinds=kinds)
            if progress:
                progress(1)

    out = stack_scenarios(runs(), ids)
    out.attrs.update(system=system.name, seed=seed,
                     projection_start=system.outlook.projection_start,
                     calibrated=int(idata is not None),
                     scenario_names="|".join(system.scenarios[s].name for s in ids))
    if system.as_of is not None:
        out.attrs["as_of"] = system.as_of
    return out


def report_outputs(system: System) -> list[str]:
    """What a projection made for the report keeps: the outlook's outputs and what the why
    panels read (which spares the decompositions runs of their own)."""
    from .explain import why_variables

    return list(dict.fromkeys(system.outlook.kept + why_variables(system)))


def _setup(system: System, idata, scenarios: Sequence[str] | None,
           outputs: Sequence[str] | None) -> tuple[list[str], dict, list[str], tuple]:
    """What both projections start from: the scenario ids (all by default; unknown ones
    refused), where each parameter's draws come from, the outputs (the outlook's) and the
    kinds of intervention of all the scenarios (one compiled kernel runs them all)."""
    ids = list(scenarios or system.scenarios)
    unknown = [s for s in ids if s not in system.scenarios]
    if unknown:
        raise EvidenceError(f"unknown scenario(s) {', '.join(unknown)}; known: "
                            f"{', '.join(system.scenarios)}")
    return (ids, parameter_sources(system, idata), list(outputs or system.outlook.kept),
            scenario_kinds(system, ids))


def scenario_kinds(system: System, ids: Sequence[str] | None = None) -> tuple:
    """``engine.run.intervention_kinds`` of the scenarios ``ids`` (default: all of them)."""
    from .engine.run import intervention_kinds

    return intervention_kinds(system.model, [system.scenarios[s].interventions()
                                             for s in (ids or system.scenarios)])


def stack_scenarios(runs: Iterable, ids: Sequence[str]):
    """Runs of one model on the same draws, one per scenario (any iterable, read once), as
    one float32 Dataset on a leading ``scenario`` dimension: what ``xr.concat(...,
    combine_attrs="drop_conflicts")`` of the runs cast to float32 gives, without its
    per-variable alignment and checks (a second for a dozen scenarios of a hundred
    variables).

    Each run is copied in, cast, as it comes, so that a generator's runs are freed one by
    one (twelve float64 runs held at once were 650 MB of fresh pages in the default
    report), into memory laid out draw-last as the engine's buffers are (the Dataset sees
    it draw-first through a transposed view): one contiguous pass, where stacking the runs
    first made a float64 array past glibc's mmap threshold for each variable."""
    import numpy as np
    import xarray as xr

    stacked, labels, attrs, coords = {}, {}, None, None
    for k, run in enumerate(runs):
        if attrs is None:
            attrs, coords = dict(run.attrs), {"scenario": _scenario_axis(ids), **run.coords}
            for name, var in run.data_vars.items():
                last = (*range(1, var.ndim), 0)  # draw (a run's first dim) moved last
                stacked[name] = np.empty((len(ids),) + tuple(var.shape[a] for a in last),
                                         "float32")
                labels[name] = (var.dims, var.attrs)
        for name, array in stacked.items():
            array[k] = run.variables[name].values.transpose((*range(1, array.ndim - 1), 0))
        attrs = {key: value for key, value in attrs.items()
                 if np.array_equal(run.attrs.get(key, value), value)}
    data = {}
    for name, array in stacked.items():
        dims, var_attrs = labels[name]  # the draw axis back in second place, as a view
        data[name] = xr.Variable(("scenario",) + dims,
                                 array.transpose(0, array.ndim - 1, *range(1, array.ndim - 1)),
                                 var_attrs)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _scenario_axis(ids: Sequence[str]):
    import xarray as xr

    return xr.DataArray(list(ids), dims="scenario", name="scenario")


def project_summary(
    system: System,
    idata=None,
    scenarios: Sequence[str] | None = None,
    draws: int = 1000,
    seed: int = 0,
    outputs: Sequence[str] | None = None,
    outcomes: Sequence[Outcome] | None = None,
    progress: Callable[[int], None] | None = None,
    client=None,
):
    """Quantiles through time per scenario and outcome probabilities, computed chunk by
    chunk so that memory stays bounded whatever ``draws`` is (the same paired draws as
    ``project``). Returns (quantiles Dataset, ``outcome_table``)."""
    import xarray as xr

    from .scale import summarise

    ids, sources, outputs, kinds = _setup(system, idata, scenarios, outputs)
    outcomes = list(system.outlook.outcomes if outcomes is None else outcomes)
    summaries = [summarise(system.model, draws, outputs, priors=sources, seed=seed,
                           interventions=system.scenarios[sid].interventions(),
                           outcomes=outcomes, client=client, progress=progress, kinds=kinds)
                 for sid in ids]
    scenario = _scenario_axis(ids)
    hits = xr.concat([s["outcome_events"] for s in summaries], dim=scenario)
    quantiles = xr.concat([s.drop_vars(["outcome_events", "outcome"]).drop_attrs()
                           for s in summaries], dim=scenario)
    method = "exact over draws" if summaries[0].attrs["exact"] else \
        f"streaming histograms of {summaries[0].attrs['bins']} bins"
    quantiles.attrs.update(system=system.name, seed=seed, draws=draws, method=method)
    return quantiles, outcome_table(system, hits.values, ids, outcomes)


def quantiles_of(projection, qs=QUANTILES):
    """Quantiles over draws of every variable of a projection (scenario, quantile, time)."""
    out = projection.quantile(list(qs), dim="draw").transpose("scenario", "quantile", ...)
    out.attrs.update(projection.attrs, method="exact over draws")
    return out


def scenario_events(projection, outcomes: Sequence[Outcome]):
    """Whether each outcome happens in each draw of each scenario of a projection: a
    boolean array (scenario, outcome, draw). Each outcome is tested on all scenarios at
    once (``Outcome.test`` keeps the scenario dimension)."""
    import numpy as np

    shape = (projection.sizes["scenario"], len(outcomes), projection.sizes["draw"])
    if not outcomes:  # an outlook may ask none
        return np.zeros(shape, dtype=bool)
    return np.stack([o.test(projection).transpose("scenario", "draw").values
                     for o in outcomes], axis=1).astype(bool)


#: the columns of ``outcome_table`` after scenario, kind, outcome and label
NUMBERS = {"p": "probability of the outcome",
           "se": "Monte Carlo standard error of p",
           "diff": "paired difference of p from the status quo's (same draws)",
           "diff_se": "paired standard error of diff: sd of the per-draw differences / "
                      "sqrt(draws)"}


def outcome_table(system: System, hits, scenarios: Sequence[str],
                  outcomes: Sequence[Outcome] | None = None):
    """The tidy table of outcome probabilities: a row per scenario and outcome with its
    probability ``p``, Monte Carlo standard error ``se``, and the paired difference from
    the outlook's status quo ``diff`` with its standard error ``diff_se`` (per draw, the
    difference of the two indicators; s.e. = their sd (ddof 1) / sqrt(draws)). ``hits``:
    booleans (scenario, outcome, draw), from ``scenario_events`` or the streaming summary.
    Without the status quo among ``scenarios`` (or an outlook without one) the two
    difference columns are left out."""
    import numpy as np
    import pandas as pd

    outcomes = list(system.outlook.outcomes if outcomes is None else outcomes)
    x = np.asarray(hits, dtype=float)
    n = x.shape[-1]
    p = x.mean(axis=-1)
    columns = {"scenario": np.repeat(scenarios, len(outcomes)),
               "kind": np.repeat([system.scenarios[s].kind for s in scenarios], len(outcomes)),
               "outcome": [o.id for o in outcomes] * len(scenarios),
               "label": [o.label for o in outcomes] * len(scenarios),
               "p": p.ravel(), "se": standard_error(p, n).ravel()}
    base = system.outlook.status_quo
    if base in scenarios:
        d = x - x[list(scenarios).index(base)]
        columns["diff"] = d.mean(axis=-1).ravel()
        columns["diff_se"] = (d.std(axis=-1, ddof=1) / np.sqrt(n)).ravel()
    return pd.DataFrame(columns)


def outcome_variables(table):
    """The columns of an ``outcome_table`` as data variables over (scenario, outcome), for
    a projection's NetCDF file."""
    import xarray as xr

    scenarios = list(dict.fromkeys(table["scenario"]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    shape = (len(scenarios), len(outcomes))
    labels = table["label"].to_numpy()[:len(outcomes)]
    return xr.Dataset(
        {f"outcome_{c}": (("scenario", "outcome"), table[c].to_numpy().reshape(shape),
                          {"doc": doc, "units": "1"})
         for c, doc in NUMBERS.items() if c in table},
        coords={"scenario": scenarios, "outcome": outcomes,
                "outcome_label": ("outcome", labels.astype(str),
                                  {"doc": "What each outcome reads, in words"})})
