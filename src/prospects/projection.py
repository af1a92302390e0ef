"""Projections: posterior-predictive ensembles per scenario, and the outcomes analysts ask
about, with their Monte Carlo error.

Every scenario runs on the same parameter draws and random streams as the status quo, so
differences between scenarios are paired. With a posterior, every draw is one whole
parameter set from its particles (every uncertain parameter jointly); without one, each
parameter is drawn from its prior.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .analysis import QUANTILES, probability, standard_error
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
    import xarray as xr

    from .engine import simulate

    ids = list(scenarios or system.scenarios)
    _check_scenarios(system, ids)
    sources = parameter_sources(system, idata)
    outputs = list(outputs or system.outlook.kept)
    runs = []
    for sid in ids:
        ds = simulate(system.model, draws=draws, priors=sources, seed=seed,
                      interventions=system.scenarios[sid].interventions(), outputs=outputs,
                      client=client)
        runs.append(ds.astype("float32", keep_attrs=True))
        if progress:
            progress(1)
    out = xr.concat(runs, dim=xr.DataArray(ids, dims="scenario", name="scenario"),
                    combine_attrs="drop_conflicts")
    out.attrs.update(system=system.name, seed=seed,
                     projection_start=system.outlook.projection_start,
                     calibrated=int(idata is not None),
                     scenario_names="|".join(system.scenarios[s].name for s in ids))
    return out


def _check_scenarios(system: System, ids: Sequence[str]) -> None:
    unknown = [s for s in ids if s not in system.scenarios]
    if unknown:
        raise EvidenceError(f"unknown scenario(s) {', '.join(unknown)}; known: "
                            f"{', '.join(system.scenarios)}")


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
    ``project``). Returns (quantiles Dataset, ``outcome_table``-shaped DataFrame)."""
    import pandas as pd
    import xarray as xr

    from .scale import summarise

    ids = list(scenarios or system.scenarios)
    _check_scenarios(system, ids)
    outcomes = list(system.outlook.outcomes if outcomes is None else outcomes)
    sources = parameter_sources(system, idata)
    summaries, rows = [], {}
    for sid in ids:
        summary = summarise(system.model, draws, list(outputs or system.outlook.kept),
                            priors=sources, seed=seed,
                            interventions=system.scenarios[sid].interventions(),
                            outcomes=outcomes, client=client, progress=progress)
        summaries.append(summary)
        rows[sid] = {}
        for outcome in outcomes:
            p = summary.attrs[f"p:{outcome.id}"]
            rows[sid][(outcome.id, "p")] = p
            rows[sid][(outcome.id, "se")] = standard_error(p, draws)
    quantiles = xr.concat([q.drop_attrs() for q in summaries],
                          dim=xr.DataArray(ids, dims="scenario", name="scenario"))
    method = "exact over draws" if summaries[0].attrs["exact"] else \
        f"streaming histograms of {summaries[0].attrs['bins']} bins"
    quantiles.attrs.update(system=system.name, seed=seed, draws=draws, method=method)
    return quantiles, pd.DataFrame.from_dict(rows, orient="index")


def quantiles_of(projection, qs=QUANTILES):
    """Quantiles over draws of every variable of a projection (scenario, quantile, time)."""
    out = projection.quantile(list(qs), dim="draw").transpose("scenario", "quantile", ...)
    out.attrs.update(projection.attrs, method="exact over draws")
    return out


def outcome_table(projection, outcomes: Sequence[Outcome]):
    """Probability and Monte Carlo standard error of each outcome (an outlook's outcomes)
    under each scenario, as a DataFrame (rows: scenarios; columns: (outcome id, 'p' |
    'se'))."""
    import pandas as pd

    rows = {}
    for sid in projection.scenario.values:
        one = projection.sel(scenario=sid)
        row = {}
        for outcome in outcomes:
            p, se = probability(outcome.test(one))
            row[(outcome.id, "p")], row[(outcome.id, "se")] = p, se
        rows[str(sid)] = row
    return pd.DataFrame.from_dict(rows, orient="index")

