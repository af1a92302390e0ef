"""The model: a named graph of stocks, flows, auxiliaries, parameters and lookups."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UserError
from .expr import Expr, Lookup, Time, as_expr

if TYPE_CHECKING:
    from .check import CheckedModel

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RESERVED = {"time", "draw", "dt"}
TIME_UNITS = ("second", "minute", "hour", "day", "week", "month", "year")
CALENDAR_UNITS = ("month", "year")


class ModelError(UserError, ValueError):
    """A problem with a model's definition, in one line."""


@dataclass(frozen=True)
class Dimension:
    """A named list of members; ``labels`` are how people (or a model file) write them."""

    name: str
    members: tuple[str, ...]
    labels: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.labels:
            object.__setattr__(self, "labels", self.members)

    def __len__(self) -> int:
        return len(self.members)

    def index(self, member: str) -> int:
        try:
            return self.members.index(member)
        except ValueError:
            raise ModelError(
                f"'{member}' is not a member of dimension '{self.name}' "
                f"(members: {', '.join(self.members)})"
            ) from None


class Variable(Expr):
    """A named node; expressions refer to it by object, the exporters by name, people by
    its ``label`` (the name unless the model gives one)."""

    kind = "variable"
    form = "variable"

    def __init__(self, name: str, unit: str | None, doc: str, claims: Sequence[str]):
        self.name = name
        self.label = name
        self.unit = unit
        self.doc = doc
        self.claims = tuple(claims)
        self.dims: tuple[str, ...] = ()

    def equation(self) -> Expr | None:
        """The expression that defines the variable (None for parameters)."""
        return None

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name}>"


class Param(Variable):
    kind = "param"

    def __init__(self, name, default, unit, dims, doc, claims):
        super().__init__(name, unit, doc, claims)
        self.dims = dims
        self.default = default


class Stock(Variable):
    kind = "stock"

    def __init__(self, name, init, unit, dims, doc, claims, nonnegative):
        super().__init__(name, unit, doc, claims)
        self.dims = dims
        self.init = init
        self.nonnegative = nonnegative
        self.inflows: list[Flow] = []
        self.outflows: list[Flow] = []

    def equation(self) -> Expr:
        return self.init


class Flow(Variable):
    kind = "flow"

    def __init__(self, name, src, dst, rate, unit, doc, claims):
        super().__init__(name, unit, doc, claims)
        self.src: Stock | None = src
        self.dst: Stock | None = dst
        self.rate = rate

    def equation(self) -> Expr:
        return self.rate

    def connect(self, dims: tuple[str, ...]) -> Flow:
        """Give the flow its stocks' dimensions and add it to their in- and outflows."""
        self.dims = dims
        if self.src is not None:
            self.src.outflows.append(self)
        if self.dst is not None:
            self.dst.inflows.append(self)
        return self


class Aux(Variable):
    kind = "aux"

    def __init__(self, name, expr, unit, dims, doc, claims, record):
        super().__init__(name, unit, doc, claims)
        self.expr = expr
        self.declared_dims = dims
        self.record = record

    def equation(self) -> Expr:
        return self.expr


def months_between(start: date, when: date) -> float:
    """Months from ``start`` to ``when``, counting days as fractions of their month."""
    whole = (when.year - start.year) * 12 + (when.month - start.month)
    return whole + (when.day - start.day) / 30.0


def parse_date(text: str | date) -> date:
    """'2018', '2018-08' or '2018-08-15' (or a date) to a date."""
    if isinstance(text, date):
        return text
    parts = str(text).strip().split("-")
    try:
        if len(parts) > 3:
            raise ValueError
        year, month, day = [int(p) for p in parts] + [1] * (3 - len(parts))
        return date(year, month, day)
    except (ValueError, TypeError):
        raise ModelError(f"'{text}' is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)") from None


def _number(model: str, value) -> float:
    value = float(value)
    if not np.isfinite(value):
        raise ModelError(f"model '{model}': start and stop must be finite numbers")
    return value


class Model:
    """A stock-and-flow model, its clock counted in ``time_unit`` (second to year).

    With calendar dates for ``start`` and ``stop`` (monthly and yearly models only) model
    time counts from 0 at ``start`` and outputs are dated; with numbers it runs from
    ``start`` to ``stop`` in that unit and outputs are numbered. ``stop`` is the last
    output time (inclusive); ``dt`` is the integration step and ``output_step`` the time
    between saved values, a multiple of ``dt`` (a whole number of periods with dates).
    ``check_units=False`` skips unit checks (imported models carry units as text).
    """

    def __init__(
        self,
        name: str,
        start: str | date | float = "2015-01",
        stop: str | date | float = "2021-12",
        dt: float = 1.0,
        output_step: float = 1,
        doc: str = "",
        time_unit: str = "month",
        check_units: bool = True,
    ):
        self.name = name
        self.doc = doc
        if time_unit not in TIME_UNITS:
            raise ModelError(f"model '{name}': time unit '{time_unit}' is not one of "
                             f"{', '.join(TIME_UNITS)}")
        self.time_unit = time_unit
        self.check_units = check_units
        self.calendar = not isinstance(start, int | float)
        if self.calendar:
            if time_unit not in CALENDAR_UNITS:
                raise ModelError(f"model '{name}': calendar dates need a time unit of month "
                                 f"or year, not {time_unit} (give start and stop as numbers)")
            self.start, self.stop = parse_date(start), parse_date(stop)
            per = 12.0 if time_unit == "year" else 1.0
            self.initial_time = 0.0
            self.final_time = months_between(self.start, self.stop) / per
        else:
            self.start = self.stop = None
            self.initial_time, self.final_time = _number(name, start), _number(name, stop)
        if self.final_time <= self.initial_time:
            raise ModelError(f"model '{name}': stop {stop} is not after start {start}")
        if not dt > 0 or not output_step > 0 or (
                self.calendar and int(output_step) != output_step):
            raise ModelError(f"model '{name}': dt and output_step must be > 0"
                             + (" and output_step a whole number" if self.calendar else ""))
        steps_per_output = output_step / dt
        if abs(steps_per_output - round(steps_per_output)) > 1e-9:
            raise ModelError(f"model '{name}': output_step must be a multiple of dt")
        self.dt = float(dt)
        self.output_step = int(output_step) if self.calendar else float(output_step)
        self.dimensions: dict[str, Dimension] = {}
        self.variables: dict[str, Variable] = {}
        self.lookups: dict[str, Lookup] = {}
        #: variables whose value may be missing (NaN) on purpose, as Vensim's :NA:
        self.missing: set[str] = set()
        self.time = Time()
        self.version = 0

    # -- building -----------------------------------------------------------------
    def dimension(self, name: str, members: Iterable[str],
                  labels: Iterable[str] = ()) -> Dimension:
        self._claim_name(name)
        members = tuple(str(m) for m in members)
        if len(set(members)) != len(members) or not members:
            raise ModelError(f"dimension '{name}': members must be distinct and not empty")
        for member in members:
            if not _NAME.match(member):
                raise ModelError(f"dimension '{name}': member '{member}' is not a plain name")
        dim = Dimension(name, members, tuple(str(lb) for lb in labels))
        self.dimensions[name] = dim
        return dim

    def param(
        self,
        name: str,
        default: float | Sequence[float] | Mapping[str, float],
        unit: str = "dimensionless",
        dims: Sequence[Dimension | str] = (),
        doc: str = "",
        claims: Sequence[str] = (),
        label: str = "",
    ) -> Param:
        dim_names = self._dims(name, dims)
        value = self._default_array(name, default, dim_names)
        return self._add(Param(name, value, unit, dim_names, doc, claims), label)

    def stock(
        self,
        name: str,
        init: object,
        unit: str,
        dims: Sequence[Dimension | str] = (),
        doc: str = "",
        nonnegative: bool = True,
        claims: Sequence[str] = (),
        label: str = "",
    ) -> Stock:
        stock = Stock(name, as_expr(init), unit, self._dims(name, dims), doc, claims, nonnegative)
        return self._add(stock, label)

    def flow(
        self,
        name: str,
        src: Stock | None,
        dst: Stock | None,
        rate: object,
        unit: str | None = None,
        doc: str = "",
        claims: Sequence[str] = (),
        label: str = "",
    ) -> Flow:
        for end in (src, dst):
            if end is not None and (not isinstance(end, Stock) or end.name not in self.variables):
                raise ModelError(f"flow '{name}': {end!r} is not a stock of this model")
        if src is None and dst is None:
            raise ModelError(f"flow '{name}': needs a source or a destination stock")
        stock = src if src is not None else dst
        if unit is None:
            unit = f"({stock.unit}) / {self.time_unit}"
        return self._add(Flow(name, src, dst, as_expr(rate), unit, doc, claims),
                         label).connect(stock.dims)

    def aux(
        self,
        name: str,
        expr: object,
        unit: str | None = None,
        dims: Sequence[Dimension | str] | None = None,
        doc: str = "",
        claims: Sequence[str] = (),
        record: bool = False,
        label: str = "",
    ) -> Aux:
        """An auxiliary. ``record=True`` keeps it in the default output."""
        declared = None if dims is None else self._dims(name, dims)
        return self._add(Aux(name, as_expr(expr), unit, declared, doc, claims, record), label)

    def lookup(
        self,
        name: str,
        points: Sequence[tuple[float, float]],
        x_unit: str | None = None,
        y_unit: str | None = None,
        doc: str = "",
    ) -> Lookup:
        self._claim_name(name)
        xs = tuple(float(x) for x, _ in points)
        ys = tuple(float(y) for _, y in points)
        if len(xs) < 2 or any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
            raise ModelError(f"lookup '{name}': needs two or more points with rising x")
        lookup = Lookup(name, xs, ys, x_unit, y_unit, doc)
        self.lookups[name] = lookup
        self.version += 1
        return lookup

    # -- reading ------------------------------------------------------------------
    def __getitem__(self, name: str) -> Variable:
        try:
            return self.variables[name]
        except KeyError:
            raise ModelError(f"model '{self.name}' has no variable '{name}'") from None

    def of_kind(self, kind: str) -> list[Variable]:
        return [v for v in self.variables.values() if v.kind == kind]

    @property
    def stocks(self) -> list[Stock]:
        return self.of_kind("stock")

    @property
    def flows(self) -> list[Flow]:
        return self.of_kind("flow")

    @property
    def params(self) -> list[Param]:
        return self.of_kind("param")

    @property
    def n_outputs(self) -> int:
        """How many times a run saves: the start, then every ``output_step`` to ``stop``."""
        return int(round((self.final_time - self.initial_time) / self.output_step)) + 1

    def months(self, when: str | date) -> float:
        """Model time (in its unit since start) of a date; only a calendar model has dates."""
        if not self.calendar:
            raise ModelError(f"model '{self.name}' counts time in {self.time_unit}s from "
                             f"{self.initial_time:g}, not in dates: '{when}' has no time in it")
        months = months_between(self.start, parse_date(when))
        return months / 12.0 if self.time_unit == "year" else months

    def check(self) -> CheckedModel:
        """Raise ModelError for the first problem found; return what the checks found."""
        from .check import check

        return check(self)

    # -- internals ----------------------------------------------------------------
    def _claim_name(self, name: str) -> None:
        if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name):
            raise ModelError(f"'{name}' is not a valid name (letters, digits, _; a letter first)")
        if name in RESERVED or "__" in name:
            raise ModelError(f"'{name}' is reserved (as are names with '__')")
        if name in self.variables or name in self.lookups or name in self.dimensions:
            raise ModelError(f"duplicate name '{name}' in model '{self.name}'")

    def _add(self, var: Variable, label: str = "") -> Variable:
        self._claim_name(var.name)
        var.label = label or var.name
        self.variables[var.name] = var
        self.version += 1
        return var

    def _dims(self, owner: str, dims: Sequence[Dimension | str]) -> tuple[str, ...]:
        names = [d.name if isinstance(d, Dimension) else str(d) for d in dims]
        for dim in names:
            if dim not in self.dimensions:
                raise ModelError(f"'{owner}': unknown dimension '{dim}'")
        order = list(self.dimensions)
        return tuple(sorted(set(names), key=order.index))

    def _default_array(self, name: str, default, dims: tuple[str, ...]) -> np.ndarray:
        shape = tuple(len(self.dimensions[d]) for d in dims)
        if isinstance(default, Mapping):
            if len(dims) != 1:
                raise ModelError(f"param '{name}': a mapping default needs exactly one dimension")
            members = self.dimensions[dims[0]].members
            missing = set(members) - set(default)
            extra = set(default) - set(members)
            if missing or extra:
                raise ModelError(
                    f"param '{name}': default must give each member of '{dims[0]}' "
                    f"(missing {sorted(missing)}, unknown {sorted(extra)})"
                )
            default = [default[m] for m in members]
        try:
            array = np.broadcast_to(np.asarray(default, dtype=float), shape).copy()
        except (ValueError, TypeError):
            raise ModelError(f"param '{name}': default does not fit dimensions {dims}") from None
        return array
