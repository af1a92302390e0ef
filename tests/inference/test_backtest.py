import math

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from prospects.cli import app
from prospects.evidence import EvidenceError
from prospects.files import write_netcdf
from prospects.inference.backtest import (
    COLUMNS,
    baselines,
    crps_ensemble,
    crps_point,
    log_density,
    open_projection,
    read_backtest,
    score,
)
from prospects.inference.likelihood import Target
from prospects.projection import project
from prospects.system import load_system

runner = CliRunner()

LATER_SOURCE = {"id": "later-report", "title": "A later report", "publisher": "test",
                "date": "2021", "kind": "report", "reliability": "C"}


def later_claim(cid, period, **quantity):
    claim = {"id": cid, "source": "later-report", "locator": "p. 1", "text": "A later figure.",
             "asserted_by": "author", "credibility": 3, "actors": ["isk"], "period": period}
    if quantity:
        claim["quantity"] = {"unit": "person", "measures": "fighters", **quantity}
    return claim


def good_file():
    return {
        "sources": [LATER_SOURCE],
        "claims": [later_claim("fighters-2019-later", "2019", low=2500, high=4000),
                   later_claim("fighters-2020-later", "mid 2020", value=2000)],
        "observations": [
            {"id": "fighters-2019", "claim": "fighters-2019-later",
             "variable": "total_fighters", "likelihood": "soft_interval"},
            {"id": "fighters-2020", "claim": "fighters-2020-later",
             "variable": "total_fighters", "likelihood": "interval"},
            {"id": "nangarhar-2020", "claim": "fighters-2020-later", "variable": "control",
             "select": {"base": "Nangarhar"}, "likelihood": "soft_interval",
             "low": 0, "high": 0.2},
        ],
    }


def write(tmp_path, data, name="backtest.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def system():
    return load_system("isk")


@pytest.fixture(scope="module")
def projection_file(tmp_path_factory, system):
    ds = project(system, None, ["status-quo"], draws=200)
    return write_netcdf(tmp_path_factory.mktemp("proj") / "isk-projection.nc", ds, system)


# --- scores -------------------------------------------------------------------------------

def test_crps_of_a_normal_ensemble_matches_the_closed_form():
    draws = np.random.default_rng(1).standard_normal(40_000)
    analytic = 2 * (1 / math.sqrt(2 * math.pi)) - 1 / math.sqrt(math.pi)  # CRPS(N(0,1), 0)
    assert analytic == pytest.approx(0.2337, abs=1e-4)
    assert crps_ensemble(draws, 0.0) == pytest.approx(analytic, abs=0.01)
    # y = 1: sigma * (z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi))
    from scipy.stats import norm
    at_one = 1 * (2 * norm.cdf(1) - 1) + 2 * norm.pdf(1) - 1 / math.sqrt(math.pi)
    assert crps_ensemble(draws, 1.0) == pytest.approx(at_one, abs=0.01)


def test_crps_matches_the_pairwise_definition_and_point_forecasts():
    x = np.random.default_rng(2).gamma(2.0, size=300)
    y = 1.7
    slow = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert crps_ensemble(x, y) == pytest.approx(slow, rel=1e-10)
    assert crps_ensemble(np.full(10, 3.0), 5.0) == pytest.approx(2.0)
    assert crps_point(3.0, 5.0) == 2.0 and math.isnan(crps_point(math.nan, 5.0))


def test_log_density_is_the_kde_density_and_survives_a_degenerate_ensemble():
    from scipy.stats import norm

    draws = np.random.default_rng(3).standard_normal(20_000)
    assert log_density(draws, 0.0) == pytest.approx(norm.logpdf(0.0), abs=0.05)
    same = log_density(np.full(50, 2.0), 2.0)
    assert math.isfinite(same) and same > 0  # a narrow kernel of the floor's width
    assert log_density(np.full(50, 2.0), 3.0) < log_density(np.full(50, 2.0), 2.0)


def target(tid, months, low, high, kind="soft_interval", variable="total_fighters", select=None):
    return Target(tid, variable, np.arange(*months), dict(select or {}), (), "sum", kind,
                  low, high, None)


def test_baselines_from_two_earlier_observations():
    history = [target("a", (24, 36), 10_000, 12_000),       # 2017, midpoint 29.5 -> 11,000
               target("b", (41, 44), 7_000, 9_000),         # summer 2018, midpoint 42 -> 8,000
               target("after", (50, 53), 1, 1),             # after the projection start
               target("other", (41, 44), 5, 5, variable="cash"),
               target("bound", (40, 44), None, 100, kind="at_most")]
    later = target("t", (60, 72), 2500, 4000)             # 2020, midpoint 65.5
    persistence, trend = baselines(later, history, start_index=48)
    assert persistence == 8000
    assert trend == pytest.approx(8000 + (8000 - 11_000) / (42 - 29.5) * (65.5 - 42))
    assert baselines(later, history[:1], 48) == (11_000, pytest.approx(math.nan, nan_ok=True))
    missing = baselines(target("t", (60, 72), 0, 1, variable="control"), history, 48)
    assert all(math.isnan(v) for v in missing)


# --- files and projections ---------------------------------------------------------------

def test_reading_a_backtest_file_takes_its_own_sources_and_claims(tmp_path, system):
    bt = read_backtest(write(tmp_path, good_file()), system)
    assert list(bt.observations) == ["fighters-2019", "fighters-2020", "nangarhar-2020"]
    claims = bt.evidence.claims
    assert "fighters-2019-later" in claims and "members-summer-2018-8k" in claims


@pytest.mark.parametrize("change, entry, field, message", [
    (lambda d: d["observations"][0].update(variable="recruits_per_day"), "fighters-2019",
     "variable", "no variable 'recruits_per_day'"),
    (lambda d: d["observations"][1].update(claim="no-such-claim"), "fighters-2020", "claim",
     "unknown claim 'no-such-claim'"),
    (lambda d: d["observations"][0].update(period="sometime soonish"), "fighters-2019",
     "period", ""),
    (lambda d: d["claims"][0].update(source="nowhere"), "fighters-2019-later", "source",
     "unknown source 'nowhere'"),
    (lambda d: d["observations"][2].update(select={"base": "Kabul"}), "nangarhar-2020",
     "select", "no base 'Kabul'"),
    (lambda d: d["observations"][0].update(id="members-2017-plateau"), "members-2017-plateau",
     "id", "already in "),
    (lambda d: d["observations"][0].update(bias="support_effect"), "fighters-2019",
     "bias", "not a bias term"),
])
def test_bad_entries_name_file_entry_and_field(tmp_path, system, change, entry, field, message):
    data = good_file()
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(EvidenceError) as err:
        read_backtest(path, system)
    assert str(err.value).startswith(f"{path}: entry '{entry}' field '{field}': ")
    assert message in str(err.value)


def test_score_uses_the_projection_and_baselines(tmp_path, system, projection_file):
    bt = read_backtest(write(tmp_path, good_file()), system)
    result = score(system, bt, open_projection(projection_file, system))
    table = result.table
    assert list(table.columns[:len(COLUMNS)]) == COLUMNS
    row = table.set_index("id").loc["fighters-2019"]
    assert row["observed"] == 3250 and row["5%"] < row["median"] < row["95%"]
    assert row["crps"] > 0 and math.isfinite(row["log_density"])
    assert row["crps_persistence"] == pytest.approx(abs(8000 - 3250))  # members-summer-2018
    assert math.isfinite(row["crps_trend"])
    assert table.set_index("id").loc["fighters-2020", "observed_kind"] == "value"
    assert math.isnan(table.set_index("id").loc["nangarhar-2020", "crps_persistence"])
    assert result.summary["baselines"]["persistence"]["rows"] == 2
    assert 0 <= result.summary["coverage_90"] <= 1


def test_a_projection_not_starting_at_the_model_start_is_refused(tmp_path, system,
                                                                 projection_file):
    import xarray as xr

    with xr.open_dataset(projection_file) as ds:
        cut = ds.load().isel(time=slice(12, None))
    path = write_netcdf(tmp_path / "cut.nc", cut, system)
    with pytest.raises(EvidenceError, match="starts at 2016-01"):
        open_projection(path, system)


# --- the command --------------------------------------------------------------------------

def invoke(*args):
    return runner.invoke(app, ["backtest", *map(str, args)], env={"COLUMNS": "200"})


def test_cli_scores_end_to_end_and_writes_the_csv(tmp_path, projection_file):
    path = write(tmp_path, good_file())
    out = tmp_path / "out"
    result = invoke(path, "--projection", projection_file, "--out", out)
    assert result.exit_code == 0, result.output
    for text in ("fighters-2019", "nangarhar-2020", "persistence", "trend", "coverage"):
        assert text in result.output
    table = pd.read_csv(out / "isk-backtest.csv")
    assert list(table["id"]) == ["fighters-2019", "fighters-2020", "nangarhar-2020"]
    assert list(table.columns[:len(COLUMNS)]) == COLUMNS
    assert not list(out.glob(".*.part"))


def test_cli_scores_the_example_file(tmp_path, projection_file):
    from pathlib import Path

    example = Path(__file__).parents[2] / "docs" / "examples" / "backtest-isk-2019.yaml"
    result = invoke(example, "--projection", projection_file, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "isk-backtest.csv")) >= 3


def one_line_error(result, *texts):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    for text in texts:
        assert text in lines[0]


@pytest.mark.parametrize("change, texts", [
    (lambda d: d["observations"][0].update(variable="recruits_per_day"),
     ["entry 'fighters-2019' field 'variable'"]),
    (lambda d: d["observations"][1].update(claim="no-such-claim"),
     ["entry 'fighters-2020' field 'claim'", "no-such-claim"]),
    (lambda d: d["observations"][0].update(variable="foreign_arrivals"),
     ["entry 'fighters-2019' field 'variable'", "not in the projection"]),
    (lambda d: d["observations"][0].update(period="2018"),
     ["entry 'fighters-2019' field 'period'", "before the projection starts"]),
])
def test_cli_bad_entries_exit_1_with_one_line_and_write_nothing(tmp_path, projection_file,
                                                                 change, texts):
    data = good_file()
    change(data)
    path = write(tmp_path, data)
    out = tmp_path / "out"
    result = invoke(path, "--projection", projection_file, "--out", out)
    one_line_error(result, str(path.name), *texts)
    assert not out.exists() or not list(out.iterdir())


def test_cli_missing_projection_exits_1(tmp_path):
    path = write(tmp_path, good_file())
    out = tmp_path / "out"
    result = invoke(path, "--projection", tmp_path / "nope.nc", "--out", out)
    one_line_error(result, "nope.nc", "no such projection file")
    assert not out.exists()


def test_cli_refuses_a_projection_of_another_system(tmp_path, system, projection_file):
    import xarray as xr

    with xr.open_dataset(projection_file) as ds:
        other = ds.load()
    other.attrs["system"] = "another-group"
    wrong = write_netcdf(tmp_path / "other.nc", other, system)
    out = tmp_path / "out"
    result = invoke(write(tmp_path, good_file()), "--projection", wrong, "--out", out)
    one_line_error(result, "other.nc", "'another-group'")
    assert not out.exists()


def test_cli_bad_yaml_and_unknown_scenario(tmp_path, projection_file):
    bad = tmp_path / "bad.yaml"
    bad.write_text("observations: [\n  - id: x\n")
    out = tmp_path / "out"
    one_line_error(invoke(bad, "--projection", projection_file, "--out", out), "bad.yaml",
                   "not valid YAML")
    good = write(tmp_path, good_file())
    one_line_error(invoke(good, "--projection", projection_file, "--out", out,
                          "--scenario", "sanctuary-ends"), "no scenario 'sanctuary-ends'")
    assert not out.exists()


def test_crps_and_log_density_agree_with_scoringrules():
    sr = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(3)
    for y, draws in ((0.4, rng.normal(size=400)), (2500.0, rng.lognormal(8, 0.5, size=300))):
        assert crps_ensemble(draws, y) == pytest.approx(
            float(sr.crps_ensemble(y, draws, estimator="nrg")), rel=1e-9)
    # a log density: higher is better, so it is minus scoringrules' (negatively oriented)
    # log score where both use the same density (a normal of large sample)
    draws = rng.normal(size=20_000)
    assert log_density(draws, 0.5) == pytest.approx(
        -float(sr.logs_normal(0.5, 0.0, 1.0)), abs=0.02)
