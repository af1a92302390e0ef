"""Ensembles of a system: prior-predictive runs and the outputs analysts look at."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .engine import Intervention, simulate
from .system import System

#: What the summary, report and projections keep unless asked for more.
KEY_OUTPUTS = ("total_fighters", "fighters", "sanctuary_fighters", "cash", "bases_held",
               "control", "leadership", "cohesion", "activity", "donor_confidence", "money")


def key_outputs(system: System) -> list[str]:
    """The key outputs this system's model has (another group's model may have fewer)."""
    return [name for name in KEY_OUTPUTS if name in system.model.variables]


def prior_predictive(
    system: System,
    draws: int = 10_000,
    seed: int = 0,
    outputs: Sequence[str] | None = None,
    interventions: Sequence[Intervention] = (),
    progress: Callable[[int], None] | None = None,
    client=None,
):
    """Run the model with every uncertain parameter drawn from its prior (on a Dask
    ``client`` if one is given)."""
    return simulate(system.model, draws=draws, priors=system.priors, seed=seed,
                    outputs=list(outputs or key_outputs(system)), interventions=interventions,
                    progress=progress, client=client)
