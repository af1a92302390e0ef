"""The likelihood of observations given model runs, vectorised over draws.

Each observation reduces a model variable to one number per draw: its mean over the months
of the observation's period (after selecting members and summing or averaging over
dimensions), or, for ``event_by``, its lowest (``below``) or highest (``above``) value in
the period. That number, times the inflation factor for figures a group reports about
itself, is scored against the claimed figure:

- ``interval``: inside [low, high], with edges softened by 1% of the width;
- ``soft_interval``: inside [low, high] with normal-CDF edges of scale ``s``;
- ``normal``: a figure measured with normal error: the value ~ N(midpoint, s);
- ``at_most`` / ``at_least``: below ``high`` / above ``low``, a normal-CDF edge of scale s;
- ``event_by``: the lowest (highest) value crosses ``threshold``, same edge; with
  ``happened: false``, it stays on the near side of it.

The edge scale ``s`` is the observation's ``scale`` if it gives one; otherwise a quarter
of the interval's width plus 5% of its level, or 10% of the bound for one-sided kinds:
claims are approximate and this says how approximate. An interval with a ``bias`` factor
drops the 5%: the factor already carries the uncertainty proportional to the level, and
counting it twice left a claimed range at most 60% of the weight of a figure the rest of
the evidence leaves free (a quarter of the width alone leaves it 80%).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr
from scipy.stats import norm

from ..analysis import figure
from ..evidence import EvidenceError
from ..evidence.periods import parse_period


@dataclass
class Target:
    """One observation made ready to score: where to look in a run and what to expect."""

    id: str
    variable: str
    months: np.ndarray  # output indices inside the period
    select: dict
    reduce_over: tuple[str, ...]
    how: str  # sum | mean
    kind: str
    low: float | None
    high: float | None
    bias: str | None
    direction: str = "below"
    claimed: str = ""
    given_scale: float | None = None
    happened: bool = True

    @property
    def figure(self) -> float:
        """The claim as one number: an interval's midpoint, else its bound or threshold."""
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        return self.low if self.low is not None else self.high

    @property
    def scale(self) -> float:
        if self.given_scale:
            return self.given_scale
        if self.low is not None and self.high is not None:
            width = self.high - self.low
            if self.kind == "interval":
                return max(0.01 * width, 1e-9)
            level = 0.0 if self.bias else 0.05 * abs(self.low + self.high) / 2
            return 0.25 * width + level or 1e-9
        bound = self.high if self.high is not None else self.low
        return 0.1 * abs(bound) or 0.1

    def reduce(self, array: np.ndarray, dims: tuple[str, ...], coords: dict) -> np.ndarray:
        """Model value per draw from an array of shape (draw, time, *dims)."""
        data = array[:, self.months]
        names = list(dims)
        for dim, member in self.select.items():
            axis = 2 + names.index(dim)
            data = np.take(data, coords[dim].index(member), axis=axis)
            names.remove(dim)
        for dim in self.reduce_over:
            axis = 2 + names.index(dim)
            data = data.sum(axis=axis) if self.how == "sum" else data.mean(axis=axis)
            names.remove(dim)
        if self.kind == "event_by":
            return data.min(axis=1) if self.direction == "below" else data.max(axis=1)
        return data.mean(axis=1)

    def satisfied(self, value: np.ndarray) -> np.ndarray:
        """Whether each model value meets the claim outright: inside the interval, on the
        right side of the bound, or across the threshold by the period's end."""
        with np.errstate(invalid="ignore"):
            if self.kind in ("interval", "soft_interval"):
                return (value >= self.low) & (value <= self.high)
            if self.kind == "normal":  # within one standard error of the claimed range
                return (value >= self.low - self.scale) & (value <= self.high + self.scale)
            if self.kind == "at_most":
                return value <= self.high
            if self.kind == "at_least":
                return value >= self.low
            threshold = self.low if self.low is not None else self.high
            crossed = value <= threshold if self.direction == "below" else value >= threshold
            return crossed if self.happened else ~crossed

    def logp(self, value: np.ndarray) -> np.ndarray:
        s = self.scale
        if self.kind in ("interval", "soft_interval"):
            upper = log_ndtr((self.high - value) / s)
            lower = log_ndtr((value - self.low) / s)
            return upper + lower
        if self.kind == "normal":
            return norm.logpdf(value, self.figure, s)
        if self.kind == "at_most":
            return log_ndtr((self.high - value) / s)
        if self.kind == "at_least":
            return log_ndtr((value - self.low) / s)
        threshold = self.low if self.low is not None else self.high
        sign = (1.0 if self.direction == "below" else -1.0) * (1.0 if self.happened else -1.0)
        return log_ndtr(sign * (threshold - value) / s)


def build_targets(system, observations=None, claims=None) -> list[Target]:
    """Targets for the system's observations (or another set with the same schema), their
    claims looked up in ``claims`` (default: the system's)."""
    model, evidence = system.model, system.evidence
    observations = evidence.observations if observations is None else observations
    claims = evidence.claims if claims is None else claims
    n_out = int(round(model.final_time / model.output_step)) + 1
    targets = []
    for obs in observations.values():
        claim = claims.get(obs.claim)
        period = obs.period if obs.period is not None else (claim.period if claim else None)
        if isinstance(period, str):
            period = parse_period(period)
        start, end = (None, None) if period is None else (period.start, period.end)
        first = 0 if start is None else round(model.months(start))
        last = n_out - 1 if end is None else round(model.months(end))
        months = np.arange(max(first, 0), min(last, n_out - 1) + 1) // model.output_step
        if months.size == 0:
            raise EvidenceError(f"observation '{obs.id}': its period lies outside the model's "
                                f"run ({model.start:%Y-%m} to {model.stop:%Y-%m})")
        low, high = obs.low, obs.high
        quantity = claim.quantity if claim is not None else None
        if quantity is not None and low is None and high is None:
            value = getattr(quantity, "value", None)
            low = quantity.low if value is None else value
            high = quantity.high if value is None else value
        if obs.likelihood == "event_by" and obs.threshold is not None:
            low, high = obs.threshold, None
        if obs.likelihood == "at_most":
            low = None
        if obs.likelihood == "at_least":
            high = None
        var = model[obs.variable]
        select = dict(obs.select or {})
        over = tuple(obs.over) if obs.over else tuple(
            d for d in var.dims if d not in select) if obs.aggregate else ()
        targets.append(Target(
            obs.id, obs.variable, months, select, over, obs.aggregate or "sum",
            obs.likelihood, low, high, obs.bias, obs.direction,
            _claimed_text(obs.likelihood, low, high, obs.happened), obs.scale, obs.happened,
        ))
    return targets


def _claimed_text(kind: str, low, high, happened: bool = True) -> str:
    if kind == "at_most":
        return f"at most {figure(high)}"
    if kind == "event_by":
        return f"{'crosses' if happened else 'never crosses'} {figure(low)}"
    if kind == "at_least":
        return f"at least {figure(low)}"
    return figure(low) if low == high else f"{figure(low)} to {figure(high)}"


class Likelihood:
    """Log-likelihood of a system's observations, for many draws at once."""

    def __init__(self, system, observations=None):
        self.system = system
        self.targets = build_targets(system, observations)
        if not self.targets:
            raise EvidenceError(f"{system.folder / 'observations.yaml'}: no observations, so "
                                "there is nothing to calibrate to or to score")
        self.outputs = sorted({t.variable for t in self.targets})
        self.last_month = max(int(t.months.max()) for t in self.targets)
        model = system.model
        self.dims = {name: model[name].dims for name in self.outputs}
        self.coords = {d: list(dim.members) for d, dim in model.dimensions.items()}
        self.biases = sorted({t.bias for t in self.targets if t.bias})

    def values(self, arrays: dict, biases: dict | None = None) -> dict[str, np.ndarray]:
        """Each observation's model value per draw, bias applied."""
        out = {}
        for target in self.targets:
            value = target.reduce(arrays[target.variable], self.dims[target.variable],
                                  self.coords)
            if target.bias:
                value = value * (biases or {}).get(target.bias, 1.0)
            out[target.id] = value
        return out

    def logp(self, arrays: dict, biases: dict | None = None) -> np.ndarray:
        """Total log-likelihood per draw."""
        values = self.values(arrays, biases)
        total = sum(t.logp(values[t.id]) for t in self.targets)
        return np.where(np.isfinite(total), total, -np.inf)
