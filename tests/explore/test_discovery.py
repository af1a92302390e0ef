"""Scenario discovery: PRIM boxes around the draws where the group collapses."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from prospects.cli import app
from prospects.evidence import EvidenceError
from prospects.explore.discovery import discover, prim_box
from prospects.explore.factors import factors
from prospects.system import load_system


@pytest.fixture(scope="module")
def isk():
    return load_system("isk")


def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.random(2000), "b": rng.random(2000), "c": rng.random(2000)})
    y = (x.a < 0.3) & (x.b > 0.5)
    found = prim_box(x, y.to_numpy(), min_coverage=0.8)
    limits = found.limits.set_index("factor")
    assert set(limits.index) >= {"a", "b"} and "c" not in limits.index
    assert limits.loc["a", "high"] == pytest.approx(0.3, abs=0.05)
    assert limits.loc["b", "low"] == pytest.approx(0.5, abs=0.05)
    assert found.density > 0.8 and found.coverage >= 0.8
    assert found.base_rate == pytest.approx(float(y.mean()))


@pytest.fixture(scope="module")
def isk_box(isk):
    return discover(isk, threshold=2000, when="2021-06", n=1500, seed=0)


def test_prim_on_isk_finds_a_box_denser_than_the_base_rate(isk, isk_box):
    found = isk_box
    assert 0 < found.coverage <= 1 and 0 < found.density <= 1
    assert found.density > found.base_rate + 0.05
    assert found.coverage >= 0.5  # the chosen box keeps at least half of the collapses
    assert found.draws == 1500 and 0 < found.collapses < 1500
    names = {f.name for f in factors(isk)}
    assert len(found.limits) > 0 and set(found.limits.factor) <= names
    lim = found.limits
    assert (lim.full_low <= lim.low).all() and (lim.low <= lim.high).all()
    assert (lim.high <= lim.full_high).all()
    assert ((lim.low > lim.full_low) | (lim.high < lim.full_high)).all()
    chosen = found.trajectory.iloc[found.chosen]
    assert chosen.coverage == found.coverage and chosen.density == found.density
    assert found.trajectory.coverage.is_monotonic_decreasing


def test_a_higher_threshold_means_more_collapses(isk, isk_box):
    higher = discover(isk, threshold=4000, when="2021-06", n=1500, seed=0)
    assert higher.base_rate > isk_box.base_rate


@pytest.mark.parametrize("kwargs, message", [
    ({"threshold": 0}, "positive"),
    ({"threshold": -5}, "positive"),
    ({"n": 10}, "at least 100"),
    ({"when": "2014-06"}, "outside the run"),
    ({"threshold": 1e-6}, "0 of"),  # nobody collapses: nothing to discover
])
def test_bad_input_is_refused(isk, kwargs, message):
    with pytest.raises(EvidenceError, match=message):
        discover(isk, **{"n": 300, **kwargs})


runner = CliRunner()


def test_cli_prints_the_box_and_writes_the_csvs(tmp_path):
    result = runner.invoke(app, ["discover", "--draws", "800", "--threshold", "2500",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "coverage" in result.output and "density" in result.output
    box = pd.read_csv(tmp_path / "isk-discovery-box.csv")
    assert {"factor", "low", "high", "coverage", "density"} <= set(box.columns)
    assert len(box) > 0 and box.density.iloc[0] > box.base_rate.iloc[0]
    trajectory = pd.read_csv(tmp_path / "isk-discovery-trajectory.csv")
    assert trajectory.chosen.sum() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["isk-discovery-box.csv",
                                                          "isk-discovery-trajectory.csv"]


@pytest.mark.parametrize("args", [["--threshold", "0"], ["--threshold", "-1"],
                                  ["--date", "2022-06"], ["--draws", "5"]])
def test_cli_bad_input_exits_1_and_writes_nothing(tmp_path, args):
    out = tmp_path / "out"
    result = runner.invoke(app, ["discover", "--out", str(out), *args])
    assert result.exit_code == 1
    assert "error:" in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()
