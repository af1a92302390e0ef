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


def _month(text: str) -> np.datetime64:
    return np.datetime64(text[:7], "M")


def explain(system, idata, stock: str, first: str, last: str, scenario: str | None = None,
            draws: int = 1000, seed: int = 0, label: str = "", unit: str = "",
            scale: float = 1.0) -> Why:
    """The flows behind ``stock``'s change from month ``first`` to month ``last``, with
    the same parameter sets as the projection."""
    from .engine import simulate
    from .evidence import EvidenceError
    from .inference.posterior import parameter_sources

    model = system.model
    var = model.variables.get(stock)
    if var is None or var.kind != "stock":
        raise EvidenceError(f"model '{model.name}' has no stock '{stock}' to explain")
    lo, hi = _month(first), _month(last)
    start, stop = _month(model.start.isoformat()), _month(model.stop.isoformat())
    if lo < start or hi > stop or hi <= lo:
        raise EvidenceError(f"window {first} to {last} is not inside the model's run "
                            f"({start} to {stop})")
    interventions = system.scenarios[scenario].interventions() if scenario else []
    flows = [(f, 1) for f in var.inflows] + [(f, -1) for f in var.outflows]
    ds = simulate(model, draws=draws, priors=parameter_sources(system, idata), seed=seed,
                  interventions=interventions,
                  outputs=[stock] + [f.name for f, _ in flows])
    extra = [d for d in ds[stock].dims if d not in ("draw", "time")]
    window = slice(lo.astype("datetime64[ns]"), (hi - 1).astype("datetime64[ns]"))

    def q(values):
        return np.quantile(np.asarray(values) / scale, [0.05, 0.5, 0.95])

    level = ds[stock].sum(extra) if extra else ds[stock]
    at_lo = level.sel(time=lo.astype("datetime64[ns]")).values
    at_hi = level.sel(time=hi.astype("datetime64[ns]")).values
    total = np.zeros(draws)
    rows = []
    for flow, sign in flows:
        da = ds[flow.name].sel(time=window)
        dims = [d for d in da.dims if d != "draw"]
        summed = sign * da.sum(dims).values * model.output_step  # per month, saved monthly
        total += summed
        rows.append(Contribution(flow.name, flow.label, sign, q(summed), flow.doc))
    change = at_hi - at_lo
    residual = float(np.max(np.abs(change - total))) / scale if draws else 0.0
    return Why(stock, label or var.label, unit or var.unit or "", first, last, scenario or "",
               q(at_lo), q(at_hi), q(change), residual, rows)


def explain_all(system, idata, draws: int, seed: int) -> list[Why]:
    """Every stock the outlook's ``why`` names, over each of its windows (in the window's
    scenario, by default the status quo)."""
    why = system.outlook.why
    if why is None:
        return []
    return [explain(system, idata, s.variable, w.first, w.last,
                    w.scenario or system.outlook.status_quo, draws, seed, s.label, s.unit,
                    s.scale)
            for w in why.windows for s in why.stocks]
