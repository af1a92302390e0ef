"""``prospects calibrate`` and ``prospects project``: from evidence to posterior, and from
posterior to scenario projections."""

from __future__ import annotations

import uuid
from pathlib import Path

import typer

from .common import (
    AS_OF_OPTION,
    CLUSTER_OPTION,
    EVIDENCE_OPTION,
    FORMAT_OPTION,
    OUT_OPTION,
    PARTICLES_OPTION,
    SEED_OPTION,
    SYSTEM_OPTION,
    Format,
    console,
    emit,
    load,
    note,
    progress_bar,
    read_posterior,
    results,
    user_errors,
    warn,
    wrote,
)


@user_errors
def calibrate(
    system: str = SYSTEM_OPTION,
    evidence: list[Path] = EVIDENCE_OPTION,
    as_of: str = AS_OF_OPTION,
    particles: int = PARTICLES_OPTION,
    runs: int = typer.Option(2, min=2, help="Independent SMC runs (the posterior's chains)."),
    steps: int = typer.Option(48, min=1, help="Metropolis steps per tempering stage."),
    seed: int = SEED_OPTION,
    out: Path = OUT_OPTION,
    cluster: str = CLUSTER_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Calibrate every uncertain parameter to the observations, jointly (SMC)."""
    from ..files import result_path, writable
    from ..inference.calibrate import calibrate as run_calibration
    from ..inference.fit import fit_table
    from ..inference.posterior import save_posterior
    from ..scale import connected

    loaded = load(system, evidence, as_of)
    path = result_path(out, loaded, "posterior.nc")
    writable(path)
    with connected(cluster) as client, \
            progress_bar(f"{loaded.name}: calibrating (SMC, tempering 0 to 1 per run)",
                         runs) as bar:
        result = run_calibration(loaded, particles=particles, runs=runs, steps=steps,
                                 seed=seed, client=client, progress=bar)
    fit = fit_table(loaded, result.idata, seed=seed)
    if fmt is Format.table:
        print_identifiability(loaded, result)
        print_fit(fit)
    else:
        emit({"parameters": _parameter_frame(result.identifiability),
              "fit": _fit_frame(fit)}, fmt)
    results(fmt).print(
        f"log evidence {result.log_evidence:.3f} ± {result.log_evidence_se:.3f} "
        f"({runs} runs); max R-hat {result.max_rhat:.3f}, min bulk ESS "
        f"{result.min_ess:,.0f}; {result.seconds:.0f} s")
    if result.max_rhat > 1.01 or result.min_ess < 400:
        warn("warning", f"the runs disagree or the sample is thin (max R-hat "
             f"{result.max_rhat:.3f}, want < 1.01; min bulk ESS {result.min_ess:.0f}, want > "
             "400). Until they pass, the posterior's intervals, contractions and fit shares "
             "are not to be trusted: use more --particles or --steps.")
    wrote(save_posterior(path, result.idata))


def _parameter_frame(ident):
    """The identifiability Dataset as a table: a row per parameter (the rank
    correlations between parameters left out)."""
    return ident.drop_dims("other", errors="ignore").to_dataframe().reset_index()


def _fit_frame(rows):
    """Fit rows as a table, each 5/50/95% triple in three columns."""
    import dataclasses

    import pandas as pd

    flat = []
    for row in rows:
        record = dataclasses.asdict(row)
        for which in ("prior", "posterior"):
            for q, v in zip((5, 50, 95), record.pop(which), strict=True):
                record[f"{which}_{q}%"] = v
        flat.append(record)
    return pd.DataFrame(flat)


def print_identifiability(loaded, result) -> None:
    """What the evidence decides about each parameter, and what it leaves open."""
    import numpy as np
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..analysis import figure
    from ..inference.posterior import at_prior_edge, correlated_pairs

    ident = result.identifiability
    table = Table(title=f"{loaded.name}: what the observations say about each parameter",
                  box=box.SIMPLE_HEAD)
    table.add_column("parameter", overflow="fold")
    for heading in ("prior 90%", "posterior 90%", "contraction", "shift"):
        table.add_column(heading, justify="right", overflow="fold")
    order = np.argsort(-ident.contraction.values)
    for i in order:
        row = ident.isel(parameter=i)
        table.add_row(Text(str(row.parameter.values)),
                      f"{figure(row.prior_low)} - {figure(row.prior_high)}",
                      f"{figure(row.posterior_low)} - {figure(row.posterior_high)}",
                      f"{float(row.contraction):.2f}", f"{float(row['shift']):+.2f}")
    console().print(table)
    for a, b, rho in correlated_pairs(ident):
        console().print(f"  correlated in the posterior: {a} and {b} (rank correlation "
                        f"{rho:+.2f})")
    if result.not_identified:
        console().print(f"Not identified by the evidence (contraction < 0.1; the posterior "
                        f"is about the prior): {', '.join(result.not_identified)}")
    for name, side in at_prior_edge(ident):
        console().print(f"  against its prior's {side} edge: {name} (over a quarter of the "
                        f"posterior in the prior's outer 5%: the evidence wants values the "
                        f"prior rules out)")


def print_fit(rows) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    fit = Table(title="Fit: share of draws that satisfy each observation "
                      "(drawn as projections draw them)", box=box.SIMPLE_HEAD)
    fit.add_column("observation", overflow="fold")
    for heading in ("claimed", "prior", "posterior", "p-value"):
        fit.add_column(heading, justify="right", overflow="fold")
    for row in rows:
        p = "" if row.p_value is None else f"{row.p_value:.2f}"
        share = Text(f"{row.posterior_share:.2f}",
                     style="red" if row.posterior_share < 0.5 else "")
        fit.add_row(Text(row.observation), Text(row.claimed), f"{row.prior_share:.2f}",
                    share, p)
    console().print(fit)


@user_errors
def project(
    system: str = SYSTEM_OPTION,
    evidence: list[Path] = EVIDENCE_OPTION,
    as_of: str = AS_OF_OPTION,
    posterior: Path = typer.Option(None, help="Posterior file (default: out/<system>-"
                                   "posterior.nc if it exists, else the priors)."),
    scenario: list[str] = typer.Option(None, "--scenario", help="Scenario id (repeat for "
                                       "several; default: all)."),
    draws: int = typer.Option(1000, min=10, help="Draws per scenario."),
    seed: int = SEED_OPTION,
    trajectories: bool = typer.Option(True, help="Keep every draw's trajectories (needed "
                                      "by backtest). --no-trajectories streams quantiles "
                                      "and probabilities in bounded memory, for huge runs."),
    out: Path = OUT_OPTION,
    cluster: str = CLUSTER_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Project every scenario from the outlook's projection start; print outcome
    probabilities (and paired differences from the status quo); write NetCDF and
    <out>/<system>-outcomes.csv."""
    from ..files import netcdf_writer, result_path, text_writer, writable, write_together
    from ..projection import (
        outcome_table,
        outcome_variables,
        project_summary,
        quantiles_of,
        scenario_events,
    )
    from ..projection import project as run_projection
    from ..scale import connected

    loaded = load(system, evidence, as_of)
    ids = list(scenario or loaded.scenarios)
    paths = [result_path(out, loaded, "projection-quantiles.nc")]
    paths += [result_path(out, loaded, "projection.nc")] if trajectories else []
    csv = result_path(out, loaded, "outcomes.csv")
    writable(*paths, csv)
    path = posterior or result_path(out, loaded, "posterior.nc")
    idata = read_posterior(path, loaded, required=posterior is not None)
    if idata is None:
        note("note: no posterior found; projecting from the priors (run `prospects "
             "calibrate` first)")
    outcomes = loaded.outlook.outcomes
    total = len(ids) if trajectories else len(ids) * draws
    with connected(cluster) as client, \
            progress_bar(f"{loaded.name}: projecting {len(ids)} scenarios", total) as bar:
        if trajectories:
            ds = run_projection(loaded, idata, ids, draws=draws, seed=seed, progress=bar,
                                client=client)
            quantiles = quantiles_of(ds)
            probs = outcome_table(loaded, scenario_events(ds, outcomes), ids)
        else:
            quantiles, probs = project_summary(loaded, idata, ids, draws=draws, seed=seed,
                                               outcomes=outcomes, progress=bar, client=client)
    if fmt is Format.table:
        _print_headline(loaded, quantiles, ids)
        if outcomes:
            _print_outcomes(loaded, probs, draws)
    else:
        emit({"outcomes": probs}, fmt)
    # the files are written together and carry one run id, so a reader can tell they match
    run_id = uuid.uuid4().hex
    datasets = [quantiles] + ([ds] if trajectories else [])
    datasets = [d.assign(outcome_variables(probs)) for d in datasets]
    for dataset in datasets:
        dataset.attrs["run_id"] = run_id
    writers = {path: netcdf_writer(dataset, loaded)
               for path, dataset in zip(paths, datasets, strict=True)}
    writers[csv] = text_writer(probs.to_csv(index=False, float_format="%.6g"))
    write_together(writers)
    wrote(*paths, csv)


def _print_headline(system, quantiles, ids) -> None:
    """The first headline output without dimensions (quantiles of a sum cannot be read
    from its members') at the outlook's projection dates, per scenario."""
    from rich.table import Table

    from ..analysis import at, number, when_text

    output = next((o for o in system.outlook.headline
                   if not system.model[o.variable].dims), None)
    if output is None:
        return
    table = Table(title=f"{system.name}: {output.label} ({output.unit}), median [90% "
                        "interval]")
    table.add_column("scenario", overflow="fold")
    dates = system.outlook.projection_dates
    for when in dates:
        table.add_column(when_text(when), justify="right", overflow="fold")
    for sid in ids:
        cells = []
        for when in dates:
            q = at(quantiles[output.variable].sel(scenario=sid), when) / output.scale
            lo, mid, hi = (number(float(q.sel(quantile=v))) for v in (0.05, 0.5, 0.95))
            cells.append(f"{mid} [{lo}-{hi}]")
        table.add_row(sid, *cells)
    console().print(table)


def _print_outcomes(system, probs, draws: int) -> None:
    from rich.table import Table

    outcomes = system.outlook.outcomes
    paired = "diff" in probs
    title = (f"{system.name}: outcome probabilities (Monte Carlo s.e. at most "
             f"{probs['se'].max():.2f}), {draws:,} paired draws per scenario")
    if paired:
        title += (f"; below each, the paired difference from {system.outlook.status_quo} "
                  f"(s.e. at most {probs['diff_se'].max():.2f})")
    # as many outcome columns as fit the console a table, then the next outcomes below
    per_table = max(1, (console().width - 20) // 9)
    for first in range(0, len(outcomes), per_table):
        shown = {o.id for o in outcomes[first:first + per_table]}
        table = Table(title=title if first == 0 else None)
        table.add_column("scenario", overflow="fold")
        for outcome in outcomes[first:first + per_table]:
            table.add_column(outcome.short, justify="right", overflow="fold")
        for sid, rows in probs[probs["outcome"].isin(shown)].groupby("scenario", sort=False):
            table.add_row(sid, *(f"{r.p:.2f}" + (f"\n{r.diff:+.2f}" if paired else "")
                                 for r in rows.itertuples()))
        console().print(table)
    for outcome in outcomes:
        console().print(f"  {outcome.short}: {outcome.label}")
