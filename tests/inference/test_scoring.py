"""Scoring every kind of observation: events (Brier, log score, reliability), self-report
bias applied to figures of the same kind, the climatology baseline, the evidence after an
as-of date, and skill by group."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from prospects.engine.sampling import sample
from prospects.evidence import EvidenceError
from prospects.inference.backtest import (
    backtest,
    lead_band,
    read_backtest,
    reliability,
    score,
    skill,
)
from prospects.inference.likelihood import build_targets
from prospects.projection import project
from prospects.system import load_system

TOY = Path(__file__).parent.parent / "fixtures" / "toy"
DRIFT = Path(__file__).parent.parent / "fixtures" / "drift"
SOURCE = {"id": "toy-later", "title": "A made-up later report", "publisher": "tests",
          "date": "2020-02", "kind": "report", "reliability": "C"}


def claim(cid, period, **quantity):
    out = {"id": cid, "source": "toy-later", "locator": "p. 1", "text": "A later figure.",
           "asserted_by": "group", "credibility": 3, "period": period}
    if quantity:
        out["quantity"] = {"unit": "person", "measures": "fighters", **quantity}
    return out


OBSERVATIONS = [
    {"id": "strength-late-2019", "claim": "strength-late-2019", "variable": "fighters",
     "likelihood": "soft_interval", "bias": "inflation"},
    {"id": "fell-below-1400", "claim": "dip-2019", "variable": "fighters",
     "likelihood": "event_by", "threshold": 1400},
    {"id": "never-below-900", "claim": "dip-2019", "variable": "fighters",
     "likelihood": "event_by", "threshold": 900, "happened": False},
    {"id": "at-most-3000", "claim": "dip-2019", "variable": "fighters",
     "likelihood": "at_most", "high": 3000},
    {"id": "at-least-1200", "claim": "dip-2019", "variable": "fighters",
     "likelihood": "at_least", "low": 1200},
]


def later_file(tmp_path, observations=OBSERVATIONS):
    data = {"sources": [SOURCE],
            "claims": [claim("strength-late-2019", "late 2019", low=1300, high=1700),
                       claim("dip-2019", "2019")],
            "observations": observations}
    path = tmp_path / "later.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def toy():
    return load_system(TOY)


@pytest.fixture(scope="module")
def prior_projection(toy):
    return project(toy, None, ["status-quo"], draws=400, seed=3)


def values_of(system, bt, projection, oid):
    target = next(t for t in build_targets(system, bt.observations, bt.evidence.claims)
                  if t.id == oid)
    one = projection.sel(scenario="status-quo")
    array = one[target.variable].transpose("draw", "time").to_numpy().astype(float)
    return target, target.reduce(array, (), {})


def test_events_get_brier_and_log_scores_of_the_share_of_draws(tmp_path, toy,
                                                               prior_projection):
    bt = read_backtest(later_file(tmp_path), toy)
    table = score(toy, bt, prior_projection).table.set_index("id")
    target, values = values_of(toy, bt, prior_projection, "fell-below-1400")
    p = float((values <= 1400).mean())
    assert 0 < p < 1
    row = table.loc["fell-below-1400"]
    assert row["p"] == pytest.approx(p) and row["observed"] == 1.0
    assert row["brier"] == pytest.approx((p - 1) ** 2)
    assert row["log_p"] == pytest.approx(math.log(p))
    # happened: false: p is still that of the crossing, the outcome 0
    _, values = values_of(toy, bt, prior_projection, "never-below-900")
    p900 = float((values <= 900).mean())
    row = table.loc["never-below-900"]
    assert row["p"] == pytest.approx(p900) and row["observed"] == 0.0
    assert row["brier"] == pytest.approx(p900 ** 2)
    assert row["log_p"] == pytest.approx(math.log(max(1 - p900, 1 / 800)))
    # a bound is met where the period's mean value is within it
    for oid, kind, met in (("at-most-3000", "at_most", lambda v: v <= 3000),
                           ("at-least-1200", "at_least", lambda v: v >= 1200)):
        _, values = values_of(toy, bt, prior_projection, oid)
        p = float(met(values).mean())
        assert 0 < p < 1, oid
        row = table.loc[oid]
        assert row["kind"] == kind and row["observed"] == 1.0
        assert row["p"] == pytest.approx(p) and row["brier"] == pytest.approx((p - 1) ** 2)
        assert row["log_p"] == pytest.approx(math.log(p))
    sr = pytest.importorskip("scoringrules")
    for oid in ("fell-below-1400", "never-below-900"):
        row = table.loc[oid]
        assert row["brier"] == pytest.approx(float(sr.brier_score(row["observed"], row["p"])))
        # log p: higher is better, the negative of scoringrules' (negatively oriented) one
        assert row["log_p"] == pytest.approx(-float(sr.log_score(row["observed"], row["p"])))
    assert math.isnan(table.loc["fell-below-1400", "crps"])
    # a projection from the priors with the same seed is its own climatology
    assert row["p_climatology"] == pytest.approx(row["p"])
    summary = score(toy, bt, prior_projection).summary
    assert summary["events"] == 4 and summary["figures"] == 1
    assert summary["event_baselines"]["climatology"]["model_better"] == 0


def test_a_self_reported_figure_is_scored_against_the_model_times_its_bias(tmp_path, toy,
                                                                          prior_projection):
    bt = read_backtest(later_file(tmp_path), toy)
    row = score(toy, bt, prior_projection).table.set_index("id").loc["strength-late-2019"]
    _, raw = values_of(toy, bt, prior_projection, "strength-late-2019")
    inflation = sample({"inflation": toy.evidence.parameters["inflation"].prior}, 400,
                       seed=3)["inflation"]
    assert row["median"] == pytest.approx(np.median(raw * inflation), rel=1e-6)
    assert row["median"] != pytest.approx(np.median(raw), rel=1e-4)
    assert row["crps_climatology"] == pytest.approx(row["crps"])


def test_a_calibrated_projection_needs_its_posterior_for_the_bias(tmp_path, toy,
                                                                  prior_projection):
    bt = read_backtest(later_file(tmp_path), toy)
    calibrated = prior_projection.assign_attrs(calibrated=1)
    with pytest.raises(EvidenceError, match="give it \\(--posterior\\)"):
        score(toy, bt, calibrated, climatology=False)


def test_reliability_bins_events_once_there_are_enough(tmp_path, toy, prior_projection):
    thresholds = [1000 + 100 * k for k in range(12)]
    many = [{"id": f"below-{t}", "claim": "dip-2019", "variable": "fighters",
             "likelihood": "event_by", "threshold": t, "happened": t >= 1500}
            for t in thresholds]
    bt = read_backtest(later_file(tmp_path, many), toy)
    table = score(toy, bt, prior_projection, climatology=False).table
    bins = reliability(table)
    assert bins["events"].sum() == 12 and len(bins) == 5
    filled = bins[bins["events"] > 0]
    assert ((filled["mean_p"] >= filled["from"]) & (filled["mean_p"] <= filled["to"])).all()
    assert set(filled["happened"].dropna()) <= set(np.linspace(0, 1, 13))
    assert reliability(table.head(9)) is None


def test_without_a_file_the_evidence_after_the_as_of_date_is_scored(tmp_path):
    folder = tmp_path / "later"
    folder.mkdir()
    source = {**SOURCE, "date": "2017-01"}
    claims = [claim("level-2017", "2017", low=100, high=200), claim("level-2016", "2016",
                                                                   value=150)]
    observations = [{"id": f"{c['id']}-obs", "claim": c["id"], "variable": "level",
                     "likelihood": "normal", "bias": "inflation"} for c in claims]
    for section, entries in (("sources", [source]), ("claims", claims),
                             ("observations", observations)):
        (folder / f"{section}.yaml").write_text(yaml.safe_dump(entries))
    system = load_system(DRIFT, [folder], as_of="2016-12")
    assert set(system.later()) == {"level-2017-obs", "level-2016-obs"}
    assert not system.evidence.observations
    projection = project(system, None, ["status-quo"], draws=100)
    assert projection.attrs["as_of"] == "2016-12"
    with pytest.raises(EvidenceError, match="later/observations.yaml: entry 'level-2016-obs' "
                       "field 'period': '2016' ends before the projection starts"):
        backtest(system, None, projection)
    (folder / "observations.yaml").write_text(yaml.safe_dump(observations[:1]))
    result = backtest(load_system(DRIFT, [folder], as_of="2016-12"), None, projection)
    assert list(result.table["id"]) == ["level-2017-obs"]
    assert result.table["lead"].iloc[0] == 11  # December 2017, from January 2017
    with pytest.raises(EvidenceError, match="no observation of system 'drift' comes from a "
                       "source published after 2017-01"):
        backtest(load_system(DRIFT, [folder], as_of="2017-01"), None,
                 projection.assign_attrs(as_of="2017-01"))
    with pytest.raises(EvidenceError, match="the projection is as of 2016-12"):
        file = tmp_path / "drift-later.yaml"
        file.write_text(yaml.safe_dump({"sources": [source], "claims": claims[:1],
                                        "observations": observations[:1]}))
        backtest(load_system(DRIFT), file, projection)


def test_skill_per_group_against_climatology():
    table = pd.DataFrame({
        "vintage": ["a", "a", "b", "b"], "kind": ["interval", "event_by"] * 2,
        "crps": [2.0, np.nan, 1.0, np.nan], "crps_climatology": [4.0, np.nan, 4.0, np.nan],
        "in90": [True, np.nan, False, np.nan], "brier": [np.nan, 0.25, np.nan, 0.04],
        "brier_climatology": [np.nan, 0.25, np.nan, 0.25]})
    out = skill(table, ["vintage"]).set_index("vintage")
    assert out.loc["a", "crps_skill"] == pytest.approx(0.5)
    assert out.loc["b", "crps_skill"] == pytest.approx(0.75)
    assert out.loc["b", "brier_skill"] == pytest.approx(1 - 0.04 / 0.25)
    assert out.loc["a", "coverage_90"] == 1.0
    assert [lead_band(m) for m in (-1, 0, 11.5, 12, 30)] == [
        "0-12 months", "0-12 months", "0-12 months", "12-24 months", "24-36 months"]


def test_the_cli_prints_the_reliability_table_once_there_are_enough_events(tmp_path, toy,
                                                                          prior_projection):
    from typer.testing import CliRunner

    from prospects.cli import app
    from prospects.files import write_netcdf

    projection = tmp_path / "toy-projection.nc"
    write_netcdf(projection, prior_projection, toy)
    many = [{"id": f"below-{t}", "claim": "dip-2019", "variable": "fighters",
             "likelihood": "event_by", "threshold": t, "happened": t >= 1500}
            for t in range(1000, 2200, 100)]
    outputs = []
    for observations in (many, many[:9]):
        result = CliRunner().invoke(app, [
            "backtest", str(later_file(tmp_path, observations)), "-s", str(TOY),
            "--projection", str(projection), "--out", str(tmp_path / "out")],
            env={"COLUMNS": "160"})
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "Reliability of the events' probabilities" in outputs[0]
    assert "share happened" in outputs[0]
    assert "Reliability" not in outputs[1]  # nine events are too few
