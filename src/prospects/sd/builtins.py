"""The registry of builtin functions: each declared once, with everything that reads it.

A ``Builtin`` gives its name in the language, its arity, its dimension and unit rules,
its NumPy implementation and the line the compiled backend's kernel computes it with (or,
for one that holds state, how it lowers to plain stocks and flows, which both backends
then run) and its names in Vensim and XMILE. Calling it builds an expression node.
Adding a builtin is adding one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .expr import Call, Date, as_expr

SMALL = 1e-6
"""Denominators smaller than this count as zero in ``zidz`` (Vensim's SMALL_VENSIM)."""


def union(arg_dims: Sequence[Sequence[str]]) -> set[str]:
    """The dimension rule of an element-wise function: every argument's dimensions."""
    return {d for dims in arg_dims for d in dims}


@dataclass(frozen=True)
class Builtin:
    """One builtin. ``units(rules, *arg_units)`` gives the result's unit (see
    ``check.UnitRules``); ``numpy(*args)`` computes it (``numpy(t, dt, *args)`` if
    ``timed``), or ``lower(hidden, *args)`` builds its hidden state (see
    ``engine.lower.Hidden``) and returns the expression it stands for.
    ``kernel(w, *args)`` writes, for the compiled backend, the scalar source of one value
    from its arguments' source (names or numbers; ``t`` is the time): with NumPy's
    arithmetic and NaN rules, as selects (``pick``) rather than branches so that the loop
    over draws vectorises; ``w`` is the writer (``engine.kernel``'s ``_Body``:
    ``w.temp(code)`` names a value, ``w.number(x)`` writes a float, ``w.dt``).
    ``vensim``/``xmile`` hold one name per arity from the least (e.g. SMOOTH, SMOOTHI).
    A builtin ``along`` one dimension (a vector function: sorting, allocation) reads, at
    each member of it, every member: a call names the dimension (``along=``) and
    ``numpy(axis, *args)`` gets each argument spread over that axis."""

    name: str
    arity: tuple[int, int]
    units: Callable
    vensim: tuple[str, ...]
    xmile: tuple[str, ...]
    doc: str
    numpy: Callable | None = None
    lower: Callable | None = None
    kernel: Callable | None = None
    timed: bool = False
    fresh: bool = False  # numpy returns a new array (an operation on it may write over it)
    times: tuple[int, ...] = ()  # arguments that may be dates ("2018-08")
    conditions: tuple[int, ...] = ()  # arguments read as truth values
    vensim_tail: tuple[str, ...] = ()  # constant arguments Vensim needs after ours
    delays: bool = False  # its value now does not read its arguments now (breaks loops)
    along: bool = False  # works along one dimension, which each call names
    dims: Callable[[Sequence[Sequence[str]]], set[str]] = field(default=union)

    def __call__(self, *args: object, along: str = "") -> Call:
        while args and args[-1] is None and len(args) > self.arity[0]:
            args = args[:-1]
        low, high = self.arity
        if not low <= len(args) <= high:
            raise TypeError(f"{self.name}() takes {low}..{high} arguments, got {len(args)}")
        if self.along != bool(along):
            raise TypeError(f"{self.name}() works along a dimension: name it (along=...)"
                            if self.along else f"{self.name}() works member by member "
                            "(no along=)")
        return Call(self.name, tuple(
            Date(a) if k in self.times and isinstance(a, str) else as_expr(a)
            for k, a in enumerate(args)), along)

    def vensim_name(self, n_args: int) -> str:
        return self.vensim[n_args - self.arity[0]]


# -- unit rules ----------------------------------------------------------------------
def _same(r, a, b):
    return r.agree(a, b)


def _first(r, a, *_):
    return a


def _one_of_one(r, a):
    r.need(a, r.one, f"the argument of {r.node.fn}")
    return r.one


def _sqrt_units(r, a):
    return None if a is None else a ** 0.5


def _branches(r, c, a, b):
    return r.agree(a, b)


def _step_units(r, height, start):
    r.need(start, r.month, "a start time")
    return height


def _pulse_units(r, start, width):
    for arg in (start, width):
        r.need(arg, r.month, "a pulse's start and width")
    return r.one


def _ramp_units(r, slope, start, end):
    for arg in (start, end):
        r.need(arg, r.month, "a ramp's start and end")
    return None if slope is None else slope * r.month


def _delayed(r, x, delay, init=None):
    r.need(delay, r.month, "a delay time")
    return x if init is None else r.agree(x, init)


def _trend_units(r, x, average, initial):
    r.need(average, r.month, "an averaging time")
    r.need(initial, r.one / r.month, "an initial trend")
    return r.one / r.month


def _train_units(r, start, width, interval, end):
    for arg in (start, width, interval, end):
        r.need(arg, r.month, "a pulse train's start, width, interval and end")
    return r.one


def _delayed_n(r, x, delay, init, order):
    r.need(order, r.one, "the order of a delay")
    return _delayed(r, x, delay, init)


def _forecast_units(r, x, average, horizon, initial):
    r.need(horizon, r.month, "a forecast horizon")
    _trend_units(r, x, average, initial)
    return x


def _sampled(r, condition, x, init):
    r.need(condition, r.one, "a condition")
    return r.agree(x, init)


def _positions(r, a, direction):
    return r.one


def _allocated(r, request, priority, width, supply):
    r.agree(priority, width)
    return r.agree(request, supply)


def _available(r, request, kind, priority, width, avail):
    r.need(kind, r.one, "a priority profile's kind")
    r.agree(priority, width)
    return r.agree(request, avail)


def _fallback_ratio(r, a, b, x):
    return r.agree(_ratio(r, a, b), x)


def _ratio(r, a, b):
    return a if b is None else (r.one if a is None else a) / b


# -- NumPy implementations -------------------------------------------------------------
def _choose(c, a, b):
    """``if_then_else``; a condition that is one number picks a branch without a pass."""
    if not isinstance(c, float):
        return np.where(c, a, b)
    chosen, shape = (a if c else b), np.broadcast_shapes(np.shape(a), np.shape(b))
    return chosen if np.shape(chosen) == shape else np.broadcast_to(chosen, shape)


def _step(t, dt, height, start):
    return height * (t + dt / 2 > start)  # switches at the nearest step, as Vensim does


def _pulse(t, dt, start, width):
    return 1.0 * ((t >= start) & (t < start + width))


def _ramp(t, dt, slope, start, end):
    return slope * (np.minimum(np.maximum(t, start), end) - start)


def _zidz(a, b):
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    out = np.zeros(shape)
    return np.divide(a, b, out=out, where=np.abs(b) >= SMALL)


def _xidz(a, b, x):
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(x))
    out = np.array(np.broadcast_to(x, shape), dtype=float)
    return np.divide(a, b, out=out, where=np.abs(b) >= SMALL)


def _active(x, init):
    """ACTIVE INITIAL once the run is under way (``engine.lower`` gives it init before)."""
    return x


def _pulse_train(t, dt, start, width, interval, end):
    """1 for ``width`` from ``start``, again every ``interval``, until ``end``."""
    since = t - start + SMALL
    phase = np.where(interval > 0, np.fmod(since, np.where(interval > 0, interval, 1.0)),
                     since)
    return 1.0 * ((t >= start) & (t < end) & (phase < width))


def _sort_order(axis, vector, direction):
    """VECTOR SORT ORDER: the positions (from 0) of the members in the order that sorts
    them, smallest first where ``direction`` > 0, else largest first (the ascending
    order reversed, as Vensim and PySD give it)."""
    vector, direction = np.broadcast_arrays(vector, direction)
    up = np.argsort(vector, axis=axis)
    return np.where(direction > 0, up, np.flip(up, axis=axis)).astype(float)


def _rank(axis, vector, direction):
    """VECTOR RANK: each member's place (from 1) in that order."""
    return np.argsort(_sort_order(axis, vector, direction), axis=axis) + 1.0


def _reorder(axis, vector, order):
    """VECTOR REORDER: at each member, the member of ``vector`` that ``order`` gives by
    its position (from 0); NaN where that is no position."""
    vector, order = np.broadcast_arrays(vector, order)
    valid = (order >= 0) & (order < vector.shape[axis]) & (order == np.trunc(order))
    found = np.take_along_axis(vector, np.where(valid, order, 0).astype(np.intp), axis)
    return np.where(valid, found, np.nan)


def _allocate_by_priority(axis, request, priority, width, supply):
    """ALLOCATE BY PRIORITY with Vensim's rectangular priority profiles: each member
    gets its request times the part of its profile (``priority - width`` to
    ``priority``) above one common level, the level at which the allocations add up to
    the supply (all requests if they fit in it, nothing if there is none). The total
    is linear between the profiles' ends, so the level is found exactly: the ends where
    the total is below and above the supply, interpolated between."""
    request, priority, width, supply = (np.moveaxis(x, axis, -1) for x in np.broadcast_arrays(
        request, priority, width, supply))
    width, supply = width[..., :1], supply[..., :1]  # the same along the axis

    def given(level):  # per level (last axis), per member
        share = (priority[..., None, :] - level[..., :, None]) / width[..., None, :]
        return request[..., None, :] * np.clip(share, 0.0, 1.0)

    ends = -np.sort(-np.concatenate([priority, priority - width], axis=-1), axis=-1)
    totals = given(ends).sum(axis=-1)  # rising as the level falls
    k = np.clip((totals < supply).sum(axis=-1, keepdims=True) - 1, 0, ends.shape[-1] - 2)
    low, high = (np.take_along_axis(totals, k + j, -1) for j in (0, 1))
    top, bottom = (np.take_along_axis(ends, k + j, -1) for j in (0, 1))
    part = np.divide(supply - low, high - low, out=np.zeros(low.shape), where=high > low)
    part = np.clip(part, 0.0, 1.0)
    out = given(top + part * (bottom - top))[..., 0, :]
    out = np.where(supply >= request.sum(axis=-1, keepdims=True), request,
                   np.where(supply > 0, out, 0.0))
    return np.moveaxis(out, -1, axis)


def _demand_curves(level, kind, priority, width):
    """The share of its request each member asks for at ``level`` (a price, falling as
    it rises) under Vensim's priority profiles: 1 rectangular, 2 triangular, 3 normal,
    4 exponential, each centred on ``priority`` with its ``width``; NaN for another."""
    from scipy.special import erfc

    over = (level - priority) / width
    u = over + 0.5  # 0 to 1 across the rectangle and the triangle
    curves = {1.0: np.clip(1.0 - u, 0.0, 1.0),
              2.0: np.where(u < 0.5, 1.0 - 2.0 * np.clip(u, 0.0, 1.0) ** 2,
                            2.0 * np.clip(1.0 - u, 0.0, 1.0) ** 2),
              3.0: 0.5 * erfc(over / np.sqrt(2.0)),
              4.0: np.where(over < 0.0, 1.0 - 0.5 * np.exp(np.minimum(over, 0.0)),
                            0.5 * np.exp(-np.maximum(over, 0.0)))}
    out = np.full(np.broadcast_shapes(np.shape(level), np.shape(kind)), np.nan)
    for code, curve in curves.items():
        out = np.where(kind == code, curve, out)
    return out


def _allocate_available(axis, request, kind, priority, width, avail):
    """ALLOCATE AVAILABLE with profiles 1 to 4: each member gets its request times its
    profile's share at the one level where the shares add up to what is available (all
    requests if they fit, nothing if nothing is available). The total falls as the
    level rises, so halving a bracket wide enough for every profile finds the level to
    the last float, for every draw and lane at once."""
    request, kind, priority, width, avail = (np.moveaxis(x, axis, -1) for x in
                                             np.broadcast_arrays(request, kind, priority,
                                                                 width, avail))
    avail = avail[..., :1]  # the same along the axis

    def total(level):
        return (request * _demand_curves(level, kind, priority, width)).sum(
            axis=-1, keepdims=True)

    low = (priority - 40.0 * width).min(axis=-1, keepdims=True)
    high = (priority + 40.0 * width).max(axis=-1, keepdims=True)
    for _ in range(100):  # from 80 widths to below a float's resolution
        middle = 0.5 * (low + high)
        above = total(middle) > avail
        low, high = np.where(above, middle, low), np.where(above, high, middle)
    out = request * _demand_curves(0.5 * (low + high), kind, priority, width)
    out = np.where(avail >= request.sum(axis=-1, keepdims=True), request,
                   np.where(avail > 0, out, 0.0))
    return np.moveaxis(out, -1, axis)


# -- kernel rules (the compiled backend's source for one value) ------------------------
def truth(condition: str) -> str:
    """1.0 where ``condition`` holds, else 0.0, as NumPy's comparisons give."""
    return f"pick({condition}, 1.0, 0.0)"


def _k_minimum(w, a, b):
    return f"pick(({a} < {b}) | ({a} != {a}), {a}, {b})"  # np.minimum keeps a NaN


def _k_maximum(w, a, b):
    return f"pick(({a} > {b}) | ({a} != {a}), {a}, {b})"


def _k_call(function: str) -> Callable:
    """The rule of a builtin that is one scalar function numba compiles."""
    return lambda w, *args: f"{function}({', '.join(args)})"


def _k_zidz(w, a, b):
    return f"pick(abs({b}) >= {SMALL!r}, {a} / {b}, 0.0)"


def _k_xidz(w, a, b, x):
    return f"pick(abs({b}) >= {SMALL!r}, {a} / {b}, {x})"


def _k_choose(w, c, a, b):
    return f"pick({c} != 0.0, {a}, {b})"  # np.where takes NaN as true


def _k_step(w, height, start):
    return f"({height} * {truth(f't + {w.number(w.dt / 2)} > {start}')})"


def _k_pulse(w, start, width):
    return truth(f"(t >= {start}) & (t < {start} + {width})")


def _k_ramp(w, slope, start, end):
    low = w.temp(_k_maximum(w, "t", start))
    return f"({slope} * ({w.temp(_k_minimum(w, low, end))} - {start}))"


def _k_pulse_train(w, start, width, interval, end):
    since = w.temp(f"t - {start} + {SMALL!r}")
    positive = w.temp(f"{interval} > 0.0")
    phase = w.temp(f"pick({positive}, np.fmod({since}, pick({positive}, {interval}, 1.0)), "
                   f"{since})")
    return truth(f"(t >= {start}) & (t < {end}) & ({phase} < {width})")


# -- lowering of builtins that hold state ----------------------------------------------
def _smooth_chain(h, x, delay, init=None, order=1):
    stage = delay if order == 1 else delay / float(order)
    level = x
    for k in range(1, order + 1):
        stock = h.stock(x if init is None else init, "" if order == 1 else str(k))
        h.flow(None, stock, (level - stock) / stage)
        level = stock
    return level


def _delay_chain(h, x, delay, init=None, order=1):
    stage = delay if order == 1 else delay / float(order)
    start = (x if init is None else init) * stage
    stocks = [h.stock(start, str(k)) for k in range(1, order + 1)]
    h.flow(None, stocks[0], x)
    for before, after in zip(stocks, stocks[1:], strict=False):
        h.flow(before, after, before / stage)
    return h.flow(stocks[-1], None, stocks[-1] / stage)


def _delay_fixed(h, x, delay, init):
    """A pipeline of ``delay / dt`` stocks, each taking the one before it every step."""
    n = max(1, round(h.number(delay, "the delay of delay_fixed") / h.dt + SMALL))
    level = x
    for k in range(1, n + 1):
        stock = h.stock(init, str(k))
        h.flow(None, stock, (level - stock) / h.dt)
        level = stock
    return level


def _delay_n(h, x, delay, init, order):
    """Vensim's DELAY N: stage k empties over the delay time of k steps ago (a pipeline
    of past delay times, as PySD keeps it), so that a change of the delay time travels
    with the material; the output reads the delay time of one step ago. With a delay
    time that does not change, the chain of ``delay_chain``."""
    n = h.stages(round(h.number(order, "the order of delay_n")), delay)
    times = [delay]
    for k in range(1, max(n, 2)):  # the delay time k steps ago
        past = h.stock(delay, f"time{k}")
        h.flow(None, past, (times[-1] - past) / h.dt)
        times.append(past)
    stocks = [h.stock((x if init is None else init) * delay / n, str(k))
              for k in range(1, n + 1)]
    h.flow(None, stocks[0], x)
    for k, (before, after) in enumerate(zip(stocks, stocks[1:], strict=False)):
        h.flow(before, after, before * n / times[k])
    h.flow(stocks[-1], None, stocks[-1] * n / times[n - 1])
    return stocks[-1] * n / times[1]


def _smooth_n(h, x, delay, init, order):
    return _smooth_chain(h, x, delay, init, round(h.number(order, "the order of smooth_n")))


def _initial(h, x):
    """The value ``x`` had at the start: a hidden stock that nothing flows into."""
    return h.stock(x)


def _sample_if_true(h, condition, x, init):
    """``x`` while ``condition`` holds, else the value it had when it last held."""
    held = h.stock(init)
    choose = BUILTINS["if_then_else"]
    h.flow(None, held, choose(condition, (x - held) / h.dt, 0.0))
    return choose(condition, x, held)


def _forecast(h, x, average, horizon, initial):
    return x * (1.0 + _trend(h, x, average, initial) * horizon)


def _trend(h, x, average, initial):
    level = h.stock(x / (1.0 + initial * average))
    h.flow(None, level, (x - level) / average)
    return BUILTINS["zidz"](x - level, average * BUILTINS["absolute"](level))


def _random_uniform(h, low, high):
    return low + (high - low) * h.noise()


def _define(*builtins: Builtin) -> dict[str, Builtin]:
    return {b.name: b for b in builtins}


BUILTINS: dict[str, Builtin] = _define(
    Builtin("minimum", (2, 2), _same, ("MIN",), ("MIN",), "The smaller of a and b.",
            numpy=np.minimum, fresh=True, kernel=_k_minimum),
    Builtin("maximum", (2, 2), _same, ("MAX",), ("MAX",), "The larger of a and b.",
            numpy=np.maximum, fresh=True, kernel=_k_maximum),
    Builtin("absolute", (1, 1), _first, ("ABS",), ("ABS",), "Absolute value.",
            numpy=np.abs, fresh=True, kernel=_k_call("abs")),
    Builtin("exp", (1, 1), _one_of_one, ("EXP",), ("EXP",), "e to the power x.",
            numpy=np.exp, fresh=True, kernel=_k_call("fexp")),
    Builtin("log", (1, 1), _one_of_one, ("LN",), ("LN",), "Natural logarithm.",
            numpy=np.log, fresh=True, kernel=_k_call("np.log")),
    Builtin("sin", (1, 1), _one_of_one, ("SIN",), ("SIN",), "Sine (radians).",
            numpy=np.sin, fresh=True, kernel=_k_call("np.sin")),
    Builtin("cos", (1, 1), _one_of_one, ("COS",), ("COS",), "Cosine (radians).",
            numpy=np.cos, fresh=True, kernel=_k_call("np.cos")),
    Builtin("tan", (1, 1), _one_of_one, ("TAN",), ("TAN",), "Tangent (radians).",
            numpy=np.tan, fresh=True, kernel=_k_call("np.tan")),
    Builtin("arcsin", (1, 1), _one_of_one, ("ARCSIN",), ("ARCSIN",), "Inverse sine, in radians.",
            numpy=np.arcsin, fresh=True, kernel=_k_call("np.arcsin")),
    Builtin("arccos", (1, 1), _one_of_one, ("ARCCOS",), ("ARCCOS",), "Inverse cosine, in radians.",
            numpy=np.arccos, fresh=True, kernel=_k_call("np.arccos")),
    Builtin("arctan", (1, 1), _one_of_one, ("ARCTAN",), ("ARCTAN",), "Inverse tangent, in radians.",
            numpy=np.arctan, fresh=True, kernel=_k_call("np.arctan")),
    Builtin("sinh", (1, 1), _one_of_one, ("SINH",), ("SINH",), "Hyperbolic sine.",
            numpy=np.sinh, fresh=True, kernel=_k_call("np.sinh")),
    Builtin("cosh", (1, 1), _one_of_one, ("COSH",), ("COSH",), "Hyperbolic cosine.",
            numpy=np.cosh, fresh=True, kernel=_k_call("np.cosh")),
    Builtin("tanh", (1, 1), _one_of_one, ("TANH",), ("TANH",), "Hyperbolic tangent.",
            numpy=np.tanh, fresh=True, kernel=_k_call("np.tanh")),
    Builtin("sqrt", (1, 1), _sqrt_units, ("SQRT",), ("SQRT",), "Square root.",
            numpy=np.sqrt, fresh=True, kernel=_k_call("np.sqrt")),
    Builtin("integer", (1, 1), _first, ("INTEGER",), ("INT",),
            "The integer part of x (towards zero).", numpy=np.trunc, fresh=True,
            kernel=_k_call("np.trunc")),
    Builtin("modulo", (2, 2), _same, ("MODULO",), ("MOD",),
            "The remainder of a / b, with the sign of a.", numpy=np.fmod, fresh=True,
            kernel=_k_call("np.fmod")),
    Builtin("zidz", (2, 2), _ratio, ("ZIDZ",), ("SAFEDIV",),
            "a / b, or 0 where b is (nearly) 0.", numpy=_zidz, fresh=True, kernel=_k_zidz),
    Builtin("xidz", (3, 3), _fallback_ratio, ("XIDZ",), ("SAFEDIV",),
            "a / b, or x where b is (nearly) 0.", numpy=_xidz, fresh=True, kernel=_k_xidz),
    Builtin("if_then_else", (3, 3), _branches, ("IF THEN ELSE",), ("IF_THEN_ELSE",),
            "then where condition is true (non-zero), else otherwise.", numpy=_choose,
            conditions=(0,), kernel=_k_choose),
    Builtin("step", (2, 2), _step_units, ("STEP",), ("STEP",),
            "0 before start, height from then on.", numpy=_step, timed=True, times=(1,),
            kernel=_k_step),
    Builtin("pulse", (2, 2), _pulse_units, ("PULSE",), ("PULSE",),
            "1 from start for width time units, else 0.", numpy=_pulse, timed=True,
            times=(0,), kernel=_k_pulse),
    Builtin("ramp", (3, 3), _ramp_units, ("RAMP",), ("RAMP",),
            "0 before start, rising by slope per time unit until end, then held.",
            numpy=_ramp, timed=True, times=(1, 2), kernel=_k_ramp),
    Builtin("pulse_train", (4, 4), _train_units, ("PULSE TRAIN",), ("PULSE_TRAIN",),
            "1 for width time units from start, repeated every interval, until end.",
            numpy=_pulse_train, timed=True, times=(0, 3), kernel=_k_pulse_train),
    Builtin("active_initial", (2, 2), _first, ("ACTIVE INITIAL",), ("ACTIVE_INITIAL",),
            "x, except while the stocks' initial values are worked out, when it is init.",
            numpy=_active, kernel=lambda w, x, init: x),
    Builtin("initial", (1, 1), _first, ("INITIAL",), ("INIT",),
            "The value x had at the start of the run.", lower=_initial, delays=True),
    Builtin("sample_if_true", (3, 3), _sampled, ("SAMPLE IF TRUE",), ("SAMPLE_IF_TRUE",),
            "x while condition holds, else its value when the condition last held "
            "(init before).", lower=_sample_if_true, conditions=(0,)),
    Builtin("smooth_n", (4, 4), _delayed_n, ("SMOOTH N",), ("SMTHN",),
            "Exponential smooth of x of a given order (a number).", lower=_smooth_n,
            delays=True),
    Builtin("delay_n", (4, 4), _delayed_n, ("DELAY N",), ("DELAYN",),
            "Material delay of the flow x of a given order (a number).", lower=_delay_n,
            delays=True),
    Builtin("forecast", (4, 4), _forecast_units, ("FORECAST",), ("FORCST",),
            "x extrapolated horizon ahead at its trend against its smooth over average.",
            lower=_forecast),
    Builtin("smooth", (2, 3), _delayed, ("SMOOTH", "SMOOTHI"), ("SMTH1", "SMTH1"),
            "First-order exponential smooth of x; starts at init or at x.",
            lower=_smooth_chain, delays=True),
    Builtin("smooth3", (2, 3), _delayed, ("SMOOTH3", "SMOOTH3I"), ("SMTH3", "SMTH3"),
            "Third-order exponential smooth of x; starts at init or at x.",
            lower=partial(_smooth_chain, order=3), delays=True),
    Builtin("delay1", (2, 3), _delayed, ("DELAY1", "DELAY1I"), ("DELAY1", "DELAY1"),
            "First-order material delay of the flow x; its outflow starts at init or x.",
            lower=_delay_chain, delays=True),
    Builtin("delay3", (2, 3), _delayed, ("DELAY3", "DELAY3I"), ("DELAY3", "DELAY3"),
            "Third-order material delay of the flow x; its outflow starts at init or x.",
            lower=partial(_delay_chain, order=3), delays=True),
    Builtin("delay_fixed", (3, 3), _delayed, ("DELAY FIXED",), ("DELAY",),
            "x as it was delay ago (a number, rounded to whole time steps); init before.",
            lower=_delay_fixed, delays=True),
    Builtin("trend", (3, 3), _trend_units, ("TREND",), ("TREND",),
            "Fractional growth rate of x, against its smooth over average, from initial.",
            lower=_trend),
    Builtin("vector_sort_order", (2, 2), _positions, ("VECTOR SORT ORDER",),
            ("VECTOR_SORT_ORDER",), "The positions (from 0) of the members of x along a "
            "dimension in sorted order: smallest first if direction > 0, else largest.",
            numpy=_sort_order, fresh=True, along=True),
    Builtin("vector_rank", (2, 2), _positions, ("VECTOR RANK",), ("VECTOR_RANK",),
            "Each member's rank (from 1) along a dimension: smallest first if direction "
            "> 0, else largest.", numpy=_rank, fresh=True, along=True),
    Builtin("vector_reorder", (2, 2), _first, ("VECTOR REORDER",), ("VECTOR_REORDER",),
            "x along a dimension in the order given by positions (from 0), such as "
            "vector_sort_order's.", numpy=_reorder, fresh=True, along=True),
    Builtin("allocate_by_priority", (4, 4), _allocated, ("ALLOCATE BY PRIORITY",),
            ("ALLOCATE_BY_PRIORITY",), "supply shared among the requests along a "
            "dimension, higher priorities first, overlapping over width (Vensim's "
            "rectangular profiles).", numpy=_allocate_by_priority, fresh=True, along=True),
    Builtin("allocate_available", (5, 5), _available, ("ALLOCATE AVAILABLE",),
            ("ALLOCATE_AVAILABLE",), "what is available shared among the requests along "
            "a dimension by priority profiles (kind 1 rectangular, 2 triangular, 3 "
            "normal, 4 exponential; priority; width).", numpy=_allocate_available,
            fresh=True, along=True),
    Builtin("random_uniform", (2, 2), _same, ("RANDOM UNIFORM",), ("UNIFORM",),
            "A new uniform number between low and high every step, in a stream of its "
            "own per draw (same seed, same numbers).", lower=_random_uniform,
            vensim_tail=("0",)),
)

