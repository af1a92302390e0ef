"""Global sensitivity: Sobol' indices of key outcomes to every uncertain factor.

Saltelli's scheme on the unit cube (SALib), transformed to parameter values and lever
intensities (see ``factors``), run as one vectorised ensemble of (k + 2) N draws. S1 is
the share of an outcome's variance a factor explains alone, ST its share counting all its
interactions; ``*_conf`` are 95% bootstrap half-widths.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from ..evidence import EvidenceError
from ..system import System
from .factors import factors, realise

#: Outcome name -> (model output, label).
OUTCOMES = {
    "total_fighters": ("total_fighters", "Total fighters"),
    "bases_held": ("bases_held", "Bases held"),
    "cash": ("cash", "Cash (USD)"),
    "activity": ("activity", "Activity, all theatres"),
}
COLUMNS = ["outcome", "factor", "S1", "S1_conf", "ST", "ST_conf"]


def check_date(system: System, when: str) -> str:
    """A month ("2021-06") inside the run, or a one-line EvidenceError."""
    model = system.model
    when = str(when).strip()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", when):
        raise EvidenceError(f"date '{when}' is not a month like 2021-06")
    if not model.start.isoformat()[:7] <= when <= model.stop.isoformat()[:7]:
        raise EvidenceError(f"date '{when}' is outside the run ({model.start.isoformat()[:7]} "
                            f"to {model.stop.isoformat()[:7]})")
    return when


def outcomes(ds, when: str) -> dict[str, np.ndarray]:
    """Each key outcome at a month, one value per draw (activity summed over theatres)."""
    from ..analysis import at

    found = {}
    for name, (variable, _) in OUTCOMES.items():
        if variable not in ds:
            continue
        da = at(ds[variable], when)
        extra = [d for d in da.dims if d != "draw"]
        found[name] = np.asarray(da.sum(extra) if extra else da, dtype=float)
    return found


def sobol(
    system: System,
    n: int = 1024,
    when: str = "2021-06",
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    client=None,
):
    """Sobol' S1 and ST (with 95% intervals) of each outcome at ``when``, as a tidy
    DataFrame with columns ``COLUMNS``. ``n`` is a power of two, at least 8. The design
    runs on a Dask ``client`` if one is given."""
    import pandas as pd
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    from ..engine import simulate

    if n < 8 or n & (n - 1):
        raise EvidenceError(f"n must be a power of two of at least 8 (got {n})")
    when = check_date(system, when)
    chosen = factors(system)
    problem = {"num_vars": len(chosen), "names": [f.name for f in chosen],
               "bounds": [[0.0, 1.0]] * len(chosen)}
    unit = sample.sample(problem, n, calc_second_order=False, seed=seed)
    params, interventions = realise(system, chosen, unit)
    wanted = [v for v, _ in OUTCOMES.values() if v in system.model.variables]
    ds = simulate(system.model, draws=len(unit), params=params, seed=seed,
                  interventions=interventions, outputs=wanted, progress=progress,
                  client=client)
    rows = []
    for name, y in outcomes(ds, when).items():
        if np.ptp(y) == 0:  # a constant outcome: no variance to share out
            indices = {key: np.zeros(len(chosen)) for key in COLUMNS[2:]}
        else:
            indices = analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        for j, factor in enumerate(chosen):
            rows.append([name, factor.name] + [float(indices[key][j]) for key in COLUMNS[2:]])
    return pd.DataFrame(rows, columns=COLUMNS)
