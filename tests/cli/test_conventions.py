"""What users expect of any command line: version, completion, quiet and verbose, option
names and environment variables shared by every command, and optional parts named."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import prospects
from prospects.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def invoke(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


def test_version_is_the_package_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"prospects {prospects.__version__}"


def test_shell_completion_is_offered():
    assert "--install-completion" in invoke("--help").output


@pytest.mark.parametrize("command", ["run", "project", "sensitivity", "discover"])
def test_draws_cluster_and_out_have_one_name_everywhere(command):
    text = invoke(command, "--help", env={"COLUMNS": "300"}).output
    for option in ("--draws", "--cluster", "--out", "PROSPECTS_OUT", "PROSPECTS_CLUSTER"):
        assert option in text


def test_out_folder_from_the_environment(tmp_path):
    result = invoke("run", "--draws", 20, env={"PROSPECTS_OUT": str(tmp_path / "here")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "here" / "isk-prior.nc").is_file()


def test_quiet_drops_notes_and_verbose_adds_sizes_and_time(tmp_path):
    normal = invoke("run", "--draws", 20, "--out", tmp_path)
    quiet = invoke("-q", "run", "--draws", 20, "--out", tmp_path)
    verbose = invoke("-v", "run", "--draws", 20, "--out", tmp_path)
    assert "wrote" in normal.output and "MB)" not in normal.output
    assert "wrote" not in quiet.output and "prior-predictive ensemble" not in quiet.output
    assert "fighters" in quiet.output.lower()  # the results stay
    assert "MB)" in verbose.output and "done in" in verbose.output


@pytest.mark.parametrize(("modules", "args", "extra"), [
    (["ema_workbench", "ema_workbench.analysis", "ema_workbench.analysis.prim"],
     ["discover", "--draws", 100], "discover"),
    (["streamlit"], ["dashboard"], "dashboard"),
    (["distributed"], ["run", "--draws", 20, "--cluster", "tcp://127.0.0.1:1"], "cluster"),
])
def test_a_missing_extra_is_named_in_one_line(monkeypatch, tmp_path, modules, args, extra):
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    result = invoke(*args, "--out", tmp_path) if args[0] != "dashboard" else invoke(*args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert f"pip install 'prospects[{extra}]'" in lines[-1]
    assert "Traceback" not in result.output
    assert "ensemble" not in result.output  # said before any work


def test_cluster_address_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = invoke("run", "--draws", 20, "--out", tmp_path,
                    env={"PROSPECTS_CLUSTER": "tcp://127.0.0.1:1"})
    assert result.exit_code == 1 and "prospects[cluster]" in result.output


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "prospects", "--version"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"prospects {prospects.__version__}"


#: run in a fresh Python in which no extra can be imported, as on a default install
_WITHOUT_EXTRAS = """
import sys
from pathlib import Path
from importlib.abc import MetaPathFinder

class NoExtras(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {extras}:
            raise ModuleNotFoundError(f"No module named {{name!r}}")

sys.meta_path.insert(0, NoExtras())
from prospects.cli import app
app(prog_name="prospects")
"""


def test_default_commands_need_no_extra(tmp_path):
    from prospects.extras import EXTRAS

    code = _WITHOUT_EXTRAS.format(extras=set(EXTRAS))
    toy = ROOT / "tests" / "fixtures" / "toy"
    for args in (["run", "--draws", 20], ["calibrate", "--particles", 100, "--steps", 1],
                 ["project", "--draws", 20], ["report", "--draws", 20],
                 ["backtest", toy.parent / "backtests" / "toy.yaml"]):
        done = subprocess.run([sys.executable, "-c", code, *map(str, args), "--system",
                               str(toy), "--out", str(tmp_path)],
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{args[0]}: {done.stderr[-1500:]}"
    assert (tmp_path / "toy-report.html").is_file()
    blocked = subprocess.run([sys.executable, "-c", code, "discover", "--system", str(toy),
                              "--out", str(tmp_path)], capture_output=True, text=True)
    assert blocked.returncode == 1 and "prospects[discover]" in blocked.stderr + blocked.stdout
