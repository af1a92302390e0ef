import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from prospects.cli import app
from prospects.evidence import EvidenceError
from prospects.inference.calibrate import Problem, calibrate
from prospects.inference.fit import fit_table
from prospects.inference.likelihood import Likelihood
from prospects.inference.posterior import load_posterior, posterior_draws, save_posterior
from prospects.system import load_system

TOY = Path(__file__).parents[1] / "fixtures" / "toy"


@pytest.fixture(scope="module")
def toy():
    return load_system(TOY)


@pytest.fixture(scope="module")
def toy_calibration(toy):
    return calibrate(toy, walkers=32, block=40, max_iterations=3000, seed=3)


def test_calibration_recovers_the_recruitment_that_fits_the_claim(toy_calibration):
    # 1,500 fighters through 2017 from 1,000 in January 2015 with 5% monthly losses needs
    # about 82 recruits a month (steady state 20 r, reached 79% of the way by mid-2017)
    recruit = toy_calibration.idata.posterior["recruit_rate"].values.ravel()
    lo, mid, hi = np.quantile(recruit, [0.05, 0.5, 0.95])
    assert 72 < mid < 92 and lo < 82 < hi
    assert hi - lo < 40  # far narrower than the uniform(20, 200) prior
    assert toy_calibration.converged and toy_calibration.max_rhat < 1.01


def test_the_same_seed_gives_the_same_posterior(toy):
    a = calibrate(toy, walkers=16, block=10, max_iterations=100, seed=5)
    b = calibrate(toy, walkers=16, block=10, max_iterations=100, seed=5)
    c = calibrate(toy, walkers=16, block=10, max_iterations=100, seed=6)
    values = [r.idata.posterior["recruit_rate"].values for r in (a, b, c)]
    assert np.array_equal(values[0], values[1])
    assert not np.array_equal(values[0], values[2])


def test_sampler_coordinates_map_onto_the_prior(toy):
    problem = Problem(toy)
    z = np.random.default_rng(0).normal(scale=3, size=(500, problem.ndim))
    theta = problem.values(z)
    assert ((theta[:, 0] > 20) & (theta[:, 0] < 200)).all()  # uniform(20, 200)
    assert problem.values(np.zeros((1, problem.ndim)))[0, 0] == pytest.approx(110)  # median
    order = np.argsort(z[:, 0])
    assert (np.diff(theta[order, 0]) >= 0).all()  # monotone: no folding of the space


def test_likelihood_prefers_values_inside_the_claimed_interval(toy):
    target = Likelihood(toy).targets[0]
    inside, edge, outside = target.logp(np.array([1500.0, 1600.0, 2500.0]))
    assert inside > edge > outside
    assert target.months.min() == 24 and target.months.max() == 35  # 2017, months from 2015-01


def test_posterior_round_trip_and_refusal_for_another_model(toy, toy_calibration, tmp_path):
    path = save_posterior(tmp_path / "toy-posterior.nc", toy_calibration.idata)
    idata = load_posterior(path, toy)
    draws = posterior_draws(idata, 500, seed=1)
    assert set(draws) == {"recruit_rate", "inflation"} and draws["recruit_rate"].shape == (500,)
    with pytest.raises(EvidenceError, match="made for 'toy'.*not for the current model of 'isk'"):
        load_posterior(path, load_system("isk"))


def test_fit_table_marks_coverage(toy, toy_calibration):
    [row] = fit_table(toy, toy_calibration.idata, draws=500)
    assert row.observation == "strength-2017" and row.covered
    assert row.posterior[2] - row.posterior[0] < row.prior[2] - row.prior[0]


def test_calibrate_cli_warns_when_the_sampler_has_not_converged(tmp_path):
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder, ignore=shutil.ignore_patterns("__pycache__"))
    result = CliRunner().invoke(app, ["calibrate", "--system", str(folder), "--walkers", "8",
                                      "--max-steps", "100", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "did not converge" in result.output and "R-hat" in result.output
    assert (tmp_path / "out" / "toy-posterior.nc").is_file()


def test_a_calibrated_parameter_needs_a_prior(tmp_path):
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / "parameters.yaml"
    data = yaml.safe_load(path.read_text())
    data[0]["calibrate"] = True
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["calibrate", "--system", str(folder),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "parameters.yaml: entry 'initial_fighters' field" in result.output
    assert not (tmp_path / "out").exists()
