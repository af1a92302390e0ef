"""``prospects import``: a Vensim or XMILE model as a new system folder."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import user_errors, wrote


@user_errors
def import_model(
    model_file: Path = typer.Argument(..., help="The model: a Vensim .mdl or an XMILE file."),
    to: Path = typer.Option(..., "--to", help="The system folder to create (new or empty)."),
) -> None:
    """Import a model into a system folder: its equations as data, every constant as a
    parameter (give one a prior in parameters.yaml to make it uncertain), and empty
    evidence files ready to fill. Then: prospects run --system FOLDER."""
    from ..files import writable
    from ..interop.folder import FILES, write_folder

    writable(*(to / name for name in FILES))
    wrote(*write_folder(model_file, to))
