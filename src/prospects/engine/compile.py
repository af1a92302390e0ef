"""Compile a checked model once into closures over NumPy arrays of many draws at once.

Every value is an array of shape ``(*sizes, draws)``: one axis per model dimension, of
length 1 where the variable does not vary along it, so NumPy broadcasting follows
dimension names. The draw axis is last so that every inner loop runs over draws,
contiguous in memory. A draw-independent value has 1 as its last axis, or is a float.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..sd.expr import (
    BinOp,
    Call,
    Const,
    Date,
    Expr,
    LookupCall,
    Neg,
    Not,
    Reduce,
    Select,
    Smooth,
    Time,
)
from ..sd.graph import dims_of, nodes, order
from ..sd.model import Flow, Model, ModelError, Stock, Variable
from .interventions import Intervention

Fn = Callable[[list, float], object]

_BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": np.divide,
    "**": np.power,
}
_COMPARE = {
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
    "==": np.equal, "!=": np.not_equal, "&": np.logical_and, "|": np.logical_or,
}
_UNARY = {"abs": np.abs, "exp": np.exp, "log": np.log, "sqrt": np.sqrt}
_IN_PLACE = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power}


def _fresh(node: Expr) -> bool:
    """Whether a node's value is a new array of this step (or a number), never a variable's
    array or a view of one, so that the operation reading it may write over it."""
    return isinstance(node, BinOp | Neg | LookupCall | Reduce) or (
        isinstance(node, Call) and (node.fn in _UNARY or node.fn in ("min", "max")))


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


def _choose(c, a, b):
    """``if_then_else``; a condition that is one number picks a branch without a pass."""
    if not isinstance(c, float):
        return np.where(c, a, b)
    chosen, shape = (a if c else b), np.broadcast_shapes(np.shape(a), np.shape(b))
    return chosen if np.shape(chosen) == shape else np.broadcast_to(chosen, shape)


@dataclass
class Step:
    """One assignment of the per-step program: ``values[slot] = fn(values, t)``."""

    name: str
    slot: int
    fn: Fn


class Program:
    """A model compiled to closures; ``run_chunk`` integrates one chunk of draws."""

    def __init__(self, model: Model):
        model.check()
        self.model = model
        self.dims = list(model.dimensions)
        self.sizes = [len(model.dimensions[d]) for d in self.dims]
        self.slot: dict[str, int] = {}
        self.slot_dims: dict[str, tuple[str, ...]] = {}
        for var in model.variables.values():
            self._new_slot(var.name, var.dims)
        self.smooths = list(model.smooths.values())
        for state in self.smooths:
            self._new_slot(state.name, state.dims)
        self.limited = [s for s in model.stocks if s.nonnegative and s.outflows]
        for stock in self.limited:
            for name in (scale_name(stock), available_name(stock), left_name(stock)):
                self._new_slot(name, stock.dims)
            for flow in stock.outflows:
                self._new_slot(raw_name(flow), flow.dims)
        for param in model.params:
            self._new_slot(base_name(param), param.dims)
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
            self._fns[key] = self._compile(node)
        return self._fns[key]

    def _compile(self, node: Expr) -> Fn:  # noqa: C901 - one case per node type
        if isinstance(node, Variable):
            i = self.slot[node.name]
            return lambda v, t: v[i]
        if isinstance(node, Smooth):
            i = self.slot[self.model.smooths[id(node)].name]
            return lambda v, t: v[i]
        if isinstance(node, Const):
            c = node.value
            return lambda v, t: c
        if isinstance(node, Date):
            c = self.model.months(node.text)
            return lambda v, t: c
        if isinstance(node, Time):
            return lambda v, t: t
        if isinstance(node, Neg):
            f = self.compile(node.operand)
            return lambda v, t: -f(v, t)
        if isinstance(node, Not):
            f = self.compile(node.operand)
            return lambda v, t: np.multiply(np.equal(f(v, t), 0.0), 1.0)
        if isinstance(node, BinOp):
            return self._binop(node)
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, LookupCall):
            f, xs, ys = self.compile(node.operand), node.lookup.xs, node.lookup.ys
            return lambda v, t: np.interp(f(v, t), xs, ys)
        if isinstance(node, Reduce):
            f, axis = self.compile(node.operand), self.axis(node.dim)
            add = np.add.reduce
            if node.how == "sum":
                return lambda v, t: add(f(v, t), axis=axis, keepdims=True)
            size = len(self.model.dimensions[node.dim])
            return lambda v, t: add(f(v, t), axis=axis, keepdims=True) / size
        if isinstance(node, Select):
            f, axis = self.compile(node.operand), self.axis(node.dim)
            i = self.model.dimensions[node.dim].index(node.member)
            index = (slice(None),) * axis + (slice(i, i + 1),)
            return lambda v, t: f(v, t)[index]
        raise TypeError(f"cannot compile {node!r}")

    def _binop(self, node: BinOp) -> Fn:
        """Operands that are constants or named variables are read directly, saving a call
        per operand on every step."""
        if node.op == "*" and any(isinstance(x, BinOp) and x.op == "*"
                                  for x in (node.left, node.right)):
            return self._product(node)
        op = _BINARY.get(node.op) or _as_float(_COMPARE[node.op])
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

    def _product(self, node: BinOp) -> Fn:
        """A chain of products, multiplied smallest operand first: constants, then values
        over fewer dimensions, so that the full-size arrays are passed over least often."""
        factors, chain = [], [node]
        while chain:
            part = chain.pop()
            if isinstance(part, BinOp) and part.op == "*":
                chain += [part.right, part.left]
            else:
                factors.append(part)
        factors.sort(key=self._cells)
        fs = [self.compile(f) for f in factors]
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
        return int(np.prod(self.full_shape(dims_of(self.model, node))))

    def _call(self, node: Call) -> Fn:
        fs = [self.compile(a) for a in node.args]
        fn = node.fn
        if fn in _UNARY:
            op, f = _UNARY[fn], fs[0]
            return lambda v, t: op(f(v, t))
        if fn in ("min", "max"):
            op = np.minimum if fn == "min" else np.maximum
            fa, fb = fs
            return lambda v, t: op(fa(v, t), fb(v, t))
        if fn == "if_then_else":
            fc, fa, fb = fs  # a condition is 1.0 or 0.0 (or any number: non-zero is true)
            return lambda v, t: _choose(fc(v, t), fa(v, t), fb(v, t))
        if fn == "step":
            fh, fs0 = fs  # switches at the nearest step, as Vensim does
            half = self.model.dt / 2
            return lambda v, t: fh(v, t) * (t + half > fs0(v, t))
        if fn == "pulse":
            fs0, fw = fs
            return lambda v, t: 1.0 * ((t >= fs0(v, t)) & (t < fs0(v, t) + fw(v, t)))
        if fn == "ramp":
            fk, fs0, fe = fs
            return lambda v, t: fk(v, t) * (np.minimum(np.maximum(t, fs0(v, t)), fe(v, t))
                                             - fs0(v, t))
        raise TypeError(f"unknown function {fn}")

    # -- the per-step program -----------------------------------------------------
    def steps(self, interventions: Sequence[Intervention], n: int, offset: int,
              needed: set[str]) -> list[Step]:
        """Assignments in evaluation order, with interventions and non-negativity limits,
        of the names in ``needed`` (see ``needed``).

        Interventions with per-draw values take draws ``offset`` to ``offset + n``.
        """
        if interventions:
            return self._steps(interventions, n, offset, needed)
        key = frozenset(needed)
        if key not in self._plain_steps:
            self._plain_steps[key] = self._steps((), n, offset, needed)
        return self._plain_steps[key]

    def needed(self, outputs: Sequence[str]) -> set[str]:
        """Names a run has to compute, step by step, to give ``outputs``: those outputs
        and everything they read, back through stocks, flows and smooths."""
        found, todo = set(), list(outputs)
        while todo:
            name = todo.pop()
            if name not in found:
                found.add(name)
                todo.extend(self.reads.get(name, ()))
        return found

    @cached_property
    def reads(self) -> dict[str, list[str]]:
        """What each stock, flow, auxiliary, smooth and limit reads within a step (or, for
        a stock, at the start and through its flows)."""
        def named_in(exprs) -> list[str]:
            names = []
            for expr in exprs:
                for node in nodes(expr, into_smooth=False):
                    if isinstance(node, Variable):
                        names.append(node.name)
                    elif isinstance(node, Smooth):
                        names.append(self.model.smooths[id(node)].name)
            return names

        model = self.model
        found: dict[str, list[str]] = {}
        for var in model.variables.values():
            if var.kind == "stock":
                flows = [f.name for f in var.inflows + var.outflows]
                found[var.name] = named_in([var.init]) + flows
            elif var.kind in ("aux", "flow"):
                found[var.name] = named_in([var.equation()])
        for state in self.smooths:
            found[state.name] = named_in(state.node.children())
        for stock in self.limited:
            for flow in stock.outflows:
                found[raw_name(flow)] = found[flow.name]
                found[flow.name] = [raw_name(flow), scale_name(stock)]
            found[scale_name(stock)] = [stock.name, *self.counted_inflows(stock),
                                        *map(raw_name, stock.outflows)]
        return found

    def _steps(self, interventions: Sequence[Intervention], n: int, offset: int,
               needed: set[str]) -> list[Step]:
        model = self.model
        by_target: dict[str, list[Intervention]] = {}
        for iv in interventions:
            by_target.setdefault(iv.target, []).append(iv)

        def apply(name: str, fn: Fn) -> Fn:
            for iv in by_target.get(name, ()):
                fn = self._intervene(fn, iv, n, offset)
            return fn

        assignments: dict[str, Fn] = {}
        for name in by_target:
            if model.variables[name].kind == "param":
                assignments[name] = apply(name, self.compile_slot(base_name(model[name])))
        limited = {s.name for s in self.limited}
        for var in model.variables.values():
            if var.kind not in ("aux", "flow"):
                continue
            fn = apply(var.name, self.compile(var.equation()))
            if var.kind == "flow" and var.src is not None and var.src.name in limited:
                raw, scale = raw_name(var), scale_name(var.src)
                assignments[raw] = fn
                assignments[var.name] = self._limited_flow(raw, scale)
            else:
                assignments[var.name] = fn
        for stock in self.limited:
            safe = self.counted_inflows(stock)
            raws = [raw_name(f) for f in stock.outflows]
            assignments[scale_name(stock)] = self._scale(stock, safe, raws)
        # what each assignment reads of the others, for the needed ones
        deps = {name: [d for d in self.reads.get(name, ()) if d in assignments]
                for name in assignments if name in needed}
        try:
            order(deps, "algebraic loop")
        except ModelError as err:
            raise ModelError(f"{err} (through interventions or non-negative stocks)") from None
        return [Step(key, self.slot[key], assignments[key]) for key in _near_first_use(deps)]

    def counted_inflows(self, stock: Stock) -> list[str]:
        """Inflows a limited stock counts on within the step: those not limited at their
        own source (whose amount is only known once that source's limit is)."""
        limited = {s.name for s in self.limited}
        return [f.name for f in stock.inflows if f.src is None or f.src.name not in limited]

    def compile_slot(self, name: str) -> Fn:
        i = self.slot[name]
        return lambda v, t: v[i]

    def _limited_flow(self, raw: str, scale: str) -> Fn:
        """A limited outflow: its requested rate times its stock's scale."""
        i, j = self.slot[raw], self.slot[scale]
        return lambda v, t: v[i] if v[j] is DELIVERED else v[i] * v[j]

    def _scale(self, stock: Stock, safe_inflows: list[str], raw_outflows: list[str]) -> Fn:
        """Fraction of the requested outflow a non-negative stock can deliver this step:
        ``DELIVERED`` when no draw and no member is short, as in most steps.

        The sums it compares are kept for the stock's update (see ``available_name``).
        """
        i, dt = self.slot[stock.name], self.model.dt
        ins = [self.slot[f] for f in safe_inflows]
        outs = [self.slot[f] for f in raw_outflows]
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

    def _intervene(self, fn: Fn, iv: Intervention, n: int, offset: int) -> Fn:
        t0, t1 = iv.window(self.model)
        var = self.model.variables[iv.target]
        value = np.asarray(iv.multiply if iv.set is None else iv.set, dtype=float)
        if value.ndim == 1:
            value = value[offset:offset + n].reshape((1,) * len(self.dims) + (n,))
        mask = self._mask(var, iv)
        if iv.set is not None:
            if mask is None:
                return lambda v, t: value if t0 <= t < t1 else fn(v, t)
            return lambda v, t: np.where(mask, value, fn(v, t)) if t0 <= t < t1 else fn(v, t)
        factor = value if mask is None else np.where(mask, value, 1.0)
        return lambda v, t: fn(v, t) * factor if t0 <= t < t1 else fn(v, t)

    def _mask(self, var: Variable, iv: Intervention) -> np.ndarray | None:
        chosen = iv.members(self.model)
        if not chosen:
            return None
        mask = np.ones(self.full_shape(var.dims) + (1,), dtype=bool)
        for dim, members in chosen.items():
            keep = np.array([m in members for m in self.model.dimensions[dim].members])
            shape = [1] * mask.ndim
            shape[self.axis(dim)] = len(keep)
            mask = mask & keep.reshape(shape)
        return mask


def _near_first_use(deps: dict[str, list[str]]) -> list[str]:
    """An evaluation order (of a graph without loops) that computes each value just before
    the first one that reads it, depth first, so that it is still in cache when read."""
    done: dict[str, None] = {}
    for root in deps:
        stack = [(root, iter(deps[root]))]
        while stack:
            name, reads = stack[-1]
            unread = next((d for d in reads if d in deps and d not in done), None)
            if unread is None:
                done.setdefault(name, None)
                stack.pop()
            else:
                stack.append((unread, iter(deps[unread])))
    return list(done)


DELIVERED = 1.0
"""The scale of a stock that delivers every requested outflow in full at this step."""


def add_all(arrays: list):
    """Sum of arrays without the extra pass that ``sum`` spends adding its start, 0."""
    if not arrays:
        return 0.0
    result = arrays[0]
    for array in arrays[1:]:
        result = result + array
    return result


def scale_name(stock: Stock) -> str:
    """Name of the recorded fraction of requested outflow a stock delivered (1 = all)."""
    return f"{stock.name}_outflow_scale"


def available_name(stock: Stock) -> str:
    """Name of a limited stock's level per time step plus its inflows from outside the
    limit: with dt = 1, its new level is this less what its outflows took."""
    return f"{stock.name}__available"


def left_name(stock: Stock) -> str:
    """Name of what a limited stock's available amount leaves once every outflow takes all
    it requests: its new level, with dt = 1, when none is short."""
    return f"{stock.name}__left"


def raw_name(flow: Flow) -> str:
    return f"{flow.name}__raw"


def base_name(param: Variable) -> str:
    return f"{param.name}__base"
