import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from prospects.cli import app
from prospects.evidence import EvidenceError
from prospects.evidence.priors import Prior
from prospects.evidence.schema import ObservationSpec
from prospects.inference.calibrate import PriorDataConflict, Problem, calibrate
from prospects.inference.fit import fit_table
from prospects.inference.likelihood import Likelihood, Target
from prospects.inference.posterior import (
    at_prior_edge,
    correlated_pairs,
    identifiability,
    load_posterior,
    save_posterior,
)
from prospects.system import load_system

FIXTURES = Path(__file__).parents[1] / "fixtures"
TOY, LINEAR = FIXTURES / "toy", FIXTURES / "linear"
#: months since the start at which the linear system's three figures are observed
MONTHS = np.array([2, 12, 21])
NOISE = 15.0


@pytest.fixture(scope="module")
def toy():
    return load_system(TOY)


@pytest.fixture(scope="module")
def linear():
    return load_system(LINEAR)


@pytest.fixture(scope="module")
def toy_calibration(toy):
    return calibrate(toy, particles=1000, runs=2, steps=6, seed=3)


def analytic(y):
    """Posterior mean, covariance and log evidence of the linear system (normal priors
    on intercept and slope, normal errors)."""
    design = np.column_stack([np.ones(3), MONTHS])
    mean0, cov0 = np.array([100.0, 10.0]), np.diag([50.0**2, 5.0**2])
    precision = np.linalg.inv(cov0) + design.T @ design / NOISE**2
    cov = np.linalg.inv(precision)
    mean = cov @ (np.linalg.inv(cov0) @ mean0 + design.T @ y / NOISE**2)
    evidence = stats.multivariate_normal(design @ mean0, design @ cov0 @ design.T
                                         + NOISE**2 * np.eye(3)).logpdf(y)
    return mean, cov, evidence


def test_smc_matches_the_conjugate_posterior_and_evidence(linear):
    runs = 8
    result = calibrate(linear, particles=1000, runs=runs, steps=8, seed=11)
    mean, cov, evidence = analytic(np.array([130.0, 230.0, 330.0]))
    post = result.idata.posterior
    for j, name in enumerate(["intercept", "slope"]):
        draws = post[name].values.ravel()
        sd = np.sqrt(cov[j, j])
        se_mean = sd / np.sqrt(result.ess[name])
        se_sd = sd / np.sqrt(2 * result.ess[name])
        assert abs(draws.mean() - mean[j]) < 3 * se_mean, name
        assert abs(draws.std() - sd) < 3 * se_sd, name
    # the standard error comes from the runs' spread: Student's t with runs - 1 degrees
    # of freedom, at the 99.9% level, bounds the error of the mean
    bound = stats.t.ppf(0.9995, runs - 1) * result.log_evidence_se
    assert abs(result.log_evidence - evidence) < bound
    assert 0 < result.log_evidence_se < 0.05
    assert result.max_rhat < 1.01


def _observations(values):
    return {f"level-{i}": ObservationSpec(id=f"level-{i}", claim=claim, variable="level",
                                          likelihood="normal", low=v, high=v, scale=NOISE)
            for i, (claim, v) in enumerate(zip(["level-march-2015", "level-january-2016",
                                                 "level-october-2016"], values, strict=True))}


@pytest.mark.slow
def test_simulation_based_calibration_ranks_are_uniform(linear):
    # Talts et al. (2018): draw a truth from the prior, simulate the observations from it
    # with the likelihood's own noise, calibrate; the truth's rank among posterior draws
    # is then uniform if the sampler is right
    rng = np.random.default_rng(2018)
    problem = Problem(linear)
    replications, kept, bins = 300, 99, 5
    ranks = {"intercept": [], "slope": []}
    for i in range(replications):
        truth = np.array([[rng.normal(100, 50), rng.normal(10, 5)]])
        level = problem.observed(truth)
        values = [float(level[t.id][0]) + rng.normal(0, NOISE)
                  for t in problem.likelihood.targets]
        result = calibrate(linear, particles=300, runs=2, steps=5, seed=i,
                           observations=_observations(values))
        for j, name in enumerate(ranks):
            draws = rng.choice(result.idata.posterior[name].values.ravel(), kept, replace=False)
            ranks[name].append(int((draws < truth[0, j]).sum()))
    for name, r in ranks.items():
        counts = np.bincount(np.array(r) * bins // (kept + 1), minlength=bins)
        assert stats.chisquare(counts).pvalue > 0.01, (name, counts)


def test_calibration_learns_recruitment_and_says_what_it_cannot_learn(toy_calibration):
    # 1,500 fighters through 2017 from 1,000 in January 2015 with 5% monthly losses needs
    # about 82 recruits a month (steady state 20 r, reached 79% of the way by mid-2017)
    recruit = toy_calibration.idata.posterior["recruit_rate"].values.ravel()
    lo, mid, hi = np.quantile(recruit, [0.05, 0.5, 0.95])
    assert 72 < mid < 92 and lo < 82 < hi and hi - lo < 40
    ident = toy_calibration.identifiability
    assert float(ident.contraction.sel(parameter="recruit_rate")) > 0.9
    # the self-report factor multiplies the only figure: nothing separates it from
    # recruitment inside its narrow prior
    assert toy_calibration.not_identified == ["inflation"]
    assert toy_calibration.min_ess > 400 and toy_calibration.max_rhat < 1.01


def test_every_uncertain_parameter_is_calibrated(toy_calibration):
    assert set(toy_calibration.idata.posterior.data_vars) == {"recruit_rate", "inflation"}
    isk = Problem(load_system("isk"))
    assert len(isk.names) >= 50 and "self_report_inflation" in isk.names


def test_the_same_seed_gives_the_same_posterior(toy):
    a, b, c = (calibrate(toy, particles=200, runs=2, steps=2, seed=s) for s in (5, 5, 6))
    values = [r.idata.posterior["recruit_rate"].values for r in (a, b, c)]
    assert np.array_equal(values[0], values[1])
    assert not np.array_equal(values[0], values[2])
    assert a.log_evidence == b.log_evidence


def test_sampler_coordinates_map_onto_the_prior(toy):
    problem = Problem(toy)
    z = np.random.default_rng(0).normal(scale=3, size=(500, problem.ndim))
    theta = problem.values(z)
    j = problem.names.index("recruit_rate")
    assert ((theta[:, j] > 20) & (theta[:, j] < 200)).all()  # uniform(20, 200)
    assert problem.values(np.zeros((1, problem.ndim)))[0, j] == pytest.approx(110)  # median
    order = np.argsort(z[:, j])
    assert (np.diff(theta[order, j]) >= 0).all()  # monotone: no folding of the space


def test_likelihood_prefers_values_inside_the_claimed_interval(toy):
    target = Likelihood(toy).targets[0]
    inside, edge, outside = target.logp(np.array([1500.0, 1600.0, 2500.0]))
    assert inside > edge > outside
    assert target.satisfied(np.array([1500.0, 1600.0])).tolist() == [True, False]
    assert target.months.min() == 24 and target.months.max() == 35  # 2017, months from 2015-01


def test_a_biased_range_leaves_its_factor_the_proportional_error():
    """A figure the rest of the evidence leaves free (a flat prior) falls inside a claimed
    range with the likelihood's weight: 60% with the default edges, 80% once a bias factor
    carries the part that grows with the level."""
    values = np.linspace(-20_000, 40_000, 600_001)

    def share_inside(bias):
        target = Target("x", "v", np.arange(1), {}, (), "sum", "soft_interval", 10_000, 12_000,
                        bias)
        weight = np.exp(target.logp(values))
        return weight[(values >= 10_000) & (values <= 12_000)].sum() / weight.sum()

    assert share_inside(None) == pytest.approx(0.598, abs=0.002)
    assert share_inside("count") == pytest.approx(0.80, abs=0.01)


def test_posterior_file_holds_every_group_and_is_refused_for_another_model(
        toy, toy_calibration, tmp_path):
    path = save_posterior(tmp_path / "toy-posterior.nc", toy_calibration.idata)
    idata = load_posterior(path, toy)
    for group in ("posterior", "prior", "sample_stats", "log_likelihood", "prior_predictive",
                  "posterior_predictive", "observed_data", "identifiability"):
        assert group in idata.groups(), group
    stats_ = idata.sample_stats
    assert stats_.beta.sizes["chain"] == 2 and np.nanmax(stats_.beta.values) == 1.0
    assert np.all(np.diff(stats_.beta.values[0][~np.isnan(stats_.beta.values[0])]) > 0)
    assert idata.posterior.attrs["log_evidence_se"] > 0
    assert idata.log_likelihood["y"].sel(observation="strength-2017").shape == \
        idata.posterior["inflation"].shape
    with pytest.raises(EvidenceError, match="made for 'toy'.*not for the current model"):
        load_posterior(path, load_system("isk"))


def test_a_changed_prior_makes_the_posterior_stale(toy_calibration, tmp_path):
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = save_posterior(tmp_path / "toy-posterior.nc", toy_calibration.idata)
    specs = yaml.safe_load((folder / "parameters.yaml").read_text())
    specs[1]["prior"] = {"dist": "uniform", "low": 20, "high": 300}
    (folder / "parameters.yaml").write_text(yaml.safe_dump(specs))
    with pytest.raises(EvidenceError, match="calibrate again"):
        load_posterior(path, load_system(folder))


def test_fit_reports_shares_of_draws_that_satisfy_each_claim(toy, toy_calibration):
    [row] = fit_table(toy, toy_calibration.idata, draws=1000)
    assert row.observation == "strength-2017"
    # the claim's soft edges (scale 25, a quarter of the 100-wide interval, since the bias
    # factor carries the error that grows with the level) leave about 80% of the posterior's
    # draws inside it, against 4% of the prior's
    assert row.prior_share < 0.1 and 0.65 < row.posterior_share < 0.9
    assert 0.2 < row.p_value < 0.8


def test_correlated_pairs_are_named():
    import xarray as xr

    rho = np.array([[1, 0.9, 0.1], [0.9, 1, -0.75], [0.1, -0.75, 1]])
    ident = xr.Dataset({"correlation": (("parameter", "other"), rho)},
                       coords={"parameter": list("abc"), "other": list("abc")})
    assert correlated_pairs(ident) == [("a", "b", 0.9), ("b", "c", -0.75)]


def _copy(folder, tmp_path):
    target = tmp_path / folder.name
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_calibrate_cli_prints_identifiability_fit_and_writes_the_posterior(tmp_path):
    folder = _copy(TOY, tmp_path)
    result = CliRunner().invoke(app, ["calibrate", "--system", str(folder), "--particles",
                                      "300", "--steps", "3", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Not identified by the evidence" in result.output and "inflation" in result.output
    assert "strength-2017" in result.output and "log evidence" in result.output
    assert (tmp_path / "out" / "toy-posterior.nc").is_file()


def test_prior_data_conflict_stops_with_the_observation_named(tmp_path, toy):
    folder = _copy(TOY, tmp_path)
    claims = yaml.safe_load((folder / "claims.yaml").read_text())
    claims[0]["quantity"] = {"low": 90000, "high": 95000, "unit": "person",
                             "measures": "fighters"}
    (folder / "claims.yaml").write_text(yaml.safe_dump(claims))
    with pytest.raises(PriorDataConflict, match="strength-2017"):
        calibrate(load_system(folder), particles=200, runs=2, steps=2)
    result = CliRunner().invoke(app, ["calibrate", "--system", str(folder),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "no posterior draw satisfies observation(s) strength-2017" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_no_observations_is_a_one_line_error(tmp_path):
    folder = _copy(TOY, tmp_path)
    (folder / "observations.yaml").write_text("[]\n")
    result = CliRunner().invoke(app, ["calibrate", "--system", str(folder),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "observations.yaml: no observations" in result.output
    assert not (tmp_path / "out").exists()


def test_a_posterior_piled_at_a_prior_bound_is_named():
    rng = np.random.default_rng(0)
    priors = {"a": Prior(dist="uniform", low=0, high=1), "b": Prior(dist="uniform", low=0, high=1)}
    ident = identifiability(priors, {"a": rng.uniform(0, 0.08, 4000),
                                     "b": rng.uniform(0.2, 0.8, 4000)})
    assert at_prior_edge(ident) == [("a", "low")]
    ident = identifiability(priors, {"a": rng.uniform(0.9, 1, 4000),
                                     "b": rng.uniform(0, 1, 4000)})
    assert at_prior_edge(ident) == [("a", "high")]


def test_the_command_line_uses_the_library_default_particles():
    from prospects.cli.common import PARTICLES_OPTION
    from prospects.inference.calibrate import PARTICLES

    assert PARTICLES_OPTION.default == PARTICLES
