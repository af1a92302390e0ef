"""``prospects report``: one self-contained HTML page of projections, structure, evidence,
calibration fit, scenario comparison and the flows behind the key changes."""

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
    seed: int = SEED_OPTION,
    out: Path = OUT_OPTION,
) -> None:
    """Write out/<system>-report.html: charts, diagrams, evidence and fit in one page."""
    from ..evidence import EvidenceError
    from ..explain import explain_all
    from ..files import result_path, writable, write_text
    from ..inference.fit import fit_table
    from ..present.report import SECTIONS, build_report
    from ..projection import project as run_projection

    loaded = load(system, evidence, as_of)
    page = result_path(out, loaded, "report.html")
    writable(page)
    post_path = posterior or result_path(out, loaded, "posterior.nc")
    idata = read_posterior(post_path, loaded, required=posterior is not None)
    proj_path = projection or result_path(out, loaded, "projection.nc")
    if projection is not None and not proj_path.is_file():
        raise EvidenceError(f"{proj_path}: no such projection file (run `prospects project`)")
    notes = []
    if idata is None:
        notes.append("No posterior found: calibrated parameters keep their priors (run "
                     "`prospects calibrate` first).")
    ds = _read_projection(proj_path, loaded) if proj_path.is_file() else None
    stages = len(SECTIONS) + 1 + (1 if ds is None else 0)
    with progress_bar(f"{loaded.name}: building the report", stages) as bar:
        if ds is None:
            ds = run_projection(loaded, idata, draws=draws, seed=seed)
            notes.append(f"No projection file found: projected here from the "
                         f"{'posterior' if idata is not None else 'priors'} with {draws:,} "
                         f"draws per scenario (seed {seed}); `prospects project` writes one.")
            bar(1)
        else:
            made_with = bool(int(ds.attrs.get("calibrated", 0)))
            if made_with != (idata is not None):
                notes.append(f"The projection file {proj_path} was made from the "
                             f"{'posterior' if made_with else 'priors'}, but the fit and the "
                             f"flow decompositions here use the "
                             f"{'posterior' if idata is not None else 'priors'}.")
        whys = explain_all(loaded, idata, draws, seed)
        fit = fit_table(loaded, idata, seed=seed) if idata is not None else []
        bar(1)
        text = build_report(loaded, ds, idata, whys, fit, draws=draws, seed=seed, notes=notes,
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
