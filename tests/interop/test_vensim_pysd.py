"""Vensim and XMILE export: PySD really runs each exported model and must reproduce the
engine."""

import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from prospects.engine import simulate
from prospects.interop.vensim import to_vensim, vensim_names, write_vensim
from prospects.sd import Model, random_uniform, step

sys.path.insert(0, str(Path(__file__).parents[1] / "sd"))
import models  # noqa: E402  (tests/sd/models.py)

pysd = pytest.importorskip("pysd")
from pysd_runs import assert_same_run, run_pysd  # noqa: E402


@pytest.mark.parametrize("make", [
    models.arrays, models.lookups_and_smooths, models.switches, models.depletion,
    models.coarse_output, models.nested,
    models.smooth_with_init, models.delays,
])
@pytest.mark.parametrize("fmt", ["mdl", "xmile"])
def test_pysd_reproduces_every_stock_and_auxiliary(make, fmt, tmp_path):
    assert_same_run(make(), tmp_path, fmt)


def test_the_limits_act_and_pysd_limits_the_same_way(tmp_path):
    model = models.depletion()
    ours, theirs = assert_same_run(model, tmp_path)
    ours = ours.isel(draw=0)
    assert float(ours.recruits_outflow_scale.min()) < 0.5  # training asks for more than there is
    assert float(ours.trained_outflow_scale.min()) < 0.5
    assert float(ours.recruits.isel(time=-1)) == 0.0
    assert float(ours.cash.isel(time=-1)) == 0.0  # a negative inflow, clamped at zero
    assert theirs["cash"].iloc[-1] == pytest.approx(0.0, abs=1e-9)
    assert theirs["trained outflow scale[B]"].min() < 0.5


def test_parameters_set_in_pysd_match_parameters_passed_to_simulate(tmp_path):
    model = models.arrays()
    recruit = np.array([[1.0, 4.0], [0.5, 3.0], [2.0, 0.0]])
    budget = np.array([100.0, 8e3, 50.0])
    params = {"attrition": 0.08, "recruit": recruit, "budget": budget}
    pysd_params = {
        "attrition": 0.08,
        "recruit": xr.DataArray(recruit, {"area": list(model.dimensions["area"].members),
                                          "faction": list(model.dimensions["faction"].members)},
                                ["area", "faction"]),
        "budget": xr.DataArray(budget, {"area": list(model.dimensions["area"].members)},
                               ["area"]),
    }
    ours, theirs = assert_same_run(model, tmp_path, "mdl", params, pysd_params)
    default = simulate(model, outputs=["fighters"])
    assert not np.allclose(default.fighters.values, ours.fighters.values)


def test_a_step_between_time_steps_switches_where_pysd_switches(tmp_path):
    m = Model("offgrid", start="2015-01", stop="2015-12", dt=1.0)
    x = m.stock("x", 0.0, unit="person")
    m.flow("inflow", None, x, step(m.param("h", 1.0, unit="person/month"), "2015-04-04"))
    assert_same_run(m, tmp_path)


def test_exported_text_uses_vensim_constructs():
    text = to_vensim(models.arrays())
    assert "fighters[area, faction] =\n\tINTEG(recruitment[area, faction] - losses[area, faction]" \
        in text
    assert "SUM(fighters[area!, faction]) / 3" in text  # mean over a dimension
    assert "fighters[Kunar, Central]" in text  # a selected member
    assert "SUM(sum over faction 1[area!])" in text  # a sum inside a sum gets a name
    assert "recruit[area, faction] =\n\t3, 1; 2, 0.5; 0.5, 2;" in text
    assert "spending[area] =\n\tspending raw[area] * funds outflow scale[area]" in text
    assert "TIME STEP = 0.25" in text and "SAVEPER = 1" in text and "FINAL TIME = 35" in text
    doc = next(line for line in text.splitlines() if "recruits a month" in line)
    assert doc == "\t~\trecruits a month by area faction line 2"  # no | ~ or newline
    lookups = to_vensim(models.lookups_and_smooths())
    assert ("money_effect(\n\t[(0,0.2)-(8000,1.1)],(0,0.2),(500,0.6),(2000,1),(8000,1.1))"
            in lookups)
    assert "money_effect(perceived_income)" in lookups
    assert "perceived_income_smooth =\n\tSMOOTH(income, perception_delay)" in lookups
    switches = to_vensim(models.switches())
    assert "STEP(2, 6)" in switches and "PULSE(12, 2)" in switches  # dates as model time
    assert "RAMP(0.5 * per_month, 4, 14)" in switches
    assert ":AND: :NOT: Time * per_month > 25) :OR:" in switches
    assert "IF THEN ELSE(Time * per_month = 9, 1, 0)" in switches  # a condition as a number
    delays = to_vensim(models.delays())
    for text in ("DELAY3(arrivals[area], wait[area])", "DELAY1I(people[area] * per_month * 0.1"
                 ", 6, base[area] * 0.5)", "DELAY3I(late_delay1[area], wait[area], base[area])",
                 "DELAY FIXED(arrivals[area], 5, base[area] * 2)", "SMOOTH3(people[area], wait",
                 "SMOOTH3I(SUM(people[area!]), 4, 30)", "TREND(people[area], 6, 0.02 * per_month)",
                 "INTEGER(Time * per_month / 4 - 3.5)", "MODULO(Time * per_month - 7, 5)"):
        assert text in delays


def test_pysd_draws_the_random_builtin_from_the_same_range(tmp_path):
    m = Model("noisy", start="2015-01", stop="2019-12")
    m.aux("shock", random_uniform(m.param("low", 2.0), 3.0))
    theirs = run_pysd(m, tmp_path)["shock"].values
    ours = simulate(m, draws=1, outputs=["shock"]).shock.values.ravel()
    for values in (ours, theirs):
        assert np.all((values >= 2.0) & (values <= 3.0)) and len(np.unique(values)) > 50
    assert "RANDOM UNIFORM(low, 3, 0)" in to_vensim(m)


def test_names_vensim_would_confuse_are_renamed():
    model = models.nested()
    names = vensim_names(model)
    assert names["Sum"] == "Sum_v2"  # a Vensim function
    assert names["X2"] == "X2" and names["x2"] == "x2_v2"  # Vensim ignores case
    assert names["g"] == "g_v2"  # the member G of dimension faction
    assert names["x"] == "x"
    assert "(Prospects name: Sum)" in to_vensim(model)


def test_write_is_atomic_and_replaces_the_file(tmp_path):
    model = models.switches()
    path = tmp_path / "model.mdl"
    path.write_text("old")
    assert write_vensim(model, path) == path
    assert path.read_text() == to_vensim(model)
    assert [p.name for p in tmp_path.iterdir()] == ["model.mdl"]
