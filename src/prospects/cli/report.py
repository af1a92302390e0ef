"""``prospects report``: one self-contained HTML page that answers first (outcome
probabilities and what each lever changes), then projections, drivers, the flows behind
the changes, calibration fit, any evaluation, structure and evidence. The command runs
what the page shows (projection, decompositions, sensitivity, discovery, backtest);
``present.report`` only renders."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import (
    AS_OF_OPTION,
    EVIDENCE_OPTION,
    OUT_OPTION,
    SEED_OPTION,
    SYSTEM_OPTION,
    load,
    progress_bar,
    read_posterior,
    read_vintages,
    user_errors,
    wrote,
)


@user_errors
def report(
    system: str = SYSTEM_OPTION,
    evidence: list[Path] = EVIDENCE_OPTION,
    as_of: str = AS_OF_OPTION,
    posterior: Path = typer.Option(None, help="Posterior file (default: out/<system>-"
                                   "posterior.nc if it exists, else the priors)."),
    projection: Path = typer.Option(None, help="Projection file from `prospects project` "
                                    "(default: out/<system>-projection.nc if it exists, else "
                                    "one is run here)."),
    draws: int = typer.Option(1000, min=10, help="Draws for a projection run here and for "
                              "the flow decompositions."),
    sensitivity: int = typer.Option(64, min=0, help="Sobol' base sample size for the "
                                    "'what drives it' section (a power of two; 0: skip)."),
    discover: int = typer.Option(0, min=0, help="Draws for scenario discovery (PRIM) of "
                                 "the outlook's collapse, such as 1000 (0: skip; loading "
                                 "EMA Workbench alone takes several seconds)."),
    vintages: Path = typer.Option(None, help="A file from `prospects vintages` (default: "
                                  "out/<system>-vintages.nc if it exists): adds the revision "
                                  "chart and the evaluation table."),
    backtest: Path = typer.Option(None, help="A backtest file (see `prospects backtest`): "
                                  "adds the projection's scores against it."),
    seed: int = SEED_OPTION,
    out: Path = OUT_OPTION,
) -> None:
    """Write out/<system>-report.html: the answer first, then charts, drivers, fit,
    diagrams and evidence in one page."""
    from ..evidence import EvidenceError
    from ..explain import explain_all, explain_levers
    from ..files import result_path, writable, write_text
    from ..inference.fit import fit_table
    from ..present.report import build_report, sections
    from ..projection import project as run_projection
    from ..projection import report_outputs

    loaded = load(system, evidence, as_of)
    page = result_path(out, loaded, "report.html")
    writable(page)
    if sensitivity:
        from ..explore.sensitivity import check_base_size

        check_base_size(sensitivity)
    if discover and discover < 100:
        raise EvidenceError(f"--discover must be 0 or at least 100 (got {discover})")
    post_path = posterior or result_path(out, loaded, "posterior.nc")
    idata = read_posterior(post_path, loaded, required=posterior is not None)
    proj_path = projection or result_path(out, loaded, "projection.nc")
    if projection is not None and not proj_path.is_file():
        raise EvidenceError(f"{proj_path}: no such projection file (run `prospects project`)")
    revisions = read_vintages(vintages or result_path(out, loaded, "vintages.nc"), loaded,
                              required=vintages is not None)
    notes = []
    if idata is None:
        notes.append("No posterior found: calibrated parameters keep their priors (run "
                     "`prospects calibrate` first).")
    ds = _read_projection(proj_path, loaded) if proj_path.is_file() else None
    stages = (len(loaded.scenarios) if ds is None else 0) + 3 + bool(sensitivity) \
        + bool(discover) + (backtest is not None) \
        + len(sections(revisions is not None or backtest is not None))
    with progress_bar(f"{loaded.name}: building the report", stages) as bar:
        if ds is None:
            ds = run_projection(loaded, idata, draws=draws, seed=seed, progress=bar,
                                outputs=report_outputs(loaded))
            notes.append(f"No projection file found: projected here from the "
                         f"{'posterior' if idata is not None else 'priors'} with {draws:,} "
                         f"draws per scenario (seed {seed}); `prospects project` writes one.")
        else:
            made_with = bool(int(ds.attrs.get("calibrated", 0)))
            if made_with != (idata is not None):
                notes.append(f"The projection file {proj_path} was made from the "
                             f"{'posterior' if made_with else 'priors'}, but the fit and the "
                             f"flow decompositions here use the "
                             f"{'posterior' if idata is not None else 'priors'}.")
        whys = explain_all(loaded, idata, draws, seed, ds)
        bar(1)
        differences = explain_levers(loaded, idata, draws, seed, ds)
        bar(1)
        fit = fit_table(loaded, idata, seed=seed) if idata is not None else []
        bar(1)
        indices = box = scores = None
        if sensitivity:
            from ..explore.sensitivity import sobol

            try:
                # the page charts the headline outputs only: no 0/1 outcome indices
                indices = sobol(loaded, n=sensitivity, seed=seed, events=False)
            except EvidenceError as err:  # nothing uncertain to vary
                notes.append(f"Sensitivity skipped: {err}.")
            bar(1)
        if discover:
            from ..explore.discovery import discover as find_box

            try:
                box = find_box(loaded, n=discover, seed=seed)
            except EvidenceError as err:  # nothing collapses, or everything does
                notes.append(f"Scenario discovery skipped: {err}.")
            bar(1)
        if backtest is not None:
            from ..inference.backtest import backtest as score

            scores = score(loaded, backtest, ds, idata=idata)
            bar(1)
        text = build_report(loaded, ds, idata, whys, fit, differences=differences,
                            sensitivity=indices, discovery=box, vintages=revisions,
                            backtest=scores, draws=draws, seed=seed, notes=notes,
                            progress=bar)
    wrote(write_text(page, text))


def _read_projection(path: Path, system):
    """A projection file, loaded into memory and checked against the system."""
    from ..evidence import EvidenceError
    from ..files import read_netcdf

    ds = read_netcdf(path, "projection")
    if "scenario" not in ds.dims or ds.attrs.get("system") != system.name:
        raise EvidenceError(f"{path}: not a projection of system '{system.name}' (run "
                            "`prospects project`)")
    missing = [s for s in map(str, ds.scenario.values) if s not in system.scenarios]
    if missing:
        raise EvidenceError(f"{path}: scenarios {', '.join(missing)} are not in "
                            f"{system.name}'s scenarios.yaml; project again")
    return ds
