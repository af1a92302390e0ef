"""What each evidence file holds, one pydantic model per kind of entry."""

from __future__ import annotations

import re
from datetime import date as _date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .periods import Period, parse_period
from .priors import Prior

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Entry(BaseModel):
    """An entry of a user's file: no unknown field, no NaN or infinity in any number."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(f"'{value}' is not a lower-case kebab-case id")
    return value


def last_day(text: str) -> _date:
    """The last day a year, year-month or date (YYYY[-MM[-DD]]) may mean; a ValueError
    for anything else."""
    import calendar

    try:
        if re.fullmatch(r"\d{4}", text):
            return _date(int(text), 12, 31)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = int(text[:4]), int(text[5:])
            return _date(year, month, calendar.monthrange(year, month)[1])
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return _date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"'{text}' is not a year, year-month or date (YYYY[-MM[-DD]])")


def _period(value):
    if value is not None:
        parse_period(value)  # raises PeriodError (a ValueError) on a phrase it cannot read
    return value


class Source(Entry):
    id: str
    title: str
    publisher: str
    date: str
    kind: Literal["assessment", "report", "press", "dataset", "reference", "other"]
    reliability: Literal["A", "B", "C", "D", "E", "F"]
    location: str | None = None
    note: str | None = None

    _id = field_validator("id")(_slug)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value):
        last_day(str(value))
        return str(value)

    @property
    def published_by(self) -> _date:
        """The last day the source's date may mean ("2018": 31 December 2018): by then it
        was surely published."""
        return last_day(self.date)


class Quantity(Entry):
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str
    measures: str

    @model_validator(mode="after")
    def _value_or_range(self):
        if (self.value is None) == (self.low is None and self.high is None):
            raise ValueError("give either value, or low and high")
        if self.value is None and (self.low is None or self.high is None or self.low > self.high):
            raise ValueError("a range needs low <= high")
        return self


class Claim(Entry):
    id: str
    source: str
    locator: str
    text: str
    asserted_by: Literal["group", "author", "rival", "other"]
    credibility: int = Field(ge=1, le=6, strict=True)
    actors: list[str] = Field(default_factory=list)
    period: str | None = None
    quantity: Quantity | None = None
    tags: list[str] = Field(default_factory=list)
    context: str | None = None

    _id = field_validator("id")(_slug)
    _period = field_validator("period")(_period)

    @property
    def span(self) -> Period | None:
        return parse_period(self.period) if self.period else None


class Actor(Entry):
    id: str
    name: str
    kind: Literal["armed-group", "faction", "state", "state-agency", "donor", "network", "force"]
    parent: str | None = None
    note: str | None = None

    _id = field_validator("id")(_slug)


class Relation(Entry):
    id: str
    source: str
    target: str
    kind: Literal["alliance", "hostility", "funding", "sanctuary", "support", "command"]
    period: str | None = None
    claims: list[str] = Field(min_length=1)

    _id = field_validator("id")(_slug)
    _period = field_validator("period")(_period)


class ParameterSpec(Entry):
    name: str
    prior: Prior = Prior(dist="fixed")  # prior and bounds before default, checked against them
    bounds: tuple[float, float] | None = None
    default: float | dict[str, float]
    unit: str
    rationale: str
    claims: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value) or "__" in value:
            raise ValueError(f"'{value}' is not a parameter name (lower_snake_case)")
        return value

    @model_validator(mode="after")
    def _prior_fits(self):
        if isinstance(self.default, dict) and self.prior.dist != "fixed":
            raise ValueError("a parameter with dimensions takes no prior (put it on a scalar "
                             "multiplier)")
        return self

    @field_validator("unit")
    @classmethod
    def _unit(cls, value):
        from ..sd.units import parse

        parse(value)  # a ValueError with a one-line reason
        return value

    @field_validator("bounds")
    @classmethod
    def _bounds(cls, value, info: ValidationInfo):
        if value is None:
            return value
        low, high = value
        if not low <= high:
            raise ValueError(f"the low end {low:g} is above the high end {high:g}")
        prior = info.data.get("prior")
        if prior and not low <= prior.support[0] <= prior.support[1] <= high:
            raise ValueError(f"the prior {prior} reaches outside [{low:g}, {high:g}]")
        return value

    @field_validator("default")
    @classmethod
    def _default_in_support(cls, value, info: ValidationInfo):
        prior, bounds = info.data.get("prior"), info.data.get("bounds")
        ranges = [(f"the support of the prior {prior}", prior.support if prior else None),
                  ("the bounds", bounds)]
        for number in value.values() if isinstance(value, dict) else [value]:
            for what, (low, high) in ((w, r) for w, r in ranges if r is not None):
                if not low <= number <= high:
                    raise ValueError(f"{number:g} is outside {what}, [{low:g}, {high:g}]")
        return value

    @property
    def allowed(self) -> tuple[float, float]:
        """The values the parameter may take: its ``bounds``, else its prior's support."""
        return self.bounds or self.prior.support


class ObservationSpec(Entry):
    id: str
    claim: str
    variable: str
    aggregate: Literal["sum", "mean"] | None = None
    over: list[str] | None = None
    select: dict[str, str] = Field(default_factory=dict)
    period: str | None = None
    likelihood: Literal["interval", "soft_interval", "normal", "at_most", "at_least",
                        "event_by"]
    low: float | None = None
    high: float | None = None
    bias: str | None = None
    threshold: float | None = None
    direction: Literal["below", "above"] = "below"
    happened: bool = True  # for event_by: false says the threshold was NOT crossed
    scale: float | None = Field(default=None, gt=0)

    _id = field_validator("id")(_slug)
    _period = field_validator("period")(_period)

    @model_validator(mode="after")
    def _consistent(self):
        if self.over and not self.aggregate:
            raise ValueError("'over' needs 'aggregate' (sum or mean)")
        if self.likelihood == "event_by" and self.threshold is None:
            raise ValueError("'event_by' needs a threshold")
        if not self.happened and self.likelihood != "event_by":
            raise ValueError("'happened' applies to event_by only")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low is above high")
        return self


class NamedLoop(Entry):
    """A feedback loop an analyst names: its variables in causal order (the last acts on
    the first), the polarity the analyst reads in it, and what it means in the
    assessment's terms."""

    name: str
    path: list[str] = Field(min_length=2)
    reads: Literal["reinforcing", "balancing"]
    says: str


class Mechanism(Entry):
    """One item of a system's checklist and what in the model carries it."""

    id: str
    item: int = Field(ge=1, strict=True)
    title: str
    checklist: str
    variables: list[str] = Field(default_factory=list)
    claims: list[str] = Field(default_factory=list)
    actors: list[str] = Field(default_factory=list)
    loops: list[NamedLoop] = Field(default_factory=list)
    not_modelled: str | None = None

    _id = field_validator("id")(_slug)

    @model_validator(mode="after")
    def _carried_or_said(self):
        if not self.variables and not self.not_modelled:
            raise ValueError("name the variables that carry the item, or say in "
                             "'not_modelled' that it is not yet modelled")
        return self
