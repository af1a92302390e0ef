"""Vintages: the assessment recalibrated and reprojected as of each of several dates, so
that a forecast's revision, and its skill, can be seen.

For each as-of date (``System`` loaded with ``as_of``: the evidence published by then),
one calibration and one projection of every scenario, on the same seed. Between one
vintage and the next:

- each outlook outcome's probability and each headline output's median at the outlook's
  projection dates, and how far they moved;
- the observations the later vintage has and the earlier one had not, each with the change
  of its mean log-likelihood from the earlier posterior to the later one (how far the
  posterior moved to meet it; the earlier posterior's value needs one engine run of its
  particles).

Rolling origin: each vintage is scored (``backtest.score``) on the observations published
after its date whose period ends after its projection starts, in the status quo scenario;
skill per vintage and per lead time (bands of a year) against climatology.

Everything lands in one Dataset with a ``vintage`` dimension (the as-of dates).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..evidence import EvidenceError
from ..evidence.load import read_yaml
from ..evidence.schema import last_day

#: per vintage and scored observation, the backtest columns the Dataset keeps
SCORE_COLUMNS = ("lead", "observed", "median", "5%", "95%", "crps", "in90", "log_density",
                 "p", "brier", "log_p", "crps_climatology", "brier_climatology")


def read_dates(path: Path) -> list[str]:
    """The as-of dates listed in a YAML file (a list of YYYY[-MM[-DD]]), checked as
    ``check_dates`` does, errors naming the file and the entry (counted from 1)."""
    data = read_yaml(Path(path))
    if not isinstance(data, list) or not data:
        raise EvidenceError(f"{path}: expected a list of as-of dates (YYYY[-MM[-DD]])")
    return check_dates(data, str(path))


def check_dates(dates: Sequence[str], where: str = "--as-of") -> list[str]:
    """The dates, each readable and each after the one before; errors begin with
    ``where`` (the option, or the file that lists them, then the entry)."""
    dates = [str(d) for d in dates]
    if len(dates) < 2:
        raise EvidenceError(f"{where}: give at least two dates (or a file listing them), "
                            "one a vintage")
    days = []
    for k, when in enumerate(dates, 1):
        try:
            days.append(last_day(when))
        except ValueError as err:
            entry = "" if where == "--as-of" else f" entry {k}"
            raise EvidenceError(f"{where}:{entry} {err}") from None
    for k, (before, after, day0, day1) in enumerate(
            zip(dates, dates[1:], days, days[1:], strict=False), 2):
        if day1 <= day0:
            entry = "" if where == "--as-of" else f" entry {k}"
            raise EvidenceError(f"{where}:{entry} the dates must rise; {after} is not after "
                                f"{before}")
    return dates


@dataclass
class Vintages:
    """The vintages' Dataset and the tables printed from it."""

    dataset: object  # xarray.Dataset with a vintage dimension
    outcomes: object  # DataFrame: vintage, scenario, outcome, label, p, se, change
    headline: object  # DataFrame: vintage, output, date, median, change
    movers: object  # DataFrame: vintage, observation, before, after, change
    scores: object  # DataFrame: the backtest rows of every vintage, with vintage and band


def load_vintages(spec, dates: Sequence[str], evidence: Sequence[Path] = ()) -> list:
    """System ``spec`` with the overlay folders ``evidence``, as of each date (rising):
    every mistake is found before anything runs."""
    from ..system import load_system

    systems = [load_system(spec, evidence, d) for d in check_dates(dates)]
    for system in systems:
        if not system.evidence.observations:
            raise EvidenceError(f"--as-of {system.as_of}: no observations were published by "
                                "then, so there is nothing to calibrate to")
    return systems


def vintages(spec, dates: Sequence[str], evidence: Sequence[Path] = (),
             particles: int | None = None, runs: int = 2, steps: int = 48, draws: int = 1000,
             seed: int = 0, scenarios: Sequence[str] | None = None, client=None,
             progress: Callable[[float], None] | None = None, systems=None) -> Vintages:
    """Calibrate and project system ``spec`` (with the overlay folders ``evidence``) once
    per as-of date in ``dates`` (``systems``: those of ``load_vintages``, if loaded).
    ``progress(d)``: per calibration stage (a run's tempering sums to 1) and per scenario
    projected."""
    import pandas as pd

    from .calibrate import PARTICLES, calibrate

    particles = particles or PARTICLES

    systems = systems or load_vintages(spec, dates, evidence)
    dates = [s.as_of for s in systems]
    ids = list(scenarios or systems[0].scenarios)
    outcomes, headline, movers, scores, parts = [], [], [], [], []
    previous = None
    for when, system in zip(dates, systems, strict=True):
        result = calibrate(system, particles=particles, runs=runs, steps=steps, seed=seed,
                           client=client, progress=progress)
        one = _one_vintage(system, result, ids, draws, seed, client, progress)
        outcomes.append(one["outcomes"].assign(vintage=when))
        headline.append(one["headline"].assign(vintage=when))
        scores.append(one["scores"].assign(vintage=when))
        if previous is not None:
            movers.append(_movers(previous, result).assign(vintage=when))
        parts.append(one["dataset"].expand_dims(vintage=[when]))
        previous = result
    outcomes, headline = _changes(outcomes, ["scenario", "outcome"], "p"), _changes(
        headline, ["output", "date"], "median")
    movers = pd.concat(movers, ignore_index=True) if movers else pd.DataFrame()
    scores = pd.concat(scores, ignore_index=True)
    dataset = _dataset(systems[-1], parts, scores, movers, dates)
    dataset.attrs.update(particles=particles, runs=runs, steps=steps, draws=draws, seed=seed,
                         evidence="|".join(map(str, evidence)))
    return Vintages(dataset, outcomes, headline, movers, scores)


def _one_vintage(system, result, ids, draws, seed, client, progress) -> dict:
    """One vintage's projection, outcome table, headline medians, scores and Dataset."""
    import pandas as pd
    import xarray as xr

    from ..analysis import at, summed
    from ..projection import (
        outcome_table,
        outcome_variables,
        project,
        quantiles_of,
        scenario_events,
    )
    from .backtest import later_evidence, lead_band, score

    proj = project(system, result.idata, ids, draws=draws, seed=seed, progress=progress,
                   client=client)
    outlook = system.outlook
    probs = outcome_table(system, scenario_events(proj, outlook.outcomes), ids)
    shown = list(outlook.headline)
    quantiles = quantiles_of(xr.Dataset({o.variable: summed(proj[o.variable]) for o in shown}))
    base = outlook.status_quo or ids[0]
    rows = [{"output": o.label, "date": when, "unit": o.unit,
             "median": float(at(quantiles[o.variable].sel(scenario=base, quantile=0.5),
                                when)) / o.scale}
            for o in shown for when in outlook.projection_dates]
    table = pd.DataFrame(columns=["id", "kind", "lead"])
    if system.later():
        table = score(system, later_evidence(system), proj, base, result.idata,
                      past="skip").table
        table["band"] = [lead_band(m) for m in table["lead"]]
    post = result.idata.posterior
    medians = xr.Dataset({"posterior_median": ("parameter", [
        float(post[n].median()) for n in result.problem.names])},
        coords={"parameter": result.problem.names})
    stats = xr.Dataset({"log_evidence": result.log_evidence,
                        "log_evidence_se": result.log_evidence_se,
                        "max_rhat": result.max_rhat, "min_ess": result.min_ess,
                        "projection_start": outlook.projection_start})
    dataset = xr.merge([quantiles.drop_attrs(), outcome_variables(probs), medians, stats])
    return {"outcomes": probs, "headline": pd.DataFrame(rows), "scores": table,
            "dataset": dataset}


def _mean_loglik(values: np.ndarray) -> float:
    """The mean of the finite log-likelihoods (a run gone non-finite is left out)."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("-inf")


def _movers(before, after):
    """The observations ``after`` has and ``before`` had not, each with its mean
    log-likelihood under the earlier posterior, under the later one, and the change."""
    import pandas as pd

    new = [t.id for t in after.problem.likelihood.targets
           if t.id not in {u.id for u in before.problem.likelihood.targets}]
    if not new:
        return pd.DataFrame(columns=["observation", "before", "after", "change"])
    post = before.idata.posterior.stack(sample=("chain", "draw"))
    theta = np.column_stack([np.asarray(post[n].values) for n in after.problem.names])
    earlier = after.problem.log_likelihoods(after.problem.observed(theta))
    later = after.idata.log_likelihood["y"]
    rows = []
    for oid in new:
        b = _mean_loglik(earlier[oid])
        a = _mean_loglik(np.asarray(later.sel(observation=oid).values).ravel())
        rows.append({"observation": oid, "before": b, "after": a, "change": a - b})
    return pd.DataFrame(rows).sort_values("change", key=np.abs, ascending=False,
                                          ignore_index=True)


def _changes(frames, keys, column):
    """The frames stacked, with each row's ``change`` of ``column`` from the vintage
    before (NaN for the first)."""
    import pandas as pd

    table = pd.concat(frames, ignore_index=True)
    table["change"] = table.groupby(keys, sort=False)[column].diff()
    return table


def _dataset(system, parts, scores, movers, dates):
    """One Dataset: the vintages' parts stacked on ``vintage``, the log-likelihood change
    of each new observation (vintage, observation), and the rolling-origin scores
    (vintage, scored)."""
    import xarray as xr

    ds = xr.concat(parts, dim="vintage", join="outer", combine_attrs="drop")
    if len(movers):
        change = movers.set_index(["vintage", "observation"])["change"].to_xarray()
        ds["loglik_change"] = change.reindex(vintage=dates).rename(observation="new")
        ds["loglik_change"].attrs["doc"] = ("change of a new observation's mean "
                                            "log-likelihood from the earlier vintage's "
                                            "posterior to this one's")
    if len(scores):
        frame = scores.set_index(["vintage", "id"])
        for column in SCORE_COLUMNS:
            da = frame[column].astype(float).to_xarray().reindex(vintage=dates)
            ds[f"score_{column.replace('%', 'pct')}"] = da.rename(id="scored")
        kinds = scores.groupby("id")["kind"].first()
        ds = ds.assign_coords(scored_kind=("scored", [kinds[i] for i in ds["scored"].values]))
    ds.attrs.update(system=system.name, vintages=",".join(dates))
    return ds
