"""Every command on every kind of system: the built-in IS-K, the textbook guerrilla example
and the one-stock toy. Small budgets; each step asserts what it printed or wrote."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from prospects.cli import app
from prospects.system import load_system

ROOT = Path(__file__).resolve().parents[2]
#: (system, backtest file, a claim, a variable to show)
SYSTEMS = {
    "isk": ("isk", ROOT / "docs/examples/backtest-isk-2019.yaml", "members-2017-10-12k",
            "desertion"),
    "guerrilla": (str(ROOT / "examples/guerrilla"),
                  ROOT / "tests/fixtures/backtests/guerrilla.yaml", "deitchman-area-fire",
                  "area_fire_losses"),
    "toy": (str(ROOT / "tests/fixtures/toy"), ROOT / "tests/fixtures/backtests/toy.yaml",
            "strength-2017", "losses"),
}
runner = CliRunner()


def ok(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module", params=list(SYSTEMS))
def session(request, tmp_path_factory):
    """One analyst's session on a system, run once: (system, spec, out folder, outputs)."""
    spec, backtest, _, _ = SYSTEMS[request.param]
    system = load_system(spec)
    out = tmp_path_factory.mktemp(request.param) / "out"
    common = ("--system", spec, "--out", out)
    printed = {
        "run": ok("run", *common, "--draws", 200),
        # IS-K's 51 parameters need 600 particles for every observation to be met at all
        "calibrate": ok("calibrate", *common, "--particles", 600, "--steps", 2),
        "project": ok("project", *common, "--draws", 100),
        "backtest": ok("backtest", backtest, *common),
        "sensitivity": ok("sensitivity", *common, "--draws", 8),
        "discover": ok("discover", *common, "--draws", 200),
        "report": ok("report", *common, "--draws", 40),
    }
    return system, spec, out, printed


def test_run_summarises_the_headline_outputs(session):
    system, _, out, printed = session
    for when in system.outlook.summary_dates:
        assert when in printed["run"]
    for output in system.outlook.headline:
        assert output.label in printed["run"]
    ds = xr.open_dataset(out / f"{system.name}-prior.nc")
    assert ds.sizes["draw"] == 200 and set(system.outlook.kept) <= set(ds.data_vars)
    assert "<svg" in (out / f"{system.name}-summary.html").read_text()


def test_calibrate_writes_a_posterior_that_project_uses(session):
    system, _, out, printed = session
    assert "log evidence" in printed["calibrate"]
    assert (out / f"{system.name}-posterior.nc").is_file()
    assert "no posterior found" not in printed["project"]
    ds = xr.open_dataset(out / f"{system.name}-projection.nc")
    assert ds.attrs["calibrated"] == 1
    assert list(ds.scenario.values) == list(system.scenarios)
    assert ds.attrs["projection_start"] == system.outlook.projection_start
    for outcome in system.outlook.outcomes:
        assert f"{outcome.short}: {outcome.label}" in printed["project"]


def test_backtest_scores_every_observation(session):
    system, _, out, printed = session
    table = pd.read_csv(out / f"{system.name}-backtest.csv")
    assert len(table) >= 1 and table["crps"].notna().all()
    assert "coverage: 50% interval" in printed["backtest"]
    assert f"backtest of '{system.outlook.status_quo}'" in printed["backtest"]


def test_sensitivity_and_discovery_read_the_outlook(session):
    system, _, out, printed = session
    table = pd.read_csv(out / f"{system.name}-sensitivity.csv")
    assert set(table.outcome) == ({o.variable for o in system.outlook.headline}
                                  | {o.id for o in system.outlook.outcomes})
    assert table[["S1", "ST"]].notna().all().all()
    for output in system.outlook.headline:
        assert f"{output.label} at {system.outlook.horizon}: Sobol' indices" in printed[
            "sensitivity"]
    assert f"Collapse ({system.outlook.collapse.label} <" in printed["discover"]
    assert "draws collapse" in printed["discover"]
    assert len(pd.read_csv(out / f"{system.name}-discovery-trajectory.csv")) >= 1


def test_report_shows_the_outlook_and_the_why_panels(session):
    system, _, out, _ = session
    page = (out / f"{system.name}-report.html").read_text()
    for anchor in ("answer", "projections", "drivers", "why", "fit"):
        assert f"<section id='{anchor}'>" in page
    for outcome in system.outlook.outcomes:
        assert html.escape(outcome.label) in page
    for output in system.outlook.outputs:
        if output.chart:
            assert output.label in page
    levers = sum(s.kind == "lever" for s in system.scenarios.values())
    assert page.count("<div class='why'>") == len(system.outlook.why.stocks) * (
        len(system.outlook.why.windows) + (levers if system.outlook.status_quo else 0))
    flow = system.model.stocks[0].outflows[0]
    assert flow.label in page  # flows are shown by their labels
    assert "Calibration has not been run" not in page


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_browsing_the_model_and_evidence(name):
    spec, _, claim, variable = SYSTEMS[name]
    shown = ok("model", "show", variable, "--system", spec)
    assert shown.startswith(variable) and "\n  = " in shown
    listed = ok("evidence", "list", "--system", spec)
    assert claim in listed
    one = ok("evidence", "show", claim, "--system", spec)
    assert "used by:" in one and "nothing" not in one.split("used by:")[1]
    assert ok("evidence", "unused", "--system", spec).strip() == ""


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_the_dashboard_page_builds(name, monkeypatch):
    from streamlit.testing.v1 import AppTest

    spec = SYSTEMS[name][0]
    monkeypatch.setenv("PROSPECTS_SYSTEM", spec)
    monkeypatch.delenv("PROSPECTS_POSTERIOR", raising=False)
    page = AppTest.from_file(str(ROOT / "src/prospects/present/dashboard.py"),
                             default_timeout=120)
    page.run()
    assert not page.exception
    outlook = load_system(spec).outlook
    captions = [c.value.replace("\\", "") for c in page.caption]
    for output in outlook.headline:
        assert any(c.startswith(f"median {output.label} {outlook.horizon}: ") for c in captions)
    controls = [s.label.replace("\\", "") for s in page.slider] + [
        t.label.replace("\\", "") for t in page.toggle]
    for lever in outlook.levers:
        assert lever.label in controls


def test_vintages_on_a_second_system(tmp_path):
    """`vintages` on the textbook system (IS-K's vintages run in tests/inference)."""
    spec = SYSTEMS["guerrilla"][0]
    printed = ok("vintages", "--system", spec, "--as-of", "2007", "--as-of", "2010",
                 "--particles", 200, "--steps", 2, "--draws", 50, "--out", tmp_path)
    assert "as of 2007" in printed and "as of 2010" in printed
    ds = xr.open_dataset(tmp_path / "guerrilla-vintages.nc")
    assert ds.sizes["vintage"] == 2
