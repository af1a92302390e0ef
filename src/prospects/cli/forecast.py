"""``prospects calibrate`` and ``prospects project``: from evidence to posterior, and from
posterior to scenario projections."""

from __future__ import annotations

import uuid
from pathlib import Path

import typer

from .common import (
    CLUSTER_OPTION,
    SEED_OPTION,
    SYSTEM_OPTION,
    console,
    progress_bar,
    read_posterior,
    styled,
    user_errors,
    warn,
)

OUT_OPTION = typer.Option(Path("out"), help="Folder for the files written.")


def _posterior_path(out: Path, system: str) -> Path:
    return out / f"{Path(system).name}-posterior.nc"


@user_errors
def calibrate(
    system: str = SYSTEM_OPTION,
    walkers: int = typer.Option(256, min=4, help="emcee walkers."),
    max_steps: int = typer.Option(6000, min=100, help="Most sampler steps before stopping."),
    seed: int = SEED_OPTION,
    out: Path = OUT_OPTION,
) -> None:
    """Calibrate the parameters marked 'calibrate: true' to the observations (emcee)."""
    from rich.table import Table

    from ..files import writable
    from ..inference.calibrate import calibrate as run_calibration
    from ..inference.fit import fit_table
    from ..inference.posterior import save_posterior
    from ..system import load_system

    loaded = load_system(system)
    writable(_posterior_path(out, system))
    with progress_bar(f"{loaded.name}: calibrating (emcee)", max_steps) as bar:
        result = run_calibration(loaded, walkers=walkers, max_iterations=max_steps, seed=seed,
                                 progress=bar)
    post = result.idata.posterior
    table = Table(title=f"{loaded.name}: posterior after {result.iterations:,} steps "
                        f"({result.seconds:.0f} s)")
    for heading in ("parameter", "prior", "posterior median [90%]", "R-hat", "bulk ESS"):
        table.add_column(heading)
    for name in result.rhat:
        lo, mid, hi = post[name].quantile([0.05, 0.5, 0.95]).values
        prior = loaded.evidence.parameters[name].prior
        table.add_row(name, str(prior), f"{mid:.4g} [{lo:.4g}, {hi:.4g}]",
                      f"{result.rhat[name]:.3f}", f"{result.ess[name]:.0f}")
    console().print(table)
    if not result.converged:
        warn("warning", f"the sampler did not converge in {result.iterations:,} steps: max "
             f"R-hat {result.max_rhat:.3f} (want < 1.01), min bulk ESS {result.min_ess:.0f} "
             "(want > 400). Run longer (--max-steps) before trusting the posterior.")
    fit = Table(title="Fit: claimed figures against predictive 90% intervals")
    for heading in ("observation", "claimed", "prior 5-95%", "posterior 5-95%", "covered"):
        fit.add_column(heading)
    for row in fit_table(loaded, result.idata, seed=seed):
        fit.add_row(row.observation, row.claimed, _interval(row.prior), _interval(row.posterior),
                    styled("yes" if row.covered else ("no", "red")))
    console().print(fit)
    path = save_posterior(_posterior_path(out, system), result.idata)
    console().print(f"wrote {path}")


def _interval(q) -> str:
    return f"{q[0]:,.3g} - {q[2]:,.3g}"


@user_errors
def project(
    system: str = SYSTEM_OPTION,
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
) -> None:
    """Project 2019-2021 under each scenario; print outcome probabilities; write NetCDF."""
    from ..files import netcdf_writer, writable, write_together
    from ..projection import outcome_table, project_summary, quantiles_of, standard_outcomes
    from ..projection import project as run_projection
    from ..scale import connected
    from ..system import load_system

    loaded = load_system(system)
    ids = list(scenario or loaded.scenarios)
    paths = [out / f"{loaded.name}-projection-quantiles.nc"]
    paths += [out / f"{loaded.name}-projection.nc"] if trajectories else []
    writable(*paths)
    path = posterior or _posterior_path(out, system)
    idata = read_posterior(path, loaded, required=posterior is not None)
    if idata is None:
        warn("note", "no posterior found; projecting from the priors (run `prospects "
             "calibrate` first)", "yellow")
    outcomes = standard_outcomes()
    total = len(ids) if trajectories else len(ids) * draws
    with connected(cluster) as client, \
            progress_bar(f"{loaded.name}: projecting {len(ids)} scenarios", total) as bar:
        if trajectories:
            ds = run_projection(loaded, idata, ids, draws=draws, seed=seed, progress=bar,
                                client=client)
            quantiles, probs = quantiles_of(ds), outcome_table(ds, outcomes)
        else:
            quantiles, probs = project_summary(loaded, idata, ids, draws=draws, seed=seed,
                                               outcomes=outcomes, progress=bar, client=client)
    _print_fighters(loaded.name, quantiles, ids)
    _print_outcomes(loaded.name, probs, outcomes, draws)
    # the pair is written whole and carries one run id, so a reader can tell they match
    run_id = uuid.uuid4().hex
    datasets = [quantiles] + ([ds] if trajectories else [])
    for dataset in datasets:
        dataset.attrs["run_id"] = run_id
    write_together({path: netcdf_writer(dataset, compress=dataset is not quantiles)
                    for path, dataset in zip(paths, datasets, strict=True)})
    console().print("wrote " + " and ".join(str(p) for p in paths))


def _print_fighters(name: str, quantiles, ids) -> None:
    from rich.table import Table

    from ..analysis import at

    table = Table(title=f"{name}: total fighters, median [90% interval]")
    table.add_column("scenario", no_wrap=True, min_width=16)
    dates = ("2019-12", "2020-12", "2021-12")
    for when in dates:
        table.add_column(when, justify="right")
    for sid in ids:
        cells = []
        for when in dates:
            q = at(quantiles["total_fighters"].sel(scenario=sid), when)
            lo, mid, hi = (float(q.sel(quantile=v)) for v in (0.05, 0.5, 0.95))
            cells.append(f"{mid:,.0f} [{lo:,.0f}-{hi:,.0f}]")
        table.add_row(sid, *cells)
    console().print(table)


def _print_outcomes(name: str, probs, outcomes, draws: int) -> None:
    from rich.table import Table

    table = Table(title=f"{name}: outcome probabilities (Monte Carlo s.e. at most "
                        f"{probs.xs('se', axis=1, level=1).to_numpy().max():.2f}), "
                        f"{draws:,} paired draws per scenario")
    table.add_column("scenario", no_wrap=True, min_width=16)
    for outcome in outcomes:
        table.add_column(outcome.short, justify="right", min_width=5)
    for sid, row in probs.iterrows():
        table.add_row(sid, *(f"{row[(o.id, 'p')]:.2f}" for o in outcomes))
    console().print(table)
    for outcome in outcomes:
        console().print(f"  {outcome.short}: {outcome.label}")
