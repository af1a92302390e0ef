"""Lowering: a checked model made into one explicit form, which backends compile and
exporters read.

In the lowered form

* every call of a builtin that holds state (smooth, delays, trend) is plain stocks with
  their flows, and every random builtin reads a named stream of uniform numbers (a
  ``Noise``, new every step); the equations read these instead of the calls;
* every non-negative stock with outflows has an explicit ``Limit``: each outflow's
  requested rate (``<flow>__raw``), the fraction the stock can deliver this step
  (``<stock>_outflow_scale``), and the outflow as their product;
* every non-negative stock has a floor: the inflow that stops one step taking it below 0;
* interventions become ``Override``s, with their member masks and time windows explicit;
* the values computed each step are one ordered list of ``Assignment``s.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..sd.builtins import BUILTINS
from ..sd.check import CheckedModel
from ..sd.expr import Call, Const, Expr, Visitor
from ..sd.functions import maximum, minimum, zidz
from ..sd.graph import nodes, order, references
from ..sd.model import Aux, Flow, ModelError, Stock, Variable
from .interventions import Intervention


class Noise(Variable):
    """Uniform numbers in [0, 1), new every step, in a stream of its own per draw."""

    kind = "noise"

    def __init__(self, name: str, dims: tuple[str, ...], owner: str):
        super().__init__(name, "1", f"uniform numbers for a random builtin in {owner}", ())
        self.dims = dims


def value(name: str, expr: Expr, dims: tuple[str, ...], doc: str) -> Aux:
    """A named value of the lowered form that the model does not name."""
    var = Aux(name, expr, None, dims, doc, (), False)
    var.dims = dims
    return var


@dataclass(eq=False)
class State:
    """The hidden state of one call: the call as written, and what it became."""

    name: str
    call: Call
    owner: Variable
    dims: tuple[str, ...]
    output: Expr = None
    stocks: list[Stock] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    noises: list[Noise] = field(default_factory=list)


class Hidden:
    """What a builtin's ``lower`` rule builds its state with (see ``sd.builtins``)."""

    def __init__(self, state: State, dt: float, start: float, fixed: dict[str, str]):
        self.state, self.dt, self.start, self.fixed = state, dt, start, fixed

    def stock(self, init: Expr, part: str = "") -> Stock:
        state = self.state
        name = state.name + (f"__{part}" if part else "")
        stock = Stock(name, init, None, state.dims, f"hidden state of {state.call.fn} in "
                      f"{state.owner.name}", (), False)
        state.stocks.append(stock)
        return stock

    def flow(self, src: Stock | None, dst: Stock | None, rate: Expr) -> Flow:
        state = self.state
        flow = Flow(f"{state.name}__flow{len(state.flows) + 1}", src, dst, rate, None,
                    f"hidden flow of {state.call.fn} in {state.owner.name}", ()
                    ).connect(state.dims)
        state.flows.append(flow)
        return flow

    def noise(self) -> Noise:
        noise = Noise(f"{self.state.name}__u", self.state.dims, self.state.owner.name)
        self.state.noises.append(noise)
        return noise

    def number(self, expr: Expr, what: str) -> float:
        """A number that fixes the state's structure (a delay's order, a pipeline's
        length): the value ``expr`` has at the start of the run, as Vensim reads it.
        The parameters it reads are recorded as fixed: they cannot vary by draw."""
        start = _AtStart(self.state.owner.name, what, self.start, self.dt)
        found = start.visit(expr)
        if np.ndim(found):
            raise ModelError(f"'{self.state.owner.name}': {what} must be one number, "
                             f"not one per member")
        self._fix(start.read, what)
        return float(found)

    def stages(self, order: int, delay: Expr) -> int:
        """A delay's order, lowered (as PySD and Vensim do) while a stage would be shorter
        than a time step at the delay's starting value; what that value reads is then
        fixed. A delay whose start the engine cannot work out keeps its order."""
        start = _AtStart(self.state.owner.name, "the delay time", self.start, self.dt)
        try:
            first = float(np.min(start.visit(delay)))
        except ModelError:
            return order
        fewer = order
        while fewer > 1 and fewer * self.dt > first:
            fewer -= 1
        if fewer < order:
            self._fix(start.read, "the delay time (which lowers its order)")
        return fewer

    def _fix(self, names: list[str], what: str) -> None:
        for name in names:
            self.fixed.setdefault(name, f"{what} in '{self.state.owner.name}'")


class _AtStart(Visitor):
    """The value a scalar expression has at the start of the run, parameters at their
    defaults; ``read`` collects the parameters it reads. For the few numbers that fix a
    state's structure (a delay's order), which the engine needs before it compiles, so
    that no compiled program exists yet to compute them."""

    def __init__(self, owner: str, what: str, start: float, dt: float):
        self.owner, self.what, self.start, self.dt = owner, what, start, dt
        self.read: list[str] = []

    def fail(self, construct: str):
        raise ModelError(f"'{self.owner}': {self.what} must be a number known at the start "
                         f"of the run, not {construct}")

    def variable(self, node):
        if node.kind == "param":
            if np.ndim(node.default):
                self.fail(f"the subscripted parameter '{node.name}'")
            self.read.append(node.name)
            return float(node.default)
        if isinstance(node, Noise):
            self.fail("a random number")
        return self.visit(node.equation())

    def constant(self, node):
        return node.value

    def time(self, node):
        return self.start

    def date(self, node):
        self.fail("a date")

    def binary(self, node):
        from .compile import BINARY, COMPARE

        a, b = self.visit(node.left), self.visit(node.right)
        op = BINARY.get(node.op) or COMPARE[node.op]
        return float(op(a, b))

    def negate(self, node):
        return -self.visit(node.operand)

    def invert(self, node):
        return float(self.visit(node.operand) == 0.0)

    def lookup(self, node):
        return float(np.interp(self.visit(node.operand), node.lookup.xs, node.lookup.ys))

    def call(self, node):
        builtin = BUILTINS[node.fn]
        if builtin.along:
            self.fail(f"the value of {node.fn}")
        args = [self.visit(a) for a in node.args]
        if builtin.lower is not None:
            if node.fn != "initial":
                self.fail(f"the value of {node.fn}")
            return args[0]
        value = builtin.numpy(self.start, self.dt, *args) if builtin.timed else \
            builtin.numpy(*args)
        return float(value)

    def reduce(self, node):
        self.fail("a value over a dimension")

    select = take = array = reduce


@dataclass(eq=False)
class Limit:
    """A non-negative stock's limit on its outflows: ``expr`` is the fraction it delivers,
    written in the language (1 when the requests fit, else what is available over them)."""

    stock: Stock
    scale: Aux
    raws: dict[str, Aux]  # outflow name -> its requested rate
    counted: list[Flow]  # inflows counted as available within the step
    expr: Expr


@dataclass(eq=False)
class Assignment:
    """``var = expr`` each step. ``kind``: "equation", "limit" (``Limit.expr``, for the
    stock ``limit``), "limited" (a limited outflow: raw rate times scale) or "noise"."""

    var: Variable
    expr: Expr | None
    kind: str
    limit: Limit | None = None


@dataclass(frozen=True)
class Override:
    """An intervention made explicit: in [start, end), ``target`` is set to, or multiplied
    by, ``value`` where ``mask`` (over the target's dimensions) is true, or everywhere."""

    target: str
    how: str
    value: np.ndarray
    mask: np.ndarray | None
    start: float
    end: float


@dataclass(eq=False)
class Lowered:
    checked: CheckedModel
    stocks: list[Stock]  # the model's, then the hidden ones
    inits: dict[str, Expr]  # each stock's initial value
    assignments: list[Assignment]  # in evaluation order
    states: dict[int, State]  # by id of the call
    limits: list[Limit]
    floors: dict[str, Expr]  # non-negative stock -> the inflow that keeps it at or above 0
    reads: dict[str, list[str]]  # what each stock (start and flows) and assignment reads
    fixed: dict[str, str]  # parameter -> the structure it fixes (it cannot vary by draw)
    initial: dict[str, Expr]  # assignments that read otherwise while initial values are made

    @property
    def model(self):
        return self.checked.model

    def dims(self, node: Expr) -> tuple[str, ...]:
        return self.checked.dims(node)

    @property
    def raw_of(self) -> dict[str, str]:
        """Limited outflow -> name of its requested rate."""
        return {flow: raw.name for lim in self.limits for flow, raw in lim.raws.items()}

    def overrides(self, interventions: Sequence[Intervention]) -> list[Override]:
        """Interventions with their windows and member masks worked out."""
        model, found = self.model, []
        for iv in interventions:
            var = model.variables[iv.target]
            how = "multiply" if iv.set is None else "set"
            mask = None
            chosen = iv.members(model)
            if chosen:
                mask = np.ones(tuple(len(model.dimensions[d]) for d in var.dims), dtype=bool)
                for dim, members in chosen.items():
                    keep = np.array([m in members for m in model.dimensions[dim].members])
                    shape = [1] * mask.ndim
                    shape[var.dims.index(dim)] = len(keep)
                    mask = mask & keep.reshape(shape)
            amount = np.asarray(iv.multiply if iv.set is None else iv.set, dtype=float)
            target = self.raw_of.get(iv.target, iv.target)  # a limited flow's request
            found.append(Override(target, how, amount, mask, *iv.window(model)))
        return found


class _Rewrite(Visitor):
    """Equations with each call of a builtin that holds state replaced by its output."""

    def __init__(self, states: dict[int, State], dt: float, start: float):
        self.states, self.dt, self.start, self.memo = states, dt, start, {}
        self.fixed: dict[str, str] = {}  # parameter -> the structure it fixes

    def of(self, node: Expr) -> Expr:
        key = id(node)
        if key not in self.memo:
            self.memo[key] = self.visit(node)
        return self.memo[key]

    def _same(self, node):
        return node

    variable = constant = date = time = _same

    def _rebuilt(self, node, **changed):
        def same(a, b):
            if isinstance(a, tuple):
                return all(x is y for x, y in zip(a, b, strict=True))
            return a is b

        if all(same(changed[k], getattr(node, k)) for k in changed):
            return node
        return type(node)(**{**node.__dict__, **changed})

    def binary(self, node):
        return self._rebuilt(node, left=self.of(node.left), right=self.of(node.right))

    def negate(self, node):
        return self._rebuilt(node, operand=self.of(node.operand))

    invert = reduce = select = lookup = take = negate

    def array(self, node):
        return self._rebuilt(node, parts=tuple(self.of(p) for p in node.parts))

    def call(self, node):
        args = tuple(self.of(a) for a in node.args)
        state = self.states.get(id(node))
        if state is None:
            return self._rebuilt(node, args=args)
        if state.output is None:
            state.output = BUILTINS[node.fn].lower(
                Hidden(state, self.dt, self.start, self.fixed), *args)
        return state.output


class _Initially(_Rewrite):
    """Equations as they read while the stocks' initial values are worked out: each
    ``active_initial(x, init)`` is its ``init``."""

    def call(self, node):
        if node.fn == "active_initial":
            return self.of(node.args[1])
        return self._rebuilt(node, args=tuple(self.of(a) for a in node.args))


def _states(checked: CheckedModel) -> dict[int, State]:
    """A state for each call that holds one, named after its variable: ``x_smooth``,
    ``x_smooth2``, ``x_delay3``..."""
    states: dict[int, State] = {}
    for var in checked.model.variables.values():
        eq = var.equation()
        if eq is None:
            continue
        counts: dict[str, int] = {}
        for node in nodes(eq):
            if isinstance(node, Call) and BUILTINS[node.fn].lower and id(node) not in states:
                k = counts[node.fn] = counts.get(node.fn, 0) + 1
                name = f"{var.name}_{node.fn}{'' if k == 1 else k}"
                states[id(node)] = State(name, node, var, checked.dims(node))
    return states


def add_all(terms: list, empty=0.0):
    """``terms`` added left to right (expressions or arrays), or ``empty`` if there are
    none: no extra addition of a start, as ``sum`` makes (a pass over arrays)."""
    return functools.reduce(operator.add, terms) if terms else empty


def _net(stock: Stock) -> Expr:
    net = None
    for flow in stock.inflows:
        net = flow if net is None else net + flow
    for flow in stock.outflows:
        net = -flow if net is None else net - flow
    return Const(0.0) if net is None else net


def lower(checked: CheckedModel) -> Lowered:
    """The explicit form of a checked model."""
    model, dt = checked.model, checked.model.dt
    states = _states(checked)
    rewrite = _Rewrite(states, dt, float(model.initial_time))
    equations = {v.name: rewrite.of(v.equation()) for v in model.variables.values()
                 if v.kind in ("aux", "flow")}
    inits = {s.name: rewrite.of(s.init) for s in model.stocks}
    limited = [s for s in model.stocks if s.nonnegative and s.outflows]
    limited_names = {s.name for s in limited}
    limits, limit_of = [], {}
    for stock in limited:
        raws = {f.name: value(f"{f.name}__raw", equations[f.name], f.dims,
                              f"rate of {f.name} requested, before the limit that keeps "
                              f"{stock.name} from going below zero")
                for f in stock.outflows}
        counted = [f for f in stock.inflows if f.src is None or f.src.name not in limited_names]
        available = stock / dt + add_all(counted) if counted else stock / dt
        requested = add_all(list(raws.values()), Const(0.0))
        fraction = minimum(1.0, maximum(0.0, BUILTINS["if_then_else"](
            requested > available, zidz(available, requested), 1.0)))
        scale = value(f"{stock.name}_outflow_scale", fraction, stock.dims,
                      f"fraction of the requested outflow {stock.name} can deliver this step "
                      "(1 = not limited)")
        limit = Limit(stock, scale, raws, counted, fraction)
        limits.append(limit)
        limit_of.update({f: limit for f in raws})
    floors = {s.name: maximum(0.0, -(s / dt + _net(s))) for s in model.stocks if s.nonnegative}

    found: dict[str, Assignment] = {}
    for var in model.variables.values():
        if var.kind not in ("aux", "flow"):
            continue
        limit = limit_of.get(var.name)
        if limit is None:
            found[var.name] = Assignment(var, equations[var.name], "equation")
        else:
            raw = limit.raws[var.name]
            found[raw.name] = Assignment(raw, raw.expr, "equation")
            found[var.name] = Assignment(var, raw * limit.scale, "limited", limit)
    for state in states.values():
        for flow in state.flows:
            found[flow.name] = Assignment(flow, flow.rate, "equation")
        for noise in state.noises:
            found[noise.name] = Assignment(noise, None, "noise")
    for limit in limits:
        found[limit.scale.name] = Assignment(limit.scale, limit.expr, "limit", limit)

    reads: dict[str, list[str]] = {}
    for name, assignment in found.items():
        if assignment.kind == "limit":
            lim = assignment.limit
            reads[name] = [lim.stock.name, *(f.name for f in lim.counted),
                           *(raw.name for raw in lim.raws.values())]
        elif assignment.expr is not None:
            reads[name] = [v.name for v in references(assignment.expr)]
        else:
            reads[name] = []
    stocks = model.stocks + [s for state in states.values() for s in state.stocks]
    inits.update({s.name: s.init for s in stocks[len(model.stocks):]})
    for stock in stocks:
        reads[stock.name] = ([v.name for v in references(inits[stock.name])]
                             + [f.name for f in stock.inflows + stock.outflows])
    initially = _Initially({}, dt, float(model.initial_time))
    inits = {name: initially.of(expr) for name, expr in inits.items()}
    initial = {name: initially.of(a.expr) for name, a in found.items() if a.expr is not None
               and any(isinstance(n, Call) and n.fn == "active_initial" for n in nodes(a.expr))}
    deps = {name: [d for d in reads[name] if d in found] for name in found}
    order(deps, "algebraic loop (through the limits of non-negative stocks)")
    ordered = [found[name] for name in near_first_use(deps)]
    return Lowered(checked, stocks, inits, ordered, states, limits, floors, reads,
                   rewrite.fixed, initial)


def near_first_use(deps: dict[str, list[str]]) -> list[str]:
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
