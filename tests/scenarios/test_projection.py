import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from prospects.analysis import probability
from prospects.cli import app
from prospects.evidence import EvidenceError
from prospects.projection import outcome_table, project, scenario_events
from prospects.system import load_system


@pytest.fixture(scope="module")
def isk():
    return load_system("isk")


@pytest.fixture(scope="module")
def projection(isk):
    return project(isk, None, ["status-quo", "sanctuary-ends", "us-strike-surge"], draws=300,
                   seed=4)


def test_scenarios_share_draws_so_differences_are_paired(projection):
    before = projection.sel(time=slice(None, "2018-12"))["total_fighters"]
    status_quo, no_haven = before.sel(scenario="status-quo"), before.sel(scenario="sanctuary-ends")
    assert np.array_equal(status_quo.values, no_haven.values)
    after = projection["total_fighters"].sel(time="2021-06")
    assert not np.allclose(after.sel(scenario="status-quo"), after.sel(scenario="sanctuary-ends"))


def test_us_strike_surge_lowers_leadership_on_the_same_draws(projection):
    leadership = projection["leadership"].sel(time="2020-12")
    surge = leadership.sel(scenario="us-strike-surge").values
    base = leadership.sel(scenario="status-quo").values
    assert (surge <= base + 1e-6).mean() > 0.95 and surge.mean() < base.mean()


def test_outcome_probabilities_with_monte_carlo_error(isk, projection):
    ids = ["status-quo", "sanctuary-ends", "us-strike-surge"]
    table = outcome_table(isk, scenario_events(projection, isk.outlook.outcomes), ids)
    assert list(table.columns) == ["scenario", "kind", "outcome", "label", "p", "se", "diff",
                                   "diff_se"]
    assert list(dict.fromkeys(table.scenario)) == ids
    assert ((table.p >= 0) & (table.p <= 1)).all()
    assert np.allclose(table.se, np.sqrt(table.p * (1 - table.p) / 300))
    p = table.pivot(index="scenario", columns="outcome", values="p")
    below2k, below4k = (p[o.id] for o in isk.outlook.outcomes[4:6])
    assert (below2k <= below4k).all()  # fewer than 2,000 implies fewer than 4,000


def test_paired_differences_from_the_status_quo(isk, projection):
    ids = ["status-quo", "sanctuary-ends", "us-strike-surge"]
    table = outcome_table(isk, scenario_events(projection, isk.outlook.outcomes), ids)
    outcome = isk.outlook.outcomes[4]
    base = outcome.test(projection.sel(scenario="status-quo")).values.astype(float)
    surge = outcome.test(projection.sel(scenario="us-strike-surge")).values.astype(float)
    row = table[(table.scenario == "us-strike-surge") & (table.outcome == outcome.id)].iloc[0]
    assert row["diff"] == pytest.approx(surge.mean() - base.mean())
    assert row.diff_se == pytest.approx(np.std(surge - base, ddof=1) / np.sqrt(300))
    # pairing: the paired s.e. is below the unpaired one when the two agree on most draws
    assert row.diff_se < np.sqrt(row.se**2 + table.se[(table.scenario == "status-quo") &
                                                       (table.outcome == outcome.id)].iloc[0]**2)
    status_quo = table[table.scenario == "status-quo"]
    assert (status_quo["diff"] == 0).all() and (status_quo.diff_se == 0).all()
    assert status_quo.kind.iloc[0] == "baseline"


def test_without_the_status_quo_there_are_no_differences(isk, projection):
    one = projection.sel(scenario=["sanctuary-ends"])
    table = outcome_table(isk, scenario_events(one, isk.outlook.outcomes), ["sanctuary-ends"])
    assert "diff" not in table and len(table) == len(isk.outlook.outcomes)


def test_probability_and_its_standard_error():
    p, se = probability(xr.DataArray([True, False, False, True], dims="draw"))
    assert p == 0.5 and se == pytest.approx(0.25)


def test_same_seed_same_projection(isk):
    a = project(isk, None, ["status-quo"], draws=50, seed=9)
    b = project(isk, None, ["status-quo"], draws=50, seed=9)
    assert a.identical(b)


def test_the_stack_holds_each_scenario_run_cast_to_float32(isk, projection):
    from prospects.engine import simulate
    from prospects.inference.posterior import parameter_sources

    run = simulate(isk.model, draws=300, priors=parameter_sources(isk, None), seed=4,
                   interventions=isk.scenarios["sanctuary-ends"].interventions(),
                   outputs=isk.outlook.kept)
    stacked = projection.sel(scenario="sanctuary-ends")
    for name in ("total_fighters", "fighters", "activity", "cash"):
        assert stacked[name].dims == run[name].dims
        assert np.array_equal(stacked[name].values, run[name].values.astype("float32"))
    assert projection["fighters"].dims == ("scenario", "draw", "time", "base")


def test_events_of_all_scenarios_at_once_are_those_of_each(isk, projection):
    from prospects.system.outlook import events

    together = scenario_events(projection, isk.outlook.outcomes)
    for k, sid in enumerate(projection.scenario.values):
        assert np.array_equal(together[k], events(projection.sel(scenario=sid),
                                                  isk.outlook.outcomes))
    assert together.any() and not together.all()


def test_unknown_scenario_is_refused(isk):
    with pytest.raises(EvidenceError, match="unknown scenario.*no-such-thing"):
        project(isk, None, ["no-such-thing"], draws=10)


def test_project_cli_writes_netcdf_and_prints_the_comparison(tmp_path):
    result = CliRunner().invoke(app, ["project", "--draws", "100", "--scenario", "status-quo",
                                      "--scenario", "gulf-donations-cut",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "gulf-donations-cut" in result.output and "<2k 2021" in result.output
    ds = xr.open_dataset(tmp_path / "isk-projection.nc")
    assert list(ds.scenario.values) == ["status-quo", "gulf-donations-cut"]
    assert ds.sizes["draw"] == 100


def test_project_cli_writes_the_outcome_table_to_csv_and_netcdf(isk, tmp_path):
    import pandas as pd

    ids = ["status-quo", "renewed-ceasefire"]
    result = CliRunner().invoke(app, ["project", "--draws", "60", "--seed", "3", "--scenario",
                                      ids[0], "--scenario", ids[1], "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "isk-outcomes.csv")
    expected = outcome_table(isk, scenario_events(project(isk, None, ids, draws=60, seed=3),
                                                  isk.outlook.outcomes), ids)
    assert list(table.columns) == list(expected.columns)
    assert np.allclose(table[["p", "se", "diff", "diff_se"]], expected[["p", "se", "diff",
                                                                         "diff_se"]])
    for name in ("isk-projection.nc", "isk-projection-quantiles.nc"):
        ds = xr.open_dataset(tmp_path / name)
        assert ds.outcome_diff.dims == ("scenario", "outcome")
        first = isk.outlook.outcomes[0].id
        assert float(ds.outcome_p.sel(scenario=ids[1], outcome=first)) == pytest.approx(
            expected.p[(expected.scenario == ids[1]) & (expected.outcome == first)].iloc[0])
        assert ds.outcome_diff_se.attrs["long_name"].startswith("paired standard error")


def test_project_cli_refuses_a_posterior_of_another_model(tmp_path):
    bad = tmp_path / "other.nc"
    xr.Dataset({"x": ("a", [1.0])}).to_netcdf(bad)
    result = CliRunner().invoke(app, ["project", "--posterior", str(bad), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 1 and "other.nc" in result.output
    assert not (tmp_path / "out").exists()


def test_streamed_summary_agrees_with_the_full_projection(isk):
    from prospects.projection import project_summary, quantiles_of

    ids = ["status-quo", "gulf-donations-cut"]
    full = project(isk, None, ids, draws=400, seed=2)
    quantiles, probs = project_summary(isk, None, ids, draws=400, seed=2)
    # the same paired draws, exact counts
    assert probs.equals(outcome_table(isk, scenario_events(full, isk.outlook.outcomes), ids))
    assert "diff" in probs
    assert quantiles_of(full)["total_fighters"].dims == quantiles["total_fighters"].dims
    # each streamed quantile lies between the order statistics around it, give or take
    # a histogram bin (the pilot range is the first chunk's span widened by half each way)
    ordered = np.sort(full.total_fighters.values, axis=1)  # (scenario, draw, time)
    width = 2 * float(np.ptp(full.total_fighters.values)) / 2048
    for k, q in enumerate(quantiles["quantile"].values):
        lo = ordered[:, max(int(np.floor(q * 399)) - 1, 0)]
        hi = ordered[:, min(int(np.ceil(q * 399)) + 1, 399)]
        streamed = quantiles["total_fighters"].values[:, k]
        assert ((streamed >= lo - width) & (streamed <= hi + width)).all()


def test_project_cli_without_trajectories_writes_only_quantiles(tmp_path):
    result = CliRunner().invoke(app, ["project", "--draws", "100", "--scenario", "status-quo",
                                      "--no-trajectories", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Total fighters (people), median" in result.output
    q = xr.open_dataset(tmp_path / "isk-projection-quantiles.nc")
    assert q.sizes["quantile"] == 5 and "total_fighters" in q
    assert not (tmp_path / "isk-projection.nc").exists()


def test_contradictory_levers_are_refused(tmp_path):
    import shutil

    import yaml

    from prospects.system import BUILTIN

    folder = tmp_path / "isk"
    shutil.copytree(BUILTIN / "isk", folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / "scenarios.yaml"
    data = yaml.safe_load(path.read_text())
    data.append({"id": "contradiction", "name": "Contradiction", "description": "Two sets.",
                 "levers": [{"target": "sanctuary_strength", "set": 0.0, "start": "2019-01"},
                            {"target": "sanctuary_strength", "set": 1.0, "start": "2020-01"}]})
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = CliRunner().invoke(app, ["project", "--system", str(folder), "--draws", "10",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "scenarios.yaml: entry 'contradiction' field 'levers'" in result.output
    assert not (tmp_path / "out").exists()
