""""Why" panels: a stock's change over a window of months, decomposed into its flows.

Flows are per month and saved every month, so with the model's Euler step the stock at the
start of month ``m + 1`` is the stock at ``m`` plus that month's inflows minus its outflows.
The change between the dates ``first`` and ``last`` (stock levels at the start of those
months) is therefore the sum of each flow over the months from ``first`` up to, not
including, ``last``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fans import contribution_bars
from .svg import esc

#: (stock, label, unit, scale): the stocks the report explains.
STOCKS = (("fighters", "Fighters in the Afghan base areas (all areas)", "people", 1.0),
          ("cash", "Cash", "USD million", 1e6))
#: (first month, last month, scenario id): the windows the report explains.
WINDOWS = (("2018-01", "2018-12", "status-quo"), ("2019-01", "2021-12", "status-quo"))


@dataclass
class Contribution:
    flow: str
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
    from ..engine import simulate
    from ..evidence import EvidenceError
    from ..projection import parameter_sources

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
        rows.append(Contribution(flow.name, sign, q(summed), flow.doc))
    change = at_hi - at_lo
    residual = float(np.max(np.abs(change - total))) / scale if draws else 0.0
    return Why(stock, label or stock, unit, first, last, scenario or "", q(at_lo), q(at_hi),
               q(change), residual, rows)


def explain_all(system, idata, draws: int, seed: int, stocks=STOCKS, windows=WINDOWS):
    whys = []
    for first, last, scenario in windows:
        sid = scenario if scenario in system.scenarios else None
        for stock, label, unit, scale in stocks:
            if stock in system.model.variables:
                whys.append(explain(system, idata, stock, first, last, sid, draws, seed,
                                    label, unit, scale))
    return whys


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


def why_html(why: Why, scenario_name: str = "") -> str:
    rows = sorted(why.rows, key=lambda r: -abs(r.quantiles[1]))
    chart = contribution_bars([r.flow for r in rows], np.array([r.quantiles for r in rows]),
                              why.net, f"{why.stock}: {why.first} to {why.last}", why.unit)
    body = "".join(
        f"<tr><td>{esc(r.flow)}</td><td>{'in' if r.sign > 0 else 'out'}</td>"
        f"<td>{_fmt(r.quantiles[1])}</td><td>{_fmt(r.quantiles[0])} to {_fmt(r.quantiles[2])}"
        f"</td><td class='muted'>{esc(r.doc)}</td></tr>" for r in rows)
    body += (f"<tr><th>net change</th><th></th><th>{_fmt(why.net[1])}</th>"
             f"<th>{_fmt(why.net[0])} to {_fmt(why.net[2])}</th><th></th></tr>")
    where = f" under <em>{esc(scenario_name or why.scenario)}</em>" if why.scenario else ""
    note = (f"{esc(why.label)} went from a median of {_fmt(why.start[1])} in "
            f"{esc(why.first)} to {_fmt(why.end[1])} in {esc(why.last)}{where} "
            f"({esc(why.unit)}). Each flow's contribution is its sum over the months from "
            f"{esc(why.first)} up to {esc(why.last)} (outflows negative); median and 90% "
            "interval over the draws. Medians of the parts need not add up to the median of "
            "the whole.")
    if why.residual > 1e-6 * max(1.0, abs(why.net).max()):
        note += f" Largest gap between change and flows in a draw: {_fmt(why.residual)}."
    return (f"<div class='why'><h3>{esc(why.label)}, {esc(why.first)} to {esc(why.last)}</h3>"
            f"<p class='muted'>{note}</p><div class='why-body'><figure>{chart}</figure>"
            "<table><thead><tr><th>flow</th><th>direction</th><th>median</th>"
            f"<th>90% interval</th><th>what it is</th></tr></thead><tbody>{body}</tbody>"
            "</table></div></div>")
