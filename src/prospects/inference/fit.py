"""The calibration fit: each observation's claimed figure beside the model's predictive
interval for it, before (prior) and after (posterior) calibration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.run import run_chunk
from .likelihood import Likelihood, Target


@dataclass
class FitRow:
    observation: str
    claim: str
    claimed: str
    prior: tuple[float, float, float]  # 5%, 50%, 95%
    posterior: tuple[float, float, float]
    covered: bool


def predictive_values(system, idata, draws: int, seed: int, likelihood: Likelihood):
    """Each observation's model value per draw (bias applied), with calibrated parameters
    from ``idata`` (or their priors when ``idata`` is None) and the rest from priors."""
    from ..engine.sampling import sample
    from ..inference.posterior import posterior_joint
    from ..projection import parameter_sources

    sources = parameter_sources(system, idata)
    bias_sources = {b: system.evidence.parameters[b].prior for b in likelihood.biases}
    if idata is not None:
        bias_sources.update({b: c for b, c in posterior_joint(idata).columns().items()
                             if b in bias_sources})
    biases = sample(bias_sources, draws, seed)
    arrays = run_chunk(system.model, 0, draws, priors=sources, seed=seed,
                       outputs=likelihood.outputs, until=likelihood.last_month + 1)
    return likelihood.values(arrays, biases)


def covers(target: Target, low: float, high: float) -> bool:
    """Whether a predictive interval [low, high] is consistent with the claim."""
    if target.kind == "at_most":
        return low <= target.high
    if target.kind == "at_least":
        return high >= target.low
    if target.kind == "event_by":
        return low <= target.low if target.direction == "below" else high >= target.low
    return low <= target.high and high >= target.low


def fit_table(system, idata, draws: int = 2000, seed: int = 0) -> list[FitRow]:
    likelihood = Likelihood(system)
    prior = predictive_values(system, None, draws, seed, likelihood)
    post = predictive_values(system, idata, draws, seed, likelihood)
    rows = []
    for target in likelihood.targets:
        obs = system.evidence.observations[target.id]
        q_prior = tuple(np.quantile(prior[target.id], [0.05, 0.5, 0.95]))
        q_post = tuple(np.quantile(post[target.id], [0.05, 0.5, 0.95]))
        rows.append(FitRow(target.id, obs.claim, target.claimed, q_prior, q_post,
                           covers(target, q_post[0], q_post[2])))
    return rows
