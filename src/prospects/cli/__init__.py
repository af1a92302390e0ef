"""The ``prospects`` command line."""
import typer

app = typer.Typer(no_args_is_help=True, help="Evidence-linked simulation of armed-group prospects.")


@app.command()
def version() -> None:
    """Print the version."""
    from importlib.metadata import version as v

    typer.echo(v("prospects"))
