"""``prospects dashboard``: an interactive page on 127.0.0.1 where moving a lever reruns the
ensemble and redraws the fan charts.

Why Streamlit rather than Panel: it is already a dependency; it reruns a small script on
each widget change, which is exactly "lever moved -> rerun ensemble -> redraw" with no
callback wiring; and analysts widely know it. The page itself is
``prospects/present/dashboard.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import typer

from .common import SYSTEM_OPTION, console, read_posterior, read_vintages, user_errors


@user_errors
def dashboard(
    system: str = SYSTEM_OPTION,
    port: int = typer.Option(8501, min=1, max=65535, help="Port on 127.0.0.1."),
    posterior: Path = typer.Option(None, help="Posterior file (default: out/<system>-"
                                   "posterior.nc if it exists, else the priors)."),
    vintages: Path = typer.Option(None, help="A file from `prospects vintages` (default: "
                                  "out/<system>-vintages.nc if it exists): adds the revision "
                                  "chart and the evaluation table."),
) -> None:
    """Serve an interactive dashboard (Streamlit) on 127.0.0.1: levers, fan charts, the
    evidence behind each lever and parameter, and how the forecast was revised."""
    from ..extras import require
    from ..files import result_path
    from ..system import load_system

    require("streamlit")
    # check the system and the posterior now: a one-line error rather than one in the page
    loaded = load_system(system)
    if posterior is not None:
        read_posterior(posterior, loaded)
    revisions = vintages or result_path(os.environ.get("PROSPECTS_OUT") or "out", loaded,
                                        "vintages.nc")
    if read_vintages(revisions, loaded, required=vintages is not None) is None:
        revisions = None
    script = Path(__file__).resolve().parent.parent / "present" / "dashboard.py"
    env = dict(os.environ, PROSPECTS_SYSTEM=system,
               PROSPECTS_POSTERIOR=str(posterior.resolve()) if posterior else "",
               PROSPECTS_VINTAGES=str(revisions.resolve()) if revisions else "")
    command = [sys.executable, "-m", "streamlit", "run", str(script),
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--client.toolbarMode", "minimal"]  # no "Deploy" button
    console().print(f"dashboard for '{system}' at http://127.0.0.1:{port} (Ctrl-C to stop)")
    process = subprocess.Popen(command, env=env)
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())  # stop the server with us
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        code = process.wait()
    raise typer.Exit(code)
