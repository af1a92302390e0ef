"""Bayesian calibration of a system's parameters to its observations, with emcee.

The sampler moves in an unbounded space: each calibrated parameter ``θ`` is written as
``θ = F⁻¹(σ(z))`` with ``F`` its prior's CDF and ``σ`` the logistic function, so the prior
becomes a standard logistic density on ``z`` and every ``z`` is a valid parameter value.
Walkers are evaluated together in one vectorised engine call, stopped at the last
observed month. Parameters not marked ``calibrate`` stay at their defaults; the bias
terms of self-reported figures are calibrated beside the model's parameters.

Diagnostics (R-hat, bulk ESS) come from ArviZ, treating each walker as a chain and the
first half of the run as burn-in; sampling goes on in blocks until they pass or the
iteration budget runs out.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit

from ..engine.run import run_chunk
from ..evidence import EvidenceError
from .likelihood import Likelihood


def model_fingerprint(system) -> str:
    """A short hash of the model's equations and parameter names: posteriors carry it."""
    from ..sd.inspect import describe

    text = "\n".join(f"{v.name}|{v.kind}|{v.dims}|{v.equation}" for v in describe(system.model))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Problem:
    """The log-posterior of the calibrated parameters, for many walkers at once."""

    def __init__(self, system, observations=None):
        self.system = system
        specs = system.evidence.parameters
        self.names = [name for name, spec in specs.items() if spec.calibrate]
        if not self.names:
            raise EvidenceError(f"{system.folder / 'parameters.yaml'}: no parameter is marked "
                                "'calibrate: true'")
        self.priors = [specs[name].prior for name in self.names]
        self.likelihood = Likelihood(system, observations)
        self.bias_names = set(system.evidence.bias_names)
        missing = [b for b in self.likelihood.biases if b not in self.names]
        if missing:
            raise EvidenceError(f"{system.folder / 'parameters.yaml'}: the bias term(s) "
                                f"{', '.join(missing)} must be marked 'calibrate: true'")

    @property
    def ndim(self) -> int:
        return len(self.names)

    def values(self, z: np.ndarray) -> np.ndarray:
        """Parameter values (walkers, ndim) from sampler coordinates."""
        u = np.clip(expit(z), 1e-12, 1 - 1e-12)
        return np.column_stack([p.ppf(u[:, j]) for j, p in enumerate(self.priors)])

    def split(self, theta: np.ndarray) -> tuple[dict, dict]:
        """Model parameters and bias terms, each name -> per-walker values."""
        columns = {name: theta[:, j] for j, name in enumerate(self.names)}
        params = {k: v for k, v in columns.items() if k not in self.bias_names}
        biases = {k: v for k, v in columns.items() if k in self.bias_names}
        return params, biases

    def log_prob(self, z: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(z)
        log_prior = (log_expit(z) + log_expit(-z)).sum(axis=1)
        params, biases = self.split(self.values(z))
        arrays = run_chunk(self.system.model, 0, z.shape[0], params=params,
                           outputs=self.likelihood.outputs,
                           until=self.likelihood.last_month + 1)
        return log_prior + self.likelihood.logp(arrays, biases)


@dataclass
class Calibration:
    """A calibration's posterior (ArviZ InferenceData) and how it got there."""

    idata: object
    rhat: dict[str, float]
    ess: dict[str, float]
    converged: bool
    iterations: int
    seconds: float

    @property
    def max_rhat(self) -> float:
        return max(self.rhat.values())

    @property
    def min_ess(self) -> float:
        return min(self.ess.values())


def _start(problem: Problem, walkers: int, rng: np.random.Generator, screen: int) -> np.ndarray:
    """Starting points near the posterior: ``walkers`` of ``screen`` prior draws, picked
    without replacement with chances in proportion to their likelihood (Gumbel top-k), so
    the ensemble starts about as spread as the posterior and burn-in is short."""
    z = rng.logistic(size=(screen, problem.ndim))
    log_prior = (log_expit(z) + log_expit(-z)).sum(axis=1)
    log_like = problem.log_prob(z) - log_prior
    keys = np.where(np.isfinite(log_like), log_like, -np.inf) + rng.gumbel(size=screen)
    return z[np.argsort(-keys)[:walkers]]


def _diagnostics(problem: Problem, chain: np.ndarray, lp: np.ndarray, seed: int, meta: dict):
    """InferenceData of the kept half of the chain (walkers, steps, ndim), R-hat and ESS."""
    import arviz as az

    kept = chain[:, chain.shape[1] // 2:]
    flat = problem.values(kept.reshape(-1, problem.ndim)).reshape(kept.shape)
    posterior = {name: flat[..., j] for j, name in enumerate(problem.names)}
    stats = {"lp": lp[:, lp.shape[1] // 2:]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = az.from_dict(posterior=posterior, sample_stats=stats)
        idata.posterior.attrs.update(meta)
        rhat = az.rhat(idata)
        ess = az.ess(idata, method="bulk")
    return (idata, {n: float(rhat[n]) for n in problem.names},
            {n: float(ess[n]) for n in problem.names})


def calibrate(
    system,
    walkers: int = 256,
    block: int = 50,
    max_iterations: int = 6000,
    seed: int = 0,
    target_rhat: float = 1.01,
    target_ess: float = 400,
    thin: int = 5,
    progress: Callable[[int], None] | None = None,
) -> Calibration:
    """Sample the posterior with emcee until R-hat and ESS pass or the budget runs out.

    Every ``block`` stored samples (``thin`` sampler steps each) the diagnostics are
    checked on the second half of the chain; ``max_iterations`` counts sampler steps.
    """
    import emcee

    problem = Problem(system)
    if walkers < 2 * problem.ndim:
        raise EvidenceError(f"--walkers must be at least twice the number of calibrated "
                            f"parameters ({2 * problem.ndim})")
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    state = _start(problem, walkers, rng, screen=max(4096, 16 * walkers))
    # proposals from a KDE of the other walkers mix fast once the ensemble has the
    # posterior's shape; differential-evolution steps keep it exploring
    moves = [(emcee.moves.KDEMove(), 0.9), (emcee.moves.DEMove(), 0.1)]
    sampler = emcee.EnsembleSampler(walkers, problem.ndim, problem.log_prob, moves=moves,
                                    vectorize=True)
    sampler.random_state = np.random.RandomState(seed).get_state()
    meta = {"system": system.name, "model": system.model.name,
            "fingerprint": model_fingerprint(system), "seed": seed,
            "calibrated": ",".join(problem.names),
            "observations": ",".join(t.id for t in problem.likelihood.targets),
            "sampler": f"emcee {emcee.__version__} (KDE 0.9, DE 0.1), {walkers} walkers"}
    done, piece = 0, max(1, block // 10)
    while True:
        for _ in range(0, block, piece):
            state = sampler.run_mcmc(state, piece, thin_by=thin, progress=False)
            done += piece * thin
            if progress:
                progress(piece * thin)
        chain = np.swapaxes(sampler.get_chain(), 0, 1)
        lp = sampler.get_log_prob().T
        idata, rhat, ess = _diagnostics(problem, chain, lp, seed, meta)
        converged = max(rhat.values()) < target_rhat and min(ess.values()) > target_ess
        if converged or done >= max_iterations:
            break
    seconds = time.perf_counter() - started
    idata.posterior.attrs.update(iterations=done, seconds=round(seconds, 2),
                                 converged=int(converged))
    return Calibration(idata, rhat, ess, converged, done, seconds)
