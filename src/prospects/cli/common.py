"""What every command shares: the console, progress bars, and one-line user errors."""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer

SYSTEM_OPTION = typer.Option("isk", "--system", "-s",
                             help="A built-in system's name or a system folder.")


CLUSTER_OPTION = typer.Option(None, "--cluster", help="Dask scheduler address "
                              "(tcp://host:8786) to run the draws on; default: this process.")


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _user_errors() -> tuple[type[BaseException], ...]:
    from ..engine import InterventionError, NonFiniteError
    from ..evidence import EvidenceError
    from ..scale.cluster import ScaleError
    from ..sd import ModelError

    return (EvidenceError, ModelError, InterventionError, NonFiniteError, ScaleError,
            FileNotFoundError,
            PermissionError, IsADirectoryError)


def user_errors(fn: Callable) -> Callable:
    """Report a user's mistake as one red line and exit 1, never a stack trace."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except _user_errors() as err:
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            console(stderr=True).print(f"[bold red]error:[/] {message}", markup=True,
                                       soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


class progress_bar:
    """A rich progress bar usable as a ``progress(n_done)`` callback."""

    def __init__(self, description: str, total: int):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.bar = Progress("[progress.description]{task.description}", BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=console(True),
                            transient=False)
        self.task = self.bar.add_task(description, total=total)

    def __enter__(self):
        self.bar.start()
        return self

    def __call__(self, advance: int) -> None:
        self.bar.advance(self.task, advance)

    def __exit__(self, *exc):
        self.bar.stop()
