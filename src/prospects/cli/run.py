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
    from ..files import netcdf_writer, result_path, text_writer, writable, write_together
    from ..present.summary import summary_header, summary_html, summary_quantiles, summary_rows
    from ..scale import connected
    from ..system import load_system

    loaded = load_system(system)
    if loaded.outlook is None:
        return _run_model(loaded, draws, seed, out, cluster, fmt)
    nc, page = result_path(out, loaded, "prior.nc"), result_path(out, loaded, "summary.html")
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
    for heading in summary_header(loaded):
        table.add_column(heading, justify="right", overflow="fold")
    for row in summary_rows(ds, loaded.outlook):
        table.add_row(*row)
    console().print(table)
    wrote(nc, page)


def _run_model(loaded, draws: int, seed: int, out: Path, cluster: str, fmt: Format) -> None:
    """A system without an outlook (an imported model): every stock and auxiliary, and a
    table of the stocks at the start, middle and end of the run."""
    import numpy as np

    from ..engine.run import default_outputs
    from ..ensembles import prior_predictive
    from ..files import netcdf_writer, result_path, writable, write_together
    from ..scale import connected

    model = loaded.model
    nc = result_path(out, loaded, "prior.nc")
    writable(nc)
    outputs = [n for n in default_outputs(model) if "__" not in n]
    with connected(cluster) as client, \
            progress_bar(f"{loaded.name}: ensemble", draws) as bar:
        ds = prior_predictive(loaded, draws=draws, seed=seed, outputs=outputs, progress=bar,
                              client=client)
    write_together({nc: netcdf_writer(ds, loaded)})
    times = ds["time"].values[[0, len(ds["time"]) // 2, -1]]
    rows = []
    for stock in model.stocks:
        values = ds[stock.name].sel(time=times)
        values = values.sum([d for d in values.dims if d not in ("draw", "time")])
        q = np.quantile(values.values, [0.05, 0.5, 0.95], axis=0)
        rows.append({"variable": stock.label, **{
            str(t): f"{q[1, k]:.4g} [{q[0, k]:.4g}-{q[2, k]:.4g}]" for k, t in enumerate(times)}})
    if fmt is not Format.table:
        import pandas as pd

        emit({"summary": pd.DataFrame(rows)}, fmt)
        wrote(nc)
        return
    from rich.table import Table

    unit = "" if model.calendar else f" ({model.time_unit})"
    table = Table(title=f"{model.name}: stocks, median [90% interval], {draws:,} draws "
                  f"(seed {seed})")
    table.add_column("stock", overflow="fold")
    for t in times:
        table.add_column(f"time {t}{unit}", justify="right")
    for row in rows:
        table.add_row(*[str(v) for v in row.values()])
    console().print(table)
    wrote(nc)
