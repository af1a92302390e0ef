"""Made-up data the page tests share: a vintages Dataset as `prospects vintages` writes it."""

import numpy as np
import xarray as xr

from prospects.inference.vintages import SCORE_COLUMNS


def made_up_vintages(system, scenarios, scored: bool = False) -> xr.Dataset:
    """Two vintages' outcome probabilities (made up: the pages only draw them) and, if
    ``scored``, rolling-origin scores of two later figures and one event per vintage, in
    the variables and coordinates `prospects vintages` writes."""
    outcomes = system.outlook.outcomes
    p = np.linspace(0.1, 0.9, 2 * len(scenarios) * len(outcomes)).reshape(
        2, len(scenarios), len(outcomes))
    ds = xr.Dataset({"outcome_p": (("vintage", "scenario", "outcome"), p)},
                    coords={"vintage": ["2018-06", "2018-12"], "scenario": scenarios,
                            "outcome": [o.id for o in outcomes],
                            "outcome_label": ("outcome", [o.label for o in outcomes])})
    if scored:
        rng = np.random.default_rng(0)
        for column in SCORE_COLUMNS:
            values = rng.uniform(0.1, 0.9, (2, 3))
            if column == "in90":
                values = np.array([[1.0, 0.0, np.nan], [1.0, 1.0, np.nan]])
            if column == "lead":
                values = np.array([[6.0, 12.0, 6.0], [3.0, 6.0, 3.0]])
            ds[f"score_{column.replace('%', 'pct')}"] = (("vintage", "scored"), values)
        ds = ds.assign_coords(scored=["fig-a", "fig-b", "event-c"],
                              scored_kind=("scored", ["interval", "normal", "event_by"]))
    return ds
