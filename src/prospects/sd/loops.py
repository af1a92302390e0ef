"""Feedback loops: the cycles of a model's causal graph, each with its polarity where the
signs of the equations settle it (every cycle passes through a stock or a delay)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from .expr import Expr, Visitor
from .graph import references
from .model import Model, Variable

#: Builtins that rise with each of the arguments listed (by position); the others must not
#: depend on the cause for the slope to be determined.
_RISING = {"maximum": (0, 1), "minimum": (0, 1), "exp": (0,), "log": (0,), "sqrt": (0,),
           "integer": (0,), "smooth": (0,), "smooth3": (0,), "delay1": (0,), "delay3": (0,),
           "delay_fixed": (0,), "step": (0,), "pulse": (), "ramp": (0,)}
INF = float("inf")

REINFORCING, BALANCING, UNKNOWN = "reinforcing", "balancing", "polarity not determined"


def _add(a, b):
    """The sign of a sum of terms of signs a and b (0: no term; None: unknown)."""
    if a == 0:
        return b
    if b == 0 or a == b:
        return a
    return None


def _mul(a, b):
    if a == 0 or b == 0:
        return 0
    return None if a is None or b is None else a * b


def _neg(a):
    return None if a is None else -a


def _monotone(ys) -> int | None:
    steps = {(b > a) - (b < a) for a, b in zip(ys, ys[1:], strict=False)} - {0}
    return steps.pop() if len(steps) == 1 else (0 if not steps else None)


def _product(a, b):
    corners = [x * y for x in a for y in b if not ({x, y} >= {0.0} and INF in map(abs, {x, y}))]
    return (min(corners, default=0.0), max(corners, default=0.0)) if corners else (-INF, INF)


def _terms(node: Expr) -> list[Expr]:
    """The terms of a sum, flattened."""
    if node.form == "binary" and node.op == "+":
        return _terms(node.left) + _terms(node.right)
    return [node]


class _Ranges(Visitor):
    """The range (low, high) an expression's value can take: parameters within the ranges
    given (else at their defaults), stocks not negative where they are declared so."""

    def __init__(self, ranges: dict[str, tuple[float, float]]):
        self.ranges = ranges
        self.of = cache(self._variable)

    def sign(self, node: Expr) -> int | None:
        low, high = self.visit(node)
        return 1 if low >= 0 else -1 if high <= 0 else None

    def _variable(self, var: Variable):
        if var.kind == "stock":
            return (0.0, INF) if var.nonnegative else (-INF, INF)
        if var.kind == "param":
            default = (float(var.default.min()), float(var.default.max()))
            low, high = self.ranges.get(var.name, default)
            return min(low, default[0]), max(high, default[1])
        return self.visit(var.equation())

    def variable(self, node):
        return self.of(node)

    def constant(self, node):
        return (node.value, node.value)

    def date(self, node):
        return (0.0, INF)

    time = date

    def invert(self, node):
        return (0.0, 1.0)

    def binary(self, node):
        (a, b), (c, d) = self.visit(node.left), self.visit(node.right)
        if node.op == "+":
            return (a + c, b + d)
        if node.op == "-":
            return (a - d, b - c)
        if node.op == "*":
            return _product((a, b), (c, d))
        if node.op == "/":
            others = [t for t in _terms(node.right) if t is not node.left]
            if a >= 0 and len(others) < len(_terms(node.right)) and all(
                    self.visit(t)[0] >= 0 for t in others):
                return (0.0, 1.0)  # x / (x + y + ...): a share
            if c > 0 or d < 0:
                return _product((a, b), (1 / d, 1 / c))
            return (0.0, INF) if a >= 0 and c >= 0 else (-INF, INF)  # not negative, or undefined
        if node.op == "**":
            return (0.0, INF) if a >= 0 else (-INF, INF)
        return (0.0, 1.0)  # comparisons and logic

    def negate(self, node):
        low, high = self.visit(node.operand)
        return (-high, low)

    def call(self, node):
        args = [self.visit(a) for a in node.args]
        if node.fn in ("maximum", "minimum"):
            pick = max if node.fn == "maximum" else min
            return (pick(args[0][0], args[1][0]), pick(args[0][1], args[1][1]))
        if node.fn == "if_then_else":
            return (min(args[1][0], args[2][0]), max(args[1][1], args[2][1]))
        if node.fn in ("step", "ramp"):
            return (min(0.0, args[0][0]), max(0.0, args[0][1]))
        if node.fn == "pulse":
            return (0.0, 1.0)
        if node.fn == "exp":
            return (math.exp(min(args[0][0], 700.0)), math.exp(min(args[0][1], 700.0)))
        if node.fn in ("absolute", "sqrt"):
            return (0.0, INF)
        if node.fn in _RISING and len(node.args) <= 3 and node.fn.startswith(("smooth", "delay")):
            return args[0] if len(args) < 3 else (min(args[0][0], args[2][0]),
                                                  max(args[0][1], args[2][1]))
        return (-INF, INF)

    def lookup(self, node):
        return (min(node.lookup.ys), max(node.lookup.ys))

    def reduce(self, node):
        low, high = self.visit(node.operand)
        if node.how == "mean":
            return (low, high)
        n = len(self.dimensions[node.dim])
        return (min(low, low * n), max(high, high * n))

    def select(self, node):
        return self.visit(node.operand)


class _Slope(Visitor):
    """The sign of d(expression)/d(cause), reading each named variable as a leaf."""

    def __init__(self, cause: Variable, values: _Ranges):
        self.cause, self.values = cause, values

    def variable(self, node):
        return 1 if node is self.cause else 0

    def constant(self, node):
        return 0

    date = time = constant

    def _depends(self, node: Expr) -> bool:
        return any(n is self.cause for n in node.walk())

    def binary(self, node):
        a, b = self.visit(node.left), self.visit(node.right)
        va, vb = self.values.sign(node.left), self.values.sign(node.right)
        if node.op == "+":
            return _add(a, b)
        if node.op == "-":
            return _add(a, _neg(b))
        if node.op == "*":
            return _add(_mul(a, vb), _mul(va, b))
        if node.op == "/":
            return _add(_mul(a, vb), _neg(_mul(va, b)))
        if node.op == "**" and b == 0 and va == 1 and node.right.form == "constant":
            return _mul(a, 1 if node.right.value > 0 else -1)
        return None if self._depends(node) else 0

    def negate(self, node):
        return _neg(self.visit(node.operand))

    def invert(self, node):
        return None if self._depends(node) else 0

    def call(self, node):
        slopes = [self.visit(a) for a in node.args]
        if node.fn == "if_then_else":
            return _add(slopes[1], slopes[2]) if slopes[0] == 0 else None
        rising = _RISING.get(node.fn, ())
        if any(s != 0 for i, s in enumerate(slopes) if i not in rising):
            return None
        total = 0
        for i in rising:
            total = _add(total, slopes[i])
        return total

    def lookup(self, node):
        return _mul(self.visit(node.operand), _monotone(node.lookup.ys))

    def reduce(self, node):
        return self.visit(node.operand)

    select = take = reduce

    def array(self, node):
        """Members written in parts: one sign if every part that responds has it."""
        total = 0
        for part in node.parts:
            total = _add(total, self.visit(part))
        return total


def links(model: Model, ranges: dict[str, tuple[float, float]] | None = None
          ) -> dict[str, dict[str, int | None]]:
    """cause -> effect -> sign of the effect's response (1, -1, or None: not determined),
    for parameters anywhere in ``ranges`` (name -> (low, high); default: their defaults).
    A flow's link to a stock is +1 for an inflow and -1 for an outflow."""
    model.check()
    values = _Ranges(ranges or {})
    values.dimensions = model.dimensions
    graph: dict[str, dict[str, int | None]] = {name: {} for name in model.variables}
    for var in model.variables.values():
        if var.kind == "stock":
            for flow in var.inflows:
                graph[flow.name][var.name] = 1
            for flow in var.outflows:
                graph[flow.name][var.name] = -1
        elif var.kind != "param":
            eq = var.equation()
            for cause in references(eq):
                sign = _Slope(cause, values).visit(eq)
                graph[cause.name][var.name] = sign or None
    return graph


@dataclass(frozen=True)
class Loop:
    path: tuple[str, ...]  # variables in causal order; the last one acts on the first
    polarity: str

    @property
    def stocks(self) -> tuple[str, ...]:
        return tuple(name for name in self.path if name in self._stock_names)

    _stock_names: frozenset = frozenset()


def _cycles(graph: dict[str, dict], limit: int) -> list[list[str]]:
    """Elementary cycles, each found once from its first node in ``graph``'s order."""
    order = {name: i for i, name in enumerate(graph)}
    found: list[list[str]] = []
    for start in graph:
        stack = [(start, iter(graph[start]))]
        path, on_path = [start], {start}
        while stack and len(found) < limit:
            node, successors = stack[-1]
            nxt = next(successors, None)
            if nxt is None:
                stack.pop()
                on_path.discard(path.pop())
            elif nxt == start:
                found.append(list(path))
            elif nxt not in on_path and order[nxt] > order[start]:
                stack.append((nxt, iter(graph[nxt])))
                path.append(nxt)
                on_path.add(nxt)
    return found


def polarity(graph: dict[str, dict[str, int | None]], path: Sequence[str]) -> str:
    """The polarity of the cycle ``path`` in ``graph`` (see ``links``): the product of its
    links' signs. KeyError names the first pair that is not a link."""
    sign = 1
    for cause, effect in zip(path, [*path[1:], path[0]], strict=True):
        if effect not in graph.get(cause, {}):
            raise KeyError(f"{cause} does not act on {effect}")
        sign = _mul(sign, graph[cause][effect])
    return {1: REINFORCING, -1: BALANCING}.get(sign, UNKNOWN)


def feedback_loops(model: Model, ranges: dict[str, tuple[float, float]] | None = None,
                   limit: int = 5000) -> list[Loop]:
    """The model's feedback loops (at most ``limit``), shortest first, each starting at a
    stock, with polarity from the product of its links' signs (see ``links``)."""
    graph = links(model, ranges)
    stocks = frozenset(v.name for v in model.stocks)
    rank = {name: (name not in stocks, i) for i, name in enumerate(graph)}
    loops = []
    for cycle in _cycles(graph, limit):
        first = min(range(len(cycle)), key=lambda i: rank[cycle[i]])
        path = tuple(cycle[first:] + cycle[:first])
        loops.append(Loop(path, polarity(graph, path), stocks))
    return sorted(loops, key=lambda loop: (len(loop.path), loop.path))
