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
    read_posterior,
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
    file: Path = typer.Argument(None, help="Backtest file: later sources, claims and "
                                "observations (YAML; see prospects.inference.backtest). "
                                "Without one: the evidence published after --as-of."),
    system: str = SYSTEM_OPTION,
    evidence: list[Path] = EVIDENCE_OPTION,
    as_of: str = AS_OF_OPTION,
    projection: Path = typer.Option(None, help="Projection file (default: "
                                    "<out>/<system>-projection.nc)."),
    posterior: Path = typer.Option(None, help="The posterior the projection drew from, for "
                                   "the bias terms of self-reported figures (default: "
                                   "<out>/<system>-posterior.nc if the projection was "
                                   "calibrated)."),
    scenario: str = typer.Option(None, help="The scenario to score (default: the outlook's "
                                 "status quo)."),
    out: Path = OUT_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Score a projection against later observations: CRPS, interval coverage and log
    density of figures; Brier score and log probability of events; persistence, trend and
    climatology (prior predictive) baselines; write <out>/<system>-backtest.csv."""
    from ..files import result_path, writable, write_text
    from ..inference.backtest import prepare, score

    loaded = load(system, evidence, as_of)
    csv_name = result_path(out, loaded, "backtest.csv")
    writable(csv_name)
    bt, ds = prepare(loaded, file, projection or result_path(out, loaded, "projection.nc"))
    idata = None
    if int(ds.attrs.get("calibrated", 0)):
        idata = read_posterior(posterior or result_path(out, loaded, "posterior.nc"), loaded,
                               required=posterior is not None)
    result = score(loaded, bt, ds, scenario, idata)
    df, summary = result.table, result.summary
    if fmt is Format.table:
        _print_tables(loaded, result)
    else:
        emit({"observations": df}, fmt)
    if summary["figures"]:
        results(fmt).print(
            f"coverage: 50% interval {summary['coverage_50']:.2f} (nominal 0.50), 90% "
            f"interval {summary['coverage_90']:.2f} (nominal 0.90); mean log density "
            f"{_num(summary['mean_log_density'])}")
    if summary["events"]:
        results(fmt).print(f"events: mean Brier score {summary['mean_brier']:.3f}, mean log p "
                           f"{summary['mean_log_p']:.2f}")
    results(fmt).print("note: a self-reported figure is scored against the model's value "
                       "times its bias term; an interval is scored at its midpoint; mean "
                       "CRPS mixes the variables' units.")
    wrote(write_text(csv_name, df.to_csv(index=False)))


def _print_tables(loaded, result) -> None:

    from ..inference.backtest import FIGURES

    scenario, df, summary = result.scenario, result.table, result.summary
    title = (f"{loaded.name}: backtest of '{scenario}' (projected from "
             f"{result.projection_start}, {int(df['draws'].max()):,} draws)")
    figures, events = df[df["kind"].isin(FIGURES)], df[~df["kind"].isin(FIGURES)]
    if len(figures):
        table = _rows_table(title, "* midpoint of a stated interval. in50/90: inside the "
                            "central 50% / 90% interval. log dens.: log predictive density "
                            "at the observation, higher is better (the negative of the log "
                            "score of scoringrules). Baselines per row in the CSV.",
                            ("observed", "median", "5-95%", "CRPS", "in50/90", "log dens."))
        for row in figures.to_dict("records"):
            observed = _num(row["observed"]) + ("*" if row["observed_kind"] == "midpoint"
                                                 else "")
            inside = styled(_yes(row["in50"]), "/", _yes(row["in90"]))
            table.add_row(_label(row), observed, _num(row["median"]),
                          f"{_num(row['5%'])}–{_num(row['95%'])}", _num(row["crps"]), inside,
                          _num(row["log_density"]))
        console().print(table)
    if len(events):
        table = _rows_table(f"Events{'' if len(figures) else ' of ' + title}",
                            "p: share of draws in which the event happens; Brier (p - o)^2 "
                            "with o = 1 if it happened; log p: log of the probability given "
                            "to what happened (higher is better; the negative of the log "
                            "score of scoringrules).",
                            ("claimed", "happened", "p", "Brier", "log p", "p prior"))
        for row in events.to_dict("records"):
            table.add_row(_label(row), row["claimed"], "yes" if row["observed"] else "no",
                          f"{row['p']:.2f}", f"{row['brier']:.3f}", f"{row['log_p']:.2f}",
                          f"{row['p_climatology']:.2f}")
        console().print(table)
    _print_summary(summary)
    print_reliability(df)


def print_reliability(df) -> None:
    """The events' reliability table (``backtest.reliability``), if there are enough."""
    from rich.table import Table

    from ..inference.backtest import reliability

    bins = reliability(df)
    if bins is not None:
        table = Table(title="Reliability of the events' probabilities")
        for heading in ("p from", "to", "events", "mean p", "share happened"):
            table.add_column(heading, justify="right")
        for row in bins.itertuples():
            table.add_row(f"{row[1]:.1f}", f"{row.to:.1f}", str(row.events),
                          _num(row.mean_p), _num(row.happened))
        console().print(table)


def _rows_table(title: str, caption: str, headings):
    """A table with a row per observation: its label, then right-aligned ``headings``."""
    from rich.table import Table

    table = Table(title=title, caption=caption)
    table.add_column("observation", overflow="fold")
    for heading in headings:
        table.add_column(heading, justify="right", overflow="fold")
    return table


def _label(row):
    return styled(row["id"], (f"\n{row['variable']}, {row['period']}", "dim"))


def _print_summary(summary) -> None:
    from rich.table import Table

    summ = Table(title=f"Summary over {summary['observations']} observations")
    for heading in ("forecast", "rows", "mean score", "model on those rows", "model better"):
        summ.add_column(heading, justify="left" if heading == "forecast" else "right",
                        overflow="fold")
    if summary["figures"]:
        n = summary["figures"]
        summ.add_row("model (ensemble), CRPS", str(n), _num(summary["mean_crps"]),
                     _num(summary["mean_crps"]), "")
        for name, base in summary["baselines"].items():
            summ.add_row(f"{name}, CRPS", *_versus(base, "crps"))
    if summary["events"]:
        n = summary["events"]
        summ.add_row("model, Brier", str(n), _num(summary["mean_brier"]),
                     _num(summary["mean_brier"]), "")
        summ.add_row("climatology, Brier", *_versus(summary["event_baselines"]["climatology"],
                                                    "brier"))
    console().print(summ)


def _versus(base, score: str) -> list[str]:
    rows = base["rows"]
    return [str(rows), _num(base[f"mean_{score}"]), _num(base[f"model_mean_{score}"]),
            f"{base['model_better']} of {rows}" if rows else "—"]
