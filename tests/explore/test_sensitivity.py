"""Uncertain factors (parameters and lever intensities) and Sobol' sensitivity."""

from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from prospects.cli import app
from prospects.engine import simulate
from prospects.evidence import EvidenceError
from prospects.evidence.priors import Prior
from prospects.explore.factors import EDGE, factors, realise, skipped_scenarios
from prospects.explore.sensitivity import COLUMNS, sobol
from prospects.sd import Model
from prospects.system import load_system
from prospects.system.outlook import Outlook
from prospects.system.scenarios import Lever, Scenario


@pytest.fixture(scope="module")
def isk():
    return load_system("isk")


def toy_system():
    """Recruits driven hard by ``strong``, a little by ``weak``; ``inert`` feeds nothing the
    outcome sees; the "boost" scenario triples recruitment from 2019, "halt" sets ``weak``."""
    m = Model("toy", start="2015-01", stop="2021-12")
    strong = m.param("strong", 1.0, unit="person/month")
    weak = m.param("weak", 1.0, unit="person/month")
    inert = m.param("inert", 1.0, unit="1")
    fighters = m.stock("total_fighters", 100.0, unit="person")
    m.flow("recruits", None, fighters, 10 * strong + weak)
    m.aux("elsewhere", 2 * inert, unit="1", record=True)
    scenarios = {
        "boost": Scenario(id="boost", name="Boost", description="x3 recruits",
                          levers=[Lever(target="recruits", multiply=3.0, start="2019-01")]),
        "halt": Scenario(id="halt", name="Halt", description="weak to 0",
                         levers=[Lever(target="weak", set=0.0, start="2019-01")]),
    }
    priors = {name: Prior(dist="uniform", low=0.0, high=1.0)
              for name in ("strong", "weak", "inert")}
    outlook = Outlook.model_validate({
        "projection_start": "2019-01", "summary_dates": ["2021-06"],
        "projection_dates": ["2021-06"], "horizon": "2021-06",
        "outputs": [{"variable": "total_fighters", "headline": True}],
        "collapse": {"variable": "total_fighters", "below": 50},
        "outcomes": [{"id": "many", "label": "more than 600 fighters", "short": "many",
                      "variable": "total_fighters", "at": "2021-06", "above": 600}]})
    return SimpleNamespace(name="toy", model=m, priors=priors, scenarios=scenarios,
                           outlook=outlook)


def test_factors_are_priors_then_one_lever_per_target_group(isk):
    chosen = factors(isk)
    names = [f.name for f in chosen]
    assert names[:len(isk.priors)] == list(isk.priors)
    levers = [f for f in chosen if f.kind == "lever"]
    targets = [lv.target for f in levers for lv in f.scenario.levers]
    assert len(targets) == len(set(targets))  # no two lever factors touch one target
    syria = [f for f in levers if f.scenario.levers[0].target == "syria_priority"]
    assert [f.name for f in syria] == ["assumption:syria_priority"]
    assert "assumption:opium-ban-lifted" in names and "lever:gulf-donations-cut" in names
    assert syria[0].scenario.id == "core-syria-strong"
    assert "renewed-ceasefire" in skipped_scenarios(isk)
    assert "lever:status-quo" not in names


def test_lever_intensity_zero_is_the_status_quo_and_one_is_the_scenario(isk):
    chosen = factors(isk)
    k = len(chosen)
    unit = np.full((3, k), 0.5)
    j = {f.name: i for i, f in enumerate(chosen)}
    for f in chosen:
        if f.kind == "lever":
            unit[:, j[f.name]] = 0.0
    unit[1, j["lever:gulf-donations-cut"]] = 1.0
    unit[2, j["lever:sanctuary-ends"]] = 0.5
    params, interventions = realise(isk, chosen, unit)
    out = ["total_fighters", "cash", "gifts", "sanctuary"]
    ds = simulate(isk.model, draws=3, params=params, interventions=interventions, outputs=out)
    first = {k: v[:1] for k, v in params.items()}
    base = simulate(isk.model, draws=1, params=first, outputs=out)
    cut = simulate(isk.model, draws=1, params=first, outputs=out,
                   interventions=isk.scenarios["gulf-donations-cut"].interventions())
    np.testing.assert_allclose(ds.cash[0], base.cash[0], rtol=1e-6, atol=1e-3)  # USD
    np.testing.assert_allclose(ds.cash[1], cut.cash[0], rtol=1e-6, atol=1e-3)
    assert not np.allclose(ds.cash[1], base.cash[0], rtol=1e-3)
    # set 0 at intensity one half: the arrangement is renegotiated toward half the drawn
    # strength from 2019, and is untouched before
    before = ds.sanctuary.sel(time=np.datetime64("2018-12-01", "ns"))
    late = ds.sanctuary.sel(time=np.datetime64("2021-12-01", "ns"))
    assert float(before[2]) == float(before[0])
    assert 0.4 * float(late[0]) < float(late[2]) < 0.75 * float(late[0])
    assert EDGE < 1e-6


def test_sobol_on_the_toy_model_finds_the_factors_that_matter():
    table = sobol(toy_system(), n=256, when="2021-06")
    assert list(table.columns) == COLUMNS
    assert list(dict.fromkeys(table.outcome)) == ["total_fighters", "many"]
    for name in ("total_fighters", "many"):  # the level, then whether it passes 600
        st = table[table.outcome == name].set_index("factor").ST
        assert list(st.index) == ["strong", "weak", "inert", "lever:boost", "lever:halt"]
        assert st["strong"] > 0.5 and st["lever:boost"] > 0.05
        assert abs(st["inert"]) < 0.01
        assert st["strong"] > st["weak"] and st["lever:boost"] > st["lever:halt"]


def test_sobol_with_one_seed_gives_the_same_table_intervals_included():
    first = sobol(toy_system(), n=64, when="2021-06", seed=0)
    np.random.seed(12345)  # the global state must not matter: the bootstrap has its own
    again = sobol(toy_system(), n=64, when="2021-06", seed=0)
    assert first.equals(again)
    other = sobol(toy_system(), n=64, when="2021-06", seed=1)
    assert not first[["S1_conf", "ST_conf"]].equals(other[["S1_conf", "ST_conf"]])


def test_sobol_without_events_keeps_the_headline_rows_and_drops_the_outcomes():
    full = sobol(toy_system(), n=64, when="2021-06", seed=3)
    levels = sobol(toy_system(), n=64, when="2021-06", seed=3, events=False)
    assert set(levels.outcome) == {"total_fighters"}
    assert levels.equals(full[full.outcome == "total_fighters"].reset_index(drop=True))


def test_sobol_on_isk_gives_finite_indices_and_some_factor_that_matters(isk):
    table = sobol(isk, n=64, when="2021-06", seed=1)
    k = len(factors(isk))
    asked = {o.id for o in isk.outlook.outcomes}
    assert len(table) == (4 + len(asked)) * k
    assert set(table.outcome) == {"total_fighters", "bases_held", "cash", "activity"} | asked
    values = table[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()
    assert np.all(np.isfinite(values))
    levels = table[~table.outcome.isin(list(asked))]  # 0/1 outcomes are noisier at N = 64
    assert levels.ST.between(-0.1, 1.2).all()
    for name, rows in table.groupby("outcome"):
        assert rows.ST.max() > 0.05 or name in asked  # an outcome may happen in no draw


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 100}, "power of two"),
    ({"n": 4}, "power of two"),
    ({"when": "2030-01"}, "outside the run"),
    ({"when": "June 2021"}, "not a month"),
])
def test_bad_input_is_refused(isk, kwargs, message):
    with pytest.raises(EvidenceError, match=message):
        sobol(isk, **kwargs)


runner = CliRunner()


def test_cli_prints_tables_and_writes_the_csv(tmp_path):
    import pandas as pd

    result = runner.invoke(app, ["sensitivity", "--draws", "16", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Total fighters at 2021-06" in result.output and "pool_size" in result.output
    assert "Whether each outcome happens" in result.output
    assert load_system("isk").outlook.outcomes[0].label in result.output
    table = pd.read_csv(tmp_path / "isk-sensitivity.csv")
    assert list(table.columns) == COLUMNS and len(table) > 0
    assert [p.name for p in tmp_path.iterdir()] == ["isk-sensitivity.csv"]


@pytest.mark.parametrize("args", [["--date", "2030-01"], ["--draws", "10"], ["--date", "x"]])
def test_cli_bad_input_exits_1_and_writes_nothing(tmp_path, args):
    out = tmp_path / "out"
    result = runner.invoke(app, ["sensitivity", "--out", str(out), *args])
    assert result.exit_code == 1
    assert "error:" in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()
