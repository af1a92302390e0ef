"""``prospects vintages``: calibrate and project as of several dates; print how the
forecast was revised, what moved it, and how each vintage scored on what came after."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import (
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
    progress_bar,
    user_errors,
    wrote,
)


@user_errors
def vintages(
    as_of: list[str] = typer.Option(None, "--as-of", help="A vintage's date (YYYY[-MM[-DD]]);"
                                    " repeat, in rising order."),
    listed: Path = typer.Option(None, "--vintages", help="A YAML file listing the dates "
                                "instead."),
    system: str = SYSTEM_OPTION,
    evidence: list[Path] = EVIDENCE_OPTION,
    particles: int = PARTICLES_OPTION,
    runs: int = typer.Option(2, min=2, help="Independent SMC runs (the posterior's chains)."),
    steps: int = typer.Option(48, min=1, help="Metropolis steps per tempering stage."),
    draws: int = typer.Option(1000, min=10, help="Draws per scenario."),
    scenario: list[str] = typer.Option(None, "--scenario", help="Scenario id (repeat for "
                                       "several; default: all)."),
    seed: int = SEED_OPTION,
    out: Path = OUT_OPTION,
    cluster: str = CLUSTER_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Calibrate and project once per as-of date; write <out>/<system>-vintages.nc (a
    vintage dimension); print the revisions of outcome probabilities and headline medians,
    the new observations that moved them, and each vintage's skill on later evidence."""
    from ..evidence import EvidenceError
    from ..files import result_path, writable, write_netcdf
    from ..inference.backtest import skill
    from ..inference.vintages import load_vintages, read_dates
    from ..inference.vintages import vintages as run_vintages
    from ..scale import connected
    from .backtest import print_reliability

    if bool(as_of) == (listed is not None):
        raise EvidenceError("give the vintages' dates as --as-of D1 --as-of D2 ..., or "
                            "--vintages FILE, not both")
    systems = load_vintages(system, as_of or read_dates(listed), evidence or ())
    dates, loaded = [s.as_of for s in systems], systems[-1]
    path = result_path(out, loaded, "vintages.nc")
    writable(path)
    total = len(dates) * (runs + len(scenario or loaded.scenarios))
    with connected(cluster) as client, \
            progress_bar(f"{loaded.name}: {len(dates)} vintages", total) as bar:
        result = run_vintages(system, dates, evidence or (), particles=particles, runs=runs,
                              steps=steps, draws=draws, seed=seed, scenarios=scenario,
                              client=client, progress=bar, systems=systems)
    scores = result.scores
    by_vintage = skill(scores, ["vintage"]) if len(scores) else scores
    by_lead = skill(scores, ["vintage", "band"]) if len(scores) else scores
    if fmt is Format.table:
        _print_revisions(loaded, result, dates)
        _print_skill(by_vintage, by_lead)
        if len(scores):
            print_reliability(scores)
    else:
        emit({"outcomes": result.outcomes, "headline": result.headline,
              "movers": result.movers, "scores": scores, "skill": by_vintage,
              "skill_by_lead": by_lead}, fmt)
    wrote(write_netcdf(path, result.dataset, loaded))


def _figure(value: float) -> str:
    return "—" if value != value else f"{value:.3g}"


def _cell(value: float, change: float, digits: str) -> str:
    import math

    text = format(value, digits)
    return text if math.isnan(change) else f"{text}\n{change:+{digits}}"


def _print_revisions(system, result, dates) -> None:
    from rich.table import Table

    from ..analysis import number

    base = system.outlook.status_quo or str(result.outcomes["scenario"].iloc[0])
    outcomes = result.outcomes[result.outcomes["scenario"] == base]
    if len(outcomes):
        table = Table(title=f"{system.name}: outcome probabilities by vintage ({base}); "
                            "below each, the change from the vintage before")
        table.add_column("outcome", overflow="fold")
        for when in dates:
            table.add_column(f"as of {when}", justify="right", overflow="fold")
        for _, rows in outcomes.groupby("outcome", sort=False):
            table.add_row(rows["label"].iloc[0],
                          *(_cell(r.p, r.change, ".2f") for r in rows.itertuples()))
        console().print(table)
    table = Table(title=f"Headline medians by vintage ({base})")
    table.add_column("output", overflow="fold")
    for when in dates:
        table.add_column(f"as of {when}", justify="right", overflow="fold")
    for _, rows in result.headline.groupby(["output", "date"], sort=False):
        first = rows.iloc[0]
        table.add_row(f"{first['output']} ({first['unit']}), {first['date']}",
                      *(number(r.median) + ("" if r.change != r.change else
                                            f"\n{r.change:+,.3g}") for r in rows.itertuples()))
    console().print(table)
    if len(result.movers):
        table = Table(title="New observations and how far each moved the posterior (change "
                            "of its mean log-likelihood, earlier posterior to later)")
        for heading in ("vintage", "observation", "before", "after", "change"):
            table.add_column(heading, justify="left" if heading in ("vintage", "observation")
                             else "right", overflow="fold", no_wrap=heading == "vintage")
        for r in result.movers.itertuples():
            table.add_row(r.vintage, r.observation, f"{r.before:.2f}", f"{r.after:.2f}",
                          f"{r.change:+.2f}")
        console().print(table)


def _print_skill(by_vintage, by_lead) -> None:
    from rich.table import Table

    if not len(by_vintage):
        console().print("No vintage has later evidence to be scored on (rolling origin): "
                        "add --evidence folders with later sources.")
        return
    for frame, keys, title in ((by_vintage, ["vintage"], "per vintage"),
                               (by_lead, ["vintage", "band"], "per vintage and lead time")):
        table = Table(title=f"Skill on the evidence published after each vintage, {title} "
                            "(skill: 1 - score / climatology's)")
        for heading in (*keys, "figures", "mean CRPS", "CRPS skill", "90% cover.", "events",
                        "mean Brier", "Brier skill"):
            table.add_column(heading, justify="left" if heading in keys else "right",
                             overflow="fold", no_wrap=heading in keys)
        for r in frame.to_dict("records"):
            table.add_row(*(str(r[k]) for k in keys), str(r["figures"]),
                          *(_figure(r[c]) for c in ("mean_crps", "crps_skill", "coverage_90")),
                          str(r["events"]),
                          *(_figure(r[c]) for c in ("mean_brier", "brier_skill")))
        console().print(table)
