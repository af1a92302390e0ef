"""Global sensitivity: Sobol' indices of the outlook's headline outputs, and of whether each
of its outcomes happens, to every uncertain factor.

Saltelli's scheme on the unit cube (SALib), transformed to parameter values and lever
intensities (see ``factors``), run as one vectorised ensemble of (k + 2) N draws. S1 is
the share of an outcome's variance a factor explains alone, ST its share counting all its
interactions; ``*_conf`` are 95% bootstrap half-widths.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..evidence import EvidenceError
from ..system import System
from ..system.outlook import events as happens
from ..system.outlook import model_time
from .factors import factors, realise

COLUMNS = ["outcome", "factor", "S1", "S1_conf", "ST", "ST_conf"]


def check_date(system: System, when) -> str | float:
    """A time inside the run (a month like "2021-06", or a number where the model's time
    is numbered), or a one-line EvidenceError."""
    try:
        return model_time(system.model, when)
    except ValueError as err:
        raise EvidenceError(f"date {err}") from None


def outcomes(ds, variables, when: str) -> dict[str, np.ndarray]:
    """Each of ``variables`` at a month, summed over its dimensions, one value per draw."""
    from ..analysis import at, summed

    return {v: np.asarray(at(summed(ds[v]), when), dtype=float) for v in variables}


def check_base_size(n: int) -> None:
    """Saltelli's design needs a base sample size N that is a power of two, at least 8."""
    if n < 8 or n & (n - 1):
        raise EvidenceError(f"the Sobol base sample size (--draws) must be a power of two "
                            f"of at least 8 (got {n})")


def sobol(
    system: System,
    n: int = 1024,
    when: str | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    client=None,
    events: bool = True,
):
    """Sobol' S1 and ST (with 95% intervals) of each headline output (by variable name) at
    ``when`` (default: the outlook's horizon), then, with ``events``, of each outlook
    outcome (by its id, at its own dates) as a 0/1 value per draw, whose variance is that
    of the outcome's probability; a tidy DataFrame with columns ``COLUMNS`` (its ``attrs``
    give ``base_samples`` n and the number of ``runs``). ``n`` is a power of two, at
    least 8. The design runs on a Dask ``client`` if one is given."""
    import pandas as pd
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    from ..engine import simulate

    check_base_size(n)
    when = check_date(system, when or system.outlook.horizon)
    chosen = factors(system)
    problem = {"num_vars": len(chosen), "names": [f.name for f in chosen],
               "bounds": [[0.0, 1.0]] * len(chosen)}
    unit = sample.sample(problem, n, calc_second_order=False, seed=seed)
    params, interventions = realise(system, chosen, unit)
    headline = list(dict.fromkeys(o.variable for o in system.outlook.headline))
    questions = system.outlook.outcomes if events else []
    ds = simulate(system.model, draws=len(unit), params=params, seed=seed,
                  interventions=interventions,
                  outputs=system.outlook.asked if events else headline, progress=progress,
                  client=client)
    values = outcomes(ds, headline, when)
    if questions:
        values.update(zip((o.id for o in questions), happens(ds, questions).astype(float),
                          strict=True))
    rows = []
    for name, y in values.items():
        if np.ptp(y) == 0:  # a constant outcome: no variance to share out
            indices = {key: np.zeros(len(chosen)) for key in COLUMNS[2:]}
        else:
            # SALib seeds its bootstrap only for a true seed (``if seed:``): seed 0 would
            # leave the intervals to NumPy's global state, different at every run
            indices = analyze.analyze(problem, y, calc_second_order=False, seed=seed + 1)
        for j, factor in enumerate(chosen):
            rows.append([name, factor.name] + [float(indices[key][j]) for key in COLUMNS[2:]])
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs.update(base_samples=n, runs=len(unit))
    return table
