"""Scenarios stacked on the draw axis in one engine run give every scenario the numbers of
a run of its own: parameters, random streams, interventions, chunks."""

import numpy as np

from prospects.engine import Intervention, simulate, simulate_scenarios
from prospects.engine.run import STACKED
from prospects.inference.posterior import parameter_sources
from prospects.sd import Model, random_uniform, step
from prospects.system import load_system


class Uniform:
    def __init__(self, low, high):
        self.low, self.high = low, high

    def ppf(self, u):
        return self.low + (self.high - self.low) * u


def noisy_model():
    m = Model("stacked", start="2015-01", stop="2016-12")
    area = m.dimension("area", ["a", "b"])
    rate = m.param("rate", 0.1, unit="1/month")
    inflow = m.param("inflow", [5.0, 1.0], unit="person/month", dims=[area])
    people = m.stock("people", 100, unit="person", dims=[area])
    m.flow("arrive", None, people, inflow * random_uniform(0.5, 1.5))
    m.flow("leave", people, None, rate * people)  # a non-negative stock: limited
    m.flow("purge", people, None, step(80.0, "2016-01"), unit="person/month")
    return m


def assert_same(stacked, separate):
    assert len(stacked) == len(separate)
    for a, b in zip(stacked, separate, strict=True):
        assert list(a.data_vars) == list(b.data_vars)
        for name in b.data_vars:
            np.testing.assert_allclose(a[name].values, b[name].values, rtol=1e-12, atol=1e-12,
                                       err_msg=name)
        assert a.attrs == b.attrs


def test_stacked_scenarios_match_separate_runs_over_chunks_and_groups():
    m = noisy_model()
    draws = 1500  # two chunks of draws (1,024 per chunk), so one scenario per group
    scenarios = [
        [],
        [Intervention("rate", multiply=3.0, start="2015-06", end="2016-03")],
        [Intervention("inflow", set=0.0, where={"area": "a"}, start="2015-04")],
        # the same target set over the same time as the scenario before: each its own draws
        [Intervention("inflow", set=np.linspace(0, 9, draws), start="2015-02"),
         Intervention("leave", multiply=np.linspace(0.5, 2, draws), end="2016-01")],
    ]
    priors = {"rate": Uniform(0.02, 0.3)}
    stacked = simulate_scenarios(m, scenarios, draws=draws, priors=priors, seed=3)
    separate = [simulate(m, draws, priors=priors, seed=3, interventions=s) for s in scenarios]
    assert_same(stacked, separate)
    # small runs stack several scenarios in one array
    few = 100
    assert STACKED // few >= len(scenarios)
    short = [[Intervention(iv.target, iv.multiply, iv.set if np.ndim(iv.set) == 0 else
                           iv.set[:few], iv.start, iv.end, iv.where) if iv.multiply is None
              else Intervention(iv.target, iv.multiply if np.ndim(iv.multiply) == 0 else
                                iv.multiply[:few], None, iv.start, iv.end, iv.where)
              for iv in s] for s in scenarios]
    assert_same(simulate_scenarios(m, short, draws=few, priors=priors, seed=3),
                [simulate(m, few, priors=priors, seed=3, interventions=s) for s in short])
    # and the scenarios do differ
    assert not np.array_equal(stacked[0].people.values, stacked[1].people.values)


def test_every_scenario_of_the_built_in_system_stacked_matches_its_own_run():
    system = load_system("isk")
    sources = parameter_sources(system, None)
    ids = list(system.scenarios)
    scenarios = [system.scenarios[sid].interventions() for sid in ids]
    outputs = system.outlook.kept
    stacked = simulate_scenarios(system.model, scenarios, draws=200, priors=sources, seed=5,
                                 outputs=outputs)
    separate = [simulate(system.model, 200, priors=sources, seed=5, interventions=s,
                         outputs=outputs) for s in scenarios]
    assert_same(stacked, separate)
