"""The ``prospects`` command line. Heavy libraries load inside commands, so --help is instant."""

import typer

from . import browse, explore, forecast, run

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Evidence-linked, calibrated simulation of an armed group's prospects.")
app.command("run")(run.run)
app.command("calibrate")(forecast.calibrate)
app.command("project")(forecast.project)
app.command("sensitivity")(explore.sensitivity)
app.command("discover")(explore.discover)
app.add_typer(browse.model_app, name="model")
app.add_typer(browse.evidence_app, name="evidence")
