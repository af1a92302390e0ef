"""Vintages on a synthetic truth: draw a truth from the prior, report noisy figures of it
over time as later evidence, and check that the vintages' 90% bands cover the truth at
about the nominal rate and that later vintages forecast better."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from prospects.cli import app
from prospects.evidence import EvidenceError
from prospects.inference.vintages import check_dates, vintages
from prospects.system import load_system

DRIFT = Path(__file__).parent.parent / "fixtures" / "drift"
#: months of the synthetic reports (each published at the end of the month it reports)
REPORTS = ["2015-06", "2016-03", "2016-09", "2017-06", "2018-03", "2018-09"]
DATES = ["2015-12", "2016-12", "2017-12"]
NOISE = 10.0


def month_index(month: str) -> int:
    return (int(month[:4]) - 2015) * 12 + int(month[5:]) - 1


def truth_and_overlay(folder: Path, rng) -> np.ndarray:
    """A truth drawn from the drift system's priors (its level through time), and an
    overlay folder of figures of it with the likelihood's own noise."""
    from prospects.engine import simulate

    system = load_system(DRIFT)
    truth = {n: float(prior.ppf(rng.random())) for n, prior in system.priors.items()}
    level = simulate(system.model, params=truth, outputs=["level"])["level"].values[0]
    sources, claims, observations = [], [], []
    for month in REPORTS:
        figure = float(level[month_index(month)] + rng.normal(0.0, NOISE))
        sources.append({"id": f"report-{month}", "title": "Synthetic report",
                        "publisher": "tests", "date": month, "kind": "report",
                        "reliability": "C"})
        claims.append({"id": f"level-{month}", "source": f"report-{month}", "locator": "p. 1",
                       "text": "A synthetic figure of the level.", "asserted_by": "author",
                       "credibility": 3, "period": month,
                       "quantity": {"value": figure, "unit": "person", "measures": "level"}})
        observations.append({"id": f"level-{month}", "claim": f"level-{month}",
                             "variable": "level", "likelihood": "normal", "scale": NOISE})
    folder.mkdir()
    for name, entries in (("sources", sources), ("claims", claims),
                          ("observations", observations)):
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(entries, sort_keys=False))
    return level


def test_vintages_cover_a_synthetic_truth_and_improve_with_evidence(tmp_path):
    rng = np.random.default_rng(20)
    inside, crps = [], []
    for rep in range(4):
        folder = tmp_path / f"rep{rep}"
        level = truth_and_overlay(folder, rng)
        result = vintages(DRIFT, DATES, [folder], particles=100, runs=2, steps=3, draws=200,
                          seed=rep)
        bands = result.dataset["level"].sel(scenario="status-quo")
        for when in DATES:
            for month in (m for m in REPORTS if m > when):
                at = bands.sel(vintage=when, time=np.datetime64(f"{month}-01", "ns"))
                low, high = float(at.sel(quantile=0.05)), float(at.sel(quantile=0.95))
                inside.append(low <= level[month_index(month)] <= high)
        scores = result.scores
        common = scores[scores["id"].isin([m for m in (f"level-{r}" for r in REPORTS)
                                           if m[6:] > DATES[-1]])]
        crps.append(common.groupby("vintage")["crps"].mean().reindex(DATES).to_numpy())
    # 40 truths: three binomial sd below the nominal 0.9 is 0.76; and not every one
    # inside (0.9 ** 40 < 2%), or bands too wide would pass as well as bands too narrow fail
    coverage = float(np.mean(inside))
    assert len(inside) == 40 and 0.75 <= coverage < 1.0, coverage
    mean_crps = np.mean(crps, axis=0)
    assert mean_crps[0] > mean_crps[1] > mean_crps[2], mean_crps


@pytest.mark.parametrize("dates, message", [
    (["2016-12"], "give at least two dates"),
    (["2016-12", "2016-06"], "the dates must rise; 2016-06 is not after 2016-12"),
    (["2016-12", "2016-12-31"], "2016-12-31 is not after 2016-12"),
    (["2016-12", "2017-02-30"], "'2017-02-30' is not a year, year-month or date"),
])
def test_vintage_dates_must_be_dates_in_rising_order(dates, message):
    with pytest.raises(EvidenceError, match=message):
        check_dates(dates)


@pytest.fixture
def overlay(tmp_path):
    folder = tmp_path / "reports"
    truth_and_overlay(folder, np.random.default_rng(5))
    return folder


def invoke(*args):
    return CliRunner().invoke(app, ["vintages", *map(str, args)], env={"COLUMNS": "160"})


def test_the_command_writes_one_file_with_a_vintage_dimension(tmp_path, overlay):
    listed = tmp_path / "dates.yaml"
    listed.write_text("- 2016-12\n- 2017-12\n")
    out = tmp_path / "out"
    result = invoke("--vintages", listed, "-s", DRIFT, "--evidence", overlay, "--particles",
                    100, "--steps", 3, "--draws", 100, "--out", out)
    assert result.exit_code == 0, result.output
    for text in ("outcome probabilities by vintage", "level above 200", "as of 2017-12",
                 "Headline medians", "level-2017-06", "Skill on the evidence", "12-24 months"):
        assert text in result.output, text
    with xr.open_dataset(out / "drift-vintages.nc") as ds:
        assert list(ds["vintage"].values) == ["2016-12", "2017-12"]
        assert ds["outcome_p"].dims == ("vintage", "scenario", "outcome")
        assert ds["level"].sizes["vintage"] == 2 and "quantile" in ds["level"].dims
        assert list(ds["projection_start"].values) == ["2017-01", "2018-01"]
        change = ds["loglik_change"].sel(vintage="2017-12", new="level-2017-06")
        assert np.isfinite(change) and np.isnan(ds["loglik_change"].sel(vintage="2016-12")).all()
        crps = ds["score_crps"]
        assert crps.dims == ("vintage", "scored")
        assert np.isfinite(crps.sel(vintage="2016-12", scored="level-2017-06"))
        assert np.isnan(crps.sel(vintage="2017-12", scored="level-2017-06"))  # known by then


def test_the_json_tables_carry_revisions_movers_and_scores(tmp_path, overlay):
    import json

    result = invoke("--as-of", "2016-12", "--as-of", "2017-12", "-s", DRIFT, "--evidence",
                    overlay, "--particles", 100, "--steps", 3, "--draws", 100, "--out",
                    tmp_path, "--format", "json")
    assert result.exit_code == 0, result.output
    tables = json.loads(result.stdout)
    outcomes = pd.DataFrame(tables["outcomes"])
    later = outcomes[outcomes["vintage"] == "2017-12"].iloc[0]
    earlier = outcomes[outcomes["vintage"] == "2016-12"].iloc[0]
    assert later["change"] == pytest.approx(later["p"] - earlier["p"])
    headline = pd.DataFrame(tables["headline"]).set_index(["vintage", "output", "date"])
    medians = headline["median"].unstack("vintage")
    changes = headline["change"].unstack("vintage")
    assert len(medians) == 2  # the drift outlook's two projection dates
    assert np.allclose(changes["2017-12"], medians["2017-12"] - medians["2016-12"])
    assert changes["2016-12"].isna().all()
    assert [m["observation"] for m in tables["movers"]] == ["level-2017-06"]
    mover = tables["movers"][0]
    assert mover["change"] == pytest.approx(mover["after"] - mover["before"])
    assert mover["change"] > 0  # the later posterior meets the figure it was given
    assert {r["vintage"] for r in tables["skill"]} == {"2016-12", "2017-12"}


@pytest.mark.parametrize("args, says", [
    (["--as-of", "2014-06", "--as-of", "2016-12"],
     "drift/sources.yaml: entry 'baseline' field 'date': the earliest source is dated "
     "2014-12, after --as-of 2014-06"),
    (["--as-of", "2016-12", "--as-of", "2016-06"], "the dates must rise"),
    (["--as-of", "2015-01", "--as-of", "2016-06"], "no observations"),
    ([], "give the vintages' dates"),
])
def test_bad_vintages_are_one_line_errors_and_write_nothing(tmp_path, overlay, args, says):
    out = tmp_path / "out"
    result = invoke(*args, "-s", DRIFT, "--evidence", overlay, "--particles", 100, "--out", out)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0], result.output
    assert not out.exists()


@pytest.mark.parametrize("listed, says", [
    ("- 2016-12\n- 2017-13\n", "dates.yaml: entry 2 '2017-13' is not a year, year-month or "
     "date"),
    ("- 2017-12\n- 2016-12\n", "dates.yaml: entry 2 the dates must rise; 2016-12 is not "
     "after 2017-12"),
    ("- 2016-12\n", "dates.yaml: give at least two dates"),
    ("dates: 2016-12\n", "dates.yaml: expected a list of as-of dates"),
])
def test_a_bad_file_of_dates_is_named_with_its_entry(tmp_path, overlay, listed, says):
    path = tmp_path / "dates.yaml"
    path.write_text(listed)
    out = tmp_path / "out"
    result = invoke("--vintages", path, "-s", DRIFT, "--evidence", overlay, "--out", out)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path}/{says}"), lines
    assert not out.exists()


def test_the_revision_chart_and_evaluation_table_read_the_file(tmp_path, overlay):
    from prospects.present.revision import evaluation_rows, evaluation_table, revision_chart

    out = tmp_path / "out"
    result = invoke("--as-of", "2016-12", "--as-of", "2017-12", "-s", DRIFT, "--evidence",
                    overlay, "--particles", 100, "--steps", 3, "--draws", 100, "--out", out)
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out / "drift-vintages.nc") as ds:
        chart = revision_chart(ds)
        rows = evaluation_rows(ds)
        html = evaluation_table(ds)
    assert chart.startswith("<svg") and "as of 2017-12" in chart and "level above 200" in chart
    assert [r["vintage"] for r in rows] == ["2016-12", "2017-12"]
    assert rows[0]["figures"] == 3 and rows[1]["figures"] == 2  # reports after each date
    assert 0 < rows[0]["crps_skill"] <= 1
    assert html.count("<tr>") == 3 and "2017-12" in html
