"""Backtests: score a projection against what was reported after it was made.

What is scored is either a backtest file, a YAML mapping with optional ``sources`` and
``claims`` (the later documents and what they say) and required ``observations``, in the
schemas of docs/evidence-format.md, checked like an evidence overlay (ids must not repeat
the system's, claims cite a known source, observations a known claim; errors name the
file, the entry and the field); or the observations of a system loaded with an as-of date
that came after it (``System.later``: the rolling origin of ``prospects vintages``).

Per observation, against one scenario of a projection (``prospects project``), the model's
value per draw is what calibration compares (``Target.reduce``), times the draw's
self-report ``bias`` term when the observation names one (the group's figures about
itself are scored as the group's figures): the draws of the bias terms are the ones the
projection's draws took (the same seed and posterior rows), or the priors' for an
uncalibrated projection. A ``normal`` figure is a measurement with error of its
``scale``: each draw gets that error added (a seeded normal draw), so that the ensemble
forecasts the figure, not the quantity it measures.

Figures (``interval``, ``soft_interval``, ``normal``): the observed value ``y`` is the
stated value or the midpoint of ``low`` and ``high`` (the table says which);

- CRPS: the ensemble estimator E|X - y| - 1/2 E|X - X'| over all pairs of draws (the
  1/n^2 form), computed in O(n log n) by sorting;
- coverage: whether ``y`` lies in the central 50% and 90% intervals of the draws;
- log density (higher is better; the negative of the usual log score, e.g.
  ``scoringrules.logs_ensemble``): log density at ``y`` of a Gaussian kernel density
  estimate of the draws (scipy's ``gaussian_kde``, Scott's bandwidth, floored at 1e-3 of
  the figures' scale so a degenerate ensemble still has a density).

Events (``event_by``, ``at_most``, ``at_least``): ``p`` is the share of draws in which the
event happens (``Target.satisfied``: the threshold crossed, the bound met) and the outcome
``o`` is 1, or 0 for an ``event_by`` with ``happened: false``; the Brier score (p - o)^2
and ``log_p``, the log of the probability given to what happened (higher is better: the
negative of the log score, e.g. ``scoringrules.log_score``), kept within
[1/(2n), 1 - 1/(2n)] for n draws so that a miss by every draw is a large finite penalty.
With enough events, ``reliability`` bins them by p.

Baselines. Point forecasts for figures, from the system's own calibration observations of
the same variable and selection that state a figure, whose period's midpoint lies before
the projection start: persistence (the last such figure) and a linear trend through the
last two (by period midpoint), extrapolated to the scored period's midpoint; a point
forecast's CRPS is |forecast - y|, and without earlier figures it is missing (NaN).
Climatology, for every kind: the prior predictive ensemble (the same scenario, draws and
seed, every parameter from its prior), scored like the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from ..evidence import Evidence, EvidenceError
from ..evidence.load import parse_entries, read_yaml
from ..evidence.overlay import SECTIONS, merge
from ..evidence.schema import ObservationSpec
from .likelihood import Target, build_targets

#: Likelihood kinds scored as a figure (CRPS, coverage, log density); the rest are events.
FIGURES = ("interval", "soft_interval", "normal")
COLUMNS = ["id", "variable", "period", "kind", "lead", "observed", "median", "5%", "95%",
           "crps", "in50", "in90", "log_density", "p", "brier", "log_p", "crps_persistence",
           "crps_trend", "crps_climatology", "p_climatology", "brier_climatology"]


@dataclass
class BacktestFile:
    """Observations to score and the evidence their claims are in (the system's and the
    file's own sources and claims)."""

    path: Path | None
    observations: dict[str, ObservationSpec]
    evidence: Evidence

    def error(self, entry: str, field_name: str, message: str) -> EvidenceError:
        where = self.evidence.file("observations", entry)
        return EvidenceError(f"{where}: entry '{entry}' field '{field_name}': {message}")


def read_backtest(path: Path, system) -> BacktestFile:
    """Read and cross-check a backtest file against ``system`` (its model and evidence)."""
    from ..system import check_observations

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
    parts = {s: (path, parse_entries(path, data.get(s), kind)) for s, kind in SECTIONS.items()}
    observations = parts["observations"][1]
    if not observations:
        raise EvidenceError(f"{path}: no observations to score")
    evidence = merge(system.evidence, parts, path)
    check_observations(evidence, system.model)
    return BacktestFile(path, observations, evidence)


def later_evidence(system) -> BacktestFile:
    """The observations published after ``system``'s as-of date, to score its projection."""
    later = system.later()
    if not later:
        raise EvidenceError(f"nothing to score: no observation of system '{system.name}'"
                            + (f" comes from a source published after {system.as_of}"
                               if system.as_of else " (give a backtest file, or --as-of a "
                               "date with evidence after it)"))
    return BacktestFile(None, later, system.everything)


def _period_text(obs: ObservationSpec, evidence: Evidence) -> str:
    return obs.period if obs.period is not None else evidence.claims[obs.claim].period or ""


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
    earlier = sorted((t for t in history if t.kind in FIGURES and _same_selection(t, target)
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
    """Scores per observation (a DataFrame, columns ``COLUMNS`` and more) and a summary;
    ``scored``: the observations scored (a report draws them on its fans)."""

    table: object  # pandas.DataFrame
    summary: dict
    scenario: str
    projection_start: str
    scored: BacktestFile | None = None


def bias_draws(system, names, draws: int, seed: int, idata=None) -> dict[str, np.ndarray]:
    """The draws ``0 .. draws`` of the bias terms ``names`` that a projection with ``seed``
    took: the posterior's rows (those its model parameters came from) or the priors."""
    from ..engine.sampling import sample
    from .posterior import posterior_joint

    columns = posterior_joint(idata).columns() if idata is not None else {}
    specs = system.evidence.parameters
    return sample({b: columns.get(b, specs[b].prior) for b in names}, draws, seed)


def _start_index(system, projection) -> tuple[str, float]:
    model = system.model
    start_text = str(projection.attrs.get("projection_start",
                                          system.outlook.projection_start))
    try:
        start_month = round(model.months(date.fromisoformat(f"{start_text[:7]}-01")))
    except ValueError:
        raise EvidenceError(f"the projection's projection_start '{start_text}' is not a "
                            "year-month") from None
    return start_text[:7], start_month / model.output_step


def score(system, bt: BacktestFile, projection, scenario: str | None = None, idata=None,
          climatology: bool = True, past: str = "refuse") -> Backtest:
    """Score one scenario of ``projection`` (default: the outlook's status quo) against
    the observations of ``bt``. ``idata``: the posterior the projection drew from, needed
    for the bias terms of a calibrated projection. ``climatology``: also score the prior
    predictive ensemble (one more engine run). ``past``: what to do with an observation
    whose period ends before the projection starts, "refuse" or "skip" it."""
    import pandas as pd

    scenario = scenario or system.outlook.status_quo
    if scenario is None:
        raise EvidenceError("name the scenario to score: the outlook names no status quo")
    if scenario not in [str(s) for s in projection["scenario"].values]:
        raise EvidenceError(f"the projection has no scenario '{scenario}'; it holds: "
                            f"{', '.join(map(str, projection['scenario'].values))}")
    start_text, start_index = _start_index(system, projection)
    targets = build_targets(system, bt.observations, bt.evidence.claims)
    if past == "skip":
        targets = [t for t in targets if float(t.months.max()) >= start_index]
    history = build_targets(system)
    one = projection.sel(scenario=scenario)
    for target in targets:
        obs = bt.observations[target.id]
        if target.variable not in one.data_vars:
            raise bt.error(obs.id, "variable", f"'{target.variable}' is not in the projection "
                           f"(it holds {', '.join(map(str, one.data_vars))})")
        if float(target.months.max()) < start_index:
            raise bt.error(obs.id, "period", f"'{_period_text(obs, bt.evidence)}' ends before "
                           f"the projection starts ({start_text}): a backtest scores forecasts")
    draws, seed = one.sizes["draw"], int(projection.attrs.get("seed", 0))
    names = sorted({t.bias for t in targets if t.bias})
    if names and idata is None and int(projection.attrs.get("calibrated", 0)):
        raise EvidenceError(f"the projection was drawn from a posterior: give it (--posterior) "
                            f"to apply the bias term(s) {', '.join(names)}")
    model_values = _values(targets, one, bias_draws(system, names, draws, seed, idata), seed)
    prior_values = {}
    if climatology and targets:
        from ..projection import project

        prior = project(system, None, [scenario], draws=draws, seed=seed,
                        outputs=sorted({t.variable for t in targets})).sel(scenario=scenario)
        prior_values = _values(targets, prior, bias_draws(system, names, draws, seed), seed)
    rows = []
    for target in targets:
        obs = bt.observations[target.id]
        row = {"id": target.id,
               "variable": target.variable + "".join(f"[{m}]" for m in target.select.values()),
               "period": _period_text(obs, bt.evidence), "kind": target.kind,
               "lead": (float(target.months.max()) - start_index) * system.model.output_step}
        climate = prior_values.get(target.id, np.empty(0))
        if target.kind in FIGURES:
            persistence, trend = baselines(target, history, start_index)
            row.update(_figure_scores(target, model_values[target.id], climate,
                                      persistence, trend))
        else:
            row.update(_event_scores(target, model_values[target.id], climate))
        rows.append(row)
    table = pd.DataFrame(rows)
    table = table.reindex(columns=COLUMNS + [c for c in table.columns if c not in COLUMNS])
    return Backtest(table, summarise(table), scenario, start_text, bt)


def _values(targets, one, biases, seed: int) -> dict[str, np.ndarray]:
    """Each target's value per draw of one scenario of a projection, bias applied (and for
    a ``normal`` figure its measurement error added), the draws whose run went non-finite
    left out."""
    import zlib

    out = {}
    for target in targets:
        data = one[target.variable]
        dims = tuple(d for d in data.dims if d not in ("draw", "time"))
        array = data.transpose("draw", "time", *dims).to_numpy().astype(float)
        coords = {d: [str(v) for v in one[d].values] for d in dims}
        values = target.reduce(array, dims, coords)
        if target.bias:
            values = values * biases[target.bias]
        if target.kind == "normal":
            rng = np.random.default_rng([seed, zlib.crc32(target.id.encode())])
            values = values + rng.normal(0.0, target.scale, values.shape)
        out[target.id] = values[np.isfinite(values)]
    return out


def _figure_scores(target, values, climate, persistence, trend) -> dict:
    y, empty = target.figure, values.size == 0
    q05, q25, q50, q75, q95 = (np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
                               if not empty else [math.nan] * 5)
    return {"observed": y, "median": q50, "5%": q05, "95%": q95,
            "crps": crps_ensemble(values, y),
            "in50": bool(q25 <= y <= q75) if not empty else False,
            "in90": bool(q05 <= y <= q95) if not empty else False,
            "log_density": log_density(values, y),
            "crps_persistence": crps_point(persistence, y), "crps_trend": crps_point(trend, y),
            "crps_climatology": crps_ensemble(climate, y),
            "claimed": target.claimed,
            "observed_kind": "value" if target.low == target.high else "midpoint",
            "persistence": persistence, "trend": trend, "draws": int(values.size)}


def _event_scores(target, values, climate) -> dict:
    """``p``: the share of draws in which the event happens (for ``event_by``, the crossing;
    else the bound met); ``observed``: 1, or 0 for ``happened: false``."""
    happened = 1.0 if target.happened else 0.0

    def p_of(x):  # the probability of the event, from that of what the observation states
        stated = float(target.satisfied(x).mean()) if x.size else math.nan
        return stated if happened else 1.0 - stated

    p, n = p_of(values), max(values.size, 1)
    stated = p if happened else 1.0 - p
    kept = min(max(stated, 1 / (2 * n)), 1 - 1 / (2 * n))
    p_climate = p_of(climate)
    return {"observed": happened, "p": p, "brier": (p - happened) ** 2, "log_p": math.log(kept),
            "p_climatology": p_climate, "brier_climatology": (p_climate - happened) ** 2,
            "claimed": target.claimed, "observed_kind": "event", "draws": int(values.size)}


def _compare(rows, score: str, baseline: str) -> dict:
    """The rows a baseline covers, its mean score there, the model's, and how often the
    model's score was lower (better)."""
    rows = rows[rows[baseline].notna()]
    n = len(rows)
    return {"rows": n, f"mean_{score}": float(rows[baseline].mean()) if n else math.nan,
            f"model_mean_{score}": float(rows[score].mean()) if n else math.nan,
            "model_better": int((rows[score] < rows[baseline]).sum())}


def _mean(rows, column: str) -> float:
    return float(rows[column].mean()) if len(rows) else math.nan


def summarise(table) -> dict:
    """Over the figures: mean CRPS, coverage of the 50% and 90% intervals, mean log
    density, and per baseline (persistence, trend, climatology) ``_compare``; over the
    events: mean Brier score and log probability, and climatology's Brier."""
    figures = table[table["kind"].isin(FIGURES)]
    events = table[~table["kind"].isin(FIGURES)]
    return {
        "observations": len(table), "figures": len(figures), "events": len(events),
        "mean_crps": _mean(figures, "crps"), "coverage_50": _mean(figures, "in50"),
        "coverage_90": _mean(figures, "in90"), "mean_log_density": _mean(figures, "log_density"),
        "mean_brier": _mean(events, "brier"), "mean_log_p": _mean(events, "log_p"),
        "baselines": {name: _compare(figures, "crps", f"crps_{name}")
                      for name in ("persistence", "trend", "climatology")},
        "event_baselines": {"climatology": _compare(events, "brier", "brier_climatology")},
    }


def reliability(table, bins: int = 5, least: int = 10):
    """Events binned by predicted probability: per bin the events, their mean p and the
    share that happened. None with fewer than ``least`` events."""
    import pandas as pd

    events = table[~table["kind"].isin(FIGURES) & table["p"].notna()]
    if len(events) < least:
        return None
    edges = np.linspace(0.0, 1.0, bins + 1)
    band = np.clip(np.digitize(events["p"], edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = events[band == b]
        rows.append({"from": edges[b], "to": edges[b + 1], "events": len(inside),
                     "mean_p": _mean(inside, "p"), "happened": _mean(inside, "observed")})
    return pd.DataFrame(rows)


def skill(table, by: list[str]):
    """Skill per group of rows (``by``: columns such as vintage or lead band): figures
    scored, mean CRPS, climatology's mean CRPS on the same rows, the CRPS skill score
    1 - CRPS / CRPS(climatology), 90% coverage; events, mean Brier and the Brier skill
    score against climatology."""
    import pandas as pd

    out = []
    for key, rows in table.groupby(by, sort=True):
        fig = rows[rows["kind"].isin(FIGURES)]
        ev = rows[~rows["kind"].isin(FIGURES)]
        crps, clim = fig["crps"].mean(), fig["crps_climatology"].mean()
        brier, bclim = ev["brier"].mean(), ev["brier_climatology"].mean()
        out.append({**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                    "figures": len(fig), "mean_crps": crps, "crps_climatology": clim,
                    "crps_skill": 1 - crps / clim if len(fig) and clim > 0 else math.nan,
                    "coverage_90": fig["in90"].mean() if len(fig) else math.nan,
                    "events": len(ev), "mean_brier": brier,
                    "brier_skill": 1 - brier / bclim if len(ev) and bclim > 0 else math.nan})
    return pd.DataFrame(out)


def lead_band(months: float) -> str:
    """A lead time's band of a year: '0-12 months', '12-24 months', ..."""
    k = int(max(months, 0) // 12)
    return f"{12 * k}-{12 * k + 12} months"


def prepare(system, file: str | Path | None, projection) -> tuple[BacktestFile, object]:
    """What a backtest scores, and the projection (a Dataset, or read from its file): the
    backtest ``file``'s observations, or without one those published after the system's
    as-of date, which must be the projection's."""
    bt = read_backtest(Path(file), system) if file is not None else None
    if not hasattr(projection, "data_vars"):
        projection = open_projection(Path(projection), system)
    made_as_of = projection.attrs.get("as_of")
    if made_as_of is not None and made_as_of != system.as_of:
        raise EvidenceError(f"the projection is as of {made_as_of}: load the system with "
                            f"--as-of {made_as_of} to score it")
    return bt or later_evidence(system), projection


def backtest(system, file: str | Path | None, projection, scenario: str | None = None,
             idata=None) -> Backtest:
    """Score ``projection`` (a Dataset from ``project``, or its file) against ``prepare``'s
    observations (``scenario`` default: the outlook's status quo; ``idata``: the posterior
    it drew from)."""
    bt, projection = prepare(system, file, projection)
    return score(system, bt, projection, scenario, idata)
