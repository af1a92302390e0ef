"""``prospects run``: the main job: a prior-predictive ensemble, a summary and a page."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import (
    CLUSTER_OPTION,
    FORMAT_OPTION,
    OUT_OPTION,
    SEED_OPTION,
    SYSTEM_OPTION,
    Format,
    console,
    emit,
    progress_bar,
    user_errors,
    wrote,
)


@user_errors
def run(
    system: str = SYSTEM_OPTION,
    draws: int = typer.Option(10_000, min=1, help="Parameter draws from the priors."),
    seed: int = SEED_OPTION,
    out: Path = OUT_OPTION,
    cluster: str = CLUSTER_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Run the system's prior-predictive ensemble; print and save a summary."""
    from ..ensembles import prior_predictive
    from ..files import netcdf_writer, text_writer, writable, write_together
    from ..present.summary import summary_header, summary_html, summary_quantiles, summary_rows
    from ..scale import connected
    from ..system import load_system

    loaded = load_system(system)
    nc, page = out / f"{loaded.name}-prior.nc", out / f"{loaded.name}-summary.html"
    writable(nc, page)
    with connected(cluster) as client, \
            progress_bar(f"{loaded.name}: prior-predictive ensemble", draws) as bar:
        # about ten chunks, so that the bar moves (the numbers do not depend on chunking)
        ds = prior_predictive(loaded, draws=draws, seed=seed, progress=bar, client=client,
                              chunk=max(512, -(-draws // 10)))
    html = summary_html(loaded, ds, f"{loaded.model.name}: prior-predictive summary")
    write_together({nc: netcdf_writer(ds, loaded), page: text_writer(html)})
    if fmt is not Format.table:
        emit({"summary": summary_quantiles(ds, loaded.outlook)}, fmt)
        wrote(nc, page)
        return
    from rich.table import Table

    table = Table(title=f"{loaded.model.name}: {draws:,} draws from the priors (seed {seed})")
    for heading in summary_header(loaded.outlook):
        table.add_column(heading, justify="right", overflow="fold")
    for row in summary_rows(ds, loaded.outlook):
        table.add_row(*row)
    console().print(table)
    wrote(nc, page)
