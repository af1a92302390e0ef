import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from prospects.cli import app
from prospects.system import BUILTIN

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def system(tmp_path) -> Path:
    copy = tmp_path / "isk-copy"
    shutil.copytree(BUILTIN / "isk", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_help_does_not_load_the_numerical_libraries():
    code = ("import sys, prospects.cli; "
            "print(sorted(m for m in ('numpy', 'xarray', 'scipy', 'pandas', 'pydantic') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_run_prints_the_summary_and_writes_the_ensemble_and_page(tmp_path):
    result = invoke("run", "--draws", 300, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    for date in ("2016-01", "2017-06", "2018-08", "2019-12", "2021-06"):
        assert date in result.output
    ds = xr.open_dataset(tmp_path / "out" / "isk-prior.nc")
    assert ds.sizes["draw"] == 300 and "total_fighters" in ds
    page = (tmp_path / "out" / "isk-summary.html").read_text()
    assert "<svg" in page and "Total fighters" in page


def test_evidence_unused_lists_nothing_for_the_builtin_model():
    result = invoke("evidence", "unused")
    assert result.exit_code == 0 and result.output.strip() == ""


def test_model_show_gives_equation_unit_and_the_claims_behind_a_variable():
    result = invoke("model", "show", "desertion")
    assert result.exit_code == 0, result.output
    assert "= desertion_rate * fighters" in result.output
    assert "person" in result.output and "[members-decline-admitted]" in result.output


def test_evidence_show_lists_where_a_claim_is_used():
    result = invoke("evidence", "show", "members-2017-10-12k")
    assert result.exit_code == 0
    assert "observation:members-2017-plateau" in result.output


def test_an_unused_claim_is_listed(system):
    def add(data):
        data.append({"id": "orphan-claim", "source": "isk-2018", "locator": "para 1",
                     "text": "Something nothing uses.", "asserted_by": "author",
                     "credibility": 3})
    path = system / "claims.yaml"
    data = yaml.safe_load(path.read_text())
    add(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = invoke("evidence", "unused", "--system", system)
    assert result.exit_code == 0 and "orphan-claim" in result.output


@pytest.mark.parametrize("file, change, message", [
    ("claims.yaml", lambda d: d[0].update(source="ghost"),
     "field 'source': unknown source 'ghost'"),
    ("claims.yaml", lambda d: d[0].update(period="the twelfth of never"),
     "field 'period': cannot read the period"),
    ("parameters.yaml", lambda d: d[0].update(prior={"dist": "normal", "mean": 1, "sd": -1}),
     "field 'prior': 'normal' needs sd > 0"),
    ("observations.yaml", lambda d: d[0].update(variable="unicorns"),
     "field 'variable': model 'isk' has no variable 'unicorns'"),
    ("scenarios.yaml", lambda d: d[1]["levers"][0].update(target="no_such_thing"),
     "field 'levers.0'"),
])
def test_bad_input_is_one_line_exit_1_and_writes_nothing(system, tmp_path, file, change,
                                                        message):
    path = system / file
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    result = invoke("run", "--system", system, "--draws", 50, "--out", out)
    assert result.exit_code == 1
    assert message in result.output
    assert file in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_dashboard_refuses_a_file_that_is_not_a_posterior_before_serving(tmp_path):
    bad = tmp_path / "not-a-posterior.nc"
    xr.Dataset({"x": ("a", [1.0])}).to_netcdf(bad)
    result = invoke("dashboard", "--posterior", bad)
    assert result.exit_code == 1 and "not-a-posterior.nc" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_dashboard_refuses_a_vintages_file_of_another_system_before_serving(tmp_path):
    bad = tmp_path / "drift-vintages.nc"
    xr.Dataset({"outcome_p": (("vintage", "scenario", "outcome"), [[[0.5]], [[0.6]]])},
               coords={"vintage": ["2016-12", "2017-12"]},
               attrs={"system": "drift"}).to_netcdf(bad)
    result = invoke("dashboard", "--vintages", bad)
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [
        f"error: {bad}: vintages of system 'drift', not 'isk' (run `prospects vintages` for "
        "it)"]
