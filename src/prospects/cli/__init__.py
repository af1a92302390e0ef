"""The ``prospects`` command line. Heavy libraries load inside commands, so --help is instant."""

import typer

from . import (
    backtest,
    browse,
    common,
    dashboard,
    explore,
    export,
    forecast,
    importing,
    report,
    run,
    vintages,
)

app = typer.Typer(no_args_is_help=True)


def _print_version(wanted: bool) -> None:
    if wanted:
        from .. import __version__

        print(f"prospects {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Results and errors only: no "
                               "progress bars or notes."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also the size of each file "
                                 "written and the time taken."),
) -> None:
    """Evidence-linked, calibrated simulation of an armed group's prospects."""
    common.verbosity = 0 if quiet else 2 if verbose else 1
    from ..engine.memory import keep_freed_memory

    keep_freed_memory()  # this process is ours: keep freed memory for the engine


app.command("run")(run.run)
app.command("calibrate")(forecast.calibrate)
app.command("project")(forecast.project)
app.command("report")(report.report)
app.command("backtest")(backtest.backtest)
app.command("vintages")(vintages.vintages)
app.command("sensitivity")(explore.sensitivity)
app.command("discover")(explore.discover)
app.command("dashboard")(dashboard.dashboard)
app.command("export")(export.export)
app.command("import")(importing.import_model)
app.add_typer(browse.model_app, name="model")
app.add_typer(browse.evidence_app, name="evidence")
