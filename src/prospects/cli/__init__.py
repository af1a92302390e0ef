"""The ``prospects`` command line. Heavy libraries load inside commands, so --help is instant."""

import typer

from . import backtest, browse, dashboard, explore, forecast, report, run

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Evidence-linked, calibrated simulation of an armed group's prospects.")
app.command("run")(run.run)
app.command("calibrate")(forecast.calibrate)
app.command("project")(forecast.project)
app.command("report")(report.report)
app.command("backtest")(backtest.backtest)
app.command("sensitivity")(explore.sensitivity)
app.command("discover")(explore.discover)
app.command("dashboard")(dashboard.dashboard)
app.add_typer(browse.model_app, name="model")
app.add_typer(browse.evidence_app, name="evidence")
