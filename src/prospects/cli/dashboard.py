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

from .common import SYSTEM_OPTION, console, read_posterior, user_errors


@user_errors
def dashboard(
    system: str = SYSTEM_OPTION,
    port: int = typer.Option(8501, min=1, max=65535, help="Port on 127.0.0.1."),
    posterior: Path = typer.Option(None, help="Posterior file (default: out/<system>-"
                                   "posterior.nc if it exists, else the priors)."),
) -> None:
    """Serve an interactive dashboard (Streamlit) on 127.0.0.1: levers, fan charts and the
    evidence behind each parameter."""
    from ..extras import require
    from ..system import load_system

    require("streamlit")
    # check the system and the posterior now: a one-line error rather than one in the page
    loaded = load_system(system)
    if posterior is not None:
        read_posterior(posterior, loaded)
    script = Path(__file__).resolve().parent.parent / "present" / "dashboard.py"
    env = dict(os.environ, PROSPECTS_SYSTEM=system,
               PROSPECTS_POSTERIOR=str(posterior.resolve()) if posterior else "")
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
