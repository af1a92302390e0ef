"""Calibration of every uncertain parameter, jointly, by Sequential Monte Carlo (SMCPy).

Each uncertain parameter ``θ`` (a model parameter whose prior is not ``fixed``, or the
bias term of a self-reported figure) is written as ``θ = F⁻¹(σ(z))``, with ``F`` its
prior's CDF and ``σ`` the logistic function: the prior is a standard logistic density on
``z`` and every ``z`` is a valid parameter value.

SMCPy's adaptive sampler tempers from the prior to the posterior: each stage raises the
likelihood's exponent as far as keeps the effective sample size at ``target_ess`` of the
particles, resamples, and moves every particle by Metropolis steps in ``z`` whose
proposals come from the particles' covariance, scaled towards 23.4% acceptance (our
move kernel: see ``Moves``). Every step evaluates all particles in one vectorised
engine call, stopped at the last observed month, in process or in chunks on a Dask
cluster (the same numbers either way).

Independent runs (seeds spawned from ``seed``) are the posterior's chains: ArviZ's R-hat
and bulk ESS are computed across them, particles kept in the order resampling left them,
so the descendants of one ancestor count as correlated draws. The log evidence is the
runs' mean, with the standard error of that mean.

Written here: only the glue (parameters to engine runs to likelihood), the record of each
stage, and the checks that stop a calibration the observations contradict.
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from ..engine.run import (
    NonFiniteError,
    buffer_shape,
    chosen_backend,
    compiled,
    draw_steps,
    run_chunk,
)
from ..evidence import EvidenceError
from .likelihood import Likelihood

#: the Metropolis acceptance rate the proposal scale is tuned towards
ACCEPTANCE = 0.234


def model_fingerprint(system) -> str:
    """A short hash of the model's equations and of every prior: posteriors carry it, so
    a posterior is refused once the model or a prior it was drawn under has changed."""
    from ..sd.inspect import describe

    lines = [f"{v.name}|{v.kind}|{v.dims}|{v.equation}" for v in describe(system.model)]
    lines += [f"{name}~{spec.prior}" for name, spec in sorted(system.evidence.parameters.items())]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


class Problem:
    """The uncertain parameters of a system and the likelihood of its observations, for
    many parameter sets at once."""

    def __init__(self, system, observations=None, client=None):
        self.system, self.client = system, client
        self.likelihood = Likelihood(system, observations)
        self.backend = None  # the engine's choice, unless ``choose_backend`` makes one
        specs = system.evidence.parameters
        bias = set(system.evidence.bias_names)
        self.names = [n for n in system.priors] + sorted(
            b for b in bias if specs[b].prior.dist != "fixed")
        self.bias_names = bias
        self.priors = [specs[n].prior for n in self.names]
        fixed = [b for b in self.likelihood.biases if b not in self.names]
        if fixed:
            raise EvidenceError(f"{system.folder / 'parameters.yaml'}: the bias term(s) "
                                f"{', '.join(fixed)} need a prior that is not 'fixed'")
        if not self.names:
            raise EvidenceError(f"{system.folder / 'parameters.yaml'}: no parameter has an "
                                "uncertain prior, so there is nothing to calibrate")

    def choose_backend(self, runs: int, particles: int, steps: int) -> None:
        """One backend for all the runs of a calibration, chosen from a lower bound of its
        work (``chosen_backend``): each SMC run's first stage, its prior draws and
        ``steps`` moves of every particle, up to the last observation."""
        model = self.system.model
        share = (self.likelihood.last_month + 1) / model.n_outputs  # of the run's length
        self.backend = chosen_backend(None, draw_steps(model, runs * particles * (1 + steps))
                                      * share)

    @property
    def ndim(self) -> int:
        return len(self.names)

    def values(self, z: np.ndarray) -> np.ndarray:
        """Parameter values (particles, ndim) from sampler coordinates."""
        u = np.clip(expit(np.atleast_2d(z)), 1e-12, 1 - 1e-12)
        return np.column_stack([p.ppf(u[:, j]) for j, p in enumerate(self.priors)])

    def split(self, theta: np.ndarray) -> tuple[dict, dict]:
        """Model parameters and bias terms, each name -> per-particle values."""
        columns = {name: theta[:, j] for j, name in enumerate(self.names)}
        params = {k: v for k, v in columns.items() if k not in self.bias_names}
        biases = {k: v for k, v in columns.items() if k in self.bias_names}
        return params, biases

    def observed(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Each observation's model value per parameter set (bias applied); NaN where
        the run went non-finite."""
        params, biases = self.split(theta)
        arrays = self._run(params, len(theta))
        return self.likelihood.values(arrays, biases)

    def _run(self, params: dict, n: int) -> dict:
        outputs, until = self.likelihood.outputs, self.likelihood.last_month + 1
        if self.client is not None:
            return _run_on_cluster(self.client, self.system.model, params, n, outputs, until,
                                   self.backend)
        return _run_guarded(self.system.model, params, 0, n, outputs, until, self.backend)

    def log_likelihoods(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each observation's log-likelihood per parameter set (-inf where non-finite)."""
        out = {}
        for target in self.likelihood.targets:
            logp = target.logp(values[target.id])
            out[target.id] = np.where(np.isfinite(logp), logp, -np.inf)
        return out

    def satisfied(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {t.id: t.satisfied(values[t.id]) for t in self.likelihood.targets}


def _run_guarded(model, params, start, n, outputs, until, backend=None) -> dict:
    """``run_chunk`` for parameter sets ``start .. start + n``; a set whose run goes
    non-finite gets NaN outputs instead of stopping the others (found by halving)."""
    try:
        return run_chunk(model, start, n, params=params, outputs=outputs, until=until,
                         backend=backend)
    except NonFiniteError:
        if n == 1:
            program = compiled(model)
            return {k: np.moveaxis(np.full(buffer_shape(program, k, 1, until), np.nan), -1, 0)
                    for k in outputs}
        half = n // 2
        a = _run_guarded(model, params, start, half, outputs, until, backend)
        b = _run_guarded(model, params, start + half, n - half, outputs, until, backend)
        return {k: np.concatenate([a[k], b[k]]) for k in a}


def _cluster_task(model, start, n, params=None, outputs=None, until=None, backend=None):
    return _run_guarded(model, params, start, n, outputs, until, backend)


def _run_on_cluster(client, model, params, n, outputs, until, backend,
                    chunk: int = 1024) -> dict:
    from ..scale.cluster import run_chunks

    parts = {}
    run_chunks(client, _cluster_task, model,
               [(s, min(chunk, n - s)) for s in range(0, n, chunk)],
               lambda start, _n, result: parts.__setitem__(start, result),
               params=params, outputs=outputs, until=until, backend=backend)
    return {k: np.concatenate([parts[s][k] for s in sorted(parts)]) for k in outputs}


class PriorDataConflict(EvidenceError):
    """The observations contradict the priors or each other: no draw can meet them."""


def check_conflict(problem: Problem, values: dict[str, np.ndarray], stage: str) -> None:
    """Stop if no ``stage`` draw satisfies some observation ("posterior": after tempering)
    or, for the prior draws, if some observation has a finite likelihood under none. A
    ``normal`` observation is a noisy measurement with no bound to miss: only the prior
    check applies to it."""
    if stage == "prior":
        logp = problem.log_likelihoods(values)
        none = [k for k, v in logp.items() if not np.isfinite(v).any()]
        if not none and not np.isfinite(sum(logp.values())).any():
            none = list(logp)
    else:
        kinds = {t.id: t.kind for t in problem.likelihood.targets}
        none = [k for k, ok in problem.satisfied(values).items()
                if not ok.any() and kinds[k] != "normal"]
    if none:
        where = problem.system.folder / "observations.yaml"
        raise PriorDataConflict(
            f"{where}: no {stage} draw satisfies observation(s) {', '.join(none)}: they "
            "conflict with the priors or with the other observations; nothing was written")


@dataclass
class Run:
    """One SMC run: its final particles, stage record and log evidence."""

    z: np.ndarray
    log_evidence: float
    beta: list[float] = field(default_factory=list)
    ess: list[float] = field(default_factory=list)
    acceptance: list[float] = field(default_factory=list)
    prior_z: np.ndarray | None = None
    prior_values: dict | None = None


def _smc_run(problem: Problem, particles: int, steps: int, target_ess: float,
             rng: np.random.Generator, progress: Callable[[float], None] | None) -> Run:
    """One adaptive-tempering run of SMCPy's sampler on ``problem``."""
    from scipy import stats
    from smcpy import AdaptiveSampler, VectorMCMC, VectorMCMCKernel
    from smcpy.log_likelihoods import BaseLogLike

    record = Run(z=np.empty(0), log_evidence=np.nan)

    class LogLike(BaseLogLike):
        def __call__(self, z):
            values = problem.observed(problem.values(z))
            if record.prior_values is None:  # the first call scores the prior draws
                record.prior_z, record.prior_values = np.array(z), values
                check_conflict(problem, values, "prior")
            total = sum(problem.log_likelihoods(values).values())
            return np.asarray(total, dtype=float).reshape(-1, 1)

    class Sampler(AdaptiveSampler):
        def _do_smc_step(self, phi, num_mcmc_samples):
            super()._do_smc_step(phi, num_mcmc_samples)
            record.ess.append(float(self._updater.ess))
            if progress:
                progress(phi - (record.beta[-1] if record.beta else 0.0))
            record.beta.append(float(phi))

    class Moves(VectorMCMC):
        """Random-walk Metropolis with the particles' covariance, its scale tuned towards
        the acceptance rate that is optimal in many dimensions (0.234: Roberts, Gelman and
        Gilks 1997) and carried from stage to stage. SMCPy's own rule (shrink fivefold
        below 30% acceptance, double above 70%) keeps the steps far too small in tens of
        dimensions, so the particles barely move from their resampled copies."""

        scale = 2.38**2 / problem.ndim

        def smc_metropolis(self, inputs, num_samples, cov, log_likes=None):
            log_priors, log_like = self._initialize_probabilities(inputs, log_likes)
            rates = []
            for _ in range(num_samples):
                inputs, log_like, log_priors, rejected = self._perform_mcmc_step(
                    inputs, cov * self.scale, log_like, log_priors)
                rates.append(1.0 - float(np.mean(rejected)))
                self.scale *= np.exp(rates[-1] - ACCEPTANCE)
            record.acceptance.append(float(np.mean(rates)))
            return inputs, log_like

    priors = [stats.logistic() for _ in problem.names]
    mcmc = Moves(lambda z: z, None, priors, log_like_func=LogLike)
    kernel = VectorMCMCKernel(mcmc, param_order=problem.names, rng=rng)
    sampler = Sampler(kernel, show_progress_bar=False)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        steps_out, log_evidence = sampler.sample(num_particles=particles,
                                                 num_mcmc_samples=steps, target_ess=target_ess)
    record.z = steps_out[-1].params
    record.log_evidence = float(np.asarray(log_evidence)[-1])
    return record


_progress_queue = None


def _report_to_queue(queue) -> None:
    global _progress_queue
    _progress_queue = queue


def _queued_run(problem, particles, steps, target_ess, seed) -> Run:
    return _smc_run(problem, particles, steps, target_ess, np.random.default_rng(seed),
                    _progress_queue.put)


def _parallel_runs(problem, seeds, particles, steps, target_ess, progress) -> list[Run]:
    """The independent runs in worker processes, one a core (forked: they share the
    loaded system), passing each stage's progress back through a queue."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from queue import Empty

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = min(len(seeds), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_report_to_queue,
                             initargs=(queue,)) as pool:
        futures = [pool.submit(_queued_run, problem, particles, steps, target_ess, s)
                   for s in seeds]
        while True:
            try:
                step = queue.get(timeout=0.1)
            except Empty:
                if all(f.done() for f in futures) and queue.empty():
                    break
                continue
            if progress:
                progress(step)
        return [f.result() for f in futures]


@dataclass
class Calibration:
    """A calibration's posterior (ArviZ InferenceData) and how it got there."""

    idata: object
    problem: Problem
    rhat: dict[str, float]
    ess: dict[str, float]
    log_evidence: float
    log_evidence_se: float
    seconds: float
    identifiability: object  # xarray.Dataset, see ``identifiability``

    @property
    def max_rhat(self) -> float:
        return max(self.rhat.values())

    @property
    def min_ess(self) -> float:
        return min(self.ess.values())

    @property
    def not_identified(self) -> list[str]:
        from .posterior import not_identified

        return not_identified(self.identifiability)


#: particles per SMC run by default: with 2,000 the two runs of the second edition's model
#: disagreed on a weakly identified parameter in some seeds (min bulk ESS 181-264)
PARTICLES = 3000


def calibrate(
    system,
    particles: int = PARTICLES,
    runs: int = 2,
    steps: int = 48,
    target_ess: float = 0.5,
    seed: int = 0,
    observations: dict | None = None,
    client=None,
    progress: Callable[[float], None] | None = None,
) -> Calibration:
    """The joint posterior of every uncertain parameter, from ``runs`` independent SMC
    runs of ``particles`` particles with ``steps`` Metropolis steps per stage, given the
    system's observations (or ``observations``, id -> ObservationSpec). ``client``: a Dask
    client or scheduler address to run the particles on. ``progress(d)`` is called with
    each stage's rise of the likelihood's exponent (the runs together sum to ``runs``)."""
    from importlib.metadata import version

    if runs < 2:
        raise EvidenceError("calibration needs at least 2 independent runs (its chains), "
                            "to estimate R-hat and the log evidence's error")
    problem = Problem(system, observations, client=client)
    problem.choose_backend(runs, particles, steps)
    started = time.perf_counter()
    seeds = np.random.SeedSequence(seed).spawn(runs)
    if client is None and min(runs, os.cpu_count() or 1) > 1:
        results = _parallel_runs(problem, seeds, particles, steps, target_ess, progress)
    else:
        results = [_smc_run(problem, particles, steps, target_ess, np.random.default_rng(s),
                            progress) for s in seeds]
    theta = np.stack([problem.values(r.z) for r in results])  # (chain, draw, parameter)
    posterior_values = problem.observed(theta.reshape(-1, problem.ndim))
    check_conflict(problem, posterior_values, "posterior")
    seconds = time.perf_counter() - started
    logz = np.array([r.log_evidence for r in results])
    from .. import __version__

    meta = {"system": system.name, "model": system.model.name,
            "prospects_version": __version__,
            "fingerprint": model_fingerprint(system), "seed": seed,
            "parameters": ",".join(problem.names),
            "observations": ",".join(t.id for t in problem.likelihood.targets),
            "sampler": f"SMCPy {version('smcpy')} adaptive tempering, {runs} runs of "
                       f"{particles} particles, {steps} Metropolis steps per stage, target "
                       f"ESS {target_ess:g}",
            "log_evidence": float(logz.mean()),
            "log_evidence_se": float(logz.std(ddof=1) / np.sqrt(runs)),
            "log_evidence_runs": ",".join(f"{v:.6g}" for v in logz),
            "seconds": round(seconds, 2)}
    if system.as_of is not None:
        meta["as_of"] = system.as_of
    if system.evidence.overlays:
        meta["evidence"] = "|".join(map(str, system.evidence.overlays))
    from .posterior import inference_data

    idata, ident = inference_data(problem, results, theta, posterior_values, meta)
    rhat, ess = _diagnostics(idata, problem.names)
    idata.posterior.attrs.update(max_rhat=max(rhat.values()), min_ess=min(ess.values()))
    return Calibration(idata, problem, rhat, ess, meta["log_evidence"],
                       meta["log_evidence_se"], seconds, ident)


def _diagnostics(idata, names) -> tuple[dict, dict]:
    import arviz as az

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rhat = az.rhat(idata.posterior)
        ess = az.ess(idata.posterior, method="bulk")
    return ({n: float(rhat[n]) for n in names}, {n: float(ess[n]) for n in names})
