"""A posterior file is InferenceData that ArviZ's model comparison and plots read as is."""

import warnings
from pathlib import Path

import arviz as az
import matplotlib
import numpy as np
import pytest

from prospects.inference.calibrate import calibrate
from prospects.inference.posterior import load_posterior, save_posterior
from prospects.system import load_system

matplotlib.use("Agg")
FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture(scope="module", params=["toy", "linear"])
def idata(request, tmp_path_factory):
    """A small real calibration, written to NetCDF and read back as users would."""
    system = load_system(FIXTURES / request.param)
    result = calibrate(system, particles=300, runs=2, steps=2)
    path = tmp_path_factory.mktemp("posterior") / f"{request.param}-posterior.nc"
    return load_posterior(save_posterior(path, result.idata), system)


def quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few data points: ArviZ warns about its estimates
        return fn(*args, **kwargs)


def test_loo_and_waic_count_each_observation_as_a_data_point(idata):
    n = idata.observed_data.sizes["observation"]
    for elpd in (quietly(az.loo, idata, pointwise=True), quietly(az.waic, idata, pointwise=True)):
        pointwise = elpd.loo_i if "loo_i" in elpd else elpd.waic_i
        assert pointwise.sizes["observation"] == n
        assert np.isfinite(float(elpd.iloc[0]))
        # the pointwise values sum to the total
        assert float(pointwise.sum()) == pytest.approx(float(elpd.iloc[0]))


def test_compare_ranks_two_posteriors(idata):
    table = quietly(az.compare, {"first": idata, "again": idata})
    assert list(table.index) in (["first", "again"], ["again", "first"])
    assert table["elpd_diff"].min() == pytest.approx(0.0)


def test_plot_ppc_and_plot_trace_draw_every_observation_and_parameter(idata):
    n = idata.observed_data.sizes["observation"]
    axes = np.ravel(quietly(az.plot_ppc, idata, flatten=[], num_pp_samples=50))
    assert len(axes) >= n
    assert quietly(az.plot_ppc, idata, group="prior", flatten=[]) is not None
    trace = quietly(az.plot_trace, idata)
    assert trace.shape == (len(idata.posterior.data_vars), 2)
    matplotlib.pyplot.close("all")
