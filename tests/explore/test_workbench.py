"""The EMA Workbench adapter: a whole design in one vectorised call, the same outcomes as
``simulate`` on that design."""

import numpy as np
import pytest

pytest.importorskip("ema_workbench")

from ema_workbench import SequentialEvaluator  # noqa: E402

from prospects.engine import simulate  # noqa: E402
from prospects.explore.factors import realise  # noqa: E402
from prospects.explore.sensitivity import outcomes  # noqa: E402
from prospects.explore.workbench import SystemModel, VectorisedEvaluator  # noqa: E402
from prospects.system import load_system  # noqa: E402


@pytest.fixture(scope="module")
def isk():
    return load_system("isk")


def test_200_experiments_in_one_call_equal_simulate(isk):
    model = SystemModel(isk, seed=3)
    with VectorisedEvaluator(model) as evaluator:
        experiments, found = evaluator.perform_experiments(scenarios=200)
    assert len(experiments) == 200 and set(found) == set(model.variables)
    unit = experiments[[u.name for u in model.uncertainties]].to_numpy(dtype=float)
    assert len({u.name for u in model.uncertainties}) == len(model.factors) > 0
    params, interventions = realise(isk, model.factors, unit)
    ds = simulate(isk.model, draws=200, params=params, seed=3, interventions=interventions,
                  outputs=model.variables)
    direct = outcomes(ds, model.variables, model.when)
    for name in model.variables:
        assert np.allclose(found[name], direct[name]), name
        assert np.ptp(direct[name]) > 0  # the design moves the outcome


def test_ema_own_loop_runs_the_same_model_one_experiment_at_a_time(isk):
    model = SystemModel(isk, seed=3)
    calls = []
    run_design = model.run_design
    model.run_design = lambda unit: calls.append(len(unit)) or run_design(unit)
    with VectorisedEvaluator(model) as evaluator:
        experiments, vectorised = evaluator.perform_experiments(scenarios=20)
    assert calls == [20]  # the whole design in one call
    calls.clear()
    with SequentialEvaluator(model) as evaluator:
        _, looped = evaluator.perform_experiments(scenarios=experiments_as_scenarios(
            experiments, model))
    assert calls == [1] * 20
    # experiment 0 runs on draw 0's random stream both ways
    name = model.variables[0]
    assert looped[name][0] == pytest.approx(vectorised[name][0])


def experiments_as_scenarios(experiments, model):
    from ema_workbench.em_framework.points import Scenario

    names = [u.name for u in model.uncertainties]
    return [Scenario(**{n: float(row[n]) for n in names})
            for _, row in experiments[names].iterrows()]
