"""Made-up data the page tests share: a vintages Dataset as `prospects vintages` writes it."""

import numpy as np
import xarray as xr

from prospects.inference.vintages import SCORE_COLUMNS


def made_up_vintages(system, scenarios, scored: bool = False) -> xr.Dataset:
    """Two vintages' outcome probabilities and a headline output's quantiles (made up:
    the pages only draw them) and, if
    ``scored``, rolling-origin scores of two later figures and one event per vintage and
    the log-likelihood change of two new observations, in the variables and coordinates
    `prospects vintages` writes."""
    outcomes = system.outlook.outcomes
    p = np.linspace(0.1, 0.9, 2 * len(scenarios) * len(outcomes)).reshape(
        2, len(scenarios), len(outcomes))
    ds = xr.Dataset({"outcome_p": (("vintage", "scenario", "outcome"), p)},
                    coords={"vintage": ["2018-06", "2018-12"], "scenario": scenarios,
                            "outcome": [o.id for o in outcomes],
                            "outcome_label": ("outcome", [o.label for o in outcomes])},
                    attrs={"system": system.name})
    # the first headline output's quantiles at the projection dates, the median rising
    # by 100 (in shown units) from one vintage to the next
    output = system.outlook.headline[0]
    times = np.array([f"{d}-01" for d in system.outlook.projection_dates],
                     dtype="datetime64[ns]")
    median = np.array([100.0, 200.0])[:, None, None, None] * output.scale * np.ones(
        (1, len(scenarios), 5, len(times)))
    ds[output.variable] = (("vintage", "scenario", "quantile", "time"), median)
    ds = ds.assign_coords(quantile=[0.05, 0.25, 0.5, 0.75, 0.95], time=times)
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
        # the first vintage has no earlier one to move from
        ds["loglik_change"] = (("vintage", "new"), [[np.nan, np.nan], [-0.3, 0.8]])
        ds = ds.assign_coords(new=["obs-small-move", "obs-large-move"])
    return ds
