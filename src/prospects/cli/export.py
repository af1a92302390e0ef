"""``prospects export``: a system's model as Vensim .mdl (with its diagram), XMILE or
Graphviz DOT."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import SYSTEM_OPTION, user_errors, wrote

FORMATS = ("mdl", "xmile", "dot")


@user_errors
def export(
    fmt: str | None = typer.Option(None, "--format", help="mdl (Vensim, with its "  # noqa: UP007
                                   "diagram), xmile or dot; default: from the suffix of "
                                   "--out, else mdl."),
    system: str = SYSTEM_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the file here "  # noqa: UP007
                                    "(atomically); default: print it."),
) -> None:
    """The model in another tool's format: Vensim and PySD read the .mdl, Stella and
    PySD the XMILE; both reproduce the engine's run."""
    from ..errors import UserError
    from ..files import writable, write_text
    from ..system import load_system

    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None else ""
        fmt = suffix if suffix in FORMATS else "mdl"
    if fmt not in FORMATS:
        raise UserError(f"--format: '{fmt}' is not a format (use {', '.join(FORMATS)})")
    if out is not None:
        writable(out)
    model = load_system(system).model
    if fmt == "mdl":
        from ..interop.vensim import to_vensim as write
    elif fmt == "xmile":
        from ..interop.xmile import to_xmile as write
    else:
        from ..interop.dot import to_dot as write
    text = write(model)
    if out is None:
        typer.echo(text, nl=False)
    else:
        wrote(write_text(out, text))
