"""The calibration fit, as the likelihood means it: for each observation, the share of
prior-predictive and of posterior-predictive draws that satisfy the claim (inside the
interval, on the right side of the bound, across the threshold by the date), with draws
made exactly as projections make them; and, for interval claims, a posterior-predictive
p-value: the chance that a replicated figure (model value plus the observation's own
noise) lies above the claimed one. A p-value near 0 or 1 says the model cannot reproduce
the figure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.run import run_chunk
from .likelihood import Likelihood


@dataclass
class FitRow:
    observation: str
    claim: str
    claimed: str
    prior_share: float
    posterior_share: float
    prior: tuple[float, float, float]  # 5%, 50%, 95% of the model value
    posterior: tuple[float, float, float]
    p_value: float | None  # interval claims only


def predictive_values(system, idata, draws: int, seed: int, likelihood: Likelihood):
    """Each observation's model value per draw (bias applied), every parameter drawn as
    projections draw it: from the posterior's joint particles, or from the priors when
    ``idata`` is None."""
    from ..engine.sampling import sample
    from ..inference.posterior import posterior_joint
    from .posterior import parameter_sources

    sources = parameter_sources(system, idata)
    bias_sources = {b: system.evidence.parameters[b].prior for b in likelihood.biases}
    if idata is not None:
        bias_sources.update({b: c for b, c in posterior_joint(idata).columns().items()
                             if b in bias_sources})
    biases = sample(bias_sources, draws, seed)
    arrays = run_chunk(system.model, 0, draws, priors=sources, seed=seed,
                       outputs=likelihood.outputs, until=likelihood.last_month + 1)
    return likelihood.values(arrays, biases)


def fit_table(system, idata, draws: int = 2000, seed: int = 0) -> list[FitRow]:
    likelihood = Likelihood(system)
    prior = predictive_values(system, None, draws, seed, likelihood)
    post = predictive_values(system, idata, draws, seed, likelihood) \
        if idata is not None else None
    noise = np.random.default_rng([seed, 1]).standard_normal(draws)
    rows = []
    for target in likelihood.targets:
        obs = system.evidence.observations[target.id]
        value = post[target.id] if post is not None else prior[target.id]
        p_value = None
        if target.kind in ("interval", "soft_interval", "normal"):
            p_value = float(np.mean(value + target.scale * noise > target.figure))
        rows.append(FitRow(
            target.id, obs.claim, target.claimed,
            float(target.satisfied(prior[target.id]).mean()),
            float(target.satisfied(value).mean()) if post is not None else float("nan"),
            tuple(np.quantile(prior[target.id], [0.05, 0.5, 0.95])),
            tuple(np.quantile(value, [0.05, 0.5, 0.95])),
            p_value))
    return rows
