"""``prospects sensitivity`` and ``prospects discover``: which factors matter, and where
the group collapses."""

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
    results,
    user_errors,
    wrote,
)

DATE_OPTION = typer.Option(None, "--date", help="Month the outcomes are read at (default: "
                           "the outlook's horizon).")


def _csv(frame) -> str:
    return frame.to_csv(index=False, float_format="%.6g")


@user_errors
def sensitivity(
    system: str = SYSTEM_OPTION,
    draws: int = typer.Option(1024, "--draws", help="Base sample size N, a power of two; "
                              "the model runs (factors + 2) x N draws."),
    date: str = DATE_OPTION,
    seed: int = SEED_OPTION,
    out: Path = OUT_OPTION,
    cluster: str = CLUSTER_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Sobol' indices of the headline outputs to every uncertain parameter and lever."""
    from ..explore.factors import factors, skipped_scenarios
    from ..explore.sensitivity import check_base_size, check_date, sobol
    from ..files import result_path, writable, write_text
    from ..system import load_system

    loaded = load_system(system)
    check_base_size(draws)
    date = check_date(loaded, date or loaded.outlook.horizon)
    csv = result_path(out, loaded, "sensitivity.csv")
    writable(csv)
    runs = (len(factors(loaded)) + 2) * draws
    from ..scale import connected

    with connected(cluster) as client, \
            progress_bar(f"{loaded.name}: Sobol' ensemble", runs) as bar:
        table = sobol(loaded, n=draws, when=date, seed=seed, progress=bar, client=client)
    if fmt is Format.table:
        _print_sobol(loaded, table, date, draws, runs)
    else:
        emit({"sobol": table}, fmt)
    for scenario, reason in skipped_scenarios(loaded).items():
        results(fmt).print(f"left out scenario '{scenario}': {reason}")
    wrote(write_text(csv, _csv(table)))


def _print_sobol(loaded, table, date: str, draws: int, runs: int) -> None:
    from rich.table import Table

    labels = {o.variable: o.label for o in reversed(loaded.outlook.headline)}
    asked = {o.id: o.label for o in loaded.outlook.outcomes}
    for name, rows in table.groupby("outcome", sort=False):
        if name in asked:
            continue
        shown = Table(title=f"{labels[name]} at {date}: Sobol' indices "
                            f"(N = {draws}, {runs:,} runs)")
        for heading in ("factor", "S1", "±", "ST", "±"):
            shown.add_column(heading, justify="left" if heading == "factor" else "right",
                             overflow="fold")
        for row in rows.sort_values("ST", ascending=False).itertuples():
            shown.add_row(row.factor, f"{row.S1:.3f}", f"{row.S1_conf:.3f}", f"{row.ST:.3f}",
                          f"{row.ST_conf:.3f}")
        console().print(shown)
    if asked:
        _print_outcome_drivers(table[table.outcome.isin(list(asked))], asked, draws, runs)


def _print_outcome_drivers(table, labels: dict[str, str], draws: int, runs: int,
                           top: int = 3) -> None:
    """One row per outcome: the factors with the largest total indices of whether it
    happens (every factor's indices are in the CSV)."""
    from rich.table import Table

    shown = Table(title=f"Whether each outcome happens: largest total Sobol' indices "
                        f"(N = {draws}, {runs:,} runs)")
    shown.add_column("outcome", overflow="fold")
    shown.add_column("factors (ST ± 95%)", overflow="fold")
    for name, rows in table.groupby("outcome", sort=False):
        rows = rows.sort_values("ST", ascending=False).head(top)
        drivers = "; ".join(f"{r.factor} {r.ST:.2f}±{r.ST_conf:.2f}" for r in rows.itertuples()
                            if r.ST > 0) or "none (it happens in all draws or in none)"
        shown.add_row(labels[name], drivers)
    console().print(shown)


@user_errors
def discover(
    system: str = SYSTEM_OPTION,
    threshold: float = typer.Option(None, help="Collapse: the outlook's collapse variable "
                                    "below this (default: the outlook's threshold)."),
    date: str = DATE_OPTION,
    draws: int = typer.Option(5000, "--draws", help="Latin-hypercube draws of the factors."),
    seed: int = SEED_OPTION,
    out: Path = OUT_OPTION,
    cluster: str = CLUSTER_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Scenario discovery (PRIM): the factor ranges where the group collapses."""
    from ..explore.discovery import check_inputs
    from ..explore.discovery import discover as find
    from ..files import result_path, text_writer, writable, write_together
    from ..system import load_system

    loaded = load_system(system)
    collapse = loaded.outlook.collapse_asked()
    threshold = collapse.below if threshold is None else threshold
    date = check_inputs(loaded, threshold, date or loaded.outlook.horizon, draws)
    paths = [result_path(out, loaded, f"discovery-{part}.csv") for part in ("box", "trajectory")]
    writable(*paths)
    from ..scale import connected

    with connected(cluster) as client, \
            progress_bar(f"{loaded.name}: Latin-hypercube ensemble", draws) as bar:
        found = find(loaded, threshold=threshold, when=date, n=draws, seed=seed, progress=bar,
                     client=client)
    box = found.limits.assign(coverage=found.coverage, density=found.density, mass=found.mass,
                              base_rate=found.base_rate)
    if fmt is Format.table:
        _print_box(found, f"Collapse ({collapse.label} < {threshold:,.6g} at {date}): PRIM box")
    else:
        emit({"box": box}, fmt)
    results(fmt).print(
        f"{found.collapses:,} of {found.draws:,} draws collapse (base rate "
        f"{found.base_rate:.1%}); the box holds {found.mass:.1%} of draws, coverage "
        f"{found.coverage:.1%}, density {found.density:.1%}")
    trajectory = found.trajectory.assign(chosen=lambda t: t.index == found.chosen)
    write_together({paths[0]: text_writer(_csv(box)), paths[1]: text_writer(_csv(trajectory))})
    wrote(*paths)


def _print_box(found, title: str) -> None:
    from rich.table import Table

    shown = Table(title=title)
    for heading in ("factor", "low", "high", "full range", "quasi-p"):
        shown.add_column(heading, justify="left" if heading == "factor" else "right",
                         overflow="fold")
    for row in found.limits.itertuples():
        qp = min((v for v in (row.qp_low, row.qp_high) if v == v), default=float("nan"))
        shown.add_row(row.factor, f"{row.low:.4g}", f"{row.high:.4g}",
                      f"{row.full_low:.4g} – {row.full_high:.4g}", f"{qp:.2g}")
    console().print(shown)
