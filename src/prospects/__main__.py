"""``python -m prospects``: the same command line as ``prospects``."""

from .cli import app

app(prog_name="prospects")
