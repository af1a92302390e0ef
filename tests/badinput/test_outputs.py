"""A command's outputs stay whole: output paths are checked before any computation, files
are written to temporaries and renamed together, and an error or SIGTERM on the way leaves
the old files as they were and no temporary behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from badcli import fails, invoke

COMMANDS = {
    "run": ("run", "--draws", 20),
    "project": ("project", "--draws", 10),
    "report": ("report",),
    "calibrate": ("calibrate",),
    "sensitivity": ("sensitivity", "--draws", 8),
    "discover": ("discover", "--draws", 100),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_out_that_is_a_file_is_refused_before_computing(work, command):
    (work / "taken").write_text("not a folder")
    start = time.monotonic()
    fails(work, *COMMANDS[command], "--out", work / "taken",
          says=(str(work / "taken"), "is a file, not a folder"))
    assert time.monotonic() - start < 20  # the built-in system loads; nothing is computed


def test_out_under_a_file_is_refused(work):
    (work / "taken").write_text("not a folder")
    fails(work, "run", "--out", work / "taken" / "deeper", says=("is a file, not a folder",))


def test_an_output_that_is_a_folder_is_refused(work):
    (work / "out" / "isk-summary.html").mkdir(parents=True)
    fails(work, "run", "--draws", 20, says=("isk-summary.html: is a folder",))


def test_backtest_checks_its_output_first(isk):
    (isk.parent / "taken").write_text("not a folder")
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "backtest-isk-2019.yaml"
    fails(isk.parent, "backtest", example, "--out", isk.parent / "taken",
          says=("is a file, not a folder",))


def test_a_failed_write_replaces_none_of_the_outputs(work, monkeypatch):
    out = work / "out"
    assert invoke("run", "--draws", 20).exit_code == 0
    import prospects.files

    def broken(text):
        def write(path):
            path.write_text(text[:10])
            raise OSError(28, "No space left on device")
        return write

    monkeypatch.setattr(prospects.files, "text_writer", broken)
    fails(work, "run", "--draws", 30,
          says=("isk-summary.html: cannot write it (No space left on device)",))
    assert sorted(p.name for p in out.iterdir()) == ["isk-prior.nc", "isk-summary.html"]


SLOW_WRITE = """
import sys, time
import prospects.files

def slow(text):
    def write(path):
        path.write_text(text[:10])
        time.sleep(60)
    return write

prospects.files.text_writer = slow
from prospects.cli import app
sys.argv = ["prospects", "run", "--draws", "20"]
app()
"""


def test_sigterm_while_writing_leaves_no_temporary_and_no_output(work):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen([sys.executable, "-c", SLOW_WRITE], cwd=work,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = work / "out"
    deadline = time.monotonic() + 60
    while not list(out.glob(".*.part")) and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    assert list(out.glob(".*.part")), "the write never started"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert b"Traceback" not in stderr
    assert list(out.iterdir()) == []


def test_a_small_ensemble_without_trajectories_gets_exact_quantiles(work):
    import numpy as np
    import xarray as xr

    for flag, out in (("--trajectories", "exact"), ("--no-trajectories", "streamed")):
        result = invoke("project", "--draws", 50, "--scenario", "status-quo", flag,
                        "--out", work / out)
        assert result.exit_code == 0, result.output
    exact = xr.open_dataset(work / "exact" / "isk-projection-quantiles.nc")
    streamed = xr.open_dataset(work / "streamed" / "isk-projection-quantiles.nc")
    for name in ("total_fighters", "cash"):
        np.testing.assert_allclose(streamed[name].values, exact[name].values, rtol=1e-6)
    assert streamed.attrs["method"] == "exact over draws"
