"""A system's outlook (``outlook.yaml``): what analysts ask of it. The headline outputs
with labels and units, the dates tables report, the projection start, the outcomes
(thresholds and events over outputs, written as data), the stocks the "why" panels
explain, and the dashboard's levers. Every command reads it, so nothing above
``prospects.models`` names a particular group's variables.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..engine import Intervention
from ..evidence import EvidenceError
from ..evidence.load import _describe, read_yaml
from ..evidence.schema import Entry, _slug

if TYPE_CHECKING:
    import numpy as np


def _month(value):
    """A month ("2019-01") of a calendar model, or a number: a time of a model whose time
    is numbered (an imported one)."""
    if isinstance(value, date):
        return value.isoformat()[:7]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value)
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit() \
            or not 1 <= int(text[5:]) <= 12:
        raise ValueError(f"'{text}' is not a month like 2019-01 (or a time of a model "
                         "whose time is numbered)")
    return text


Month = Annotated[str | float, BeforeValidator(_month)]


class Shown(Entry):
    """A model output as people read it: divided by ``scale``, in ``unit``."""

    variable: str
    label: str | None = None  # default: the variable's label in the model
    unit: str | None = None  # default: the variable's unit
    scale: float = Field(1.0, gt=0)


class Output(Shown):
    """An output every ensemble keeps; charted in the report unless ``chart`` is false."""

    split: str | None = None  # a dimension: one panel per member (else summed over them)
    range: tuple[float, float] | None = None  # the charts' y limits, in shown units
    headline: bool = False  # in summaries, the dashboard, sensitivity and project's table
    chart: bool = True


class Window(Entry):
    """The months from ``first`` to ``last``, both included."""

    first: Month
    last: Month

    @model_validator(mode="after")
    def _ordered(self):
        if isinstance(self.first, str) != isinstance(self.last, str):
            raise ValueError("first and last must both be months or both numbers")
        if self.last < self.first:
            raise ValueError(f"last {self.last} is before first {self.first}")
        return self


class Outcome(Entry):
    """A yes/no outcome per draw: the output (summed over its dimensions) at a month, or
    its ``stat`` over a window, below or above a number or its own mean over a window."""

    id: str
    label: str
    short: str  # a column heading
    variable: str
    at: Month | None = None
    over: Window | None = None
    stat: Literal["mean", "min", "max"] = "mean"
    below: float | Window | None = None
    above: float | Window | None = None

    _id = field_validator("id")(_slug)

    @model_validator(mode="after")
    def _one_each(self):
        if (self.at is None) == (self.over is None):
            raise ValueError("give either 'at' (a month) or 'over' (a window)")
        if (self.below is None) == (self.above is None):
            raise ValueError("give either 'below' or 'above'")
        return self

    def windows(self) -> list[Window]:
        bound = self.below if self.above is None else self.above
        return [w for w in (self.over, bound) if isinstance(w, Window)]

    def test(self, ds):
        """A boolean DataArray over draw: does the outcome happen in each draw?"""
        value = _reduce(ds, self.variable, self.over or Window(first=self.at, last=self.at),
                        self.stat)
        bound = self.below if self.above is None else self.above
        if isinstance(bound, Window):
            bound = _reduce(ds, self.variable, bound, "mean")
        return value < bound if self.above is None else value > bound


def events(ds, outcomes) -> np.ndarray:
    """Whether each of ``outcomes`` happens in each draw of one scenario's ensemble ``ds``:
    a boolean array (outcome, draw)."""
    import numpy as np

    return np.array([np.asarray(o.test(ds), dtype=bool) for o in outcomes],
                    dtype=bool).reshape(len(outcomes), ds.sizes["draw"])


def _reduce(ds, variable: str, window: Window, stat: str):
    """Per draw: ``variable`` summed over its dimensions, then its ``stat`` over ``window``."""

    from ..analysis import time_point

    first, last = (time_point(m) for m in (window.first, window.last))
    da = ds[variable].sel(time=slice(first, last))  # the window first: less to sum
    extra = [d for d in da.dims if d not in ("draw", "time", "scenario")]
    if extra:
        da = da.sum(extra)
    return getattr(da, stat)("time")


class WhyWindow(Window):
    scenario: str | None = None  # default: the status quo (none: the model as written)


class Why(Entry):
    """The stocks the "why" panels decompose into flows, over each window."""

    stocks: list[Shown] = Field(min_length=1)
    windows: list[WhyWindow] = Field(min_length=1)


class Collapse(Entry):
    """What scenario discovery looks for by default: ``variable`` below ``below``."""

    variable: str
    below: float = Field(gt=0)
    label: str | None = None  # default: an output's label for the variable, or the model's


class Lever(Entry):
    """A dashboard control for an outside actor's choice. ``switch``: off, or on (its
    ``multiply`` or ``set`` applied); ``multiplier``: a slider from ``low`` to ``high``
    multiplying the targets; ``level``: a slider setting them. ``neutral`` changes nothing
    (a multiplier's default 1). ``months``: how long it acts from its start (default: to
    the end of the run)."""

    id: str
    label: str
    help: str = ""
    kind: Literal["switch", "multiplier", "level"]
    targets: list[str] = Field(min_length=1)
    low: float | None = None
    high: float | None = None
    neutral: float | None = None
    multiply: float | None = Field(None, ge=0)
    set: float | None = None
    months: int | None = Field(None, ge=1)

    _id = field_validator("id")(_slug)

    @model_validator(mode="after")
    def _consistent(self):
        if self.kind == "switch":
            if (self.multiply is None) == (self.set is None):
                raise ValueError("a switch needs either 'multiply' or 'set'")
            return self
        if self.multiply is not None or self.set is not None:
            raise ValueError(f"a {self.kind} takes 'low', 'high' and 'neutral', not "
                             "'multiply' or 'set'")
        if self.low is None or self.high is None:
            raise ValueError(f"a {self.kind} needs 'low' and 'high'")
        if self.kind == "level" and self.neutral is None:
            raise ValueError("a level needs 'neutral', the value that changes nothing")
        neutral = 1.0 if self.neutral is None else self.neutral
        if not self.low <= neutral <= self.high:
            raise ValueError(f"neutral {neutral:g} is outside [{self.low:g}, {self.high:g}]")
        if self.kind == "multiplier" and self.low < 0:
            raise ValueError(f"low {self.low:g} is below 0")
        return self

    @property
    def rest(self) -> float:
        """The control's value that changes nothing (a switch: 0, off)."""
        if self.kind == "switch":
            return 0.0
        return 1.0 if self.neutral is None else self.neutral

    def interventions(self, value: float, start: str) -> list[Intervention]:
        """What the control at ``value`` does from the month ``start`` (nothing at rest)."""
        if value == self.rest:
            return []
        import numpy as np

        end = None if not self.months else (
            str(np.datetime64(start, "M") + self.months) if isinstance(start, str)
            else start + self.months)
        if self.kind == "switch":
            kind, amount = ("multiply", self.multiply) if self.set is None else ("set", self.set)
        else:
            kind, amount = ("multiply" if self.kind == "multiplier" else "set"), value
        from .scenarios import Lever

        return [Lever(target=t, end=end, **{kind: amount}).intervention(self.label, start=start)
                for t in self.targets]


class Outlook(Entry):
    projection_start: Month
    summary_dates: list[Month] = Field(min_length=1)  # the run's summary table
    projection_dates: list[Month] = Field(min_length=1)  # project's table
    horizon: Month  # the month sensitivity, discovery and the dashboard read outcomes at
    status_quo: str | None = None  # the scenario in which no lever moves
    outputs: list[Output] = Field(min_length=1)
    outcomes: list[Outcome] = Field(default_factory=list)
    collapse: Collapse | None = None
    why: Why | None = None
    levers: list[Lever] = Field(default_factory=list)

    @property
    def headline(self) -> list[Output]:
        return [o for o in self.outputs if o.headline] or self.outputs[:1]

    @property
    def asked(self) -> list[str]:
        """The headline outputs, then what outcomes read: what the dashboard and sensitivity
        simulate."""
        names = [o.variable for o in self.headline] + [o.variable for o in self.outcomes]
        return list(dict.fromkeys(names))

    @property
    def kept(self) -> list[str]:
        """Every output an ensemble keeps: the outputs, then what outcomes read."""
        names = [o.variable for o in self.outputs]
        names += [o.variable for o in self.outcomes]
        names += [self.collapse.variable] if self.collapse else []
        return list(dict.fromkeys(names))

    def collapse_asked(self) -> Collapse:
        """The collapse scenario discovery looks for, or a one-line EvidenceError."""
        if self.collapse is None:
            raise EvidenceError("outlook.yaml gives no 'collapse' (a variable, and the level "
                                "below which a draw collapses): add one for scenario discovery")
        return self.collapse


def read_outlook(path) -> Outlook:
    """The validated ``outlook.yaml``; errors name the file, the entry and the field."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise EvidenceError(f"{path}: expected a mapping of fields, found "
                            f"{type(data).__name__}")
    try:
        return Outlook.model_validate(data)
    except ValidationError as err:
        loc, message = _describe(err)
        parts = loc.split(".")
        entry = parts[0]
        if len(parts) > 1 and parts[1].isdigit():  # an entry of a list: name it by its id
            item = data.get(parts[0])[int(parts[1])]
            name = item.get("id") or item.get("variable") if isinstance(item, dict) else None
            entry = f"{parts[0]}[{name if isinstance(name, str) else int(parts[1]) + 1}]"
            parts = parts[1:]
        field = ".".join(parts[1:]) or "(entry)"
        raise EvidenceError(f"{path}: entry '{entry}' field '{field}': {message}") from None


def load_outlook(path, model, scenarios: dict, parameters: dict) -> Outlook:
    """Read ``outlook.yaml`` and check it against the model and scenarios; labels and
    units left out are the model's."""
    return checked_outlook(read_outlook(path), path, model, scenarios, parameters)


def checked_outlook(outlook: Outlook, path, model, scenarios: dict,
                    parameters: dict) -> Outlook:
    """``outlook`` checked against the model and scenarios (errors name ``path``), with
    the model's labels and units where it leaves them out."""
    check = _Checker(path, model)
    outputs = [check.shown(o, f"outputs[{o.variable}]") for o in outlook.outputs]
    for o in outputs:
        if o.split is not None and o.split not in model[o.variable].dims:
            check.fail(f"outputs[{o.variable}]", "split",
                       f"'{o.variable}' has no dimension '{o.split}'")
    for field in ("projection_start", "horizon"):
        check.month(getattr(outlook, field), field, field)
    for field in ("summary_dates", "projection_dates"):
        for when in getattr(outlook, field):
            check.month(when, field, field)
    for o in outlook.outcomes:
        where = f"outcomes[{o.id}]"
        check.variable(o.variable, where)
        if o.at:
            check.month(o.at, where, "at")
        for window in o.windows():
            check.month(window.first, where, "window")
            check.month(window.last, where, "window")
    collapse = outlook.collapse
    if collapse is not None:
        labels = {o.variable: o.label for o in reversed(outputs) if not o.split}
        label = collapse.label or labels.get(collapse.variable) or \
            check.variable(collapse.variable, "collapse").label
        collapse = collapse.model_copy(update={"label": label})
    if outlook.status_quo is not None and outlook.status_quo not in scenarios:
        check.fail("status_quo", "status_quo", f"unknown scenario '{outlook.status_quo}'")
    why = outlook.why
    if why is not None:
        stocks = [check.shown(s, f"why[{s.variable}]") for s in why.stocks]
        for s in stocks:
            if model[s.variable].kind != "stock":
                check.fail(f"why[{s.variable}]", "variable", f"'{s.variable}' is not a stock")
        for w in why.windows:
            where = f"why[{w.first} to {w.last}]"
            check.month(w.first, where, "first")
            check.month(w.last, where, "last")
            if w.scenario is not None and w.scenario not in scenarios:
                check.fail(where, "scenario", f"unknown scenario '{w.scenario}'")
        why = why.model_copy(update={"stocks": stocks})
    for lever in outlook.levers:
        for target in lever.targets:
            check.variable(target, f"levers[{lever.id}]", "targets")
            spec = parameters.get(target)
            if lever.kind != "multiplier" and spec is not None:
                low, high = spec.allowed
                values = [lever.set] if lever.kind == "switch" else [lever.low, lever.high]
                if any(v is not None and not low <= v <= high for v in values):
                    check.fail(f"levers[{lever.id}]", "targets",
                               f"'{target}' may only take values in [{low:g}, {high:g}]")
    return outlook.model_copy(update={"outputs": outputs, "why": why, "collapse": collapse})


def model_time(model, when) -> str | float:
    """``when`` as a time of the model's output: a month ("2021-06") of a calendar model,
    else a number, one of its output times; a ValueError says why it is not."""
    import re

    import numpy as np

    from ..engine.run import output_times

    if model.calendar:
        text = str(when).strip()
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
            raise ValueError(f"{text} is not a month like 2021-06")
        first, last = model.start.isoformat()[:7], model.stop.isoformat()[:7]
        if not first <= text <= last:
            raise ValueError(f"{text} is outside the run ({first} to {last})")
        return text
    times = output_times(model)
    try:
        number = float(when)
    except (TypeError, ValueError):
        raise ValueError(f"{when} is not a time of the model, a number of "
                         f"{model.time_unit}s") from None
    if not times[0] <= number <= times[-1]:
        raise ValueError(f"{number:g} is outside the run ({times[0]:g} to {times[-1]:g})")
    if not np.isclose(times, number).any():
        raise ValueError(f"{number:g} is not an output time of the model (every "
                         f"{model.output_step:g} from {times[0]:g})")
    return number


class _Checker:
    """Checks of outlook entries against a model, each failure one EvidenceError."""

    def __init__(self, path, model):
        self.path, self.model = path, model

    def fail(self, entry: str, field: str, message: str):
        raise EvidenceError(f"{self.path}: entry '{entry}' field '{field}': {message}")

    def variable(self, name: str, entry: str, field: str = "variable"):
        if name not in self.model.variables:
            self.fail(entry, field, f"model '{self.model.name}' has no variable '{name}'")
        return self.model.variables[name]

    def month(self, when: str | float, entry: str, field: str) -> None:
        if isinstance(when, str) != self.model.calendar:
            self.fail(entry, field, f"{when} is not a time of the model: give " + (
                "a month like 2019-01" if self.model.calendar else
                f"a number of {self.model.time_unit}s"))
        try:
            model_time(self.model, when)
        except ValueError as err:
            self.fail(entry, field, str(err))

    def shown(self, shown: BaseModel, entry: str):
        var = self.variable(shown.variable, entry)
        return shown.model_copy(update={"label": shown.label or var.label,
                                        "unit": shown.unit or var.unit or ""})
