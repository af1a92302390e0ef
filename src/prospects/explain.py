"""Explanations: a stock's change over a window of months, decomposed into its flows.

Flows are per month and saved every month, so with the model's Euler step the stock at the
start of month ``m + 1`` is the stock at ``m`` plus that month's inflows minus its outflows.
The change between the dates ``first`` and ``last`` (stock levels at the start of those
months) is therefore the sum of each flow over the months from ``first`` up to, not
including, ``last``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Contribution:
    flow: str
    label: str
    sign: int  # +1 inflow, -1 outflow
    quantiles: np.ndarray  # 5/50/95% of the signed sum over the window
    doc: str


@dataclass
class Why:
    stock: str
    label: str
    unit: str
    first: str
    last: str
    scenario: str
    start: np.ndarray  # 5/50/95% of the stock at the start of ``first``
    end: np.ndarray  # ... at the start of ``last``
    net: np.ndarray  # 5/50/95% of the change
    residual: float  # largest |change - sum of flows| over draws (should be ~0)
    rows: list[Contribution]
    base: str = ""  # if set: every figure is the paired difference scenario - base


def _month(text: str) -> np.datetime64:
    return np.datetime64(text[:7], "M")


def _check(system, stock: str, first: str, last: str):
    from .evidence import EvidenceError

    model = system.model
    var = model.variables.get(stock)
    if var is None or var.kind != "stock":
        raise EvidenceError(f"model '{model.name}' has no stock '{stock}' to explain")
    lo, hi = _month(first), _month(last)
    start, stop = _month(model.start.isoformat()), _month(model.stop.isoformat())
    if lo < start or hi > stop or hi <= lo:
        raise EvidenceError(f"window {first} to {last} is not inside the model's run "
                            f"({start} to {stop})")
    return var


def why_variables(system) -> list[str]:
    """What the ``why`` panels read: each stock the outlook's ``why`` names and its flows
    (a projection that keeps them spares the decompositions their own runs)."""
    why = system.outlook.why
    return _kept(system, [s.variable for s in why.stocks]) if why is not None else []


def _kept(system, stocks) -> list[str]:
    names = []
    for stock in stocks:
        var = system.model.variables[stock]
        names += [stock] + [f.name for f in (*var.inflows, *var.outflows)]
    return list(dict.fromkeys(names))


def _run(system, idata, stocks, scenario: str | None, draws: int, seed: int,
         projection=None):
    """One ensemble keeping ``stocks`` and all their flows, with the projection's draws:
    ``projection``'s own (a ``project`` Dataset) if it holds them, else run here."""
    from .engine import simulate
    from .inference.posterior import parameter_sources

    model = system.model
    names = _kept(system, stocks)
    if (projection is not None and scenario in projection.scenario.values
            and all(n in projection for n in names)):
        return projection[names].sel(scenario=scenario).astype(float)
    interventions = system.scenarios[scenario].interventions() if scenario else []
    return simulate(model, draws=draws, priors=parameter_sources(system, idata), seed=seed,
                    interventions=interventions, outputs=names)


def _decompose(model, ds, var, first: str, last: str, scale: float):
    """Per draw of ``ds``: the stock at the start of ``first`` and of ``last`` and each
    flow's signed sum in between (all divided by ``scale``), with the stock's flows."""
    stock = var.name
    lo, hi = _month(first), _month(last)
    flows = [(f, 1) for f in var.inflows] + [(f, -1) for f in var.outflows]
    extra = [d for d in ds[stock].dims if d not in ("draw", "time")]
    window = slice(lo.astype("datetime64[ns]"), (hi - 1).astype("datetime64[ns]"))
    level = ds[stock].sum(extra) if extra else ds[stock]
    at_lo = level.sel(time=lo.astype("datetime64[ns]")).values / scale
    at_hi = level.sel(time=hi.astype("datetime64[ns]")).values / scale
    sums = []
    for flow, sign in flows:
        da = ds[flow.name].sel(time=window)
        dims = [d for d in da.dims if d != "draw"]
        sums.append(sign * da.sum(dims).values * model.output_step / scale)  # per month
    return var, flows, at_lo, at_hi, sums


def _q(values):
    return np.quantile(np.asarray(values), [0.05, 0.5, 0.95])


def _why(var, flows, at_lo, at_hi, sums, first, last, scenario, label, unit, base=""):
    change = at_hi - at_lo
    total = np.sum(sums, axis=0) if sums else np.zeros_like(change)
    residual = float(np.max(np.abs(change - total))) if change.size else 0.0
    rows = [Contribution(f.name, f.label, sign, _q(s), f.doc)
            for (f, sign), s in zip(flows, sums, strict=True)]
    return Why(var.name, label or var.label, unit or var.unit or "", first, last,
               scenario or "", _q(at_lo), _q(at_hi), _q(change), residual, rows, base)


def explain(system, idata, stock: str, first: str, last: str, scenario: str | None = None,
            draws: int = 1000, seed: int = 0, label: str = "", unit: str = "",
            scale: float = 1.0) -> Why:
    """The flows behind ``stock``'s change from month ``first`` to month ``last``, with
    the same parameter sets as the projection."""
    var = _check(system, stock, first, last)
    ds = _run(system, idata, [stock], scenario, draws, seed)
    return _why(*_decompose(system.model, ds, var, first, last, scale), first, last,
                scenario, label, unit)


def _difference(model, ds, based, var, first, last, scale, scenario, base, label, unit):
    """``based``: the base's ``_decompose`` over the same window (one for all scenarios)."""
    _, flows, lo_s, hi_s, sums_s = _decompose(model, ds, var, first, last, scale)
    _, _, lo_b, hi_b, sums_b = based
    return _why(var, flows, lo_s - lo_b, hi_s - hi_b,
                [s - b for s, b in zip(sums_s, sums_b, strict=True)], first, last, scenario,
                label, unit, base)


def explain_difference(system, idata, stock: str, first: str, last: str, scenario: str,
                       base: str, draws: int = 1000, seed: int = 0, label: str = "",
                       unit: str = "", scale: float = 1.0) -> Why:
    """Why ``scenario`` ends elsewhere than ``base``: per draw (the same parameter sets in
    both), the difference of the stock's levels and of each flow's sum over the window."""
    var = _check(system, stock, first, last)
    ds, base_ds = (_run(system, idata, [stock], s, draws, seed) for s in (scenario, base))
    return _difference(system.model, ds,
                       _decompose(system.model, base_ds, var, first, last, scale), var, first,
                       last, scale, scenario, base, label, unit)


def explain_all(system, idata, draws: int, seed: int, projection=None) -> list[Why]:
    """Every stock the outlook's ``why`` names, over each of its windows (in the window's
    scenario, by default the status quo); one ensemble per scenario, ``projection``'s if
    it keeps ``why_variables``."""
    why = system.outlook.why
    if why is None:
        return []
    stocks = [s.variable for s in why.stocks]
    runs = {}
    out = []
    for w in why.windows:
        scenario = w.scenario or system.outlook.status_quo
        if scenario not in runs:
            runs[scenario] = _run(system, idata, stocks, scenario, draws, seed, projection)
        for s in why.stocks:
            var = _check(system, s.variable, w.first, w.last)
            out.append(_why(*_decompose(system.model, runs[scenario], var, w.first, w.last,
                                        s.scale), w.first, w.last, scenario, s.label, s.unit))
    return out


def explain_levers(system, idata, draws: int, seed: int, projection=None) -> list[Why]:
    """For every lever scenario, why it differs from the status quo: each ``why`` stock
    over the outlook's last ``why`` window (the projection's); one ensemble per scenario,
    ``projection``'s if it keeps ``why_variables``."""
    why, base = system.outlook.why, system.outlook.status_quo
    if why is None or base is None:
        return []
    window = why.windows[-1]
    stocks = [s.variable for s in why.stocks]
    base_ds = _run(system, idata, stocks, base, draws, seed, projection)
    checked = {s.variable: _check(system, s.variable, window.first, window.last)
               for s in why.stocks}
    based = {s.variable: _decompose(system.model, base_ds, checked[s.variable], window.first,
                                    window.last, s.scale) for s in why.stocks}
    out = []
    for sid, scenario in system.scenarios.items():
        if scenario.kind != "lever":
            continue
        ds = _run(system, idata, stocks, sid, draws, seed, projection)
        for s in why.stocks:
            out.append(_difference(system.model, ds, based[s.variable], checked[s.variable],
                                   window.first, window.last, s.scale, sid, base, s.label,
                                   s.unit))
    return out
