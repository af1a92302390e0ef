"""Prospects installed on another Python (3.12 or 3.13 when the suite runs on 3.11, and so
on) with every extra, and each command run once on small sizes.

The venv is kept in ``.venv-py3.X`` at the repository root and rebuilt by uv only when
pyproject.toml changes; the package is installed editable, so it runs this tree's code.
"""

import glob
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def other_python() -> str | None:
    """The newest Python 3.11+ on this machine that is not the one running the tests:
    on PATH, managed by uv, or under pyenv (whose shims on PATH may not run)."""
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    pyenv = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    for minor in ("3.14", "3.13", "3.12", "3.11"):
        if minor == here:
            continue
        candidates = [shutil.which(f"python{minor}")]
        if UV:
            found = subprocess.run([UV, "python", "find", "--no-python-downloads", minor],
                                   capture_output=True, text=True)
            candidates.append(found.stdout.strip() if found.returncode == 0 else None)
        candidates += sorted(glob.glob(f"{pyenv}/versions/{minor}*/bin/python3"), reverse=True)
        for python in filter(None, candidates):
            if _version(python).startswith(f"{minor}."):
                return python
    return None


def _version(python: str) -> str:
    done = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def venv_for(python: str) -> Path:
    """A venv on ``python`` with Prospects and every extra; rebuilt when pyproject changes."""
    version = _version(python)
    venv = ROOT / f".venv-py{'.'.join(version.split('.')[:2])}"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + version.encode()).hexdigest()
    stamp = venv / ".smoke-stamp"
    if not stamp.is_file() or stamp.read_text() != wanted:
        subprocess.run([UV, "venv", "-q", "--clear", "--python", python, str(venv)], check=True)
        subprocess.run([UV, "pip", "install", "-q", "--python", str(venv / "bin" / "python"),
                        "-e", f"{ROOT}[all]"], check=True)
        stamp.write_text(wanted)
    return venv


COMMANDS = [
    ["--version"],
    ["run", "--draws", "50"],
    ["calibrate", "--particles", "200", "--steps", "2"],
    ["project", "--draws", "20"],
    ["report", "--draws", "20"],
    ["backtest", str(ROOT / "docs" / "examples" / "backtest-isk-2019.yaml")],
    ["sensitivity", "--draws", "8"],
    ["discover", "--draws", "400", "--threshold", "2500"],
    ["model", "show", "total_fighters"],
    ["evidence", "list"],
    ["evidence", "unused"],
]


@pytest.mark.slow
def test_every_command_runs_on_another_python(tmp_path):
    if UV is None:
        pytest.skip("uv is not installed (it comes with prospects[dev])")
    python = other_python()
    if python is None:
        pytest.skip("no Python 3.11+ other than this one on the machine")
    prospects = venv_for(python) / "bin" / "prospects"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PROSPECTS_OUT"] = str(tmp_path / "out")
    for args in COMMANDS:
        done = subprocess.run([str(prospects), *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"prospects {' '.join(args)}:\n{done.stderr[-2000:]}"
        assert "Traceback" not in done.stderr
    for name in ("prior.nc", "posterior.nc", "projection.nc", "report.html", "backtest.csv",
                 "sensitivity.csv", "discovery-box.csv"):
        assert (tmp_path / "out" / f"isk-{name}").is_file(), name
    _dashboard_serves(prospects, env, tmp_path)


def _dashboard_serves(prospects: Path, env: dict, cwd: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(prospects), "dashboard", "--port", str(port)], cwd=cwd,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as answer:
                    assert answer.read().strip() == b"ok"
                    return
            except OSError:
                time.sleep(0.5)
        pytest.fail("the dashboard did not answer within 90 s")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
