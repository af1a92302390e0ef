"""Scenario discovery: which combinations of factors lead to the group's collapse.

Factors (parameters and lever intensities, see ``factors``) are sampled by Latin
hypercube; a draw "collapses" when the outlook's collapse variable (summed over its
dimensions) is below a threshold at a month. PRIM
(EMA Workbench) peels the factor space towards a box dense in collapses. Of the boxes on
the peeling trajectory we keep the densest one that still covers at least
``min_coverage`` of the collapses: coverage is the share of all collapses inside the box,
density the share of draws inside the box that collapse.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..evidence import EvidenceError
from ..system import System
from .factors import factors, realise, values
from .sensitivity import check_date, outcomes


@dataclass
class Discovery:
    """A PRIM box: its limits, how well it captures collapse, and the whole trajectory."""

    limits: object  # DataFrame: factor, low, high, full_low, full_high, qp_low, qp_high
    coverage: float
    density: float
    mass: float
    base_rate: float
    collapses: int
    draws: int
    trajectory: object  # DataFrame: one row per box on the peeling trajectory
    chosen: int  # the chosen box's row in ``trajectory``


def experiments(system: System, n: int, seed: int = 0):
    """``n`` Latin-hypercube samples: the factors list and the unit-cube matrix."""
    from scipy.stats import qmc

    chosen = factors(system)
    return chosen, qmc.LatinHypercube(d=len(chosen), seed=seed).random(n)


def _prim():
    """EMA Workbench's PRIM module, imported quietly; or which extra to install."""
    import logging

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("EMA").setLevel(logging.WARNING)
        from ..extras import require

        return require("ema_workbench.analysis.prim")


def prim_box(x, y: np.ndarray, min_coverage: float = 0.5, peel_alpha: float = 0.05,
             mass_min: float = 0.05) -> Discovery:
    """Run PRIM on factor values ``x`` (DataFrame) and a boolean outcome ``y``."""
    import pandas as pd

    prim = _prim()
    y = np.asarray(y, dtype=bool)
    if not 0 < y.sum() < y.size:
        raise EvidenceError(f"{int(y.sum())} of {y.size} draws collapse: PRIM needs some "
                            "draws that collapse and some that do not; change the threshold")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # PRIM counts y >= threshold as of interest and keeps a box as dense as that
        finder = prim.Prim(x.reset_index(drop=True), y.astype(int), threshold=y.mean(),
                           peel_alpha=peel_alpha, mass_min=mass_min)
        box = finder.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    i = int(eligible["density"].idxmax()) if len(eligible) else 0
    box.select(i)
    lims, full = box.box_lims[i], finder.box_init
    rows = []
    for name in x.columns:
        low, high = float(lims[name].iloc[0]), float(lims[name].iloc[1])
        lo0, hi0 = float(full[name].iloc[0]), float(full[name].iloc[1])
        if low == lo0 and high == hi0:
            continue
        qp = box.qp[i].get(name, [np.nan, np.nan])
        qp = [np.nan if v is None or v < 0 else float(v) for v in qp]
        rows.append([name, low, high, lo0, hi0, qp[0], qp[1]])
    limits = pd.DataFrame(rows, columns=["factor", "low", "high", "full_low", "full_high",
                                         "qp_low", "qp_high"])
    stats = trajectory.iloc[i]
    return Discovery(limits, float(stats["coverage"]), float(stats["density"]),
                     float(stats["mass"]), float(y.mean()), int(y.sum()), int(y.size),
                     trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]], i)


def check_inputs(system: System, threshold: float, when: str, n: int,
                 min_coverage: float = 0.5) -> str:
    """Refuse bad input in one line (EvidenceError), and a missing extra, before any
    work; return the month."""
    _prim()
    if not threshold > 0:
        raise EvidenceError(f"threshold must be a positive number (got {threshold})")
    if n < 100:
        raise EvidenceError(f"--draws must be at least 100 (got {n})")
    if not 0 < min_coverage <= 1:
        raise EvidenceError(f"minimum coverage must be in (0, 1] (got {min_coverage})")
    return check_date(system, when)


def discover(
    system: System,
    threshold: float | None = None,
    when: str | None = None,
    n: int = 5000,
    seed: int = 0,
    min_coverage: float = 0.5,
    progress: Callable[[int], None] | None = None,
    client=None,
) -> Discovery:
    """PRIM box for "the collapse variable at ``when`` below ``threshold``" over ``n``
    draws (defaults: the outlook's horizon and collapse threshold), run on a Dask
    ``client`` if one is given."""
    from ..engine import simulate

    collapse = system.outlook.collapse_asked()
    threshold = collapse.below if threshold is None else threshold
    when = check_inputs(system, threshold, when or system.outlook.horizon, n, min_coverage)
    chosen, unit = experiments(system, n, seed)
    params, interventions = realise(system, chosen, unit)
    variable = collapse.variable
    ds = simulate(system.model, draws=n, params=params, seed=seed, interventions=interventions,
                  outputs=[variable], progress=progress, client=client)
    y = outcomes(ds, [variable], when)[variable] < threshold
    return prim_box(values(chosen, unit), y, min_coverage=min_coverage)
