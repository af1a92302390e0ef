"""Posterior files: a calibration as ArviZ InferenceData (NetCDF), read back for the same
model and priors only, and drawn from as one joint distribution of every parameter.

Groups: ``posterior`` and ``prior`` (parameter values; chains are independent SMC runs),
``log_likelihood``, ``prior_predictive`` and ``posterior_predictive`` (the variable ``y``
over an ``observation`` dimension: each observation's log-likelihood, or its model value
with bias applied, per draw), ``observed_data`` (``y``: the claimed figures), so ArviZ's
``loo``, ``waic``, ``compare`` and ``plot_ppc`` treat the observations as the data points;
``sample_stats`` (the tempering path: exponent, ESS and acceptance per stage, and each
run's log evidence) and ``identifiability`` (see ``identifiability``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..evidence import EvidenceError
from ..files import described, write_atomic
from .calibrate import model_fingerprint


def identifiability(priors: dict, posterior: dict[str, np.ndarray]):
    """Per parameter: prior and posterior 90% intervals, contraction (1 - posterior
    variance / prior variance), shift (posterior mean - prior mean, in prior standard
    deviations); and the posterior's Spearman rank correlations (the same in any monotone
    coordinates)."""
    import xarray as xr
    from scipy.stats import rankdata

    names = list(posterior)
    post = np.column_stack([np.ravel(posterior[n]) for n in names])
    frozen = [priors[n].frozen for n in names]
    prior_sd = np.array([f.std() for f in frozen])
    prior_mean = np.array([f.mean() for f in frozen])
    rho = np.atleast_2d(np.corrcoef(rankdata(post, axis=0), rowvar=False))
    return xr.Dataset(
        {"prior_low": ("parameter", [f.ppf(0.05) for f in frozen]),
         "prior_high": ("parameter", [f.ppf(0.95) for f in frozen]),
         "posterior_low": ("parameter", np.quantile(post, 0.05, axis=0)),
         "posterior_high": ("parameter", np.quantile(post, 0.95, axis=0)),
         "contraction": ("parameter", 1 - post.var(axis=0) / prior_sd**2),
         "shift": ("parameter", (post.mean(axis=0) - prior_mean) / prior_sd),
         "correlation": (("parameter", "other"), rho),
         "below_prior_5": ("parameter", [np.mean(f.cdf(post[:, j]) < 0.05)
                                         for j, f in enumerate(frozen)]),
         "above_prior_95": ("parameter", [np.mean(f.cdf(post[:, j]) > 0.95)
                                          for j, f in enumerate(frozen)])},
        coords={"parameter": names, "other": names},
        attrs={"not_identified_below": 0.1, "correlated_above": 0.7, "edge_share": 0.25})


def at_prior_edge(ident) -> list[tuple[str, str]]:
    """Parameters whose posterior piles into the outer 5% of the prior on one side (more
    than ``edge_share`` of the draws there): the evidence pushes against what the prior
    allows, a sign that the prior's range or the model is wrong. Each with "low"/"high"."""
    share = ident.attrs["edge_share"]
    return [(str(n), side) for side, var in (("low", "below_prior_5"), ("high", "above_prior_95"))
            for n, v in zip(ident.parameter.values, ident[var].values, strict=True)
            if v > share]


def not_identified(ident) -> list[str]:
    """Parameters whose contraction is below the identifiability table's threshold: the
    posterior is about the prior."""
    below = ident.attrs["not_identified_below"]
    return [str(n) for n, c in zip(ident.parameter.values, ident.contraction.values,
                                   strict=True) if c < below]


def correlated_pairs(ident, above: float = 0.7) -> list[tuple[str, str, float]]:
    """Parameter pairs whose posterior rank correlation exceeds ``above`` in size."""
    names = [str(n) for n in ident.parameter.values]
    rho = ident.correlation.values
    return [(names[i], names[j], float(rho[i, j])) for i in range(len(names))
            for j in range(i + 1, len(names)) if abs(rho[i, j]) > above]


#: what each variable of the groups other than the parameters' holds (its ``long_name``)
DOCS = {
    "log_likelihood": {"y": "Log-likelihood of each observation, per posterior draw"},
    "posterior_predictive": {"y": "Model value of each observation (bias applied), per "
                                  "posterior draw"},
    "prior_predictive": {"y": "Model value of each observation (bias applied), per prior "
                              "draw"},
    "observed_data": {"y": "Figure each observation states"},
    "sample_stats": {"beta": "Tempering exponent of the likelihood at each SMC stage",
                     "ess": "Effective sample size at each SMC stage",
                     "acceptance": "Metropolis acceptance rate at each SMC stage",
                     "log_evidence": "Log evidence (marginal likelihood) of each SMC run"},
    "identifiability": {"prior_low": "Prior 5% quantile", "prior_high": "Prior 95% quantile",
                        "posterior_low": "Posterior 5% quantile",
                        "posterior_high": "Posterior 95% quantile",
                        "contraction": "1 - posterior variance / prior variance",
                        "shift": "Posterior mean - prior mean, in prior standard deviations",
                        "correlation": "Spearman rank correlation in the posterior",
                        "below_prior_5": "Share of posterior draws below the prior's 5% "
                                         "quantile",
                        "above_prior_95": "Share of posterior draws above the prior's 95% "
                                          "quantile"}}


def inference_data(problem, runs, theta, posterior_values, meta):
    """InferenceData of a calibration and its identifiability Dataset."""
    import arviz as az
    import xarray as xr

    chains, draws = theta.shape[:2]
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}

    ids = [t.id for t in problem.likelihood.targets]

    def per_observation(columns: dict, draw_coords=coords) -> xr.Dataset:
        y = np.stack([np.reshape(columns[i], (chains, -1)) for i in ids], axis=-1)
        return xr.Dataset({"y": (("chain", "draw", "observation"), y)},
                          coords={**draw_coords, "observation": ids})

    specs = problem.system.evidence.parameters

    def parameter(n, values):
        return xr.Variable(("chain", "draw"), values, attrs={
            "units": specs[n].unit, "doc": specs[n].rationale.split(". ")[0].rstrip(".")})

    posterior = xr.Dataset({n: parameter(n, theta[..., j])
                            for j, n in enumerate(problem.names)}, coords=coords)
    prior_theta = np.stack([problem.values(r.prior_z) for r in runs])
    prior = xr.Dataset({n: parameter(n, prior_theta[..., j])
                        for j, n in enumerate(problem.names)},
                       coords={"chain": coords["chain"],
                               "draw": np.arange(prior_theta.shape[1])})
    prior_values = {k: np.stack([r.prior_values[k] for r in runs])
                    for k in runs[0].prior_values}
    stages = max(len(r.beta) for r in runs)

    def padded(key):
        return (("chain", "stage"), np.array([getattr(r, key) + [np.nan] * (stages - len(
            getattr(r, key))) for r in runs]))

    sample_stats = xr.Dataset(
        {"beta": padded("beta"), "ess": padded("ess"), "acceptance": padded("acceptance"),
         "log_evidence": ("chain", [r.log_evidence for r in runs])},
        coords={"chain": coords["chain"], "stage": np.arange(stages)})
    observed = xr.Dataset(
        {"y": ("observation", [t.figure for t in problem.likelihood.targets])},
        coords={"observation": ids})
    ident = identifiability(dict(zip(problem.names, problem.priors, strict=True)),
                            {n: posterior[n].values for n in problem.names})
    groups = {
        "posterior": posterior, "prior": prior, "sample_stats": sample_stats,
        "log_likelihood": per_observation(problem.log_likelihoods(posterior_values)),
        "posterior_predictive": per_observation(posterior_values),
        "prior_predictive": per_observation(prior_values, dict(prior.coords)),
        "observed_data": observed, "identifiability": ident}
    for name, docs in DOCS.items():
        for var, doc in docs.items():
            groups[name][var].attrs["doc"] = doc
    groups = {name: described(group, problem.system) for name, group in groups.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the identifiability group is ours, not ArviZ's
        idata = az.InferenceData(**groups)
    idata.posterior.attrs.update(meta)
    return idata, ident


def save_posterior(path: str | Path, idata) -> Path:
    return write_atomic(path, lambda p: idata.to_netcdf(str(p)))


def load_posterior(path: str | Path, system):
    """InferenceData from ``path``, refused unless it was made for this system's model and
    priors and holds every uncertain parameter."""
    import arviz as az

    path = Path(path)
    if not path.is_file():
        raise EvidenceError(f"{path}: no such posterior file (run `prospects calibrate`)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = az.from_netcdf(str(path))
        attrs = dict(idata.posterior.attrs)
    except (OSError, ValueError, AttributeError, KeyError, RuntimeError) as err:
        raise EvidenceError(f"{path}: not a posterior file ({err})") from None
    if attrs.get("fingerprint") != model_fingerprint(system):
        made_for = f"'{attrs.get('system', '?')}' (model '{attrs.get('model', '?')}')"
        raise EvidenceError(f"{path}: this posterior was made for {made_for}, not for the "
                            f"current model and priors of '{system.name}'; calibrate again")
    missing = [n for n in system.priors if n not in idata.posterior.data_vars]
    if missing:
        raise EvidenceError(f"{path}: the posterior lacks the uncertain parameter(s) "
                            f"{', '.join(missing)}; calibrate again")
    return idata


def posterior_joint(idata):
    """The pooled posterior particles as a joint distribution the engine draws rows from."""
    from ..engine.sampling import Empirical

    post = idata.posterior.stack(sample=("chain", "draw"))
    return Empirical({name: np.asarray(post[name].values) for name in post.data_vars})


def parameter_sources(system, idata=None) -> dict:
    """What each uncertain model parameter is drawn from: the posterior's particles, one
    whole row a draw, if a posterior is given (it holds every uncertain parameter); else
    its prior. Bias terms are left out: they are not model parameters."""
    sources = dict(system.priors)
    if idata is not None:
        joint = posterior_joint(idata)
        sources.update({k: c for k, c in joint.columns().items()
                        if k not in system.evidence.bias_names})
    return sources
