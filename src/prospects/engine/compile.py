"""Compile a lowered model once into closures over NumPy arrays of many draws at once.

Every value is an array of shape ``(*sizes, draws)``: one axis per model dimension, of
length 1 where the variable does not vary along it, so NumPy broadcasting follows
dimension names. The draw axis is last so that every inner loop runs over draws,
contiguous in memory. A draw-independent value has 1 as its last axis, or is a float.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..sd.builtins import BUILTINS
from ..sd.expr import Array, BinOp, Const, Date, Expr, LookupCall, Neg, Reduce, Visitor
from ..sd.model import ModelError, Stock, Variable
from .interventions import Intervention
from .lower import Limit, Lowered, Noise, Override, add_all
from .sampling import stream

Fn = Callable[[list, float], object]

BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": np.divide,
    "**": np.power,
}
COMPARE = {
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
    "==": np.equal, "!=": np.not_equal, "&": np.logical_and, "|": np.logical_or,
}
_IN_PLACE = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power}


def _fresh(node: Expr) -> bool:
    """Whether a node's value is a new array of this step (or a number), never a variable's
    array or a view of one, so that the operation reading it may write over it."""
    return isinstance(node, BinOp | Neg | LookupCall | Reduce | Array) or (
        node.form == "call" and BUILTINS[node.fn].fresh)


def _reusing(op: Callable, ufunc: np.ufunc, which: int) -> Callable:
    """``op`` that writes its result over operand ``which`` (a temporary) when that is an
    array of the result's shape: the memory is reused while still in cache."""

    def over_first(a, b):
        if type(a) is np.ndarray and (isinstance(b, float) or b.shape == a.shape):
            return ufunc(a, b, out=a)
        return op(a, b)

    def over_second(a, b):
        if type(b) is np.ndarray and (isinstance(a, float) or a.shape == b.shape):
            return ufunc(a, b, out=b)
        return op(a, b)

    return over_first if which == 0 else over_second


def _as_float(fn: Callable) -> Callable:
    """A comparison giving 1.0 or 0.0: a number for numbers (the time, constants), else
    written straight into a float array."""

    def compare(a, b):
        if isinstance(a, float) and isinstance(b, float):
            return float(fn(a, b))
        out = np.empty(np.broadcast_shapes(np.shape(a), np.shape(b)))
        return fn(a, b, out=out, casting="unsafe")

    return compare


@dataclass
class Step:
    """One assignment of the per-step program: ``values[slot] = fn(values, t)``."""

    name: str
    slot: int
    fn: Fn


class Program(Visitor):
    """A lowered model compiled to closures; ``run_chunk`` integrates one chunk of draws."""

    def __init__(self, lowered: Lowered):
        self.lowered = lowered
        self.model = model = lowered.model
        self.dims = list(model.dimensions)
        self.sizes = [len(model.dimensions[d]) for d in self.dims]
        self.slot: dict[str, int] = {}
        self.slot_dims: dict[str, tuple[str, ...]] = {}
        for var in model.variables.values():
            self._new_slot(var.name, var.dims)
        for stock in lowered.stocks[len(model.stocks):]:
            self._new_slot(stock.name, stock.dims)
        for assignment in lowered.assignments:
            if assignment.var.name not in self.slot:
                self._new_slot(assignment.var.name, assignment.var.dims)
        for limit in lowered.limits:
            for name in (available_name(limit.stock), left_name(limit.stock)):
                self._new_slot(name, limit.stock.dims)
        for param in model.params:
            self._new_slot(base_name(param), param.dims)
        self._new_slot(DRAWS, ())
        self._fns: dict[int, Fn] = {}
        self._plain_steps: dict[frozenset[str], list[Step]] = {}

    # -- shapes -------------------------------------------------------------------
    def _new_slot(self, name: str, dims: tuple[str, ...]) -> None:
        if name in self.slot:
            raise ModelError(f"the name '{name}' clashes with one the engine records")
        self.slot[name] = len(self.slot)
        self.slot_dims[name] = dims

    def axis(self, dim: str) -> int:
        return self.dims.index(dim)

    def full_shape(self, dims: Sequence[str]) -> tuple[int, ...]:
        """Sizes of a variable with ``dims`` on the model's axes (1 elsewhere)."""
        return tuple(s if d in dims else 1 for d, s in zip(self.dims, self.sizes, strict=True))

    # -- expressions --------------------------------------------------------------
    def compile(self, node: Expr) -> Fn:
        """A closure computing ``node`` from the slot values and the time."""
        key = id(node)
        if key not in self._fns:
            self._fns[key] = self.visit(node)
        return self._fns[key]

    def variable(self, node: Variable) -> Fn:
        i = self.slot[node.name]
        return lambda v, t: v[i]

    def constant(self, node) -> Fn:
        c = node.value
        return lambda v, t: c

    def date(self, node) -> Fn:
        c = self.model.months(node.text)
        return lambda v, t: c

    def time(self, node) -> Fn:
        return lambda v, t: t

    def negate(self, node) -> Fn:
        f = self.compile(node.operand)
        return lambda v, t: -f(v, t)

    def invert(self, node) -> Fn:
        f = self.compile(node.operand)
        return lambda v, t: np.multiply(np.equal(f(v, t), 0.0), 1.0)

    def lookup(self, node) -> Fn:
        f, xs, ys = self.compile(node.operand), node.lookup.xs, node.lookup.ys
        return lambda v, t: np.interp(f(v, t), xs, ys)

    def reduce(self, node) -> Fn:
        f, axis = self.compile(node.operand), self.axis(node.dim)
        add = np.add.reduce
        if node.how == "sum":
            return lambda v, t: add(f(v, t), axis=axis, keepdims=True)
        if node.how == "mean":
            size = len(self.model.dimensions[node.dim])
            return lambda v, t: add(f(v, t), axis=axis, keepdims=True) / size
        op = {"prod": np.multiply, "min": np.minimum, "max": np.maximum}[node.how].reduce
        return lambda v, t: op(f(v, t), axis=axis, keepdims=True)

    def take(self, node) -> Fn:
        """The source axis's members at ``indices``, moved onto the target's axis."""
        f, source, target = self.compile(node.operand), self.axis(node.source), self.axis(node.dim)
        indices = np.asarray(node.indices)

        def take(v, t):
            value = np.asarray(f(v, t))
            if value.ndim == 0 or value.shape[source] == 1:
                return value  # the same for every member
            return np.swapaxes(np.take(value, indices, axis=source), source, target)

        return take

    def array(self, node) -> Fn:
        """Each part computed over its own dimensions, moved onto the array's and written
        into the members it gives."""
        fs = [self.compile(p) for p in node.parts]
        shape = self.full_shape(node.dims)
        placed = []
        for over, at, pick in zip(node.over, node.at, node.pick, strict=True):
            moves, index = [], [[0] for _ in self.dims]
            for dim, sub, members, where in zip(node.dims, over, at, pick, strict=True):
                index[self.axis(dim)] = list(members)
                if sub is not None:
                    moves.append((self.axis(sub), self.axis(dim), np.asarray(where)))
            placed.append((moves, index))

        def array(v, t):
            values = [np.asarray(f(v, t), dtype=float) for f in fs]
            n = max(x.shape[-1] if x.ndim else 1 for x in values)
            out = np.full(shape + (n,), np.nan)  # a member no part gives is NaN
            for value, (moves, index) in zip(values, placed, strict=True):
                if value.ndim == 0:
                    value = value.reshape((1,) * (len(shape) + 1))
                for sub, dim, where in moves:
                    if value.shape[sub] > 1:
                        value = np.take(value, where, axis=sub)
                    if sub != dim:
                        value = np.swapaxes(value, sub, dim)
                cells = np.ix_(*index, np.arange(n))
                out[cells] = np.broadcast_to(value, tuple(len(i) for i in index) + (n,))
            return out

        return array

    def select(self, node) -> Fn:
        f, axis = self.compile(node.operand), self.axis(node.dim)
        i = self.model.dimensions[node.dim].index(node.member)
        index = (slice(None),) * axis + (slice(i, i + 1),)
        return lambda v, t: f(v, t)[index]

    def binary(self, node: BinOp) -> Fn:
        """Operands that are constants or named variables are read directly, saving a call
        per operand on every step."""
        if node.op == "*" and any(isinstance(x, BinOp) and x.op == "*"
                                  for x in (node.left, node.right)):
            return self._product(node)
        op = BINARY.get(node.op) or _as_float(COMPARE[node.op])
        a, b = node.left, node.right
        if node.op in _IN_PLACE and (_fresh(a) or _fresh(b)):
            op = _reusing(op, _IN_PLACE[node.op], 0 if _fresh(a) else 1)
        if isinstance(a, Variable) and isinstance(b, Variable):
            i, j = self.slot[a.name], self.slot[b.name]
            return lambda v, t: op(v[i], v[j])
        if isinstance(b, Const):
            fa, c = self.compile(a), b.value
            return lambda v, t: op(fa(v, t), c)
        if isinstance(a, Const):
            c, fb = a.value, self.compile(b)
            return lambda v, t: op(c, fb(v, t))
        if isinstance(b, Variable):
            fa, j = self.compile(a), self.slot[b.name]
            return lambda v, t: op(fa(v, t), v[j])
        if isinstance(a, Variable):
            i, fb = self.slot[a.name], self.compile(b)
            return lambda v, t: op(v[i], fb(v, t))
        fa, fb = self.compile(a), self.compile(b)
        return lambda v, t: op(fa(v, t), fb(v, t))

    def factors(self, node: BinOp) -> list[Expr]:
        """The operands of a chain of products in the order they are multiplied, smallest
        first: constants, then values over fewer dimensions, so that the full-size arrays
        are passed over least often (every backend multiplies in this order)."""
        factors, chain = [], [node]
        while chain:
            part = chain.pop()
            if isinstance(part, BinOp) and part.op == "*":
                chain += [part.right, part.left]
            else:
                factors.append(part)
        factors.sort(key=self._cells)
        return factors

    def _product(self, node: BinOp) -> Fn:
        """A chain of products, multiplied in the order of ``factors``."""
        fs = [self.compile(f) for f in self.factors(node)]
        over_first = _reusing(operator.mul, np.multiply, 0)

        def product(v, t):
            result = fs[0](v, t) * fs[1](v, t)  # a new array (or a number)
            for f in fs[2:]:
                result = over_first(result, f(v, t))
            return result

        return product

    def _cells(self, node: Expr) -> int:
        """Values per draw an operand may hold: 0 for a constant."""
        if isinstance(node, Const | Date):
            return 0
        return int(np.prod(self.full_shape(self.lowered.dims(node))))

    def call(self, node) -> Fn:
        """A builtin's NumPy implementation (only those without state remain once lowered)."""
        builtin = BUILTINS[node.fn]
        op, fs = builtin.numpy, [self.compile(a) for a in node.args]
        if builtin.along:
            return self._along(node, op, fs)
        if builtin.timed:
            dt = self.model.dt
            return lambda v, t: op(t, dt, *[f(v, t) for f in fs])
        if len(fs) == 1:
            f = fs[0]
            return lambda v, t: op(f(v, t))
        if len(fs) == 2:
            fa, fb = fs
            return lambda v, t: op(fa(v, t), fb(v, t))
        return lambda v, t: op(*[f(v, t) for f in fs])

    def _along(self, node, op, fs) -> Fn:
        """A builtin along a dimension, each argument spread over its axis (a value the
        same for every member of it is one member wide)."""
        axis, ones = self.axis(node.along), (1,) * (len(self.dims) + 1)
        size = len(self.model.dimensions[node.along])

        def spread(x):
            x = np.asarray(x, dtype=float)
            x = x.reshape(ones) if x.ndim == 0 else x
            return np.broadcast_to(x, x.shape[:axis] + (size,) + x.shape[axis + 1:])

        return lambda v, t: op(axis, *[spread(f(v, t)) for f in fs])

    # -- the per-step program -----------------------------------------------------
    def steps(self, interventions: Sequence[Intervention], n: int, offset: int,
              needed: set[str]) -> list[Step]:
        """The lowered assignments of the names in ``needed`` (see ``needed``), in order,
        with interventions; those with per-draw values take draws ``offset`` to
        ``offset + n``."""
        if interventions:
            return self._steps(interventions, n, offset, needed)
        key = frozenset(needed)
        if key not in self._plain_steps:
            self._plain_steps[key] = self._steps((), n, offset, needed)
        return self._plain_steps[key]

    def needed(self, outputs: Sequence[str]) -> set[str]:
        """Names a run has to compute, step by step, to give ``outputs``: those outputs
        and everything they read, back through stocks, flows and hidden states."""
        found, todo = set(), list(outputs)
        while todo:
            name = todo.pop()
            if name not in found:
                found.add(name)
                todo.extend(self.lowered.reads.get(name, ()))
        return found

    def _steps(self, interventions: Sequence[Intervention], n: int, offset: int,
               needed: set[str]) -> list[Step]:
        model = self.model
        by_target: dict[str, list[Override]] = {}
        for override in self.lowered.overrides(interventions):
            by_target.setdefault(override.target, []).append(override)

        def step(name: str, fn: Fn) -> Step:
            for override in by_target.get(name, ()):
                fn = self._intervene(fn, override, n, offset)
            return Step(name, self.slot[name], fn)

        steps = [step(name, self.compile_slot(base_name(model[name])))
                 for name in by_target if name in needed
                 and getattr(model.variables.get(name), "kind", None) == "param"]
        for assignment in self.lowered.assignments:
            name = assignment.var.name
            if name not in needed:
                continue
            if assignment.kind == "equation":
                fn = self.compile(assignment.expr)
            elif assignment.kind == "limited":
                raw = self.lowered.raw_of[name]
                fn = self._limited_flow(raw, assignment.limit.scale.name)
            elif assignment.kind == "limit":
                fn = self._scale(assignment.limit)
            else:
                fn = self._noise(assignment.var)
            steps.append(step(name, fn))
        return steps

    def compile_slot(self, name: str) -> Fn:
        i = self.slot[name]
        return lambda v, t: v[i]

    def _limited_flow(self, raw: str, scale: str) -> Fn:
        """A limited outflow: its requested rate times its stock's scale."""
        i, j = self.slot[raw], self.slot[scale]
        return lambda v, t: v[i] if v[j] is DELIVERED else v[i] * v[j]

    def _scale(self, limit: Limit) -> Fn:
        """``limit.expr``, the fraction of the requested outflow a non-negative stock can
        deliver this step: ``DELIVERED`` when no draw and no member is short, as in most
        steps. The sums it compares are kept for the stock's update (see
        ``available_name``)."""
        stock, dt = limit.stock, self.model.dt
        i = self.slot[stock.name]
        ins = [self.slot[f.name] for f in limit.counted]
        outs = [self.slot[raw.name] for raw in limit.raws.values()]
        kept_available, kept_left = self.slot[available_name(stock)], self.slot[left_name(stock)]
        least = np.fmin.reduce  # NaN is passed over (such draws deliver all, as below)

        def scale(v, t):
            available = add_all([v[i] if dt == 1 else v[i] / dt] + [v[j] for j in ins])
            requested = add_all([v[j] for j in outs])
            v[kept_available] = available
            v[kept_left] = left = available - requested
            # the ratio below is at least 1 (or 0/0) everywhere unless one of these is < 0
            if least(left, axis=None) >= 0 and least(requested, axis=None) >= 0:
                return DELIVERED
            ratio = available / requested  # run_chunk silences 0/0
            # nothing requested (0/0) delivers all: fmin and fmax pass over NaN
            return np.fmax(np.fmin(ratio, 1.0, out=ratio), 0.0, out=ratio)

        return scale

    def _noise(self, noise: Noise) -> Fn:
        """Uniform numbers of this step for the chunk's draws (see ``sampling.stream``)."""
        draws, shape, dt = self.slot[DRAWS], self.full_shape(noise.dims), self.model.dt
        t0 = self.model.initial_time
        return lambda v, t: stream(noise.name, round((t - t0) / dt), shape, *v[draws])

    def _intervene(self, fn: Fn, override: Override, n: int, offset: int) -> Fn:
        t0, t1 = override.start, override.end
        value = override.value
        if value.ndim == 1:
            value = value[offset:offset + n].reshape((1,) * len(self.dims) + (n,))
        mask = override.mask
        if mask is not None:
            mask = mask.reshape(self.full_shape(self.slot_dims[override.target]) + (1,))
        if override.how == "set":
            if mask is None:
                return lambda v, t: value if t0 <= t < t1 else fn(v, t)
            return lambda v, t: np.where(mask, value, fn(v, t)) if t0 <= t < t1 else fn(v, t)
        factor = value if mask is None else np.where(mask, value, 1.0)
        return lambda v, t: fn(v, t) * factor if t0 <= t < t1 else fn(v, t)


DELIVERED = 1.0
"""The scale of a stock that delivers every requested outflow in full at this step."""

DRAWS = "__draws"
"""Slot of the chunk's (start, n, seed), which the streams of random builtins read."""


def available_name(stock: Stock) -> str:
    """Name of a limited stock's level per time step plus its inflows from outside the
    limit: with dt = 1, its new level is this less what its outflows took."""
    return f"{stock.name}__available"


def left_name(stock: Stock) -> str:
    """Name of what a limited stock's available amount leaves once every outflow takes all
    it requests: its new level, with dt = 1, when none is short."""
    return f"{stock.name}__left"


def base_name(param: Variable) -> str:
    return f"{param.name}__base"
