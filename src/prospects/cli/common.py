"""What every command shares: the console, progress bars, and one-line user errors."""

from __future__ import annotations

import functools
import os
import signal
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import typer

#: the same number as prospects.inference.calibrate.PARTICLES (not imported here: it is slow)
PARTICLES_OPTION = typer.Option(3000, min=100, help="SMC particles per run.")
SYSTEM_OPTION = typer.Option("isk", "--system", "-s",
                             help="A built-in system's name, a system folder or a model "
                             "file (.mdl, .xmile).")


#: Seeds every random stream takes (SALib's and numpy's included).
SEED_OPTION = typer.Option(0, min=0, max=2**32 - 1, help="Random seed (0 to 2**32 - 1): the "
                           "same seed gives the same numbers.")

CLUSTER_OPTION = typer.Option(None, "--cluster", envvar="PROSPECTS_CLUSTER",
                              help="Dask scheduler address (tcp://host:8786) to run the draws "
                              "on; default: this process. Needs prospects[cluster].")

EVIDENCE_OPTION = typer.Option(None, "--evidence", help="An evidence folder (sources.yaml, "
                               "claims.yaml, observations.yaml) extending the system, such as "
                               "a later report; repeat for several.")

AS_OF_OPTION = typer.Option(None, "--as-of", help="Keep only evidence from sources published "
                            "by this date (YYYY[-MM[-DD]]); the projection starts the month "
                            "after.")


def load(system: str, evidence: list[Path] | None = None, as_of: str | None = None):
    """The system with its evidence folders added, as of a date."""
    from ..system import load_system

    return load_system(system, evidence or (), as_of)


OUT_OPTION = typer.Option(Path("out"), "--out", envvar="PROSPECTS_OUT",
                          help="Folder for the files written.")

class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FORMAT_OPTION = typer.Option(Format.table, "--format", help="table: tables for people; csv "
                             "or json: the results as one machine-readable table on stdout "
                             "(every message on stderr).")

#: 0 quiet (results and errors only), 1 normal, 2 verbose; set by the -q/-v options
verbosity = 1


def note(text: str) -> None:
    """A line for the user on stderr (files written, what was assumed), unless quiet."""
    if verbosity:
        console(stderr=True).print(text, soft_wrap=True)


def results(fmt: Format):
    """The console for result lines around the tables: stdout when printing tables, stderr
    when stdout carries a machine-readable table."""
    return console(stderr=fmt is not Format.table)


def emit(tables: dict, fmt: Format) -> None:
    """Print DataFrames machine-readably on stdout: JSON records (an object of them, by
    name, for several tables); CSV (several tables stacked, a ``table`` column first)."""
    import json
    import sys

    import pandas as pd

    if fmt is Format.json:
        records = {name: json.loads(frame.to_json(orient="records"))
                   for name, frame in tables.items()}
        sys.stdout.write(json.dumps(next(iter(records.values())) if len(records) == 1
                                    else records, indent=1) + "\n")
    else:
        frame = next(iter(tables.values())) if len(tables) == 1 else pd.concat(
            [f.assign(table=name)[["table", *f.columns]] for name, f in tables.items()])
        sys.stdout.write(frame.to_csv(index=False))


def wrote(*paths: Path) -> None:
    """Note the files a command wrote; verbose, with their sizes."""
    sizes = [f" ({p.stat().st_size / 1e6:.1f} MB)" if verbosity > 1 else "" for p in paths]
    note("wrote " + " and ".join(f"{p}{size}" for p, size in zip(paths, sizes, strict=True)))


def read_posterior(path, system, required: bool = True):
    """The posterior in ``path``, read whole and checked against ``system``; ``None`` if
    ``path`` is missing and not ``required`` (a default path, not one the user gave)."""
    from ..evidence import EvidenceError
    from ..files import check_netcdf
    from ..inference.posterior import load_posterior

    if not required and not path.exists():
        return None
    check_netcdf(path, "posterior")
    idata = load_posterior(path, system)
    attrs = idata.posterior.attrs
    dated = system.as_of or system.evidence.overlays or "as_of" in attrs or "evidence" in attrs
    observed = ",".join(system.evidence.observations)
    if dated and attrs.get("observations") != observed:
        raise EvidenceError(f"{path}: calibrated to other observations (as of "
                            f"{attrs.get('as_of', 'today')}) than the system has here (as of "
                            f"{system.as_of or 'today'}): calibrate with the same --as-of "
                            "and --evidence")
    return idata


def read_vintages(path, system, required: bool = True):
    """The Dataset of ``prospects vintages`` in ``path``, checked to be of ``system``;
    ``None`` if ``path`` is missing and not ``required`` (a default path, not one the user
    gave)."""
    from ..evidence import EvidenceError
    from ..files import read_netcdf

    if not path.is_file():
        if not required:
            return None
        raise EvidenceError(f"{path}: no such vintages file (run `prospects vintages`)")
    ds = read_netcdf(path, "vintages")
    if "outcome_p" not in ds or "vintage" not in ds.dims:
        raise EvidenceError(f"{path}: not a file of `prospects vintages`")
    made_for = ds.attrs.get("system")
    if made_for != system.name:
        raise EvidenceError(f"{path}: vintages of system '{made_for}', not '{system.name}' "
                            "(run `prospects vintages` for it)")
    return ds


def plain(text) -> str:
    """``text`` with control characters (ESC, BEL, C1 codes...) replaced, newlines and tabs
    kept: a user's string can then neither style nor drive the terminal."""
    import unicodedata

    return "".join(c if c in "\n\t" or unicodedata.category(c) != "Cc" else "\ufffd"
                   for c in str(text))


@functools.cache
def _plain_console():
    from rich.console import Console

    class PlainConsole(Console):
        """Every string printed, table cell and title included, as ``plain`` text."""

        def render_str(self, text, **kwargs):
            kwargs.update(markup=False, emoji=False, highlight=False)
            return super().render_str(plain(text), **kwargs)

    return PlainConsole


def console(stderr: bool = False):
    """A rich console that prints every string as plain text: no markup, no emoji codes,
    control characters replaced. Style comes only from ``styled`` (rich ``Text``)."""
    return _plain_console()(stderr=stderr, highlight=False, markup=False, emoji=False)


def styled(*parts):
    """Rich ``Text`` from strings and (string, style) pairs, each string made ``plain``."""
    from rich.text import Text

    return Text.assemble(*((plain(p[0]), p[1]) if isinstance(p, tuple) else plain(p)
                           for p in parts))


def warn(label: str, message: str, style: str = "bold yellow") -> None:
    """``label: message`` on stderr, the label in ``style``."""
    console(stderr=True).print(styled((f"{label}:", style), f" {message}"), soft_wrap=True)


def _terminated(signum, frame):
    from ..files import remove_temporaries

    remove_temporaries()
    os._exit(128 + signum)  # at once: an exception raised here could be swallowed in C code


def _exit_on_sigterm():
    """Make SIGTERM remove the temporaries being written before the process ends; the
    handler it replaces, or None off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _terminated)


def user_errors(fn: Callable) -> Callable:
    """Report a user's mistake as one red line and exit 1, never a stack trace; on SIGTERM
    exit with status 143 after cleaning up."""
    from ..errors import UserError

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        previous = _exit_on_sigterm()
        started = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
            if verbosity > 1:
                note(f"done in {time.perf_counter() - started:.1f} s")
            return result
        except UserError as err:
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            warn("error", message, "bold red")
            raise typer.Exit(1) from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper


class progress_bar:
    """A rich progress bar usable as a ``progress(n_done)`` callback; hidden when quiet."""

    def __init__(self, description: str, total: int):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=console(True),
                            transient=False, disable=not verbosity)
        self.task = self.bar.add_task(plain(description), total=total)

    def __enter__(self):
        self.bar.start()
        return self

    def __call__(self, advance: int) -> None:
        self.bar.advance(self.task, advance)

    def __exit__(self, *exc):
        self.bar.stop()
