"""Optional parts of Prospects and the extra that installs each."""

from __future__ import annotations

import importlib

from .errors import UserError

#: import name -> (what needs it, the extra that installs it)
EXTRAS = {
    "streamlit": ("the dashboard", "dashboard"),
    "ema_workbench": ("scenario discovery", "discover"),
    "distributed": ("--cluster", "cluster"),
    "pysd": ("reading a Vensim or XMILE model", "interop"),
}


class MissingExtra(UserError, ImportError):
    """An optional library that is not installed, named with the extra that brings it."""


def require(module: str):
    """Import ``module`` (a key of ``EXTRAS``), or say in one line which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        purpose, extra = EXTRAS[module.partition(".")[0]]
        raise MissingExtra(f"{purpose} needs {module}, which is not installed: "
                           f"pip install 'prospects[{extra}]'") from None
