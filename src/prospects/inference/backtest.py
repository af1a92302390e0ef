"""Backtests: score a projection against figures reported after it was made.

A backtest file is a YAML mapping with up to three lists, in the schemas of
docs/evidence-format.md:

- ``sources`` (optional): the later documents the file's claims cite;
- ``claims`` (optional): what those documents say (claims.yaml schema). A claim's
  ``source`` must be one of this file's sources or the system's, its ``actors`` the
  system's actors; its id must not repeat one of the system's claims;
- ``observations`` (required): bound to model variables (observations.yaml schema). An
  observation's ``claim`` may be one of this file's claims or the system's. Only
  ``interval`` and ``soft_interval`` observations can be scored (a backtest needs a figure),
  and the figure must be stated: ``low`` and ``high``, or the claim's quantity.

Every error names the file, the entry and the field, as for the system's evidence files.

Scoring, per observation, against one scenario of a projection (``prospects project``):
the model's value per draw is what calibration would compare (``Target.reduce``: the mean
over the months of the period, after selecting members and summing or averaging), *raw*:
no self-report ``bias`` is applied (the field is accepted and ignored). The observed value
``y`` is the stated value, or the midpoint of ``low`` and ``high`` (the table says which).

- CRPS: the ensemble estimator E|X - y| - 1/2 E|X - X'| over all pairs of draws (the
  1/n^2 form), computed in O(n log n) by sorting;
- coverage: whether ``y`` lies in the central 50% and 90% intervals of the draws;
- log density (higher is better; the negative of the usual log score, e.g.
  ``scoringrules.logs_ensemble``): log density at ``y`` of a Gaussian kernel density
  estimate of the draws
  (scipy's ``gaussian_kde``, Scott's bandwidth, floored at 1e-3 of the figures' scale so a
  degenerate ensemble still has a density).

Two point-forecast baselines, from the system's own calibration observations of the same
variable and selection (``interval`` and ``soft_interval`` ones, so they carry a figure)
whose period's midpoint lies before the projection start: persistence (the last such
figure) and a linear trend through the last two (by period midpoint), extrapolated to the
backtest observation's period midpoint. A point forecast's CRPS is |forecast - y|. Without
earlier figures a baseline is missing (NaN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from ..evidence import EvidenceError
from ..evidence.load import parse_entries, read_yaml
from ..evidence.schema import Claim, ObservationSpec, Source
from ..system import outside_run
from .likelihood import Target, build_targets

#: Likelihood kinds a backtest can score (they state a figure).
SCORABLE = ("interval", "soft_interval")
SECTIONS = ("sources", "claims", "observations")
COLUMNS = ["id", "variable", "period", "observed", "median", "5%", "95%", "crps", "in50",
           "in90", "log_density", "crps_persistence", "crps_trend"]


@dataclass
class BacktestFile:
    """A validated backtest file: later sources and claims, and observations to score."""

    path: Path
    observations: dict[str, ObservationSpec]
    claims: dict[str, Claim] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)

    def all_claims(self, system) -> dict[str, Claim]:
        """The system's claims and this file's."""
        return {**system.evidence.claims, **self.claims}

    def error(self, entry: str, field_name: str, message: str) -> EvidenceError:
        return EvidenceError(f"{self.path}: entry '{entry}' field '{field_name}': {message}")


def read_backtest(path: Path, system) -> BacktestFile:
    """Read and cross-check a backtest file against ``system`` (its model and evidence)."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        found = "nothing" if data is None else f"a {type(data).__name__}"
        raise EvidenceError(f"{path}: expected a mapping with 'observations' (and optional "
                            f"'sources' and 'claims'), found {found}")
    extra = sorted(set(map(str, data)) - set(SECTIONS))
    if extra:
        raise EvidenceError(f"{path}: unknown section(s) {', '.join(extra)}; known: "
                            f"{', '.join(SECTIONS)}")
    bt = BacktestFile(
        path=path,
        sources=parse_entries(path, data.get("sources"), Source),
        claims=parse_entries(path, data.get("claims"), Claim),
        observations=parse_entries(path, data.get("observations"), ObservationSpec),
    )
    if not bt.observations:
        raise EvidenceError(f"{path}: no observations to score")
    _check(bt, system)
    return bt


def _check(bt: BacktestFile, system) -> None:
    ev, model = system.evidence, system.model
    for source in bt.sources.values():
        if source.id in ev.sources:
            raise bt.error(source.id, "id", f"already a source of system '{system.name}'")
    for claim in bt.claims.values():
        if claim.id in ev.claims:
            raise bt.error(claim.id, "id", f"already a claim of system '{system.name}'")
        if claim.source not in bt.sources and claim.source not in ev.sources:
            raise bt.error(claim.id, "source", f"unknown source '{claim.source}' (not in this "
                           "file's sources nor the system's)")
        for actor in claim.actors if ev.actors else ():
            if actor not in ev.actors:
                raise bt.error(claim.id, "actors", f"unknown actor '{actor}'")
    claims = bt.all_claims(system)
    for obs in bt.observations.values():
        claim = claims.get(obs.claim)
        if claim is None:
            raise bt.error(obs.id, "claim", f"unknown claim '{obs.claim}' (not in this file's "
                           "claims nor the system's)")
        var = model.variables.get(obs.variable)
        if var is None:
            raise bt.error(obs.id, "variable", f"model '{model.name}' has no variable "
                           f"'{obs.variable}'")
        for dim, member in obs.select.items():
            if dim not in var.dims or member not in model.dimensions[dim].members:
                raise bt.error(obs.id, "select", f"'{obs.variable}' has no {dim} '{member}'")
        for dim in obs.over or []:
            if dim not in var.dims:
                raise bt.error(obs.id, "over", f"'{obs.variable}' has no dimension '{dim}'")
        if obs.likelihood not in SCORABLE:
            raise bt.error(obs.id, "likelihood", f"'{obs.likelihood}' states no figure to "
                           f"score; a backtest takes {' or '.join(SCORABLE)}")
        if (obs.low is None) != (obs.high is None):
            raise bt.error(obs.id, "low" if obs.low is None else "high",
                           "give both low and high, or neither (then the claim's quantity)")
        if obs.low is None and claim.quantity is None:
            raise bt.error(obs.id, "low", f"needed, since claim '{claim.id}' states no quantity")
        period = obs.period if obs.period is not None else claim.period
        if period is None:
            raise bt.error(obs.id, "period", f"needed, since claim '{claim.id}' has none")
        if outside := outside_run(period, model):
            raise bt.error(obs.id, "period", outside)


def _period_text(obs: ObservationSpec, claims: dict[str, Claim]) -> str:
    return obs.period if obs.period is not None else claims[obs.claim].period or ""


# --- scores -------------------------------------------------------------------------------

def crps_ensemble(draws, y: float) -> float:
    """CRPS of an ensemble against ``y``: E|X - y| - 1/2 E|X - X'| (pairs over all draws,
    1/n^2), via the sorted-sample identity sum_i (2i - n - 1) x_(i) / n^2 = 1/2 E|X - X'|."""
    x = np.sort(np.asarray(draws, dtype=float).ravel())
    n = x.size
    if n == 0:
        return math.nan
    spread = float(np.dot(2.0 * np.arange(1, n + 1) - n - 1, x)) / n**2
    return float(np.abs(x - y).mean()) - spread


def crps_point(forecast: float, y: float) -> float:
    """CRPS of a point forecast: its absolute error (NaN if there is no forecast)."""
    return abs(forecast - y) if np.isfinite(forecast) else math.nan


def log_density(draws, y: float, floor: float | None = None) -> float:
    """Log density at ``y`` of a Gaussian KDE of the draws (Scott's bandwidth, at least
    ``floor``; default 1e-3 of max(|y|, |median|, 1))."""
    from scipy.stats import gaussian_kde, norm

    x = np.asarray(draws, dtype=float).ravel()
    if x.size == 0:
        return math.nan
    if floor is None:
        floor = 1e-3 * max(abs(y), abs(float(np.median(x))), 1.0)
    sd = float(x.std(ddof=1)) if x.size > 1 else 0.0
    if sd <= 1e-9 * floor:
        # every draw the same: the KDE is one kernel of the floor's width
        return float(norm.logpdf(y, loc=float(x.mean()), scale=floor))
    scott = x.size ** -0.2
    kde = gaussian_kde(x, bw_method=max(scott, floor / sd))
    return float(kde.logpdf(y)[0])


# --- baselines ----------------------------------------------------------------------------

def _midpoint(target: Target) -> float:
    return (float(target.months[0]) + float(target.months[-1])) / 2.0


def _same_selection(a: Target, b: Target) -> bool:
    return (a.variable == b.variable and a.select == b.select
            and set(a.reduce_over) == set(b.reduce_over) and (not a.reduce_over or a.how == b.how))


def baselines(target: Target, history: list[Target], start_index: float) -> tuple[float, float]:
    """(persistence, trend) point forecasts for ``target`` from calibration targets
    ``history`` whose period midpoint is before ``start_index`` (NaN where none)."""
    earlier = sorted((t for t in history if t.kind in SCORABLE and _same_selection(t, target)
                      and t.low is not None and t.high is not None
                      and _midpoint(t) < start_index), key=_midpoint)
    if not earlier:
        return math.nan, math.nan
    persistence = earlier[-1].figure
    if len(earlier) < 2 or _midpoint(earlier[-1]) == _midpoint(earlier[-2]):
        return persistence, math.nan
    (t1, y1), (t2, y2) = ((_midpoint(t), t.figure) for t in earlier[-2:])
    trend = y2 + (y2 - y1) / (t2 - t1) * (_midpoint(target) - t2)
    return persistence, trend


# --- projections --------------------------------------------------------------------------

def open_projection(path: Path, system):
    """A projection file (``prospects project``) of ``system``, loaded into memory."""
    from ..files import read_netcdf

    path = Path(path)
    if not path.is_file():
        raise EvidenceError(f"{path}: no such projection file (run `prospects project` first)")
    ds = read_netcdf(path, "projection")
    if "scenario" not in ds.dims or "draw" not in ds.dims or "time" not in ds.dims:
        raise EvidenceError(f"{path}: not a projection (needs dimensions scenario, draw, time)")
    made_for = ds.attrs.get("system")
    if made_for != system.name:
        raise EvidenceError(f"{path}: a projection of system '{made_for}', not "
                            f"'{system.name}'")
    _check_time(path, ds, system.model)
    return ds


def _check_time(path: Path, ds, model) -> None:
    from ..engine.run import dates

    expected = dates(model)
    got = ds["time"].values
    if len(got) == 0 or got[0] != expected[0]:
        first = str(got[0])[:7] if len(got) else "nothing"
        raise EvidenceError(f"{path}: its time axis starts at {first}, the model at "
                            f"{model.start:%Y-%m}: only a projection of the full run can be "
                            "scored")
    if len(got) != len(expected) or not np.array_equal(got, expected):
        raise EvidenceError(f"{path}: its time axis ({len(got)} times) is not the model's "
                            f"({len(expected)} times, {model.start:%Y-%m} to {model.stop:%Y-%m})")


@dataclass
class Backtest:
    """Scores per observation (a DataFrame, columns ``COLUMNS`` and more) and a summary."""

    table: object  # pandas.DataFrame
    summary: dict
    scenario: str
    projection_start: str


def score(system, bt: BacktestFile, projection, scenario: str | None = None) -> Backtest:
    """Score one scenario of ``projection`` (default: the outlook's status quo) against
    the backtest file's observations."""
    import pandas as pd

    scenario = scenario or system.outlook.status_quo
    if scenario is None:
        raise EvidenceError("name the scenario to score: the outlook names no status quo")
    if scenario not in [str(s) for s in projection["scenario"].values]:
        raise EvidenceError(f"the projection has no scenario '{scenario}'; it holds: "
                            f"{', '.join(map(str, projection['scenario'].values))}")
    model = system.model
    start_text = str(projection.attrs.get("projection_start",
                                          system.outlook.projection_start))
    try:
        start_month = round(model.months(date.fromisoformat(f"{start_text[:7]}-01")))
    except ValueError:
        raise EvidenceError(f"the projection's projection_start '{start_text}' is not a "
                            "year-month") from None
    start_index = start_month / model.output_step
    claims = bt.all_claims(system)
    targets = build_targets(system, bt.observations, claims)
    history = build_targets(system)
    one = projection.sel(scenario=scenario)
    rows = []
    for target in targets:
        obs = bt.observations[target.id]
        if target.variable not in one.data_vars:
            raise bt.error(obs.id, "variable", f"'{target.variable}' is not in the projection "
                           f"(it holds {', '.join(map(str, one.data_vars))})")
        if float(target.months.max()) < start_index:
            raise bt.error(obs.id, "period", f"'{_period_text(obs, claims)}' ends before the "
                           f"projection starts ({start_text[:7]}): a backtest scores forecasts")
        data = one[target.variable]
        dims = tuple(d for d in data.dims if d not in ("draw", "time"))
        array = data.transpose("draw", "time", *dims).to_numpy().astype(float)
        coords = {d: [str(v) for v in one[d].values] for d in dims}
        values = target.reduce(array, dims, coords)
        values = values[np.isfinite(values)]
        y = target.figure
        persistence, trend = baselines(target, history, start_index)
        empty = values.size == 0
        q05, q25, q50, q75, q95 = (np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
                                   if not empty else [math.nan] * 5)
        rows.append({
            "id": target.id,
            "variable": target.variable + "".join(f"[{m}]" for m in target.select.values()),
            "period": _period_text(obs, claims),
            "observed": y,
            "median": q50,
            "5%": q05,
            "95%": q95,
            "crps": crps_ensemble(values, y),
            "in50": bool(q25 <= y <= q75) if not empty else False,
            "in90": bool(q05 <= y <= q95) if not empty else False,
            "log_density": log_density(values, y),
            "crps_persistence": crps_point(persistence, y),
            "crps_trend": crps_point(trend, y),
            "claimed": target.claimed,
            "observed_kind": "value" if target.low == target.high else "midpoint",
            "persistence": persistence,
            "trend": trend,
            "draws": int(values.size),
        })
    table = pd.DataFrame(rows, columns=COLUMNS + ["claimed", "observed_kind", "persistence",
                                                  "trend", "draws"])
    return Backtest(table, summarise(table), scenario, start_text[:7])


def summarise(table) -> dict:
    """Mean CRPS, coverage of the 50% and 90% intervals, mean log density, and per baseline
    the rows it covers, its mean CRPS, the model's mean CRPS on those rows and how often
    the model did better."""
    summary = {
        "observations": len(table),
        "mean_crps": float(table["crps"].mean()),
        "coverage_50": float(table["in50"].mean()),
        "coverage_90": float(table["in90"].mean()),
        "mean_log_density": float(table["log_density"].mean()),
        "baselines": {},
    }
    for name in ("persistence", "trend"):
        column = table[f"crps_{name}"]
        rows = table[column.notna()]
        summary["baselines"][name] = {
            "rows": len(rows),
            "mean_crps": float(rows[f"crps_{name}"].mean()) if len(rows) else math.nan,
            "model_mean_crps": float(rows["crps"].mean()) if len(rows) else math.nan,
            "model_better": int((rows["crps"] < rows[f"crps_{name}"]).sum()),
        }
    return summary


def backtest(system, file: str | Path, projection, scenario: str | None = None) -> Backtest:
    """Score ``projection`` (a Dataset from ``project``, or its file) against the later
    observations in the backtest ``file`` (``scenario`` default: the outlook's status
    quo)."""
    bt = read_backtest(Path(file), system)
    if not hasattr(projection, "data_vars"):
        projection = open_projection(Path(projection), system)
    return score(system, bt, projection, scenario)
