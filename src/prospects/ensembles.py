"""Ensembles of a system: prior-predictive runs of the outputs its outlook keeps."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .engine import Intervention, simulate
from .system import System


def prior_predictive(
    system: System,
    draws: int = 10_000,
    seed: int = 0,
    outputs: Sequence[str] | None = None,
    interventions: Sequence[Intervention] = (),
    progress: Callable[[int], None] | None = None,
    client=None,
    chunk: int | None = None,
):
    """Run the model with every uncertain parameter drawn from its prior (on a Dask
    ``client`` if one is given; ``chunk`` draws at a time, default: as memory allows)."""
    return simulate(system.model, draws=draws, priors=system.priors, seed=seed,
                    outputs=list(outputs or system.outlook.kept), interventions=interventions,
                    progress=progress, client=client, chunk=chunk)
