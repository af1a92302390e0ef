"""``prospects backtest``: score a projection against figures reported after it was made."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from .common import (
    AS_OF_OPTION,
    EVIDENCE_OPTION,
    FORMAT_OPTION,
    OUT_OPTION,
    SYSTEM_OPTION,
    Format,
    console,
    emit,
    load,
    results,
    styled,
    user_errors,
    wrote,
)


def _num(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _yes(flag: bool):
    return styled("yes" if flag else ("no", "red"))


@user_errors
def backtest(
    file: Path = typer.Argument(..., help="Backtest file: later sources, claims and "
                                "observations (YAML; see prospects.inference.backtest)."),
    system: str = SYSTEM_OPTION,
    evidence: list[Path] = EVIDENCE_OPTION,
    as_of: str = AS_OF_OPTION,
    projection: Path = typer.Option(None, help="Projection file (default: "
                                    "<out>/<system>-projection.nc)."),
    scenario: str = typer.Option(None, help="The scenario to score (default: the outlook's "
                                 "status quo)."),
    out: Path = OUT_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Score a projection against later observations: CRPS, interval coverage, log density,
    and persistence and linear-trend baselines; write <out>/<system>-backtest.csv."""
    from ..files import writable, write_text
    from ..inference.backtest import backtest as backtest_of

    loaded = load(system, evidence, as_of)
    csv_name = out / f"{loaded.name}-backtest.csv"
    writable(csv_name)
    result = backtest_of(loaded, file, projection or out / f"{loaded.name}-projection.nc",
                         scenario)
    df, summary = result.table, result.summary
    if fmt is Format.table:
        _print_tables(loaded, result)
    else:
        emit({"observations": df}, fmt)
    results(fmt).print(
        f"coverage: 50% interval {summary['coverage_50']:.2f} (nominal 0.50), 90% interval "
        f"{summary['coverage_90']:.2f} (nominal 0.90); mean log density "
        f"{_num(summary['mean_log_density'])}")
    results(fmt).print("note: model values are raw (no self-report bias applied); an "
                       "interval is scored at its midpoint; mean CRPS mixes the variables' "
                       "units.")
    wrote(write_text(csv_name, df.to_csv(index=False)))


def _print_tables(loaded, result) -> None:
    from rich.table import Table

    scenario, df, summary = result.scenario, result.table, result.summary
    table = Table(title=f"{loaded.name}: backtest of '{scenario}' (projected from "
                        f"{result.projection_start}, {int(df['draws'].max()):,} draws)",
                  caption="* midpoint of a stated interval. in50/90: inside the central 50% / "
                          "90% interval. log dens.: log predictive density at the "
                          "observation, higher is better (the negative of the log score "
                          "of scoringrules). Baselines per row in the CSV.")
    table.add_column("observation", overflow="fold")
    for heading in ("observed", "median", "5-95%", "CRPS", "in50/90", "log dens."):
        table.add_column(heading, justify="right", overflow="fold")
    for row in df.to_dict("records"):
        observed = _num(row["observed"]) + ("*" if row["observed_kind"] == "midpoint" else "")
        inside = styled(_yes(row["in50"]), "/", _yes(row["in90"]))
        table.add_row(styled(row["id"], (f"\n{row['variable']}, {row['period']}", "dim")), observed,
                      _num(row["median"]), f"{_num(row['5%'])}–{_num(row['95%'])}",
                      _num(row["crps"]), inside, _num(row["log_density"]))
    console().print(table)

    summ = Table(title=f"Summary over {summary['observations']} observations")
    for heading in ("forecast", "rows", "mean CRPS", "model on those rows", "model better"):
        summ.add_column(heading, justify="left" if heading == "forecast" else "right",
                         overflow="fold")
    n = summary["observations"]
    summ.add_row("model (ensemble)", str(n), _num(summary["mean_crps"]),
                 _num(summary["mean_crps"]), "")
    for name, base in summary["baselines"].items():
        summ.add_row(name, str(base["rows"]), _num(base["mean_crps"]),
                     _num(base["model_mean_crps"]),
                     f"{base['model_better']} of {base['rows']}" if base["rows"] else "—")
    console().print(summ)
